//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/immutable-server/golden-fleet/config"
)

// A simulated Image Builder build. moto has no Image Builder, so build()
// does what the deployed distribution configuration tells Image Builder to
// do, read from the templates of the last deploy — nothing more: remove
// the distribution's launch template or SSM parameter configuration, or
// the execution role's permission for it, and the build no longer does it.

// distributionPlan is the part of an AWS::ImageBuilder::DistributionConfiguration
// that concerns the stack's own region.
type distributionPlan struct {
	amiTags         map[string]string
	launchTemplates []launchTemplateTarget
	parameters      []parameterTarget
}

type launchTemplateTarget struct {
	logicalID  string
	setDefault bool
}

type parameterTarget struct {
	name, dataType string
}

func readTemplate(t *testing.T, stack string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(assembly, stack+".template.json"))
	if err != nil {
		t.Fatalf("the last deploy's assembly: %v", err)
	}
	var tpl map[string]any
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func readDistribution(t *testing.T) distributionPlan {
	t.Helper()
	tpl := readTemplate(t, fleetName)
	var plan distributionPlan
	found := 0
	for _, r := range tpl["Resources"].(map[string]any) {
		if dig(r, "Type") != "AWS::ImageBuilder::DistributionConfiguration" {
			continue
		}
		found++
		dists, _ := dig(r, "Properties", "Distributions").([]any)
		for _, d := range dists {
			if dig(d, "Region") != region {
				continue // copies to other regions: nothing the fleet here reads
			}
			plan.amiTags = map[string]string{}
			if tags, ok := dig(d, "AmiDistributionConfiguration", "AmiTags").(map[string]any); ok {
				for k, v := range tags {
					plan.amiTags[k] = fmt.Sprint(v)
				}
			}
			lts, _ := dig(d, "LaunchTemplateConfigurations").([]any)
			for _, lt := range lts {
				id := dig(lt, "LaunchTemplateId")
				logical, _ := dig(id, "Ref").(string)
				if att, ok := dig(id, "Fn::GetAtt").([]any); ok {
					logical = fmt.Sprint(att[0])
				}
				if logical == "" {
					t.Fatalf("distribution names launch template %v: want a Ref or GetAtt of the stack's template", id)
				}
				// "If you don't set a value, Image Builder treats it as
				// true" (LaunchTemplateConfiguration, CloudFormation reference).
				setDefault := true
				if v, ok := dig(lt, "SetDefaultVersion").(bool); ok {
					setDefault = v
				}
				plan.launchTemplates = append(plan.launchTemplates, launchTemplateTarget{logical, setDefault})
			}
			params, _ := dig(d, "SsmParameterConfigurations").([]any)
			for _, p := range params {
				plan.parameters = append(plan.parameters, parameterTarget{fmt.Sprint(dig(p, "ParameterName")), fmt.Sprint(dig(p, "DataType"))})
			}
		}
	}
	if found != 1 {
		t.Fatalf("%s holds %d distribution configurations, want 1", fleetName, found)
	}
	return plan
}

// executionPolicy lists the explicit statements of the image pipeline's
// execution role, from the image factory's template. The AWS-managed
// EC2ImageBuilderExecutionPolicy is not readable offline: the build
// counts only what the app grants itself.
func executionPolicy(t *testing.T) []any {
	t.Helper()
	tpl := readTemplate(t, names.Stack(config.ImageFactoryStack))
	var role string
	for _, r := range tpl["Resources"].(map[string]any) {
		if dig(r, "Type") == "AWS::ImageBuilder::ImagePipeline" {
			if att, ok := dig(r, "Properties", "ExecutionRole", "Fn::GetAtt").([]any); ok {
				role = fmt.Sprint(att[0])
			}
		}
	}
	if role == "" {
		t.Fatal("the image pipeline has no execution role from this template")
	}
	var statements []any
	for _, r := range tpl["Resources"].(map[string]any) {
		if dig(r, "Type") != "AWS::IAM::Policy" {
			continue
		}
		roles, _ := dig(r, "Properties", "Roles").([]any)
		for _, x := range roles {
			if dig(x, "Ref") == role {
				st, _ := dig(r, "Properties", "PolicyDocument", "Statement").([]any)
				statements = append(statements, st...)
			}
		}
	}
	return statements
}

// allowed evaluates Allow statements for action on resource, whose tags
// are given: actions and ARNs with * wildcards, and StringEquals on
// aws:ResourceTag/KEY. Any other condition does not match.
func allowed(statements []any, action, resource string, tags map[string]string) bool {
	for _, st := range statements {
		if dig(st, "Effect") != "Allow" {
			continue
		}
		if !anyMatch(dig(st, "Action"), action) || !anyMatch(resolveArn(dig(st, "Resource")), resource) {
			continue
		}
		ok := true
		if cond, has := dig(st, "Condition").(map[string]any); has {
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

func resolveArn(v any) any {
	if parts, ok := dig(v, "Fn::Join").([]any); ok {
		var b strings.Builder
		for _, p := range parts[1].([]any) {
			switch dig(p, "Ref") {
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
			out[i] = resolveArn(x)
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

var builds int

// build runs a simulated build: a new AMI from a group instance, then what
// the distribution says, with the permissions the execution role has. It
// returns the AMI and the launch template version it added (0 if the
// distribution adds none).
func build(t *testing.T) (ami string, version int64) {
	t.Helper()
	ctx := context.Background()
	f := outputs(t)
	plan := readDistribution(t)
	policy := executionPolicy(t)
	ib := imageBuilder(t) // the distribution's calls, as the pipeline's execution role
	builds++
	ids, _ := groupInstances(t, f.group)
	if len(ids) == 0 {
		t.Fatalf("no instance to make an image from")
	}
	var tags []ec2types.Tag
	for k, v := range plan.amiTags {
		tags = append(tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	img, err := aws_.ec2.CreateImage(ctx, &ec2.CreateImageInput{
		InstanceId: aws.String(ids[0]), Name: aws.String(fmt.Sprintf("%s-%s-e2e-build-%d", prefix, envName, builds)),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeImage, Tags: tags}},
	})
	if err != nil {
		t.Fatalf("create image: %v", err)
	}
	ami = aws.ToString(img.ImageId)
	waitForImage(ctx, t, ami) // S14: a build distributes an available image

	for _, target := range plan.launchTemplates {
		res, err := aws_.cfn.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{
			StackName: aws.String(fleetName), LogicalResourceId: aws.String(target.logicalID)})
		if err != nil {
			t.Fatalf("the distribution's launch template %s: %v", target.logicalID, err)
		}
		lt := aws.ToString(res.StackResourceDetail.PhysicalResourceId)
		d, err := aws_.ec2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{lt}})
		if err != nil || len(d.LaunchTemplates) != 1 {
			t.Fatalf("describe launch template %s: %v", lt, err)
		}
		ltTags := map[string]string{}
		for _, tag := range d.LaunchTemplates[0].Tags {
			ltTags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
		arn := fmt.Sprintf("arn:aws:ec2:%s:%s:launch-template/%s", region, account, lt)
		if !allowed(policy, "ec2:CreateLaunchTemplateVersion", arn, ltTags) {
			t.Fatalf("build %d: the execution role may not create versions of %s (tags %v): Image Builder's distribution would fail", builds, lt, ltTags)
		}
		base := sourceVersion(t, lt)
		// moto ignores SourceVersion, so the data is passed in full, as a
		// copy of the source version's.
		var data ec2types.RequestLaunchTemplateData
		b, _ := json.Marshal(base.data)
		if err := json.Unmarshal(b, &data); err != nil {
			t.Fatalf("copying launch template data: %v", err)
		}
		data.ImageId = aws.String(ami)
		v, err := ib.ec2.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{
			LaunchTemplateId:   aws.String(lt),
			SourceVersion:      aws.String(fmt.Sprint(base.number)),
			VersionDescription: aws.String("e2e: Image Builder distribution of " + ami),
			LaunchTemplateData: &data,
		})
		if err != nil {
			t.Fatalf("create launch template version: %v", err)
		}
		version = aws.ToInt64(v.LaunchTemplateVersion.VersionNumber)
		if target.setDefault {
			if !allowed(policy, "ec2:ModifyLaunchTemplate", arn, ltTags) {
				t.Fatalf("build %d: the execution role may not set the default version of %s", builds, lt)
			}
			if _, err := ib.ec2.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{
				LaunchTemplateId: aws.String(lt), DefaultVersion: aws.String(fmt.Sprint(version)),
			}); err != nil {
				t.Fatalf("set default version: %v", err)
			}
		}
		logf("build %d: launch template %s version %d (from the %s version, %d), default=%v", builds, lt, version, emulator.sourceVersion, base.number, target.setDefault)
	}
	for _, p := range plan.parameters {
		arn := fmt.Sprintf("arn:aws:ssm:%s:%s:parameter/%s", region, account, strings.TrimPrefix(p.name, "/"))
		if !allowed(policy, "ssm:PutParameter", arn, nil) {
			t.Fatalf("build %d: the execution role may not write %s: Image Builder's distribution would fail", builds, p.name)
		}
		if _, err := ib.ssm.PutParameter(ctx, &ssm.PutParameterInput{
			Name: aws.String(p.name), Value: aws.String(ami), Type: ssmtypes.ParameterTypeString,
			DataType: aws.String(p.dataType), Overwrite: aws.Bool(true),
		}); err != nil {
			t.Fatalf("put %s: %v", p.name, err)
		}
		waitForParameter(ctx, t, p.name, ami) // S13
		logf("build %d: %s -> %s", builds, p.name, ami)
	}
	return ami, version
}

// sourceVersion is the version Image Builder copies: the default or the
// latest (undocumented; the run's emulator.sourceVersion says which).
func sourceVersion(t *testing.T, lt string) ltVersion {
	t.Helper()
	if emulator.sourceVersion == "latest" {
		var latest ltVersion
		for _, v := range versions(t, lt) {
			if v.number > latest.number {
				latest = v
			}
		}
		return latest
	}
	return defaultVersion(t, lt)
}
