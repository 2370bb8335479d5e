package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/marks"
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
	marks.EC2
	CopyImage(context.Context, *ec2.CopyImageInput, ...func(*ec2.Options)) (*ec2.CopyImageOutput, error)
	DeregisterImage(context.Context, *ec2.DeregisterImageInput, ...func(*ec2.Options)) (*ec2.DeregisterImageOutput, error)
	DeleteSnapshot(context.Context, *ec2.DeleteSnapshotInput, ...func(*ec2.Options)) (*ec2.DeleteSnapshotOutput, error)
}

type imageBuilderAPI interface {
	imagebuilder.ListImageScanFindingsAPIClient
	GetImage(context.Context, *imagebuilder.GetImageInput, ...func(*imagebuilder.Options)) (*imagebuilder.GetImageOutput, error)
	DistributeImage(context.Context, *imagebuilder.DistributeImageInput, ...func(*imagebuilder.Options)) (*imagebuilder.DistributeImageOutput, error)
}

type parameterAPI interface {
	ssmGetAPI
	marks.SSM
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
	ib  marks.ImageBuilder
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
	id, err := callerIdentity(ctx, base)
	if err != nil {
		return err
	}
	if acct := aws.ToString(id.Account); acct != target.Account {
		return fmt.Errorf("the credentials are for account %s: want %s's account %s (the source's account %s is reached through role %s)",
			acct, target.Name, target.Account, source.Account, names.AccessRole)
	}
	src := clientsOf(sourceConfig(base, source, target, names))
	dst := clientsOf(base)
	p := &promoter{
		cfg: cfg, source: source, target: target, names: names,
		src:       sourceClients{cfn: src.cfn, ssm: src.ssm, ec2: src.ec2, asg: src.asg, cw: src.cw, ib: src.ib},
		dst:       targetClients{cfn: dst.cfn, ssm: dst.ssm, ec2: dst.ec2, ib: dst.ib},
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
	if source.Account == target.Account {
		return inEnvironment(base, source, "", "")
	}
	return inEnvironment(base, source, names.AccessRole, "fleetctl-promote-"+target.Name)
}

// promotedBy is the value of the promoted-by tag.
func promotedBy(callerArn, githubActor string) string {
	if githubActor != "" {
		return "github:" + githubActor + " via " + callerArn
	}
	return callerArn
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
		return fmt.Errorf("%s is in %s, but tagging it failed: %w; %s (run the promotion again: it reuses the copy)",
			copyID, p.target.Name, err, p.parameterNow(ctx, plan))
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
	// Marked at once, not only when the target's marker sees the
	// parameter change: the lifecycle policies must not touch the copy.
	if err := markGolden(ctx, p.dst.ssm, p.dst.ec2, p.dst.ib, plan.TargetParameter, p.out); err != nil {
		fmt.Fprintf(p.out, "WARNING: %v; no promoted copy retired\n", err)
	} else {
		p.retireCopies(ctx, copyID)
	}
	fmt.Fprintf(p.out, "promoted %s (%s) to %s as %s; every replacement and scale-out in %s now launches it, running instances are unchanged\n",
		plan.SourceAMI, p.source.Name, p.target.Name, copyID, p.target.Name)
	return nil
}

// parameterNow says what the target's parameter holds after a step
// failed: an Image Builder distribution writes it itself, so "unchanged"
// is said only when it is.
func (p *promoter) parameterNow(ctx context.Context, plan plan) string {
	now, err := parameterValue(ctx, p.dst.ssm, plan.TargetParameter)
	switch {
	case err != nil:
		return fmt.Sprintf("%s could not be read (%v): a distribution may have written the copy into it", plan.TargetParameter, err)
	case now == plan.TargetCurrent:
		return fmt.Sprintf("%s is unchanged (%s)", plan.TargetParameter, now)
	default:
		return fmt.Sprintf("%s now holds %s (was %s): the distribution wrote it, so %s launches the copy untagged until the promotion is run again",
			plan.TargetParameter, now, plan.TargetCurrent, p.target.Name)
	}
}
