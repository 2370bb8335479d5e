package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/marks"
)

// rollbackCommand points the fleet back at an earlier golden AMI. It
// reads the fleet stack's outputs (GoldenAmiParameter, LaunchTemplateId,
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
// It then marks the new golden AMI and its rollback target for the
// lifecycle policies (internal/marks). Running instances are left alone;
// --roll then replaces them (fleetctl roll, roll.go): Auto Scaling's own
// rollback of an instance refresh does not apply when the launch
// template's image is an SSM parameter, so this is the way back. The
// image pipeline's next scheduled run writes a new AMI into the parameter
// and rolls the fleet forward again, unless the pipeline is disabled.
var rollbackCommand = command{
	name:     "rollback",
	synopsis: "--stack <fleet stack> [--to ami-…] [--roll]",
	summary: "point the fleet's golden AMI parameter back at an earlier AMI\n" +
		"(default: the previous distinct value in the parameter's history);\n" +
		"--roll then replaces every instance with one running it",
	required: []string{"stack"},
	declare: func(fs *flag.FlagSet) runFunc {
		stack := fs.String("stack", "", "fleet stack name, for example golden-fleet-prod-fleet (required)")
		to := fs.String("to", "", "AMI to roll back to (default: the previous distinct golden AMI)")
		rollAfter := fs.Bool("roll", false, "then replace every instance with one running it (fleetctl roll with the stack's preferences)")
		return func(ctx context.Context, cfg aws.Config, out io.Writer) error {
			c := clientsOf(cfg)
			r := &rollback{cfn: c.cfn, ssm: c.ssm, ec2: c.ec2, asg: c.asg, ib: c.ib, out: out}
			if err := r.run(ctx, *stack, *to); err != nil || !*rollAfter {
				return err
			}
			return newRoller(cfg, out, defaultPoll).run(ctx, *stack, rollFlags{}, true)
		}
	},
}

type ssmAPI interface {
	ssm.GetParameterHistoryAPIClient
	ssmGetAPI
	PutParameter(context.Context, *ssm.PutParameterInput, ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
}

type ec2API interface {
	ec2.DescribeLaunchTemplateVersionsAPIClient
	DescribeImages(context.Context, *ec2.DescribeImagesInput, ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error)
	ModifyLaunchTemplate(context.Context, *ec2.ModifyLaunchTemplateInput, ...func(*ec2.Options)) (*ec2.ModifyLaunchTemplateOutput, error)
	marks.EC2
}

type rollback struct {
	cfn cfnAPI
	ssm ssmAPI
	ec2 ec2API
	asg asgAPI
	// ib tags the Image Builder image resources of the AMIs it marks.
	ib  marks.ImageBuilder
	out io.Writer
}

func (r *rollback) run(ctx context.Context, stack, to string) error {
	outs, err := stackOutputs(ctx, r.cfn, stack)
	if err != nil {
		return err
	}

	history, err := r.parameterHistory(ctx, outs.goldenAmiParameter)
	if err != nil {
		return err
	}
	current, target, err := rollbackTarget(history, to)
	if err != nil {
		return fmt.Errorf("%s: %w", outs.goldenAmiParameter, err)
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

	versions, err := launchTemplateVersions(ctx, r.ec2, outs.launchTemplateID)
	if err != nil {
		return fmt.Errorf("%w; nothing changed", err)
	}
	group, err := describeGroup(ctx, r.asg, outs.autoScalingGroupName)
	if err != nil {
		return fmt.Errorf("%w; nothing changed", err)
	}
	if group.LaunchTemplate == nil {
		return fmt.Errorf("group %s launches from no launch template: a rollback through the parameter would not reach it; nothing changed", outs.autoScalingGroupName)
	}
	if w := groupVersionWarning(aws.ToString(group.LaunchTemplate.Version), versions, outs.goldenAmiParameter); w != "" {
		return fmt.Errorf("%s; a rollback through the parameter would not reach group %s: nothing changed", w, outs.autoScalingGroupName)
	}
	put, err := r.ssm.PutParameter(ctx, &ssm.PutParameterInput{
		Name:      &outs.goldenAmiParameter,
		Value:     &target,
		Type:      ssmtypes.ParameterTypeString,
		DataType:  aws.String("aws:ec2:image"),
		Overwrite: aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("writing %s into %s: %w", target, outs.goldenAmiParameter, err)
	}
	if err := waitForParameterValue(ctx, r.ssm, outs.goldenAmiParameter, target); err != nil {
		return fmt.Errorf("%w; nothing else changed", err)
	}
	fmt.Fprintf(r.out, "golden AMI parameter %s: %s -> %s (version %d)\n", outs.goldenAmiParameter, current, target, put.Version)
	if err := markGolden(ctx, r.ssm, r.ec2, r.ib, outs.goldenAmiParameter, r.out); err != nil {
		fmt.Fprintf(r.out, "WARNING: %v\n", err)
	}

	if err := r.defaultVersion(ctx, outs.launchTemplateID, versions, target); err != nil {
		return err
	}

	fmt.Fprintf(r.out, "Auto Scaling group %s: running instances are unchanged; every replacement and scale-out now launches %s.\n",
		outs.autoScalingGroupName, target)
	fmt.Fprintln(r.out, forwardWarning(stack, outs.goldenAmiParameter, r.imageTags(ctx, img.Images[0], current)...))
	return nil
}

// defaultVersion makes the newest launch template version carrying
// target the default version, if there is one.
func (r *rollback) defaultVersion(ctx context.Context, templateID string, versions []launchTemplateVersion, target string) error {
	n, ok := defaultVersionFor(versions, target)
	if !ok {
		fmt.Fprintf(r.out, "launch template %s: no version carries %s; default version unchanged\n", templateID, target)
		return nil
	}
	if _, err := r.ec2.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{
		LaunchTemplateId: &templateID,
		DefaultVersion:   aws.String(strconv.FormatInt(n, 10)),
	}); err != nil {
		return fmt.Errorf("the parameter now holds %s, but setting the default version of launch template %s to %d failed: %w",
			target, templateID, n, err)
	}
	fmt.Fprintf(r.out, "launch template %s: default version -> %d (the newest version carrying %s)\n", templateID, n, target)
	return nil
}

// imageTags are the tags of the AMI rolled back to and, when it can be
// read, of the one rolled back from.
func (r *rollback) imageTags(ctx context.Context, target ec2types.Image, current string) []map[string]string {
	tags := []map[string]string{tagMap(target.Tags)}
	if cur, err := r.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{current}}); err == nil {
		for _, i := range cur.Images {
			if aws.ToString(i.ImageId) == current {
				tags = append(tags, tagMap(i.Tags))
			}
		}
	}
	return tags
}

// forwardWarning says what writes the next AMI into the parameter and so
// rolls the fleet forward again. An environment that promotes (its golden
// AMIs are promoted copies, tagged with the environment they came from)
// bakes nothing: there it is the next promotion, not a pipeline. tags are
// those of the AMIs the parameter held and now holds.
func forwardWarning(stack, parameter string, tags ...map[string]string) string {
	for _, t := range tags {
		from := t[config.PromotedFromEnvironmentTagKey]
		if from == "" {
			continue
		}
		env := t[config.EnvironmentTagKey]
		if n, ok := config.NamesOfGoldenParameter(parameter); env == "" && ok {
			env = n.Env
		}
		return fmt.Sprintf("WARNING: the next promotion into %s (fleetctl promote --from %s --to %s) will write a new AMI into %s and roll the fleet forward again: "+
			"promote only once the faulty change is fixed in %s.", or(env, "this environment"), from, or(env, "<env>"), parameter, from)
	}
	pipeline, factory := pipelineHint(stack)
	if pipeline == "" {
		pipeline, factory = "the image pipeline", "the image factory stack"
	}
	return fmt.Sprintf("WARNING: the next scheduled run of %s (stack %s) will write a new AMI into %s and roll the fleet forward again, "+
		"unless the pipeline is disabled (set its status to DISABLED until the faulty change is fixed).", pipeline, factory, parameter)
}

// parameterHistory is every version of the parameter called name, in the
// order GetParameterHistory lists them.
func (r *rollback) parameterHistory(ctx context.Context, name string) ([]parameterVersion, error) {
	var history []parameterVersion
	p := ssm.NewGetParameterHistoryPaginator(r.ssm, &ssm.GetParameterHistoryInput{Name: &name})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", name, err)
		}
		for _, h := range page.Parameters {
			history = append(history, parameterVersion{version: h.Version, value: aws.ToString(h.Value)})
		}
	}
	return history, nil
}

// --- pure rollback logic: no AWS calls, unit-tested in rollback_test.go ---

// parameterVersion is one entry of an SSM parameter's history.
type parameterVersion struct {
	version int64
	value   string
}

// rollbackTarget returns the parameter's current value and the AMI to roll
// back to. With to set, that is the target. Otherwise it is the newest value
// in the history that differs from the current one: the golden AMI before
// the current one, even when a build wrote the same AMI twice.
func rollbackTarget(history []parameterVersion, to string) (current, target string, err error) {
	if len(history) == 0 {
		return "", "", fmt.Errorf("the golden parameter has no history")
	}
	h := slices.Clone(history)
	slices.SortFunc(h, func(a, b parameterVersion) int { return int(a.version - b.version) })
	current = h[len(h)-1].value
	if to != "" {
		if !isAMIID(to) {
			return current, "", fmt.Errorf("--to %q: want an AMI id (ami- and 8 or 17 hex digits)", to)
		}
		if to == current {
			return current, "", fmt.Errorf("the golden AMI is already %s: nothing to roll back", to)
		}
		return current, to, nil
	}
	for i := len(h) - 2; i >= 0; i-- {
		if h[i].value != current {
			if !isAMIID(h[i].value) {
				return current, "", fmt.Errorf("the previous golden value (version %d) is %q, not an AMI id: pass --to ami-…", h[i].version, h[i].value)
			}
			return current, h[i].value, nil
		}
	}
	return current, "", fmt.Errorf("every version of the golden parameter holds %s: there is no earlier golden AMI to roll back to (pass --to ami-…)", current)
}

// launchTemplateVersion is one version of a launch template.
type launchTemplateVersion struct {
	number       int64
	imageID      string
	isDefault    bool
	instanceType string
	description  string
}

// defaultVersionFor returns the newest version whose image id is ami: the
// version Image Builder wrote when it distributed ami, with the launch
// template data of that time. ok is false when no version carries ami
// (for example the seed image, which only the parameter ever held).
func defaultVersionFor(versions []launchTemplateVersion, ami string) (number int64, ok bool) {
	for _, v := range versions {
		if v.imageID == ami && v.number > number {
			number, ok = v.number, true
		}
	}
	return number, ok
}

// pipelineHint names the image pipeline that feeds a fleet stack, and the
// stack it is in, from the app's naming (config.PipelineOfFleetStack);
// empty when stack is not named like a fleet stack.
func pipelineHint(stack string) (pipeline, factoryStack string) {
	pipeline, factoryStack, _ = config.PipelineOfFleetStack(stack)
	return pipeline, factoryStack
}

// groupVersionWarning checks that the launch template version the group
// launches resolves the golden parameter at launch. If it carries a
// literal AMI (an Image Builder version), writing the parameter does not
// reach the group's launches; the returned text says so. groupVersion is
// the group's LaunchTemplate.Version: a number, $Default or $Latest.
func groupVersionWarning(groupVersion string, versions []launchTemplateVersion, parameter string) string {
	var v *launchTemplateVersion
	for k := range versions {
		switch {
		case groupVersion == "$Default" && versions[k].isDefault,
			groupVersion == "$Latest" && (v == nil || versions[k].number > v.number),
			groupVersion == fmt.Sprint(versions[k].number):
			v = &versions[k]
		}
	}
	if v == nil {
		return fmt.Sprintf("the group launches launch template version %q, which does not exist", groupVersion)
	}
	if v.imageID == "resolve:ssm:"+parameter || strings.HasPrefix(v.imageID, "resolve:ssm:"+parameter+":") {
		return ""
	}
	return fmt.Sprintf("the group launches launch template version %d (%s), whose image is %s, not resolve:ssm:%s: "+
		"the group's launches do not follow the parameter until the fleet stack is deployed with a launch template change",
		v.number, groupVersion, v.imageID, parameter)
}
