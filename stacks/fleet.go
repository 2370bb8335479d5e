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
	"github.com/immutable-server/golden-fleet/constructs/network"
	"github.com/immutable-server/golden-fleet/constructs/notify"
	"github.com/immutable-server/golden-fleet/constructs/observability"
)

// FleetStackProps configures FleetStack.
type FleetStackProps struct {
	awscdk.StackProps
	Prefix string
	Env    config.Environment
	// Network is the environment's network stack, nil for an existing VPC.
	Network *NetworkStack
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
	Distribution   *imagebuilder.DistributionConfiguration
	// Monitoring: the CloudWatch agent's configuration and log groups,
	// alarms and dashboard (stacks/observability.go).
	Monitoring *observability.FleetMonitoring
}

// FleetTagKey tags the fleet's launch template (and, through it, the
// instances and volumes) with "<prefix>-<env>"; the pipeline's execution
// role may add versions only to a launch template carrying it.
const FleetTagKey = "golden-fleet:fleet"

// DistributionName is the distribution configuration of an environment.
func DistributionName(prefix, env string) string { return prefix + "-" + env + "-fleet" }

// NewFleetStack creates the stack.
func NewFleetStack(scope constructs.Construct, id string, props FleetStackProps) *FleetStack {
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	env := props.Env
	s := &FleetStack{Stack: stack}

	if props.Network != nil {
		s.Vpc = props.Network.Vpc.Resource
		s.Subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	} else {
		e := env.Network.Existing
		s.Vpc = network.ExistingVpc(stack, "Vpc", e.VpcID, e.PrivateSubnetIDs, e.AvailabilityZones)
		s.Subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
		// Nothing here reads the subnets' route tables.
		awscdk.Annotations_Of(stack).AcknowledgeWarning(jsii.String("@aws-cdk/aws-ec2:noSubnetRouteTableId"),
			jsii.String("the imported subnets' route tables are never read"))
	}

	var volumeKey awskms.IKey
	if env.Fleet.KmsKeyArn != "" {
		volumeKey = awskms.Key_FromKeyArn(stack, jsii.String("VolumeKey"), jsii.String(env.Fleet.KmsKeyArn))
	}

	s.Golden = fleet.NewGoldenImage(stack, "GoldenImage", fleet.GoldenImageProps{
		ParameterName: GoldenParameterName(props.Prefix, env.Name),
		SeedImage:     env.Fleet.SeedImage,
	})
	s.LaunchTemplate = fleet.NewLaunchTemplate(stack, "LaunchTemplate", fleet.LaunchTemplateProps{
		NamePrefix:    props.Prefix + "-" + env.Name,
		Vpc:           s.Vpc,
		Image:         s.Golden,
		InstanceType:  env.Fleet.InstanceType,
		RootVolumeGiB: env.Fleet.RootVolumeGiB,
		EncryptionKey: volumeKey,
		UserData:      fleetUserData(props.Prefix, env),
		IngressPorts:  env.Fleet.IngressPorts,
		IngressCidr:   env.Fleet.IngressCidr,
	})

	awscdk.Tags_Of(s.LaunchTemplate.Resource).Add(jsii.String(FleetTagKey), jsii.String(props.Prefix+"-"+env.Name), nil)

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
	s.Monitoring = addFleetMonitoring(s, props.Prefix, env)

	amiTags := map[string]string{"golden-fleet:environment": env.Name}
	for k, v := range env.Tags {
		amiTags[k] = v
	}
	s.Distribution = imagebuilder.NewDistributionConfiguration(stack, "Distribution", imagebuilder.DistributionConfigurationProps{
		Name:           DistributionName(props.Prefix, env.Name),
		AmiName:        props.Prefix + "-" + env.Name,
		AmiTags:        amiTags,
		LaunchTemplate: s.LaunchTemplate.Resource,
		ParameterName:  s.Golden.ParameterName(),
		ExtraRegions:   env.Image.DistributionRegions,
	})

	output(stack, "GoldenAmiParameter", jsii.String(s.Golden.ParameterName()), "SSM parameter holding the current golden AMI id")
	output(stack, "LaunchTemplateId", s.LaunchTemplate.Resource.LaunchTemplateId(), "Launch template the group launches from")
	output(stack, "AutoScalingGroupName", s.Group.Resource.AutoScalingGroupName(), "The fleet's Auto Scaling group")
	return s
}

func output(stack awscdk.Stack, id string, value *string, description string) {
	awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
}
