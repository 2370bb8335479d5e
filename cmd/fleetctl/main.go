// Command fleetctl operates a deployed golden fleet.
//
//	fleetctl rollback --stack golden-fleet-<env>-fleet [--to ami-…] [--region R] [--endpoint-url URL]
//
// rollback points the fleet back at an earlier golden AMI. It reads the
// fleet stack's outputs (GoldenAmiParameter, LaunchTemplateId,
// AutoScalingGroupName), then
//
//  1. picks the target: --to, or the previous distinct value in the golden
//     parameter's history (ssm:GetParameterHistory);
//  2. checks that the target AMI exists and is available, and that the
//     group launches a launch template version whose image is
//     resolve:ssm:<golden parameter> (else the rollback would not reach
//     it), changing nothing when a check fails;
//  3. writes it into the golden parameter: every instance the group
//     launches from now on (replacements, scale-outs) runs it;
//  4. makes the newest launch template version carrying that AMI the
//     default version, if there is one, so the next Image Builder build
//     starts from the launch template data of that time.
//
// Running instances are left alone. The image pipeline's next scheduled
// run writes a new AMI into the parameter and rolls the fleet forward
// again, unless the pipeline is disabled.
//
// Credentials, region and endpoint come from the AWS SDK's usual sources
// (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, …); --region and
// --endpoint-url override them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

const usage = `usage: fleetctl rollback --stack <fleet stack> [--to ami-…] [--region R] [--endpoint-url URL]
       fleetctl status   --stack <fleet stack> [--require-golden] [--findings] [--region R] [--endpoint-url URL]
       fleetctl resources --stack <any stack> [--region R] [--endpoint-url URL]

rollback   point the fleet's golden AMI parameter back at an earlier AMI
           (default: the previous distinct value in the parameter's history)
status     the golden AMI, the launch template versions and every instance of
           the group with its AMI, the golden AMI's vulnerability scan;
           --require-golden fails unless the group is at its desired capacity
           and every instance runs the golden AMI; --findings lists every
           finding of the scan
resources  the stack's resources
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fleetctl:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || (args[0] != "rollback" && args[0] != "status" && args[0] != "resources") {
		return errors.New("want a subcommand\n" + usage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	stack := fs.String("stack", "", "fleet stack name, for example golden-fleet-prod-fleet (required)")
	var to *string
	var requireGolden, findings *bool
	switch cmd {
	case "rollback":
		to = fs.String("to", "", "AMI to roll back to (default: the previous distinct golden AMI)")
	case "status":
		requireGolden = fs.Bool("require-golden", false, "fail unless the group is at its desired capacity and every instance runs the golden AMI")
		findings = fs.Bool("findings", false, "list every vulnerability finding of the golden AMI's scan (fails when the scan cannot be read)")
	}
	region := fs.String("region", "", "AWS region (default: the SDK's, e.g. AWS_REGION)")
	endpoint := fs.String("endpoint-url", "", "AWS endpoint URL (default: the SDK's, e.g. AWS_ENDPOINT_URL)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *stack == "" || fs.NArg() > 0 {
		return fmt.Errorf("%s: --stack is required and takes no positional arguments\n%s", cmd, usage)
	}
	var opts []func(*awsconfig.LoadOptions) error
	if *region != "" {
		opts = append(opts, awsconfig.WithRegion(*region))
	}
	if *endpoint != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(*endpoint))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fmt.Errorf("AWS configuration: %w", err)
	}
	switch cmd {
	case "status":
		s := &status{cfn: cloudformation.NewFromConfig(cfg), ssm: ssm.NewFromConfig(cfg), ec2: ec2.NewFromConfig(cfg),
			asg: autoscaling.NewFromConfig(cfg), out: out,
			scan: &scanReport{ec2: ec2.NewFromConfig(cfg), ib: imagebuilder.NewFromConfig(cfg), out: out, list: *findings}}
		return s.run(ctx, *stack, *requireGolden)
	case "resources":
		return resources(ctx, cloudformation.NewFromConfig(cfg), *stack, out)
	}
	r := &rollback{
		cfn: cloudformation.NewFromConfig(cfg),
		ssm: ssm.NewFromConfig(cfg),
		ec2: ec2.NewFromConfig(cfg),
		asg: autoscaling.NewFromConfig(cfg),
		out: out,
	}
	return r.run(ctx, *stack, *to)
}

type cfnAPI interface {
	DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

type ssmAPI interface {
	ssm.GetParameterHistoryAPIClient
	PutParameter(context.Context, *ssm.PutParameterInput, ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
}

type ec2API interface {
	ec2.DescribeLaunchTemplateVersionsAPIClient
	DescribeImages(context.Context, *ec2.DescribeImagesInput, ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error)
	ModifyLaunchTemplate(context.Context, *ec2.ModifyLaunchTemplateInput, ...func(*ec2.Options)) (*ec2.ModifyLaunchTemplateOutput, error)
}

type rollback struct {
	cfn cfnAPI
	ssm ssmAPI
	ec2 ec2API
	asg asgAPI
	out io.Writer
}

func stackOutputs(ctx context.Context, cfn cfnAPI, stack string) (Outputs, error) {
	st, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &stack})
	if err != nil {
		return Outputs{}, fmt.Errorf("stack %s: %w", stack, err)
	}
	if len(st.Stacks) != 1 {
		return Outputs{}, fmt.Errorf("stack %s: found %d stacks", stack, len(st.Stacks))
	}
	kv := map[string]string{}
	for _, o := range st.Stacks[0].Outputs {
		kv[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return ParseOutputs(stack, kv)
}

func (r *rollback) run(ctx context.Context, stack, to string) error {
	outs, err := stackOutputs(ctx, r.cfn, stack)
	if err != nil {
		return err
	}

	var history []ParamVersion
	p := ssm.NewGetParameterHistoryPaginator(r.ssm, &ssm.GetParameterHistoryInput{Name: &outs.GoldenAmiParameter})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("history of %s: %w", outs.GoldenAmiParameter, err)
		}
		for _, h := range page.Parameters {
			history = append(history, ParamVersion{Version: h.Version, Value: aws.ToString(h.Value)})
		}
	}
	current, target, err := RollbackTarget(history, to)
	if err != nil {
		return fmt.Errorf("%s: %w", outs.GoldenAmiParameter, err)
	}

	img, err := r.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{target}})
	if err != nil {
		return fmt.Errorf("AMI %s: %w", target, err)
	}
	if len(img.Images) != 1 || img.Images[0].State != ec2types.ImageStateAvailable {
		state := "not found"
		if len(img.Images) == 1 {
			state = string(img.Images[0].State)
		}
		return fmt.Errorf("AMI %s is %s: instances could not launch from it; nothing changed", target, state)
	}

	var versions []LTVersion
	vp := ec2.NewDescribeLaunchTemplateVersionsPaginator(r.ec2, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: &outs.LaunchTemplateID})
	for vp.HasMorePages() {
		page, err := vp.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("launch template %s: %w", outs.LaunchTemplateID, err)
		}
		for _, v := range page.LaunchTemplateVersions {
			image := ""
			if v.LaunchTemplateData != nil {
				image = aws.ToString(v.LaunchTemplateData.ImageId)
			}
			versions = append(versions, LTVersion{Number: aws.ToInt64(v.VersionNumber), ImageID: image, Default: aws.ToBool(v.DefaultVersion)})
		}
	}
	g, err := r.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{outs.AutoScalingGroupName}})
	if err != nil || len(g.AutoScalingGroups) != 1 || g.AutoScalingGroups[0].LaunchTemplate == nil {
		return fmt.Errorf("group %s: %v; nothing changed", outs.AutoScalingGroupName, err)
	}
	if w := GroupVersionWarning(aws.ToString(g.AutoScalingGroups[0].LaunchTemplate.Version), versions, outs.GoldenAmiParameter); w != "" {
		return fmt.Errorf("%s; a rollback through the parameter would not reach group %s: nothing changed", w, outs.AutoScalingGroupName)
	}
	put, err := r.ssm.PutParameter(ctx, &ssm.PutParameterInput{
		Name:      &outs.GoldenAmiParameter,
		Value:     &target,
		Type:      ssmtypes.ParameterTypeString,
		DataType:  aws.String("aws:ec2:image"),
		Overwrite: aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("writing %s into %s: %w", target, outs.GoldenAmiParameter, err)
	}
	fmt.Fprintf(r.out, "golden AMI parameter %s: %s -> %s (version %d)\n", outs.GoldenAmiParameter, current, target, put.Version)

	if n, ok := DefaultVersionFor(versions, target); ok {
		if _, err := r.ec2.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{
			LaunchTemplateId: &outs.LaunchTemplateID,
			DefaultVersion:   aws.String(strconv.FormatInt(n, 10)),
		}); err != nil {
			return fmt.Errorf("the parameter now holds %s, but setting the default version of launch template %s to %d failed: %w",
				target, outs.LaunchTemplateID, n, err)
		}
		fmt.Fprintf(r.out, "launch template %s: default version -> %d (the newest version carrying %s)\n", outs.LaunchTemplateID, n, target)
	} else {
		fmt.Fprintf(r.out, "launch template %s: no version carries %s; default version unchanged\n", outs.LaunchTemplateID, target)
	}

	fmt.Fprintf(r.out, "Auto Scaling group %s: running instances are unchanged; every replacement and scale-out now launches %s.\n",
		outs.AutoScalingGroupName, target)
	pipeline, factory := PipelineHint(stack)
	if pipeline == "" {
		pipeline, factory = "the image pipeline", "the image factory stack"
	}
	fmt.Fprintf(r.out, "WARNING: the next scheduled run of %s (stack %s) will write a new AMI into %s and roll the fleet forward again, "+
		"unless the pipeline is disabled (set its status to DISABLED until the faulty change is fixed).\n",
		pipeline, factory, outs.GoldenAmiParameter)
	return nil
}
