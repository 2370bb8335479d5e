package stacks

import (
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/constructs/observability"
	"github.com/immutable-server/golden-fleet/internal/constructcheck"
	"github.com/immutable-server/golden-fleet/internal/stackarn"
	"github.com/immutable-server/golden-fleet/internal/telemetry"
)

// FleetAlarmNamesOutput is the fleet stack output listing the fleet's
// alarm names, comma-separated: what a rollout (an instance refresh)
// watches.
const FleetAlarmNamesOutput = config.FleetAlarmNamesOutput

// fleetUserData is the launch template's user data: the boot script that
// starts the CloudWatch agent with the environment's configuration, then
// the configured Fleet.UserData, if any. config.Validate has checked that
// the two fit EC2's limit and frame; a configuration that skipped it fails
// the stack's validation instead.
func fleetUserData(stack awscdk.Stack, names config.Names, env config.Environment) string {
	boot := config.BootScript(names, env.Region)
	ud, err := telemetry.UserData(boot, env.Fleet.UserData)
	if err != nil {
		constructcheck.Fail(stack, "environment %s: Fleet.UserData: %v", env.Name, err)
		return boot
	}
	if len(ud) > config.MaxUserDataBytes {
		constructcheck.Fail(stack, "environment %s: Fleet.UserData: with the boot script the user data is %d bytes: want at most %d (EC2's limit before base64)",
			env.Name, len(ud), config.MaxUserDataBytes)
	}
	return ud
}

// imageArnPrefix selects every image of the environment's pipeline,
// whatever its recipe's content hash: "arn:…:image/<recipe name>-".
func imageArnPrefix(stack awscdk.Stack, names config.Names) *string {
	return stackarn.Format(stack, awscdk.ArnComponents{
		Service:      jsii.String("imagebuilder"),
		Resource:     jsii.String("image"),
		ResourceName: jsii.String(names.Recipe() + "-"),
	})
}

// addFleetMonitoring adds the fleet's telemetry, alarms and dashboard to
// the fleet stack, and outputs the alarm names.
func addFleetMonitoring(s *FleetStack, names config.Names, env config.Environment) *observability.FleetMonitoring {
	o := env.Observability
	m := observability.NewFleetMonitoring(s.Stack, "Monitoring", observability.FleetMonitoringProps{
		Names:             names,
		Group:             s.Group.AutoScalingGroup,
		InstanceRole:      s.LaunchTemplate.Role,
		LogRetention:      time.Duration(o.LogRetentionDays) * 24 * time.Hour,
		BelowDesiredFor:   time.Duration(o.BelowDesiredMinutes) * time.Minute,
		ImageArnPrefix:    imageArnPrefix(s.Stack, names),
		NotificationEmail: o.NotificationEmail,
	})
	output(s.Stack, FleetAlarmNamesOutput, jsii.String(strings.Join(m.AlarmNames(), ",")),
		"The fleet's CloudWatch alarms, comma-separated: a rollout stops when one fires")
	output(s.Stack, config.AlarmTopicArnOutput, m.AlarmTopic.TopicArn(), "SNS topic of the fleet's alarms")
	output(s.Stack, config.DashboardNameOutput, jsii.String(names.Dashboard()), "CloudWatch dashboard of the environment")
	return m
}
