package stacks

import (
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/constructs/fleet"
	"github.com/immutable-server/golden-fleet/constructs/imagebuilder"
	"github.com/immutable-server/golden-fleet/constructs/lifecycle"
)

// ImageFactoryStackProps configures ImageFactoryStack.
type ImageFactoryStackProps struct {
	awscdk.StackProps
	// Names of the environment's resources.
	Names config.Names
	// Config is the environment's configuration, defaults applied.
	Config config.Environment
	// Network is the environment's network stack, nil for an existing VPC.
	Network *NetworkStack
	// Fleet is the stack whose launch template and golden AMI parameter
	// the pipeline's distribution updates.
	Fleet *FleetStack
	// Components resolves component names from the configuration.
	Components components.Source
	// Promotion says which promotion pieces the stack holds (promotion.go).
	// Default: none.
	Promotion PromotionPieces
}

// ImageFactoryStack is the baking side of one environment.
type ImageFactoryStack struct {
	awscdk.Stack
	Components     []*imagebuilder.Component
	Recipe         *imagebuilder.ImageRecipe
	Infrastructure *imagebuilder.InfrastructureConfiguration
	Pipeline       *imagebuilder.ImagePipeline
	// Lifecycle is nil when the environment turned it off.
	Lifecycle *lifecycle.Policy
	promotionSourceFields
}

// NewImageFactoryStack creates the stack. It fails when a component named
// in the configuration has no document in props.Components.
func NewImageFactoryStack(scope constructs.Construct, id string, props ImageFactoryStackProps) (*ImageFactoryStack, error) {
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	// The pipeline refers to the fleet's distribution by ARN, built from
	// its name, not through an export: deploy the fleet first.
	stack.AddStackDependency(props.Fleet.Stack, jsii.String("the pipeline distributes to the fleet's launch template and parameter"))
	env, names := props.Config, props.Names
	s := &ImageFactoryStack{Stack: stack}

	recipeComponents := []imagebuilder.IComponent{imagebuilder.CloudWatchAgent(stack)}
	for _, name := range append(slices.Clone(env.Image.Components), env.Image.TestComponents...) {
		document, err := props.Components.Document(name)
		if err != nil {
			// config.Validate loads every document: this is a source that
			// changed since, or a configuration that skipped validation.
			return nil, fmt.Errorf("environment %s: component %s: %w", env.Name, name, err)
		}
		c := imagebuilder.NewComponent(stack, "Component-"+name, imagebuilder.ComponentProps{
			Name:        names.Component(name),
			Description: document.Description,
			Data:        document.Data,
			Tags:        env.Tags,
		})
		s.Components = append(s.Components, c)
		recipeComponents = append(recipeComponents, c)
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
	// A promotion source's AMIs must be shareable: encrypted with a key
	// whose policy lets the target accounts copy them (imagefactory_promotion.go).
	encryption := addPromotionSourceToFactory(s, names, env, props.Promotion)
	if encryption == nil {
		encryption = volumeKey(stack, env.Fleet.KmsKeyArn)
	}
	s.Recipe = imagebuilder.NewImageRecipe(stack, "Recipe", imagebuilder.ImageRecipeProps{
		Name:             names.Recipe(),
		Description:      "Golden AMI of " + names.Base(),
		Parent:           parent,
		Components:       recipeComponents,
		RootDeviceName:   fleet.RootDeviceName,
		RootVolumeGiB:    env.Image.RootVolumeGiB,
		EncryptionKey:    encryption,
		WorkingDirectory: env.Image.WorkingDirectory,
		Tags:             env.Tags,
	})

	s.Infrastructure = imagebuilder.NewInfrastructureConfiguration(stack, "Infrastructure", imagebuilder.InfrastructureConfigurationProps{
		Name:          names.Infrastructure(),
		InstanceTypes: env.Image.BuildInstanceTypes,
		Vpc:           props.Fleet.Vpc,
		Subnets:       props.Fleet.Subnets,
		LogRetention:  time.Duration(env.Image.LogRetentionDays) * 24 * time.Hour,
		Tags:          env.Tags,
	})
	s.Pipeline = imagebuilder.NewImagePipeline(stack, "Pipeline", imagebuilder.ImagePipelineProps{
		Name:           names.Pipeline(),
		Recipe:         s.Recipe,
		Infrastructure: s.Infrastructure,
		Distribution:   props.Fleet.Distribution,
		Schedule:       env.Image.Schedule,
		StartCondition: env.Image.StartCondition,
		TestTimeout:    time.Duration(env.Image.TestTimeoutMinutes) * time.Minute,
		Tags:           env.Tags,
		ImageTags:      imageTags(names),
	})
	s.addLifecycle(names, env)
	observeBuilds(s, env)
	output(stack, config.PipelineArnOutput, s.Pipeline.Arn(), "Image pipeline baking the golden AMI")
	output(stack, config.RecipeNameOutput, s.Recipe.Name(), "Current image recipe (name carries a content hash)")
	return s, nil
}
