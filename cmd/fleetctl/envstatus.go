package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/immutable-server/golden-fleet/config"
)

// fleetctl status without --stack (status.go): every environment of the
// configuration (or those given with --env), one line each.

// envRow is one environment's line.
type envRow struct {
	Env, Account, Region string
	// Golden is the golden AMI; Origin says where it came from.
	Golden, Origin string
	// Created is the AMI's creation time (zero when unknown).
	Created time.Time
	// OnGolden and Older count the group's in-service instances running
	// the golden AMI and other AMIs; OlderImages lists those AMIs.
	OnGolden, Older int
	OlderImages     []string
	// Problem is why the environment could not be read.
	Problem string
}

// originOf says where a golden AMI came from, from its tags: promoted from
// another environment's AMI, built by this environment's pipeline, or
// neither (the seed image, or an AMI written by hand).
func originOf(tags map[string]string) string {
	switch {
	case tags[config.PromotedFromAMITagKey] != "":
		s := fmt.Sprintf("promoted from %s %s", or(tags[config.PromotedFromEnvironmentTagKey], "?"), tags[config.PromotedFromAMITagKey])
		if at := tags[config.PromotedAtTagKey]; at != "" {
			s += " at " + at
		}
		if o := tags[config.PromotionOverrideTagKey]; o != "" {
			s += " (override: " + o + ")"
		}
		return s
	case tags[config.ImageBuilderArnTagKey] != "":
		return "built here (" + tags[config.ImageBuilderArnTagKey] + ")"
	default:
		return "neither built nor promoted: the seed image, or written by hand"
	}
}

// countInstances counts the in-service instances on the golden AMI and
// on older ones.
func countInstances(golden string, instances []groupInstance) (onGolden, older int, olderImages []string) {
	for _, i := range instances {
		if i.lifecycle != "InService" {
			continue
		}
		if i.image == golden {
			onGolden++
			continue
		}
		older++
		if !slices.Contains(olderImages, i.image) {
			olderImages = append(olderImages, i.image)
		}
	}
	sort.Strings(olderImages)
	return onGolden, older, olderImages
}

// formatEnvStatus formats the lines as a table.
func formatEnvStatus(rows []envRow, now time.Time) string {
	var b strings.Builder
	tw := newTable(&b, "ENVIRONMENT\tACCOUNT/REGION\tGOLDEN AMI\tAGE\tINSTANCES\tORIGIN")
	for _, r := range rows {
		where := r.Account + "/" + r.Region
		if r.Problem != "" {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t%s\n", r.Env, where, r.Problem)
			continue
		}
		age := "?"
		if !r.Created.IsZero() {
			age = humanAge(now.Sub(r.Created))
		}
		inst := fmt.Sprintf("%d golden, %d older", r.OnGolden, r.Older)
		if r.Older > 0 {
			inst += " (" + strings.Join(r.OlderImages, ", ") + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Env, where, r.Golden, age, inst, r.Origin)
	}
	tw.Flush()
	return b.String()
}

func humanAge(d time.Duration) string {
	switch {
	case d < 0:
		return "0m"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
	}
}

// reachVia says how credentials of callerAccount reach env: directly
// (role ""), through the promotion access role of a target in the
// caller's account, or not at all (ok false).
func reachVia(cfg config.App, env config.Environment, callerAccount string) (role string, ok bool) {
	if env.Account == callerAccount {
		return "", true
	}
	for _, t := range cfg.PromotesTo(env.Name) {
		if t.Account == callerAccount {
			return cfg.PromotionNames(env.Name, t.Name).AccessRole, true
		}
	}
	return "", false
}

// runEnvStatus prints one line for each environment of cfg (those named
// in envs, or all). base holds the caller's credentials; environments in
// other accounts are read through a promotion access role.
func runEnvStatus(ctx context.Context, base aws.Config, cfg config.App, envs []string, out io.Writer) error {
	for _, e := range envs {
		if _, ok := cfg.Environment(e); !ok {
			return fmt.Errorf("--env %s: no such environment: want one of %s", e, strings.Join(environmentNames(cfg), ", "))
		}
	}
	if base.Region == "" {
		base.Region = cfg.Environments[0].Region // STS answers in any region
	}
	id, err := callerIdentity(ctx, base)
	if err != nil {
		return err
	}
	caller := aws.ToString(id.Account)
	var rows []envRow
	for _, env := range cfg.Environments {
		if len(envs) > 0 && !slices.Contains(envs, env.Name) {
			continue
		}
		row := envRow{Env: env.Name, Account: env.Account, Region: env.Region}
		role, ok := reachVia(cfg, env, caller)
		if !ok {
			row.Problem = fmt.Sprintf("not reachable with credentials of account %s: run with credentials of %s", caller, env.Account)
			rows = append(rows, row)
			continue
		}
		c := clientsOf(inEnvironment(base, env, role, ""))
		s := &status{cfn: c.cfn, ssm: c.ssm, ec2: c.ec2, asg: c.asg}
		rows = append(rows, envStatus(ctx, s, c.ec2, cfg.NamesOf(env).Stack(config.FleetStack), row))
	}
	fmt.Fprint(out, formatEnvStatus(rows, time.Now()))
	return nil
}

// environmentNames lists the names of cfg's environments.
func environmentNames(cfg config.App) []string {
	var names []string
	for _, e := range cfg.Environments {
		names = append(names, e.Name)
	}
	return names
}

// envStatus fills row from the environment's fleet stack, golden
// parameter, AMI and group.
func envStatus(ctx context.Context, s *status, images ec2.DescribeImagesAPIClient, stack string, row envRow) envRow {
	fail := func(err error) envRow { row.Problem = err.Error(); return row }
	outs, err := stackOutputs(ctx, s.cfn, stack)
	if err != nil {
		return fail(err)
	}
	row.Golden, err = parameterValue(ctx, s.ssm, outs.goldenAmiParameter)
	if err != nil {
		return fail(err)
	}
	img, err := images.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{row.Golden}})
	switch {
	case err != nil:
		row.Origin = fmt.Sprintf("the AMI could not be read: %v", err)
	case len(img.Images) != 1:
		row.Origin = "the AMI does not exist"
	default:
		row.Origin = originOf(tagMap(img.Images[0].Tags))
		row.Created, _ = time.Parse(time.RFC3339, aws.ToString(img.Images[0].CreationDate))
	}
	group, err := describeGroup(ctx, s.asg, outs.autoScalingGroupName)
	if err != nil {
		return fail(err)
	}
	instances, err := instancesOf(ctx, s.ec2, group)
	if err != nil {
		return fail(err)
	}
	row.OnGolden, row.Older, row.OlderImages = countInstances(row.Golden, instances)
	return row
}
