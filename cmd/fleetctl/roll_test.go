package main

import (
	"context"
	"flag"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/marks"
	"github.com/immutable-server/golden-fleet/internal/marks/markstest"
)

func ptr[T any](v T) *T { return &v }

func TestPreferencesComeFromTheStackAndFlagsOverrideThem(t *testing.T) {
	const stack = `{"CheckpointDelay":1800,"CheckpointPercentages":[50,100],"MinHealthyPercentage":90,"SkipMatching":false}`
	for _, tc := range []struct {
		name           string
		output, alarms string
		flags          rollFlags
		want           asgtypes.RefreshPreferences
	}{
		{name: "the stack's preferences", output: stack, want: asgtypes.RefreshPreferences{
			SkipMatching: aws.Bool(false), MinHealthyPercentage: aws.Int32(90), CheckpointPercentages: []int32{50, 100}, CheckpointDelay: aws.Int32(1800)}},
		{name: "no output: Auto Scaling's defaults, skip matching still off", want: asgtypes.RefreshPreferences{SkipMatching: aws.Bool(false)}},
		{name: "flags override", output: stack,
			flags: rollFlags{minHealthyPercentage: ptr(100), instanceWarmup: ptr(30 * time.Second), checkpoints: []int{}},
			want:  asgtypes.RefreshPreferences{SkipMatching: aws.Bool(false), MinHealthyPercentage: aws.Int32(100), InstanceWarmup: aws.Int32(30)}},
		{name: "new checkpoints and delay", output: stack, flags: rollFlags{checkpoints: []int{20, 100}, checkpointDelay: ptr(time.Minute)},
			want: asgtypes.RefreshPreferences{SkipMatching: aws.Bool(false), MinHealthyPercentage: aws.Int32(90), CheckpointPercentages: []int32{20, 100}, CheckpointDelay: aws.Int32(60)}},
		{name: "the stack's alarms", output: `{"SkipMatching":false}`, alarms: "a,b",
			want: asgtypes.RefreshPreferences{SkipMatching: aws.Bool(false), AlarmSpecification: &asgtypes.AlarmSpecification{Alarms: []string{"a", "b"}}}},
		{name: "alarms from flags", alarms: "a,b", flags: rollFlags{alarms: []string{"c"}},
			want: asgtypes.RefreshPreferences{SkipMatching: aws.Bool(false), AlarmSpecification: &asgtypes.AlarmSpecification{Alarms: []string{"c"}}}},
		{name: "no alarms", alarms: "a,b", flags: rollFlags{noAlarms: true}, want: asgtypes.RefreshPreferences{SkipMatching: aws.Bool(false)}},
	} {
		got, err := refreshPreferences(tc.output, tc.alarms, tc.flags)
		if err != nil || !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%s: got (%+v, %v), want %+v", tc.name, got, err, tc.want)
		}
	}
}

func TestPreferencesRejectBadFlagsNamingTheFlagAndValue(t *testing.T) {
	for _, tc := range []struct {
		flags rollFlags
		want  string
	}{
		{rollFlags{minHealthyPercentage: ptr(101)}, "--min-healthy-percentage: got 101: want 1 to 100"},
		{rollFlags{instanceWarmup: ptr(1500 * time.Millisecond)}, "--instance-warmup: got 1.5s: want whole seconds"},
		{rollFlags{checkpoints: []int{50, 40, 100}}, "--checkpoints: got 40 after 50: want ascending"},
		{rollFlags{checkpoints: []int{0, 100}}, "--checkpoints: got 0: want 1 to 100"},
		{rollFlags{checkpoints: []int{50}}, "--checkpoints: got 50 as the last checkpoint: want 100"},
		{rollFlags{checkpointDelay: ptr(time.Minute)}, "--checkpoint-delay: got 1m0s with CheckpointPercentages empty"},
		{rollFlags{checkpoints: []int{100}, checkpointDelay: ptr(49 * time.Hour)}, "--checkpoint-delay: got 49h0m0s: want whole seconds from 0s to 48h0m0s"},
		{rollFlags{alarms: strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")}, "--alarm: got 11 alarms: want at most 10"},
		{rollFlags{alarms: []string{"a"}, noAlarms: true}, "--no-alarms: got it with --alarm"},
	} {
		if _, err := refreshPreferences("", "", tc.flags); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error containing %q", tc.flags, err, tc.want)
		}
	}
	if _, err := refreshPreferences(`{"MinHealthy":1}`, "", rollFlags{}); err == nil || !strings.Contains(err.Error(), "RolloutPreferences") {
		t.Errorf("unknown preference in the output: got %v", err)
	}
}

// fleetctl roll refuses what the configuration refuses: the same
// preferences given as flags and as an environment's Rollout get the
// same verdict (config.CheckRollout is the one rule).
func TestRollRefusesWhatTheConfigurationRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags rollFlags
		set   func(r *config.Rollout)
	}{
		{"every instance at once (min healthy 0)", rollFlags{minHealthyPercentage: ptr(0)}, nil}, // 0 in the configuration means the default
		{"min healthy 101", rollFlags{minHealthyPercentage: ptr(101)}, func(r *config.Rollout) { r.MinHealthyPercentage = 101 }},
		{"a checkpoint twice", rollFlags{checkpoints: []int{50, 50, 100}}, func(r *config.Rollout) { r.CheckpointPercentages = []int{50, 50, 100} }},
		{"warm-up of 1.5s", rollFlags{instanceWarmup: ptr(1500 * time.Millisecond)}, func(r *config.Rollout) { r.InstanceWarmup = 1500 * time.Millisecond }},
		{"a delay without checkpoints", rollFlags{checkpointDelay: ptr(time.Minute)}, func(r *config.Rollout) { r.CheckpointDelay = time.Minute }},
		{"a valid refresh", rollFlags{minHealthyPercentage: ptr(100), checkpoints: []int{20, 100}, checkpointDelay: ptr(time.Minute)}, func(r *config.Rollout) {
			r.MinHealthyPercentage, r.CheckpointPercentages, r.CheckpointDelay = 100, []int{20, 100}, time.Minute
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, cliErr := refreshPreferences("", "", tc.flags)
			if tc.set == nil { // the configuration cannot even say it
				if cliErr == nil {
					t.Errorf("fleetctl roll accepted %+v, which the configuration offers no way to ask for", tc.flags)
				}
				return
			}
			app := config.Default()
			tc.set(&app.Environments[0].Rollout)
			_, cfgErr := config.Validate(app, nil, config.Context{})
			cfgRefuses := cfgErr != nil && strings.Contains(cfgErr.Error(), ".Rollout.")
			if (cliErr != nil) != cfgRefuses {
				t.Errorf("fleetctl roll: %v; the configuration: %v: want the same verdict", cliErr, cfgErr)
			}
		})
	}
}

func TestEveryRefreshStatusIsFinalOrNot(t *testing.T) {
	for _, s := range asgtypes.InstanceRefreshStatus("").Values() {
		done, ok := refreshFinished(s)
		switch s {
		case asgtypes.InstanceRefreshStatusSuccessful:
			if !done || !ok {
				t.Errorf("%s: got (%v, %v), want final and successful", s, done, ok)
			}
		case asgtypes.InstanceRefreshStatusPending, asgtypes.InstanceRefreshStatusInProgress, asgtypes.InstanceRefreshStatusCancelling,
			asgtypes.InstanceRefreshStatusRollbackInProgress, asgtypes.InstanceRefreshStatusBaking:
			if done || !refreshActive(s) {
				t.Errorf("%s: got final, want still running", s)
			}
		default:
			if !done || ok {
				t.Errorf("%s: got (%v, %v), want final and failed", s, done, ok)
			}
		}
	}
}

func TestProgressLineShowsStatusPercentageAndReason(t *testing.T) {
	got := progressLine(asgtypes.InstanceRefresh{Status: "InProgress", PercentageComplete: aws.Int32(50), InstancesToUpdate: aws.Int32(1), StatusReason: aws.String("Waiting for instances to warm up")})
	if want := "InProgress   50% [##########----------] 1 to update  Waiting for instances to warm up"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// --- a fleet with a scripted instance refresh -------------------------------

const (
	rollParameter = "/imagebuilder/gf/dev/golden-ami"
	rollGroup     = "gf-dev-group"
)

func refresh(status asgtypes.InstanceRefreshStatus, pct, left int32, reason string) asgtypes.InstanceRefresh {
	return asgtypes.InstanceRefresh{Status: status, PercentageComplete: aws.Int32(pct), InstancesToUpdate: aws.Int32(left), StatusReason: aws.String(reason)}
}

var written = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fleetOn is a fleet whose golden parameter holds x (written at
// written), whose group launches version 1 (resolve:ssm: of the
// parameter) with two instances running ami, and whose stack outputs
// the preferences prefs ("": none).
func fleetOn(ami, prefs string, script []asgtypes.InstanceRefresh) *fakeAWS {
	f := deployedFleet(rollParameter, rollGroup, x)
	f.golden, f.goldenWritten = x, written
	f.instanceImages = map[string]string{"i-1": ami, "i-2": ami}
	f.refresh = refreshScript{script: script}
	if prefs != "" {
		f.outputs["RolloutPreferences"] = prefs
	}
	f.groups[0].DesiredCapacity = aws.Int32(2)
	for _, id := range []string{"i-1", "i-2"} {
		f.groups[0].Instances = append(f.groups[0].Instances, asgtypes.Instance{InstanceId: aws.String(id), LifecycleState: asgtypes.LifecycleStateInService})
	}
	return f
}

func rollerOn(f *fakeAWS) (*roller, *strings.Builder, *[]time.Duration) {
	out := &strings.Builder{}
	var slept []time.Duration
	return &roller{
		cfn: f, ssm: f, ec2: f, asg: f, out: out, poll: 5 * time.Second,
		sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil },
		now:   func() time.Time { return written.Add(time.Minute) },
	}, out, &slept
}

var playThrough = []asgtypes.InstanceRefresh{
	refresh("Pending", 0, 2, ""),
	refresh("InProgress", 0, 2, ""),
	refresh("InProgress", 50, 1, "Waiting for instances to warm up"),
	refresh("Successful", 100, 0, ""),
}

func TestRollStartsARefreshOfEveryInstanceAndFollowsItToTheEnd(t *testing.T) {
	f := fleetOn(y, `{"InstanceWarmup":1,"MinHealthyPercentage":50,"SkipMatching":false}`, playThrough)
	r, out, slept := rollerOn(f)
	if err := r.run(context.Background(), "gf-dev-fleet", rollFlags{}, true); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	in := f.refresh.started
	if aws.ToString(in.AutoScalingGroupName) != rollGroup || in.Strategy != asgtypes.RefreshStrategyRolling || in.DesiredConfiguration != nil {
		t.Errorf("started %+v, want a rolling refresh of %s with its own configuration", in, rollGroup)
	}
	want := asgtypes.RefreshPreferences{SkipMatching: aws.Bool(false), MinHealthyPercentage: aws.Int32(50), InstanceWarmup: aws.Int32(1)}
	if !reflect.DeepEqual(*in.Preferences, want) {
		t.Errorf("preferences %+v, want %+v", *in.Preferences, want)
	}
	text := out.String()
	for _, w := range []string{"instance refresh r-1 of group " + rollGroup + " started", "golden AMI " + x, "min healthy 50%",
		"Pending", "50% [##########----------] 1 to update  Waiting for instances to warm up", "Successful  100%",
		"every instance of " + rollGroup + " runs the golden AMI " + x} {
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
	f := fleetOn(y, "", playThrough)
	r, out, _ := rollerOn(f)
	if err := r.run(context.Background(), "gf-dev-fleet", rollFlags{}, false); err != nil {
		t.Fatal(err)
	}
	if f.refresh.started == nil || f.refresh.calls != 0 || !strings.Contains(out.String(), "describe-instance-refreshes") {
		t.Errorf("started %v, followed %d times; output:\n%s", f.refresh.started != nil, f.refresh.calls, out)
	}
	if !strings.Contains(out.String(), "has no RolloutPreferences output") {
		t.Errorf("a stack without the preferences output is not reported:\n%s", out)
	}
}

func TestRollFollowsARefreshThatStartedAfterTheGoldenAMIChanged(t *testing.T) {
	f := fleetOn(y, "", playThrough)
	f.refresh.startErr = &asgtypes.InstanceRefreshInProgressFault{Message: aws.String("in progress")}
	f.refresh.running = []asgtypes.InstanceRefresh{{InstanceRefreshId: aws.String("r-auto"), Status: "InProgress", StartTime: aws.Time(written.Add(5 * time.Second))}}
	r, out, _ := rollerOn(f)
	if err := r.run(context.Background(), "gf-dev-fleet", rollFlags{}, true); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out.String(), "r-auto") || !strings.Contains(out.String(), "already replacing every instance: following it") {
		t.Errorf("output:\n%s", out)
	}
}

func TestRollRefusesWhileARefreshThatStartedBeforeTheChangeRuns(t *testing.T) {
	f := fleetOn(y, "", playThrough)
	f.refresh.startErr = &asgtypes.InstanceRefreshInProgressFault{Message: aws.String("in progress")}
	f.refresh.running = []asgtypes.InstanceRefresh{
		{InstanceRefreshId: aws.String("r-old"), Status: "Successful", StartTime: aws.Time(written.Add(time.Hour))},
		{InstanceRefreshId: aws.String("r-before"), Status: "InProgress", StartTime: aws.Time(written.Add(-time.Minute)), PercentageComplete: aws.Int32(50)}}
	r, _, _ := rollerOn(f)
	err := r.run(context.Background(), "gf-dev-fleet", rollFlags{}, true)
	if err == nil || !strings.Contains(err.Error(), "r-before") || !strings.Contains(err.Error(), "before the golden AMI changed") || !strings.Contains(err.Error(), "cancel-instance-refresh") {
		t.Errorf("got %v, want a refusal naming r-before and how to cancel it", err)
	}
}

func TestRollRefusesWhenTheGroupDoesNotLaunchTheGoldenParameter(t *testing.T) {
	for name, edit := range map[string]func(f *fakeAWS){
		"a version with a literal AMI": func(f *fakeAWS) { f.groups[0].LaunchTemplate.Version = aws.String("2") },
		"no launch template":           func(f *fakeAWS) { f.groups[0].LaunchTemplate = nil },
		"no group":                     func(f *fakeAWS) { f.groups = nil },
		"no AMI in the parameter":      func(f *fakeAWS) { f.golden = "resolve:ssm:/aws/service/x" },
	} {
		f := fleetOn(y, "", playThrough)
		edit(f)
		r, _, _ := rollerOn(f)
		if err := r.run(context.Background(), "gf-dev-fleet", rollFlags{}, true); err == nil || !strings.Contains(err.Error(), "nothing changed") || strings.Contains(err.Error(), "<nil>") {
			t.Errorf("%s: got %v, want a refusal", name, err)
		}
		if f.refresh.started != nil {
			t.Errorf("%s: a refresh was started", name)
		}
	}
}

func TestRollReportsAFailedRefresh(t *testing.T) {
	f := fleetOn(y, "", []asgtypes.InstanceRefresh{refresh("InProgress", 50, 1, ""), refresh("Failed", 50, 1, "alarm gf-dev-unhealthy is in ALARM")})
	r, _, _ := rollerOn(f)
	err := r.run(context.Background(), "gf-dev-fleet", rollFlags{alarms: []string{"gf-dev-unhealthy"}}, true)
	if err == nil || !strings.Contains(err.Error(), "ended Failed: alarm gf-dev-unhealthy is in ALARM") {
		t.Errorf("got %v, want the refresh's failure and reason", err)
	}
	if got := f.refresh.started.Preferences.AlarmSpecification; got == nil || got.Alarms[0] != "gf-dev-unhealthy" {
		t.Errorf("alarm specification %+v, want gf-dev-unhealthy", got)
	}
}

func TestRollSaysTheRefreshGoesOnWhenItStopsFollowing(t *testing.T) {
	f := fleetOn(y, "", []asgtypes.InstanceRefresh{refresh("InProgress", 0, 2, "")})
	r, _, _ := rollerOn(f)
	r.sleep = func(context.Context, time.Duration) error { return context.Canceled }
	err := r.run(context.Background(), "gf-dev-fleet", rollFlags{}, true)
	if err == nil || !strings.Contains(err.Error(), "it goes on") || !strings.Contains(err.Error(), "cancel-instance-refresh --auto-scaling-group-name "+rollGroup) {
		t.Errorf("got %v", err)
	}
}

func TestRollFailsWhenAnInstanceIsNotOnTheGoldenAMIAfterwards(t *testing.T) {
	f := fleetOn(y, "", []asgtypes.InstanceRefresh{{Status: "Successful"}})
	// Three instances in service for a desired capacity of two.
	f.groups[0].Instances = append(f.groups[0].Instances, asgtypes.Instance{InstanceId: aws.String("i-3"), LifecycleState: asgtypes.LifecycleStateInService})
	r, _, _ := rollerOn(f)
	if err := r.run(context.Background(), "gf-dev-fleet", rollFlags{}, true); err == nil || !strings.Contains(err.Error(), "not all on the golden AMI") {
		t.Errorf("got %v", err)
	}
}

// --- marks --------------------------------------------------------------

// x was built by Image Builder in this account, y by hand: x's image
// resource is marked as x is.
func TestMarkGoldenMarksTheGoldenAMIAndItsRollbackTarget(t *testing.T) {
	account := markstest.NewFakeEC2(y)
	account.AddBuilt(x, markstest.FakeImageArn(x))
	builder := markstest.NewFakeImageBuilder(markstest.FakeImageArn(x))
	h := historySSM{{Version: 1, Value: aws.String(seed)}, {Version: 2, Value: aws.String(x)}, {Version: 3, Value: aws.String(y)}, {Version: 4, Value: aws.String(x)}}
	var out strings.Builder
	if err := markGolden(context.Background(), h, account, builder, rollParameter, &out); err != nil {
		t.Fatal(err)
	}
	if got := builder.Tags(markstest.FakeImageArn(x)); got[marks.RoleKey("gf-dev")] != marks.Current || got[marks.RetainKey] != marks.RetainValue {
		t.Errorf("the image resource of %s has tags %v: want it marked as its AMI", x, got)
	}
	fleet := "gf-dev"
	if account.Tags(x)[marks.RoleKey(fleet)] != marks.Current || account.Tags(y)[marks.RoleKey(fleet)] != marks.Previous ||
		account.Tags(x)[marks.RetainKey] != marks.RetainValue || account.Tags(y)[marks.RetainKey] != marks.RetainValue {
		t.Errorf("tags: %s %v, %s %v", x, account.Tags(x), y, account.Tags(y))
	}
	if !strings.Contains(out.String(), x+" is gf-dev's current AMI") {
		t.Errorf("output:\n%s", &out)
	}
	if err := markGolden(context.Background(), h, failingEC2{account}, builder, rollParameter, &out); err == nil {
		t.Error("a failed marking was not reported")
	}
}

func TestRollUsageErrors(t *testing.T) {
	for args, want := range map[string]string{
		"roll":                                      "roll: --stack is required",
		"roll --stack s --checkpoints 50,x":         `-checkpoints: got "50,x"`,
		"roll --stack s --poll 0s":                  `-poll: got "0s": want a positive duration`,
		"roll --stack s --min-healthy-percentage x": `-min-healthy-percentage: got "x"`,
		"roll --stack s --instance-warmup soon":     `-instance-warmup: got "soon"`,
		"rollback --stack s --roll --no-wait":       "not defined: -no-wait",
	} {
		var out strings.Builder
		if err := run(context.Background(), strings.Fields(args), &out); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "usage: fleetctl") {
			t.Errorf("%s: got %v, want an error containing %q and the usage", args, err, want)
		}
	}
}

// roll's flags, parsed, are the overrides its run gets; unset ones keep
// the stack's preferences.
func TestRollFlagsBecomeOverrides(t *testing.T) {
	fs := flag.NewFlagSet("roll", flag.ContinueOnError)
	f, noWait, poll := declareRollFlags(fs)
	if err := fs.Parse(strings.Fields("--min-healthy-percentage 100 --instance-warmup 30s --checkpoints 20,100 --checkpoint-delay 1m --alarm a --alarm b --no-wait --poll 2s")); err != nil {
		t.Fatal(err)
	}
	want := rollFlags{minHealthyPercentage: ptr(100), instanceWarmup: ptr(30 * time.Second), checkpoints: []int{20, 100},
		checkpointDelay: ptr(time.Minute), alarms: []string{"a", "b"}}
	if !reflect.DeepEqual(*f, want) || !*noWait || *poll != 2*time.Second {
		t.Errorf("got %+v, no-wait %v, poll %s; want %+v, true, 2s", *f, *noWait, *poll, want)
	}
	fs = flag.NewFlagSet("roll", flag.ContinueOnError)
	f, noWait, poll = declareRollFlags(fs)
	if err := fs.Parse(strings.Fields("--checkpoints none --no-alarms")); err != nil {
		t.Fatal(err)
	}
	if want := (rollFlags{checkpoints: []int{}, noAlarms: true}); !reflect.DeepEqual(*f, want) || *noWait || *poll != defaultPoll {
		t.Errorf("got %+v, no-wait %v, poll %s; want %+v, false, %s", *f, *noWait, *poll, want, defaultPoll)
	}
}
