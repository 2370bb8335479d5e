package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/marks"
)

// rollCommand replaces every instance of the fleet's group with one
// launched from the current golden AMI, through an Auto Scaling instance
// refresh, and follows it to the end.
//
// The refresh's preferences default to the environment's configuration
// (the fleet stack's RolloutPreferences output) and its alarms to the
// fleet's (the FleetAlarmNames output); flags override them. Skip matching is
// always off: the group's launch template version never changes, only the
// golden parameter its image resolves at launch.
var rollCommand = command{
	name:     "roll",
	synopsis: "--stack <fleet stack> [preference flags] [--alarm NAME…|--no-alarms] [--no-wait]",
	summary: "replace every instance of the group with one running the golden\n" +
		"AMI: an instance refresh with the environment's preferences (flags\n" +
		"override them), followed to the end",
	required: []string{"stack"},
	declare: func(fs *flag.FlagSet) runFunc {
		stack := fs.String("stack", "", "fleet stack name, for example golden-fleet-prod-fleet (required)")
		f, noWait, poll := declareRollFlags(fs)
		return func(ctx context.Context, cfg aws.Config, out io.Writer) error {
			return newRoller(cfg, out, *poll).run(ctx, *stack, *f, !*noWait)
		}
	},
}

// declareRollFlags declares roll's own flags on fs: once fs is parsed, f
// holds the overrides of the stack's preferences.
func declareRollFlags(fs *flag.FlagSet) (f *rollFlags, noWait *bool, poll *time.Duration) {
	f = &rollFlags{}
	fs.Func("min-healthy-percentage", "percent of the desired capacity kept in service, 0-100 (default: the environment's)", func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("got %q: want a whole percentage from 0 to 100", s)
		}
		f.minHealthyPercentage = &n
		return nil
	})
	durationFlag(fs, "instance-warmup", "wait after a new instance is in service, e.g. 5m (default: the environment's)", "5m", &f.instanceWarmup)
	fs.Func("checkpoints", `pause when this percentage is replaced, e.g. "50,100", or "none" (default: the environment's)`, func(s string) error {
		f.checkpoints = []int{}
		if s == "none" {
			return nil
		}
		for _, p := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil {
				return fmt.Errorf(`got %q: want comma-separated percentages such as "50,100", or "none"`, s)
			}
			f.checkpoints = append(f.checkpoints, n)
		}
		return nil
	})
	durationFlag(fs, "checkpoint-delay", "pause at each checkpoint, e.g. 30m (default: the environment's, else 1h)", "30m", &f.checkpointDelay)
	fs.Func("alarm", "CloudWatch alarm that fails the refresh when in ALARM; repeat for more (default: the fleet's alarms, the stack's FleetAlarmNames)", func(s string) error {
		f.alarms = append(f.alarms, s)
		return nil
	})
	fs.BoolVar(&f.noAlarms, "no-alarms", false, "watch no alarm")
	noWait = fs.Bool("no-wait", false, "start the refresh and return without following it")
	pollEvery := defaultPoll
	poll = &pollEvery
	fs.Func("poll", fmt.Sprintf("how often to check the refresh's progress (default %s)", defaultPoll), func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return fmt.Errorf("got %q: want a positive duration such as 10s", s)
		}
		pollEvery = d
		return nil
	})
	return f, noWait, poll
}

// durationFlag declares the flag name on fs: its value, a duration such
// as example, goes to *dst.
func durationFlag(fs *flag.FlagSet, name, usage, example string, dst **time.Duration) {
	fs.Func(name, usage, func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("got %q: want a duration such as %s", s, example)
		}
		*dst = &d
		return nil
	})
}

// defaultPoll is how often roll checks a refresh's progress.
const defaultPoll = 10 * time.Second

// The fleet stack's outputs roll reads besides fleetOutputs (the stacks
// package's RolloutPreferencesOutput and FleetAlarmNamesOutput).
const (
	preferencesOutput = config.RolloutPreferencesOutput
	alarmsOutput      = config.FleetAlarmNamesOutput
)

// rollFlags are roll's overrides; nil or empty means the stack's default.
type rollFlags struct {
	minHealthyPercentage *int
	instanceWarmup       *time.Duration
	// checkpoints: nil keeps the default, an empty slice means none.
	checkpoints     []int
	checkpointDelay *time.Duration
	alarms          []string
	noAlarms        bool
}

// stackPreferences is the RolloutPreferences output.
type stackPreferences struct {
	MinHealthyPercentage  *int32
	InstanceWarmup        *int32
	CheckpointPercentages []int32
	CheckpointDelay       *int32
	SkipMatching          *bool
}

// checkPreferences checks the preferences the refresh will use with the
// configuration's own rule (config.CheckRollout), naming the flag that
// set a value, else the stack output it came from.
func checkPreferences(p *asgtypes.RefreshPreferences, f rollFlags) []string {
	r := config.Rollout{MinHealthyPercentage: config.DefaultMinHealthyPercentage} // Auto Scaling's default when omitted
	if p.MinHealthyPercentage != nil {
		r.MinHealthyPercentage = int(*p.MinHealthyPercentage)
	}
	if f.minHealthyPercentage != nil {
		r.MinHealthyPercentage = *f.minHealthyPercentage // as given: an int32 conversion must not hide it
	}
	if f.instanceWarmup != nil {
		r.InstanceWarmup = *f.instanceWarmup
	} else if p.InstanceWarmup != nil {
		r.InstanceWarmup = time.Duration(*p.InstanceWarmup) * time.Second
	}
	if f.checkpoints != nil {
		r.CheckpointPercentages = f.checkpoints
	} else {
		for _, c := range p.CheckpointPercentages {
			r.CheckpointPercentages = append(r.CheckpointPercentages, int(c))
		}
	}
	if f.checkpointDelay != nil {
		r.CheckpointDelay = *f.checkpointDelay
	} else if p.CheckpointDelay != nil {
		r.CheckpointDelay = time.Duration(*p.CheckpointDelay) * time.Second
	}
	flags := map[string]bool{"MinHealthyPercentage": f.minHealthyPercentage != nil, "InstanceWarmup": f.instanceWarmup != nil,
		"CheckpointPercentages": f.checkpoints != nil, "CheckpointDelay": f.checkpointDelay != nil}
	names := map[string]string{"MinHealthyPercentage": "--min-healthy-percentage", "InstanceWarmup": "--instance-warmup",
		"CheckpointPercentages": "--checkpoints", "CheckpointDelay": "--checkpoint-delay"}
	var problems []string
	for _, pr := range config.CheckRollout(r, f.checkpointDelay != nil) {
		field, _, _ := strings.Cut(pr.Field, "[")
		where := "stack output " + preferencesOutput + " " + pr.Field
		if flags[field] {
			where = names[field]
		}
		problems = append(problems, where+": "+pr.Message)
	}
	return problems
}

// refreshPreferences returns the refresh preferences: the stack's
// (output, may be ""), overridden by flags, and checked against the Auto
// Scaling API's limits (RefreshPreferences). Skip matching is always off.
func refreshPreferences(output, alarmsOut string, f rollFlags) (*asgtypes.RefreshPreferences, error) {
	var sp stackPreferences
	if output != "" {
		dec := json.NewDecoder(strings.NewReader(output))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&sp); err != nil {
			return nil, fmt.Errorf("stack output %s = %q is not the preferences fleetctl knows: %v", preferencesOutput, output, err)
		}
	}
	p := &asgtypes.RefreshPreferences{
		SkipMatching:          aws.Bool(false),
		MinHealthyPercentage:  sp.MinHealthyPercentage,
		InstanceWarmup:        sp.InstanceWarmup,
		CheckpointPercentages: sp.CheckpointPercentages,
		CheckpointDelay:       sp.CheckpointDelay,
	}
	if f.minHealthyPercentage != nil {
		p.MinHealthyPercentage = aws.Int32(int32(*f.minHealthyPercentage))
	}
	if f.instanceWarmup != nil {
		p.InstanceWarmup = aws.Int32(int32(f.instanceWarmup.Seconds()))
	}
	if f.checkpoints != nil {
		p.CheckpointPercentages, p.CheckpointDelay = nil, nil
		for _, c := range f.checkpoints {
			p.CheckpointPercentages = append(p.CheckpointPercentages, int32(c))
		}
	}
	if f.checkpointDelay != nil {
		p.CheckpointDelay = aws.Int32(int32(f.checkpointDelay.Seconds()))
	}
	problems := checkPreferences(p, f)
	alarms := f.alarms
	if len(alarms) == 0 && !f.noAlarms && alarmsOut != "" {
		alarms = strings.Split(alarmsOut, ",")
	}
	if f.noAlarms && len(f.alarms) > 0 {
		problems = append(problems, "--no-alarms: got it with --alarm: want one or the other")
	}
	if len(alarms) > config.MaxRefreshAlarms {
		problems = append(problems, fmt.Sprintf("--alarm: got %d alarms: want at most %d (an instance refresh watches up to %d)", len(alarms), config.MaxRefreshAlarms, config.MaxRefreshAlarms))
	}
	if len(alarms) > 0 && !f.noAlarms {
		p.AlarmSpecification = &asgtypes.AlarmSpecification{Alarms: alarms}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return p, nil
}

// describePreferences renders preferences for a person.
func describePreferences(p *asgtypes.RefreshPreferences) string {
	var parts []string
	if p.MinHealthyPercentage != nil {
		parts = append(parts, fmt.Sprintf("min healthy %d%%", *p.MinHealthyPercentage))
	} else {
		parts = append(parts, "min healthy 90% (Auto Scaling's default)")
	}
	if p.InstanceWarmup != nil {
		parts = append(parts, fmt.Sprintf("warm-up %s", time.Duration(*p.InstanceWarmup)*time.Second))
	} else {
		parts = append(parts, "warm-up: the group's health check grace period")
	}
	if len(p.CheckpointPercentages) > 0 {
		var cps []string
		for _, c := range p.CheckpointPercentages {
			cps = append(cps, fmt.Sprint(c))
		}
		delay := "1h0m0s"
		if p.CheckpointDelay != nil {
			delay = (time.Duration(*p.CheckpointDelay) * time.Second).String()
		}
		parts = append(parts, fmt.Sprintf("checkpoints at %s%% (pause %s)", strings.Join(cps, "%, "), delay))
	}
	if p.AlarmSpecification != nil {
		parts = append(parts, "alarms: "+strings.Join(p.AlarmSpecification.Alarms, ", "))
	} else {
		parts = append(parts, "no alarms")
	}
	return strings.Join(parts, ", ")
}

// refreshFinished says whether a refresh status is final, and whether it
// succeeded.
func refreshFinished(s asgtypes.InstanceRefreshStatus) (done, ok bool) {
	switch s {
	case asgtypes.InstanceRefreshStatusSuccessful:
		return true, true
	case asgtypes.InstanceRefreshStatusFailed, asgtypes.InstanceRefreshStatusCancelled,
		asgtypes.InstanceRefreshStatusRollbackFailed, asgtypes.InstanceRefreshStatusRollbackSuccessful:
		return true, false
	}
	return false, false
}

// refreshActive says whether a refresh still runs (StartInstanceRefresh
// then fails with InstanceRefreshInProgress).
func refreshActive(s asgtypes.InstanceRefreshStatus) bool {
	done, _ := refreshFinished(s)
	return !done
}

// progressLine renders a refresh's state: status, percentage with a bar,
// instances left and the reason, if any.
func progressLine(r asgtypes.InstanceRefresh) string {
	pct := int(aws.ToInt32(r.PercentageComplete))
	pct = max(0, min(100, pct))
	bar := strings.Repeat("#", pct/5) + strings.Repeat("-", 20-pct/5)
	line := fmt.Sprintf("%-11s %3d%% [%s] %d to update", r.Status, pct, bar, aws.ToInt32(r.InstancesToUpdate))
	if reason := aws.ToString(r.StatusReason); reason != "" {
		line += "  " + reason
	}
	return line
}

type rollASG interface {
	asgAPI
	StartInstanceRefresh(context.Context, *autoscaling.StartInstanceRefreshInput, ...func(*autoscaling.Options)) (*autoscaling.StartInstanceRefreshOutput, error)
	DescribeInstanceRefreshes(context.Context, *autoscaling.DescribeInstanceRefreshesInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeInstanceRefreshesOutput, error)
}

type roller struct {
	cfn  cfnAPI
	ssm  ssmGetAPI
	ec2  ec2StatusAPI
	asg  rollASG
	out  io.Writer
	poll time.Duration
	// sleep waits d or until ctx ends; now is the clock (fakes in tests).
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

// newRoller is a roller on the AWS configuration cfg.
func newRoller(cfg aws.Config, out io.Writer, poll time.Duration) *roller {
	c := clientsOf(cfg)
	return &roller{cfn: c.cfn, ssm: c.ssm, ec2: c.ec2, asg: c.asg, out: out, poll: poll, sleep: sleepCtx, now: time.Now}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (r *roller) run(ctx context.Context, stack string, f rollFlags, wait bool) error {
	kv, err := stackOutputValues(ctx, r.cfn, stack)
	if err != nil {
		return err
	}
	outs, err := parseFleetOutputs(stack, kv)
	if err != nil {
		return err
	}
	prefs, err := refreshPreferences(kv[preferencesOutput], kv[alarmsOutput], f)
	if err != nil {
		return err
	}
	if kv[preferencesOutput] == "" {
		fmt.Fprintf(r.out, "stack %s has no %s output (deployed before fleetctl roll existed?): Auto Scaling's defaults apply where no flag is given\n", stack, preferencesOutput)
	}
	param, err := r.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: &outs.goldenAmiParameter})
	if err != nil {
		return fmt.Errorf("%s: %w", outs.goldenAmiParameter, err)
	}
	golden := aws.ToString(param.Parameter.Value)
	if !isAMIID(golden) {
		return fmt.Errorf("the golden parameter %s holds %q, not an AMI id: nothing to roll to; nothing changed", outs.goldenAmiParameter, golden)
	}
	g, err := describeGroup(ctx, r.asg, outs.autoScalingGroupName)
	if err != nil {
		return fmt.Errorf("%w; nothing changed", err)
	}
	if g.LaunchTemplate == nil {
		return fmt.Errorf("group %s launches from no launch template: a refresh would not launch the golden AMI; nothing changed", outs.autoScalingGroupName)
	}
	versions, err := launchTemplateVersions(ctx, r.ec2, outs.launchTemplateID)
	if err != nil {
		return fmt.Errorf("%w; nothing changed", err)
	}
	if w := groupVersionWarning(aws.ToString(g.LaunchTemplate.Version), versions, outs.goldenAmiParameter); w != "" {
		return fmt.Errorf("%s; a refresh would relaunch that image, not the golden AMI: nothing changed", w)
	}

	group := outs.autoScalingGroupName
	started, err := r.asg.StartInstanceRefresh(ctx, &autoscaling.StartInstanceRefreshInput{
		AutoScalingGroupName: &group,
		Strategy:             asgtypes.RefreshStrategyRolling,
		Preferences:          prefs,
	})
	var id string
	var inProgress *asgtypes.InstanceRefreshInProgressFault
	switch {
	case errors.As(err, &inProgress):
		running, ferr := r.follows(ctx, group, aws.ToTime(param.Parameter.LastModifiedDate))
		if ferr != nil {
			return ferr
		}
		id = aws.ToString(running.InstanceRefreshId)
		fmt.Fprintf(r.out, "instance refresh %s of group %s, started %s after the golden AMI %s was written, is already replacing every instance: following it\n",
			id, group, aws.ToTime(running.StartTime).UTC().Format(time.RFC3339), golden)
	case err != nil:
		return fmt.Errorf("starting an instance refresh of group %s: %w", group, err)
	default:
		id = aws.ToString(started.InstanceRefreshId)
		fmt.Fprintf(r.out, "instance refresh %s of group %s started: every instance is replaced by one running the golden AMI %s (%s)\n",
			id, group, golden, describePreferences(prefs))
	}
	if !wait {
		fmt.Fprintf(r.out, "not following it (--no-wait): aws autoscaling describe-instance-refreshes --auto-scaling-group-name %s --instance-refresh-ids %s\n", group, id)
		return nil
	}
	if err := r.follow(ctx, group, id); err != nil {
		return err
	}
	return r.check(ctx, group, golden)
}

// follows returns the group's running refresh when it started after the
// golden parameter was written (it launches the current golden AMI for
// every instance it replaces); otherwise an error saying what to do.
func (r *roller) follows(ctx context.Context, group string, written time.Time) (asgtypes.InstanceRefresh, error) {
	d, err := r.asg.DescribeInstanceRefreshes(ctx, &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: &group})
	if err != nil {
		return asgtypes.InstanceRefresh{}, fmt.Errorf("group %s has an instance refresh in progress, and describing it failed: %w", group, err)
	}
	for _, ir := range d.InstanceRefreshes {
		if !refreshActive(ir.Status) {
			continue
		}
		if start := aws.ToTime(ir.StartTime); !start.Before(written) {
			return ir, nil
		}
		return asgtypes.InstanceRefresh{}, fmt.Errorf("group %s: instance refresh %s (%s, %d%% done) started %s, before the golden AMI changed (%s): "+
			"instances it launched may run the previous AMI; wait for it to end (or cancel it: aws autoscaling cancel-instance-refresh --auto-scaling-group-name %s), then roll again; nothing changed",
			group, aws.ToString(ir.InstanceRefreshId), ir.Status, aws.ToInt32(ir.PercentageComplete),
			aws.ToTime(ir.StartTime).UTC().Format(time.RFC3339), written.UTC().Format(time.RFC3339), group)
	}
	return asgtypes.InstanceRefresh{}, fmt.Errorf("group %s reports an instance refresh in progress, but none is listed; try again", group)
}

// follow polls the refresh until it ends, printing each change.
func (r *roller) follow(ctx context.Context, group, id string) error {
	last := ""
	for {
		d, err := r.asg.DescribeInstanceRefreshes(ctx, &autoscaling.DescribeInstanceRefreshesInput{
			AutoScalingGroupName: &group, InstanceRefreshIds: []string{id},
		})
		if err != nil {
			return fmt.Errorf("instance refresh %s of group %s: %w", id, group, err)
		}
		if len(d.InstanceRefreshes) != 1 {
			return fmt.Errorf("instance refresh %s of group %s: not found", id, group)
		}
		ir := d.InstanceRefreshes[0]
		if line := progressLine(ir); line != last {
			fmt.Fprintf(r.out, "  %s  %s\n", r.now().UTC().Format("15:04:05"), line)
			last = line
		}
		if done, ok := refreshFinished(ir.Status); done {
			if !ok {
				return fmt.Errorf("instance refresh %s of group %s ended %s: %s; instances it already replaced run the golden AMI, the others their old one",
					id, group, ir.Status, aws.ToString(ir.StatusReason))
			}
			return nil
		}
		if err := r.sleep(ctx, r.poll); err != nil {
			return fmt.Errorf("stopped following instance refresh %s (%v); it goes on: cancel it with aws autoscaling cancel-instance-refresh --auto-scaling-group-name %s", id, err, group)
		}
	}
}

// check confirms that every in-service instance runs the golden AMI.
func (r *roller) check(ctx context.Context, name, golden string) error {
	group, err := describeGroup(ctx, r.asg, name)
	if err != nil {
		return err
	}
	instances, err := instancesOf(ctx, r.ec2, group)
	if err != nil {
		return err
	}
	if problems := goldenProblems(golden, int(aws.ToInt32(group.DesiredCapacity)), instances); len(problems) > 0 {
		return fmt.Errorf("the refresh succeeded, but the fleet is not all on the golden AMI:\n  %s", strings.Join(problems, "\n  "))
	}
	fmt.Fprintf(r.out, "every instance of %s runs the golden AMI %s (%d in service)\n", name, golden, aws.ToInt32(group.DesiredCapacity))
	return nil
}

// markGolden marks the golden AMI and the rollback target of the
// parameter's fleet for the lifecycle policies (internal/marks), as the
// fleet stack's marker does on the parameter's change event, so that the
// marks are right at once.
func markGolden(ctx context.Context, ssmAPI marks.SSM, ec2API marks.EC2, ib marks.ImageBuilder, parameter string, out io.Writer) error {
	names, ok := config.NamesOfGoldenParameter(parameter)
	if !ok {
		fmt.Fprintf(out, "lifecycle marks: %s is not a golden-fleet parameter name; no AMI marked\n", parameter)
		return nil
	}
	fleet := names.Base()
	changes, err := marks.Sync(ctx, ssmAPI, ec2API, ib, fleet, parameter)
	if err != nil {
		return fmt.Errorf("marking its AMIs for the lifecycle policies failed (the fleet stack's marker retries when it sees the change): %w", err)
	}
	for _, c := range changes {
		switch {
		case c.Set[marks.RoleKey(fleet)] != "":
			fmt.Fprintf(out, "lifecycle marks: %s is %s's %s AMI (kept by every lifecycle policy)\n", c.ImageID, fleet, c.Set[marks.RoleKey(fleet)])
		default:
			fmt.Fprintf(out, "lifecycle marks: %s no longer has a role for %s\n", c.ImageID, fleet)
		}
	}
	return nil
}
