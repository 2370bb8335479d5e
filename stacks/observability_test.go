package stacks_test

// Intent tests of issue 10's items 3 to 5 against the synthesized
// templates: the vulnerability scan of every image, the CloudWatch agent's
// reports, and the notifications, alarms and dashboard of each
// environment, fixtures included. Each expectation is derived from the
// configuration and the names in config/names.go, not copied from the
// templates.

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/constructs/imagebuilder"
	"github.com/immutable-server/golden-fleet/internal/telemetry"
	"github.com/immutable-server/golden-fleet/internal/telemetry/telemetrytest"
	"github.com/immutable-server/golden-fleet/stacks"
	"github.com/immutable-server/golden-fleet/stacks/internal/cdktest"
)

func names(env config.Environment) config.Names { return synthesized.cfg.NamesOf(env) }

// bootScript is the script every instance of env runs first.
func bootScript(env config.Environment) string { return config.BootScript(names(env), env.Region) }

// rawEnvironment is env as configured, before its defaults.
func rawEnvironment(t *testing.T, env config.Environment) config.Environment {
	t.Helper()
	for _, raw := range append(config.Default().Environments, fixtureEnvironments()...) {
		if raw.Name == env.Name {
			return raw
		}
	}
	t.Fatalf("environment %s is neither in config.Default() nor in the fixture", env.Name)
	return config.Environment{}
}

// byName returns the resource of typ in stack whose nameKey property is
// name.
func byName(t *testing.T, stack cdktest.Stack, typ, nameKey, name string) cdktest.Resource {
	t.Helper()
	for _, r := range cdktest.Resources(typ, stack) {
		if r.Properties[nameKey] == name {
			return r
		}
	}
	t.Fatalf("%s: no %s with %s %q", stack.Name, typ, nameKey, name)
	return cdktest.Resource{}
}

// joined renders a Fn::Join of strings and Refs as text, each Ref as
// ${Ref:<id>}.
func joined(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	parts, _ := cdktest.ValueAt(v, "Fn::Join", 1).([]any)
	var b strings.Builder
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			b.WriteString(p)
		case map[string]any:
			if r, ok := p["Ref"]; ok {
				fmt.Fprintf(&b, "${Ref:%v}", r)
			} else {
				fmt.Fprintf(&b, "${%s}", cdktest.CompactJSON(p))
			}
		}
	}
	return b.String()
}

func statements(policy map[string]any) []map[string]any {
	var out []map[string]any
	for _, st := range cdktest.AsList(cdktest.ValueAt(policy, "PolicyDocument", "Statement")) {
		out = append(out, st.(map[string]any))
	}
	return out
}

func strs(v any) []string {
	var out []string
	for _, x := range cdktest.AsList(v) {
		out = append(out, fmt.Sprint(x))
	}
	sort.Strings(out)
	return out
}

// logGroupArn is the ARN of the log group name in env.
func logGroupArn(env config.Environment, name string) string {
	return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", config.Partition(env.Region), env.Region, env.Account, name)
}

// --- item 3: vulnerability scanning -------------------------------------

func TestThePipelineScansEveryImageAsConfigured(t *testing.T) {
	sawDefault, sawDisabled, sawCondition := false, false, false
	forEachBakingEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		s := env.Observability.Scanning
		p := cdktest.OnlyResource(t, "AWS::ImageBuilder::ImagePipeline", tpl.ImageFactory)
		cfg := p.Properties["ImageScanningConfiguration"]
		if s.Disabled {
			sawDisabled = true
			if cfg != nil {
				t.Errorf("scanning is disabled, but the pipeline has %s", cdktest.CompactJSON(cfg))
			}
			return
		}
		if rawEnvironment(t, env).Observability.Scanning.Type == "" && s.Type == config.ScanOnDemandAMI {
			sawDefault = true
		}
		if cdktest.ValueAt(cfg, "ImageScanningEnabled") != true || cdktest.CompactJSON(cdktest.ValueAt(cfg, "ImageScanningTypes")) != cdktest.CompactJSON([]string{s.Type}) {
			t.Errorf("ImageScanningConfiguration %s, want scanning enabled with type %s", cdktest.CompactJSON(cfg), s.Type)
		}
		cond := cdktest.ValueAt(cfg, "ScanResultCondition")
		if s.MaxSeverity == "" {
			if cond != nil {
				t.Errorf("no MaxSeverity configured, but ScanResultCondition %s would fail builds", cdktest.CompactJSON(cond))
			}
			return
		}
		sawCondition = true
		want := map[string]any{"MaximumSeverityLabel": s.MaxSeverity, "FixAvailable": !s.CountUnfixed}
		if cdktest.CompactJSON(cond) != cdktest.CompactJSON(want) {
			t.Errorf("ScanResultCondition %s, want %s", cdktest.CompactJSON(cond), cdktest.CompactJSON(want))
		}
	})
	if !sawDefault {
		t.Error("no environment scans with the default type, the one that needs no account-wide Inspector activation (ON_DEMAND_AMI_CVE)")
	}
	if !sawDisabled || !sawCondition {
		t.Errorf("no environment with scanning disabled (%v) or with a scan result condition (%v): the test checks neither", sawDisabled, sawCondition)
	}
}

func TestScanImagesRefusesWhatImageBuilderDoesNotOffer(t *testing.T) {
	pipeline := func() *imagebuilder.ImagePipeline {
		s := newScratchStack()
		return &imagebuilder.ImagePipeline{Construct: s, Resource: awsimagebuilder.NewCfnImagePipeline(s, jsii.String("P"), &awsimagebuilder.CfnImagePipelineProps{
			Name: jsii.String("p"), InfrastructureConfigurationArn: jsii.String("arn:aws:imagebuilder:eu-west-1:111111111111:infrastructure-configuration/i"),
			ImageRecipeArn: jsii.String("arn:aws:imagebuilder:eu-west-1:111111111111:image-recipe/r/1.0.0"),
		})}
	}
	for name, tc := range map[string]struct {
		props imagebuilder.ImageScanningProps
		want  string
	}{
		"unknown type":                        {imagebuilder.ImageScanningProps{Type: "ENHANCED"}, `scan Type got "ENHANCED": want one of ON_DEMAND_AMI_CVE, TEST_INSTANCE_CVE`},
		"no type":                             {imagebuilder.ImageScanningProps{}, `scan Type got "": want one of`},
		"unknown severity":                    {imagebuilder.ImageScanningProps{Type: config.ScanOnDemandAMI, MaxSeverity: "CRITICAL"}, `MaxSeverity got "CRITICAL": want one of INFORMATIONAL, LOW, MEDIUM, HIGH`},
		"a condition on a test-instance scan": {imagebuilder.ImageScanningProps{Type: config.ScanTestInstance, MaxSeverity: "HIGH"}, "want it only with ON_DEMAND_AMI_CVE"},
		"count unfixed without a condition":   {imagebuilder.ImageScanningProps{Type: config.ScanOnDemandAMI, CountUnfixed: true}, "CountUnfixed got true without MaxSeverity"},
	} {
		p := pipeline()
		p.ScanImages(tc.props)
		errs := validationErrors(p)
		if len(errs) != 1 || !strings.Contains(errs[0], tc.want) {
			t.Errorf("%s: ScanImages(%+v): validation errors %q, want one holding %q", name, tc.props, errs, tc.want)
		}
		if got := p.Resource.ImageScanningConfiguration(); got != nil {
			t.Errorf("%s: refused props still set ImageScanningConfiguration %s", name, resolvedJSON(awscdk.Stack_Of(p.Resource), got))
		}
	}
	for _, tc := range []struct {
		props imagebuilder.ImageScanningProps
		want  string
	}{
		{imagebuilder.ImageScanningProps{Type: config.ScanOnDemandAMI, MaxSeverity: "MEDIUM", CountUnfixed: true},
			`{"imageScanningEnabled":true,"imageScanningTypes":["ON_DEMAND_AMI_CVE"],"scanResultCondition":{"fixAvailable":false,"maximumSeverityLabel":"MEDIUM"}}`},
		{imagebuilder.ImageScanningProps{Type: config.ScanTestInstance},
			`{"imageScanningEnabled":true,"imageScanningTypes":["TEST_INSTANCE_CVE"]}`},
	} {
		p := pipeline()
		p.ScanImages(tc.props)
		if errs := validationErrors(p); len(errs) != 0 {
			t.Errorf("ScanImages(%+v): validation errors %q", tc.props, errs)
		}
		if got := resolvedJSON(awscdk.Stack_Of(p.Resource), p.Resource.ImageScanningConfiguration()); got != tc.want {
			t.Errorf("ScanImages(%+v): ImageScanningConfiguration %s, want %s", tc.props, got, tc.want)
		}
	}
}

// --- item 4: the CloudWatch agent reports -------------------------------

func TestFleetInstancesStartTheAgentWithTheirEnvironmentsConfiguration(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		n := names(env)
		param := byName(t, tpl.Fleet, "AWS::SSM::Parameter", "Name", n.AgentParameter())
		lt := cdktest.OnlyResource(t, "AWS::EC2::LaunchTemplate", tpl.Fleet)
		userData := fmt.Sprint(cdktest.ValueAt(lt.Properties, "LaunchTemplateData", "UserData", "Fn::Base64"))
		if !strings.Contains(userData, `"$ctl" -a fetch-config -m ec2 -s -c ssm:`+n.AgentParameter()) {
			t.Errorf("the launch template's user data does not start the agent from %s:\n%s", n.AgentParameter(), userData)
		}
		cfg, err := telemetrytest.ParseAgentConfig(fmt.Sprint(param.Properties["Value"]))
		if err != nil {
			t.Fatalf("agent configuration is not JSON: %v", err)
		}
		if cfg.Metrics.Namespace != n.MetricNamespace() {
			t.Errorf("metrics go to namespace %q, want the environment's %q", cfg.Metrics.Namespace, n.MetricNamespace())
		}
		for _, plugin := range []string{"mem", "disk"} {
			if _, ok := cfg.Metrics.Collected[plugin]; !ok {
				t.Errorf("the agent does not collect %s", plugin)
			}
		}
		groups := map[string]bool{}
		for _, g := range cdktest.Resources("AWS::Logs::LogGroup", tpl.Fleet) {
			groups[fmt.Sprint(g.Properties["LogGroupName"])] = true
		}
		files := map[string]string{}
		for _, f := range cfg.Logs.Collected.Files.List {
			files[f["file_path"]] = f["log_group_name"]
			if !groups[f["log_group_name"]] {
				t.Errorf("the agent ships %s to %s, a log group the stack does not create", f["file_path"], f["log_group_name"])
			}
		}
		for _, file := range []string{"/var/log/messages", "/var/log/nginx/access.log", "/var/log/nginx/error.log"} {
			if !strings.HasPrefix(files[file], n.LogGroupPrefix()+"/") {
				t.Errorf("%s goes to %q, want a log group under %s", file, files[file], n.LogGroupPrefix())
			}
		}
	})
}

func TestTheImageCarriesNoEnvironmentsAgentConfiguration(t *testing.T) {
	// The same AMI may run in several environments: what says where to
	// report lives in each environment's fleet stack, never in the image.
	for _, env := range synthesized.cfg.Environments {
		if env.Promotion != nil {
			continue // no image factory: it runs its source's images
		}
		factory, ok := stackOf(env, "image-factory")
		if !ok {
			t.Fatalf("no image-factory stack of %s", env.Name)
		}
		for _, other := range synthesized.cfg.Environments {
			n := names(other)
			if strings.Contains(string(factory.Raw), n.AgentParameter()) || strings.Contains(string(factory.Raw), `"`+n.MetricNamespace()+`"`) {
				t.Errorf("the %s image factory names %s's agent configuration or namespace", env.Name, other.Name)
			}
		}
	}
}

func TestTheImageWritesTheSystemLogTheAgentShips(t *testing.T) {
	// Amazon Linux 2023 logs to the journal only; rsyslog writes
	// /var/log/messages. Only an environment whose recipe holds the
	// web server ships its logs, and only one holding system-log the
	// system log.
	checked := false
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		if !slices.Contains(env.Image.Components, "system-log") {
			return
		}
		checked = true
		recipe := cdktest.OnlyResource(t, "AWS::ImageBuilder::ImageRecipe", tpl.ImageFactory)
		used := cdktest.CompactJSON(recipe.Properties["Components"])
		for _, c := range cdktest.Resources("AWS::ImageBuilder::Component", tpl.ImageFactory) {
			if strings.Contains(fmt.Sprint(c.Properties["Data"]), "dnf install -y rsyslog") && strings.Contains(used, `"`+c.LogicalID+`"`) {
				return
			}
		}
		t.Error("the recipe names system-log, but no component of it installs rsyslog: /var/log/messages would not exist")
	})
	for _, env := range config.Default().Environments {
		if env.Promotion == nil && !slices.Contains(env.Image.Components, "system-log") {
			t.Errorf("config.Default()'s %s does not install system-log: its agent would ship no system log", env.Name)
		}
	}
	if !checked {
		t.Error("no environment installs system-log: the test checked nothing")
	}
}

func TestLogGroupsKeepTheConfiguredRetentionWithTheEnvironmentsKey(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		n := names(env)
		days := env.Observability.LogRetentionDays
		var keyID string
		for _, name := range []string{n.SystemLogGroup(), n.AccessLogGroup(), n.ErrorLogGroup(), n.EventLogGroup()} {
			g := byName(t, tpl.Fleet, "AWS::Logs::LogGroup", "LogGroupName", name).Properties
			if fmt.Sprint(g["RetentionInDays"]) != fmt.Sprint(days) {
				t.Errorf("%s keeps logs %v days, want %d", name, g["RetentionInDays"], days)
			}
			id, _ := cdktest.ValueAt(g, "KmsKeyId", "Fn::GetAtt", 0).(string)
			if id == "" || (keyID != "" && id != keyID) {
				t.Errorf("%s is encrypted with %s, want the environment's one log key", name, cdktest.CompactJSON(g["KmsKeyId"]))
			}
			keyID = id
		}
		var key map[string]any
		for _, k := range cdktest.Resources("AWS::KMS::Key", tpl.Fleet) {
			if k.LogicalID == keyID {
				key = k.Properties
			}
		}
		if key["EnableKeyRotation"] != true {
			t.Errorf("log key %s does not rotate", keyID)
		}
		wantContext := logGroupArn(env, n.LogGroupPrefix()+"/*")
		found := false
		for _, st := range cdktest.AsList(cdktest.ValueAt(key, "KeyPolicy", "Statement")) {
			if cdktest.ValueAt(st, "Principal", "Service") == "logs."+env.Region+".amazonaws.com" {
				found = true
				if got := cdktest.ValueAt(st, "Condition", "ArnLike", "kms:EncryptionContext:aws:logs:arn"); got != wantContext {
					t.Errorf("CloudWatch Logs may use the key for %v, want only %s", got, wantContext)
				}
			}
		}
		if !found {
			t.Errorf("the key policy of %s does not let CloudWatch Logs in %s use it", keyID, env.Region)
		}
	})
}

func TestTheInstanceRoleMayReportOnlyToItsEnvironment(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		n := names(env)
		roleID := ""
		for _, r := range cdktest.Resources("AWS::IAM::Role", tpl.Fleet) {
			if strings.HasPrefix(r.LogicalID, "LaunchTemplateInstanceRole") {
				roleID = r.LogicalID
				if strings.Contains(cdktest.CompactJSON(r.Properties["ManagedPolicyArns"]), "CloudWatchAgentServerPolicy") {
					t.Error("the instance role has CloudWatchAgentServerPolicy: any namespace, any log group")
				}
			}
		}
		if roleID == "" {
			t.Fatal("no instance role")
		}
		paramID := byName(t, tpl.Fleet, "AWS::SSM::Parameter", "Name", n.AgentParameter()).LogicalID
		var logArns []string
		for _, name := range []string{n.SystemLogGroup(), n.AccessLogGroup(), n.ErrorLogGroup()} {
			id := byName(t, tpl.Fleet, "AWS::Logs::LogGroup", "LogGroupName", name).LogicalID
			logArns = append(logArns, cdktest.CompactJSON(cdktest.GetAtt(id, "Arn")))
		}
		sort.Strings(logArns)
		granted := map[string]map[string]any{} // action -> statement
		for _, pol := range cdktest.Resources("AWS::IAM::Policy", tpl.Fleet) {
			if !strings.Contains(cdktest.CompactJSON(pol.Properties["Roles"]), cdktest.CompactJSON(cdktest.Ref(roleID))) {
				continue
			}
			for _, st := range statements(pol.Properties) {
				for _, a := range strs(st["Action"]) {
					granted[a] = st
				}
			}
		}
		want := []string{"cloudwatch:PutMetricData", "ec2:DescribeImages", "logs:CreateLogStream", "logs:PutLogEvents", "ssm:GetParameter"}
		var got []string
		for a := range granted {
			got = append(got, a)
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("the instance role may %v, want exactly %v", got, want)
		}
		if st := granted["ssm:GetParameter"]; !strings.Contains(cdktest.CompactJSON(st["Resource"]), cdktest.CompactJSON(cdktest.Ref(paramID))) || strings.Contains(cdktest.CompactJSON(st["Resource"]), "*") {
			t.Errorf("ssm:GetParameter on %s, want only the agent configuration %s", cdktest.CompactJSON(st["Resource"]), n.AgentParameter())
		}
		var res []string
		for _, r := range cdktest.AsList(granted["logs:PutLogEvents"]["Resource"]) {
			res = append(res, cdktest.CompactJSON(r))
		}
		sort.Strings(res)
		if !slices.Equal(res, logArns) {
			t.Errorf("logs:PutLogEvents on %v, want the three log groups %v", res, logArns)
		}
		if got := cdktest.ValueAt(granted["cloudwatch:PutMetricData"], "Condition", "StringEquals", "cloudwatch:namespace"); got != n.MetricNamespace() {
			t.Errorf("cloudwatch:PutMetricData is limited to namespace %v, want %s", got, n.MetricNamespace())
		}
	})
}

func TestNoInstanceBootsBeforeItCanReport(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		n := names(env)
		needs := []string{byName(t, tpl.Fleet, "AWS::SSM::Parameter", "Name", n.AgentParameter()).LogicalID}
		for _, g := range []string{n.SystemLogGroup(), n.AccessLogGroup(), n.ErrorLogGroup()} {
			needs = append(needs, byName(t, tpl.Fleet, "AWS::Logs::LogGroup", "LogGroupName", g).LogicalID)
		}
		for _, p := range cdktest.Resources("AWS::IAM::Policy", tpl.Fleet) {
			if strings.Contains(cdktest.CompactJSON(p.Properties), "cloudwatch:PutMetricData") {
				needs = append(needs, p.LogicalID)
			}
		}
		asg := cdktest.OnlyResource(t, "AWS::AutoScaling::AutoScalingGroup", tpl.Fleet)
		dependsOn := strs(cdktest.ValueAt(tpl.Fleet.Template, "Resources", asg.LogicalID, "DependsOn"))
		for _, need := range needs {
			if !slices.Contains(dependsOn, need) {
				t.Errorf("the group does not wait for %s (%v)", need, cdktest.ValueAt(tpl.Fleet.Template, "Resources", need, "Type"))
			}
		}
	})
}

// --- item 5: notifications, alarms, dashboard ---------------------------

func TestBuildResultsGoToTheEncryptedBuildTopicAndTheConfiguredAddress(t *testing.T) {
	forEachBakingEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		// Image Builder publishes AVAILABLE and FAILED images to the
		// infrastructure configuration's topic.
		topic := cdktest.OnlyResource(t, "AWS::SNS::Topic", tpl.ImageFactory)
		infra := cdktest.OnlyResource(t, "AWS::ImageBuilder::InfrastructureConfiguration", tpl.ImageFactory)
		if cdktest.CompactJSON(infra.Properties["SnsTopicArn"]) != cdktest.CompactJSON(cdktest.Ref(topic.LogicalID)) || topic.Properties["KmsMasterKeyId"] == nil {
			t.Fatalf("build results do not reach the encrypted topic %s", topic.LogicalID)
		}
		checkEmailSubscription(t, env, tpl.ImageFactory, topic.LogicalID)
	})
}

func checkEmailSubscription(t *testing.T, env config.Environment, stack cdktest.Stack, topicID string) {
	t.Helper()
	var got []string
	for _, sub := range cdktest.Resources("AWS::SNS::Subscription", stack) {
		if cdktest.CompactJSON(sub.Properties["TopicArn"]) == cdktest.CompactJSON(cdktest.Ref(topicID)) {
			got = append(got, fmt.Sprintf("%v:%v", sub.Properties["Protocol"], sub.Properties["Endpoint"]))
		}
	}
	var want []string
	if e := env.Observability.NotificationEmail; e != "" {
		want = []string{"email:" + e}
	}
	if !slices.Equal(got, want) {
		t.Errorf("topic %s subscriptions %v, want %v", topicID, got, want)
	}
}

func TestTheFleetHasALaunchFailureAndABelowDesiredAlarm(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		n := names(env)
		asgID := cdktest.OnlyResource(t, "AWS::AutoScaling::AutoScalingGroup", tpl.Fleet).LogicalID
		if alarms := cdktest.Resources("AWS::CloudWatch::Alarm", tpl.Fleet); len(alarms) != 2 {
			t.Fatalf("%d alarms, want 2", len(alarms))
		}
		// Launch failures: the rule that matches them, and its count.
		rule := byName(t, tpl.Fleet, "AWS::Events::Rule", "Name", n.LaunchFailures()).Properties
		wantPattern := map[string]any{
			"detail":      map[string]any{"AutoScalingGroupName": []any{cdktest.Ref(asgID)}},
			"detail-type": []any{"EC2 Instance Launch Unsuccessful"},
			"source":      []any{"aws.autoscaling"},
		}
		if cdktest.CompactJSON(rule["EventPattern"]) != cdktest.CompactJSON(wantPattern) {
			t.Errorf("launch failure rule matches %s, want %s", cdktest.CompactJSON(rule["EventPattern"]), cdktest.CompactJSON(wantPattern))
		}
		lf := byName(t, tpl.Fleet, "AWS::CloudWatch::Alarm", "AlarmName", n.LaunchFailures()).Properties
		if lf["Namespace"] != "AWS/Events" || lf["MetricName"] != "TriggeredRules" ||
			cdktest.CompactJSON(lf["Dimensions"]) != cdktest.CompactJSON([]any{map[string]any{"Name": "RuleName", "Value": n.LaunchFailures()}}) ||
			fmt.Sprint(lf["Threshold"]) != "1" || lf["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" {
			t.Errorf("launch failure alarm %s, want TriggeredRules of rule %s >= 1", cdktest.CompactJSON(lf), n.LaunchFailures())
		}
		// Below desired: desired minus in service, for the configured time.
		bd := byName(t, tpl.Fleet, "AWS::CloudWatch::Alarm", "AlarmName", n.BelowDesiredAlarm()).Properties
		metrics := map[string]any{}
		var expr string
		for _, m := range cdktest.AsList(bd["Metrics"]) {
			if e, ok := cdktest.ValueAt(m, "Expression").(string); ok {
				expr = e
				continue
			}
			metrics[fmt.Sprint(cdktest.ValueAt(m, "Id"))] = cdktest.ValueAt(m, "MetricStat")
			if cdktest.CompactJSON(cdktest.ValueAt(m, "MetricStat", "Metric", "Dimensions")) != cdktest.CompactJSON([]any{map[string]any{"Name": "AutoScalingGroupName", "Value": cdktest.Ref(asgID)}}) {
				t.Errorf("metric %v is not the group's", cdktest.ValueAt(m, "Id"))
			}
		}
		if expr != "desired - inService" || cdktest.ValueAt(metrics["desired"], "Metric", "MetricName") != "GroupDesiredCapacity" ||
			cdktest.ValueAt(metrics["inService"], "Metric", "MetricName") != "GroupInServiceInstances" {
			t.Errorf("below-desired alarm computes %q over %s, want GroupDesiredCapacity - GroupInServiceInstances", expr, cdktest.CompactJSON(metrics))
		}
		minutes := env.Observability.BelowDesiredMinutes
		period := cdktest.ValueAt(metrics["desired"], "Period")
		if fmt.Sprint(bd["EvaluationPeriods"]) != fmt.Sprint(minutes) || fmt.Sprint(bd["DatapointsToAlarm"]) != fmt.Sprint(minutes) || fmt.Sprint(period) != "60" {
			t.Errorf("below desired for %v of %v periods of %vs, want %d minutes", bd["DatapointsToAlarm"], bd["EvaluationPeriods"], period, minutes)
		}
		if fmt.Sprint(bd["Threshold"]) != "1" || bd["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" {
			t.Errorf("below-desired alarm fires at %v %v, want at least one instance missing", bd["ComparisonOperator"], bd["Threshold"])
		}
	})
}

func TestTheFleetAlarmsNotifyTheEncryptedAlarmTopic(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		var topic cdktest.Resource
		for _, r := range cdktest.Resources("AWS::SNS::Topic", tpl.Fleet) {
			if strings.HasPrefix(r.LogicalID, "MonitoringAlarmTopic") {
				topic = r
			}
		}
		if topic.LogicalID == "" {
			t.Fatal("no alarm topic")
		}
		for _, a := range cdktest.Resources("AWS::CloudWatch::Alarm", tpl.Fleet) {
			for _, key := range []string{"AlarmActions", "OKActions"} {
				if cdktest.CompactJSON(a.Properties[key]) != cdktest.CompactJSON([]any{cdktest.Ref(topic.LogicalID)}) {
					t.Errorf("alarm %s %s = %s, want the alarm topic", a.LogicalID, key, cdktest.CompactJSON(a.Properties[key]))
				}
			}
		}
		keyID, _ := cdktest.ValueAt(topic.Properties, "KmsMasterKeyId", "Fn::GetAtt", 0).(string)
		var key map[string]any
		for _, k := range cdktest.Resources("AWS::KMS::Key", tpl.Fleet) {
			if k.LogicalID == keyID {
				key = k.Properties
			}
		}
		if key == nil || !strings.Contains(cdktest.CompactJSON(key["KeyPolicy"]), `"Service":"cloudwatch.amazonaws.com"`) {
			t.Errorf("the alarm topic's key %q does not let CloudWatch publish", keyID)
		}
		allowed := false
		for _, p := range cdktest.Resources("AWS::SNS::TopicPolicy", tpl.Fleet) {
			if cdktest.CompactJSON(p.Properties["Topics"]) != cdktest.CompactJSON([]any{cdktest.Ref(topic.LogicalID)}) {
				continue
			}
			for _, st := range statements(p.Properties) {
				allowed = allowed || (st["Effect"] == "Allow" && cdktest.ValueAt(st, "Principal", "Service") == "cloudwatch.amazonaws.com")
			}
		}
		if !allowed {
			t.Error("the alarm topic's policy does not let CloudWatch alarms publish")
		}
		checkEmailSubscription(t, env, tpl.Fleet, topic.LogicalID)
	})
}

func TestTheFleetStackOutputsItsAlarmNamesForTheRollout(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		out := cdktest.ValueAt(tpl.Fleet.Template, "Outputs", stacks.FleetAlarmNamesOutput, "Value")
		got, ok := out.(string)
		if !ok {
			t.Fatalf("output %s = %s, want a plain string (names, no token)", stacks.FleetAlarmNamesOutput, cdktest.CompactJSON(out))
		}
		var want []string
		for _, a := range cdktest.Resources("AWS::CloudWatch::Alarm", tpl.Fleet) {
			want = append(want, fmt.Sprint(a.Properties["AlarmName"]))
		}
		gotNames := strings.Split(got, ",")
		sort.Strings(gotNames)
		sort.Strings(want)
		if !slices.Equal(gotNames, want) {
			t.Errorf("%s = %q, want every alarm of the stack %v", stacks.FleetAlarmNamesOutput, got, want)
		}
	})
}

func TestBuildResultsAndLaunchFailuresAreRecorded(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		n := names(env)
		eventLogID := byName(t, tpl.Fleet, "AWS::Logs::LogGroup", "LogGroupName", n.EventLogGroup()).LogicalID
		target := []any{map[string]any{"Arn": logGroupArn(env, n.EventLogGroup()), "Id": "EventLog"}}
		rule := byName(t, tpl.Fleet, "AWS::Events::Rule", "Name", n.BuildResultsRule()).Properties
		for _, r := range []map[string]any{rule, byName(t, tpl.Fleet, "AWS::Events::Rule", "Name", n.LaunchFailures()).Properties} {
			if cdktest.CompactJSON(r["Targets"]) != cdktest.CompactJSON(target) {
				t.Errorf("rule %v targets %s, want the event log group %s", r["Name"], cdktest.CompactJSON(r["Targets"]), n.EventLogGroup())
			}
		}
		if got := strs(cdktest.ValueAt(rule, "EventPattern", "detail", "state", "status")); !slices.Equal(got, []string{"AVAILABLE", "CANCELLED", "FAILED"}) {
			t.Errorf("build rule records states %v, want the terminal ones", got)
		}
		// The rule selects this environment's images, whatever the
		// recipe's content hash, and no other environment's.
		prefix := fmt.Sprint(cdktest.ValueAt(rule, "EventPattern", "resources", 0, "prefix"))
		imageArn := func(recipe string) string {
			return fmt.Sprintf("arn:%s:imagebuilder:%s:%s:image/%s/1.0.0/1", config.Partition(env.Region), env.Region, env.Account, recipe)
		}
		// An environment whose name starts with this one's ("dev2").
		longer := config.Names{Prefix: synthesized.cfg.Prefix, Env: env.Name + "2"}
		if longerImage := imageArn(longer.Recipe() + "-0123abcd"); strings.HasPrefix(longerImage, prefix) {
			t.Errorf("prefix %q also matches %s, an image of environment %s2", prefix, longerImage, env.Name)
		}
		for _, other := range synthesized.cfg.Environments {
			if other.Promotion != nil {
				continue // builds no image
			}
			factory, _ := stackOf(other, "image-factory")
			recipe := cdktest.OnlyResource(t, "AWS::ImageBuilder::ImageRecipe", factory)
			image := imageArn(fmt.Sprint(recipe.Properties["Name"]))
			if matches := strings.HasPrefix(image, prefix); matches != (other.Name == env.Name) {
				t.Errorf("prefix %q matches %s's image %s: %v", prefix, other.Name, image, matches)
			}
		}
		// EventBridge may write to the log group.
		allowed := false
		for _, p := range cdktest.Resources("AWS::Logs::ResourcePolicy", tpl.Fleet) {
			doc := joined(p.Properties["PolicyDocument"])
			allowed = allowed || (strings.Contains(doc, `"Service":"events.amazonaws.com"`) && strings.Contains(doc, "logs:PutLogEvents") &&
				strings.Contains(doc, fmt.Sprintf("${%s}", cdktest.CompactJSON(cdktest.GetAtt(eventLogID, "Arn")))))
		}
		if !allowed {
			t.Error("no resource policy lets EventBridge write to the event log group")
		}
	})
}

func TestEachEnvironmentHasADashboardOfItsFleet(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		n := names(env)
		asgID := cdktest.OnlyResource(t, "AWS::AutoScaling::AutoScalingGroup", tpl.Fleet).LogicalID
		d := byName(t, tpl.Fleet, "AWS::CloudWatch::Dashboard", "DashboardName", n.Dashboard()).Properties
		body := joined(d["DashboardBody"])
		var dash struct {
			Widgets []struct {
				Type       string
				Properties struct {
					Title   string
					Metrics [][]any
					Query   string
				}
			}
		}
		if err := json.Unmarshal([]byte(body), &dash); err != nil {
			t.Fatalf("dashboard body is not JSON: %v\n%s", err, body)
		}
		byTitle := map[string]string{}
		for _, w := range dash.Widgets {
			byTitle[w.Properties.Title] = cdktest.CompactJSON(w.Properties.Metrics) + w.Properties.Query
		}
		group := fmt.Sprintf("${Ref:%s}", asgID)
		checks := []struct{ title, what string }{
			{"Instances: desired vs in service", `"GroupDesiredCapacity","AutoScalingGroupName","` + group},
			{"Instances: desired vs in service", `"GroupInServiceInstances","AutoScalingGroupName","` + group},
			{"AMI age of the fleet (days)", `"expression":"(EPOCH(oldest) - oldest) / 86400"`},
			{"AMI age of the fleet (days)", `"` + n.MetricNamespace() + `","` + telemetry.AmiCreationTime + `",{"id":"oldest"`},
			{"Last builds", "SOURCE '" + n.EventLogGroup() + `' | filter source = "aws.imagebuilder"`},
			{"Memory and root disk used (%, worst instance)", `"` + n.MetricNamespace() + `","` + telemetry.MemoryUsedPercent + `"`},
		}
		for _, c := range checks {
			if !strings.Contains(byTitle[c.title], c.what) {
				t.Errorf("widget %q lacks %s; has %s", c.title, c.what, byTitle[c.title])
			}
		}
	})
}

func TestTheFleetStackStillDeploysToMoto(t *testing.T) {
	// moto skips alarms and subscriptions; a Fn::GetAtt on a skipped
	// resource fails the whole create.
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		text := cdktest.CompactJSON(tpl.Fleet.Template)
		for _, typ := range []string{"AWS::CloudWatch::Alarm", "AWS::SNS::Subscription"} {
			for _, r := range cdktest.Resources(typ, tpl.Fleet) {
				if strings.Contains(text, fmt.Sprintf(`{"Fn::GetAtt":["%s",`, r.LogicalID)) {
					t.Errorf("the fleet stack reads an attribute of %s, which moto skips", r.LogicalID)
				}
			}
		}
	})
}
