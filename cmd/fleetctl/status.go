package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// statusCommand prints what runs where: the golden AMI and its
// vulnerability scan, the launch template versions and every instance of
// the group with its AMI.
var statusCommand = command{
	name:     "status",
	synopsis: "--stack <fleet stack> [--require-golden] [--findings] | [--env <env>]... [--config FILE]",
	summary: "with --stack: the golden AMI and its vulnerability scan, the launch\n" +
		"template versions and every instance of the group with its AMI;\n" +
		"--require-golden fails unless the group is at its desired capacity and\n" +
		"every instance runs the golden AMI; --findings lists every finding of\n" +
		"the scan. Without --stack: per environment of the configuration, the\n" +
		"golden AMI, where it came from (built, or promoted from which AMI), its\n" +
		"age, and the instances on it versus older AMIs; other accounts through\n" +
		"the promotion access roles",
	declare: func(fs *flag.FlagSet) runFunc {
		stack := fs.String("stack", "", "fleet stack name, for example golden-fleet-prod-fleet (default: every environment)")
		requireGolden := fs.Bool("require-golden", false, "with --stack: fail unless the group is at its desired capacity and every instance runs the golden AMI")
		findings := fs.Bool("findings", false, "with --stack: list every vulnerability finding of the golden AMI's scan (fails when the scan cannot be read)")
		var envs repeated
		fs.Var(&envs, "env", "without --stack: an environment to show (repeatable; default: every environment of the configuration)")
		configFile := declareConfigFlags(fs)
		return func(ctx context.Context, cfg aws.Config, out io.Writer) error {
			if *stack == "" {
				if *requireGolden || *findings {
					return usageError("--require-golden and --findings check one fleet: want --stack with them")
				}
				app, err := configFile.load()
				if err != nil {
					return err
				}
				return runEnvStatus(ctx, cfg, app, envs, out)
			}
			if len(envs) > 0 || configFile.set() {
				return usageError("--env, --config and --cdk-json choose environments: want them without --stack")
			}
			c := clientsOf(cfg)
			s := &status{cfn: c.cfn, ssm: c.ssm, ec2: c.ec2, asg: c.asg, out: out,
				scan: &scanReport{ec2: c.ec2, ib: c.ib, out: out, list: *findings}}
			return s.run(ctx, *stack, *requireGolden)
		}
	},
}

// groupInstance is an instance of an Auto Scaling group: Auto Scaling's
// view (lifecycle, health, type) and EC2's (the AMI it runs, when it
// launched).
type groupInstance struct {
	id, lifecycle, image, instanceType string
	health                             string
	launched                           time.Time
}

// goldenProblems lists why a group is not "every instance runs the golden
// AMI at the desired capacity": the check scripts/local-deploy makes right
// after a deploy. (After a build, older instances legitimately run older
// AMIs until they are replaced: the pattern replaces, it never patches.)
func goldenProblems(golden string, desired int, instances []groupInstance) []string {
	var problems []string
	inService := 0
	for _, i := range instances {
		if i.lifecycle != "InService" {
			continue
		}
		inService++
		if i.image != golden {
			problems = append(problems, fmt.Sprintf("instance %s runs %s, not the golden AMI %s", i.id, i.image, golden))
		}
	}
	if inService != desired {
		problems = append(problems, fmt.Sprintf("%d instances in service, desired capacity %d", inService, desired))
	}
	if !isAMIID(golden) {
		problems = append(problems, fmt.Sprintf("the golden parameter holds %q, not an AMI id", golden))
	}
	return problems
}

// instancesOf lists group's instances with the AMI each runs and its
// launch time: the one instance-to-AMI lookup of status, roll and the
// promotion's soak gate.
func instancesOf(ctx context.Context, client ec2.DescribeInstancesAPIClient, group asgtypes.AutoScalingGroup) ([]groupInstance, error) {
	var instances []groupInstance
	var ids []string
	for _, i := range group.Instances {
		instances = append(instances, groupInstance{id: aws.ToString(i.InstanceId), lifecycle: string(i.LifecycleState),
			instanceType: aws.ToString(i.InstanceType), health: aws.ToString(i.HealthStatus)})
		ids = append(ids, aws.ToString(i.InstanceId))
	}
	if len(ids) == 0 {
		return nil, nil
	}
	details := map[string]ec2types.Instance{}
	ip := ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{InstanceIds: ids})
	for ip.HasMorePages() {
		page, err := ip.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("instances of %s: %w", aws.ToString(group.AutoScalingGroupName), err)
		}
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				details[aws.ToString(i.InstanceId)] = i
			}
		}
	}
	for k := range instances {
		d := details[instances[k].id]
		instances[k].image, instances[k].launched = aws.ToString(d.ImageId), aws.ToTime(d.LaunchTime)
	}
	return instances, nil
}

type ssmGetAPI interface {
	GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

type ec2StatusAPI interface {
	ec2.DescribeLaunchTemplateVersionsAPIClient
	ec2.DescribeInstancesAPIClient
}

type status struct {
	cfn cfnAPI
	ssm ssmGetAPI
	ec2 ec2StatusAPI
	asg asgAPI
	out io.Writer
	// scan reports the golden AMI's vulnerability scan (findings.go);
	// nil skips it.
	scan *scanReport
}

func (s *status) run(ctx context.Context, stack string, requireGolden bool) error {
	outs, err := stackOutputs(ctx, s.cfn, stack)
	if err != nil {
		return err
	}
	p, err := s.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: &outs.goldenAmiParameter})
	if err != nil {
		return fmt.Errorf("%s: %w", outs.goldenAmiParameter, err)
	}
	golden := aws.ToString(p.Parameter.Value)
	fmt.Fprintf(s.out, "golden AMI parameter %s = %s (version %d)\n", outs.goldenAmiParameter, golden, p.Parameter.Version)
	if s.scan != nil {
		if err := s.scan.report(ctx, golden); err != nil {
			return err
		}
	}

	versions, err := launchTemplateVersions(ctx, s.ec2, outs.launchTemplateID)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "launch template %s versions:\n", outs.launchTemplateID)
	tw := newTable(s.out, "  VERSION\tDEFAULT\tIMAGE\tTYPE\tDESCRIPTION")
	for _, v := range versions {
		fmt.Fprintf(tw, "  %d\t%v\t%s\t%s\t%s\n", v.number, v.isDefault, v.imageID, v.instanceType, v.description)
	}
	tw.Flush()

	group, err := describeGroup(ctx, s.asg, outs.autoScalingGroupName)
	if err != nil {
		return err
	}
	launches := "no launch template"
	if group.LaunchTemplate != nil {
		launches = "launch template version " + aws.ToString(group.LaunchTemplate.Version)
	}
	fmt.Fprintf(s.out, "Auto Scaling group %s: desired %d (min %d, max %d), launches %s\n",
		outs.autoScalingGroupName, aws.ToInt32(group.DesiredCapacity), aws.ToInt32(group.MinSize), aws.ToInt32(group.MaxSize), launches)
	instances, err := instancesOf(ctx, s.ec2, group)
	if err != nil {
		return err
	}
	slices.SortFunc(instances, func(a, b groupInstance) int { return strings.Compare(a.id, b.id) })
	fmt.Fprintln(tw, "  INSTANCE\tLIFECYCLE\tTYPE\tAMI\t")
	for _, i := range instances {
		mark := "golden"
		if i.image != golden {
			mark = "older than the golden AMI"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", i.id, i.lifecycle, i.instanceType, i.image, mark)
	}
	tw.Flush()
	if requireGolden {
		if problems := goldenProblems(golden, int(aws.ToInt32(group.DesiredCapacity)), instances); len(problems) > 0 {
			return fmt.Errorf("the fleet is not all on the golden AMI:\n  %s", strings.Join(problems, "\n  "))
		}
		fmt.Fprintf(s.out, "check passed: %d instances in service, all running the golden AMI %s\n", len(instances), golden)
	}
	return nil
}
