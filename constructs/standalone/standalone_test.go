package standalone_test

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/constructs/fleet"
	"github.com/immutable-server/golden-fleet/constructs/imagebuilder"
	"github.com/immutable-server/golden-fleet/constructs/lifecycle"
	"github.com/immutable-server/golden-fleet/constructs/network"
	"github.com/immutable-server/golden-fleet/constructs/notify"
	"github.com/immutable-server/golden-fleet/constructs/observability"
	"github.com/immutable-server/golden-fleet/constructs/promotion"
	"github.com/immutable-server/golden-fleet/constructs/rollout"
)

func TestMain(m *testing.M) {
	defer jsii.Close()
	m.Run()
}

// The app's packages: a construct that imports one is not usable in
// another CDK app.
var appPackages = []string{"/config", "/stacks", "/cmd/"}

func TestConstructsImportNoAppPackage(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}`, "github.com/immutable-server/golden-fleet/constructs/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/immutable-server/golden-fleet"
	for _, p := range strings.Fields(string(out)) {
		rest, ok := strings.CutPrefix(p, module)
		if !ok {
			continue
		}
		for _, app := range appPackages {
			if rest == app || strings.HasPrefix(rest+"/", app+"/") || (strings.HasSuffix(app, "/") && strings.HasPrefix(rest, app)) {
				t.Errorf("a construct package depends on %s, a package of the app", p)
			}
		}
	}
}

// importedVpc is a VPC another app already has.
func importedVpc(s awscdk.Stack) awsec2.IVpc {
	return awsec2.Vpc_FromVpcAttributes(s, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId: jsii.String("vpc-12345678"), AvailabilityZones: jsii.Strings("us-east-2a"), PrivateSubnetIds: jsii.Strings("subnet-12345678"),
	})
}

// newGolden is a golden AMI parameter with its required props only.
func newGolden(s awscdk.Stack) *fleet.GoldenImage {
	return fleet.NewGoldenImage(s, "Golden", fleet.GoldenImageProps{ParameterName: "/imagebuilder/other/golden-ami", SeedImage: "ami-0123456789abcdef0"})
}

// newFleet is a launch template and a group with their required props
// only, in an imported VPC.
func newFleet(s awscdk.Stack) (*fleet.LaunchTemplate, *fleet.Group) {
	vpc := importedVpc(s)
	lt := fleet.NewLaunchTemplate(s, "LaunchTemplate", fleet.LaunchTemplateProps{NamePrefix: "other", Vpc: vpc, Image: newGolden(s), InstanceType: "t3.micro"})
	return lt, fleet.NewGroup(s, "Group", fleet.GroupProps{Vpc: vpc, LaunchTemplate: lt, MinCapacity: 1, MaxCapacity: 1, DesiredCapacity: 1})
}

// names is another app's naming of what FleetMonitoring creates.
type names struct{}

func (names) Base() string              { return "other" }
func (names) LogGroupPrefix() string    { return "/other" }
func (names) SystemLogGroup() string    { return "/other/system" }
func (names) AccessLogGroup() string    { return "/other/access" }
func (names) ErrorLogGroup() string     { return "/other/error" }
func (names) EventLogGroup() string     { return "/other/events" }
func (names) AgentParameter() string    { return "/other/agent" }
func (names) MetricNamespace() string   { return "Other" }
func (names) LaunchFailures() string    { return "other-launch-failures" }
func (names) BelowDesiredAlarm() string { return "other-below-desired" }
func (names) BuildResultsRule() string  { return "other-builds" }
func (names) Dashboard() string         { return "other" }

// template is stack's template, after every construct validated.
func template(t *testing.T, stack awscdk.Stack) map[string]any {
	t.Helper()
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		for _, e := range *c.Node().Validate() {
			t.Errorf("%s: %s", *c.Node().Path(), *e)
		}
	}
	b, _ := json.Marshal(assertions.Template_FromStack(stack, nil).ToJSON())
	var tpl map[string]any
	json.Unmarshal(b, &tpl)
	return tpl
}

// resources are the properties of every resource of type typ.
func resources(tpl map[string]any, typ string) []any {
	var out []any
	res, _ := tpl["Resources"].(map[string]any)
	for _, r := range res {
		r := r.(map[string]any)
		if r["Type"] == typ {
			p, _ := r["Properties"].(map[string]any)
			out = append(out, p)
		}
	}
	return out
}

// at reads a path of keys and indexes in v, as text ("<nil>" when absent).
func at(v any, path ...any) string {
	for _, k := range path {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			s, _ := v.([]any)
			if k >= len(s) {
				return "<nil>"
			}
			v = s[k]
		}
	}
	return fmt.Sprint(v)
}

func expect(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %s, want %s (the documented default)", what, got, want)
	}
}

// Every construct, built with only its required props in a fresh app of
// its own (no feature flags of cdk.json, no configuration), validates,
// synthesizes, and applies the defaults its props document.
//
// It is long because it is a list of independent blocks, one per construct.
func TestEachConstructStandsAloneWithItsDocumentedDefaults(t *testing.T) {
	env := &awscdk.Environment{Account: jsii.String("210987654321"), Region: jsii.String("us-east-2")}
	// A fresh app for every stack, with no context: another app's.
	newStack := func(id string) awscdk.Stack {
		app := awscdk.NewApp(&awscdk.AppProps{BuiltinCloudFormationValidation: jsii.Bool(false)})
		return awscdk.NewStack(app, jsii.String(id), &awscdk.StackProps{Env: env})
	}

	t.Run("network.Vpc", func(t *testing.T) {
		s := newStack("Network")
		network.NewVpc(s, "Vpc", network.VpcProps{})
		tpl := template(t, s)
		vpcs := resources(tpl, "AWS::EC2::VPC")
		expect(t, "VPC CidrBlock", at(vpcs, 0, "CidrBlock"), "10.0.0.0/16")
		expect(t, "NAT gateways", fmt.Sprint(len(resources(tpl, "AWS::EC2::NatGateway"))), "1")
		expect(t, "private subnets (one an AZ)", fmt.Sprint(len(resources(tpl, "AWS::EC2::Subnet"))/2), "2")
		expect(t, "flow log retention", at(resources(tpl, "AWS::Logs::LogGroup"), 0, "RetentionInDays"), "90")
	})

	t.Run("fleet", func(t *testing.T) {
		s := newStack("Fleet")
		lt, group := newFleet(s)
		observability.NewFleetMonitoring(s, "Monitoring", observability.FleetMonitoringProps{
			Names: names{}, Group: group.AutoScalingGroup, InstanceRole: lt.Role,
		})
		tpl := template(t, s)
		expect(t, "launch template root volume", at(resources(tpl, "AWS::EC2::LaunchTemplate"), 0, "LaunchTemplateData", "BlockDeviceMappings", 0, "Ebs", "VolumeSize"), "20")
		expect(t, "group HealthCheckGracePeriod", at(resources(tpl, "AWS::AutoScaling::AutoScalingGroup"), 0, "HealthCheckGracePeriod"), "300")
		for _, g := range resources(tpl, "AWS::Logs::LogGroup") {
			if at(g, "LogGroupName") == "<nil>" {
				continue // the seed writer's function logs (GoldenImage), kept two years whatever the props
			}
			expect(t, "log group "+at(g, "LogGroupName")+" retention", at(g, "RetentionInDays"), "90")
		}
		for _, a := range resources(tpl, "AWS::CloudWatch::Alarm") {
			if at(a, "AlarmName") == "other-below-desired" {
				expect(t, "below-desired alarm evaluation periods (one a minute)", at(a, "EvaluationPeriods"), "15")
			}
		}
		if got := len(resources(tpl, "AWS::CloudWatch::Alarm")); got != 2 {
			t.Errorf("alarms: %d, want 2", got)
		}
	})

	t.Run("imagebuilder", func(t *testing.T) {
		s := newStack("ImageFactory")
		component := imagebuilder.NewComponent(s, "Component", imagebuilder.ComponentProps{
			Name: "other-hello", Data: []byte("name: hello\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Hello\n        action: ExecuteBash\n        inputs:\n          commands: [echo hello]\n"),
		})
		recipe := imagebuilder.NewImageRecipe(s, "Recipe", imagebuilder.ImageRecipeProps{
			Name: "other", Parent: imagebuilder.ManagedImage("amazon-linux-2023-x86/x.x.x"), Components: []imagebuilder.IComponent{component}, RootDeviceName: "/dev/xvda",
		})
		infra := imagebuilder.NewInfrastructureConfiguration(s, "Infrastructure", imagebuilder.InfrastructureConfigurationProps{Name: "other-builds"})
		golden := newGolden(s)
		vpc := importedVpc(s)
		lt := fleet.NewLaunchTemplate(s, "LaunchTemplate", fleet.LaunchTemplateProps{
			NamePrefix: "other", Vpc: vpc, Image: golden, InstanceType: "t3.micro", FleetTag: fleet.Tag{Key: "fleet", Value: "other"},
		})
		distribution := imagebuilder.NewDistributionConfiguration(s, "Distribution", imagebuilder.DistributionConfigurationProps{
			Name: "other-fleet", AmiName: "other", LaunchTemplate: lt, Parameter: golden,
		})
		imagebuilder.NewImagePipeline(s, "Pipeline", imagebuilder.ImagePipelineProps{
			Name: "other", Recipe: recipe, Infrastructure: infra, Distribution: distribution, Schedule: "cron(0 4 ? * SUN *)",
		})
		lifecycle.NewPolicy(s, "Lifecycle", lifecycle.PolicyProps{
			Name: "other", ImageTags: map[string]string{"pipeline": "other"}, KeepLatest: 3, DeprecateAfterDays: 30, DeleteAfterDays: 90,
		})
		tpl := template(t, s)
		r := resources(tpl, "AWS::ImageBuilder::ImageRecipe")
		expect(t, "recipe root volume", at(r, 0, "BlockDeviceMappings", 0, "Ebs", "VolumeSize"), "20")
		expect(t, "recipe WorkingDirectory", at(r, 0, "WorkingDirectory"), "/tmp")
		p := resources(tpl, "AWS::ImageBuilder::ImagePipeline")
		expect(t, "pipeline test timeout", at(p, 0, "ImageTestsConfiguration", "TimeoutMinutes"), "60")
		expect(t, "pipeline start condition", at(p, 0, "Schedule", "PipelineExecutionStartCondition"), "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE")
		expect(t, "build log expiry", at(resources(tpl, "AWS::S3::Bucket"), 0, "LifecycleConfiguration", "Rules", 0, "ExpirationInDays"), "90")
	})

	t.Run("operations and promotion", func(t *testing.T) {
		s := newStack("Operations")
		lt, group := newFleet(s)
		rollout.NewAutomaticRollout(s, "Rollout", rollout.AutomaticRolloutProps{
			Parameter:          awsssm.StringParameter_FromStringParameterName(s, jsii.String("GoldenRef"), jsii.String("/imagebuilder/other/golden-ami")),
			Group:              group.AutoScalingGroup,
			LaunchTemplateRole: lt.Role,
		})
		lifecycle.NewMarker(s, "Marker", lifecycle.MarkerProps{ParameterName: "/imagebuilder/other/golden-ami", Fleet: "other"})
		notify.EncryptedTopic(s, notify.TopicProps{KeyID: "TopicKey", TopicID: "Topic", KeyDescription: "other", Publisher: "AutoScaling",
			ServiceLinkedRole: "aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"})
		promotion.NewAmiKey(s, "AmiKey", promotion.AmiKeyProps{Alias: "alias/other-ami"})
		promotion.NewExecutionRole(s, "PromotionRole", promotion.ExecutionRoleProps{RoleName: "other-promotion"})
		tpl := template(t, s)
		if got := len(resources(tpl, "AWS::StepFunctions::StateMachine")); got != 2 {
			t.Errorf("state machines: %d, want 2 (the rollout and the marker)", got)
		}
		expect(t, "AMI key alias", at(resources(tpl, "AWS::KMS::Alias"), 0, "AliasName"), "alias/other-ami")
	})
}
