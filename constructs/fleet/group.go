package fleet

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// GroupProps configures Group.
type GroupProps struct {
	// Vpc and Subnets the instances are spread over. Vpc is required;
	// Subnets default to the VPC's private subnets (the Auto Scaling
	// group L2's default selection).
	Vpc     awsec2.IVpc
	Subnets *awsec2.SubnetSelection
	// LaunchTemplate the group launches from.
	LaunchTemplate *LaunchTemplate
	// MinCapacity, MaxCapacity and DesiredCapacity of the group.
	MinCapacity, MaxCapacity, DesiredCapacity int
	// HealthCheckGracePeriod of new instances. Default: 5 minutes.
	HealthCheckGracePeriod time.Duration
	// MaxInstanceLifetime replaces instances once they are this old, so the
	// fleet reaches the newest golden AMI within it (1 to 365 days).
	// Default: no limit.
	MaxInstanceLifetime time.Duration
	// Notifications receives every scaling event. Default: none.
	Notifications awssns.ITopic
}

// Group is the fleet's Auto Scaling group. It launches from version 1 of
// the launch template, the only one CloudFormation writes, whose image id
// is resolved from the golden AMI parameter at launch: every instance it
// launches, a replacement or a scale-out, runs the newest golden AMI.
type Group struct {
	constructs.Construct
	// Resource is the L1 group, the escape hatch.
	Resource awsautoscaling.CfnAutoScalingGroup
	// AutoScalingGroup is the L2 group.
	AutoScalingGroup awsautoscaling.AutoScalingGroup
}

// defaultHealthCheckGracePeriod is GroupProps.HealthCheckGracePeriod's
// default.
const defaultHealthCheckGracePeriod = 5 * time.Minute

// NewGroup creates the Auto Scaling group.
func NewGroup(scope constructs.Construct, id string, props GroupProps) *Group {
	c := constructs.NewConstruct(scope, &id)
	grace := props.HealthCheckGracePeriod
	if grace == 0 {
		grace = defaultHealthCheckGracePeriod
	}
	var notifications *[]*awsautoscaling.NotificationConfiguration
	if props.Notifications != nil {
		notifications = &[]*awsautoscaling.NotificationConfiguration{{
			Topic:         props.Notifications,
			ScalingEvents: awsautoscaling.ScalingEvents_ALL(),
		}}
	}
	var lifetime awscdk.Duration
	if props.MaxInstanceLifetime > 0 {
		lifetime = awscdk.Duration_Seconds(jsii.Number(props.MaxInstanceLifetime.Seconds()))
	}
	asg := awsautoscaling.NewAutoScalingGroup(c, jsii.String("Resource"), &awsautoscaling.AutoScalingGroupProps{
		Vpc:             props.Vpc,
		VpcSubnets:      props.Subnets,
		LaunchTemplate:  props.LaunchTemplate.Template,
		MinCapacity:     jsii.Number(float64(props.MinCapacity)),
		MaxCapacity:     jsii.Number(float64(props.MaxCapacity)),
		DesiredCapacity: jsii.Number(float64(props.DesiredCapacity)),
		HealthChecks: awsautoscaling.HealthChecks_Ec2(&awsautoscaling.Ec2HealthChecksOptions{
			GracePeriod: awscdk.Duration_Seconds(jsii.Number(grace.Seconds())),
		}),
		GroupMetrics:        &[]awsautoscaling.GroupMetrics{awsautoscaling.GroupMetrics_All()},
		MaxInstanceLifetime: lifetime,
		// Scale-in removes the instances launched longest ago first: they
		// run the oldest golden AMIs.
		TerminationPolicies: &[]awsautoscaling.TerminationPolicy{
			awsautoscaling.TerminationPolicy_OLDEST_INSTANCE,
		},
		Notifications: notifications,
	})
	// CDK pins Fn::GetAtt LatestVersionNumber. The template's only
	// CloudFormation-written version is 1; whether CloudFormation would read
	// LatestVersionNumber again (and find a version Image Builder added,
	// with a literal AMI) after an in-place update is not documented, so the
	// group names version 1 outright.
	cfn := asg.Node().DefaultChild().(awsautoscaling.CfnAutoScalingGroup)
	cfn.AddPropertyOverride(jsii.String("LaunchTemplate.Version"), jsii.String(CloudFormationVersion))
	awscdk.Annotations_Of(asg).AcknowledgeWarning(jsii.String("@aws-cdk/aws-autoscaling:desiredCapacitySet"),
		jsii.String("a fixed desired capacity is the design: each deploy sets the group back to it"))
	return &Group{Construct: c, Resource: cfn, AutoScalingGroup: asg}
}

// Name is the group's name.
func (g *Group) Name() *string { return g.AutoScalingGroup.AutoScalingGroupName() }

// Arn is the group's ARN.
func (g *Group) Arn() *string { return g.AutoScalingGroup.AutoScalingGroupArn() }
