package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/constructs/lifecycle"
	"github.com/immutable-server/golden-fleet/constructs/rollout"
)

// Day-2 operations wired into the fleet stack: the rollout (instance
// refresh preferences, the automatic rollout) and the marker of the
// fleet's AMIs. The image factory's lifecycle policy is in
// imagefactory_lifecycle.go.

// RolloutPreferencesOutput is the fleet stack output fleetctl roll reads
// the environment's refresh preferences from, as StartInstanceRefresh
// takes them (JSON). The alarms every refresh watches are the fleet's
// (FleetAlarmNamesOutput).
const RolloutPreferencesOutput = config.RolloutPreferencesOutput

func rolloutPreferences(r config.Rollout) rollout.Preferences {
	return rollout.Preferences{
		MinHealthyPercentage:  r.MinHealthyPercentage,
		InstanceWarmup:        r.InstanceWarmup,
		CheckpointPercentages: r.CheckpointPercentages,
		CheckpointDelay:       r.CheckpointDelay,
	}
}

// addOperations adds the fleet stack's part: the preferences output, the
// automatic rollout when the environment has it, watching the fleet's
// alarms (s.Monitoring), and the marker of its golden AMIs.
func (s *FleetStack) addOperations(props FleetStackProps) {
	env, names := props.Config, props.Names
	prefs := rolloutPreferences(env.Rollout)
	output(s.Stack, RolloutPreferencesOutput, jsii.String(prefs.JSON()), "Preferences of the instance refreshes that roll the fleet (fleetctl roll)")
	if env.Rollout.Automatic {
		s.AutomaticRollout = rollout.NewAutomaticRollout(s.Stack, "AutomaticRollout", rollout.AutomaticRolloutProps{
			Parameter:          awsssm.StringParameter_FromStringParameterName(s.Stack, jsii.String("GoldenAmiParameterRef"), jsii.String(s.Golden.ParameterName())),
			Group:              s.Group.AutoScalingGroup,
			LaunchTemplateRole: s.LaunchTemplate.Role,
			Preferences:        prefs,
			Alarms:             s.Monitoring.Alarms(),
			StateMachineName:   names.RolloutStateMachine(),
		})
	}
	s.Marker = lifecycle.NewMarker(s.Stack, "GoldenAmiMarker", lifecycle.MarkerProps{
		ParameterName:    s.Golden.ParameterName(),
		Fleet:            names.Base(),
		StateMachineName: names.MarkerStateMachine(),
	})
}
