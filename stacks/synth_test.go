package stacks_test

// Every test of this package reads one synthesis, made once per test
// binary by TestMain: the app as `cdk synth` builds it (stacks.Build, the
// context of cdk.json and what the CLI adds), for config.Default()'s
// environments and the fixture environments (fixture_test.go), with
// cdk-nag's AwsSolutions pack applied (it writes reports and changes no
// template). Then:
//
//   - golden snapshots of config.Default()'s templates (golden_test.go);
//   - intent tests, one behaviour each, derived from the requirements and
//     run for every environment, fixtures included (app_test.go,
//     network_test.go, fleet_test.go, imagefactory_test.go,
//     observability_test.go, operations_test.go, promotion_test.go,
//     security_test.go, nag_test.go);
//   - construct-level tests that build small variants in scratch stacks
//     (construct_*_test.go).
//
// This is the only test binary that starts jsii: each one costs a CDK link
// and a Node.js start, more than the synthesis itself.

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/stacks"
	"github.com/immutable-server/golden-fleet/stacks/internal/cdktest"
)

func TestMain(m *testing.M) {
	flag.Parse()
	go locateCfnLintSchemas()
	if err := synthesized.synthesize(); err != nil {
		fmt.Fprintln(os.Stderr, "stacks tests: synthesizing the app:", err)
		jsii.Close()
		os.Exit(1)
	}
	code := m.Run()
	jsii.Close()
	os.RemoveAll(synthesized.dir)
	os.Exit(code)
}

// synthesized is the one synthesis every test reads.
var synthesized synthesizedApp

type synthesizedApp struct {
	// cfg is what was synthesized: config.Default()'s environments, then
	// the fixture's.
	cfg config.App
	// golden are the stacks of config.Default(), the ones `cdk synth`
	// writes and the golden files hold.
	golden []string
	// built are the stacks of each environment, in configuration order:
	// the construct-level tests read the app's own constructs.
	built    []stacks.EnvironmentStacks
	assembly *cdktest.Assembly
	// synthFailure is why app.Synth failed after writing the assembly, for
	// example an error annotation of an unsuppressed cdk-nag rule.
	synthFailure error
	dir          string
}

func (s *synthesizedApp) synthesize() error {
	ctx, err := cdktest.SynthContext("../cdk.json")
	if err != nil {
		return err
	}
	if s.dir, err = os.MkdirTemp("", "golden-fleet-stacks-test-"); err != nil {
		return err
	}
	defaults := config.Default()
	s.cfg = config.App{Prefix: defaults.Prefix, Environments: append(defaults.Environments, fixtureEnvironments()...)}
	docs := components.Embedded()
	zones, err := config.CDKJSONContext("../cdk.json")
	if err != nil {
		return err
	}
	if s.cfg, err = config.Validate(s.cfg, docs, zones); err != nil {
		return stacks.Invalid(err)
	}
	// The built-in CloudFormation validation doubles the time of a synth;
	// `make synth-check` runs it (CDK_VALIDATION=true cdk synth) next to
	// cfn-lint. CDK_VALIDATION=true turns it on here too.
	validation := os.Getenv("CDK_VALIDATION") == "true"
	app := awscdk.NewApp(&awscdk.AppProps{
		Context:                         &ctx,
		Outdir:                          jsii.String(s.dir),
		BuiltinCloudFormationValidation: &validation,
	})
	if s.built, err = stacks.Build(app, s.cfg, docs); err != nil {
		return err
	}
	for i, env := range s.built {
		if i < len(defaults.Environments) {
			for _, st := range env.Stacks() {
				s.golden = append(s.golden, *st.StackName())
			}
		}
	}
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Reports: jsii.Bool(true)}), nil)
	s.synthFailure = synthesizeApp(app)
	s.assembly, err = cdktest.ReadAssembly(s.dir)
	return err
}

// synthesizeApp runs app.Synth, turning the panic of a failed validation
// (an error annotation) into an error; the assembly is written either way.
func synthesizeApp(app awscdk.App) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesis failed: %v", r)
		}
	}()
	app.Synth(nil)
	return nil
}

// environmentTemplates are the templates of one environment's stacks.
type environmentTemplates struct {
	// Network is the zero Stack when the environment uses an existing VPC;
	// ImageFactory when it promotes (config.Promotion: it bakes nothing).
	Network, Fleet, ImageFactory cdktest.Stack
}

// stackOf returns the synthesized stack of env in role ("network",
// "fleet", "image-factory"), named as config.Names names it.
func stackOf(env config.Environment, role string) (cdktest.Stack, bool) {
	return synthesized.assembly.Stack(synthesized.cfg.NamesOf(env).Stack(config.StackRole(role)))
}

// forEachEnvironment runs f for every synthesized environment, defaults
// applied, with its templates. It fails an environment without a fleet
// stack, or with an image-factory stack exactly when it promotes.
func forEachEnvironment(t *testing.T, f func(t *testing.T, env config.Environment, tpl environmentTemplates)) {
	t.Helper()
	for _, env := range synthesized.cfg.Environments {
		env := env.WithDefaults()
		t.Run(env.Name, func(t *testing.T) {
			var tpl environmentTemplates
			var fleetOK, factoryOK bool
			tpl.Network, _ = stackOf(env, "network")
			tpl.Fleet, fleetOK = stackOf(env, "fleet")
			tpl.ImageFactory, factoryOK = stackOf(env, "image-factory")
			if !fleetOK || factoryOK != (env.Promotion == nil) {
				t.Fatalf("environment %s: fleet stack present=%v, image-factory stack present=%v, Promotion %+v: want a fleet stack, and an image factory exactly when the environment bakes",
					env.Name, fleetOK, factoryOK, env.Promotion)
			}
			f(t, env, tpl)
		})
	}
}

// forEachBakingEnvironment is forEachEnvironment for the environments
// that bake their own images: the image factory, and the fleet's
// distribution configuration, exist only there. It fails when no
// environment bakes.
func forEachBakingEnvironment(t *testing.T, f func(t *testing.T, env config.Environment, tpl environmentTemplates)) {
	t.Helper()
	baking := 0
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		if env.Promotion == nil {
			baking++
			f(t, env, tpl)
		}
	})
	if baking == 0 {
		t.Fatal("no synthesized environment bakes: the test checks nothing")
	}
}

// goldenParameter is the golden AMI parameter of env.
func goldenParameter(env config.Environment) string {
	return synthesized.cfg.NamesOf(env).GoldenParameter()
}

// namePrefix is "<prefix>-<env>", the start of env's physical names.
func namePrefix(env config.Environment) string {
	return synthesized.cfg.Prefix + "-" + env.Name
}

// scratchStacks counts the stacks newScratchStack made.
var scratchStacks int

// newScratchStack is a fresh stack, in an app of its own, with a fixed
// environment: the construct-level tests build their variants in these.
func newScratchStack() awscdk.Stack {
	scratchStacks++
	app := awscdk.NewApp(&awscdk.AppProps{BuiltinCloudFormationValidation: jsii.Bool(false)})
	return awscdk.NewStack(app, jsii.String(fmt.Sprintf("Scratch%d", scratchStacks)), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")},
	})
}

// validationErrors are the errors c's own validations report.
func validationErrors(c constructs.IConstruct) []string {
	var out []string
	for _, e := range *c.Node().Validate() {
		out = append(out, *e)
	}
	return out
}

// constructAccessors are the accessors every construct of ours has, with
// what their values must hold: Resource, the L1 escape hatch, and the
// physical Name and Arn.
type constructAccessors struct {
	construct string
	resource  constructs.IConstruct
	name, arn *string
	// nameHolds and arnHolds are parts of the resolved values, as JSON.
	nameHolds, arnHolds string
}

func checkAccessors(t *testing.T, cases ...constructAccessors) {
	t.Helper()
	for _, c := range cases {
		if !*awscdk.CfnResource_IsCfnResource(c.resource) {
			t.Errorf("%s: Resource is not an L1 resource", c.construct)
			continue
		}
		stack := awscdk.Stack_Of(c.resource)
		if got := resolvedJSON(stack, c.name); !strings.Contains(got, c.nameHolds) {
			t.Errorf("%s: Name() = %s, want it to hold %s", c.construct, got, c.nameHolds)
		}
		if got := resolvedJSON(stack, c.arn); !strings.Contains(got, c.arnHolds) {
			t.Errorf("%s: Arn() = %s, want it to hold %s", c.construct, got, c.arnHolds)
		}
	}
}
