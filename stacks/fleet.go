package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/constructs/fleet"
	"github.com/immutable-server/golden-fleet/constructs/imagebuilder"
	"github.com/immutable-server/golden-fleet/constructs/lifecycle"
	"github.com/immutable-server/golden-fleet/constructs/network"
	"github.com/immutable-server/golden-fleet/constructs/notify"
	"github.com/immutable-server/golden-fleet/constructs/observability"
	"github.com/immutable-server/golden-fleet/constructs/rollout"
)

// FleetStackProps configures FleetStack.
type FleetStackProps struct {
	awscdk.StackProps
	// Names of the environment's resources.
	Names config.Names
	// Config is the environment's configuration, defaults applied.
	Config config.Environment
	// Network is the environment's network stack, nil for an existing VPC.
	Network *NetworkStack
	// Promotion says which promotion pieces the stack holds (promotion.go).
	// Default: none.
	Promotion PromotionPieces
}

// FleetStack is the serving side of one environment. It holds no Image
// Builder resource that another resource reads, so it deploys to moto.
type FleetStack struct {
	awscdk.Stack
	Vpc            awsec2.IVpc
	Subnets        *awsec2.SubnetSelection
	Golden         *fleet.GoldenImage
	LaunchTemplate *fleet.LaunchTemplate
	Group          *fleet.Group
	Notifications  awssns.Topic
	// Distribution is what the image factory's pipeline distributes
	// through; nil for an environment that promotes (no pipeline).
	Distribution *imagebuilder.DistributionConfiguration
	// AutomaticRollout is nil unless the environment rolls automatically.
	AutomaticRollout *rollout.AutomaticRollout
	// Marker keeps the golden AMIs' lifecycle marks.
	Marker *lifecycle.Marker
	promotionFields
	// Monitoring: the CloudWatch agent's configuration and log groups,
	// alarms and dashboard (fleet_observability.go).
	Monitoring *observability.FleetMonitoring
}

// NewFleetStack creates the stack.
func NewFleetStack(scope constructs.Construct, id string, props FleetStackProps) *FleetStack {
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	env := props.Config
	s := &FleetStack{Stack: stack}

	// The fleet and the builds run in the private subnets.
	s.Subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	if props.Network != nil {
		s.Vpc = props.Network.Vpc.Vpc
	} else {
		e := env.Network.Existing
		s.Vpc = network.ExistingVpc(stack, "Vpc", e.VpcID, e.PrivateSubnetIDs, e.AvailabilityZones)
		// Nothing here reads the subnets' route tables.
		awscdk.Annotations_Of(stack).AcknowledgeWarning(jsii.String("@aws-cdk/aws-ec2:noSubnetRouteTableId"),
			jsii.String("the imported subnets' route tables are never read"))
	}

	s.Golden = fleet.NewGoldenImage(stack, "GoldenImage", fleet.GoldenImageProps{
		ParameterName: props.Names.GoldenParameter(),
		SeedImage:     env.Fleet.SeedImage,
		Tags:          env.Tags,
	})
	s.LaunchTemplate = fleet.NewLaunchTemplate(stack, "LaunchTemplate", fleet.LaunchTemplateProps{
		NamePrefix:    props.Names.Base(),
		Vpc:           s.Vpc,
		Image:         s.Golden,
		InstanceType:  env.Fleet.InstanceType,
		RootVolumeGiB: env.Fleet.RootVolumeGiB,
		EncryptionKey: volumeKey(stack, env.Fleet.KmsKeyArn),
		UserData:      fleetUserData(stack, props.Names, env),
		IngressPorts:  env.Fleet.IngressPorts,
		IngressCidr:   env.Fleet.IngressCidr,
		FleetTag:      fleet.Tag{Key: config.FleetTagKey, Value: props.Names.Base()},
	})

	s.Notifications, _ = notify.EncryptedTopic(stack, notify.TopicProps{
		KeyID:             "NotificationsKey",
		TopicID:           "Notifications",
		KeyDescription:    "Encrypts the fleet's scaling notifications",
		Publisher:         "AutoScaling",
		ServiceLinkedRole: "aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
	})

	s.Group = fleet.NewGroup(stack, "Group", fleet.GroupProps{
		Vpc:                    s.Vpc,
		Subnets:                s.Subnets,
		LaunchTemplate:         s.LaunchTemplate,
		MinCapacity:            env.Fleet.MinCapacity,
		MaxCapacity:            env.Fleet.MaxCapacity,
		DesiredCapacity:        env.Fleet.DesiredCapacity,
		HealthCheckGracePeriod: env.Fleet.HealthCheckGracePeriod,
		MaxInstanceLifetime:    env.Fleet.MaxInstanceLifetime,
		Notifications:          s.Notifications,
	})
	s.Monitoring = addFleetMonitoring(s, props.Names, env)

	amiTags := map[string]string{config.EnvironmentTagKey: env.Name}
	for k, v := range env.Tags {
		amiTags[k] = v
	}
	if env.Promotion == nil { // a promoting environment has no pipeline to distribute for
		s.Distribution = imagebuilder.NewDistributionConfiguration(stack, "Distribution", imagebuilder.DistributionConfigurationProps{
			Name:           props.Names.Distribution(),
			AmiName:        props.Names.AMI(),
			AmiTags:        amiTags,
			LaunchTemplate: s.LaunchTemplate,
			Parameter:      s.Golden,
			ExtraRegions:   env.Image.DistributionRegions,
		})
	}
	addPromotionToFleet(s, env, props.Promotion)

	output(stack, config.GoldenAmiParameterOutput, jsii.String(s.Golden.ParameterName()), "SSM parameter holding the current golden AMI id")
	output(stack, config.LaunchTemplateIDOutput, s.LaunchTemplate.LaunchTemplateId(), "Launch template the group launches from")
	output(stack, config.AutoScalingGroupNameOutput, s.Group.Name(), "The fleet's Auto Scaling group")
	s.addOperations(props)
	return s
}

// volumeKey is the customer-managed key of arn, imported into stack, or
// nil (the account's default EBS key) when arn is empty.
func volumeKey(stack awscdk.Stack, arn string) awskms.IKey {
	if arn == "" {
		return nil
	}
	return awskms.Key_FromKeyArn(stack, jsii.String("VolumeKey"), jsii.String(arn))
}

func output(stack awscdk.Stack, id string, value *string, description string) {
	awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
}
