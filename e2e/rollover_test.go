//go:build e2e

package e2e

// Day-2 operations against moto (issue 10): fleetctl roll, fleetctl
// rollback --roll, the golden AMI marks written on every change of the
// golden parameter (the fleet stack's marker state machine, started by
// the parameter's change event) and the automatic rollout. moto's instance
// refresh, parameter change events and Step Functions targets come from
// e2e/moto_refresh.py and e2e/moto_events.py.
//
// The file's name puts these tests after rollout_test.go's (go test runs
// a package's files in name order), whose first test expects the golden
// parameter as the first deploy wrote it, and before update_matrix_test.go,
// whose last test deletes the fleet stack. Each simulates the builds it
// needs. The TestRollback* ones also run in the emulator's other modes
// (make e2e).

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/marks"
)

// fleetID is the fleet's name in its AMI marks.
var fleetID = names.Base()

// fleetImages returns the AMI of every in-service instance of the group.
func fleetImages(t *testing.T, group string) map[string]string {
	t.Helper()
	ids, _ := groupInstances(t, group)
	out := map[string]string{}
	for _, id := range ids {
		out[id] = describeInstance(t, id).image
	}
	return out
}

// allOn fails unless the group is at its desired capacity with every
// instance on ami and none of before.
func allOn(t *testing.T, group, ami string, before map[string]string) {
	t.Helper()
	ids, desired := groupInstances(t, group)
	if int32(len(ids)) != desired {
		t.Errorf("group %s: %d instances in service, desired %d", group, len(ids), desired)
	}
	for id, image := range fleetImages(t, group) {
		if image != ami {
			t.Errorf("instance %s runs %s, want %s", id, image, ami)
		}
		if _, old := before[id]; old {
			t.Errorf("instance %s was not replaced", id)
		}
	}
}

func amiTags(t *testing.T, ami string) map[string]string {
	t.Helper()
	out, err := aws_.ec2.DescribeImages(context.Background(), &ec2.DescribeImagesInput{ImageIds: []string{ami}})
	if err != nil || len(out.Images) != 1 {
		t.Fatalf("describe %s: %v", ami, err)
	}
	return tagMap(out.Images[0].Tags, ec2Tag)
}

// tagMap is tags (a service's Tag type, whose key and value kv reads) as
// key -> value.
func tagMap[T any](tags []T, kv func(T) (key, value *string)) map[string]string {
	m := map[string]string{}
	for _, tag := range tags {
		k, v := kv(tag)
		m[aws.ToString(k)] = aws.ToString(v)
	}
	return m
}

func ec2Tag(t ec2types.Tag) (key, value *string) { return t.Key, t.Value }

// waitForMarks waits until the marks of the fleet's AMIs are: current on
// current, previous on previous, none on every AMI of unmarked. The marker
// state machine runs asynchronously, on the parameter's change event.
func waitForMarks(t *testing.T, current, previous string, unmarked ...string) {
	t.Helper()
	key := marks.RoleKey(fleetID)
	var problems []string
	if !settled(t, func() (bool, string) {
		problems = nil
		for ami, want := range map[string]string{current: marks.Current, previous: marks.Previous} {
			if tags := amiTags(t, ami); tags[key] != want || tags[marks.RetainKey] != marks.RetainValue {
				problems = append(problems, fmt.Sprintf("%s has %v, want %s=%s and %s=%s", ami, tags, key, want, marks.RetainKey, marks.RetainValue))
			}
		}
		for _, ami := range unmarked {
			if tags := amiTags(t, ami); tags[key] != "" || tags[marks.RetainKey] != "" {
				problems = append(problems, fmt.Sprintf("%s has %v, want no mark", ami, tags))
			}
		}
		return len(problems) == 0, ""
	}) {
		t.Errorf("marks once the emulator finished its work:\n  %s", strings.Join(problems, "\n  "))
	}
}

// fleetctl roll replaces every instance with one running the golden AMI,
// in batches, following the refresh to the end.
func TestRollReplacesEveryInstanceWithTheGoldenAMI(t *testing.T) {
	f := outputs(t)
	x, _ := build(t)
	before := fleetImages(t, f.group)
	out, err := runFleetctl(t, nil, "roll", "--stack", fleetName, "--poll", "250ms")
	if err != nil {
		t.Fatalf("fleetctl roll: %v", err)
	}
	allOn(t, f.group, x, before)
	local := deployed.Environments[0].Rollout
	for _, want := range []string{
		"started: every instance is replaced by one running the golden AMI " + x,
		fmt.Sprintf("min healthy %d%%, warm-up %s", local.MinHealthyPercentage, local.InstanceWarmup), // from the stack's output
		"InProgress", "Successful  100%",
		"every instance of " + f.group + " runs the golden AMI " + x,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("fleetctl output lacks %q", want)
		}
	}
	// The refresh keeps MinHealthyPercentage of the desired capacity in
	// service, rounded up: when that leaves room for one instance only,
	// the instances are replaced one at a time, and the refresh is seen
	// after each.
	_, desired := groupInstances(t, f.group)
	if inService := (int(desired)*local.MinHealthyPercentage + 99) / 100; int(desired)-inService <= 1 {
		for k := 1; k < int(desired); k++ {
			if line := fmt.Sprintf(" %3d%% [", 100*k/int(desired)); !strings.Contains(out, line) {
				t.Errorf("no progress line at %d of %d instances (%q): the refresh did not replace them one at a time", k, desired, line)
			}
		}
	} else {
		t.Errorf("%d desired, %d%% kept in service: the test expects a group replaced one instance at a time", desired, local.MinHealthyPercentage)
	}
	// A second roll right away starts another refresh; with --no-wait it
	// returns at once.
	if out, err := runFleetctl(t, nil, "roll", "--stack", fleetName, "--no-wait"); err != nil || !strings.Contains(out, "not following it") {
		t.Errorf("fleetctl roll --no-wait: %v\n%s", err, out)
	}
	// While that refresh runs (it started after the golden AMI was
	// written), roll follows it instead of failing.
	if out, err := runFleetctl(t, nil, "roll", "--stack", fleetName, "--poll", "250ms"); err != nil || !strings.Contains(out, "already replacing every instance: following it") {
		t.Errorf("fleetctl roll during a refresh: %v\n%s", err, out)
	}
	allOn(t, f.group, x, nil)
}

// A build, then a rollback with --roll: every instance runs the previous
// golden AMI again. The marks follow the parameter: the marker state
// machine after the build (the parameter's change event), fleetctl
// rollback after its write.
func TestRollbackRollPutsThePreviousAMIBackOnEveryInstance(t *testing.T) {
	f := outputs(t)
	x, _ := build(t)
	if _, err := runFleetctl(t, nil, "roll", "--stack", fleetName, "--poll", "250ms"); err != nil {
		t.Fatalf("fleetctl roll: %v", err)
	}
	y, _ := build(t)
	waitForMarks(t, y, x)
	before := fleetImages(t, f.group)
	out, err := runFleetctl(t, nil, "rollback", "--stack", fleetName, "--roll")
	if err != nil {
		t.Fatalf("fleetctl rollback --roll: %v", err)
	}
	if got, _ := goldenValue(t); got != x {
		t.Errorf("golden parameter holds %s after the rollback, want %s", got, x)
	}
	allOn(t, f.group, x, before)
	for _, want := range []string{y + " -> " + x, x + " is " + fleetID + "'s current AMI", "every instance of " + f.group + " runs the golden AMI " + x} {
		if !strings.Contains(out, want) {
			t.Errorf("fleetctl output lacks %q", want)
		}
	}
	waitForMarks(t, x, y)
}

// Three builds in a row: only the last two AMIs stay marked, the first
// loses its mark; an AMI another fleet still runs keeps the retain mark.
func TestTheMarksFollowEveryBuild(t *testing.T) {
	a, _ := build(t)
	b, _ := build(t)
	waitForMarks(t, b, a)
	// prod runs a too (a promotion): its own role tag.
	if _, err := aws_.ec2.CreateTags(context.Background(), &ec2.CreateTagsInput{Resources: []string{a},
		Tags: []ec2types.Tag{{Key: aws.String(marks.RoleKey("golden-fleet-prod")), Value: aws.String(marks.Current)}}}); err != nil {
		t.Fatal(err)
	}
	c, _ := build(t)
	d, _ := build(t)
	waitForMarks(t, d, c, b)
	if tags := amiTags(t, a); tags[marks.RoleKey(fleetID)] != "" || tags[marks.RetainKey] != marks.RetainValue {
		t.Errorf("%s, still prod's, has %v: want %s's role gone and the retain mark kept", a, tags, fleetID)
	}
}

// With Rollout.Automatic, a build alone rolls the fleet: the parameter's
// change event starts the rollout state machine, which starts an instance
// refresh. The fleet stack is redeployed with it, then without it.
func TestTheAutomaticRolloutRollsTheFleetOnEveryBuild(t *testing.T) {
	cfg := baseConfig()
	cfg.Environments[0].Rollout.Automatic = true
	if err := deploy(cfg, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := deploy(baseConfig(), true); err != nil {
			t.Errorf("redeploying without the automatic rollout: %v", err)
		}
	})
	f := outputs(t)
	before := fleetImages(t, f.group)
	refreshes := func() []string {
		out, err := aws_.asg.DescribeInstanceRefreshes(context.Background(), &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: aws.String(f.group)})
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, r := range out.InstanceRefreshes {
			s = append(s, string(r.Status))
		}
		return s
	}
	earlier := len(refreshes())
	x, _ := build(t)
	eventually(t, "the automatic rollout after a build", func() (bool, string) {
		s := refreshes()
		return len(s) > earlier && s[0] == "Successful", fmt.Sprintf("the group's refreshes are %v (newest first; %d before the build); want a new, successful one", s, earlier)
	})
	allOn(t, f.group, x, before)
	// The update started one refresh, and nothing else did: neither the
	// marker nor the refresh itself triggers the rollout again.
	waitIdle(t)
	if s := refreshes(); len(s) != earlier+1 {
		t.Errorf("%d refreshes after one build (%v, newest first; %d before): want exactly one more", len(s), s, earlier)
	}

	// The parameter's creation starts no rollout. The fleet stack's
	// Custom::GoldenAmiSeed creates it with PutParameter, Overwrite false
	// (a "Create" Parameter Store Change event); here the parameter is
	// deleted and created again by the same call, with its value and tags.
	// The marker, whose rule takes Create too, shows that the event reached
	// the rules: it marks x again, once its marks are removed.
	t.Run("the parameter's creation starts no rollout", func(t *testing.T) {
		ctx := context.Background()
		n := len(refreshes())
		tags, err := aws_.ssm.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceId: aws.String(golden), ResourceType: ssmtypes.ResourceTypeForTaggingParameter})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := aws_.ec2.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{x},
			Tags: []ec2types.Tag{{Key: aws.String(marks.RoleKey(fleetID))}, {Key: aws.String(marks.RetainKey)}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := aws_.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(golden)}); err != nil {
			t.Fatal(err)
		}
		if _, err := aws_.ssm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(golden), Value: aws.String(x),
			Type: ssmtypes.ParameterTypeString, DataType: aws.String("aws:ec2:image"), Overwrite: aws.Bool(false), Tags: tags.TagList}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the marker after the parameter's creation", func() (bool, string) {
			tags := amiTags(t, x)
			return tags[marks.RoleKey(fleetID)] == marks.Current, fmt.Sprintf("%s has %v: the marker did not run, so the test proves nothing", x, tags)
		})
		waitIdle(t)
		if s := refreshes(); len(s) != n {
			t.Errorf("%d refreshes after the parameter's creation (%v, newest first; %d before): want none started", len(s), s, n)
		}
	})
}

// fleetctl rollback --to the seed --roll puts every instance back on the
// image the first deploy ran (an Amazon AMI: nothing to mark, no launch
// template version carries it). The cleanup makes version 1 the default
// again, as the first deploy left it.
func TestRollbackToTheSeedRollsEveryInstanceBackOnIt(t *testing.T) {
	f := outputs(t)
	seed, err := aws_.ssm.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(config.DefaultSeedImage)})
	if err != nil {
		t.Fatal(err)
	}
	seedAMI := aws.ToString(seed.Parameter.Value)
	t.Cleanup(func() {
		if _, err := aws_.ec2.ModifyLaunchTemplate(context.Background(), &ec2.ModifyLaunchTemplateInput{
			LaunchTemplateId: aws.String(f.launchTemplate), DefaultVersion: aws.String("1"),
		}); err != nil {
			t.Errorf("making launch template version 1 the default again: %v", err)
		}
	})
	before := fleetImages(t, f.group)
	out, err := runFleetctl(t, nil, "rollback", "--stack", fleetName, "--to", seedAMI, "--roll")
	if err != nil {
		t.Fatalf("fleetctl rollback --to %s --roll: %v", seedAMI, err)
	}
	if got, _ := goldenValue(t); got != seedAMI {
		t.Errorf("golden parameter holds %s, want the seed %s", got, seedAMI)
	}
	allOn(t, f.group, seedAMI, before)
	if !strings.Contains(out, "no version carries "+seedAMI) {
		t.Errorf("fleetctl output lacks the unchanged default version")
	}
}
