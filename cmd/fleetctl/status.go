package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Instance is a group instance as status reports it.
type Instance struct {
	ID, Lifecycle, Image, Type string
}

// GoldenProblems lists why a group is not "every instance runs the golden
// AMI at the desired capacity": the check scripts/local-deploy makes right
// after a deploy. (After a build, older instances legitimately run older
// AMIs until they are replaced: the pattern replaces, it never patches.)
func GoldenProblems(golden string, desired int, instances []Instance) []string {
	var problems []string
	inService := 0
	for _, i := range instances {
		if i.Lifecycle != "InService" {
			continue
		}
		inService++
		if i.Image != golden {
			problems = append(problems, fmt.Sprintf("instance %s runs %s, not the golden AMI %s", i.ID, i.Image, golden))
		}
	}
	if inService != desired {
		problems = append(problems, fmt.Sprintf("%d instances in service, desired capacity %d", inService, desired))
	}
	if !ValidAMI(golden) {
		problems = append(problems, fmt.Sprintf("the golden parameter holds %q, not an AMI id", golden))
	}
	return problems
}

type asgAPI interface {
	DescribeAutoScalingGroups(context.Context, *autoscaling.DescribeAutoScalingGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error)
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
	p, err := s.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: &outs.GoldenAmiParameter})
	if err != nil {
		return fmt.Errorf("%s: %w", outs.GoldenAmiParameter, err)
	}
	golden := aws.ToString(p.Parameter.Value)
	fmt.Fprintf(s.out, "golden AMI parameter %s = %s (version %d)\n", outs.GoldenAmiParameter, golden, p.Parameter.Version)
	if s.scan != nil {
		if err := s.scan.report(ctx, golden); err != nil {
			return err
		}
	}

	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(s.out, "launch template %s versions:\n", outs.LaunchTemplateID)
	fmt.Fprintln(tw, "  VERSION\tDEFAULT\tIMAGE\tTYPE\tDESCRIPTION")
	vp := ec2.NewDescribeLaunchTemplateVersionsPaginator(s.ec2, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: &outs.LaunchTemplateID})
	for vp.HasMorePages() {
		page, err := vp.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("launch template %s: %w", outs.LaunchTemplateID, err)
		}
		for _, v := range page.LaunchTemplateVersions {
			d := v.LaunchTemplateData
			fmt.Fprintf(tw, "  %d\t%v\t%s\t%s\t%s\n", aws.ToInt64(v.VersionNumber), aws.ToBool(v.DefaultVersion),
				aws.ToString(d.ImageId), d.InstanceType, aws.ToString(v.VersionDescription))
		}
	}
	tw.Flush()

	g, err := s.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{outs.AutoScalingGroupName}})
	if err != nil {
		return fmt.Errorf("group %s: %w", outs.AutoScalingGroupName, err)
	}
	if len(g.AutoScalingGroups) != 1 {
		return fmt.Errorf("group %s not found", outs.AutoScalingGroupName)
	}
	group := g.AutoScalingGroups[0]
	ltv := ""
	if group.LaunchTemplate != nil {
		ltv = aws.ToString(group.LaunchTemplate.Version)
	}
	fmt.Fprintf(s.out, "Auto Scaling group %s: desired %d (min %d, max %d), launches launch template version %s\n",
		outs.AutoScalingGroupName, aws.ToInt32(group.DesiredCapacity), aws.ToInt32(group.MinSize), aws.ToInt32(group.MaxSize), ltv)
	var instances []Instance
	var ids []string
	for _, i := range group.Instances {
		instances = append(instances, Instance{ID: aws.ToString(i.InstanceId), Lifecycle: string(i.LifecycleState), Type: aws.ToString(i.InstanceType)})
		ids = append(ids, aws.ToString(i.InstanceId))
	}
	if len(ids) > 0 {
		images := map[string]string{}
		ip := ec2.NewDescribeInstancesPaginator(s.ec2, &ec2.DescribeInstancesInput{InstanceIds: ids})
		for ip.HasMorePages() {
			page, err := ip.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("instances of %s: %w", outs.AutoScalingGroupName, err)
			}
			for _, r := range page.Reservations {
				for _, i := range r.Instances {
					images[aws.ToString(i.InstanceId)] = aws.ToString(i.ImageId)
				}
			}
		}
		for k := range instances {
			instances[k].Image = images[instances[k].ID]
		}
	}
	slices.SortFunc(instances, func(a, b Instance) int { return strings.Compare(a.ID, b.ID) })
	fmt.Fprintln(tw, "  INSTANCE\tLIFECYCLE\tTYPE\tAMI\t")
	for _, i := range instances {
		mark := "golden"
		if i.Image != golden {
			mark = "older than the golden AMI"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", i.ID, i.Lifecycle, i.Type, i.Image, mark)
	}
	tw.Flush()
	if requireGolden {
		if problems := GoldenProblems(golden, int(aws.ToInt32(group.DesiredCapacity)), instances); len(problems) > 0 {
			return fmt.Errorf("the fleet is not all on the golden AMI:\n  %s", strings.Join(problems, "\n  "))
		}
		fmt.Fprintf(s.out, "check passed: %d instances in service, all running the golden AMI %s\n", len(instances), golden)
	}
	return nil
}

// resources lists the stack's resources, and the template's resources the
// stack does not hold (moto, for one, skips the types it does not know and
// reports them with no id or type).
func resources(ctx context.Context, cfn *cloudformation.Client, stack string, out io.Writer) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(out, "stack %s:\n", stack)
	fmt.Fprintln(tw, "  LOGICAL ID\tTYPE\tPHYSICAL ID\tSTATUS")
	p := cloudformation.NewListStackResourcesPaginator(cfn, &cloudformation.ListStackResourcesInput{StackName: &stack})
	listed := map[string]bool{}
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("stack %s: %w", stack, err)
		}
		for _, r := range page.StackResourceSummaries {
			if aws.ToString(r.LogicalResourceId) == "" {
				continue
			}
			n++
			listed[aws.ToString(r.LogicalResourceId)] = true
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", aws.ToString(r.LogicalResourceId), aws.ToString(r.ResourceType),
				aws.ToString(r.PhysicalResourceId), r.ResourceStatus)
		}
	}
	tmpl, err := cfn.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: &stack})
	if err != nil {
		return fmt.Errorf("template of %s: %w", stack, err)
	}
	missing := MissingResources(aws.ToString(tmpl.TemplateBody), listed)
	for _, m := range missing {
		fmt.Fprintf(tw, "  %s\t%s\t-\tNOT IN THE STACK\n", m[0], m[1])
	}
	tw.Flush()
	fmt.Fprintf(out, "  (%d resources; %d of the template's resources are not in the stack)\n", n, len(missing))
	return nil
}

// MissingResources returns [logical id, type] of every resource of the
// JSON template body that is not in listed, sorted by id.
func MissingResources(body string, listed map[string]bool) [][2]string {
	var t struct {
		Resources map[string]struct{ Type string }
	}
	if err := json.Unmarshal([]byte(body), &t); err != nil {
		return [][2]string{{"(template)", "not JSON: " + err.Error()}}
	}
	var out [][2]string
	for id, r := range t.Resources {
		if !listed[id] {
			out = append(out, [2]string{id, r.Type})
		}
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return out
}
