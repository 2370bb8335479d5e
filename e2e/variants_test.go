//go:build e2e

package e2e

import (
	"testing"
)

// AWS leaves three behaviours the rollout could depend on undocumented:
// when CloudFormation resolves a {{resolve:ssm}} reference again
// (moto_server.py S2), which launch template version Image Builder
// copies (internal/imagebuild), and how long after PutParameter Parameter
// Store checks an aws:ec2:image value, with how long an AMI stays pending
// (S13, S14). The whole suite runs under the run's values
// (property-change, default and immediate unless E2E_DYNAMIC_REFERENCES,
// E2E_SOURCE_VERSION and E2E_AMI_PARAMETER_CHECK say otherwise); the checks that depend on them run
// again under each other combination below, in this process and against
// this emulator: the harness switches the emulator's value through its
// control endpoint (setBehaviours), then sets it back.
//
// This used to be three `go test` runs of the package, each starting moto
// and deploying from scratch (issue 18). The checks are the ones those
// runs selected with -run 'TestTheEmulator|TestNoRedeploy|TestRollback'.
//
// The test runs last: its file name sorts after every other test file
// (go test runs a package's tests in file order), so the other tests
// still start from the first deploy, as they did when this was a separate
// run; and these checks, as in that run, build and roll back on top of
// what the tests before them left deployed.
var otherBehaviours = []struct {
	dynamicReferences, sourceVersion, amiParameterCheck string
	tests                                               []namedTest
}{
	{"resource-update", "latest", "delayed", []namedTest{
		{"TestTheSeedWriterAnswersOnlyWhenTheParameterExists", TestTheSeedWriterAnswersOnlyWhenTheParameterExists},
		{"TestTheEmulatorUpdatesAnSsmParameterAsItsProviderDoes", TestTheEmulatorUpdatesAnSsmParameterAsItsProviderDoes},
		{"TestRollbackPointsReplacementsBackAtThePreviousGoldenAMI", TestRollbackPointsReplacementsBackAtThePreviousGoldenAMI},
		{"TestRollbackRollPutsThePreviousAMIBackOnEveryInstance", TestRollbackRollPutsThePreviousAMIBackOnEveryInstance},
		{"TestRollbackToTheSeedRollsEveryInstanceBackOnIt", TestRollbackToTheSeedRollsEveryInstanceBackOnIt},
		{"TestNoRedeployWritesTheGoldenParameterAfterABuild", TestNoRedeployWritesTheGoldenParameterAfterABuild},
	}},
	{"every-update", "default", "immediate", []namedTest{
		{"TestTheEmulatorUpdatesAnSsmParameterAsItsProviderDoes", TestTheEmulatorUpdatesAnSsmParameterAsItsProviderDoes},
		{"TestNoRedeployWritesTheGoldenParameterAfterABuild", TestNoRedeployWritesTheGoldenParameterAfterABuild},
	}},
}

type namedTest struct {
	name string
	run  func(*testing.T)
}

func TestUnderTheOtherUndocumentedBehaviours(t *testing.T) {
	runDefault := emulator
	for _, b := range otherBehaviours {
		if b.dynamicReferences == runDefault.dynamicReferences && b.sourceVersion == runDefault.sourceVersion && b.amiParameterCheck == runDefault.amiParameterCheck {
			continue // the whole suite ran under it
		}
		t.Run("dynamic references "+b.dynamicReferences+", source version "+b.sourceVersion+", aws:ec2:image check "+b.amiParameterCheck, func(t *testing.T) {
			setBehaviours(t, b.dynamicReferences, b.sourceVersion, b.amiParameterCheck)
			t.Cleanup(func() {
				setBehaviours(t, runDefault.dynamicReferences, runDefault.sourceVersion, runDefault.amiParameterCheck)
			})
			for _, test := range b.tests {
				t.Run(test.name, test.run)
			}
		})
	}
}
