package stacks_test

import (
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"slices"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/stacks/internal/cdktest"
)

// Intent tests of the fleet stack (fleet.go): the golden AMI parameter,
// the launch template, the Auto Scaling group and the distribution. The
// security defaults (IMDSv2, encryption, inbound rules) are in
// security_test.go.

func TestTheLaunchTemplateResolvesTheGoldenAmiParameterAtLaunch(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		lt := cdktest.OnlyResource(t, "AWS::EC2::LaunchTemplate", tpl.Fleet)
		want := "resolve:ssm:" + goldenParameter(env)
		if got := cdktest.ValueAt(lt.Properties, "LaunchTemplateData", "ImageId"); got != want {
			t.Errorf("ImageId = %v, want %q: the template must not carry an AMI id of its own", got, want)
		}
	})
}

func TestTheGroupLaunchesFromTheVersionCloudFormationWrote(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		lt := cdktest.OnlyResource(t, "AWS::EC2::LaunchTemplate", tpl.Fleet)
		asg := cdktest.OnlyResource(t, "AWS::AutoScaling::AutoScalingGroup", tpl.Fleet)
		spec := asg.Properties["LaunchTemplate"]
		if got, want := cdktest.CompactJSON(cdktest.ValueAt(spec, "LaunchTemplateId")), cdktest.CompactJSON(cdktest.Ref(lt.LogicalID)); got != want {
			t.Errorf("LaunchTemplateId = %s, want %s", got, want)
		}
		// Version 1 is the only version CloudFormation writes (every change
		// replaces the template); Image Builder's versions carry literal AMIs.
		if got := cdktest.ValueAt(spec, "Version"); got != "1" {
			t.Errorf("Version = %s, want \"1\", the version CloudFormation wrote", cdktest.CompactJSON(got))
		}
	})
}

func TestTheLaunchTemplateNameHashesItsDataAndNamesItsSecurityGroup(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		lt := cdktest.OnlyResource(t, "AWS::EC2::LaunchTemplate", tpl.Fleet)
		sg := cdktest.OnlyResource(t, "AWS::EC2::SecurityGroup", tpl.Fleet)
		parts, _ := cdktest.ValueAt(lt.Properties, "LaunchTemplateName", "Fn::Join", 1).([]any)
		if len(parts) != 2 {
			t.Fatalf("LaunchTemplateName = %s, want the join of \"<prefix>-<env>-<hash>-\" and the security group id", cdktest.CompactJSON(lt.Properties["LaunchTemplateName"]))
		}
		prefix := namePrefix(env) + "-"
		head, _ := parts[0].(string)
		hash := strings.TrimSuffix(strings.TrimPrefix(head, prefix), "-")
		if !strings.HasPrefix(head, prefix) || len(hash) != 12 || strings.Trim(hash, "0123456789abcdef") != "" {
			t.Errorf("LaunchTemplateName starts %q, want %q, 12 hex digits and '-'", head, prefix)
		}
		if got, want := cdktest.CompactJSON(parts[1]), cdktest.CompactJSON(cdktest.GetAtt(sg.LogicalID, "GroupId")); got != want {
			t.Errorf("LaunchTemplateName ends with %s, want %s", got, want)
		}
	})
}

func TestTheLaunchTemplateHasTheConfiguredInstanceTypeAndRootVolume(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		data := cdktest.OnlyResource(t, "AWS::EC2::LaunchTemplate", tpl.Fleet).Properties["LaunchTemplateData"]
		if got := cdktest.ValueAt(data, "InstanceType"); got != env.Fleet.InstanceType {
			t.Errorf("InstanceType = %v, want %s", got, env.Fleet.InstanceType)
		}
		ebs := cdktest.ValueAt(data, "BlockDeviceMappings", 0, "Ebs")
		if cdktest.ValueAt(ebs, "VolumeType") != "gp3" || fmt.Sprint(cdktest.ValueAt(ebs, "VolumeSize")) != fmt.Sprint(env.Fleet.RootVolumeGiB) {
			t.Errorf("root volume = %s, want gp3 of %d GiB", cdktest.CompactJSON(ebs), env.Fleet.RootVolumeGiB)
		}
	})
}

func TestTheLaunchTemplateRunsTheConfiguredUserDataAtFirstBoot(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		data := cdktest.OnlyResource(t, "AWS::EC2::LaunchTemplate", tpl.Fleet).Properties["LaunchTemplateData"]
		// CloudFormation base64-encodes the user data: the boot script
		// that starts the CloudWatch agent (observability_test.go), then
		// the script as configured, each a part of a MIME multi-part
		// document that cloud-init runs in order; without a configured
		// script, the boot script alone.
		got, ok := cdktest.ValueAt(data, "UserData", "Fn::Base64").(string)
		if !ok {
			t.Fatalf("UserData = %s, want Fn::Base64 of a string", cdktest.CompactJSON(cdktest.ValueAt(data, "UserData")))
		}
		parts := userDataParts(t, got)
		want := []string{bootScript(env)}
		if env.Fleet.UserData != "" {
			want = append(want, env.Fleet.UserData)
		}
		if len(parts) != len(want) {
			t.Fatalf("user data has %d parts, want %d (the boot script, then the configured script): %q", len(parts), len(want), got)
		}
		for i := range want {
			if strings.TrimSuffix(parts[i], "\n") != strings.TrimSuffix(want[i], "\n") {
				t.Errorf("user data part %d = %q, want %q", i, parts[i], want[i])
			}
		}
	})
}

// userDataParts splits a launch template's user data into the scripts
// cloud-init runs: the parts of a MIME multi-part document, in order, or
// the whole when it is a single script.
func userDataParts(t *testing.T, userData string) []string {
	t.Helper()
	if !strings.HasPrefix(userData, "Content-Type: multipart/mixed") {
		return []string{userData}
	}
	msg, err := mail.ReadMessage(strings.NewReader(userData))
	if err != nil {
		t.Fatalf("user data is not a MIME document: %v", err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("user data's Content-Type: %v", err)
	}
	var parts []string
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return parts
		}
		if err != nil {
			t.Fatalf("user data's parts: %v", err)
		}
		body, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, string(body))
	}
}

func TestTheInstanceRoleHasTheSsmAgentPolicy(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		var found bool
		for _, role := range cdktest.Resources("AWS::IAM::Role", tpl.Fleet) {
			if !strings.HasPrefix(role.LogicalID, "LaunchTemplateInstanceRole") {
				continue
			}
			found = true
			text := cdktest.CompactJSON(role.Properties["ManagedPolicyArns"])
			for _, p := range []string{"AmazonSSMManagedInstanceCore"} { // the CloudWatch agent's: observability_test.go
				if !strings.Contains(text, ":iam::aws:policy/"+p) {
					t.Errorf("instance role lacks %s: %s", p, text)
				}
			}
		}
		if !found {
			t.Fatal("no instance role for the launch template")
		}
	})
}

func TestTheGroupKeepsTheConfiguredCapacity(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		asg := cdktest.OnlyResource(t, "AWS::AutoScaling::AutoScalingGroup", tpl.Fleet).Properties
		for key, want := range map[string]int{"MinSize": env.Fleet.MinCapacity, "MaxSize": env.Fleet.MaxCapacity, "DesiredCapacity": env.Fleet.DesiredCapacity} {
			if got := fmt.Sprint(asg[key]); got != fmt.Sprint(want) {
				t.Errorf("%s = %s, want %d", key, got, want)
			}
		}
		if got, want := fmt.Sprint(asg["HealthCheckGracePeriod"]), fmt.Sprint(int(env.Fleet.HealthCheckGracePeriod.Seconds())); got != want {
			t.Errorf("HealthCheckGracePeriod = %s, want %s", got, want)
		}
		if asg["MetricsCollection"] == nil {
			t.Error("group metrics are not collected")
		}
	})
}

func TestTheGroupReplacesInstancesOlderThanTheConfiguredLifetime(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		got, set := cdktest.OnlyResource(t, "AWS::AutoScaling::AutoScalingGroup", tpl.Fleet).Properties["MaxInstanceLifetime"]
		if env.Fleet.MaxInstanceLifetime == 0 {
			if set {
				t.Errorf("MaxInstanceLifetime = %v, want none: the configuration sets no lifetime", got)
			}
			return
		}
		if want := env.Fleet.MaxInstanceLifetime.Seconds(); got != want {
			t.Errorf("MaxInstanceLifetime = %v, want %v seconds", got, want)
		}
	})
}

func TestTheGroupSpreadsOverThePrivateSubnets(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		zones := cdktest.AsList(cdktest.OnlyResource(t, "AWS::AutoScaling::AutoScalingGroup", tpl.Fleet).Properties["VPCZoneIdentifier"])
		if env.Network.Existing != nil {
			if got, want := cdktest.CompactJSON(zones), cdktest.CompactJSON(env.Network.Existing.PrivateSubnetIDs); got != want {
				t.Errorf("VPCZoneIdentifier = %s, want %s", got, want)
			}
			return
		}
		if len(zones) != env.Network.Create.MaxAzs {
			t.Errorf("group spans %d subnets, want one private subnet in each of %d zones", len(zones), env.Network.Create.MaxAzs)
		}
		for _, z := range zones {
			if !strings.Contains(cdktest.CompactJSON(z), "PrivateSubnet") {
				t.Errorf("group subnet %s is not a private subnet", cdktest.CompactJSON(z))
			}
		}
	})
}

// No CloudFormation resource owns the golden parameter's value: an
// AWS::SSM::Parameter would be written again by its update handler whenever
// one of its properties, or a reference in them, changes (issue 8).
func TestNoCloudFormationResourceOwnsTheGoldenAmiParameter(t *testing.T) {
	for _, env := range synthesized.cfg.Environments {
		for _, p := range cdktest.Resources("AWS::SSM::Parameter", synthesized.assembly.Stacks...) {
			if p.Properties["Name"] == goldenParameter(env) {
				t.Errorf("%s is an AWS::SSM::Parameter named %s: CloudFormation would write it on updates", p, goldenParameter(env))
			}
		}
	}
}

// The seed is put once, when the stack is created, without overwriting a
// parameter that exists; an update or a delete of the stack makes no call.
// The fleet stack may be deleted and created again, the golden AMI
// parameter outliving it (e2e: TestTheGoldenParameterOutlivesTheFleetStack).
// CloudFormation creates no resource whose name exists, so nothing the
// stack keeps on deletion may carry a fixed name: a name it generates, or
// one made from such a name (CDK's custom resource log group), is fine.
func TestTheFleetStackKeepsNoFixedNameWhenDeleted(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		all, _ := tpl.Fleet.Template["Resources"].(map[string]any)
		for id, r := range all {
			if p := cdktest.ValueAt(r, "DeletionPolicy"); p != "Retain" && p != "RetainExceptOnCreate" {
				continue
			}
			props, _ := cdktest.ValueAt(r, "Properties").(map[string]any)
			for key, v := range props {
				if name, fixed := v.(string); fixed && strings.HasSuffix(key, "Name") {
					t.Errorf("%s (%v) is kept when the stack is deleted and has the fixed %s %q: creating the stack again would fail",
						id, cdktest.ValueAt(r, "Type"), key, name)
				}
			}
		}
	})
}

// seedWriter is the fleet stack's only Custom::GoldenAmiSeed, and the
// logical id of the function behind it.
func seedWriter(t *testing.T, tpl environmentTemplates) (cdktest.Resource, string) {
	t.Helper()
	seed := cdktest.OnlyResource(t, "Custom::GoldenAmiSeed", tpl.Fleet)
	fn, _ := cdktest.ValueAt(seed.Properties, "ServiceToken", "Fn::GetAtt", 0).(string)
	if fn == "" || cdktest.ValueAt(tpl.Fleet.Template, "Resources", fn, "Type") != "AWS::Lambda::Function" {
		t.Fatalf("%s: ServiceToken %s, want the Arn of a function of the stack", seed, cdktest.CompactJSON(seed.Properties["ServiceToken"]))
	}
	return seed, fn
}

// The seed is put once, when the stack is created, by the inline handler
// (constructs/fleet/seed_handler.py: PutParameter with Overwrite false,
// nothing on Update and Delete; run against the emulator by the e2e
// tests, e2e/moto_lambda.py). Here: exactly one writer, of the golden
// parameter, with the seed, its code inline (no asset), and the launch
// template created after it.
func TestTheGoldenAmiSeedIsWrittenOnCreateOnlyAndNeverOverwritten(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		seed, fn := seedWriter(t, tpl)
		if got := seed.Properties["Name"]; got != goldenParameter(env) {
			t.Errorf("%s writes %v, want %s", seed, got, goldenParameter(env))
		}
		code, _ := cdktest.ValueAt(tpl.Fleet.Template, "Resources", fn, "Properties", "Code", "ZipFile").(string)
		for _, want := range []string{`"Overwrite": False`, `"DataType": "aws:ec2:image"`, `event["RequestType"] == "Create"`} {
			if !strings.Contains(code, want) {
				t.Errorf("function %s: inline code without %s", fn, want)
			}
		}
		value := fmt.Sprint(seed.Properties["Value"])
		if !strings.HasPrefix(env.Fleet.SeedImage, "/") {
			if value != env.Fleet.SeedImage {
				t.Errorf("%s puts %s, want the seed AMI %s", seed, value, env.Fleet.SeedImage)
			}
		} else {
			// An SSM path: a stack parameter of an SSM parameter type,
			// whose default is the path.
			ref, _ := cdktest.ValueAt(seed.Properties, "Value", "Ref").(string)
			param, _ := cdktest.ValueAt(tpl.Fleet.Template, "Parameters", ref).(map[string]any)
			if param["Type"] != "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>" || param["Default"] != env.Fleet.SeedImage {
				t.Errorf("%s puts %s, want a Ref to a stack parameter of type AWS::SSM::Parameter::Value<AWS::EC2::Image::Id> with default %s",
					seed, value, env.Fleet.SeedImage)
			}
		}
		// EC2 checks that the parameter exists when the launch template is
		// created, and the writer answers only once it does.
		lt := cdktest.OnlyResource(t, "AWS::EC2::LaunchTemplate", tpl.Fleet)
		deps := cdktest.AsList(cdktest.ValueAt(tpl.Fleet.Template, "Resources", lt.LogicalID, "DependsOn"))
		if !slices.Contains(deps, any(seed.LogicalID)) {
			t.Errorf("launch template %s depends on %v, want it created after the seed writer %s", lt.LogicalID, deps, seed.LogicalID)
		}
	})
}

// writerStatements are the statements of the policies of the role of the
// seed writer's function.
func writerStatements(t *testing.T, tpl environmentTemplates) []any {
	t.Helper()
	_, fn := seedWriter(t, tpl)
	role := cdktest.ValueAt(tpl.Fleet.Template, "Resources", fn, "Properties", "Role", "Fn::GetAtt", 0)
	var out []any
	for _, p := range cdktest.Resources("AWS::IAM::Policy", tpl.Fleet) {
		if slices.ContainsFunc(cdktest.AsList(p.Properties["Roles"]), func(r any) bool { return cdktest.ValueAt(r, "Ref") == role }) {
			out = append(out, cdktest.AsList(cdktest.ValueAt(p.Properties, "PolicyDocument", "Statement"))...)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no policy of the seed writer's role %v", role)
	}
	return out
}

// The seed writer may write (and read back) the golden parameter and
// nothing else of SSM.
func TestTheSeedWriterMayWriteOnlyTheGoldenAmiParameter(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		want := fmt.Sprintf("arn:aws:ssm:%s:%s:parameter%s", env.Region, env.Account, goldenParameter(env))
		for _, st := range writerStatements(t, tpl) {
			for _, a := range cdktest.AsList(cdktest.ValueAt(st, "Action")) {
				switch {
				case a == "ssm:PutParameter" || a == "ssm:AddTagsToResource" || a == "ssm:GetParameter":
					if r := cdktest.ValueAt(st, "Resource"); r != want {
						t.Errorf("statement %s on %v, want only %s", cdktest.CompactJSON(st), r, want)
					}
				case a == "ec2:DescribeImages":
				default:
					t.Errorf("action %v, want only ssm:PutParameter, ssm:GetParameter, ssm:AddTagsToResource and ec2:DescribeImages", a)
				}
			}
		}
	})
}

// Parameter Store checks an aws:ec2:image value as the writer: "you must
// have permission for both ssm:PutParameter and ec2:DescribeImages"
// (Systems Manager user guide, native parameter support for AMI IDs).
// Without it the check fails and the parameter is never created.
func TestTheSeedWriterMayDescribeTheSeedAmi(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		for _, st := range writerStatements(t, tpl) {
			if cdktest.ValueAt(st, "Effect") == "Allow" && slices.Contains(cdktest.AsList(cdktest.ValueAt(st, "Action")), any("ec2:DescribeImages")) &&
				cdktest.ValueAt(st, "Resource") == "*" && cdktest.ValueAt(st, "Condition") == nil {
				return
			}
		}
		t.Error("the seed writer may not ec2:DescribeImages: Parameter Store's check of the seed AMI fails and the golden parameter is never created")
	})
}

func TestTheDistributionAddsADefaultLaunchTemplateVersionOnEveryBuild(t *testing.T) {
	forEachBakingEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		lt := cdktest.OnlyResource(t, "AWS::EC2::LaunchTemplate", tpl.Fleet)
		dist := cdktest.OnlyResource(t, "AWS::ImageBuilder::DistributionConfiguration", tpl.Fleet)
		home := cdktest.ValueAt(dist.Properties, "Distributions", 0)
		if got := cdktest.ValueAt(home, "Region"); got != env.Region {
			t.Errorf("first distribution region = %v, want the environment's own %s", got, env.Region)
		}
		want := cdktest.CompactJSON([]any{map[string]any{"LaunchTemplateId": cdktest.Ref(lt.LogicalID), "SetDefaultVersion": true}})
		if got := cdktest.CompactJSON(cdktest.ValueAt(home, "LaunchTemplateConfigurations")); got != want {
			t.Errorf("LaunchTemplateConfigurations = %s, want %s", got, want)
		}
	})
}

func TestTheDistributionWritesTheGoldenAmiParameter(t *testing.T) {
	forEachBakingEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		dist := cdktest.OnlyResource(t, "AWS::ImageBuilder::DistributionConfiguration", tpl.Fleet)
		want := cdktest.CompactJSON([]any{map[string]any{"DataType": "aws:ec2:image", "ParameterName": goldenParameter(env)}})
		if got := cdktest.CompactJSON(cdktest.ValueAt(dist.Properties, "Distributions", 0, "SsmParameterConfigurations")); got != want {
			t.Errorf("SsmParameterConfigurations = %s, want %s", got, want)
		}
	})
}

func TestEachAmiIsNamedWithItsBuildDateAndTagged(t *testing.T) {
	forEachBakingEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		dist := cdktest.OnlyResource(t, "AWS::ImageBuilder::DistributionConfiguration", tpl.Fleet)
		for i := range cdktest.AsList(dist.Properties["Distributions"]) {
			ami := cdktest.ValueAt(dist.Properties, "Distributions", i, "AmiDistributionConfiguration")
			if name := fmt.Sprint(cdktest.ValueAt(ami, "Name")); !strings.Contains(name, "{{ imagebuilder:buildDate }}") {
				t.Errorf("distribution %d AMI name %q lacks the build date", i, name)
			}
			want := map[string]string{"golden-fleet:environment": env.Name}
			for k, v := range env.Tags {
				want[k] = v
			}
			if got := cdktest.ValueAt(ami, "AmiTags"); cdktest.CompactJSON(got) != cdktest.CompactJSON(want) {
				t.Errorf("distribution %d AMI tags %s, want %s (the environment's tags and golden-fleet:environment)", i, cdktest.CompactJSON(got), cdktest.CompactJSON(want))
			}
		}
	})
}

func TestTheDistributionCopiesToTheConfiguredExtraRegions(t *testing.T) {
	forEachBakingEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		dist := cdktest.OnlyResource(t, "AWS::ImageBuilder::DistributionConfiguration", tpl.Fleet)
		regions := []string{}
		for _, d := range cdktest.AsList(dist.Properties["Distributions"])[1:] {
			regions = append(regions, fmt.Sprint(cdktest.ValueAt(d, "Region")))
			if cdktest.ValueAt(d, "LaunchTemplateConfigurations") != nil || cdktest.ValueAt(d, "SsmParameterConfigurations") != nil {
				t.Errorf("extra region %v gets launch template versions or parameter writes: both live only in %s", cdktest.ValueAt(d, "Region"), env.Region)
			}
		}
		want := append([]string{}, env.Image.DistributionRegions...)
		if cdktest.CompactJSON(regions) != cdktest.CompactJSON(want) {
			t.Errorf("extra regions = %v, want %v", regions, want)
		}
	})
}

func TestTheDistributionHasTheNameThePipelineBuildsItsArnFrom(t *testing.T) {
	forEachBakingEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		dist := cdktest.OnlyResource(t, "AWS::ImageBuilder::DistributionConfiguration", tpl.Fleet)
		if want := synthesized.cfg.NamesOf(env).Distribution(); dist.Properties["Name"] != want {
			t.Errorf("distribution name %v, want %s (the pipeline builds its ARN from that name)", dist.Properties["Name"], want)
		}
	})
}
