//go:build e2e

package e2e

// Promotion across two accounts on moto (issue 9). Two environments of
// their own, so the rollout tests' "local" environment is untouched:
//
//	src  account 123456789012 (moto's default), bakes, fleet stack only
//	dst  account 210987654321, promotes from src, fleet stack only
//
// Both use the default VPC of their account (Network.Existing), so no
// network stack is deployed. moto separates accounts by the access key:
// the credentials of an sts:AssumeRole into a role of account N act in N
// (moto/core/responses.py get_current_account), so dst is deployed,
// bootstrapped and promoted to with credentials from an AssumeRole into
// 210987654321, and fleetctl reaches src through its access role as on
// AWS.
//
// moto has no Image Builder: the promotion copies with --copy-with ec2
// (share, then ec2:CopyImage; e2e/moto_promotion.py lets moto copy an AMI
// another account shared), and the image-tests gate, which reads Image
// Builder, fails here and is overridden with a reason. The soak gate
// (instances, health, alarms) runs for real, and so does the
// vulnerabilities gate: src scans ON_DEMAND_AMI_CVE (the default), whose
// results EC2 reports on the AMI (S12, e2e/moto_inspector.py); the tests
// write the scans Amazon Inspector would (inspectorScanned).

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/immutable-server/golden-fleet/config"
)

const (
	promoSource   = "src"
	promoTarget   = "dst"
	targetAccount = "210987654321"
	soakTime      = 2 * time.Second
)

var promo struct {
	once    sync.Once
	err     error
	cfgPath string
	// target are clients in the target account; targetEnv its
	// credentials for the CLI and fleetctl.
	target    awsClients
	targetEnv []string
	// group of each environment, from its fleet stack.
	srcGroup, dstGroup string
	// builds counts the source builds.
	builds int
	// dstAfterDeploy is the target's golden parameter right after its
	// first deploy (value, version); dstSeed the AMI its seed, an SSM
	// path, named then in the target account.
	dstAfterDeploy ssmtypes.Parameter
	dstSeed        string
}

var (
	srcNames = config.Names{Prefix: prefix, Env: promoSource}
	dstNames = config.Names{Prefix: prefix, Env: promoTarget}
	srcParam = srcNames.GoldenParameter()
	dstParam = dstNames.GoldenParameter()
)

func setupPromotion(t *testing.T) {
	t.Helper()
	promo.once.Do(func() { promo.err = deployPromotion() })
	if promo.err != nil {
		t.Fatal(promo.err)
	}
}

// targetEnvOf is the environment of the CLI and fleetctl acting in the
// target account with the credentials c of an sts:AssumeRole there.
func targetEnvOf(c *ststypes.Credentials) []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + aws.ToString(c.AccessKeyId), "AWS_SECRET_ACCESS_KEY=" + aws.ToString(c.SecretAccessKey),
		"AWS_SESSION_TOKEN=" + aws.ToString(c.SessionToken), "CDK_DEFAULT_ACCOUNT=" + targetAccount,
	}
}

// defaultSubnets returns two default subnets of the account's default VPC.
func defaultSubnets(ctx context.Context, c *ec2.Client) (*config.ExistingVPC, error) {
	out, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil {
		return nil, err
	}
	subnets := out.Subnets
	slices.SortFunc(subnets, func(a, b ec2types.Subnet) int {
		return strings.Compare(aws.ToString(a.AvailabilityZone), aws.ToString(b.AvailabilityZone))
	})
	if len(subnets) < 2 {
		return nil, fmt.Errorf("%d default subnets, want 2", len(subnets))
	}
	e := &config.ExistingVPC{VpcID: aws.ToString(subnets[0].VpcId)}
	for _, s := range subnets[:2] {
		e.PrivateSubnetIDs = append(e.PrivateSubnetIDs, aws.ToString(s.SubnetId))
		e.AvailabilityZones = append(e.AvailabilityZones, aws.ToString(s.AvailabilityZone))
	}
	return e, nil
}

// writePromotionConfig writes the promotion's configuration to
// promo.cfgPath: the source environment in this account and the target,
// promoting from it, in the other, each on its account's default subnets.
// It returns the target.
func writePromotionConfig(srcNet, dstNet *config.ExistingVPC) (config.Environment, error) {
	local := baseConfig().Environments[0]
	src := local
	src.Name, src.Tags = promoSource, map[string]string{"environment": promoSource}
	src.Network = config.Network{Existing: srcNet}
	dst := local
	dst.Name, dst.Account, dst.Tags = promoTarget, targetAccount, map[string]string{"environment": promoTarget}
	dst.Network = config.Network{Existing: dstNet}
	dst.Image = config.Image{}
	dst.Promotion = &config.Promotion{From: promoSource, SoakTime: soakTime}
	cfg := config.App{Prefix: prefix, Environments: []config.Environment{src, dst}}
	if _, err := config.Validate(cfg, nil, config.Context{}); err != nil {
		return config.Environment{}, fmt.Errorf("promotion config: %w", err)
	}
	data, _ := json.MarshalIndent(cfg, "", "  ")
	promo.cfgPath = filepath.Join(workDir, "promotion-config.json")
	if err := os.WriteFile(promo.cfgPath, data, 0o644); err != nil {
		return config.Environment{}, err
	}
	return dst, nil
}

// deployPromotion gets credentials for the target account, bootstraps it,
// and deploys both fleet stacks with the real CDK CLI.
func deployPromotion() error {
	ctx := context.Background()
	srcCfg, err := awsConfig(ctx, operatorCreds)
	if err != nil {
		return err
	}
	role, err := sts.NewFromConfig(srcCfg).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + targetAccount + ":role/golden-fleet-e2e"), RoleSessionName: aws.String("e2e"),
	})
	if err != nil {
		return fmt.Errorf("assume a role in %s: %w", targetAccount, err)
	}
	dstCfg, err := awsConfig(ctx, sessionCreds(role.Credentials))
	if err != nil {
		return err
	}
	promo.target = clientsFor(dstCfg)
	promo.targetEnv = targetEnvOf(role.Credentials)
	srcNet, err := defaultSubnets(ctx, aws_.ec2)
	if err != nil {
		return fmt.Errorf("account %s: %w", account, err)
	}
	dstNet, err := defaultSubnets(ctx, promo.target.ec2)
	if err != nil {
		return fmt.Errorf("account %s: %w", targetAccount, err)
	}

	dst, err := writePromotionConfig(srcNet, dstNet)
	if err != nil {
		return err
	}

	if out, err := runIn(root, promo.targetEnv, cdk, "bootstrap", "aws://"+targetAccount+"/"+region, "--output", filepath.Join(workDir, "bootstrap-target.out")); err != nil {
		return fmt.Errorf("cdk bootstrap %s: %v\n%s", targetAccount, err, out)
	}
	// One configuration, one synthesis: the target's stack is deployed
	// from the assembly the source's deploy synthesized (its stacks name
	// their accounts: synthesized with the target's credentials, the
	// assembly was byte-identical, BENCHMARKS.md).
	app, assemblyDir := configApp, filepath.Join(workDir, "cdk.out-"+promoSource)
	for _, d := range []struct {
		env   string
		extra []string
	}{{promoSource, nil}, {promoTarget, promo.targetEnv}} {
		stack := config.Names{Prefix: prefix, Env: d.env}.Stack(config.FleetStack)
		out, err := runIn(root, append([]string{"GOLDEN_FLEET_CONFIG=" + promo.cfgPath}, d.extra...), cdk, "deploy", stack,
			"--app", app, "--output", assemblyDir,
			"--method=direct", "--require-approval", "never", "--progress", "events", "--no-notices")
		if err != nil {
			return fmt.Errorf("cdk deploy %s: %v\n%s", stack, err, out)
		}
		app = assemblyDir
	}
	if promo.srcGroup, err = groupOf(ctx, aws_, promoSource); err != nil {
		return err
	}
	if promo.dstGroup, err = groupOf(ctx, promo.target, promoTarget); err != nil {
		return err
	}
	p, err := promo.target.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(dstParam)})
	if err != nil {
		return fmt.Errorf("%s in %s after the deploy: %w", dstParam, targetAccount, err)
	}
	promo.dstAfterDeploy = *p.Parameter
	seed, err := promo.target.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(dst.WithDefaults().Fleet.SeedImage)})
	if err != nil {
		return fmt.Errorf("the seed %s in %s: %w", dst.WithDefaults().Fleet.SeedImage, targetAccount, err)
	}
	promo.dstSeed = aws.ToString(seed.Parameter.Value)
	return nil
}

func groupOf(ctx context.Context, c awsClients, env string) (string, error) {
	name := config.Names{Prefix: prefix, Env: env}.Stack(config.FleetStack)
	st, err := c.cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		return "", fmt.Errorf("describe %s: %w", name, err)
	}
	for _, o := range st.Stacks[0].Outputs {
		if aws.ToString(o.OutputKey) == config.AutoScalingGroupNameOutput {
			return aws.ToString(o.OutputValue), nil
		}
	}
	return "", fmt.Errorf("%s has no AutoScalingGroupName output", name)
}

// inAccount runs f with the harness helpers (replaceOne, groupInstances,
// …) talking to the account of c.
func inAccount(c awsClients, f func()) {
	saved := aws_
	aws_ = c
	defer func() { aws_ = saved }()
	f()
}

// sourceBuild does what the source's pipeline does for a build: an AMI
// (made from a source instance) tagged as Image Builder tags its output
// (Ec2ImageBuilderArn, CreatedBy) and as the distribution tags it
// (golden-fleet:environment), written into the source's golden
// parameter. No source instance runs it yet.
func sourceBuild(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	promo.builds++
	ids, _ := groupInstances(t, promo.srcGroup)
	img, err := aws_.ec2.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: aws.String(ids[0]), Name: aws.String(fmt.Sprintf("%s-src-e2e-build-%d", prefix, promo.builds))})
	if err != nil {
		t.Fatalf("create image: %v", err)
	}
	ami := aws.ToString(img.ImageId)
	waitForImage(ctx, t, ami) // S14
	_, err = aws_.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{ami}, Tags: []ec2types.Tag{
		{Key: aws.String(config.ImageBuilderArnTagKey), Value: aws.String(fmt.Sprintf("arn:aws:imagebuilder:%s:%s:image/%s-src-golden-ami-e2e/1.0.0/%d", region, account, prefix, promo.builds))},
		{Key: aws.String("CreatedBy"), Value: aws.String("EC2 Image Builder")},
		{Key: aws.String(config.EnvironmentTagKey), Value: aws.String(promoSource)},
	}})
	if err != nil {
		t.Fatalf("tag %s: %v", ami, err)
	}
	if _, err := aws_.ssm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(srcParam), Value: aws.String(ami),
		Type: ssmtypes.ParameterTypeString, DataType: aws.String("aws:ec2:image"), Overwrite: aws.Bool(true)}); err != nil {
		t.Fatalf("put %s: %v", srcParam, err)
	}
	waitForParameter(ctx, t, srcParam, ami) // S13
	// The pipeline's on-demand AMI scan, clean.
	inspectorScanned(t, ami)
	logf("source build %d: %s in %s", promo.builds, ami, srcParam)
	return ami
}

// inspectorFinding is one finding of Amazon Inspector's scan of an AMI,
// as e2e/moto_inspector.py serves it through EC2 (S12).
type inspectorFinding struct {
	SeverityLabel string `json:"severityLabel"`
	Title         string `json:"title"`
	FixAvailable  bool   `json:"fixAvailable"`
}

// inspectorScanned records, as Amazon Inspector would, a scan of ami that
// found findings (none: a clean scan).
func inspectorScanned(t *testing.T, ami string, findings ...inspectorFinding) {
	t.Helper()
	type scanned struct {
		ScanDate string             `json:"scanDate"`
		Findings []inspectorFinding `json:"findings"`
	}
	scans := map[string]scanned{}
	if b, err := os.ReadFile(inspectorScansFile()); err == nil {
		if err := json.Unmarshal(b, &scans); err != nil {
			t.Fatalf("%s: %v", inspectorScansFile(), err)
		}
	}
	scans[ami] = scanned{ScanDate: time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), Findings: findings}
	b, err := json.Marshal(scans)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inspectorScansFile(), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// targetState is what a promotion may change, to show that a refused one
// changed nothing.
type targetState struct {
	parameter      string
	version        int64
	targetImages   []string
	launchAccounts []string
}

func stateOf(t *testing.T, sourceAMI string) targetState {
	t.Helper()
	ctx := context.Background()
	p, err := promo.target.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(dstParam)})
	if err != nil {
		t.Fatalf("get %s: %v", dstParam, err)
	}
	s := targetState{parameter: aws.ToString(p.Parameter.Value), version: p.Parameter.Version}
	imgs, err := promo.target.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if err != nil {
		t.Fatalf("images of %s: %v", targetAccount, err)
	}
	for _, i := range imgs.Images {
		s.targetImages = append(s.targetImages, aws.ToString(i.ImageId))
	}
	slices.Sort(s.targetImages)
	attr, err := aws_.ec2.DescribeImageAttribute(ctx, &ec2.DescribeImageAttributeInput{ImageId: aws.String(sourceAMI), Attribute: ec2types.ImageAttributeNameLaunchPermission})
	if err != nil {
		t.Fatalf("launch permissions of %s: %v", sourceAMI, err)
	}
	for _, lp := range attr.LaunchPermissions {
		s.launchAccounts = append(s.launchAccounts, aws.ToString(lp.UserId))
	}
	return s
}

func promote(t *testing.T, args ...string) (string, error) {
	t.Helper()
	base := []string{"promote", "--from", promoSource, "--to", promoTarget, "--config", promo.cfgPath, "--endpoint-url", endpoint, "--copy-with", "ec2"}
	return runFleetctl(t, promoteRoleEnv(t), append(base, args...)...) // as docs/deploy-and-promote.md prescribes (promoterole_test.go)
}

// What moto cannot show (no Image Builder): the image-tests gate is
// overridden, as an operator would, with a reason.
var overrideImageBuilderGates = []string{"--override", "image-tests", "--reason", "e2e on moto: no Image Builder to read tests from"}

// soaked makes an instance of the source fleet run ami for the soak time.
func soaked(t *testing.T, ami string) {
	t.Helper()
	if r := replaceOne(t, promo.srcGroup); r.image != ami {
		t.Fatalf("source replacement runs %s, want %s", r.image, ami)
	}
	time.Sleep(soakTime + time.Second)
}

// The target bakes nothing, and its deploy made no golden AMI: the
// create-only seed writer (Custom::GoldenAmiSeed, run by the emulator in
// the stack's account, S9) put the seed into the target's golden
// parameter, once, and the target's instances run it.
func TestTheTargetsGoldenParameterStartsAtTheSeed(t *testing.T) {
	setupPromotion(t)
	if got := aws.ToString(promo.dstAfterDeploy.Value); got != promo.dstSeed || promo.dstAfterDeploy.Version != 1 {
		t.Errorf("after the deploy %s in %s held %q (version %d), want the seed %s written once", dstParam, targetAccount, got, promo.dstAfterDeploy.Version, promo.dstSeed)
	}
	inAccount(promo.target, func() {
		ids, _ := groupInstances(t, promo.dstGroup)
		if len(ids) == 0 {
			t.Fatalf("%s has no instance in service", promo.dstGroup)
		}
		for _, id := range ids {
			if i := describeInstance(t, id); i.image != promo.dstSeed {
				t.Errorf("target instance %s runs %s, want the seed %s", id, i.image, promo.dstSeed)
			}
		}
	})
}

func TestAPromotionThatFailsAGateChangesNothing(t *testing.T) {
	setupPromotion(t)
	ctx := context.Background()
	x := sourceBuild(t)
	before := stateOf(t, x)
	if before.parameter == x || len(before.launchAccounts) > 0 {
		t.Fatalf("before any promotion: target parameter %s, %s shared with %v", before.parameter, x, before.launchAccounts)
	}

	// 1. The soak gate: no source instance runs x yet, x never ran.
	out, err := promote(t, overrideImageBuilderGates...)
	if err == nil || !strings.Contains(out, "refused: gate soak failed; nothing changed") || !strings.Contains(out, "no in-service instance of "+promo.srcGroup+" runs "+x) {
		t.Errorf("promotion of an AMI that never ran: err %v, want refused by the soak gate with its evidence", err)
	}
	if after := stateOf(t, x); !slicesEqual(before, after) {
		t.Errorf("a refused promotion changed the target: before %+v, after %+v", before, after)
	}

	// 2. An alarm of the fleet in ALARM refuses too, after the soak.
	soaked(t, x)
	cw := cloudwatch.NewFromConfig(baseAWSConfig(t, operatorCreds))
	alarm := prefix + "-" + promoSource + "-e2e-5xx"
	if _, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(alarm), Namespace: aws.String("AWS/EC2"), MetricName: aws.String("StatusCheckFailed"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("AutoScalingGroupName"), Value: aws.String(promo.srcGroup)}},
		Statistic:  cwtypes.StatisticMaximum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold,
	}); err != nil {
		t.Fatalf("put alarm: %v", err)
	}
	t.Cleanup(func() { _, _ = cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{alarm}}) })
	if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String(alarm), StateValue: cwtypes.StateValueAlarm,
		StateReason: aws.String("e2e: a fleet in trouble")}); err != nil {
		t.Fatalf("set alarm state: %v", err)
	}
	out, err = promote(t, overrideImageBuilderGates...)
	if err == nil || !strings.Contains(out, "in ALARM: "+alarm) || !strings.Contains(out, "refused: gate soak failed") {
		t.Errorf("promotion while %s is in ALARM: err %v, want refused by the soak gate naming the alarm", alarm, err)
	}
	if after := stateOf(t, x); !slicesEqual(before, after) {
		t.Errorf("a refused promotion changed the target: before %+v, after %+v", before, after)
	}
}

// A CRITICAL finding of the on-demand scan, which EC2 reports on the AMI
// (not in Image Builder), stops the promotion with nothing changed in
// either account; the same AMI soaked and otherwise fit.
func TestACriticalFindingOnTheAMIStopsThePromotion(t *testing.T) {
	setupPromotion(t)
	ctx := context.Background()
	x := sourceBuild(t)
	soaked(t, x)
	inspectorScanned(t, x, inspectorFinding{SeverityLabel: "critical", Title: "CVE-2026-0001 - openssl", FixAvailable: true},
		inspectorFinding{SeverityLabel: "low", Title: "CVE-2026-0002 - zlib"})
	before := stateOf(t, x)
	srcBefore, err := aws_.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(srcParam)})
	if err != nil {
		t.Fatal(err)
	}

	out, err := promote(t, overrideImageBuilderGates...)
	if err == nil || !strings.Contains(out, "refused: gate vulnerabilities failed; nothing changed") ||
		!strings.Contains(out, "EC2's scan results of "+x) || !strings.Contains(out, "highest severity CRITICAL") || !strings.Contains(out, "soak             PASS") {
		t.Errorf("promotion of an AMI with a CRITICAL finding: err %v, want refused by the vulnerabilities gate alone, reading EC2's scan results of %s", err, x)
	}
	if after := stateOf(t, x); !slicesEqual(before, after) {
		t.Errorf("a refused promotion changed something: before %+v, after %+v", before, after)
	}
	srcAfter, err := aws_.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(srcParam)})
	if err != nil || srcAfter.Parameter.Version != srcBefore.Parameter.Version {
		t.Errorf("the source's %s changed: version %d, was %d (%v)", srcParam, srcAfter.Parameter.Version, srcBefore.Parameter.Version, err)
	}

	// The same AMI, rescanned clean once fixed, is promoted.
	inspectorScanned(t, x)
	if out, err := promote(t, append([]string{"--dry-run"}, overrideImageBuilderGates...)...); err != nil || !strings.Contains(out, "vulnerabilities  PASS") {
		t.Errorf("after a clean rescan: err %v, want the vulnerabilities gate passed", err)
	}
}

func TestAPromotionCopiesTheAMIIntoTheTargetAndItsReplacementsRunIt(t *testing.T) {
	setupPromotion(t)
	ctx := context.Background()
	x := sourceBuild(t)
	soaked(t, x)
	before := stateOf(t, x)

	// --dry-run: the gates and the plan, no change.
	out, err := promote(t, append([]string{"--dry-run"}, overrideImageBuilderGates...)...)
	if err != nil || !strings.Contains(out, "dry run: nothing changed") || !strings.Contains(out, "soak             PASS") {
		t.Fatalf("dry run: %v", err)
	}
	if after := stateOf(t, x); !slicesEqual(before, after) {
		t.Errorf("a dry run changed the target: before %+v, after %+v", before, after)
	}

	out, err = promote(t, overrideImageBuilderGates...)
	if err != nil {
		t.Fatalf("promote: %v", err)
	}
	after := stateOf(t, x)
	y := after.parameter
	if y == x || y == before.parameter || !slices.Contains(after.targetImages, y) {
		t.Fatalf("target parameter holds %s (was %s): want a copy of %s owned by %s (its images: %v)", y, before.parameter, x, targetAccount, after.targetImages)
	}
	if after.version != before.version+1 {
		t.Errorf("target parameter version %d, want %d: one write", after.version, before.version+1)
	}
	if !slices.Contains(after.launchAccounts, targetAccount) {
		t.Errorf("%s's launch permissions %v lack %s: the source did not share it", x, after.launchAccounts, targetAccount)
	}
	img, err := promo.target.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{y}})
	if err != nil || len(img.Images) != 1 {
		t.Fatalf("describe %s: %v", y, err)
	}
	if owner := aws.ToString(img.Images[0].OwnerId); owner != targetAccount {
		t.Errorf("%s belongs to %s, want the target account %s", y, owner, targetAccount)
	}
	tags := tagMap(img.Images[0].Tags, ec2Tag)
	for k, want := range map[string]string{config.PromotedFromAMITagKey: x, config.PromotedFromEnvironmentTagKey: promoSource, config.EnvironmentTagKey: promoTarget,
		config.PromotionGatesTagKey: "image-tests=overridden soak=passed vulnerabilities=passed"} {
		if tags[k] != want {
			t.Errorf("tag %s = %q, want %q", k, tags[k], want)
		}
	}
	if !strings.Contains(tags[config.PromotionOverrideTagKey], "no Image Builder") || !strings.Contains(tags[config.PromotedByTagKey], targetAccount) {
		t.Errorf("override %q, promoted-by %q: want the reason and the caller in %s", tags[config.PromotionOverrideTagKey], tags[config.PromotedByTagKey], targetAccount)
	}

	// The target's next launches run the promoted copy.
	inAccount(promo.target, func() {
		if r := replaceOne(t, promo.dstGroup); r.image != y {
			t.Errorf("target replacement %s runs %s, want the promoted %s", r.id, r.image, y)
		}
	})

	// Again: nothing to do.
	out, err = promote(t, overrideImageBuilderGates...)
	if err != nil || !strings.Contains(out, "nothing to do") {
		t.Errorf("second promotion: %v, want nothing to do", err)
	}

	// fleetctl status from the target account: both environments, the
	// source through its access role.
	out, err = runFleetctl(t, promo.targetEnv, "status", "--config", promo.cfgPath, "--endpoint-url", endpoint)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	for _, want := range []string{"promoted from " + promoSource + " " + x, y, x} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q", want)
		}
	}
}

func slicesEqual(a, b targetState) bool {
	return a.parameter == b.parameter && a.version == b.version && slices.Equal(a.targetImages, b.targetImages) && slices.Equal(a.launchAccounts, b.launchAccounts)
}
