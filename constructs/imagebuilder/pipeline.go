package imagebuilder

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// ImagePipelineProps configures ImagePipeline.
type ImagePipelineProps struct {
	// Name of the pipeline.
	Name string
	// Recipe the pipeline builds.
	Recipe *ImageRecipe
	// Infrastructure the builds run on.
	Infrastructure *InfrastructureConfiguration
	// DistributionConfigurationArn says where images go.
	DistributionConfigurationArn *string
	// OutputParameterArn is the SSM parameter the distribution writes; the
	// pipeline's execution role may write it.
	OutputParameterArn *string
	// LaunchTemplateTag is the tag (key and value) that marks the launch
	// template the distribution adds versions to; the execution role may
	// change only launch templates carrying it. The launch template's id
	// is not known here: it changes whenever its data does.
	LaunchTemplateTag [2]string
	// Schedule is an Image Builder cron expression (six fields, UTC).
	Schedule string
	// StartCondition is EXPRESSION_MATCH_ONLY or
	// EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE.
	StartCondition string
	// TestTimeoutMinutes bounds the image tests. Default: 60.
	TestTimeoutMinutes int
	// Tags on the pipeline.
	Tags map[string]string
	// ImageTags go on every image the pipeline builds (the Image Builder
	// image, not its AMI): a lifecycle policy selects images by them.
	// Default: none.
	ImageTags map[string]string
}

// ImagePipeline builds the recipe on a schedule, runs the image tests and
// distributes the result.
type ImagePipeline struct {
	constructs.Construct
	// Resource is the L1 pipeline.
	Resource awsimagebuilder.CfnImagePipeline
	// ExecutionRole is the role Image Builder runs the build, test and
	// distribution workflows with.
	ExecutionRole awsiam.Role
}

// NewImagePipeline creates the pipeline and its execution role.
func NewImagePipeline(scope constructs.Construct, id string, props ImagePipelineProps) *ImagePipeline {
	c := constructs.NewConstruct(scope, &id)
	timeout := props.TestTimeoutMinutes
	if timeout == 0 {
		timeout = 60
	}
	// Writing the golden AMI parameter at distribution needs an execution
	// role: the service-linked role may not write SSM parameters.
	role := awsiam.NewRole(c, jsii.String("ExecutionRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("imagebuilder.amazonaws.com"), nil),
		Description: jsii.String("Image Builder workflows of " + props.Name),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("EC2ImageBuilderExecutionPolicy")),
		},
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WriteGoldenAmiParameter"),
		Actions:   jsii.Strings("ssm:PutParameter"),
		Resources: &[]*string{props.OutputParameterArn},
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ValidateAmiParameterValue"),
		Actions:   jsii.Strings("ec2:DescribeImages"),
		Resources: jsii.Strings("*"),
	}))
	if props.LaunchTemplateTag[0] != "" {
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:     jsii.String("AddFleetLaunchTemplateVersions"),
			Actions: jsii.Strings("ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"),
			Resources: jsii.Strings(*awscdk.Stack_Of(c).FormatArn(&awscdk.ArnComponents{
				Service:      jsii.String("ec2"),
				Resource:     jsii.String("launch-template"),
				ResourceName: jsii.String("*"),
			})),
			Conditions: &map[string]interface{}{
				"StringEquals": map[string]interface{}{"aws:ResourceTag/" + props.LaunchTemplateTag[0]: props.LaunchTemplateTag[1]},
			},
		}))
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadLaunchTemplates"),
			Actions:   jsii.Strings("ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions"),
			Resources: jsii.Strings("*"),
		}))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role.Node().DefaultChild(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM4"),
		Reason: jsii.String("EC2ImageBuilderExecutionPolicy is the policy AWS maintains for Image Builder workflows; " +
			"it follows the service's needs as they change"),
		AppliesTo: &[]interface{}{"Policy::arn:<AWS::Partition>:iam::aws:policy/EC2ImageBuilderExecutionPolicy"},
	}}, jsii.Bool(false))
	cdknag.NagSuppressions_AddResourceSuppressions(role.Node().FindChild(jsii.String("DefaultPolicy")), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("ec2:DescribeImages (statement ValidateAmiParameterValue) and ec2:DescribeLaunchTemplates/Versions " +
			"(statement ReadLaunchTemplates) have no resource-level permissions; the launch template writes " +
			"(AddFleetLaunchTemplateVersions) are limited by a tag only the fleet's launch template carries"),
		AppliesTo: &[]interface{}{"Resource::*", &cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:ec2:[^:]+:[^:]+:launch-template\/\*$/`)}},
	}}, jsii.Bool(true))

	res := awsimagebuilder.NewCfnImagePipeline(c, jsii.String("Resource"), &awsimagebuilder.CfnImagePipelineProps{
		Name:                           jsii.String(props.Name),
		Description:                    jsii.String("Bakes the golden AMI and hands it to the fleet"),
		ImageRecipeArn:                 props.Recipe.Arn(),
		InfrastructureConfigurationArn: props.Infrastructure.Arn(),
		DistributionConfigurationArn:   props.DistributionConfigurationArn,
		ExecutionRole:                  role.RoleArn(),
		Status:                         jsii.String("ENABLED"),
		EnhancedImageMetadataEnabled:   jsii.Bool(true),
		ImageTestsConfiguration: &awsimagebuilder.CfnImagePipeline_ImageTestsConfigurationProperty{
			ImageTestsEnabled: jsii.Bool(true),
			TimeoutMinutes:    jsii.Number(float64(timeout)),
		},
		Schedule: &awsimagebuilder.CfnImagePipeline_ScheduleProperty{
			ScheduleExpression:              jsii.String(props.Schedule),
			PipelineExecutionStartCondition: jsii.String(props.StartCondition),
		},
		Tags: stringMap(props.Tags),
	})
	if len(props.ImageTags) > 0 {
		res.SetImageTags(stringMap(props.ImageTags))
		// ImageTags is in CloudFormation's schema of the resource (and in
		// aws-cdk-lib's), not yet in the one cfn-lint 1.51.0 ships, which
		// reports it as an unknown property. The root package's tests
		// check every other property against cfn-lint's schema.
		res.AddMetadata(jsii.String("cfn-lint"), map[string]interface{}{
			"config": map[string]interface{}{"ignore_checks": []string{"E3002"}},
		})
	}
	return &ImagePipeline{Construct: c, Resource: res, ExecutionRole: role}
}
