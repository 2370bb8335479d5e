package imagebuilder

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/immutable-server/golden-fleet/internal/constructcheck"
	"github.com/immutable-server/golden-fleet/internal/servicerole"
)

// ImagePipelineProps configures ImagePipeline.
type ImagePipelineProps struct {
	// Name of the pipeline.
	Name string
	// Recipe the pipeline builds.
	Recipe *ImageRecipe
	// Infrastructure the builds run on.
	Infrastructure *InfrastructureConfiguration
	// Distribution says where images go; the execution role may do what
	// it does (DistributionConfiguration.GrantDistribute).
	Distribution *DistributionConfiguration
	// Schedule is an Image Builder cron expression (six fields, UTC).
	Schedule string
	// StartCondition is EXPRESSION_MATCH_ONLY or
	// EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE. Default: the
	// latter (a scheduled build runs only when a component or the parent
	// image has a newer version).
	StartCondition string
	// TestTimeout bounds the image tests: whole minutes, 60 to 1440.
	// Default: 60 minutes.
	TestTimeout time.Duration
	// Tags on the pipeline. Default: none.
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
	name          string
}

// The defaults of ImagePipelineProps.
const (
	defaultStartCondition = "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"
	defaultTestTimeout    = 60 * time.Minute
)

// NewImagePipeline creates the pipeline and its execution role.
func NewImagePipeline(scope constructs.Construct, id string, props ImagePipelineProps) *ImagePipeline {
	c := constructs.NewConstruct(scope, &id)
	timeout := props.TestTimeout
	if timeout == 0 {
		timeout = defaultTestTimeout
	}
	if timeout < time.Hour || timeout > 24*time.Hour || timeout%time.Minute != 0 {
		constructcheck.Fail(c, "image pipeline %s: TestTimeout got %s: want whole minutes from 1h0m0s to 24h0m0s (Image Builder's limits)", props.Name, timeout)
	}
	startCondition := props.StartCondition
	if startCondition == "" {
		startCondition = defaultStartCondition
	}
	// Writing the golden AMI parameter at distribution needs an execution
	// role: the service-linked role may not write SSM parameters.
	role := servicerole.New(c, "ExecutionRole", servicerole.Props{
		Service:         "imagebuilder.amazonaws.com",
		Description:     "Image Builder workflows of " + props.Name,
		ManagedPolicies: []string{"EC2ImageBuilderExecutionPolicy"},
		WhyManaged: "EC2ImageBuilderExecutionPolicy is the policy AWS maintains for Image Builder workflows; " +
			"it follows the service's needs as they change",
	})
	props.Distribution.GrantDistribute(role)
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
		DistributionConfigurationArn:   props.Distribution.Arn(),
		ExecutionRole:                  role.RoleArn(),
		Status:                         jsii.String("ENABLED"),
		EnhancedImageMetadataEnabled:   jsii.Bool(true),
		ImageTestsConfiguration: &awsimagebuilder.CfnImagePipeline_ImageTestsConfigurationProperty{
			ImageTestsEnabled: jsii.Bool(true),
			TimeoutMinutes:    jsii.Number(timeout.Minutes()),
		},
		Schedule: &awsimagebuilder.CfnImagePipeline_ScheduleProperty{
			ScheduleExpression:              jsii.String(props.Schedule),
			PipelineExecutionStartCondition: jsii.String(startCondition),
		},
		Tags: stringMap(props.Tags),
	})
	if len(props.ImageTags) > 0 {
		// ImageTags is in CloudFormation's schema of the resource (and in
		// aws-cdk-lib's), not yet in the one cfn-lint 1.51.0 ships:
		// scripts/cfn-lint-overrides.json adds it.
		res.SetImageTags(stringMap(props.ImageTags))
	}
	return &ImagePipeline{Construct: c, Resource: res, ExecutionRole: role, name: props.Name}
}

// Name of the pipeline.
func (p *ImagePipeline) Name() *string { return jsii.String(p.name) }

// Arn of the pipeline.
func (p *ImagePipeline) Arn() *string { return p.Resource.AttrArn() }
