package promotion

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/internal/servicerole"
	"github.com/immutable-server/golden-fleet/internal/stackarn"
)

// Target is an environment that promotes from the stack's environment:
// where a promotion copies the AMI to and which parameter it writes.
type Target struct {
	// Name of the environment.
	Name string
	// Account and Region of the environment.
	Account, Region string
	// ParameterName of its golden AMI parameter.
	ParameterName string
	// KmsKeyArn encrypts the copy. Default: the target account's default
	// EBS key.
	KmsKeyArn string
	// AmiTags on every copy.
	AmiTags map[string]string
}

// DistributionProps configures Distribution.
type DistributionProps struct {
	// Name of the distribution configuration (lowercase: its ARN is built
	// from it).
	Name string
	// AmiName starts the copy's name; "{{ imagebuilder:buildDate }}" is
	// appended.
	AmiName string
	// Target of the promotion.
	Target Target
}

// Distribution is the Image Builder distribution configuration that
// `fleetctl promote` hands to DistributeImage: it copies an AMI the
// stack's environment built into the target's account and region and
// writes the copy's id into the target's golden AMI parameter. It adds no
// launch template version: the target's launch template resolves the
// parameter at launch.
type Distribution struct {
	constructs.Construct
	// Resource is the L1 distribution configuration.
	Resource awsimagebuilder.CfnDistributionConfiguration
	name     string
}

// NewDistribution creates the distribution configuration.
func NewDistribution(scope constructs.Construct, id string, props DistributionProps) *Distribution {
	c := constructs.NewConstruct(scope, &id)
	t := props.Target
	crossAccount := t.Account != *awscdk.Stack_Of(c).Account()
	// AmiDistributionConfiguration is untyped in the Go binding: spelled
	// out with CloudFormation's names.
	ami := map[string]interface{}{
		"Name":        props.AmiName + "-{{ imagebuilder:buildDate }}",
		"Description": "Golden AMI promoted to " + t.Name,
	}
	if len(t.AmiTags) > 0 {
		ami["AmiTags"] = t.AmiTags
	}
	if t.KmsKeyArn != "" {
		ami["KmsKeyId"] = t.KmsKeyArn
	}
	parameter := &awsimagebuilder.CfnDistributionConfiguration_SsmParameterConfigurationProperty{
		ParameterName: jsii.String(t.ParameterName),
		DataType:      jsii.String("aws:ec2:image"),
	}
	if crossAccount {
		// Image Builder copies the AMI into the target account through
		// its EC2ImageBuilderDistributionCrossAccountRole; the parameter
		// belongs to that account (AmiAccountId must be a target account
		// of the distribution).
		ami["TargetAccountIds"] = []string{t.Account}
		parameter.AmiAccountId = jsii.String(t.Account)
	}
	res := awsimagebuilder.NewCfnDistributionConfiguration(c, jsii.String("Resource"), &awsimagebuilder.CfnDistributionConfigurationProps{
		Name:        jsii.String(props.Name),
		Description: jsii.String("Promotion to " + t.Name + ": copies a golden AMI and writes the target's golden AMI parameter"),
		Distributions: &[]interface{}{&awsimagebuilder.CfnDistributionConfiguration_DistributionProperty{
			Region:                       jsii.String(t.Region),
			AmiDistributionConfiguration: ami,
			SsmParameterConfigurations:   &[]interface{}{parameter},
		}},
	})
	return &Distribution{Construct: c, Resource: res, name: props.Name}
}

// Name of the distribution configuration.
func (d *Distribution) Name() *string { return jsii.String(d.name) }

// Arn of the distribution configuration, built from its name (as fleetctl
// builds it for DistributeImage, with config.DistributionConfigurationResource).
func (d *Distribution) Arn() *string { return distributionArn(awscdk.Stack_Of(d.Construct), d.name) }

// distributionArn is the ARN of the distribution configuration called
// name in stack's account and region: Image Builder lowercases the name
// in its ARNs.
func distributionArn(stack awscdk.Stack, name string) *string {
	return stackarn.Format(stack, awscdk.ArnComponents{
		Service:      jsii.String("imagebuilder"),
		Resource:     jsii.String("distribution-configuration"),
		ResourceName: jsii.String(strings.ToLower(name)),
	})
}

// ExecutionRoleProps configures NewExecutionRole.
type ExecutionRoleProps struct {
	// RoleName is the role's fixed name; fleetctl passes its ARN to
	// DistributeImage.
	RoleName string
	// SameAccountParameters are the golden AMI parameter ARNs of targets
	// in this account, which Image Builder writes with this role. Default:
	// none (cross-account targets' parameters are written through their
	// EC2ImageBuilderDistributionCrossAccountRole).
	SameAccountParameters []*string
}

// NewExecutionRole creates the role DistributeImage runs with in the
// source account: the policy AWS maintains for Image Builder workflows
// (distribution included), plus writing the parameters of same-account
// targets.
func NewExecutionRole(scope constructs.Construct, id string, props ExecutionRoleProps) awsiam.Role {
	role := servicerole.New(scope, id, servicerole.Props{
		Service:         "imagebuilder.amazonaws.com",
		RoleName:        props.RoleName,
		Description:     "Image Builder distributes promoted golden AMIs (DistributeImage)",
		ManagedPolicies: []string{"EC2ImageBuilderExecutionPolicy"},
		WhyManaged: "EC2ImageBuilderExecutionPolicy is the policy AWS maintains for Image Builder workflows, " +
			"distribution included; it follows the service's needs as they change",
	})
	if len(props.SameAccountParameters) > 0 {
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("WritePromotedGoldenAmiParameters"),
			Actions:   jsii.Strings("ssm:PutParameter"),
			Resources: &props.SameAccountParameters,
		}))
	}
	return role
}
