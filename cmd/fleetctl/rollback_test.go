package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/marks"
	"github.com/immutable-server/golden-fleet/internal/marks/markstest"
)

const (
	seed = "ami-0ed094fb1304fd857"
	x    = "ami-11111111111111111"
	y    = "ami-22222222222222222"
)

func TestRollbackTargetIsThePreviousDistinctGoldenAMI(t *testing.T) {
	for _, tc := range []struct {
		name    string
		history []parameterVersion
		current string
		target  string
	}{
		{"one build after the seed", []parameterVersion{{1, seed}, {2, x}}, x, seed},
		{"two builds", []parameterVersion{{1, seed}, {2, x}, {3, y}}, y, x},
		{"a rebuild wrote the same AMI twice", []parameterVersion{{1, seed}, {2, x}, {3, y}, {4, y}}, y, x},
		{"history out of order", []parameterVersion{{3, y}, {1, seed}, {2, x}}, y, x},
		{"after a rollback, rolling back again goes back to what was rolled back",
			[]parameterVersion{{1, seed}, {2, x}, {3, y}, {4, x}}, x, y},
	} {
		current, target, err := rollbackTarget(tc.history, "")
		if err != nil || current != tc.current || target != tc.target {
			t.Errorf("%s: got (%q, %q, %v), want (%q, %q, nil)", tc.name, current, target, err, tc.current, tc.target)
		}
	}
}

func TestRollbackTargetRefusesWhenThereIsNothingToRollBackTo(t *testing.T) {
	for name, h := range map[string][]parameterVersion{
		"empty history":            nil,
		"only the seed":            {{1, seed}},
		"the same AMI every build": {{1, x}, {2, x}},
		"previous is not an AMI":   {{1, "{{resolve:ssm:/seed}}"}, {2, x}},
	} {
		if _, target, err := rollbackTarget(h, ""); err == nil {
			t.Errorf("%s: target %q, want an error", name, target)
		}
	}
}

func TestRollbackTargetHonoursAnExplicitAMI(t *testing.T) {
	h := []parameterVersion{{1, seed}, {2, x}, {3, y}}
	if _, target, err := rollbackTarget(h, seed); err != nil || target != seed {
		t.Errorf("--to %s: got (%q, %v)", seed, target, err)
	}
	for _, bad := range []string{y, "ami-xyz", "resolve:ssm:/p", "ami-1234567"} {
		if _, target, err := rollbackTarget(h, bad); err == nil {
			t.Errorf("--to %q: target %q, want an error", bad, target)
		}
	}
}

func TestDefaultVersionIsTheNewestVersionCarryingTheAMI(t *testing.T) {
	versions := []launchTemplateVersion{
		{number: 1, imageID: "resolve:ssm:/imagebuilder/p"},
		{number: 2, imageID: x},
		{number: 3, imageID: y},
		{number: 4, imageID: x}, // a rebuild of x after a config change
		{number: 5, imageID: y, isDefault: true},
	}
	for ami, want := range map[string]int64{x: 4, y: 5} {
		if n, ok := defaultVersionFor(versions, ami); !ok || n != want {
			t.Errorf("%s: got (%d, %v), want (%d, true)", ami, n, ok, want)
		}
	}
	if n, ok := defaultVersionFor(versions, seed); ok {
		t.Errorf("seed: got version %d, want none (only the parameter ever held the seed)", n)
	}
}

func TestPipelineHintFollowsTheStackNaming(t *testing.T) {
	p, f := pipelineHint("golden-fleet-prod-fleet")
	if p != "golden-fleet-prod-golden-ami" || f != "golden-fleet-prod-image-factory" {
		t.Errorf("got %q, %q", p, f)
	}
	if p, _ := pipelineHint("something-else"); p != "" {
		t.Errorf("got %q for a stack outside the naming", p)
	}
}

func TestGroupVersionWarningWhenTheGroupDoesNotReadTheParameter(t *testing.T) {
	const param = "/imagebuilder/p/golden-ami"
	versions := []launchTemplateVersion{{number: 1, imageID: "resolve:ssm:" + param}, {number: 2, imageID: x, isDefault: true}, {number: 3, imageID: "resolve:ssm:" + param + ":4"}}
	for v, wantWarning := range map[string]bool{"1": false, "3": false, "2": true, "$Default": true, "$Latest": false, "7": true} {
		if got := groupVersionWarning(v, versions, param); (got != "") != wantWarning {
			t.Errorf("group version %s: warning %q, want a warning: %v", v, got, wantWarning)
		}
	}
}

const goldenParam = "/imagebuilder/p/golden-ami"

// builtTwice is a fleet after two builds (x, then y) whose group
// launches version 1 of the launch template, resolve:ssm: of parameter.
func builtTwice(parameter string) *fakeAWS {
	f := deployedFleet(parameter, "g", x, y)
	f.images = []ec2types.Image{{State: ec2types.ImageStateAvailable}}
	return f
}

func rollbackOn(f *fakeAWS, out *strings.Builder) *rollback {
	return &rollback{cfn: f, ssm: f, ec2: f, asg: f, ib: markstest.NewFakeImageBuilder(), out: out}
}

func TestRollbackWritesThePreviousGoldenAMIAndMakesItsVersionTheDefault(t *testing.T) {
	f := builtTwice(goldenParam)
	var out strings.Builder
	if err := rollbackOn(f, &out).run(context.Background(), "golden-fleet-dev-fleet", ""); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.parameter, []string{x}) || !slices.Equal(f.modified, []string{"2"}) {
		t.Errorf("wrote %v into the parameter and made %v the default version, want [%s] and [2]", f.parameter, f.modified, x)
	}
	for _, want := range []string{y + " -> " + x, "default version -> 2", "golden-fleet-dev-golden-ami (stack golden-fleet-dev-image-factory)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// In an environment that promotes, what rolls the fleet forward again is
// the next promotion, not a pipeline (it has none).
func TestRollbackInAPromotingEnvironmentNamesTheNextPromotion(t *testing.T) {
	f := builtTwice(goldenParam)
	for k := range f.images {
		f.images[k].Tags = append(f.images[k].Tags, ec2types.Tag{Key: aws.String(config.PromotedFromEnvironmentTagKey), Value: aws.String("dev")},
			ec2types.Tag{Key: aws.String(config.EnvironmentTagKey), Value: aws.String("prod")})
	}
	var out strings.Builder
	if err := rollbackOn(f, &out).run(context.Background(), "golden-fleet-prod-fleet", ""); err != nil {
		t.Fatal(err)
	}
	if want := "the next promotion into prod (fleetctl promote --from dev --to prod)"; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
	if strings.Contains(out.String(), "pipeline") {
		t.Errorf("output names a pipeline, which a promoting environment does not have:\n%s", out.String())
	}
}

// A group the parameter cannot reach stops the rollback before anything
// changes, with a message that says why (never "<nil>").
func TestRollbackRefusesAGroupTheParameterDoesNotReach(t *testing.T) {
	for name, tc := range map[string]struct {
		groups []asgtypes.AutoScalingGroup
		want   string
	}{
		"no group":                   {nil, "group g: found 0 groups of that name, want 1; nothing changed"},
		"no launch template":         {[]asgtypes.AutoScalingGroup{{}}, "group g launches from no launch template: a rollback through the parameter would not reach it; nothing changed"},
		"a version with a fixed AMI": {[]asgtypes.AutoScalingGroup{{LaunchTemplate: &asgtypes.LaunchTemplateSpecification{Version: aws.String("3")}}}, "whose image is " + y},
	} {
		f := builtTwice(goldenParam)
		f.groups = tc.groups
		var out strings.Builder
		err := rollbackOn(f, &out).run(context.Background(), "golden-fleet-dev-fleet", "")
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "<nil>") {
			t.Errorf("%s: got %v, want an error holding %q", name, err, tc.want)
		}
		if len(f.parameter) > 0 || len(f.modified) > 0 {
			t.Errorf("%s: the refused rollback wrote %v and set default versions %v", name, f.parameter, f.modified)
		}
	}
}

// fleetctl rollback marks at once what the fleet stack's marker marks when
// it sees the parameter change: the new golden AMI and its rollback
// target.
func TestRollbackMarksTheNewGoldenAMIAndItsRollbackTarget(t *testing.T) {
	f := builtTwice(rollParameter)
	f.account = markstest.NewFakeEC2(x, y)
	var out strings.Builder
	if err := rollbackOn(f, &out).run(context.Background(), "gf-dev-fleet", ""); err != nil {
		t.Fatal(err)
	}
	key := marks.RoleKey("gf-dev")
	if f.account.Tags(x)[key] != marks.Current || f.account.Tags(y)[key] != marks.Previous {
		t.Errorf("after rolling back from %s to %s: %s %v, %s %v; want %s current and %s previous", y, x, x, f.account.Tags(x), y, f.account.Tags(y), x, y)
	}
	if !strings.Contains(out.String(), "lifecycle marks: "+x+" is gf-dev's current AMI") {
		t.Errorf("output:\n%s", &out)
	}
}
