package stacks_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/stacks/internal/cdktest"
)

// Intent tests of the image-factory stack (imagefactory.go): components,
// recipe, infrastructure configuration, pipeline and its execution role.
// The security defaults (IMDSv2, encryption, private subnets, the log
// bucket) are in security_test.go.

// ourComponents are the component names env configures, build components
// first, in recipe order.
func ourComponents(env config.Environment) []string {
	return append(slices.Clone(env.Image.Components), env.Image.TestComponents...)
}

func TestTheRecipeRunsTheCloudWatchAgentThenOurComponentsInOrder(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		recipe := cdktest.OnlyResource(t, "AWS::ImageBuilder::ImageRecipe", tpl.ImageFactory)
		byName := map[string]string{} // configured name -> logical id
		for _, c := range cdktest.Resources("AWS::ImageBuilder::Component", tpl.ImageFactory) {
			for _, n := range ourComponents(env) {
				// <prefix>-<env>-<name>-<8 hex digits>
				base := namePrefix(env) + "-" + n + "-"
				if name := fmt.Sprint(c.Properties["Name"]); strings.HasPrefix(name, base) && len(name) == len(base)+8 {
					byName[n] = c.LogicalID
				}
			}
		}
		want := []any{map[string]any{"ComponentArn": fmt.Sprintf("arn:aws:imagebuilder:%s:aws:component/amazon-cloudwatch-agent-linux/x.x.x", env.Region)}}
		for _, n := range ourComponents(env) {
			id, ok := byName[n]
			if !ok {
				t.Fatalf("no component for %q", n)
			}
			want = append(want, map[string]any{"ComponentArn": cdktest.GetAtt(id, "Arn")})
		}
		if got := cdktest.CompactJSON(recipe.Properties["Components"]); got != cdktest.CompactJSON(want) {
			t.Errorf("recipe components = %s\nwant %s", got, cdktest.CompactJSON(want))
		}
	})
}

func TestOurComponentsAreTheEmbeddedDocumentsUnchanged(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		documents := map[string]bool{}
		for _, c := range cdktest.Resources("AWS::ImageBuilder::Component", tpl.ImageFactory) {
			documents[fmt.Sprint(c.Properties["Data"])] = true
			if c.Properties["Platform"] != "Linux" || c.Properties["Version"] != "1.0.0" {
				t.Errorf("component %v: platform %v version %v, want Linux 1.0.0", c.Properties["Name"], c.Properties["Platform"], c.Properties["Version"])
			}
		}
		for _, n := range ourComponents(env) {
			data, err := os.ReadFile(filepath.Join("..", "components", n+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if !documents[string(data)] {
				t.Errorf("no component carries components/%s.yaml as its document", n)
			}
		}
	})
}

func TestTheRecipeFollowsTheConfiguredParentImageVolumeAndWorkingDirectory(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		recipe := cdktest.OnlyResource(t, "AWS::ImageBuilder::ImageRecipe", tpl.ImageFactory).Properties
		var want string
		switch p := env.Image.Parent; {
		case p.Managed != "":
			want = fmt.Sprintf("arn:aws:imagebuilder:%s:aws:image/%s", env.Region, p.Managed)
		case p.AmiID != "":
			want = p.AmiID
		default:
			want = "ssm:" + p.SsmParameter
		}
		if recipe["ParentImage"] != want {
			t.Errorf("ParentImage = %v, want %q", recipe["ParentImage"], want)
		}
		if recipe["WorkingDirectory"] != env.Image.WorkingDirectory {
			t.Errorf("WorkingDirectory = %v, want %q", recipe["WorkingDirectory"], env.Image.WorkingDirectory)
		}
		ebs := cdktest.ValueAt(recipe, "BlockDeviceMappings", 0, "Ebs")
		if cdktest.ValueAt(ebs, "VolumeType") != "gp3" || fmt.Sprint(cdktest.ValueAt(ebs, "VolumeSize")) != fmt.Sprint(env.Image.RootVolumeGiB) {
			t.Errorf("recipe root volume %s, want gp3 of %d GiB", cdktest.CompactJSON(ebs), env.Image.RootVolumeGiB)
		}
	})
}

func TestTheInfrastructureConfigurationMakesTheServiceDefaultsExplicit(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		infra := cdktest.OnlyResource(t, "AWS::ImageBuilder::InfrastructureConfiguration", tpl.ImageFactory).Properties
		profile := cdktest.OnlyResource(t, "AWS::IAM::InstanceProfile", tpl.ImageFactory)
		topic := cdktest.OnlyResource(t, "AWS::SNS::Topic", tpl.ImageFactory)
		bucket := cdktest.OnlyResource(t, "AWS::S3::Bucket", tpl.ImageFactory)
		for key, want := range map[string]any{
			"InstanceProfileName": cdktest.Ref(profile.LogicalID),
			"SnsTopicArn":         cdktest.Ref(topic.LogicalID),
			"InstanceTypes":       env.Image.BuildInstanceTypes,
		} {
			if got := cdktest.CompactJSON(infra[key]); got != cdktest.CompactJSON(want) {
				t.Errorf("%s = %s, want %s", key, got, cdktest.CompactJSON(want))
			}
		}
		if got := cdktest.CompactJSON(cdktest.ValueAt(infra, "Logging", "S3Logs", "S3BucketName")); got != cdktest.CompactJSON(cdktest.Ref(bucket.LogicalID)) {
			t.Errorf("build logs go to %s, want the log bucket %s", got, bucket.LogicalID)
		}
		var policies string
		for _, r := range cdktest.Resources("AWS::IAM::Role", tpl.ImageFactory) {
			if strings.HasPrefix(r.LogicalID, "InfrastructureInstanceRole") {
				policies = cdktest.CompactJSON(r.Properties["ManagedPolicyArns"])
			}
		}
		for _, p := range []string{"EC2InstanceProfileForImageBuilder", "AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"} {
			if !strings.Contains(policies, ":iam::aws:policy/"+p) {
				t.Errorf("build instance role lacks %s: %s", p, policies)
			}
		}
	})
}

func TestThePipelineRunsOnTheConfiguredScheduleWithImageTests(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		pipeline := cdktest.OnlyResource(t, "AWS::ImageBuilder::ImagePipeline", tpl.ImageFactory).Properties
		recipe := cdktest.OnlyResource(t, "AWS::ImageBuilder::ImageRecipe", tpl.ImageFactory)
		infra := cdktest.OnlyResource(t, "AWS::ImageBuilder::InfrastructureConfiguration", tpl.ImageFactory)
		for key, want := range map[string]any{
			"Schedule":                       map[string]any{"PipelineExecutionStartCondition": env.Image.StartCondition, "ScheduleExpression": env.Image.Schedule},
			"ImageTestsConfiguration":        map[string]any{"ImageTestsEnabled": true, "TimeoutMinutes": env.Image.TestTimeoutMinutes},
			"ImageRecipeArn":                 cdktest.GetAtt(recipe.LogicalID, "Arn"),
			"InfrastructureConfigurationArn": cdktest.GetAtt(infra.LogicalID, "Arn"),
			"DistributionConfigurationArn":   fmt.Sprintf("arn:aws:imagebuilder:%s:%s:distribution-configuration/%s", env.Region, env.Account, synthesized.cfg.NamesOf(env).Distribution()),
			"Status":                         "ENABLED",
		} {
			if got := cdktest.CompactJSON(pipeline[key]); got != cdktest.CompactJSON(want) {
				t.Errorf("%s = %s, want %s", key, got, cdktest.CompactJSON(want))
			}
		}
	})
}

// allowStatementsWithAction returns the Allow statements of the IAM
// policies in stack that grant action.
func allowStatementsWithAction(stack cdktest.Stack, action string) []any {
	var out []any
	for _, pol := range cdktest.Resources("AWS::IAM::Policy", stack) {
		for _, st := range cdktest.AsList(cdktest.ValueAt(pol.Properties, "PolicyDocument", "Statement")) {
			if cdktest.ValueAt(st, "Effect") == "Allow" && slices.Contains(cdktest.AsList(cdktest.ValueAt(st, "Action")), any(action)) {
				out = append(out, st)
			}
		}
	}
	return out
}

func TestTheExecutionRoleMayWriteOnlyTheGoldenAmiParameter(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		want := fmt.Sprintf("arn:aws:ssm:%s:%s:parameter%s", env.Region, env.Account, goldenParameter(env))
		var writes []string
		for _, st := range allowStatementsWithAction(tpl.ImageFactory, "ssm:PutParameter") {
			writes = append(writes, cdktest.CompactJSON(cdktest.ValueAt(st, "Resource")))
		}
		if len(writes) != 1 || writes[0] != cdktest.CompactJSON(want) {
			t.Errorf("ssm:PutParameter granted on %v, want only on %q", writes, want)
		}
	})
}

func TestTheExecutionRoleMayAddVersionsOnlyToTheFleetsLaunchTemplate(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		value := namePrefix(env)
		lt := cdktest.OnlyResource(t, "AWS::EC2::LaunchTemplate", tpl.Fleet)
		tagged := false
		for _, spec := range cdktest.AsList(lt.Properties["TagSpecifications"]) {
			if cdktest.ValueAt(spec, "ResourceType") == "launch-template" &&
				strings.Contains(cdktest.CompactJSON(cdktest.ValueAt(spec, "Tags")), cdktest.CompactJSON(map[string]any{"Key": config.FleetTagKey, "Value": value})) {
				tagged = true
			}
		}
		if !tagged {
			t.Errorf("the launch template is not tagged %s=%s", config.FleetTagKey, value)
		}
		statements := allowStatementsWithAction(tpl.ImageFactory, "ec2:CreateLaunchTemplateVersion")
		if len(statements) == 0 {
			t.Fatal("the execution role may not add launch template versions: the distribution would fail")
		}
		want := cdktest.CompactJSON(map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/" + config.FleetTagKey: value}})
		for _, st := range statements {
			if got := cdktest.CompactJSON(cdktest.ValueAt(st, "Condition")); got != want {
				t.Errorf("launch template writes are conditioned on %s, want %s", got, want)
			}
		}
	})
}
