package stacks_test

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"regexp"
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

// sdkCall decodes an AwsCustomResource call (Create, Update or Delete):
// a JSON string, or an Fn::Join of one whose Refs become "@@Ref:<id>@@".
func sdkCall(t *testing.T, v any) map[string]any {
	t.Helper()
	text, ok := v.(string)
	if !ok {
		parts, _ := cdktest.ValueAt(v, "Fn::Join", 1).([]any)
		if parts == nil {
			t.Fatalf("call %s: want a string or an Fn::Join", cdktest.CompactJSON(v))
		}
		var b strings.Builder
		for _, part := range parts {
			switch part := part.(type) {
			case string:
				b.WriteString(part)
			case map[string]any:
				b.WriteString(fmt.Sprintf("@@Ref:%v@@", part["Ref"]))
			}
		}
		text = b.String()
	}
	var call map[string]any
	if err := json.Unmarshal([]byte(text), &call); err != nil {
		t.Fatalf("call %q: %v", text, err)
	}
	return call
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

func TestTheGoldenAmiSeedIsWrittenOnCreateOnlyAndNeverOverwritten(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		var writers []string
		for id, r := range tpl.Fleet.Template["Resources"].(map[string]any) {
			props, _ := cdktest.ValueAt(r, "Properties").(map[string]any)
			if props["Create"] == nil && props["Update"] == nil {
				continue
			}
			for _, kind := range []string{"Update", "Delete"} {
				if props[kind] != nil {
					t.Errorf("%s makes a call on %s: %s", id, kind, cdktest.CompactJSON(props[kind]))
				}
			}
			call := sdkCall(t, props["Create"])
			if cdktest.ValueAt(call, "parameters", "Name") != goldenParameter(env) {
				continue
			}
			writers = append(writers, id)
			if call["service"] != "SSM" || call["action"] != "PutParameter" {
				t.Errorf("%s calls %v.%v, want SSM.PutParameter", id, call["service"], call["action"])
			}
			if got := cdktest.ValueAt(call, "parameters", "Overwrite"); got != false {
				t.Errorf("%s: Overwrite = %v, want false: an existing golden parameter must keep its value", id, got)
			}
			if ignore, _ := call["ignoreErrorCodesMatching"].(string); ignore == "" || !regexp.MustCompile(ignore).MatchString("ParameterAlreadyExists") {
				t.Errorf("%s: ignoreErrorCodesMatching = %q: a parameter that exists (stack deployed again) must not fail the create", id, ignore)
			}
			if got := cdktest.ValueAt(call, "parameters", "DataType"); got != "aws:ec2:image" {
				t.Errorf("%s: DataType = %v, want aws:ec2:image (EC2 resolves only such parameters at launch)", id, got)
			}
			value := fmt.Sprint(cdktest.ValueAt(call, "parameters", "Value"))
			if !strings.HasPrefix(env.Fleet.SeedImage, "/") {
				if value != env.Fleet.SeedImage {
					t.Errorf("%s puts %s, want the seed AMI %s", id, value, env.Fleet.SeedImage)
				}
				continue
			}
			// An SSM path: a stack parameter of an SSM parameter type,
			// whose default is the path.
			m := regexp.MustCompile(`^@@Ref:(.+)@@$`).FindStringSubmatch(value)
			if m == nil {
				t.Fatalf("%s puts %s, want a Ref to a stack parameter reading %s", id, value, env.Fleet.SeedImage)
			}
			param, _ := cdktest.ValueAt(tpl.Fleet.Template, "Parameters", m[1]).(map[string]any)
			if param["Type"] != "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>" || param["Default"] != env.Fleet.SeedImage {
				t.Errorf("stack parameter %s = %s, want type AWS::SSM::Parameter::Value<AWS::EC2::Image::Id> with default %s", m[1], cdktest.CompactJSON(param), env.Fleet.SeedImage)
			}
		}
		if len(writers) != 1 {
			t.Fatalf("%d resources put %s (%v), want exactly one", len(writers), goldenParameter(env), writers)
		}
		// EC2 checks that the parameter exists when the launch template is
		// created.
		lt := cdktest.OnlyResource(t, "AWS::EC2::LaunchTemplate", tpl.Fleet)
		deps := cdktest.AsList(cdktest.ValueAt(tpl.Fleet.Template, "Resources", lt.LogicalID, "DependsOn"))
		if !slices.Contains(deps, any(writers[0])) {
			t.Errorf("launch template %s depends on %v, want it created after the seed writer %s", lt.LogicalID, deps, writers[0])
		}
	})
}

// awsCustomResourceFunction starts the logical id of the function that
// CDK's AwsCustomResource shares across a stack (its construct id, fixed
// by aws-cdk-lib).
const awsCustomResourceFunction = "AWS679f53fac002430cb0da5b7982bd2287"

// The seed writer may write the golden parameter and nothing else. Its
// permissions are the policies of the role of AwsCustomResource's
// function (a promotion target's cross-account role writes the parameter
// too: promotion_test.go).
func TestTheSeedWriterMayWriteOnlyTheGoldenAmiParameter(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		want := fmt.Sprintf("arn:aws:ssm:%s:%s:parameter%s", env.Region, env.Account, goldenParameter(env))
		var writerRoles []any
		for _, fn := range cdktest.Resources("AWS::Lambda::Function", tpl.Fleet) {
			if strings.HasPrefix(fn.LogicalID, awsCustomResourceFunction) {
				writerRoles = append(writerRoles, cdktest.Ref(fmt.Sprint(cdktest.ValueAt(fn.Properties, "Role", "Fn::GetAtt", 0))))
			}
		}
		if len(writerRoles) != 1 {
			t.Fatalf("%d functions of AwsCustomResource, want one", len(writerRoles))
		}
		found := false
		for _, p := range cdktest.Resources("AWS::IAM::Policy", tpl.Fleet) {
			if cdktest.CompactJSON(p.Properties["Roles"]) != cdktest.CompactJSON(writerRoles) {
				continue
			}
			found = true
			for _, st := range cdktest.AsList(cdktest.ValueAt(p.Properties, "PolicyDocument", "Statement")) {
				if r := cdktest.ValueAt(st, "Resource"); r != want {
					t.Errorf("%s: statement %s on %v, want only %s", p, cdktest.CompactJSON(st), r, want)
				}
				for _, a := range cdktest.AsList(cdktest.ValueAt(st, "Action")) {
					if a != "ssm:PutParameter" && a != "ssm:AddTagsToResource" {
						t.Errorf("%s: action %v, want only ssm:PutParameter and ssm:AddTagsToResource", p, a)
					}
				}
			}
		}
		if !found {
			t.Error("no policy lets the seed writer put the parameter")
		}
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
