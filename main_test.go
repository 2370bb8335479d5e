package main

// These tests synthesize exactly what `cdk synth` synthesizes — the same
// configuration, the same composition (stacks.Build) and the feature flags
// from cdk.json — once per test binary, then check it two ways (the
// security and cdk-nag tests in security_test.go and nag_test.go read the
// same synthesis):
//
//   - golden snapshots of every template under testdata/, which catch any
//     change and print it as a diff with the command that accepts it;
//   - intent tests, one behaviour each, derived from the requirements.

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/stacks"
)

var update = flag.Bool("update", false, "rewrite the golden templates under testdata/ with the synthesized ones")

func TestMain(m *testing.M) {
	flag.Parse()
	// Synthesize before any test: the security and cdk-nag tests read the
	// assembly directly.
	synthOnce.Do(func() { synthErr = synth.build() })
	if synthErr != nil {
		fmt.Fprintln(os.Stderr, "synthesis:", synthErr)
		jsii.Close()
		os.Exit(1)
	}
	code := m.Run()
	jsii.Close()
	if synth.dir != "" {
		os.RemoveAll(synth.dir)
	}
	os.Exit(code)
}

// synthesized is the app as `cdk synth` builds it.
type synthesized struct {
	dir       string
	cfg       config.App                // config.Default(): what `cdk synth` deploys
	raw       map[string][]byte         // stack name -> template file
	templates map[string]map[string]any // stack name -> parsed template
	deps      map[string][]string       // stack name -> stacks it depends on
	// synthErr is why app.Synth failed (after writing the assembly), for
	// example an error annotation of an unsuppressed cdk-nag rule.
	synthErr error
}

var (
	synth     synthesized
	synthOnce sync.Once
	synthErr  error
)

// app synthesizes once per test binary, and every test shares it. This is
// the only test binary that starts jsii: each such binary costs a 90 MB
// link and a Node.js start, more than the synthesis itself, so the
// construct-level rollout tests (launchtemplate_test.go,
// immutability_test.go) live here too.
//
// The app is config.Default() plus cmkEnvironment (security_test.go), a
// test-only environment with a customer-managed EBS key, with cdk-nag's
// AwsSolutions pack applied (it writes reports; it changes no template).
// Golden snapshots and intent tests look only at config.Default()'s
// stacks.
func app(t *testing.T) *synthesized {
	t.Helper()
	synthOnce.Do(func() { synthErr = synth.build() })
	if synthErr != nil {
		t.Fatal(synthErr)
	}
	return &synth
}

func (s *synthesized) build() error {
	ctx, err := cdkJSONContext()
	if err != nil {
		return err
	}
	s.dir, err = os.MkdirTemp("", "golden-fleet-test-")
	if err != nil {
		return err
	}
	s.cfg = config.Default()
	all := config.Default()
	all.Environments = append(all.Environments, cmkEnvironment())
	docs := components.Embedded()
	if err := config.Validate(all, docs); err != nil {
		return err
	}
	// The built-in CloudFormation validation doubles the time of a synth;
	// `make synth-check` runs it (CDK_VALIDATION=true cdk synth) next to
	// cfn-lint. CDK_VALIDATION=true turns it on here too.
	validation := os.Getenv("CDK_VALIDATION") == "true"
	a := awscdk.NewApp(&awscdk.AppProps{
		Context:                         &ctx,
		Outdir:                          jsii.String(s.dir),
		BuiltinCloudFormationValidation: &validation,
	})
	stacks.Build(a, all, docs)
	awscdk.Aspects_Of(a).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Reports: jsii.Bool(true)}), nil)
	s.synthErr = synthesize(a)

	if assembled, err = readAssembly(s.dir); err != nil {
		return err
	}
	s.raw = map[string][]byte{}
	s.templates = map[string]map[string]any{}
	s.deps = map[string][]string{}
	for _, st := range assembled.Stacks {
		if s.inDefaultConfig(st.Name) {
			s.raw[st.Name] = st.Raw
			s.templates[st.Name] = st.Template
			s.deps[st.Name] = st.Dependencies
		}
	}
	return nil
}

// inDefaultConfig says whether stack belongs to an environment of
// config.Default().
func (s *synthesized) inDefaultConfig(stack string) bool {
	for _, env := range s.cfg.Environments {
		if strings.HasPrefix(stack, s.cfg.Prefix+"-"+env.Name+"-") {
			return true
		}
	}
	return false
}

// synthesize runs app.Synth, turning the panic of a failed validation (an
// error annotation) into an error; the assembly is written either way.
func synthesize(a awscdk.App) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesis failed: %v", r)
		}
	}()
	a.Synth(nil)
	return nil
}

// cdkJSONContext is the context block of cdk.json: the feature flags and
// the committed availability zones, which awscdk.NewApp(nil) would not load.
func cdkJSONContext() (map[string]any, error) {
	data, err := os.ReadFile("cdk.json")
	if err != nil {
		return nil, err
	}
	var f struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("cdk.json: %w", err)
	}
	// What the CDK CLI adds to the context of every `cdk synth` (with
	// "versionReporting": false in cdk.json), so the templates are the same.
	f.Context["aws:cdk:enable-path-metadata"] = true
	f.Context["aws:cdk:enable-asset-metadata"] = true
	f.Context["aws:cdk:version-reporting"] = false
	return f.Context, nil
}

// --- golden snapshots ---------------------------------------------------

// TestGoldenTemplates compares every synthesized template with
// testdata/<stack>.template.json. Nothing is normalized: the templates hold
// no asset hashes, timestamps or versions that vary between runs.
func TestGoldenTemplates(t *testing.T) {
	s := app(t)
	names := make([]string, 0, len(s.raw))
	for name := range s.raw {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name+".template.json")
			got := s.raw[name]
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("no golden template for stack %s (%v)\naccept it with: go test . -run 'TestGoldenTemplates' -update", name, err)
			}
			if string(got) != string(want) {
				t.Errorf("stack %s differs from %s (- golden, + synthesized):\n%s\naccept the change, after reading it, with: go test . -run 'TestGoldenTemplates' -update",
					name, path, lineDiff(string(want), string(got), 3))
			}
		})
	}
	if !*update {
		// A golden file without a stack is a stack that disappeared.
		files, _ := filepath.Glob(filepath.Join("testdata", "*.template.json"))
		for _, f := range files {
			name := strings.TrimSuffix(filepath.Base(f), ".template.json")
			if _, ok := s.raw[name]; !ok {
				t.Errorf("golden template %s has no synthesized stack: remove it if the stack is gone on purpose", f)
			}
		}
	}
}

// --- template helpers ---------------------------------------------------

func resources(tpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			props, _ := res["Properties"].(map[string]any)
			out[id] = props
		}
	}
	return out
}

// only returns the single resource of typ in tpl.
func only(t *testing.T, tpl map[string]any, typ string) (string, map[string]any) {
	t.Helper()
	rs := resources(tpl, typ)
	if len(rs) != 1 {
		t.Fatalf("want exactly one %s, got %d", typ, len(rs))
	}
	for id, p := range rs {
		return id, p
	}
	return "", nil
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }

func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// forEachEnv runs f for every environment with its templates.
func forEachEnv(t *testing.T, f func(t *testing.T, env config.Environment, fleet, factory map[string]any)) {
	s := app(t)
	for _, env := range s.cfg.Environments {
		env := env.WithDefaults()
		t.Run(env.Name, func(t *testing.T) {
			fleet := s.templates[stacks.StackName(s.cfg.Prefix, env.Name, "fleet")]
			factory := s.templates[stacks.StackName(s.cfg.Prefix, env.Name, "image-factory")]
			if fleet == nil || factory == nil {
				t.Fatalf("environment %s: missing fleet or image-factory stack", env.Name)
			}
			f(t, env, fleet, factory)
		})
	}
}

func goldenParameter(s *synthesized, env config.Environment) string {
	return stacks.GoldenParameterName(s.cfg.Prefix, env.Name)
}

// --- stacks -------------------------------------------------------------

func TestEachEnvironmentHasAFleetAndAnImageFactoryStack(t *testing.T) {
	s := app(t)
	for _, env := range s.cfg.Environments {
		for _, role := range []string{"fleet", "image-factory"} {
			if _, ok := s.templates[stacks.StackName(s.cfg.Prefix, env.Name, role)]; !ok {
				t.Errorf("environment %s has no %s stack", env.Name, role)
			}
		}
		_, hasNetwork := s.templates[stacks.StackName(s.cfg.Prefix, env.Name, "network")]
		if hasNetwork != (env.Network.Create != nil) {
			t.Errorf("environment %s: network stack present=%v, but the config creates a VPC=%v", env.Name, hasNetwork, env.Network.Create != nil)
		}
	}
}

func TestTheImageFactoryDeploysAfterTheFleetItDistributesTo(t *testing.T) {
	s := app(t)
	for _, env := range s.cfg.Environments {
		factory := stacks.StackName(s.cfg.Prefix, env.Name, "image-factory")
		fleet := stacks.StackName(s.cfg.Prefix, env.Name, "fleet")
		if !slices.Contains(s.deps[factory], fleet) {
			t.Errorf("%s depends on %v, want it to depend on %s", factory, s.deps[factory], fleet)
		}
	}
}

func TestTheFleetStackReadsNoImageBuilderAttribute(t *testing.T) {
	// moto has no Image Builder: it skips those resources, and a GetAtt on
	// one fails the whole create. The fleet stack must deploy to moto.
	s := app(t)
	for _, env := range s.cfg.Environments {
		name := stacks.StackName(s.cfg.Prefix, env.Name, "fleet")
		tpl := s.templates[name]
		ib := map[string]bool{}
		for id, r := range tpl["Resources"].(map[string]any) {
			if strings.HasPrefix(r.(map[string]any)["Type"].(string), "AWS::ImageBuilder::") {
				ib[id] = true
			}
		}
		text := string(s.raw[name])
		for id := range ib {
			if strings.Contains(text, fmt.Sprintf(`"Fn::GetAtt": [
       "%s"`, id)) || strings.Contains(text, fmt.Sprintf(`"Ref": "%s"`, id)) {
				t.Errorf("%s refers to Image Builder resource %s", name, id)
			}
		}
	}
}

func TestEveryStackCarriesTheEnvironmentTags(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, factory map[string]any) {
		_, asg := only(t, fleet, "AWS::AutoScaling::AutoScalingGroup")
		tags := map[string]any{}
		for _, tag := range asg["Tags"].([]any) {
			m := tag.(map[string]any)
			tags[m["Key"].(string)] = m["Value"]
			if m["PropagateAtLaunch"] != true {
				t.Errorf("group tag %v does not propagate to instances", m["Key"])
			}
		}
		_, pipeline := only(t, factory, "AWS::ImageBuilder::ImagePipeline")
		for k, v := range env.Tags {
			if tags[k] != v {
				t.Errorf("group tag %s = %v, want %q", k, tags[k], v)
			}
			if path(pipeline, "Tags", k) != v {
				t.Errorf("pipeline tag %s = %v, want %q", k, path(pipeline, "Tags", k), v)
			}
		}
	})
}

// --- fleet --------------------------------------------------------------

func TestTheLaunchTemplateResolvesTheGoldenAmiParameterAtLaunch(t *testing.T) {
	s := app(t)
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		_, lt := only(t, fleet, "AWS::EC2::LaunchTemplate")
		want := "resolve:ssm:" + goldenParameter(s, env)
		if got := path(lt, "LaunchTemplateData", "ImageId"); got != want {
			t.Errorf("ImageId = %v, want %q: the template must not carry an AMI id of its own", got, want)
		}
	})
}

func TestTheGroupLaunchesFromTheVersionCloudFormationWrote(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		ltID, _ := only(t, fleet, "AWS::EC2::LaunchTemplate")
		_, asg := only(t, fleet, "AWS::AutoScaling::AutoScalingGroup")
		spec := asg["LaunchTemplate"]
		if got, want := jsonOf(path(spec, "LaunchTemplateId")), jsonOf(ref(ltID)); got != want {
			t.Errorf("LaunchTemplateId = %s, want %s", got, want)
		}
		// Version 1 is the only version CloudFormation writes (every change
		// replaces the template); Image Builder's versions carry literal AMIs.
		if got := path(spec, "Version"); got != "1" {
			t.Errorf("Version = %s, want \"1\", the version CloudFormation wrote", jsonOf(got))
		}
	})
}

func TestTheLaunchTemplateNameHashesItsDataAndNamesItsSecurityGroup(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		_, lt := only(t, fleet, "AWS::EC2::LaunchTemplate")
		sgs := resources(fleet, "AWS::EC2::SecurityGroup")
		if len(sgs) != 1 {
			t.Fatalf("want one security group, got %d", len(sgs))
		}
		var sgID string
		for id := range sgs {
			sgID = id
		}
		parts, _ := path(lt, "LaunchTemplateName", "Fn::Join", 1).([]any)
		if len(parts) != 2 {
			t.Fatalf("LaunchTemplateName = %s, want the join of \"<prefix>-<env>-<hash>-\" and the security group id", jsonOf(lt["LaunchTemplateName"]))
		}
		prefix := config.Default().Prefix + "-" + env.Name + "-"
		head, _ := parts[0].(string)
		hash := strings.TrimSuffix(strings.TrimPrefix(head, prefix), "-")
		if !strings.HasPrefix(head, prefix) || len(hash) != 12 || strings.Trim(hash, "0123456789abcdef") != "" {
			t.Errorf("LaunchTemplateName starts %q, want %q, 12 hex digits and '-'", head, prefix)
		}
		if got, want := jsonOf(parts[1]), jsonOf(getAtt(sgID, "GroupId")); got != want {
			t.Errorf("LaunchTemplateName ends with %s, want %s", got, want)
		}
	})
}

func TestTheGroupKeepsTheConfiguredCapacity(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		_, asg := only(t, fleet, "AWS::AutoScaling::AutoScalingGroup")
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
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		_, asg := only(t, fleet, "AWS::AutoScaling::AutoScalingGroup")
		got, set := asg["MaxInstanceLifetime"]
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
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		_, asg := only(t, fleet, "AWS::AutoScaling::AutoScalingGroup")
		zones := asg["VPCZoneIdentifier"].([]any)
		if env.Network.Existing != nil {
			want := env.Network.Existing.PrivateSubnetIDs
			if jsonOf(zones) != jsonOf(want) {
				t.Errorf("VPCZoneIdentifier = %s, want %v", jsonOf(zones), want)
			}
			return
		}
		if len(zones) != env.Network.Create.MaxAzs {
			t.Errorf("group spans %d subnets, want one private subnet in each of %d zones", len(zones), env.Network.Create.MaxAzs)
		}
		for _, z := range zones {
			if !strings.Contains(jsonOf(z), "PrivateSubnet") {
				t.Errorf("group subnet %s is not a private subnet", jsonOf(z))
			}
		}
	})
}

func TestTheLaunchTemplateRequiresImdsv2AndAnEncryptedGp3Root(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		_, lt := only(t, fleet, "AWS::EC2::LaunchTemplate")
		data := lt["LaunchTemplateData"]
		if got := path(data, "MetadataOptions", "HttpTokens"); got != "required" {
			t.Errorf("HttpTokens = %v, want required", got)
		}
		ebs := path(data, "BlockDeviceMappings", 0, "Ebs")
		if path(ebs, "Encrypted") != true || path(ebs, "VolumeType") != "gp3" || fmt.Sprint(path(ebs, "VolumeSize")) != fmt.Sprint(env.Fleet.RootVolumeGiB) {
			t.Errorf("root volume = %s, want encrypted gp3 of %d GiB", jsonOf(ebs), env.Fleet.RootVolumeGiB)
		}
		if env.Fleet.InstanceType != path(data, "InstanceType") {
			t.Errorf("InstanceType = %v, want %s", path(data, "InstanceType"), env.Fleet.InstanceType)
		}
	})
}

func TestTheFleetSecurityGroupOpensOnlyTheConfiguredPorts(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		var ingress []any
		for _, sg := range resources(fleet, "AWS::EC2::SecurityGroup") {
			if rules, ok := sg["SecurityGroupIngress"].([]any); ok {
				ingress = append(ingress, rules...)
			}
		}
		for _, r := range resources(fleet, "AWS::EC2::SecurityGroupIngress") {
			ingress = append(ingress, r)
		}
		if len(ingress) != len(env.Fleet.IngressPorts) {
			t.Fatalf("%d inbound rules, want %d (one per configured port): %s", len(ingress), len(env.Fleet.IngressPorts), jsonOf(ingress))
		}
		for i, port := range env.Fleet.IngressPorts {
			r := ingress[i]
			if fmt.Sprint(path(r, "FromPort")) != fmt.Sprint(port) || path(r, "CidrIp") != env.Fleet.IngressCidr {
				t.Errorf("inbound rule %s, want tcp/%d from %s", jsonOf(r), port, env.Fleet.IngressCidr)
			}
		}
	})
}

func TestTheInstanceRoleHasTheSsmAgentPolicy(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		roles := resources(fleet, "AWS::IAM::Role")
		var found bool
		for id, role := range roles {
			if !strings.HasPrefix(id, "LaunchTemplateInstanceRole") {
				continue
			}
			found = true
			text := jsonOf(role["ManagedPolicyArns"])
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

func TestTheGoldenAmiParameterValueIsTheSameTextForEveryConfiguration(t *testing.T) {
	s := app(t)
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		for id, p := range resources(fleet, "AWS::SSM::Parameter") {
			if p["Name"] != goldenParameter(s, env) {
				continue
			}
			// The value refers to the seed parameter by name; it holds no
			// configured value that a later deploy could change.
			want := jsonOf(map[string]any{"Fn::Join": []any{"", []any{"{{resolve:ssm:", ref(seedID(t, fleet)), "}}"}}})
			if got := jsonOf(p["Value"]); got != want {
				t.Errorf("%s Value = %s, want %s", id, got, want)
			}
			if p["DataType"] != "aws:ec2:image" {
				t.Errorf("%s DataType = %v, want aws:ec2:image (EC2 resolves only such parameters at launch)", id, p["DataType"])
			}
			return
		}
		t.Fatalf("no parameter named %s", goldenParameter(s, env))
	})
}

func seedID(t *testing.T, fleet map[string]any) string {
	for id, p := range resources(fleet, "AWS::SSM::Parameter") {
		if strings.HasSuffix(fmt.Sprint(p["Name"]), "/seed") {
			return id
		}
	}
	t.Fatal("no seed parameter")
	return ""
}

func TestTheSeedParameterHoldsTheConfiguredSeedImage(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		p := resources(fleet, "AWS::SSM::Parameter")[seedID(t, fleet)]
		want := env.Fleet.SeedImage
		if strings.HasPrefix(want, "/") {
			want = "{{resolve:ssm:" + want + "}}"
		}
		if p["Value"] != want {
			t.Errorf("seed Value = %v, want %q", p["Value"], want)
		}
	})
}

// --- distribution -------------------------------------------------------

func TestTheDistributionAddsADefaultLaunchTemplateVersionOnEveryBuild(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		ltID, _ := only(t, fleet, "AWS::EC2::LaunchTemplate")
		_, dist := only(t, fleet, "AWS::ImageBuilder::DistributionConfiguration")
		home := path(dist, "Distributions", 0)
		if path(home, "Region") != env.Region {
			t.Errorf("first distribution region = %v, want the environment's own %s", path(home, "Region"), env.Region)
		}
		want := jsonOf([]any{map[string]any{"LaunchTemplateId": ref(ltID), "SetDefaultVersion": true}})
		if got := jsonOf(path(home, "LaunchTemplateConfigurations")); got != want {
			t.Errorf("LaunchTemplateConfigurations = %s, want %s", got, want)
		}
	})
}

func TestTheDistributionWritesTheGoldenAmiParameter(t *testing.T) {
	s := app(t)
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		_, dist := only(t, fleet, "AWS::ImageBuilder::DistributionConfiguration")
		want := jsonOf([]any{map[string]any{"DataType": "aws:ec2:image", "ParameterName": goldenParameter(s, env)}})
		if got := jsonOf(path(dist, "Distributions", 0, "SsmParameterConfigurations")); got != want {
			t.Errorf("SsmParameterConfigurations = %s, want %s", got, want)
		}
	})
}

func TestEachAmiIsNamedWithItsBuildDateAndTagged(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		_, dist := only(t, fleet, "AWS::ImageBuilder::DistributionConfiguration")
		for i := range path(dist, "Distributions").([]any) {
			ami := path(dist, "Distributions", i, "AmiDistributionConfiguration")
			if name := fmt.Sprint(path(ami, "Name")); !strings.Contains(name, "{{ imagebuilder:buildDate }}") {
				t.Errorf("distribution %d AMI name %q lacks the build date", i, name)
			}
			if path(ami, "AmiTags", "golden-fleet:environment") != env.Name {
				t.Errorf("distribution %d AMI tags %s lack golden-fleet:environment=%s", i, jsonOf(path(ami, "AmiTags")), env.Name)
			}
		}
	})
}

func TestTheDistributionCopiesToTheConfiguredExtraRegions(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		_, dist := only(t, fleet, "AWS::ImageBuilder::DistributionConfiguration")
		all := path(dist, "Distributions").([]any)
		var regions []string
		for _, d := range all[1:] {
			regions = append(regions, fmt.Sprint(path(d, "Region")))
			if path(d, "LaunchTemplateConfigurations") != nil {
				t.Errorf("extra region %v gets launch template versions: the template lives only in %s", path(d, "Region"), env.Region)
			}
		}
		if jsonOf(regions) != jsonOf(env.Image.DistributionRegions) && !(len(regions) == 0 && len(env.Image.DistributionRegions) == 0) {
			t.Errorf("extra regions = %v, want %v", regions, env.Image.DistributionRegions)
		}
	})
}

// --- image factory ------------------------------------------------------

func TestTheRecipeRunsTheCloudWatchAgentThenOurComponentsInOrder(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, _, factory map[string]any) {
		_, recipe := only(t, factory, "AWS::ImageBuilder::ImageRecipe")
		comps := resources(factory, "AWS::ImageBuilder::Component")
		byName := map[string]string{} // config name -> logical id
		for id, c := range comps {
			for _, n := range append(slices.Clone(env.Image.Components), env.Image.TestComponents...) {
				if strings.HasPrefix(fmt.Sprint(c["Name"]), config.Default().Prefix+"-"+env.Name+"-"+n+"-") &&
					len(fmt.Sprint(c["Name"])) == len(config.Default().Prefix+"-"+env.Name+"-"+n+"-")+8 {
					byName[n] = id
				}
			}
		}
		want := []any{map[string]any{"ComponentArn": fmt.Sprintf("arn:aws:imagebuilder:%s:aws:component/amazon-cloudwatch-agent-linux/x.x.x", env.Region)}}
		for _, n := range append(slices.Clone(env.Image.Components), env.Image.TestComponents...) {
			id, ok := byName[n]
			if !ok {
				t.Fatalf("no component for %q", n)
			}
			want = append(want, map[string]any{"ComponentArn": getAtt(id, "Arn")})
		}
		if got := jsonOf(recipe["Components"]); got != jsonOf(want) {
			t.Errorf("recipe components = %s\nwant %s", got, jsonOf(want))
		}
	})
}

func TestOurComponentsAreTheEmbeddedDocumentsUnchanged(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, _, factory map[string]any) {
		datas := map[string]bool{}
		for _, c := range resources(factory, "AWS::ImageBuilder::Component") {
			datas[fmt.Sprint(c["Data"])] = true
			if c["Platform"] != "Linux" || c["Version"] != "1.0.0" {
				t.Errorf("component %v: platform %v version %v, want Linux 1.0.0", c["Name"], c["Platform"], c["Version"])
			}
		}
		for _, n := range append(slices.Clone(env.Image.Components), env.Image.TestComponents...) {
			data, err := os.ReadFile(filepath.Join("components", n+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if !datas[string(data)] {
				t.Errorf("no component carries components/%s.yaml as its document", n)
			}
		}
	})
}

func TestTheRecipeParentImageFollowsTheConfiguration(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, _, factory map[string]any) {
		_, recipe := only(t, factory, "AWS::ImageBuilder::ImageRecipe")
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
		ebs := path(recipe, "BlockDeviceMappings", 0, "Ebs")
		if path(ebs, "Encrypted") != true || fmt.Sprint(path(ebs, "VolumeSize")) != fmt.Sprint(env.Image.RootVolumeGiB) {
			t.Errorf("recipe root volume %s, want encrypted, %d GiB", jsonOf(ebs), env.Image.RootVolumeGiB)
		}
	})
}

func TestTheInfrastructureConfigurationMatchesTheServiceDefaults(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, _, factory map[string]any) {
		_, infra := only(t, factory, "AWS::ImageBuilder::InfrastructureConfiguration")
		profileID, _ := only(t, factory, "AWS::IAM::InstanceProfile")
		topicID, _ := only(t, factory, "AWS::SNS::Topic")
		bucketID, _ := only(t, factory, "AWS::S3::Bucket")
		checks := map[string]any{
			"InstanceProfileName":        ref(profileID),
			"SnsTopicArn":                ref(topicID),
			"TerminateInstanceOnFailure": true,
			"InstanceTypes":              env.Image.BuildInstanceTypes,
		}
		for key, want := range checks {
			if jsonOf(infra[key]) != jsonOf(want) {
				t.Errorf("%s = %s, want %s", key, jsonOf(infra[key]), jsonOf(want))
			}
		}
		if got := path(infra, "InstanceMetadataOptions", "HttpTokens"); got != "required" {
			t.Errorf("build instances HttpTokens = %v, want required", got)
		}
		if got := jsonOf(path(infra, "Logging", "S3Logs", "S3BucketName")); got != jsonOf(ref(bucketID)) {
			t.Errorf("build logs go to %s, want the log bucket %s", got, bucketID)
		}
		if infra["SubnetId"] == nil || infra["SecurityGroupIds"] == nil {
			t.Errorf("build instances have no subnet or security group: %s", jsonOf(infra))
		}
		if env.Network.Existing != nil && !slices.Contains(env.Network.Existing.PrivateSubnetIDs, fmt.Sprint(infra["SubnetId"])) {
			t.Errorf("build subnet %v is not one of the configured private subnets", infra["SubnetId"])
		}
		role := ""
		for id, r := range resources(factory, "AWS::IAM::Role") {
			if strings.HasPrefix(id, "InfrastructureInstanceRole") {
				role = jsonOf(r["ManagedPolicyArns"])
			}
		}
		for _, p := range []string{"EC2InstanceProfileForImageBuilder", "AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"} {
			if !strings.Contains(role, ":iam::aws:policy/"+p) {
				t.Errorf("build instance role lacks %s: %s", p, role)
			}
		}
	})
}

func TestThePipelineRunsOnTheConfiguredScheduleWithImageTests(t *testing.T) {
	s := app(t)
	forEachEnv(t, func(t *testing.T, env config.Environment, _, factory map[string]any) {
		_, p := only(t, factory, "AWS::ImageBuilder::ImagePipeline")
		recipeID, _ := only(t, factory, "AWS::ImageBuilder::ImageRecipe")
		infraID, _ := only(t, factory, "AWS::ImageBuilder::InfrastructureConfiguration")
		want := map[string]any{
			"Schedule":                       map[string]any{"PipelineExecutionStartCondition": env.Image.StartCondition, "ScheduleExpression": env.Image.Schedule},
			"ImageTestsConfiguration":        map[string]any{"ImageTestsEnabled": true, "TimeoutMinutes": env.Image.TestTimeoutMinutes},
			"ImageRecipeArn":                 getAtt(recipeID, "Arn"),
			"InfrastructureConfigurationArn": getAtt(infraID, "Arn"),
			"DistributionConfigurationArn":   fmt.Sprintf("arn:aws:imagebuilder:%s:%s:distribution-configuration/%s", env.Region, env.Account, stacks.DistributionName(s.cfg.Prefix, env.Name)),
			"Status":                         "ENABLED",
		}
		for key, w := range want {
			if jsonOf(p[key]) != jsonOf(w) {
				t.Errorf("%s = %s, want %s", key, jsonOf(p[key]), jsonOf(w))
			}
		}
	})
}

func TestThePipelineDistributesThroughTheFleetsDistributionConfiguration(t *testing.T) {
	s := app(t)
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		_, dist := only(t, fleet, "AWS::ImageBuilder::DistributionConfiguration")
		if dist["Name"] != stacks.DistributionName(s.cfg.Prefix, env.Name) {
			t.Errorf("distribution name %v, want %s (the pipeline builds its ARN from that name)", dist["Name"], stacks.DistributionName(s.cfg.Prefix, env.Name))
		}
	})
}

func TestTheExecutionRoleMayWriteOnlyTheGoldenAmiParameter(t *testing.T) {
	s := app(t)
	forEachEnv(t, func(t *testing.T, env config.Environment, _, factory map[string]any) {
		want := fmt.Sprintf("arn:aws:ssm:%s:%s:parameter%s", env.Region, env.Account, goldenParameter(s, env))
		var writes []string
		for _, pol := range resources(factory, "AWS::IAM::Policy") {
			for _, st := range path(pol, "PolicyDocument", "Statement").([]any) {
				if strings.Contains(jsonOf(path(st, "Action")), "ssm:PutParameter") {
					writes = append(writes, jsonOf(path(st, "Resource")))
				}
			}
		}
		if len(writes) != 1 || writes[0] != jsonOf(want) {
			t.Errorf("ssm:PutParameter granted on %v, want only on %q", writes, want)
		}
	})
}

// --- diff ---------------------------------------------------------------

// lineDiff returns a unified-style diff of a and b with ctx lines of
// context around each change.
func lineDiff(a, b string, ctx int) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	// Longest common subsequence, by dynamic programming from the end.
	n, m := len(x), len(y)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte
		text string
	}
	var ops []line
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			ops = append(ops, line{' ', x[i]})
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, line{'-', x[i]})
			i++
		default:
			ops = append(ops, line{'+', y[j]})
			j++
		}
	}
	// Print every change with ctx lines of context; "..." marks a gap.
	show := make([]bool, len(ops))
	for k, l := range ops {
		if l.op != ' ' {
			for c := max(0, k-ctx); c <= min(len(ops)-1, k+ctx); c++ {
				show[c] = true
			}
		}
	}
	var out strings.Builder
	gap := false
	for k, l := range ops {
		if !show[k] {
			gap = true
			continue
		}
		if gap && out.Len() > 0 {
			out.WriteString("  ...\n")
		}
		gap = false
		fmt.Fprintf(&out, "%c %s\n", l.op, l.text)
	}
	return out.String()
}

func TestLineDiffShowsEachChangeWithItsContext(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10"
	b := "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n11"
	got := lineDiff(a, b, 1)
	want := "  4\n- 5\n+ five\n  6\n  ...\n  10\n+ 11\n"
	if got != want {
		t.Errorf("lineDiff =\n%s\nwant\n%s", got, want)
	}
}

func TestTheExecutionRoleMayAddVersionsOnlyToTheFleetsLaunchTemplate(t *testing.T) {
	s := app(t)
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, factory map[string]any) {
		value := s.cfg.Prefix + "-" + env.Name
		_, lt := only(t, fleet, "AWS::EC2::LaunchTemplate")
		tagged := false
		for _, spec := range lt["TagSpecifications"].([]any) {
			if path(spec, "ResourceType") == "launch-template" && strings.Contains(jsonOf(path(spec, "Tags")), jsonOf(map[string]any{"Key": stacks.FleetTagKey, "Value": value})) {
				tagged = true
			}
		}
		if !tagged {
			t.Errorf("the launch template is not tagged %s=%s", stacks.FleetTagKey, value)
		}
		var found bool
		for _, pol := range resources(factory, "AWS::IAM::Policy") {
			for _, st := range path(pol, "PolicyDocument", "Statement").([]any) {
				if !strings.Contains(jsonOf(path(st, "Action")), "ec2:CreateLaunchTemplateVersion") {
					continue
				}
				found = true
				want := jsonOf(map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/" + stacks.FleetTagKey: value}})
				if got := jsonOf(path(st, "Condition")); got != want {
					t.Errorf("launch template writes are conditioned on %s, want %s", got, want)
				}
			}
		}
		if !found {
			t.Error("the execution role may not add launch template versions: the distribution would fail")
		}
	})
}
