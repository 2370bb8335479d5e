package config

import (
	"strings"
	"testing"
)

// The names the README documents, built by Names.
func TestNamesFollowTheDocumentedScheme(t *testing.T) {
	n := Default().NamesOf(Environment{Name: "dev"})
	for got, want := range map[string]string{
		n.Base():                        "golden-fleet-dev",
		n.Stack(NetworkStack):           "golden-fleet-dev-network",
		n.Stack(FleetStack):             "golden-fleet-dev-fleet",
		n.Stack(ImageFactoryStack):      "golden-fleet-dev-image-factory",
		n.GoldenParameter():             "/imagebuilder/golden-fleet/dev/golden-ami",
		n.Pipeline():                    "golden-fleet-dev-golden-ami",
		n.Recipe():                      "golden-fleet-dev-golden-ami",
		n.Distribution():                "golden-fleet-dev-fleet",
		n.Infrastructure():              "golden-fleet-dev-builds",
		n.Component("web-server"):       "golden-fleet-dev-web-server",
		n.AMI():                         "golden-fleet-dev",
		n.PromotionAccessRole("prod"):   "golden-fleet-dev-promote-to-prod",
		n.PromotionDistribution("prod"): "golden-fleet-dev-promote-to-prod",
		n.PromotionExecutionRole():      "golden-fleet-dev-promotion-distribution",
		n.AmiKeyAlias():                 "alias/golden-fleet-dev-ami",
		n.LifecyclePolicy():             "golden-fleet-dev-golden-ami",
		n.RolloutStateMachine():         "golden-fleet-dev-rollout",
		n.MarkerStateMachine():          "golden-fleet-dev-golden-ami-marks",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// fleetctl finds the pipeline of a fleet stack by name: the inverse of
// Names.Stack, for every environment, however many hyphens its prefix
// and name hold.
func TestPipelineOfFleetStackInvertsTheStackName(t *testing.T) {
	for _, n := range []Names{{"golden-fleet", "prod"}, {"a", "b"}, {"my-app-x", "eu-prod-2"}} {
		pipeline, factory, ok := PipelineOfFleetStack(n.Stack(FleetStack))
		if !ok || pipeline != n.Pipeline() || factory != n.Stack(ImageFactoryStack) {
			t.Errorf("PipelineOfFleetStack(%q) = %q, %q, %v; want %q, %q", n.Stack(FleetStack), pipeline, factory, ok, n.Pipeline(), n.Stack(ImageFactoryStack))
		}
	}
	for _, stack := range []string{"golden-fleet-dev-network", "something-else", "-fleet", ""} {
		if p, f, ok := PipelineOfFleetStack(stack); ok || p != "" || f != "" {
			t.Errorf("PipelineOfFleetStack(%q) = %q, %q, %v; want nothing", stack, p, f, ok)
		}
	}
}

// fleetctl and the marks find the environment of a golden parameter by
// its name: the inverse of Names.GoldenParameter.
func TestNamesOfGoldenParameterInvertsTheParameterName(t *testing.T) {
	for _, n := range []Names{{"golden-fleet", "prod"}, {"a", "b"}, {"my-app-x", "eu-prod-2"}} {
		if got, ok := NamesOfGoldenParameter(n.GoldenParameter()); !ok || got != n {
			t.Errorf("NamesOfGoldenParameter(%q) = %+v, %v; want %+v", n.GoldenParameter(), got, ok, n)
		}
	}
	for _, name := range []string{"/imagebuilder/gf/golden-ami", "/imagebuilder/gf/dev/other", "/imagebuilder//dev/golden-ami",
		"/imagebuilder/gf/dev/x/golden-ami", "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", ""} {
		if got, ok := NamesOfGoldenParameter(name); ok {
			t.Errorf("NamesOfGoldenParameter(%q) = %+v; want nothing", name, got)
		}
	}
}

// The longest prefix and environment name Validate accepts still give
// state machine names Step Functions takes.
func TestTheLongestNamesFitTheirServices(t *testing.T) {
	n := Names{Prefix: "p" + strings.Repeat("x", 23), Env: "e" + strings.Repeat("x", 15)}
	app := validApp()
	app.Prefix, app.Environments[0].Name = n.Prefix, n.Env
	if _, err := Validate(app, nil, testContext()); err != nil {
		t.Fatalf("the longest prefix and environment name: %v", err)
	}
	for _, name := range []string{n.RolloutStateMachine(), n.MarkerStateMachine()} {
		if len(name) > MaxStateMachineNameLength {
			t.Errorf("state machine %s: %d characters, Step Functions takes %d", name, len(name), MaxStateMachineNameLength)
		}
	}
	if got := n.LifecyclePolicy(); len(got) > MaxNameLength {
		t.Errorf("lifecycle policy %s: %d characters, Image Builder takes %d", got, len(got), MaxNameLength)
	}
}

// A content-hashed name is its base, a hyphen and HashLength hex digits,
// counted in characters; Validate refuses a component whose name would
// pass MaxNameLength by that count exactly.
func TestContentNameLengthCountsTheHash(t *testing.T) {
	if got := ContentNameLength("abc"); got != 3+1+HashLength {
		t.Errorf("ContentNameLength(abc) = %d, want %d", got, 3+1+HashLength)
	}
	app := validApp() // prefix "gf", environment "dev": base "gf-dev-<name>"
	fits := strings.Repeat("a", MaxNameLength-len("gf-dev-")-1-HashLength)
	app.Environments[0].Image.Components = []string{fits}
	_, err := Validate(app, withDocs(t, nil), testContext())
	if err == nil || strings.Contains(err.Error(), "would be") {
		t.Errorf("a component whose name is exactly %d characters long: got %v, want only the missing file", MaxNameLength, err)
	}
	app.Environments[0].Image.Components = []string{fits + "a"}
	_, err = Validate(app, withDocs(t, nil), testContext())
	if err == nil || !strings.Contains(err.Error(), "would be 129 characters") {
		t.Errorf("a component name of 129 characters: got %v", err)
	}
}
