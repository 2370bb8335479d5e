package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/constructs/fleet"
	"github.com/immutable-server/golden-fleet/constructs/imagebuilder"
)

// ImageFactoryStackProps configures ImageFactoryStack.
type ImageFactoryStackProps struct {
	awscdk.StackProps
	Prefix string
	Env    config.Environment
	// Network is the environment's network stack, nil for an existing VPC.
	Network *NetworkStack
	// Fleet is the stack whose launch template and golden AMI parameter
	// the pipeline's distribution updates.
	Fleet *FleetStack
	// Components resolves component names from the configuration.
	Components components.Source
}

// ImageFactoryStack is the baking side of one environment.
type ImageFactoryStack struct {
	awscdk.Stack
	Components     []*imagebuilder.Component
	Recipe         *imagebuilder.ImageRecipe
	Infrastructure *imagebuilder.InfrastructureConfiguration
	Pipeline       *imagebuilder.ImagePipeline
}

// NewImageFactoryStack creates the stack.
func NewImageFactoryStack(scope constructs.Construct, id string, props ImageFactoryStackProps) *ImageFactoryStack {
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	// The pipeline refers to the fleet's distribution by ARN, built from
	// its name, not through an export: deploy the fleet first.
	stack.AddStackDependency(props.Fleet.Stack, jsii.String("the pipeline distributes to the fleet's launch template and parameter"))
	env := props.Env
	base := props.Prefix + "-" + env.Name
	s := &ImageFactoryStack{Stack: stack}

	refs := []imagebuilder.ComponentRef{imagebuilder.CloudWatchAgent(stack)}
	add := func(name string) {
		doc, err := props.Components.Document(name)
		if err != nil {
			// config.Validate has loaded every document already.
			panic(fmt.Sprintf("component %s: %v", name, err))
		}
		c := imagebuilder.NewComponent(stack, "Component-"+name, imagebuilder.ComponentProps{
			Name:        base + "-" + name,
			Description: doc.Description,
			Data:        doc.Data,
			Tags:        env.Tags,
		})
		s.Components = append(s.Components, c)
		refs = append(refs, c.Ref())
	}
	for _, name := range env.Image.Components {
		add(name)
	}
	for _, name := range env.Image.TestComponents {
		add(name)
	}

	var parent imagebuilder.ParentImage
	switch p := env.Image.Parent; {
	case p.Managed != "":
		parent = imagebuilder.ManagedImage(p.Managed)
	case p.AmiID != "":
		parent = imagebuilder.AmiImage(p.AmiID)
	default:
		parent = imagebuilder.SsmParameterImage(p.SsmParameter)
	}
	var volumeKey awskms.IKey
	if env.Fleet.KmsKeyArn != "" {
		volumeKey = awskms.Key_FromKeyArn(stack, jsii.String("VolumeKey"), jsii.String(env.Fleet.KmsKeyArn))
	}
	s.Recipe = imagebuilder.NewImageRecipe(stack, "Recipe", imagebuilder.ImageRecipeProps{
		Name:             base + "-golden-ami",
		Description:      "Golden AMI of " + base,
		Parent:           parent,
		Components:       refs,
		RootDeviceName:   fleet.RootDeviceName,
		RootVolumeGiB:    env.Image.RootVolumeGiB,
		EncryptionKey:    volumeKey,
		WorkingDirectory: env.Image.WorkingDirectory,
		Tags:             env.Tags,
	})

	s.Infrastructure = imagebuilder.NewInfrastructureConfiguration(stack, "Infrastructure", imagebuilder.InfrastructureConfigurationProps{
		Name:          base + "-builds",
		InstanceTypes: env.Image.BuildInstanceTypes,
		Vpc:           props.Fleet.Vpc,
		Subnets:       &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		LogRetention:  awscdk.Duration_Days(jsii.Number(float64(env.Image.LogRetentionDays))),
		Tags:          env.Tags,
	})
	s.Pipeline = imagebuilder.NewImagePipeline(stack, "Pipeline", imagebuilder.ImagePipelineProps{
		Name:                         base + "-golden-ami",
		Recipe:                       s.Recipe,
		Infrastructure:               s.Infrastructure,
		DistributionConfigurationArn: imagebuilder.DistributionConfigurationArn(stack, DistributionName(props.Prefix, env.Name)),
		OutputParameterArn:           fleet.ParameterArn(stack, GoldenParameterName(props.Prefix, env.Name)),
		LaunchTemplateTag:            [2]string{FleetTagKey, base},
		Schedule:                     env.Image.Schedule,
		StartCondition:               env.Image.StartCondition,
		TestTimeoutMinutes:           env.Image.TestTimeoutMinutes,
		Tags:                         env.Tags,
	})
	observeBuilds(s, env)
	output(stack, "PipelineArn", s.Pipeline.Resource.AttrArn(), "Image pipeline baking the golden AMI")
	output(stack, "RecipeName", jsii.String(s.Recipe.Name()), "Current image recipe (name carries a content hash)")
	return s
}
