package main

import (
	"context"
	"strings"
	"testing"
)

const (
	seed = "ami-0ed094fb1304fd857"
	x    = "ami-11111111111111111"
	y    = "ami-22222222222222222"
)

func TestRollbackTargetIsThePreviousDistinctGoldenAMI(t *testing.T) {
	for _, tc := range []struct {
		name    string
		history []ParamVersion
		current string
		target  string
	}{
		{"one build after the seed", []ParamVersion{{1, seed}, {2, x}}, x, seed},
		{"two builds", []ParamVersion{{1, seed}, {2, x}, {3, y}}, y, x},
		{"a rebuild wrote the same AMI twice", []ParamVersion{{1, seed}, {2, x}, {3, y}, {4, y}}, y, x},
		{"history out of order", []ParamVersion{{3, y}, {1, seed}, {2, x}}, y, x},
		{"after a rollback, rolling back again goes back to what was rolled back",
			[]ParamVersion{{1, seed}, {2, x}, {3, y}, {4, x}}, x, y},
	} {
		current, target, err := RollbackTarget(tc.history, "")
		if err != nil || current != tc.current || target != tc.target {
			t.Errorf("%s: got (%q, %q, %v), want (%q, %q, nil)", tc.name, current, target, err, tc.current, tc.target)
		}
	}
}

func TestRollbackTargetRefusesWhenThereIsNothingToRollBackTo(t *testing.T) {
	for name, h := range map[string][]ParamVersion{
		"empty history":            nil,
		"only the seed":            {{1, seed}},
		"the same AMI every build": {{1, x}, {2, x}},
		"previous is not an AMI":   {{1, "{{resolve:ssm:/seed}}"}, {2, x}},
	} {
		if _, target, err := RollbackTarget(h, ""); err == nil {
			t.Errorf("%s: target %q, want an error", name, target)
		}
	}
}

func TestRollbackTargetHonoursAnExplicitAMI(t *testing.T) {
	h := []ParamVersion{{1, seed}, {2, x}, {3, y}}
	if _, target, err := RollbackTarget(h, seed); err != nil || target != seed {
		t.Errorf("--to %s: got (%q, %v)", seed, target, err)
	}
	for _, bad := range []string{y, "ami-xyz", "resolve:ssm:/p", "ami-1234567"} {
		if _, target, err := RollbackTarget(h, bad); err == nil {
			t.Errorf("--to %q: target %q, want an error", bad, target)
		}
	}
}

func TestDefaultVersionIsTheNewestVersionCarryingTheAMI(t *testing.T) {
	versions := []LTVersion{
		{1, "resolve:ssm:/imagebuilder/p", false},
		{2, x, false},
		{3, y, false},
		{4, x, false}, // a rebuild of x after a config change
		{5, y, true},
	}
	for ami, want := range map[string]int64{x: 4, y: 5} {
		if n, ok := DefaultVersionFor(versions, ami); !ok || n != want {
			t.Errorf("%s: got (%d, %v), want (%d, true)", ami, n, ok, want)
		}
	}
	if n, ok := DefaultVersionFor(versions, seed); ok {
		t.Errorf("seed: got version %d, want none (only the parameter ever held the seed)", n)
	}
}

func TestParseOutputsNamesWhatIsMissing(t *testing.T) {
	o, err := ParseOutputs("s", map[string]string{"GoldenAmiParameter": "/p", "LaunchTemplateId": "lt-1", "AutoScalingGroupName": "g"})
	if err != nil || o != (Outputs{"/p", "lt-1", "g"}) {
		t.Errorf("got (%+v, %v)", o, err)
	}
	_, err = ParseOutputs("golden-fleet-dev-network", map[string]string{"GoldenAmiParameter": "/p"})
	if err == nil || !strings.Contains(err.Error(), "LaunchTemplateId, AutoScalingGroupName") {
		t.Errorf("got %v, want an error naming both missing outputs", err)
	}
}

func TestPipelineHintFollowsTheStackNaming(t *testing.T) {
	p, f := PipelineHint("golden-fleet-prod-fleet")
	if p != "golden-fleet-prod-golden-ami" || f != "golden-fleet-prod-image-factory" {
		t.Errorf("got %q, %q", p, f)
	}
	if p, _ := PipelineHint("something-else"); p != "" {
		t.Errorf("got %q for a stack outside the naming", p)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"deploy"}, {"rollback"}, {"status"}, {"resources", "--to", "ami-12345678"}, {"rollback", "--stack", "s", "extra"}} {
		var out strings.Builder
		if err := run(context.Background(), args, &out); err == nil {
			t.Errorf("%q: want an error", args)
		}
	}
}

func TestGoldenProblemsAfterADeploy(t *testing.T) {
	ok := []Instance{{"i-1", "InService", x, "t3.micro"}, {"i-2", "InService", x, "t3.micro"}, {"i-3", "Terminating", seed, "t3.micro"}}
	if p := GoldenProblems(x, 2, ok); len(p) != 0 {
		t.Errorf("every in-service instance on the golden AMI: got problems %q", p)
	}
	for name, tc := range map[string]struct {
		golden    string
		desired   int
		instances []Instance
	}{
		"an instance on another AMI":  {x, 2, []Instance{{"i-1", "InService", x, ""}, {"i-2", "InService", y, ""}}},
		"below desired capacity":      {x, 2, []Instance{{"i-1", "InService", x, ""}, {"i-2", "Pending", x, ""}}},
		"an unresolved image id":      {"resolve:ssm:/p", 1, []Instance{{"i-1", "InService", "resolve:ssm:/p", ""}}},
		"an unresolved dynamic value": {"{{resolve:ssm:/p/seed}}", 1, []Instance{{"i-1", "InService", "{{resolve:ssm:/p/seed}}", ""}}},
	} {
		if p := GoldenProblems(tc.golden, tc.desired, tc.instances); len(p) == 0 {
			t.Errorf("%s: no problem found", name)
		}
	}
}

func TestMissingResourcesNamesTheTemplateResourcesTheStackLacks(t *testing.T) {
	body := `{"Resources": {"B": {"Type": "AWS::SNS::TopicPolicy"}, "A": {"Type": "AWS::ImageBuilder::DistributionConfiguration"}, "C": {"Type": "AWS::SNS::Topic"}}}`
	got := MissingResources(body, map[string]bool{"C": true})
	if len(got) != 2 || got[0] != [2]string{"A", "AWS::ImageBuilder::DistributionConfiguration"} || got[1] != [2]string{"B", "AWS::SNS::TopicPolicy"} {
		t.Errorf("got %v", got)
	}
}

func TestGroupVersionWarningWhenTheGroupDoesNotReadTheParameter(t *testing.T) {
	const param = "/imagebuilder/p/golden-ami"
	versions := []LTVersion{{1, "resolve:ssm:" + param, false}, {2, x, true}, {3, "resolve:ssm:" + param + ":4", false}}
	for v, wantWarning := range map[string]bool{"1": false, "3": false, "2": true, "$Default": true, "$Latest": false, "7": true} {
		if got := GroupVersionWarning(v, versions, param); (got != "") != wantWarning {
			t.Errorf("group version %s: warning %q, want a warning: %v", v, got, wantWarning)
		}
	}
}
