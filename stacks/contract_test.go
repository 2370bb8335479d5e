package stacks_test

import (
	"testing"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/stacks/internal/cdktest"
)

// The stacks write every output of the contract (config/contract.go) that
// fleetctl and the e2e read: a renamed or dropped output fails here, not
// in fleetctl against a deployed stack.
func TestTheStacksWriteEveryOutputOfTheContract(t *testing.T) {
	fleetOutputs := []string{config.GoldenAmiParameterOutput, config.LaunchTemplateIDOutput, config.AutoScalingGroupNameOutput,
		config.RolloutPreferencesOutput, config.FleetAlarmNamesOutput, config.AlarmTopicArnOutput, config.DashboardNameOutput}
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		for _, key := range fleetOutputs {
			if cdktest.ValueAt(tpl.Fleet.Template, "Outputs", key, "Value") == nil {
				t.Errorf("fleet stack %s has no output %s", tpl.Fleet.Name, key)
			}
		}
	})
	forEachBakingEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		for _, key := range []string{config.PipelineArnOutput, config.RecipeNameOutput, config.BuildTopicArnOutput} {
			if cdktest.ValueAt(tpl.ImageFactory.Template, "Outputs", key, "Value") == nil {
				t.Errorf("image-factory stack %s has no output %s", tpl.ImageFactory.Name, key)
			}
		}
	})
}
