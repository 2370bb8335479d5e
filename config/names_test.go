package config

import (
	"regexp"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/internal/jsontree"
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
		n.MetricNamespace():             "golden-fleet/dev",
		n.LogGroupPrefix():              "/golden-fleet/dev",
		n.SystemLogGroup():              "/golden-fleet/dev/fleet/system",
		n.AccessLogGroup():              "/golden-fleet/dev/fleet/nginx-access",
		n.ErrorLogGroup():               "/golden-fleet/dev/fleet/nginx-error",
		n.EventLogGroup():               "/golden-fleet/dev/events",
		n.AgentParameter():              "/golden-fleet/dev/cloudwatch-agent",
		n.LaunchFailures():              "golden-fleet-dev-fleet-launch-failures",
		n.BelowDesiredAlarm():           "golden-fleet-dev-fleet-below-desired",
		n.BuildResultsRule():            "golden-fleet-dev-build-results",
		n.Dashboard():                   "golden-fleet-dev",
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

// What the fleet reports to is named per environment: two environments,
// or two apps sharing an account, never share a log group, namespace,
// parameter, alarm, rule or dashboard.
func TestReportingNamesKeepEnvironmentsApart(t *testing.T) {
	seen := map[string]Names{}
	for _, n := range []Names{{"golden-fleet", "dev"}, {"golden-fleet", "prod"}, {"other", "dev"}} {
		for _, name := range reportingNames(n) {
			if !strings.Contains(name, n.Prefix) || !strings.Contains(name, n.Env) {
				t.Errorf("%v: name %q lacks the prefix or the environment", n, name)
			}
			if other, dup := seen[name]; dup && other != n {
				t.Errorf("name %q is used by %v and %v", name, other, n)
			}
			seen[name] = n
		}
		if strings.HasPrefix(n.MetricNamespace(), "AWS/") {
			t.Errorf("namespace %q is reserved for AWS", n.MetricNamespace())
		}
	}
}

func reportingNames(n Names) []string {
	return []string{n.MetricNamespace(), n.AgentParameter(), n.SystemLogGroup(), n.AccessLogGroup(), n.ErrorLogGroup(),
		n.EventLogGroup(), n.LaunchFailures(), n.BelowDesiredAlarm(), n.BuildResultsRule(), n.Dashboard()}
}

// The longest prefix and environment name Validate accepts still give
// names CloudFormation takes (cfn-lint's schemas), and an agent
// configuration a standard SSM parameter holds.
func TestTheLongestReportingNamesFitTheirResources(t *testing.T) {
	n := Names{Prefix: "p" + strings.Repeat("x", 23), Env: "e" + strings.Repeat("y", 15)}
	if !prefixRe.MatchString(n.Prefix) || !envNameRe.MatchString(n.Env) || prefixRe.MatchString(n.Prefix+"x") || envNameRe.MatchString(n.Env+"y") {
		t.Fatalf("%q and %q are not the longest prefix and environment name Validate accepts", n.Prefix, n.Env)
	}
	fits := func(typ, property string, names ...string) {
		t.Helper()
		schema := jsontree.Dig(cfnSchema(t, typ), "properties", property)
		limit := number(t, jsontree.Dig(schema, "maxLength"), typ+" "+property+" maxLength")
		pattern, _ := jsontree.Dig(schema, "pattern").(string)
		for _, name := range names {
			if len(name) > limit {
				t.Errorf("%s %s %q is %d characters: want at most %d", typ, property, name, len(name), limit)
			}
			if pattern != "" && !regexpAccepts(pattern, name) {
				t.Errorf("%s %s %q does not match %s", typ, property, name, pattern)
			}
		}
	}
	fits("AWS::Logs::LogGroup", "LogGroupName", n.SystemLogGroup(), n.AccessLogGroup(), n.ErrorLogGroup(), n.EventLogGroup())
	fits("AWS::Events::Rule", "Name", n.LaunchFailures(), n.BuildResultsRule())
	fits("AWS::CloudWatch::Alarm", "AlarmName", n.LaunchFailures(), n.BelowDesiredAlarm())
	fits("AWS::SSM::Parameter", "Name", n.AgentParameter())
	if msg := checkSsmName(n.AgentParameter()); msg != "" {
		t.Errorf("agent parameter %q: %s", n.AgentParameter(), msg)
	}
	if got := len(AgentConfig(n)); got > MaxSsmStandardParameterValueBytes {
		t.Errorf("the agent configuration is %d bytes: want at most %d, what a standard SSM parameter holds", got, MaxSsmStandardParameterValueBytes)
	}
	// CloudWatch's DashboardName: letters, digits, - and _ (PutDashboard).
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`).MatchString(n.Dashboard()) {
		t.Errorf("dashboard name %q: want at most 255 letters, digits, - or _", n.Dashboard())
	}
}
