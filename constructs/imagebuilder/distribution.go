package imagebuilder

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/internal/iamgrant"
	"github.com/immutable-server/golden-fleet/internal/stackarn"
)

// DistributedLaunchTemplate is a launch template the distribution adds a
// version to, carrying the new AMI, on every build, and makes it the
// default (fleet.LaunchTemplate).
type DistributedLaunchTemplate interface {
	LaunchTemplateId() *string
	// GrantAddVersions lets grantee add versions and set the default one.
	GrantAddVersions(grantee awsiam.IGrantable) awsiam.Grant
}

// DistributedParameter is an SSM parameter, data type aws:ec2:image, that
// the distribution writes each new AMI id into (fleet.GoldenImage).
type DistributedParameter interface {
	ParameterName() string
	ParameterArn() *string
}

// DistributionConfigurationProps configures DistributionConfiguration.
type DistributionConfigurationProps struct {
	// Name of the distribution configuration: lowercase, so its ARN can be
	// built from it (see DistributionConfiguration.Arn).
	Name string
	// AmiName names each AMI; "{{ imagebuilder:buildDate }}" is appended.
	AmiName string
	// AmiTags on every AMI distributed. Default: none.
	AmiTags map[string]string
	// LaunchTemplate gets a new version with the new AMI on every build,
	// made the default version.
	LaunchTemplate DistributedLaunchTemplate
	// Parameter gets the new AMI id on every build.
	Parameter DistributedParameter
	// ExtraRegions copy every AMI to these regions too. Default: none.
	ExtraRegions []string
}

// DistributionConfiguration distributes each AMI to the stack's region,
// bound to the fleet's launch template and golden AMI parameter, and
// copies it to any extra region.
type DistributionConfiguration struct {
	constructs.Construct
	// Resource is the L1 distribution configuration.
	Resource       awsimagebuilder.CfnDistributionConfiguration
	name           string
	launchTemplate DistributedLaunchTemplate
	parameter      DistributedParameter
}

// NewDistributionConfiguration creates the distribution configuration.
func NewDistributionConfiguration(scope constructs.Construct, id string, props DistributionConfigurationProps) *DistributionConfiguration {
	c := constructs.NewConstruct(scope, &id)
	// AmiDistributionConfiguration is untyped (interface{}) in the Go
	// binding: a Go struct would be written with its JSON field names, so
	// the CloudFormation shape is spelled out.
	ami := func() map[string]interface{} {
		m := map[string]interface{}{
			"Name":        props.AmiName + "-{{ imagebuilder:buildDate }}",
			"Description": "Golden AMI built by " + props.Name,
		}
		if len(props.AmiTags) > 0 {
			m["AmiTags"] = props.AmiTags
		}
		return m
	}
	distributions := []interface{}{&awsimagebuilder.CfnDistributionConfiguration_DistributionProperty{
		Region:                       awscdk.Stack_Of(c).Region(),
		AmiDistributionConfiguration: ami(),
		LaunchTemplateConfigurations: &[]interface{}{&awsimagebuilder.CfnDistributionConfiguration_LaunchTemplateConfigurationProperty{
			LaunchTemplateId:  props.LaunchTemplate.LaunchTemplateId(),
			SetDefaultVersion: jsii.Bool(true),
		}},
		SsmParameterConfigurations: &[]interface{}{&awsimagebuilder.CfnDistributionConfiguration_SsmParameterConfigurationProperty{
			ParameterName: jsii.String(props.Parameter.ParameterName()),
			DataType:      jsii.String("aws:ec2:image"),
		}},
	}}
	for _, region := range props.ExtraRegions {
		distributions = append(distributions, &awsimagebuilder.CfnDistributionConfiguration_DistributionProperty{
			Region:                       jsii.String(region),
			AmiDistributionConfiguration: ami(),
		})
	}
	res := awsimagebuilder.NewCfnDistributionConfiguration(c, jsii.String("Resource"), &awsimagebuilder.CfnDistributionConfigurationProps{
		Name:          jsii.String(props.Name),
		Description:   jsii.String("Golden AMI: new launch template default version and golden AMI parameter on every build"),
		Distributions: &distributions,
	})
	return &DistributionConfiguration{Construct: c, Resource: res, name: props.Name, launchTemplate: props.LaunchTemplate, parameter: props.Parameter}
}

// Name of the distribution configuration.
func (d *DistributionConfiguration) Name() *string { return jsii.String(d.name) }

// Arn of the distribution configuration, built from its name in its
// stack's account and region rather than read from the resource, so a
// pipeline in another stack refers to it without a CloudFormation export.
func (d *DistributionConfiguration) Arn() *string {
	return stackarn.Format(awscdk.Stack_Of(d.Construct), awscdk.ArnComponents{
		Service:      jsii.String("imagebuilder"),
		Resource:     jsii.String("distribution-configuration"),
		ResourceName: jsii.String(strings.ToLower(d.name)),
	})
}

// GrantDistribute lets grantee, a pipeline's execution role, do what the
// distribution does on every build: write the new AMI id into the
// parameter and add a default version to the launch template.
func (d *DistributionConfiguration) GrantDistribute(grantee awsiam.IGrantable) awsiam.Grant {
	write := iamgrant.WithSid("WriteGoldenAmiParameter", &awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("ssm:PutParameter"),
		ResourceArns: &[]*string{d.parameter.ParameterArn()},
	})
	// SSM checks that an aws:ec2:image value is an AMI the writer can
	// describe; DescribeImages has no resource-level permissions.
	validate := iamgrant.WithSid("ValidateAmiParameterValue", &awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("ec2:DescribeImages"),
		ResourceArns: jsii.Strings("*"),
	})
	return write.Combine(validate).Combine(d.launchTemplate.GrantAddVersions(grantee))
}
