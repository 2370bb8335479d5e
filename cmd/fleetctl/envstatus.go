package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/immutable-server/golden-fleet/config"
)

// fleetctl status without --stack: every environment of the
// configuration (or those given with --env), one line each.

// EnvStatus is one environment's line.
type EnvStatus struct {
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

// Origin says where a golden AMI came from, from its tags: promoted from
// another environment's AMI, built by this environment's pipeline, or
// neither (the seed image, or an AMI written by hand).
func Origin(tags map[string]string) string {
	switch {
	case tags[config.TagPromotedFromAMI] != "":
		s := fmt.Sprintf("promoted from %s %s", or(tags[config.TagPromotedFromEnvironment], "?"), tags[config.TagPromotedFromAMI])
		if at := tags[config.TagPromotedAt]; at != "" {
			s += " at " + at
		}
		if o := tags[config.TagPromotionOverride]; o != "" {
			s += " (override: " + o + ")"
		}
		return s
	case tags["Ec2ImageBuilderArn"] != "":
		return "built here (" + tags["Ec2ImageBuilderArn"] + ")"
	default:
		return "neither built nor promoted: the seed image, or written by hand"
	}
}

// CountInstances counts the in-service instances on the golden AMI and
// on older ones.
func CountInstances(golden string, instances []Instance) (onGolden, older int, olderImages []string) {
	for _, i := range instances {
		if i.Lifecycle != "InService" {
			continue
		}
		if i.Image == golden {
			onGolden++
			continue
		}
		older++
		if !slices.Contains(olderImages, i.Image) {
			olderImages = append(olderImages, i.Image)
		}
	}
	sort.Strings(olderImages)
	return onGolden, older, olderImages
}

// FormatEnvStatus formats the lines as a table.
func FormatEnvStatus(rows []EnvStatus, now time.Time) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ENVIRONMENT\tACCOUNT/REGION\tGOLDEN AMI\tAGE\tINSTANCES\tORIGIN")
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

// ReachVia says how credentials of callerAccount reach env: directly
// (role ""), through the promotion access role of a target in the
// caller's account, or not at all (ok false).
func ReachVia(cfg config.App, env config.Environment, callerAccount string) (role string, ok bool) {
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

func runEnvStatus(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	var envs repeated
	fs.Var(&envs, "env", "environment to show (repeatable; default: every environment of the configuration)")
	configPath := fs.String("config", "", "JSON config.App (default: the compiled-in config/environments.go)")
	endpoint := fs.String("endpoint-url", "", "AWS endpoint URL (default: the SDK's, e.g. AWS_ENDPOINT_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("status: unexpected argument %q\n%s", fs.Arg(0), usage)
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	for _, e := range envs {
		if _, ok := cfg.Environment(e); !ok {
			return fmt.Errorf("--env %q: no such environment", e)
		}
	}
	var opts []func(*awsconfig.LoadOptions) error
	if *endpoint != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(*endpoint))
	}
	base, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fmt.Errorf("AWS configuration: %w", err)
	}
	if base.Region == "" {
		base.Region = cfg.Environments[0].Region // STS answers in any region
	}
	id, err := sts.NewFromConfig(base).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("who am I (sts:GetCallerIdentity): %w", err)
	}
	caller := aws.ToString(id.Account)
	var rows []EnvStatus
	for _, raw := range cfg.Environments {
		env := raw.WithDefaults()
		if len(envs) > 0 && !slices.Contains(envs, env.Name) {
			continue
		}
		row := EnvStatus{Env: env.Name, Account: env.Account, Region: env.Region}
		role, ok := ReachVia(cfg, env, caller)
		if !ok {
			row.Problem = fmt.Sprintf("not reachable with credentials of account %s: run with credentials of %s", caller, env.Account)
			rows = append(rows, row)
			continue
		}
		c := base.Copy()
		c.Region = env.Region
		if role != "" {
			r := arn.ARN{Partition: config.Partition(env.Region), Service: "iam", AccountID: env.Account, Resource: "role/" + role}
			c.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(base), r.String()))
		}
		s := &status{cfn: cloudformation.NewFromConfig(c), ssm: ssm.NewFromConfig(c), ec2: ec2.NewFromConfig(c), asg: autoscaling.NewFromConfig(c)}
		rows = append(rows, envStatus(ctx, s, ec2.NewFromConfig(c), cfg.FleetStackName(env.Name), row))
	}
	fmt.Fprint(out, FormatEnvStatus(rows, time.Now()))
	return nil
}

// envStatus fills row from the environment's fleet stack, golden
// parameter, AMI and group.
func envStatus(ctx context.Context, s *status, images ec2.DescribeImagesAPIClient, stack string, row EnvStatus) EnvStatus {
	fail := func(err error) EnvStatus { row.Problem = err.Error(); return row }
	outs, err := stackOutputs(ctx, s.cfn, stack)
	if err != nil {
		return fail(err)
	}
	row.Golden, err = parameterValue(ctx, s.ssm, outs.GoldenAmiParameter)
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
		row.Origin = Origin(tagMap(img.Images[0].Tags))
		row.Created, _ = time.Parse(time.RFC3339, aws.ToString(img.Images[0].CreationDate))
	}
	g, err := s.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{outs.AutoScalingGroupName}})
	if err != nil || len(g.AutoScalingGroups) != 1 {
		return fail(fmt.Errorf("group %s: %v", outs.AutoScalingGroupName, err))
	}
	var instances []Instance
	var ids []string
	for _, i := range g.AutoScalingGroups[0].Instances {
		instances = append(instances, Instance{ID: aws.ToString(i.InstanceId), Lifecycle: string(i.LifecycleState)})
		ids = append(ids, aws.ToString(i.InstanceId))
	}
	if len(ids) > 0 {
		byID := map[string]string{}
		pg := ec2.NewDescribeInstancesPaginator(s.ec2, &ec2.DescribeInstancesInput{InstanceIds: ids})
		for pg.HasMorePages() {
			page, err := pg.NextPage(ctx)
			if err != nil {
				return fail(fmt.Errorf("instances of %s: %w", outs.AutoScalingGroupName, err))
			}
			for _, r := range page.Reservations {
				for _, i := range r.Instances {
					byID[aws.ToString(i.InstanceId)] = aws.ToString(i.ImageId)
				}
			}
		}
		for k := range instances {
			instances[k].Image = byID[instances[k].ID]
		}
	}
	row.OnGolden, row.Older, row.OlderImages = CountInstances(row.Golden, instances)
	return row
}
