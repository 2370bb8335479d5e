// Construct-level tests of the day-2 operations constructs
// (constructs/rollout, constructs/lifecycle).

package stacks_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/constructs/lifecycle"
	"github.com/immutable-server/golden-fleet/constructs/rollout"
)

// Bad props fail the construct's validation, naming the prop, the value
// and what is allowed, rather than panicking while the app is built.
func TestOperationsConstructsReportBadPropsAsValidationErrors(t *testing.T) {
	s := newScratchStack()
	var alarms []awscloudwatch.IAlarm
	for i := range rollout.MaxAlarms + 1 {
		alarms = append(alarms, awscloudwatch.Alarm_FromAlarmName(s, jsii.String(fmt.Sprintf("Alarm%d", i)), jsii.String(fmt.Sprintf("alarm-%d", i))))
	}
	automatic := rollout.NewAutomaticRollout(s, "AutomaticRollout", rollout.AutomaticRolloutProps{
		Parameter:          awsssm.StringParameter_FromStringParameterName(s, jsii.String("Parameter"), jsii.String("/imagebuilder/app/dev/golden-ami")),
		Group:              awsautoscaling.AutoScalingGroup_FromAutoScalingGroupName(s, jsii.String("Group"), jsii.String("app-dev")),
		LaunchTemplateRole: awsiam.Role_FromRoleName(s, jsii.String("Role"), jsii.String("app-dev-instance"), nil),
		Alarms:             alarms,
		StateMachineName:   "app-dev-rollout",
	})
	marker := lifecycle.NewMarker(s, "Marker", lifecycle.MarkerProps{
		ParameterName: "imagebuilder/app/dev/golden-ami", Fleet: "app-dev", StateMachineName: "app-dev-golden-ami-marks",
	})
	policy := lifecycle.NewPolicy(s, "Lifecycle", lifecycle.PolicyProps{
		Name: "app-dev-golden-ami", KeepLatest: 3, DeprecateAfterDays: 30, DeleteAfterDays: 90,
	})
	for _, tc := range []struct {
		construct constructs.IConstruct
		want      []string
	}{
		{automatic, []string{"automatic rollout app-dev-rollout: Alarms got 11 alarms: want at most 10 (an instance refresh watches up to 10)"}},
		{marker, []string{`golden AMI marker app-dev-golden-ami-marks: ParameterName got "imagebuilder/app/dev/golden-ami": want a parameter path, starting with /`}},
		{policy, []string{"lifecycle policy app-dev-golden-ami: ImageTags got none: want at least one tag to select the pipeline's images by"}},
	} {
		if got := validationErrors(tc.construct); !slices.Equal(got, tc.want) {
			t.Errorf("%s: validation errors\n%q\nwant\n%q", *tc.construct.Node().Path(), got, tc.want)
		}
	}
}

// Every construct has the same accessors: Resource, the L1 escape hatch,
// and its physical Name and Arn (read from the synthesized app's dev
// environment, which rolls automatically).
func TestOperationsConstructsExposeResourceNameAndArn(t *testing.T) {
	dev := synthesized.built[0]
	if dev.Fleet.AutomaticRollout == nil || dev.ImageFactory.Lifecycle == nil {
		t.Fatalf("dev has no automatic rollout or no lifecycle policy")
	}
	automatic, marker, policy := dev.Fleet.AutomaticRollout, dev.Fleet.Marker, dev.ImageFactory.Lifecycle
	checkAccessors(t,
		constructAccessors{"automatic rollout", automatic.Resource, automatic.Name(), automatic.Arn(),
			`{"Fn::GetAtt":["AutomaticRollout`, `{"Ref":"AutomaticRollout`},
		constructAccessors{"marker", marker.Resource, marker.Name(), marker.Arn(), `{"Fn::GetAtt":["GoldenAmiMarker`, `{"Ref":"GoldenAmiMarker`},
		constructAccessors{"lifecycle policy", policy.Resource, policy.Name(), policy.Arn(), `"golden-fleet-dev-golden-ami"`, `{"Fn::GetAtt":["Lifecycle`},
	)
}
