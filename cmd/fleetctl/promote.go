package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	ibtypes "github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/immutable-server/golden-fleet/config"
)

// promoteCommand copies the source environment's current golden AMI into
// the target, behind gates. See the README's promotion section.
var promoteCommand = command{
	name:     "promote",
	synopsis: "--from <env> --to <env> [--dry-run] [--copy-with imagebuilder|ec2] [--override GATE --reason TEXT]",
	summary: "copy the source environment's golden AMI into the target behind the gates\n" +
		"image-tests, soak and vulnerabilities, tag it with its record, then write\n" +
		"the target's golden AMI parameter. Runs with credentials of the target's\n" +
		"account; reaches the source's through the access role the app creates\n" +
		"there (<prefix>-<from>-promote-to-<to>). A failed gate refuses and changes\n" +
		"nothing; --override GATE --reason TEXT skips it and records who and why.\n" +
		"--copy-with imagebuilder (default) runs Image Builder's DistributeImage;\n" +
		"ec2 shares the AMI and copies it with ec2:CopyImage. Regions come from\n" +
		"the configuration (--region is not used)",
	required: []string{"from", "to"},
	declare: func(fs *flag.FlagSet) runFunc {
		o := declarePromoteFlags(fs)
		configFile := declareConfigFlags(fs)
		return func(ctx context.Context, base aws.Config, out io.Writer) error {
			if err := o.check(); err != nil {
				return err
			}
			cfg, err := configFile.load()
			if err != nil {
				return err
			}
			return runPromote(ctx, base, cfg, *o, out)
		}
	},
}

// Copy methods.
const (
	copyWithImageBuilder = "imagebuilder"
	copyWithEC2          = "ec2"
)

type promoteOptions struct {
	from, to, copyWith, reason string
	overrides                  []string
	dryRun                     bool
	wait                       time.Duration
}

// repeated is a flag that may be given more than once, each value a
// comma-separated list.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, strings.Split(v, ",")...); return nil }

// declarePromoteFlags declares promote's own flags on fs; the options
// hold their values once fs is parsed.
func declarePromoteFlags(fs *flag.FlagSet) *promoteOptions {
	o := &promoteOptions{}
	fs.StringVar(&o.from, "from", "", "environment whose golden AMI is promoted (required)")
	fs.StringVar(&o.to, "to", "", "environment that receives it (required)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "check the gates and print the plan; change nothing")
	fs.StringVar(&o.copyWith, "copy-with", copyWithImageBuilder, "how the AMI is copied: imagebuilder or ec2")
	fs.Var((*repeated)(&o.overrides), "override", "skip a failed gate (repeatable, or comma-separated)")
	fs.StringVar(&o.reason, "reason", "", "why the overridden gates are skipped (required with --override)")
	fs.DurationVar(&o.wait, "wait", time.Hour, "how long to wait for the copy")
	return o
}

// check reports what is wrong with the options as a usage error.
func (o promoteOptions) check() error {
	switch {
	case o.copyWith != copyWithImageBuilder && o.copyWith != copyWithEC2:
		return usageError(fmt.Sprintf("--copy-with %q: want %s or %s", o.copyWith, copyWithImageBuilder, copyWithEC2))
	case o.wait <= 0:
		return usageError(fmt.Sprintf("--wait %s: want a positive duration such as 1h", o.wait))
	}
	if err := checkOverrides(o.overrides, o.reason); err != nil {
		return usageError(err.Error())
	}
	return nil
}

// resolvePromotion finds the two environments and checks the target
// promotes from the source.
func resolvePromotion(cfg config.App, from, to string) (source, target config.Environment, err error) {
	source, ok := cfg.Environment(from)
	if !ok {
		return source, target, fmt.Errorf("--from %q: no such environment", from)
	}
	target, ok = cfg.Environment(to)
	if !ok {
		return source, target, fmt.Errorf("--to %q: no such environment", to)
	}
	if target.Promotion == nil {
		return source, target, fmt.Errorf("--to %s: %s bakes its own images (no Promotion in its configuration): nothing is promoted to it", to, to)
	}
	if target.Promotion.From != from {
		return source, target, fmt.Errorf("--from %s: %s promotes from %s, not from %s", from, to, target.Promotion.From, from)
	}
	return source, target, nil
}

// Clients of each side.

type promoteSourceEC2 interface {
	ec2.DescribeImagesAPIClient
	ec2.DescribeInstancesAPIClient
	ModifyImageAttribute(context.Context, *ec2.ModifyImageAttributeInput, ...func(*ec2.Options)) (*ec2.ModifyImageAttributeOutput, error)
	ModifySnapshotAttribute(context.Context, *ec2.ModifySnapshotAttributeInput, ...func(*ec2.Options)) (*ec2.ModifySnapshotAttributeOutput, error)
}

type promoteTargetEC2 interface {
	ec2.DescribeImagesAPIClient
	CopyImage(context.Context, *ec2.CopyImageInput, ...func(*ec2.Options)) (*ec2.CopyImageOutput, error)
	CreateTags(context.Context, *ec2.CreateTagsInput, ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error)
}

type imageBuilderAPI interface {
	imagebuilder.ListImageScanFindingsAPIClient
	GetImage(context.Context, *imagebuilder.GetImageInput, ...func(*imagebuilder.Options)) (*imagebuilder.GetImageOutput, error)
	DistributeImage(context.Context, *imagebuilder.DistributeImageInput, ...func(*imagebuilder.Options)) (*imagebuilder.DistributeImageOutput, error)
}

type parameterAPI interface {
	ssmGetAPI
	PutParameter(context.Context, *ssm.PutParameterInput, ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
}

type sourceClients struct {
	cfn cfnAPI
	ssm ssmGetAPI
	ec2 promoteSourceEC2
	asg asgAPI
	cw  cloudwatch.DescribeAlarmsAPIClient
	ib  imageBuilderAPI
}

type targetClients struct {
	cfn cfnAPI
	ssm parameterAPI
	ec2 promoteTargetEC2
}

type promoter struct {
	cfg            config.App
	source, target config.Environment
	names          config.PromotionNames
	src            sourceClients
	dst            targetClients
	// by is who promotes: the caller's ARN, and the GitHub actor.
	by        string
	now       func() time.Time
	out       io.Writer
	pollEvery time.Duration
}

// runPromote promotes with the caller's credentials, base, which must be
// the target account's.
func runPromote(ctx context.Context, base aws.Config, cfg config.App, o promoteOptions, out io.Writer) error {
	source, target, err := resolvePromotion(cfg, o.from, o.to)
	if err != nil {
		return err
	}
	names := cfg.PromotionNames(source.Name, target.Name)
	base = base.Copy()
	base.Region = target.Region
	id, err := sts.NewFromConfig(base).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("who am I (sts:GetCallerIdentity): %w", err)
	}
	if acct := aws.ToString(id.Account); acct != target.Account {
		return fmt.Errorf("the credentials are for account %s: want %s's account %s (the source's account %s is reached through role %s)",
			acct, target.Name, target.Account, source.Account, names.AccessRole)
	}
	srcCfg := sourceConfig(base, source, target, names)
	dstCfg := base.Copy()
	p := &promoter{
		cfg: cfg, source: source, target: target, names: names,
		src: sourceClients{cfn: cloudformation.NewFromConfig(srcCfg), ssm: ssm.NewFromConfig(srcCfg), ec2: ec2.NewFromConfig(srcCfg),
			asg: autoscaling.NewFromConfig(srcCfg), cw: cloudwatch.NewFromConfig(srcCfg), ib: imagebuilder.NewFromConfig(srcCfg)},
		dst:       targetClients{cfn: cloudformation.NewFromConfig(dstCfg), ssm: ssm.NewFromConfig(dstCfg), ec2: ec2.NewFromConfig(dstCfg)},
		by:        promotedBy(aws.ToString(id.Arn), os.Getenv("GITHUB_ACTOR")),
		now:       time.Now,
		out:       out,
		pollEvery: 15 * time.Second,
	}
	return p.run(ctx, o)
}

// sourceConfig is base in the source's region, with credentials of the
// access role when the source lives in another account.
func sourceConfig(base aws.Config, source, target config.Environment, names config.PromotionNames) aws.Config {
	c := base.Copy()
	c.Region = source.Region
	if source.Account != target.Account {
		role := arn.ARN{Partition: config.Partition(source.Region), Service: "iam", AccountID: source.Account, Resource: "role/" + names.AccessRole}
		c.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(base), role.String(), func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "fleetctl-promote-" + target.Name
		}))
	}
	return c
}

// promotedBy is the value of the promoted-by tag.
func promotedBy(callerArn, githubActor string) string {
	if githubActor != "" {
		return "github:" + githubActor + " via " + callerArn
	}
	return callerArn
}

// sourceImage is the source's golden AMI as DescribeImages returns it.
type sourceImage struct {
	id, name  string
	created   string
	tags      map[string]string
	snapshots []string
}

func tagMap(tags []ec2types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func (p *promoter) run(ctx context.Context, o promoteOptions) error {
	srcOuts, err := stackOutputs(ctx, p.src.cfn, p.names.SourceFleetStack)
	if err != nil {
		return fmt.Errorf("source %s: %w", p.source.Name, err)
	}
	dstOuts, err := stackOutputs(ctx, p.dst.cfn, p.names.TargetFleetStack)
	if err != nil {
		return fmt.Errorf("target %s: %w", p.target.Name, err)
	}
	amiX, err := parameterValue(ctx, p.src.ssm, srcOuts.goldenAmiParameter)
	if err != nil {
		return fmt.Errorf("source %s: %w", p.source.Name, err)
	}
	img, err := p.describeSource(ctx, amiX)
	if err != nil {
		return err
	}
	current, err := parameterValue(ctx, p.dst.ssm, dstOuts.goldenAmiParameter)
	if err != nil {
		return fmt.Errorf("target %s: %w", p.target.Name, err)
	}
	fmt.Fprintf(p.out, "promote %s -> %s\n", p.source.Name, p.target.Name)
	fmt.Fprintf(p.out, "  source %s (%s, %s): %s = %s (%s, created %s)\n", p.source.Name, p.source.Account, p.source.Region,
		srcOuts.goldenAmiParameter, amiX, img.name, img.created)
	fmt.Fprintf(p.out, "  target %s (%s, %s): %s = %s\n", p.target.Name, p.target.Account, p.target.Region, dstOuts.goldenAmiParameter, current)

	copies, err := p.copiesInTarget(ctx, amiX)
	if err != nil {
		return err
	}
	if slices.Contains(copies, current) {
		fmt.Fprintf(p.out, "%s already runs %s, a copy of %s: nothing to do; nothing changed\n", p.target.Name, current, amiX)
		return nil
	}

	gates := p.checkGates(ctx, amiX, img, srcOuts.autoScalingGroupName)
	refused, notes := applyOverrides(gates, o.overrides)
	fmt.Fprintln(p.out, "gates:")
	fmt.Fprint(p.out, gateReport(gates))
	for _, n := range notes {
		fmt.Fprintln(p.out, "  note:", n)
	}
	if len(refused) > 0 {
		return fmt.Errorf("promotion of %s to %s refused: gate %s failed; nothing changed (to skip a gate: --override GATE --reason TEXT)",
			amiX, p.target.Name, strings.Join(refused, ", "))
	}

	existing := ""
	if len(copies) > 0 {
		existing = copies[0]
	}
	plan := planPromotion(planInput{
		Cfg: p.cfg, Source: p.source, Target: p.target, SourceAMI: amiX, Snapshots: img.snapshots,
		TargetParameter: dstOuts.goldenAmiParameter, TargetCurrent: current, CopyWith: o.copyWith, Existing: existing,
		Wait: o.wait, Tags: promotionTags(p.target, p.source.Name, amiX, gates, p.now(), p.by, o.reason),
	})
	fmt.Fprintln(p.out, "plan:")
	for i, s := range plan.Steps {
		fmt.Fprintf(p.out, "  %d. %s\n", i+1, s)
	}
	if o.dryRun {
		fmt.Fprintln(p.out, "dry run: nothing changed")
		return nil
	}
	return p.execute(ctx, plan, o.wait)
}

func parameterValue(ctx context.Context, c ssmGetAPI, name string) (string, error) {
	out, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: &name})
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return aws.ToString(out.Parameter.Value), nil
}

func (p *promoter) describeSource(ctx context.Context, ami string) (sourceImage, error) {
	out, err := p.src.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami}})
	if err != nil {
		return sourceImage{}, fmt.Errorf("source golden AMI %s: %w", ami, err)
	}
	if len(out.Images) != 1 || out.Images[0].State != ec2types.ImageStateAvailable {
		state := "not found"
		if len(out.Images) == 1 {
			state = string(out.Images[0].State)
		}
		return sourceImage{}, fmt.Errorf("source golden AMI %s is %s: nothing to promote; nothing changed", ami, state)
	}
	i := out.Images[0]
	s := sourceImage{id: ami, name: aws.ToString(i.Name), created: aws.ToString(i.CreationDate), tags: tagMap(i.Tags)}
	for _, b := range i.BlockDeviceMappings {
		if b.Ebs != nil && b.Ebs.SnapshotId != nil {
			s.snapshots = append(s.snapshots, *b.Ebs.SnapshotId)
		}
	}
	return s, nil
}

// copiesInTarget lists the target's available AMIs copied from ami,
// newest first.
func (p *promoter) copiesInTarget(ctx context.Context, ami string) ([]string, error) {
	out, err := p.dst.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{
		Owners:  []string{"self"},
		Filters: []ec2types.Filter{{Name: aws.String("tag:" + config.PromotedFromAMITagKey), Values: []string{ami}}},
	})
	if err != nil {
		return nil, fmt.Errorf("target %s: copies of %s: %w", p.target.Name, ami, err)
	}
	var imgs []ec2types.Image
	for _, i := range out.Images {
		if i.State == ec2types.ImageStateAvailable && tagMap(i.Tags)[config.PromotedFromAMITagKey] == ami {
			imgs = append(imgs, i)
		}
	}
	sort.Slice(imgs, func(a, b int) bool { return aws.ToString(imgs[a].CreationDate) > aws.ToString(imgs[b].CreationDate) })
	var ids []string
	for _, i := range imgs {
		ids = append(ids, aws.ToString(i.ImageId))
	}
	return ids, nil
}

// checkGates collects each gate's evidence from the source account.
func (p *promoter) checkGates(ctx context.Context, ami string, img sourceImage, group string) []gateResult {
	rec := imageRecord{Arn: img.tags["Ec2ImageBuilderArn"]}
	if rec.Arn != "" {
		out, err := p.src.ib.GetImage(ctx, &imagebuilder.GetImageInput{ImageBuildVersionArn: &rec.Arn})
		switch {
		case err != nil:
			rec.Err = err
		case out.Image == nil:
			rec.Err = errors.New("GetImage returned no image")
		default:
			i := out.Image
			if i.State != nil {
				rec.Status, rec.Reason = string(i.State.Status), aws.ToString(i.State.Reason)
			}
			rec.TestsEnabled = i.ImageTestsConfiguration != nil && aws.ToBool(i.ImageTestsConfiguration.ImageTestsEnabled)
			rec.ScanningEnabled = i.ImageScanningConfiguration != nil && aws.ToBool(i.ImageScanningConfiguration.ImageScanningEnabled)
			if i.ScanState != nil {
				rec.ScanStatus = string(i.ScanState.Status)
			}
		}
	}
	var findings []gateFinding
	var findingsErr error
	if rec.Err == nil && rec.ScanningEnabled && rec.ScanStatus == "COMPLETED" {
		findings, findingsErr = p.findings(ctx, rec.Arn)
	}
	promo := p.target.Promotion
	return []gateResult{
		imageTestsGate(ami, rec),
		soakGate(ami, promo.SoakTime, p.now(), p.sampleFleet(ctx, group)),
		vulnerabilitiesGate(rec, findings, findingsErr, promo.MaxFindingSeverity),
	}
}

func (p *promoter) findings(ctx context.Context, imageArn string) ([]gateFinding, error) {
	var out []gateFinding
	pg := imagebuilder.NewListImageScanFindingsPaginator(p.src.ib, &imagebuilder.ListImageScanFindingsInput{
		Filters: []ibtypes.ImageScanFindingsFilter{{Name: aws.String("imageBuildVersionArn"), Values: []string{imageArn}}},
	})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, f := range page.Findings {
			out = append(out, gateFinding{Severity: aws.ToString(f.Severity), Title: aws.ToString(f.Title)})
		}
	}
	return out, nil
}

// sampleFleet reads the source group's instances (health, AMI, launch
// time) and the fleet's alarms: those that watch the group
// (AutoScalingGroupName dimension) or whose name starts with
// "<prefix>-<env>-".
func (p *promoter) sampleFleet(ctx context.Context, group string) fleetSample {
	f := fleetSample{Group: group}
	g, err := p.src.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{group}})
	switch {
	case err != nil:
		f.Err = fmt.Errorf("group %s: %w", group, err)
		return f
	case len(g.AutoScalingGroups) != 1:
		f.Err = fmt.Errorf("group %s not found", group)
		return f
	}
	var ids []string
	for _, i := range g.AutoScalingGroups[0].Instances {
		f.Instances = append(f.Instances, fleetInstance{ID: aws.ToString(i.InstanceId), Lifecycle: string(i.LifecycleState), Health: aws.ToString(i.HealthStatus)})
		ids = append(ids, aws.ToString(i.InstanceId))
	}
	if len(ids) > 0 {
		details := map[string]ec2types.Instance{}
		pg := ec2.NewDescribeInstancesPaginator(p.src.ec2, &ec2.DescribeInstancesInput{InstanceIds: ids})
		for pg.HasMorePages() {
			page, err := pg.NextPage(ctx)
			if err != nil {
				f.Err = fmt.Errorf("instances of %s: %w", group, err)
				return f
			}
			for _, r := range page.Reservations {
				for _, i := range r.Instances {
					details[aws.ToString(i.InstanceId)] = i
				}
			}
		}
		for k := range f.Instances {
			d := details[f.Instances[k].ID]
			f.Instances[k].Image = aws.ToString(d.ImageId)
			f.Instances[k].Launched = aws.ToTime(d.LaunchTime)
		}
	}
	prefix := p.cfg.Prefix + "-" + p.source.Name + "-"
	pg := cloudwatch.NewDescribeAlarmsPaginator(p.src.cw, &cloudwatch.DescribeAlarmsInput{
		AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm},
	})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			f.Err = fmt.Errorf("alarms: %w", err)
			return f
		}
		for _, a := range page.MetricAlarms {
			watches := false
			for _, d := range a.Dimensions {
				watches = watches || aws.ToString(d.Name) == "AutoScalingGroupName" && aws.ToString(d.Value) == group
			}
			if watches || strings.HasPrefix(aws.ToString(a.AlarmName), prefix) {
				f.Alarms = append(f.Alarms, alarm{Name: aws.ToString(a.AlarmName), State: string(a.StateValue)})
			}
		}
		for _, a := range page.CompositeAlarms {
			if strings.HasPrefix(aws.ToString(a.AlarmName), prefix) {
				f.Alarms = append(f.Alarms, alarm{Name: aws.ToString(a.AlarmName), State: string(a.StateValue)})
			}
		}
	}
	return f
}

// GateReport formats the gates, one block per gate.
func gateReport(gates []gateResult) string {
	var b strings.Builder
	for _, g := range gates {
		verdict := map[string]string{"passed": "PASS", "failed": "FAIL", "overridden": "FAIL, OVERRIDDEN"}[g.Outcome()]
		fmt.Fprintf(&b, "  %-16s %s\n", g.Name, verdict)
		for _, e := range g.Evidence {
			fmt.Fprintf(&b, "      %s\n", e)
		}
	}
	return b.String()
}

// PromotionTags are the tags of the promoted copy: the target's own tags,
// the environment it serves, and the record of the promotion.
func promotionTags(target config.Environment, sourceEnv, sourceAMI string, gates []gateResult, at time.Time, by, reason string) map[string]string {
	tags := map[string]string{}
	for k, v := range target.Tags {
		tags[k] = v
	}
	var outcomes, skipped []string
	for _, g := range gates {
		outcomes = append(outcomes, g.Name+"="+g.Outcome())
		if g.Overridden {
			skipped = append(skipped, g.Name)
		}
	}
	tags[config.EnvironmentTagKey] = target.Name
	tags[config.PromotedFromAMITagKey] = sourceAMI
	tags[config.PromotedFromEnvironmentTagKey] = sourceEnv
	tags[config.PromotionGatesTagKey] = strings.Join(outcomes, " ")
	tags[config.PromotedAtTagKey] = at.UTC().Format(time.RFC3339)
	tags[config.PromotedByTagKey] = truncate(by, 256)
	if len(skipped) > 0 {
		tags[config.PromotionOverrideTagKey] = truncate(strings.Join(skipped, ",")+" skipped: "+reason, 256)
	}
	return tags
}

// truncate cuts s to at most n runes (EC2 tag values: 256 Unicode
// characters).
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// PlanInput is what PlanPromotion needs.
type planInput struct {
	Cfg                            config.App
	Source, Target                 config.Environment
	SourceAMI                      string
	Snapshots                      []string
	TargetParameter, TargetCurrent string
	CopyWith                       string
	// Existing is a copy of SourceAMI already in the target, reused
	// instead of copying again.
	Existing string
	Wait     time.Duration
	Tags     map[string]string
}

// Plan is a promotion's steps, printed before anything changes.
type plan struct {
	planInput
	CrossAccount bool
	// CopyName names a new copy (EC2 path).
	CopyName string
	Steps    []string
}

// PlanPromotion lists what the promotion will do, in order.
func planPromotion(in planInput) plan {
	p := plan{planInput: in, CrossAccount: in.Source.Account != in.Target.Account}
	names := in.Cfg.PromotionNames(in.Source.Name, in.Target.Name)
	key := "the target account's default EBS key"
	if in.Target.Fleet.KmsKeyArn != "" {
		key = in.Target.Fleet.KmsKeyArn
	}
	where := fmt.Sprintf("%s/%s", in.Target.Account, in.Target.Region)
	switch {
	case in.Existing != "":
		p.Steps = append(p.Steps, fmt.Sprintf("reuse %s, a copy of %s already in %s", in.Existing, in.SourceAMI, where))
	case in.CopyWith == copyWithImageBuilder:
		p.Steps = append(p.Steps, fmt.Sprintf("imagebuilder:DistributeImage %s in %s/%s with distribution configuration %s and execution role %s: "+
			"Image Builder copies it into %s, encrypted with %s, and writes %s; wait up to %s",
			in.SourceAMI, in.Source.Account, in.Source.Region, names.Distribution, names.ExecutionRole, where, key, in.TargetParameter, in.Wait))
	default:
		if p.CrossAccount {
			p.Steps = append(p.Steps, fmt.Sprintf("share %s with account %s: launch permission, and create-volume permission on %s (as %s)",
				in.SourceAMI, in.Target.Account, strings.Join(in.Snapshots, ", "), names.AccessRole))
		}
		p.CopyName = fmt.Sprintf("%s-%s-%s-%s", in.Cfg.Prefix, in.Target.Name, in.SourceAMI, in.Tags[config.PromotedAtTagKey])
		p.CopyName = strings.NewReplacer(":", "").Replace(p.CopyName)
		p.Steps = append(p.Steps, fmt.Sprintf("ec2:CopyImage %s from %s/%s into %s as %s, encrypted with %s; wait up to %s for it to be available",
			in.SourceAMI, in.Source.Account, in.Source.Region, where, p.CopyName, key, in.Wait))
	}
	keys := make([]string, 0, len(in.Tags))
	for k := range in.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var tags []string
	for _, k := range keys {
		tags = append(tags, k+"="+in.Tags[k])
	}
	p.Steps = append(p.Steps, "tag the copy: "+strings.Join(tags, ", "))
	p.Steps = append(p.Steps, fmt.Sprintf("write the copy into %s (now %s): every instance %s launches from then on runs it; running instances are unchanged",
		in.TargetParameter, in.TargetCurrent, in.Target.Name))
	return p
}

// execute carries the plan out. Whatever fails after a change says what
// changed.
func (p *promoter) execute(ctx context.Context, plan plan, wait time.Duration) error {
	copyID := plan.Existing
	var err error
	switch {
	case copyID != "":
	case plan.CopyWith == copyWithImageBuilder:
		copyID, err = p.distribute(ctx, plan, wait)
	default:
		copyID, err = p.copyWithEC2(ctx, plan, wait)
	}
	if err != nil {
		return err
	}
	var tags []ec2types.Tag
	for k, v := range plan.Tags {
		tags = append(tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	sort.Slice(tags, func(i, j int) bool { return *tags[i].Key < *tags[j].Key })
	if _, err := p.dst.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{copyID}, Tags: tags}); err != nil {
		return fmt.Errorf("%s is in %s, but tagging it failed: %w; %s is unchanged (run the promotion again: it reuses the copy)",
			copyID, p.target.Name, err, plan.TargetParameter)
	}
	fmt.Fprintf(p.out, "tagged %s with the promotion record\n", copyID)
	now, err := parameterValue(ctx, p.dst.ssm, plan.TargetParameter)
	if err != nil {
		return err
	}
	if now != copyID {
		put, err := p.dst.ssm.PutParameter(ctx, &ssm.PutParameterInput{
			Name: &plan.TargetParameter, Value: &copyID, Type: ssmtypes.ParameterTypeString,
			DataType: aws.String("aws:ec2:image"), Overwrite: aws.Bool(true),
		})
		if err != nil {
			return fmt.Errorf("%s is in %s and tagged, but writing it into %s failed: %w", copyID, p.target.Name, plan.TargetParameter, err)
		}
		if err := waitForParameterValue(ctx, p.dst.ssm, plan.TargetParameter, copyID); err != nil {
			return fmt.Errorf("%s is in %s and tagged, but %w", copyID, p.target.Name, err)
		}
		fmt.Fprintf(p.out, "golden AMI parameter %s: %s -> %s (version %d)\n", plan.TargetParameter, plan.TargetCurrent, copyID, put.Version)
	} else {
		fmt.Fprintf(p.out, "golden AMI parameter %s: %s -> %s (written by the distribution)\n", plan.TargetParameter, plan.TargetCurrent, copyID)
	}
	fmt.Fprintf(p.out, "promoted %s (%s) to %s as %s; every replacement and scale-out in %s now launches it, running instances are unchanged\n",
		plan.SourceAMI, p.source.Name, p.target.Name, copyID, p.target.Name)
	return nil
}

func (p *promoter) copyWithEC2(ctx context.Context, plan plan, wait time.Duration) (string, error) {
	if plan.CrossAccount {
		_, err := p.src.ec2.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{
			ImageId:          &plan.SourceAMI,
			LaunchPermission: &ec2types.LaunchPermissionModifications{Add: []ec2types.LaunchPermission{{UserId: &p.target.Account}}},
		})
		if err != nil {
			return "", fmt.Errorf("sharing %s with %s: %w; nothing changed", plan.SourceAMI, p.target.Account, err)
		}
		for _, snap := range plan.Snapshots {
			// The OperationType/UserIds form of the request (documented next
			// to CreateVolumePermission; the local emulator knows only it).
			_, err := p.src.ec2.ModifySnapshotAttribute(ctx, &ec2.ModifySnapshotAttributeInput{
				SnapshotId:    aws.String(snap),
				Attribute:     ec2types.SnapshotAttributeNameCreateVolumePermission,
				OperationType: ec2types.OperationTypeAdd,
				UserIds:       []string{p.target.Account},
			})
			if err != nil {
				return "", fmt.Errorf("sharing snapshot %s of %s with %s: %w; %s is shared with %s, %s is unchanged",
					snap, plan.SourceAMI, p.target.Account, err, plan.SourceAMI, p.target.Account, plan.TargetParameter)
			}
		}
		fmt.Fprintf(p.out, "shared %s and its snapshots with %s\n", plan.SourceAMI, p.target.Account)
	}
	in := &ec2.CopyImageInput{
		SourceImageId: &plan.SourceAMI, SourceRegion: &p.source.Region, Name: &plan.CopyName,
		Description: aws.String(fmt.Sprintf("Golden AMI %s of %s, promoted to %s", plan.SourceAMI, p.source.Name, p.target.Name)),
		Encrypted:   aws.Bool(true), ClientToken: aws.String(clientToken(plan)),
	}
	if p.target.Fleet.KmsKeyArn != "" {
		in.KmsKeyId = &p.target.Fleet.KmsKeyArn
	}
	out, err := p.dst.ec2.CopyImage(ctx, in)
	if err != nil {
		return "", fmt.Errorf("copying %s into %s: %w; %s is unchanged", plan.SourceAMI, p.target.Name, err, plan.TargetParameter)
	}
	id := aws.ToString(out.ImageId)
	fmt.Fprintf(p.out, "copying %s into %s as %s …\n", plan.SourceAMI, p.target.Name, id)
	w := ec2.NewImageAvailableWaiter(p.dst.ec2, func(o *ec2.ImageAvailableWaiterOptions) {
		if p.pollEvery < o.MinDelay {
			o.MinDelay = max(p.pollEvery, time.Millisecond)
		}
	})
	if err := w.Wait(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}}, wait); err != nil {
		return "", fmt.Errorf("waiting for %s to be available: %w; %s is unchanged", id, err, plan.TargetParameter)
	}
	fmt.Fprintf(p.out, "%s is available in %s/%s\n", id, p.target.Account, p.target.Region)
	return id, nil
}

// clientToken makes a retried copy of the same promotion idempotent (at
// most 64 characters).
func clientToken(plan plan) string {
	sum := sha256.Sum256([]byte(plan.SourceAMI + "|" + plan.Target.Account + "|" + plan.Target.Region + "|" + plan.Tags[config.PromotedAtTagKey]))
	return "fleetctl-" + hex.EncodeToString(sum[:])[:32]
}

func (p *promoter) distribute(ctx context.Context, plan plan, wait time.Duration) (string, error) {
	part := config.Partition(p.source.Region)
	dist := arn.ARN{Partition: part, Service: "imagebuilder", Region: p.source.Region, AccountID: p.source.Account,
		Resource: "distribution-configuration/" + strings.ToLower(p.names.Distribution)}
	role := arn.ARN{Partition: part, Service: "iam", AccountID: p.source.Account, Resource: "role/" + p.names.ExecutionRole}
	out, err := p.src.ib.DistributeImage(ctx, &imagebuilder.DistributeImageInput{
		SourceImage: &plan.SourceAMI, DistributionConfigurationArn: aws.String(dist.String()), ExecutionRole: aws.String(role.String()),
		ClientToken: aws.String(clientToken(plan)),
	})
	if err != nil {
		return "", fmt.Errorf("imagebuilder:DistributeImage %s: %w; nothing changed", plan.SourceAMI, err)
	}
	arnOut := aws.ToString(out.ImageBuildVersionArn)
	fmt.Fprintf(p.out, "Image Builder distributes %s as %s …\n", plan.SourceAMI, arnOut)
	deadline := p.now().Add(wait)
	for {
		img, err := p.src.ib.GetImage(ctx, &imagebuilder.GetImageInput{ImageBuildVersionArn: &arnOut})
		if err != nil {
			return "", fmt.Errorf("distribution %s: %w", arnOut, err)
		}
		status, why := ibtypes.ImageStatus(""), ""
		if img.Image != nil && img.Image.State != nil {
			status, why = img.Image.State.Status, aws.ToString(img.Image.State.Reason)
		}
		switch status {
		case ibtypes.ImageStatusAvailable:
			id, ok := distributedAMI(img.Image, p.source.Account, p.target.Account, p.target.Region)
			if !ok {
				return "", fmt.Errorf("distribution %s is AVAILABLE but lists no AMI in %s/%s", arnOut, p.target.Account, p.target.Region)
			}
			fmt.Fprintf(p.out, "%s is available in %s/%s\n", id, p.target.Account, p.target.Region)
			return id, nil
		case ibtypes.ImageStatusFailed, ibtypes.ImageStatusCancelled, ibtypes.ImageStatusDeleted:
			return "", fmt.Errorf("distribution %s ended %s%s; check %s", arnOut, status, reason(why), plan.TargetParameter)
		}
		if p.now().After(deadline) {
			return "", fmt.Errorf("distribution %s still %s after %s; it may yet complete and write %s", arnOut, status, wait, plan.TargetParameter)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(p.pollEvery):
		}
	}
}

// DistributedAMI finds the AMI a distribution made in the target's
// account and region. An output AMI without an account id is in the
// source's own account.
func distributedAMI(img *ibtypes.Image, sourceAccount, account, region string) (string, bool) {
	if img == nil || img.OutputResources == nil {
		return "", false
	}
	for _, a := range img.OutputResources.Amis {
		owner := aws.ToString(a.AccountId)
		if owner == "" {
			owner = sourceAccount
		}
		if aws.ToString(a.Region) == region && owner == account && a.Image != nil {
			return *a.Image, true
		}
	}
	return "", false
}
