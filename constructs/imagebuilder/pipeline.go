package imagebuilder

import (
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
	// Schedule is an Image Builder cron expression (six fields, UTC).
	Schedule string
	// StartCondition is EXPRESSION_MATCH_ONLY or
	// EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE.
	StartCondition string
	// TestTimeoutMinutes bounds the image tests. Default: 60.
	TestTimeoutMinutes int
	// Tags on the pipeline.
	Tags map[string]string
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
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/EC2ImageBuilderExecutionPolicy")),
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
	cdknag.NagSuppressions_AddResourceSuppressions(role.Node().DefaultChild(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM4"),
		Reason: jsii.String("EC2ImageBuilderExecutionPolicy is the policy AWS maintains for Image Builder workflows; " +
			"it follows the service's needs as they change"),
		AppliesTo: &[]interface{}{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/EC2ImageBuilderExecutionPolicy"},
	}}, jsii.Bool(false))
	cdknag.NagSuppressions_AddResourceSuppressions(role.Node().FindChild(jsii.String("DefaultPolicy")), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("ec2:DescribeImages (statement ValidateAmiParameterValue) has no resource-level permissions; " +
			"SSM calls it to check the AMI id written to the golden parameter (data type aws:ec2:image)"),
		AppliesTo: &[]interface{}{"Resource::*"},
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
	return &ImagePipeline{Construct: c, Resource: res, ExecutionRole: role}
}
