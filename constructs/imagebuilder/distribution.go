package imagebuilder

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DistributionConfigurationProps configures DistributionConfiguration.
type DistributionConfigurationProps struct {
	// Name of the distribution configuration: lowercase, so its ARN can be
	// built from it (see DistributionConfigurationArn).
	Name string
	// AmiName names each AMI; "{{ imagebuilder:buildDate }}" is appended.
	AmiName string
	// AmiTags on every AMI distributed.
	AmiTags map[string]string
	// LaunchTemplate gets a new version with the new AMI on every build,
	// made the default version.
	LaunchTemplate awsec2.ILaunchTemplate
	// ParameterName of an SSM parameter (data type aws:ec2:image) that
	// gets the new AMI id on every build.
	ParameterName string
	// ExtraRegions copy every AMI to these regions too. Default: none.
	ExtraRegions []string
}

// DistributionConfiguration distributes each AMI to the stack's region,
// bound to the fleet's launch template and golden AMI parameter, and
// copies it to any extra region.
type DistributionConfiguration struct {
	constructs.Construct
	// Resource is the L1 distribution configuration.
	Resource awsimagebuilder.CfnDistributionConfiguration
	name     string
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
			ParameterName: jsii.String(props.ParameterName),
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
	return &DistributionConfiguration{Construct: c, Resource: res, name: props.Name}
}

// Name of the distribution configuration.
func (d *DistributionConfiguration) Name() string { return d.name }

// DistributionConfigurationArn builds the ARN of the distribution
// configuration called name in stack's account and region, so another
// stack can refer to it without a CloudFormation export.
func DistributionConfigurationArn(stack awscdk.Stack, name string) *string {
	return stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("imagebuilder"),
		Resource:     jsii.String("distribution-configuration"),
		ResourceName: jsii.String(strings.ToLower(name)),
	})
}
