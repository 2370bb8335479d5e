// Package imagebuild runs a simulated EC2 Image Builder build against an
// emulator (moto has no Image Builder). Run does what the deployed
// distribution configuration tells Image Builder to do, read from the
// templates of the last deploy — nothing more: remove the distribution's
// launch template or SSM parameter configuration, or the execution role's
// permission for it, and the build no longer does it.
//
// The e2e suite (e2e/build_test.go) and the playground's build command
// (cmd/localbuild) share it, so what the playground shows is what the
// tests prove.
package imagebuild

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/immutable-server/golden-fleet/internal/jsontree"
)

// Distribution is the part of an AWS::ImageBuilder::DistributionConfiguration
// that concerns the stack's own region.
type Distribution struct {
	AmiTags         map[string]string
	LaunchTemplates []LaunchTemplateTarget
	Parameters      []ParameterTarget
}

// LaunchTemplateTarget is a launch template the distribution adds a
// version to, by its logical id in the fleet stack.
type LaunchTemplateTarget struct {
	LogicalID  string
	SetDefault bool
}

// ParameterTarget is an SSM parameter the distribution writes.
type ParameterTarget struct {
	Name, DataType string
}

// ReadTemplate reads stack's template from the cloud assembly at dir.
func ReadTemplate(dir, stack string) (map[string]any, error) {
	b, err := os.ReadFile(filepath.Join(dir, stack+".template.json"))
	if err != nil {
		return nil, fmt.Errorf("the last deploy's assembly: %w", err)
	}
	var tpl map[string]any
	if err := json.Unmarshal(b, &tpl); err != nil {
		return nil, fmt.Errorf("%s: %w", stack, err)
	}
	return tpl, nil
}

// ReadDistribution reads the one distribution configuration of the fleet
// stack's template, for region.
func ReadDistribution(dir, fleetStack, region string) (Distribution, error) {
	tpl, err := ReadTemplate(dir, fleetStack)
	if err != nil {
		return Distribution{}, err
	}
	var plan Distribution
	found := 0
	resources, _ := tpl["Resources"].(map[string]any)
	for _, r := range resources {
		if jsontree.Dig(r, "Type") != "AWS::ImageBuilder::DistributionConfiguration" {
			continue
		}
		found++
		dists, _ := jsontree.Dig(r, "Properties", "Distributions").([]any)
		for _, d := range dists {
			if jsontree.Dig(d, "Region") != region {
				continue // copies to other regions: nothing the fleet here reads
			}
			plan.AmiTags = map[string]string{}
			if tags, ok := jsontree.Dig(d, "AmiDistributionConfiguration", "AmiTags").(map[string]any); ok {
				for k, v := range tags {
					plan.AmiTags[k] = fmt.Sprint(v)
				}
			}
			lts, _ := jsontree.Dig(d, "LaunchTemplateConfigurations").([]any)
			for _, lt := range lts {
				id := jsontree.Dig(lt, "LaunchTemplateId")
				logical, _ := jsontree.Dig(id, "Ref").(string)
				if att, ok := jsontree.Dig(id, "Fn::GetAtt").([]any); ok {
					logical = fmt.Sprint(att[0])
				}
				if logical == "" {
					return Distribution{}, fmt.Errorf("distribution names launch template %v: want a Ref or GetAtt of the stack's template", id)
				}
				// "If you don't set a value, Image Builder treats it as
				// true" (LaunchTemplateConfiguration, CloudFormation reference).
				setDefault := true
				if v, ok := jsontree.Dig(lt, "SetDefaultVersion").(bool); ok {
					setDefault = v
				}
				plan.LaunchTemplates = append(plan.LaunchTemplates, LaunchTemplateTarget{logical, setDefault})
			}
			params, _ := jsontree.Dig(d, "SsmParameterConfigurations").([]any)
			for _, p := range params {
				plan.Parameters = append(plan.Parameters, ParameterTarget{fmt.Sprint(jsontree.Dig(p, "ParameterName")), fmt.Sprint(jsontree.Dig(p, "DataType"))})
			}
		}
	}
	if found != 1 {
		return Distribution{}, fmt.Errorf("%s holds %d distribution configurations, want 1", fleetStack, found)
	}
	return plan, nil
}

// ExecutionPolicy lists the explicit statements of the image pipeline's
// execution role, from the image factory's template. The AWS-managed
// EC2ImageBuilderExecutionPolicy is not readable offline: the build
// counts only what the app grants itself.
func ExecutionPolicy(dir, factoryStack string) ([]any, error) {
	tpl, err := ReadTemplate(dir, factoryStack)
	if err != nil {
		return nil, err
	}
	resources, _ := tpl["Resources"].(map[string]any)
	role, policies := ExecutionRole(resources)
	if role == "" {
		return nil, fmt.Errorf("the image pipeline has no execution role from this template")
	}
	var statements []any
	for _, id := range slices.Sorted(maps.Keys(policies)) {
		st, _ := jsontree.Dig(policies[id], "Properties", "PolicyDocument", "Statement").([]any)
		statements = append(statements, st...)
	}
	return statements, nil
}

// ExecutionRole finds, among a template's resources, the logical id of the
// image pipeline's execution role ("" when no pipeline names one) and the
// AWS::IAM::Policy resources attached to that role, by logical id.
func ExecutionRole(resources map[string]any) (role string, policies map[string]any) {
	for _, r := range resources {
		if jsontree.Dig(r, "Type") == "AWS::ImageBuilder::ImagePipeline" {
			if att, ok := jsontree.Dig(r, "Properties", "ExecutionRole", "Fn::GetAtt").([]any); ok {
				role = fmt.Sprint(att[0])
			}
		}
	}
	if role == "" {
		return "", nil
	}
	policies = map[string]any{}
	for id, r := range resources {
		if jsontree.Dig(r, "Type") != "AWS::IAM::Policy" {
			continue
		}
		roles, _ := jsontree.Dig(r, "Properties", "Roles").([]any)
		for _, x := range roles {
			if jsontree.Dig(x, "Ref") == role {
				policies[id] = r
			}
		}
	}
	return role, policies
}

// Allowed evaluates Allow statements for action on resource, whose tags
// are given: actions and ARNs with * wildcards, and StringEquals on
// aws:ResourceTag/KEY. Any other condition does not match. Pseudo
// parameters in ARNs resolve to partition aws, region and account.
func Allowed(statements []any, action, resource string, tags map[string]string, region, account string) bool {
	for _, st := range statements {
		if jsontree.Dig(st, "Effect") != "Allow" {
			continue
		}
		if !anyMatch(jsontree.Dig(st, "Action"), action) || !anyMatch(resolveArn(jsontree.Dig(st, "Resource"), region, account), resource) {
			continue
		}
		ok := true
		if cond, has := jsontree.Dig(st, "Condition").(map[string]any); has {
			for op, kv := range cond {
				if op != "StringEquals" {
					ok = false
					continue
				}
				for k, v := range kv.(map[string]any) {
					key, isTag := strings.CutPrefix(k, "aws:ResourceTag/")
					if !isTag || tags[key] != fmt.Sprint(v) {
						ok = false
					}
				}
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func resolveArn(v any, region, account string) any {
	if parts, ok := jsontree.Dig(v, "Fn::Join").([]any); ok {
		var b strings.Builder
		for _, p := range parts[1].([]any) {
			switch jsontree.Dig(p, "Ref") {
			case "AWS::Partition":
				b.WriteString("aws")
			case "AWS::Region":
				b.WriteString(region)
			case "AWS::AccountId":
				b.WriteString(account)
			default:
				b.WriteString(fmt.Sprint(p))
			}
		}
		return b.String()
	}
	if l, ok := v.([]any); ok {
		out := make([]any, len(l))
		for i, x := range l {
			out[i] = resolveArn(x, region, account)
		}
		return out
	}
	return v
}

func anyMatch(patterns any, value string) bool {
	list, ok := patterns.([]any)
	if !ok {
		list = []any{patterns}
	}
	for _, p := range list {
		re := "^" + strings.ReplaceAll(regexp.QuoteMeta(fmt.Sprint(p)), `\*`, ".*") + "$"
		if regexp.MustCompile("(?i)" + re).MatchString(value) {
			return true
		}
	}
	return false
}

// Clients are the AWS clients a build uses, all in the baking account.
type Clients struct {
	EC2 *ec2.Client
	ASG *autoscaling.Client
	SSM *ssm.Client
	CFN *cloudformation.Client
	// DistributionEC2 and DistributionSSM make the distribution's writes
	// (launch template versions, the default version, the parameters),
	// which Image Builder makes as the pipeline's execution role.
	// Default: EC2 and SSM.
	DistributionEC2 *ec2.Client
	DistributionSSM *ssm.Client
}

// Wait bounds the waits for what AWS does asynchronously: an AMI becoming
// available, Parameter Store's check of an aws:ec2:image value.
const Wait = 60 * time.Second

// Build says which build to run.
type Build struct {
	// Assembly is the cloud assembly of the last deploy: the fleet and
	// image factory templates.
	Assembly                 string
	FleetStack, FactoryStack string
	Region, Account          string
	// Group is the Auto Scaling group whose first InService instance the
	// AMI is made from.
	Group string
	// Name is the new AMI's name.
	Name string
	// Number counts the builds, for the log.
	Number int
	// SourceVersion is the launch template version Image Builder bases
	// the version it adds on, undocumented by AWS: "default" or "latest".
	SourceVersion string
	// Logf, when set, receives a line for each thing the build did.
	Logf func(format string, args ...any)
}

func (b Build) logf(format string, args ...any) {
	if b.Logf != nil {
		b.Logf(format, args...)
	}
}

// Result is what a build made.
type Result struct {
	AMI string
	// Version is the launch template version the build added (0 if the
	// distribution adds none).
	Version int64
}

// Run runs a simulated build: a new AMI from a group instance, then what
// the distribution says, with the permissions the execution role has.
func Run(ctx context.Context, c Clients, b Build) (Result, error) {
	plan, err := ReadDistribution(b.Assembly, b.FleetStack, b.Region)
	if err != nil {
		return Result{}, err
	}
	policy, err := ExecutionPolicy(b.Assembly, b.FactoryStack)
	if err != nil {
		return Result{}, err
	}
	ids, err := inService(ctx, c.ASG, b.Group)
	if err != nil {
		return Result{}, err
	}
	if len(ids) == 0 {
		return Result{}, fmt.Errorf("no instance to make an image from")
	}
	var tags []ec2types.Tag
	for k, v := range plan.AmiTags {
		tags = append(tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	img, err := c.EC2.CreateImage(ctx, &ec2.CreateImageInput{
		InstanceId: aws.String(ids[0]), Name: aws.String(b.Name),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeImage, Tags: tags}},
	})
	if err != nil {
		return Result{}, fmt.Errorf("create image: %w", err)
	}
	res := Result{AMI: aws.ToString(img.ImageId)}
	ami := res.AMI
	// Image Builder distributes an image once its AMI is available;
	// CreateImage answers with a pending one (e2e/moto_server.py S14).
	waiter := ec2.NewImageAvailableWaiter(c.EC2, func(o *ec2.ImageAvailableWaiterOptions) { o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second })
	if err := waiter.Wait(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami}}, Wait); err != nil {
		return res, fmt.Errorf("build %d: AMI %s not available: %w", b.Number, ami, err)
	}
	distEC2, distSSM := c.DistributionEC2, c.DistributionSSM
	if distEC2 == nil {
		distEC2 = c.EC2
	}
	if distSSM == nil {
		distSSM = c.SSM
	}

	for _, target := range plan.LaunchTemplates {
		v, err := distributeToLaunchTemplate(ctx, c, b, distEC2, policy, target, ami)
		if err != nil {
			return res, err
		}
		res.Version = v
	}
	for _, p := range plan.Parameters {
		if err := distributeToParameter(ctx, c, b, distSSM, policy, p, ami); err != nil {
			return res, err
		}
	}
	return res, nil
}

// distributeToLaunchTemplate adds a version with the AMI to the
// distribution's launch template, as Image Builder does (from the source
// version the build says, the default one if asked), and returns it.
func distributeToLaunchTemplate(ctx context.Context, c Clients, b Build, distEC2 *ec2.Client, policy []any, target LaunchTemplateTarget, ami string) (int64, error) {
	sr, err := c.CFN.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{
		StackName: aws.String(b.FleetStack), LogicalResourceId: aws.String(target.LogicalID)})
	if err != nil {
		return 0, fmt.Errorf("the distribution's launch template %s: %w", target.LogicalID, err)
	}
	lt := aws.ToString(sr.StackResourceDetail.PhysicalResourceId)
	d, err := c.EC2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{lt}})
	if err != nil || len(d.LaunchTemplates) != 1 {
		return 0, fmt.Errorf("describe launch template %s: %v", lt, err)
	}
	ltTags := map[string]string{}
	for _, tag := range d.LaunchTemplates[0].Tags {
		ltTags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	ltArn := arn.ARN{Partition: "aws", Service: "ec2", Region: b.Region, AccountID: b.Account, Resource: "launch-template/" + lt}.String()
	if !Allowed(policy, "ec2:CreateLaunchTemplateVersion", ltArn, ltTags, b.Region, b.Account) {
		return 0, fmt.Errorf("build %d: the execution role may not create versions of %s (tags %v): Image Builder's distribution would fail", b.Number, lt, ltTags)
	}
	base, err := sourceVersion(ctx, c.EC2, lt, b.SourceVersion)
	if err != nil {
		return 0, err
	}
	// moto ignores SourceVersion, so the data is passed in full, as a
	// copy of the source version's.
	var data ec2types.RequestLaunchTemplateData
	raw, _ := json.Marshal(base.LaunchTemplateData)
	if err := json.Unmarshal(raw, &data); err != nil {
		return 0, fmt.Errorf("copying launch template data: %w", err)
	}
	data.ImageId = aws.String(ami)
	baseNumber := aws.ToInt64(base.VersionNumber)
	v, err := distEC2.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{
		LaunchTemplateId:   aws.String(lt),
		SourceVersion:      aws.String(fmt.Sprint(baseNumber)),
		VersionDescription: aws.String("e2e: Image Builder distribution of " + ami),
		LaunchTemplateData: &data,
	})
	if err != nil {
		return 0, fmt.Errorf("create launch template version: %w", err)
	}
	version := aws.ToInt64(v.LaunchTemplateVersion.VersionNumber)
	if target.SetDefault {
		if !Allowed(policy, "ec2:ModifyLaunchTemplate", ltArn, ltTags, b.Region, b.Account) {
			return 0, fmt.Errorf("build %d: the execution role may not set the default version of %s", b.Number, lt)
		}
		if _, err := distEC2.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{
			LaunchTemplateId: aws.String(lt), DefaultVersion: aws.String(fmt.Sprint(version)),
		}); err != nil {
			return 0, fmt.Errorf("set default version: %w", err)
		}
	}
	b.logf("build %d: launch template %s version %d (from the %s version, %d), default=%v", b.Number, lt, version, b.SourceVersion, baseNumber, target.SetDefault)
	return version, nil
}

// distributeToParameter writes the AMI into the distribution's parameter
// and waits until Parameter Store holds it.
func distributeToParameter(ctx context.Context, c Clients, b Build, distSSM *ssm.Client, policy []any, p ParameterTarget, ami string) error {
	paramArn := arn.ARN{Partition: "aws", Service: "ssm", Region: b.Region, AccountID: b.Account, Resource: "parameter/" + strings.TrimPrefix(p.Name, "/")}.String()
	if !Allowed(policy, "ssm:PutParameter", paramArn, nil, b.Region, b.Account) {
		return fmt.Errorf("build %d: the execution role may not write %s: Image Builder's distribution would fail", b.Number, p.Name)
	}
	if _, err := distSSM.PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(p.Name), Value: aws.String(ami), Type: ssmtypes.ParameterTypeString,
		DataType: aws.String(p.DataType), Overwrite: aws.Bool(true),
	}); err != nil {
		return fmt.Errorf("put %s: %w", p.Name, err)
	}
	// An aws:ec2:image value is written only once Parameter Store's
	// asynchronous check passed (S13): the build is distributed when
	// the parameter holds the AMI.
	if err := waitForParameter(ctx, c.SSM, p.Name, ami); err != nil {
		return fmt.Errorf("build %d: %w", b.Number, err)
	}
	b.logf("build %d: %s -> %s", b.Number, p.Name, ami)
	return nil
}

// waitForParameter waits until the parameter holds value.
func waitForParameter(ctx context.Context, c *ssm.Client, name, value string) error {
	deadline := time.Now().Add(Wait)
	for {
		p, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
		if err == nil && aws.ToString(p.Parameter.Value) == value {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s does not hold %s %s after PutParameter (last read: %v): Parameter Store's check of the AMI failed", name, value, Wait, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// inService returns the ids of the group's InService instances.
func inService(ctx context.Context, c *autoscaling.Client, group string) ([]string, error) {
	out, err := c.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{group}})
	if err != nil || len(out.AutoScalingGroups) != 1 {
		n := 0
		if out != nil {
			n = len(out.AutoScalingGroups)
		}
		return nil, fmt.Errorf("describe group %s: %v (%d groups)", group, err, n)
	}
	var ids []string
	for _, i := range out.AutoScalingGroups[0].Instances {
		if i.LifecycleState == "InService" {
			ids = append(ids, aws.ToString(i.InstanceId))
		}
	}
	return ids, nil
}

// sourceVersion is the version Image Builder copies: the default or the
// latest (undocumented; which says which).
func sourceVersion(ctx context.Context, c *ec2.Client, lt, which string) (ec2types.LaunchTemplateVersion, error) {
	out, err := c.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(lt)})
	if err != nil {
		return ec2types.LaunchTemplateVersion{}, fmt.Errorf("versions of %s: %w", lt, err)
	}
	var found ec2types.LaunchTemplateVersion
	for _, v := range out.LaunchTemplateVersions {
		if which == "latest" {
			if aws.ToInt64(v.VersionNumber) > aws.ToInt64(found.VersionNumber) {
				found = v
			}
		} else if aws.ToBool(v.DefaultVersion) {
			return v, nil
		}
	}
	if found.VersionNumber == nil {
		return found, fmt.Errorf("launch template %s has no %s version", lt, which)
	}
	return found, nil
}
