//go:build e2e

package e2e

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/immutable-server/golden-fleet/config"
)

// The tests share one deployment (made in TestMain) and run in file order;
// each simulates the builds it needs, so each also runs alone (-run).

func TestTheFirstDeployRunsTheSeedImageThroughTheGoldenParameter(t *testing.T) {
	ctx := context.Background()
	f := outputs(t)
	al2023, err := aws_.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(config.DefaultSeedImage)})
	if err != nil {
		t.Fatalf("moto's %s: %v", config.DefaultSeedImage, err)
	}
	seedAMI := aws.ToString(al2023.Parameter.Value)
	if got, v := goldenValue(t); got != seedAMI || v != 1 {
		t.Errorf("golden parameter holds %q (version %d), want the seed %s (the value of %s) written once", got, v, seedAMI, config.DefaultSeedImage)
	}
	def := defaultVersion(t, f.launchTemplate)
	if def.number != 1 || def.imageID != "resolve:ssm:"+golden {
		t.Errorf("default launch template version %d has image %q, want version 1 with resolve:ssm:%s", def.number, def.imageID, golden)
	}
	g, err := aws_.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{f.group}})
	if err != nil {
		t.Fatal(err)
	}
	if lt := g.AutoScalingGroups[0].LaunchTemplate; lt == nil || aws.ToString(lt.Version) != "1" {
		t.Errorf("group launches from %+v, want version 1 (the CloudFormation-written one)", lt)
	}
	ids, desired := groupInstances(t, f.group)
	if int32(len(ids)) != desired || desired != int32(baseConfig().Environments[0].Fleet.DesiredCapacity) {
		t.Errorf("group has %d instances in service, desired %d", len(ids), desired)
	}
	for _, id := range ids {
		if i := describeInstance(t, id); i.image != seedAMI {
			t.Errorf("instance %s runs %s, want the seed %s", id, i.image, seedAMI)
		}
	}
}

// I1: a build only writes the parameter (and a launch template version);
// the group's next launches, replacements and scale-outs, run the new AMI
// without any deploy.
func TestAReplacementAndAScaleOutRunTheAMITheLatestBuildDistributed(t *testing.T) {
	f := outputs(t)
	x, _ := build(t)

	r := replaceOne(t, f.group)
	if r.image != x {
		t.Errorf("replacement %s runs %s, want %s, the AMI the build distributed", r.id, r.image, x)
	}
	s := scaleOut(t, f.group)
	if s.image != x {
		t.Errorf("scale-out instance %s runs %s, want %s", s.id, s.image, x)
	}
	// The group got x through the parameter, not through the version the
	// build added: it still launches the CloudFormation-written version.
	g, err := aws_.asg.DescribeAutoScalingGroups(context.Background(), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{f.group}})
	if err != nil {
		t.Fatal(err)
	}
	if v := aws.ToString(g.AutoScalingGroups[0].LaunchTemplate.Version); v != "1" {
		t.Errorf("group launches version %s, want 1", v)
	}
}

func userData(v ltVersion) string {
	s := aws.ToString(v.data.UserData)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return string(b)
	}
	return s
}

// I2: a deploy with a changed configuration never rewrites the golden
// parameter, and replaces the launch template, so the version the next
// build bases its own on carries the new configuration.
func TestARedeployWithAChangedConfigurationKeepsTheGoldenAMIAndTheNextBuildCarriesTheNewConfiguration(t *testing.T) {
	x, _ := build(t)
	before := outputs(t)
	_, paramVersion := goldenValue(t)
	running, _ := groupInstances(t, before.group)

	cfg := baseConfig()
	fl := &cfg.Environments[0].Fleet
	fl.InstanceType = "t3.small"
	fl.UserData = "#!/bin/bash\necho e2e-config-2"
	fl.DesiredCapacity = 3
	fl.SeedImage = "ami-0123456789abcdef0" // a seed change must not reach the golden parameter either
	if err := deploy(cfg, true); err != nil {
		t.Fatal(err)
	}
	after := outputs(t)

	if got, v := goldenValue(t); got != x || v != paramVersion {
		t.Errorf("after the deploy the golden parameter holds %s (version %d), want %s (version %d) untouched", got, v, x, paramVersion)
	}
	if after.launchTemplate == before.launchTemplate {
		t.Errorf("launch template %s was updated in place: its default version still carries the old data", after.launchTemplate)
	}
	def := defaultVersion(t, after.launchTemplate)
	if def.number != 1 || def.imageID != "resolve:ssm:"+golden || string(def.data.InstanceType) != "t3.small" {
		t.Errorf("new default version %d: image %q, type %s; want version 1, resolve:ssm:%s, t3.small", def.number, def.imageID, def.data.InstanceType, golden)
	}
	if after.group != before.group {
		t.Errorf("the deploy replaced group %s by %s", before.group, after.group)
	}
	// No rolling update: the deploy replaces no instance, and the instance
	// the new capacity adds launches from the new template.
	ids, desired := groupInstances(t, after.group)
	if desired != 3 || len(ids) != 3 {
		t.Errorf("group %s: %d in service, desired %d; want 3", after.group, len(ids), desired)
	}
	for _, id := range running {
		if !contains(ids, id) {
			t.Errorf("instance %s, in service before the deploy, is not after it", id)
		}
	}
	for _, id := range ids {
		if !contains(running, id) {
			if i := describeInstance(t, id); i.image != x || i.instanceType != "t3.small" {
				t.Errorf("instance %s added by the new capacity runs %s on %s, want %s on t3.small", id, i.image, i.instanceType, x)
			}
		}
	}

	r := replaceOne(t, after.group)
	if r.image != x || r.instanceType != "t3.small" {
		t.Errorf("replacement after the deploy runs %s on %s, want %s on t3.small", r.image, r.instanceType, x)
	}

	y, yv := build(t)
	var built ltVersion
	for _, v := range versions(t, after.launchTemplate) {
		if v.number == yv {
			built = v
		}
	}
	if built.imageID != y || string(built.data.InstanceType) != "t3.small" || !strings.Contains(userData(built), "e2e-config-2") {
		t.Errorf("the next build's version %d: image %s, type %s, user data %q; want %s, t3.small and the new user data",
			yv, built.imageID, built.data.InstanceType, userData(built), y)
	}
	r = replaceOne(t, after.group)
	if r.image != y || r.instanceType != "t3.small" {
		t.Errorf("replacement after the next build runs %s on %s, want %s on t3.small", r.image, r.instanceType, y)
	}
}

// I2, the launch template alone: with the group's own properties unchanged,
// the deploy still moves the group to the replacement launch template.
func TestAnInstanceTypeChangeAloneMovesTheGroupToTheNewLaunchTemplate(t *testing.T) {
	x, _ := build(t)
	before := outputs(t)
	cfg := deployed
	cfg.Environments = append([]config.Environment(nil), deployed.Environments...)
	cfg.Environments[0].Fleet.InstanceType = "t3.medium"
	if cfg.Environments[0].Fleet.InstanceType == deployed.Environments[0].Fleet.InstanceType {
		t.Fatal("the test changes nothing")
	}
	if err := deploy(cfg, true); err != nil {
		t.Fatal(err)
	}
	after := outputs(t)
	if after.launchTemplate == before.launchTemplate {
		t.Fatalf("launch template %s was updated in place", after.launchTemplate)
	}
	g, err := aws_.asg.DescribeAutoScalingGroups(context.Background(), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{after.group}})
	if err != nil || len(g.AutoScalingGroups) != 1 {
		t.Fatalf("describe group %s: %v", after.group, err)
	}
	if lt := g.AutoScalingGroups[0].LaunchTemplate; aws.ToString(lt.LaunchTemplateId) != after.launchTemplate || aws.ToString(lt.Version) != "1" {
		t.Errorf("group launches %s version %s, want the new template %s version 1", aws.ToString(lt.LaunchTemplateId), aws.ToString(lt.Version), after.launchTemplate)
	}
	if got, _ := goldenValue(t); got != x {
		t.Errorf("golden parameter holds %s after the deploy, want %s", got, x)
	}
	if r := replaceOne(t, after.group); r.image != x || r.instanceType != "t3.medium" {
		t.Errorf("replacement runs %s on %s, want %s on t3.medium", r.image, r.instanceType, x)
	}
}

func runFleetctl(t *testing.T, extraEnv []string, args ...string) (string, error) {
	t.Helper()
	out, err := runIn(root, extraEnv, fleetctl, args...)
	t.Logf("fleetctl %s:\n%s", strings.Join(args, " "), out)
	return out, err
}

// I4: fleetctl rollback points the parameter back at the previous golden
// AMI; the next replacement runs it.
func TestRollbackPointsReplacementsBackAtThePreviousGoldenAMI(t *testing.T) {
	x, xv := build(t)
	y, yv := build(t)
	f := outputs(t)

	// --endpoint-url, with AWS_ENDPOINT_URL unset.
	out, err := runFleetctl(t, []string{"AWS_ENDPOINT_URL="}, "rollback", "--stack", fleetName, "--endpoint-url", endpoint)
	if err != nil {
		t.Fatalf("fleetctl rollback: %v", err)
	}
	for _, want := range []string{y + " -> " + x, "default version -> " + itoa(xv), "roll the fleet forward again", "DISABLED"} {
		if !strings.Contains(out, want) {
			t.Errorf("fleetctl output lacks %q", want)
		}
	}
	if got, _ := goldenValue(t); got != x {
		t.Errorf("after rollback the golden parameter holds %s, want %s", got, x)
	}
	if def := defaultVersion(t, f.launchTemplate); def.number != xv {
		t.Errorf("after rollback the default version is %d, want %d (the one carrying %s)", def.number, xv, x)
	}
	if r := replaceOne(t, f.group); r.image != x {
		t.Errorf("replacement after rollback runs %s, want %s", r.image, x)
	}

	// A target that does not exist changes nothing.
	if out, err := runFleetctl(t, nil, "rollback", "--stack", fleetName, "--to", "ami-0000000000000dead"); err == nil {
		t.Errorf("rollback to a missing AMI succeeded:\n%s", out)
	}
	if got, _ := goldenValue(t); got != x {
		t.Errorf("a failed rollback changed the golden parameter to %s", got)
	}

	// --to, with the endpoint from AWS_ENDPOINT_URL.
	if _, err := runFleetctl(t, nil, "rollback", "--stack", fleetName, "--to", y); err != nil {
		t.Fatalf("fleetctl rollback --to %s: %v", y, err)
	}
	if got, _ := goldenValue(t); got != y {
		t.Errorf("after rollback --to the golden parameter holds %s, want %s", got, y)
	}
	if def := defaultVersion(t, f.launchTemplate); def.number != yv {
		t.Errorf("after rollback --to the default version is %d, want %d", def.number, yv)
	}
	if r := replaceOne(t, f.group); r.image != y {
		t.Errorf("replacement after rollback --to runs %s, want %s", r.image, y)
	}

	// A group launching a version with a literal AMI would not follow the
	// parameter: fleetctl refuses and changes nothing.
	setGroupVersion := func(v string) {
		if _, err := aws_.asg.UpdateAutoScalingGroup(context.Background(), &autoscaling.UpdateAutoScalingGroupInput{
			AutoScalingGroupName: aws.String(f.group),
			LaunchTemplate:       &asgtypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(f.launchTemplate), Version: aws.String(v)},
		}); err != nil {
			t.Fatalf("set the group's launch template version to %s: %v", v, err)
		}
	}
	setGroupVersion(itoa(yv))
	defer setGroupVersion("1")
	if out, err := runFleetctl(t, nil, "rollback", "--stack", fleetName); err == nil || !strings.Contains(out, "nothing changed") {
		t.Errorf("rollback with the group on version %d (image %s): err %v, want a refusal", yv, y, err)
	}
	if got, _ := goldenValue(t); got != y {
		t.Errorf("a refused rollback changed the golden parameter to %s", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
