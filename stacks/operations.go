package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/constructs/lifecycle"
	"github.com/immutable-server/golden-fleet/constructs/rollout"
)

// Day-2 operations wired into the fleet and image factory stacks: the
// rollout (instance refresh preferences, the automatic rollout) and the
// AMI lifecycle (the marker, the lifecycle policy).

// FleetID is "<prefix>-<env>": the fleet's tag value (FleetTagKey) and
// the suffix of its AMI marks (internal/marks).
func FleetID(prefix, env string) string { return prefix + "-" + env }

// Stack outputs fleetctl roll reads.
const (
	// RolloutPreferencesOutput holds the environment's refresh
	// preferences as StartInstanceRefresh takes them (JSON).
	RolloutPreferencesOutput = "RolloutPreferences"
	// RolloutAlarmsOutput holds the names of the alarms every refresh
	// watches, comma-separated; absent without alarms.
	RolloutAlarmsOutput = "RolloutAlarms"
)

func rolloutPreferences(r config.Rollout) rollout.Preferences {
	return rollout.Preferences{
		MinHealthyPercentage:  r.MinHealthyPercentage,
		InstanceWarmup:        r.InstanceWarmup,
		CheckpointPercentages: r.CheckpointPercentages,
		CheckpointDelay:       r.CheckpointDelay,
	}
}

// addOperations adds the fleet stack's part: the preferences and alarms
// outputs, the automatic rollout when the environment has it, and the
// marker of its golden AMIs.
func (s *FleetStack) addOperations(props FleetStackProps) {
	env := props.Env
	prefs := rolloutPreferences(env.Rollout)
	output(s.Stack, RolloutPreferencesOutput, jsii.String(prefs.JSON()), "Preferences of the instance refreshes that roll the fleet (fleetctl roll)")
	if len(props.RolloutAlarms) > 0 {
		var names []*string
		for _, a := range props.RolloutAlarms {
			names = append(names, a.AlarmName())
		}
		output(s.Stack, RolloutAlarmsOutput, awscdk.Fn_Join(jsii.String(","), &names), "Alarms that fail an instance refresh of the fleet")
	}
	if env.Rollout.Automatic {
		s.AutomaticRollout = rollout.NewAutomaticRollout(s.Stack, "AutomaticRollout", rollout.AutomaticRolloutProps{
			Parameter:          awsssm.StringParameter_FromStringParameterName(s.Stack, jsii.String("GoldenAmiParameterRef"), jsii.String(s.Golden.ParameterName())),
			Group:              s.Group.Resource,
			LaunchTemplateRole: s.LaunchTemplate.Role,
			Preferences:        prefs,
			Alarms:             props.RolloutAlarms,
			StateMachineName:   FleetID(props.Prefix, env.Name) + "-rollout",
		})
	}
	s.Marker = lifecycle.NewMarker(s.Stack, "GoldenAmiMarker", lifecycle.MarkerProps{
		ParameterName:    s.Golden.ParameterName(),
		Fleet:            FleetID(props.Prefix, env.Name),
		StateMachineName: FleetID(props.Prefix, env.Name) + "-golden-ami-marks",
	})
}

// imageTags are the tags the pipeline gives every image: the lifecycle
// policy selects by them.
func imageTags(prefix, env string) map[string]string {
	return map[string]string{lifecycle.PipelineTagKey: FleetID(prefix, env)}
}

// addLifecycle adds the image factory's lifecycle policy, unless the
// environment turned it off.
func (s *ImageFactoryStack) addLifecycle(prefix string, env config.Environment) {
	l := env.Lifecycle
	if l.Disabled {
		return
	}
	s.Lifecycle = lifecycle.NewPolicy(s.Stack, "Lifecycle", lifecycle.PolicyProps{
		Name:               FleetID(prefix, env.Name) + "-golden-ami",
		ImageTags:          imageTags(prefix, env.Name),
		KeepLatest:         l.KeepLatest,
		DeprecateAfterDays: l.DeprecateAfterDays,
		DeleteAfterDays:    l.DeleteAfterDays,
		Tags:               env.Tags,
	})
}
