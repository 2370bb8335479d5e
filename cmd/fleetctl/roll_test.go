package main

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/immutable-server/golden-fleet/internal/marks"
)

func ptr[T any](v T) *T { return &v }

func TestPreferencesComeFromTheStackAndFlagsOverrideThem(t *testing.T) {
	const stack = `{"CheckpointDelay":1800,"CheckpointPercentages":[50,100],"MinHealthyPercentage":90,"SkipMatching":false}`
	for _, tc := range []struct {
		name           string
		output, alarms string
		flags          RollFlags
		want           asgtypes.RefreshPreferences
	}{
		{name: "the stack's preferences", output: stack, want: asgtypes.RefreshPreferences{
			SkipMatching: aws.Bool(false), MinHealthyPercentage: aws.Int32(90), CheckpointPercentages: []int32{50, 100}, CheckpointDelay: aws.Int32(1800)}},
		{name: "no output: Auto Scaling's defaults, skip matching still off", want: asgtypes.RefreshPreferences{SkipMatching: aws.Bool(false)}},
		{name: "flags override", output: stack,
			flags: RollFlags{MinHealthyPercentage: ptr(100), InstanceWarmup: ptr(30 * time.Second), Checkpoints: []int{}},
			want:  asgtypes.RefreshPreferences{SkipMatching: aws.Bool(false), MinHealthyPercentage: aws.Int32(100), InstanceWarmup: aws.Int32(30)}},
		{name: "new checkpoints and delay", output: stack, flags: RollFlags{Checkpoints: []int{20, 100}, CheckpointDelay: ptr(time.Minute)},
			want: asgtypes.RefreshPreferences{SkipMatching: aws.Bool(false), MinHealthyPercentage: aws.Int32(90), CheckpointPercentages: []int32{20, 100}, CheckpointDelay: aws.Int32(60)}},
		{name: "the stack's alarms", output: `{"SkipMatching":false}`, alarms: "a,b",
			want: asgtypes.RefreshPreferences{SkipMatching: aws.Bool(false), AlarmSpecification: &asgtypes.AlarmSpecification{Alarms: []string{"a", "b"}}}},
		{name: "alarms from flags", alarms: "a,b", flags: RollFlags{Alarms: []string{"c"}},
			want: asgtypes.RefreshPreferences{SkipMatching: aws.Bool(false), AlarmSpecification: &asgtypes.AlarmSpecification{Alarms: []string{"c"}}}},
		{name: "no alarms", alarms: "a,b", flags: RollFlags{NoAlarms: true}, want: asgtypes.RefreshPreferences{SkipMatching: aws.Bool(false)}},
	} {
		got, err := Preferences(tc.output, tc.alarms, tc.flags)
		if err != nil || !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%s: got (%+v, %v), want %+v", tc.name, got, err, tc.want)
		}
	}
}

func TestPreferencesRejectBadFlagsNamingTheFlagAndValue(t *testing.T) {
	for _, tc := range []struct {
		flags RollFlags
		want  string
	}{
		{RollFlags{MinHealthyPercentage: ptr(101)}, "--min-healthy-percentage: got 101: want 0 to 100"},
		{RollFlags{InstanceWarmup: ptr(1500 * time.Millisecond)}, "--instance-warmup: got 1.5s: want whole seconds"},
		{RollFlags{Checkpoints: []int{50, 40, 100}}, "--checkpoints: got 40 after 50: want ascending"},
		{RollFlags{Checkpoints: []int{0, 100}}, "--checkpoints: got 0: want percentages from 1 to 100"},
		{RollFlags{Checkpoints: []int{50}}, "--checkpoints: got 50 last: want 100 last"},
		{RollFlags{CheckpointDelay: ptr(time.Minute)}, "--checkpoint-delay: got 1m0s without checkpoints"},
		{RollFlags{Checkpoints: []int{100}, CheckpointDelay: ptr(49 * time.Hour)}, "--checkpoint-delay: got 49h0m0s: want whole seconds from 0s to 48h0m0s"},
		{RollFlags{Alarms: strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")}, "--alarm: got 11 alarms: want at most 10"},
		{RollFlags{Alarms: []string{"a"}, NoAlarms: true}, "--no-alarms: got it with --alarm"},
	} {
		if _, err := Preferences("", "", tc.flags); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error containing %q", tc.flags, err, tc.want)
		}
	}
	if _, err := Preferences(`{"MinHealthy":1}`, "", RollFlags{}); err == nil || !strings.Contains(err.Error(), "RolloutPreferences") {
		t.Errorf("unknown preference in the output: got %v", err)
	}
}

func TestEveryRefreshStatusIsFinalOrNot(t *testing.T) {
	for _, s := range asgtypes.InstanceRefreshStatus("").Values() {
		done, ok := Finished(s)
		switch s {
		case asgtypes.InstanceRefreshStatusSuccessful:
			if !done || !ok {
				t.Errorf("%s: got (%v, %v), want final and successful", s, done, ok)
			}
		case asgtypes.InstanceRefreshStatusPending, asgtypes.InstanceRefreshStatusInProgress, asgtypes.InstanceRefreshStatusCancelling,
			asgtypes.InstanceRefreshStatusRollbackInProgress, asgtypes.InstanceRefreshStatusBaking:
			if done || !Active(s) {
				t.Errorf("%s: got final, want still running", s)
			}
		default:
			if !done || ok {
				t.Errorf("%s: got (%v, %v), want final and failed", s, done, ok)
			}
		}
	}
}

func TestProgressLine(t *testing.T) {
	got := ProgressLine(asgtypes.InstanceRefresh{Status: "InProgress", PercentageComplete: aws.Int32(50), InstancesToUpdate: aws.Int32(1), StatusReason: aws.String("Waiting for instances to warm up")})
	if want := "InProgress   50% [##########----------] 1 to update  Waiting for instances to warm up"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// --- fakes ------------------------------------------------------------------

const (
	param  = "/imagebuilder/gf/dev/golden-ami"
	ltID   = "lt-0123456789abcdef0"
	group  = "gf-dev-group"
	golden = x
)

type fakeCFN map[string]string

func (f fakeCFN) DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	var outs []cfntypes.Output
	for k, v := range f {
		outs = append(outs, cfntypes.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{{Outputs: outs}}}, nil
}

func stackOutputsFor(prefs string) fakeCFN {
	return fakeCFN{"GoldenAmiParameter": param, "LaunchTemplateId": ltID, "AutoScalingGroupName": group, "RolloutPreferences": prefs}
}

type fakeSSM struct{ written time.Time }

func (f fakeSSM) GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Value: aws.String(golden), Version: 3, LastModifiedDate: aws.Time(f.written)}}, nil
}

type fakeEC2 struct {
	groupVersionImage string
	images            map[string]string // instance -> AMI
}

func (f *fakeEC2) DescribeLaunchTemplateVersions(context.Context, *ec2.DescribeLaunchTemplateVersionsInput, ...func(*ec2.Options)) (*ec2.DescribeLaunchTemplateVersionsOutput, error) {
	return &ec2.DescribeLaunchTemplateVersionsOutput{LaunchTemplateVersions: []ec2types.LaunchTemplateVersion{
		{VersionNumber: aws.Int64(1), LaunchTemplateData: &ec2types.ResponseLaunchTemplateData{ImageId: aws.String(f.groupVersionImage)}},
		{VersionNumber: aws.Int64(2), DefaultVersion: aws.Bool(true), LaunchTemplateData: &ec2types.ResponseLaunchTemplateData{ImageId: aws.String(golden)}},
	}}, nil
}

func (f *fakeEC2) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	var res ec2types.Reservation
	for _, id := range in.InstanceIds {
		res.Instances = append(res.Instances, ec2types.Instance{InstanceId: aws.String(id), ImageId: aws.String(f.images[id])})
	}
	return &ec2.DescribeInstancesOutput{Reservations: []ec2types.Reservation{res}}, nil
}

// fakeASG plays a refresh: each DescribeInstanceRefreshes returns the next
// scripted state (the last one repeats).
type fakeASG struct {
	startErr error
	started  *autoscaling.StartInstanceRefreshInput
	running  []asgtypes.InstanceRefresh // for an in-progress start
	script   []asgtypes.InstanceRefresh
	calls    int
	ec2      *fakeEC2
}

func (f *fakeASG) DescribeAutoScalingGroups(context.Context, *autoscaling.DescribeAutoScalingGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error) {
	g := asgtypes.AutoScalingGroup{DesiredCapacity: aws.Int32(2),
		LaunchTemplate: &asgtypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(ltID), Version: aws.String("1")}}
	for id := range f.ec2.images {
		g.Instances = append(g.Instances, asgtypes.Instance{InstanceId: aws.String(id), LifecycleState: asgtypes.LifecycleStateInService})
	}
	return &autoscaling.DescribeAutoScalingGroupsOutput{AutoScalingGroups: []asgtypes.AutoScalingGroup{g}}, nil
}

func (f *fakeASG) StartInstanceRefresh(_ context.Context, in *autoscaling.StartInstanceRefreshInput, _ ...func(*autoscaling.Options)) (*autoscaling.StartInstanceRefreshOutput, error) {
	f.started = in
	if f.startErr != nil {
		return nil, f.startErr
	}
	return &autoscaling.StartInstanceRefreshOutput{InstanceRefreshId: aws.String("r-1")}, nil
}

func (f *fakeASG) DescribeInstanceRefreshes(_ context.Context, in *autoscaling.DescribeInstanceRefreshesInput, _ ...func(*autoscaling.Options)) (*autoscaling.DescribeInstanceRefreshesOutput, error) {
	if len(in.InstanceRefreshIds) == 0 {
		return &autoscaling.DescribeInstanceRefreshesOutput{InstanceRefreshes: f.running}, nil
	}
	st := f.script[min(f.calls, len(f.script)-1)]
	f.calls++
	if st.Status == asgtypes.InstanceRefreshStatusSuccessful {
		for id := range f.ec2.images {
			f.ec2.images[id] = golden
		}
	}
	st.InstanceRefreshId = aws.String(in.InstanceRefreshIds[0])
	return &autoscaling.DescribeInstanceRefreshesOutput{InstanceRefreshes: []asgtypes.InstanceRefresh{st}}, nil
}

func refresh(status asgtypes.InstanceRefreshStatus, pct, left int32, reason string) asgtypes.InstanceRefresh {
	return asgtypes.InstanceRefresh{Status: status, PercentageComplete: aws.Int32(pct), InstancesToUpdate: aws.Int32(left), StatusReason: aws.String(reason)}
}

var written = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newRoller(asg *fakeASG, prefs string) (*roller, *strings.Builder, *[]time.Duration) {
	out := &strings.Builder{}
	var slept []time.Duration
	return &roller{
		cfn: stackOutputsFor(prefs), ssm: fakeSSM{written}, ec2: asg.ec2, asg: asg, out: out, poll: 5 * time.Second,
		sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil },
		now:   func() time.Time { return written.Add(time.Minute) },
	}, out, &slept
}

func fleetOn(ami string) *fakeEC2 {
	return &fakeEC2{groupVersionImage: "resolve:ssm:" + param, images: map[string]string{"i-1": ami, "i-2": ami}}
}

var playThrough = []asgtypes.InstanceRefresh{
	refresh("Pending", 0, 2, ""),
	refresh("InProgress", 0, 2, ""),
	refresh("InProgress", 50, 1, "Waiting for instances to warm up"),
	refresh("Successful", 100, 0, ""),
}

func TestRollStartsARefreshOfEveryInstanceAndFollowsItToTheEnd(t *testing.T) {
	asg := &fakeASG{ec2: fleetOn(y), script: playThrough}
	r, out, slept := newRoller(asg, `{"InstanceWarmup":1,"MinHealthyPercentage":50,"SkipMatching":false}`)
	if err := r.run(context.Background(), "gf-dev-fleet", RollFlags{}, true); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	in := asg.started
	if aws.ToString(in.AutoScalingGroupName) != group || in.Strategy != asgtypes.RefreshStrategyRolling || in.DesiredConfiguration != nil {
		t.Errorf("started %+v, want a rolling refresh of %s with its own configuration", in, group)
	}
	want := asgtypes.RefreshPreferences{SkipMatching: aws.Bool(false), MinHealthyPercentage: aws.Int32(50), InstanceWarmup: aws.Int32(1)}
	if !reflect.DeepEqual(*in.Preferences, want) {
		t.Errorf("preferences %+v, want %+v", *in.Preferences, want)
	}
	text := out.String()
	for _, w := range []string{"instance refresh r-1 of group " + group + " started", "golden AMI " + golden, "min healthy 50%",
		"Pending", "50% [##########----------] 1 to update  Waiting for instances to warm up", "Successful  100%",
		"every instance of " + group + " runs the golden AMI " + golden} {
		if !strings.Contains(text, w) {
			t.Errorf("output lacks %q:\n%s", w, text)
		}
	}
	if strings.Count(text, "InProgress") != 2 {
		t.Errorf("want one line per change of state (two InProgress lines):\n%s", text)
	}
	if len(*slept) != 3 || (*slept)[0] != 5*time.Second {
		t.Errorf("slept %v, want 3 polls of 5s", *slept)
	}
}

func TestRollNoWaitStartsAndReturns(t *testing.T) {
	asg := &fakeASG{ec2: fleetOn(y), script: playThrough}
	r, out, _ := newRoller(asg, "")
	if err := r.run(context.Background(), "gf-dev-fleet", RollFlags{}, false); err != nil {
		t.Fatal(err)
	}
	if asg.started == nil || asg.calls != 0 || !strings.Contains(out.String(), "describe-instance-refreshes") {
		t.Errorf("started %v, followed %d times; output:\n%s", asg.started != nil, asg.calls, out)
	}
}

func TestRollFollowsARefreshThatStartedAfterTheGoldenAMIChanged(t *testing.T) {
	asg := &fakeASG{ec2: fleetOn(y), script: playThrough,
		startErr: &asgtypes.InstanceRefreshInProgressFault{Message: aws.String("in progress")},
		running:  []asgtypes.InstanceRefresh{{InstanceRefreshId: aws.String("r-auto"), Status: "InProgress", StartTime: aws.Time(written.Add(5 * time.Second))}}}
	r, out, _ := newRoller(asg, "")
	if err := r.run(context.Background(), "gf-dev-fleet", RollFlags{}, true); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out.String(), "r-auto") || !strings.Contains(out.String(), "already replacing every instance: following it") {
		t.Errorf("output:\n%s", out)
	}
}

func TestRollRefusesWhileARefreshThatStartedBeforeTheChangeRuns(t *testing.T) {
	asg := &fakeASG{ec2: fleetOn(y), script: playThrough,
		startErr: &asgtypes.InstanceRefreshInProgressFault{Message: aws.String("in progress")},
		running: []asgtypes.InstanceRefresh{
			{InstanceRefreshId: aws.String("r-old"), Status: "Successful", StartTime: aws.Time(written.Add(time.Hour))},
			{InstanceRefreshId: aws.String("r-before"), Status: "InProgress", StartTime: aws.Time(written.Add(-time.Minute)), PercentageComplete: aws.Int32(50)}}}
	r, _, _ := newRoller(asg, "")
	err := r.run(context.Background(), "gf-dev-fleet", RollFlags{}, true)
	if err == nil || !strings.Contains(err.Error(), "r-before") || !strings.Contains(err.Error(), "before the golden AMI changed") || !strings.Contains(err.Error(), "cancel-instance-refresh") {
		t.Errorf("got %v, want a refusal naming r-before and how to cancel it", err)
	}
}

func TestRollRefusesWhenTheGroupDoesNotLaunchTheGoldenParameter(t *testing.T) {
	fleet := fleetOn(y)
	fleet.groupVersionImage = y // version 1 carries a literal AMI
	asg := &fakeASG{ec2: fleet, script: playThrough}
	r, _, _ := newRoller(asg, "")
	if err := r.run(context.Background(), "gf-dev-fleet", RollFlags{}, true); err == nil || !strings.Contains(err.Error(), "nothing changed") {
		t.Errorf("got %v, want a refusal", err)
	}
	if asg.started != nil {
		t.Error("a refresh was started")
	}
}

func TestRollReportsAFailedRefresh(t *testing.T) {
	asg := &fakeASG{ec2: fleetOn(y), script: []asgtypes.InstanceRefresh{
		refresh("InProgress", 50, 1, ""), refresh("Failed", 50, 1, "alarm gf-dev-unhealthy is in ALARM")}}
	r, _, _ := newRoller(asg, "")
	err := r.run(context.Background(), "gf-dev-fleet", RollFlags{Alarms: []string{"gf-dev-unhealthy"}}, true)
	if err == nil || !strings.Contains(err.Error(), "ended Failed: alarm gf-dev-unhealthy is in ALARM") {
		t.Errorf("got %v, want the refresh's failure and reason", err)
	}
	if got := asg.started.Preferences.AlarmSpecification; got == nil || got.Alarms[0] != "gf-dev-unhealthy" {
		t.Errorf("alarm specification %+v, want gf-dev-unhealthy", got)
	}
}

func TestRollSaysTheRefreshGoesOnWhenItStopsFollowing(t *testing.T) {
	asg := &fakeASG{ec2: fleetOn(y), script: []asgtypes.InstanceRefresh{refresh("InProgress", 0, 2, "")}}
	r, _, _ := newRoller(asg, "")
	r.sleep = func(context.Context, time.Duration) error { return context.Canceled }
	err := r.run(context.Background(), "gf-dev-fleet", RollFlags{}, true)
	if err == nil || !strings.Contains(err.Error(), "it goes on") || !strings.Contains(err.Error(), "cancel-instance-refresh --auto-scaling-group-name "+group) {
		t.Errorf("got %v", err)
	}
}

func TestRollFailsWhenAnInstanceIsNotOnTheGoldenAMIAfterwards(t *testing.T) {
	asg := &fakeASG{ec2: fleetOn(y), script: []asgtypes.InstanceRefresh{{Status: "Successful"}}}
	asg.ec2.images["i-3"] = y
	r, _, _ := newRoller(asg, "")
	// Three instances in service for a desired capacity of two.
	if err := r.run(context.Background(), "gf-dev-fleet", RollFlags{}, true); err == nil || !strings.Contains(err.Error(), "not all on the golden AMI") {
		t.Errorf("got %v", err)
	}
}

type historySSM []ssmtypes.ParameterHistory

func (h historySSM) GetParameterHistory(context.Context, *ssm.GetParameterHistoryInput, ...func(*ssm.Options)) (*ssm.GetParameterHistoryOutput, error) {
	return &ssm.GetParameterHistoryOutput{Parameters: h}, nil
}

func TestRollbackMarksTheGoldenAMIAndItsRollbackTarget(t *testing.T) {
	account := marks.NewFakeEC2(x, y)
	h := historySSM{{Version: 1, Value: aws.String(seed)}, {Version: 2, Value: aws.String(x)}, {Version: 3, Value: aws.String(y)}, {Version: 4, Value: aws.String(x)}}
	var out strings.Builder
	if err := markGolden(context.Background(), h, account, param, &out); err != nil {
		t.Fatal(err)
	}
	fleet := "gf-dev"
	if account.Tags(x)[marks.RoleKey(fleet)] != marks.Current || account.Tags(y)[marks.RoleKey(fleet)] != marks.Previous ||
		account.Tags(x)[marks.RetainKey] != marks.RetainValue || account.Tags(y)[marks.RetainKey] != marks.RetainValue {
		t.Errorf("tags: %s %v, %s %v", x, account.Tags(x), y, account.Tags(y))
	}
	if !strings.Contains(out.String(), x+" is gf-dev's current AMI") {
		t.Errorf("output:\n%s", &out)
	}
	if err := markGolden(context.Background(), h, failingEC2{account}, param, &out); err == nil {
		t.Error("a failed marking was not reported")
	}
}

type failingEC2 struct{ *marks.FakeEC2 }

func (failingEC2) CreateTags(context.Context, *ec2.CreateTagsInput, ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error) {
	return nil, errors.New("UnauthorizedOperation")
}

func TestRollUsageErrors(t *testing.T) {
	for args, want := range map[string]string{
		"roll":                                      "--stack is required",
		"roll --stack s --checkpoints 50,x":         `--checkpoints: got "50,x"`,
		"roll --stack s --poll 0s":                  "--poll: got 0s",
		"roll --stack s --min-healthy-percentage x": "invalid value",
		"rollback --stack s --roll --no-wait":       "not defined",
	} {
		var out strings.Builder
		if err := run(context.Background(), strings.Fields(args), &out); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error containing %q", args, err, want)
		}
	}
}
