// Intent tests of issue 10's items 3 to 5 against the synthesized
// templates: the vulnerability scan of every image, the CloudWatch agent's
// reports, and the notifications, alarms and dashboard of each
// environment. Each expectation is derived from the configuration
// (config.Default()) and the names in internal/telemetry, not copied from
// the templates.

package main

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
	"github.com/immutable-server/golden-fleet/stacks"
)

func names(env config.Environment) telemetry.Names {
	return telemetry.NamesFor(config.Default().Prefix, env.Name)
}

// byName returns the id and properties of the resource of typ whose
// nameKey property is name.
func byName(t *testing.T, tpl map[string]any, typ, nameKey, name string) (string, map[string]any) {
	t.Helper()
	for id, p := range resources(tpl, typ) {
		if p[nameKey] == name {
			return id, p
		}
	}
	t.Fatalf("no %s with %s %q", typ, nameKey, name)
	return "", nil
}

// joined renders a Fn::Join of strings and Refs as text, each Ref as
// ${Ref:<id>}.
func joined(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	parts, _ := path(v, "Fn::Join", 1).([]any)
	var b strings.Builder
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			b.WriteString(p)
		case map[string]any:
			if r, ok := p["Ref"]; ok {
				fmt.Fprintf(&b, "${Ref:%v}", r)
			} else {
				fmt.Fprintf(&b, "${%s}", jsonOf(p))
			}
		}
	}
	return b.String()
}

func statements(policy map[string]any) []map[string]any {
	var out []map[string]any
	for _, st := range list(path(policy, "PolicyDocument", "Statement")) {
		out = append(out, st.(map[string]any))
	}
	return out
}

func strs(v any) []string {
	var out []string
	for _, x := range list(v) {
		out = append(out, fmt.Sprint(x))
	}
	sort.Strings(out)
	return out
}

// --- item 3: vulnerability scanning -------------------------------------

func TestThePipelineScansEveryImageAsConfigured(t *testing.T) {
	sawDefault := false
	forEachEnv(t, func(t *testing.T, env config.Environment, _, factory map[string]any) {
		s := env.Observability.WithDefaults().Scanning
		_, p := only(t, factory, "AWS::ImageBuilder::ImagePipeline")
		cfg := path(p, "ImageScanningConfiguration")
		if s.Disabled {
			if cfg != nil {
				t.Errorf("scanning is disabled, but the pipeline has %s", jsonOf(cfg))
			}
			return
		}
		if env.Observability.Scanning.Type == "" && s.Type == "ON_DEMAND_AMI_CVE" {
			sawDefault = true
		}
		if path(cfg, "ImageScanningEnabled") != true || jsonOf(path(cfg, "ImageScanningTypes")) != jsonOf([]string{s.Type}) {
			t.Errorf("ImageScanningConfiguration %s, want scanning enabled with type %s", jsonOf(cfg), s.Type)
		}
		cond := path(cfg, "ScanResultCondition")
		if s.MaxSeverity == "" {
			if cond != nil {
				t.Errorf("no MaxSeverity configured, but ScanResultCondition %s would fail builds", jsonOf(cond))
			}
			return
		}
		want := map[string]any{"MaximumSeverityLabel": s.MaxSeverity, "FixAvailable": !s.CountUnfixed}
		if jsonOf(cond) != jsonOf(want) {
			t.Errorf("ScanResultCondition %s, want %s", jsonOf(cond), jsonOf(want))
		}
	})
	if !sawDefault {
		t.Error("no environment scans with the default type, the one that needs no account-wide Inspector activation (ON_DEMAND_AMI_CVE)")
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
	for name, props := range map[string]imagebuilder.ImageScanningProps{
		"unknown type":                        {Type: "ENHANCED"},
		"no type":                             {},
		"a condition on a test-instance scan": {Type: imagebuilder.ScanTestInstance, MaxSeverity: "HIGH"},
	} {
		p := pipeline()
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: ScanImages(%+v) accepted it", name, props)
				}
			}()
			p.ScanImages(props)
		}()
	}
	p := pipeline()
	p.ScanImages(imagebuilder.ImageScanningProps{Type: imagebuilder.ScanOnDemandAMI, MaxSeverity: "MEDIUM", CountUnfixed: true})
	got := resolved(awscdk.Stack_Of(p.Resource), p.Resource.ImageScanningConfiguration())
	want := `{"imageScanningEnabled":true,"imageScanningTypes":["ON_DEMAND_AMI_CVE"],"scanResultCondition":{"fixAvailable":false,"maximumSeverityLabel":"MEDIUM"}}`
	if got != want {
		t.Errorf("ImageScanningConfiguration %s, want %s", got, want)
	}
}

// --- item 4: the CloudWatch agent reports -------------------------------

func TestFleetInstancesStartTheAgentWithTheirEnvironmentsConfiguration(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		n := names(env)
		_, param := byName(t, fleet, "AWS::SSM::Parameter", "Name", n.AgentParameter)
		_, lt := only(t, fleet, "AWS::EC2::LaunchTemplate")
		userData := fmt.Sprint(path(lt, "LaunchTemplateData", "UserData", "Fn::Base64"))
		if !strings.Contains(userData, "amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c ssm:"+n.AgentParameter) &&
			!strings.Contains(userData, `"$ctl" -a fetch-config -m ec2 -s -c ssm:`+n.AgentParameter) {
			t.Errorf("the launch template's user data does not start the agent from %s:\n%s", n.AgentParameter, userData)
		}
		if env.Fleet.UserData != "" && !strings.Contains(userData, env.Fleet.UserData) {
			t.Error("the configured Fleet.UserData is missing from the launch template")
		}
		var cfg struct {
			Metrics struct {
				Namespace string                    `json:"namespace"`
				Collected map[string]map[string]any `json:"metrics_collected"`
			} `json:"metrics"`
			Logs struct {
				Collected struct {
					Files struct {
						List []map[string]string `json:"collect_list"`
					} `json:"files"`
				} `json:"logs_collected"`
			} `json:"logs"`
		}
		if err := json.Unmarshal([]byte(fmt.Sprint(param["Value"])), &cfg); err != nil {
			t.Fatalf("agent configuration is not JSON: %v", err)
		}
		if cfg.Metrics.Namespace != n.Namespace {
			t.Errorf("metrics go to namespace %q, want the environment's %q", cfg.Metrics.Namespace, n.Namespace)
		}
		for _, plugin := range []string{"mem", "disk"} {
			if cfg.Metrics.Collected[plugin] == nil {
				t.Errorf("the agent does not collect %s", plugin)
			}
		}
		groups := map[string]bool{}
		for _, g := range resources(fleet, "AWS::Logs::LogGroup") {
			groups[fmt.Sprint(g["LogGroupName"])] = true
		}
		files := map[string]string{}
		for _, f := range cfg.Logs.Collected.Files.List {
			files[f["file_path"]] = f["log_group_name"]
			if !groups[f["log_group_name"]] {
				t.Errorf("the agent ships %s to %s, a log group the stack does not create", f["file_path"], f["log_group_name"])
			}
		}
		for _, file := range []string{"/var/log/messages", "/var/log/nginx/access.log", "/var/log/nginx/error.log"} {
			if !strings.HasPrefix(files[file], n.LogGroupPrefix+"/") {
				t.Errorf("%s goes to %q, want a log group under %s", file, files[file], n.LogGroupPrefix)
			}
		}
	})
}

func TestTheImageCarriesNoEnvironmentsAgentConfiguration(t *testing.T) {
	// The same AMI may run in several environments: what says where to
	// report lives in each environment's fleet stack, never in the image.
	s := app(t)
	for _, env := range s.cfg.Environments {
		factory := string(s.raw[stacks.StackName(s.cfg.Prefix, env.Name, "image-factory")])
		for _, other := range s.cfg.Environments {
			if n := names(other); strings.Contains(factory, n.AgentParameter) || strings.Contains(factory, `"`+n.Namespace+`"`) {
				t.Errorf("the %s image factory names %s's agent configuration or namespace", env.Name, other.Name)
			}
		}
	}
	// Two environments report to different places.
	dev, prod := names(config.Environment{Name: "dev"}), names(config.Environment{Name: "prod"})
	if dev.AgentParameter == prod.AgentParameter || dev.Namespace == prod.Namespace || dev.SystemLog() == prod.SystemLog() {
		t.Error("dev and prod share agent configuration, namespace or log groups")
	}
}

func TestTheImageWritesTheSystemLogTheAgentShips(t *testing.T) {
	// Amazon Linux 2023 logs to the journal only; rsyslog writes
	// /var/log/messages.
	forEachEnv(t, func(t *testing.T, env config.Environment, _, factory map[string]any) {
		_, recipe := only(t, factory, "AWS::ImageBuilder::ImageRecipe")
		used := jsonOf(recipe["Components"])
		for id, c := range resources(factory, "AWS::ImageBuilder::Component") {
			if strings.Contains(fmt.Sprint(c["Data"]), "dnf install -y rsyslog") && strings.Contains(used, `"`+id+`"`) {
				return
			}
		}
		t.Error("no component of the recipe installs rsyslog: /var/log/messages would not exist")
	})
}

func TestLogGroupsKeepTheConfiguredRetentionWithTheEnvironmentsKey(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		n := names(env)
		days := env.Observability.WithDefaults().LogRetentionDays
		var keyID string
		for _, name := range []string{n.SystemLog(), n.AccessLog(), n.ErrorLog(), n.EventLog()} {
			_, g := byName(t, fleet, "AWS::Logs::LogGroup", "LogGroupName", name)
			if fmt.Sprint(g["RetentionInDays"]) != fmt.Sprint(days) {
				t.Errorf("%s keeps logs %v days, want %d", name, g["RetentionInDays"], days)
			}
			id, _ := path(g, "KmsKeyId", "Fn::GetAtt", 0).(string)
			if id == "" || (keyID != "" && id != keyID) {
				t.Errorf("%s is encrypted with %s, want the environment's one log key", name, jsonOf(g["KmsKeyId"]))
			}
			keyID = id
		}
		key := resources(fleet, "AWS::KMS::Key")[keyID]
		if key["EnableKeyRotation"] != true {
			t.Errorf("log key %s does not rotate", keyID)
		}
		wantContext := fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s/*", env.Region, env.Account, n.LogGroupPrefix)
		found := false
		for _, st := range list(path(key, "KeyPolicy", "Statement")) {
			if path(st, "Principal", "Service") == "logs."+env.Region+".amazonaws.com" {
				found = true
				if got := path(st, "Condition", "ArnLike", "kms:EncryptionContext:aws:logs:arn"); got != wantContext {
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
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		n := names(env)
		roleID := ""
		for id, r := range resources(fleet, "AWS::IAM::Role") {
			if strings.HasPrefix(id, "LaunchTemplateInstanceRole") {
				roleID = id
				if strings.Contains(jsonOf(r["ManagedPolicyArns"]), "CloudWatchAgentServerPolicy") {
					t.Error("the instance role has CloudWatchAgentServerPolicy: any namespace, any log group")
				}
			}
		}
		paramID, _ := byName(t, fleet, "AWS::SSM::Parameter", "Name", n.AgentParameter)
		var logArns []string
		for _, name := range []string{n.SystemLog(), n.AccessLog(), n.ErrorLog()} {
			id, _ := byName(t, fleet, "AWS::Logs::LogGroup", "LogGroupName", name)
			logArns = append(logArns, jsonOf(getAtt(id, "Arn")))
		}
		sort.Strings(logArns)
		granted := map[string]map[string]any{} // action -> statement
		for _, pol := range resources(fleet, "AWS::IAM::Policy") {
			if !strings.Contains(jsonOf(pol["Roles"]), jsonOf(ref(roleID))) {
				continue
			}
			for _, st := range statements(pol) {
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
		if st := granted["ssm:GetParameter"]; !strings.Contains(jsonOf(st["Resource"]), jsonOf(ref(paramID))) || strings.Contains(jsonOf(st["Resource"]), "*") {
			t.Errorf("ssm:GetParameter on %s, want only the agent configuration %s", jsonOf(st["Resource"]), n.AgentParameter)
		}
		var res []string
		for _, r := range list(granted["logs:PutLogEvents"]["Resource"]) {
			res = append(res, jsonOf(r))
		}
		sort.Strings(res)
		if !slices.Equal(res, logArns) {
			t.Errorf("logs:PutLogEvents on %v, want the three log groups %v", res, logArns)
		}
		if got := path(granted["cloudwatch:PutMetricData"], "Condition", "StringEquals", "cloudwatch:namespace"); got != n.Namespace {
			t.Errorf("cloudwatch:PutMetricData is limited to namespace %v, want %s", got, n.Namespace)
		}
	})
}

func TestNoInstanceBootsBeforeItCanReport(t *testing.T) {
	s := app(t)
	for _, env := range s.cfg.Environments {
		n := names(env)
		name := stacks.StackName(s.cfg.Prefix, env.Name, "fleet")
		var tpl struct {
			Resources map[string]struct {
				Type      string
				DependsOn []string
			}
		}
		if err := json.Unmarshal(s.raw[name], &tpl); err != nil {
			t.Fatal(err)
		}
		fleet := s.templates[name]
		paramID, _ := byName(t, fleet, "AWS::SSM::Parameter", "Name", n.AgentParameter)
		needs := []string{paramID}
		for _, g := range []string{n.SystemLog(), n.AccessLog(), n.ErrorLog()} {
			id, _ := byName(t, fleet, "AWS::Logs::LogGroup", "LogGroupName", g)
			needs = append(needs, id)
		}
		for id, p := range resources(fleet, "AWS::IAM::Policy") {
			if strings.Contains(jsonOf(p), "cloudwatch:PutMetricData") {
				needs = append(needs, id)
			}
		}
		asgID, _ := only(t, fleet, "AWS::AutoScaling::AutoScalingGroup")
		for _, need := range needs {
			if !slices.Contains(tpl.Resources[asgID].DependsOn, need) {
				t.Errorf("%s: the group does not wait for %s (%s)", env.Name, need, tpl.Resources[need].Type)
			}
		}
	}
}

// --- item 5: notifications, alarms, dashboard ---------------------------

func TestBuildResultsGoToTheEncryptedBuildTopicAndTheConfiguredAddress(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, _, factory map[string]any) {
		// Image Builder publishes AVAILABLE and FAILED images to the
		// infrastructure configuration's topic.
		topicID, topic := only(t, factory, "AWS::SNS::Topic")
		_, infra := only(t, factory, "AWS::ImageBuilder::InfrastructureConfiguration")
		if jsonOf(infra["SnsTopicArn"]) != jsonOf(ref(topicID)) || topic["KmsMasterKeyId"] == nil {
			t.Fatalf("build results do not reach the encrypted topic %s", topicID)
		}
		checkEmailSubscription(t, env, factory, topicID)
	})
}

func checkEmailSubscription(t *testing.T, env config.Environment, tpl map[string]any, topicID string) {
	t.Helper()
	var got []string
	for _, sub := range resources(tpl, "AWS::SNS::Subscription") {
		if jsonOf(sub["TopicArn"]) == jsonOf(ref(topicID)) {
			got = append(got, fmt.Sprintf("%v:%v", sub["Protocol"], sub["Endpoint"]))
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
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		n := names(env)
		asgID, _ := only(t, fleet, "AWS::AutoScaling::AutoScalingGroup")
		alarms := resources(fleet, "AWS::CloudWatch::Alarm")
		if len(alarms) != 2 {
			t.Fatalf("%d alarms, want 2", len(alarms))
		}
		// Launch failures: the rule that matches them, and its count.
		_, rule := byName(t, fleet, "AWS::Events::Rule", "Name", n.LaunchFailures())
		wantPattern := map[string]any{
			"detail":      map[string]any{"AutoScalingGroupName": []any{ref(asgID)}},
			"detail-type": []any{"EC2 Instance Launch Unsuccessful"},
			"source":      []any{"aws.autoscaling"},
		}
		if jsonOf(rule["EventPattern"]) != jsonOf(wantPattern) {
			t.Errorf("launch failure rule matches %s, want %s", jsonOf(rule["EventPattern"]), jsonOf(wantPattern))
		}
		_, lf := byName(t, fleet, "AWS::CloudWatch::Alarm", "AlarmName", n.LaunchFailures())
		if lf["Namespace"] != "AWS/Events" || lf["MetricName"] != "TriggeredRules" ||
			jsonOf(lf["Dimensions"]) != jsonOf([]any{map[string]any{"Name": "RuleName", "Value": n.LaunchFailures()}}) ||
			fmt.Sprint(lf["Threshold"]) != "1" || lf["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" {
			t.Errorf("launch failure alarm %s, want TriggeredRules of rule %s >= 1", jsonOf(lf), n.LaunchFailures())
		}
		// Below desired: desired minus in service, for the configured time.
		_, bd := byName(t, fleet, "AWS::CloudWatch::Alarm", "AlarmName", n.BelowDesired())
		metrics := map[string]any{}
		var expr string
		for _, m := range list(bd["Metrics"]) {
			if e, ok := path(m, "Expression").(string); ok {
				expr = e
				continue
			}
			metrics[fmt.Sprint(path(m, "Id"))] = path(m, "MetricStat")
			if jsonOf(path(m, "MetricStat", "Metric", "Dimensions")) != jsonOf([]any{map[string]any{"Name": "AutoScalingGroupName", "Value": ref(asgID)}}) {
				t.Errorf("metric %v is not the group's", path(m, "Id"))
			}
		}
		if expr != "desired - inService" || path(metrics["desired"], "Metric", "MetricName") != "GroupDesiredCapacity" ||
			path(metrics["inService"], "Metric", "MetricName") != "GroupInServiceInstances" {
			t.Errorf("below-desired alarm computes %q over %s, want GroupDesiredCapacity - GroupInServiceInstances", expr, jsonOf(metrics))
		}
		minutes := env.Observability.WithDefaults().BelowDesiredMinutes
		period := path(metrics["desired"], "Period")
		if fmt.Sprint(bd["EvaluationPeriods"]) != fmt.Sprint(minutes) || fmt.Sprint(bd["DatapointsToAlarm"]) != fmt.Sprint(minutes) || fmt.Sprint(period) != "60" {
			t.Errorf("below desired for %v of %v periods of %vs, want %d minutes", bd["DatapointsToAlarm"], bd["EvaluationPeriods"], period, minutes)
		}
		if fmt.Sprint(bd["Threshold"]) != "1" || bd["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" {
			t.Errorf("below-desired alarm fires at %v %v, want at least one instance missing", bd["ComparisonOperator"], bd["Threshold"])
		}
	})
}

func TestTheFleetAlarmsNotifyTheEncryptedAlarmTopic(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		var topicID string
		for id := range resources(fleet, "AWS::SNS::Topic") {
			if strings.HasPrefix(id, "MonitoringAlarmTopic") {
				topicID = id
			}
		}
		if topicID == "" {
			t.Fatal("no alarm topic")
		}
		for id, a := range resources(fleet, "AWS::CloudWatch::Alarm") {
			for _, key := range []string{"AlarmActions", "OKActions"} {
				if jsonOf(a[key]) != jsonOf([]any{ref(topicID)}) {
					t.Errorf("alarm %s %s = %s, want the alarm topic", id, key, jsonOf(a[key]))
				}
			}
		}
		topic := resources(fleet, "AWS::SNS::Topic")[topicID]
		keyID, _ := path(topic, "KmsMasterKeyId", "Fn::GetAtt", 0).(string)
		key := resources(fleet, "AWS::KMS::Key")[keyID]
		if key == nil || !strings.Contains(jsonOf(path(key, "KeyPolicy")), `"Service":"cloudwatch.amazonaws.com"`) {
			t.Errorf("the alarm topic's key %q does not let CloudWatch publish", keyID)
		}
		allowed := false
		for _, p := range resources(fleet, "AWS::SNS::TopicPolicy") {
			if jsonOf(p["Topics"]) != jsonOf([]any{ref(topicID)}) {
				continue
			}
			for _, st := range statements(p) {
				allowed = allowed || (st["Effect"] == "Allow" && path(st, "Principal", "Service") == "cloudwatch.amazonaws.com")
			}
		}
		if !allowed {
			t.Error("the alarm topic's policy does not let CloudWatch alarms publish")
		}
		checkEmailSubscription(t, env, fleet, topicID)
	})
}

func TestTheFleetStackOutputsItsAlarmNamesForTheRollout(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		out := path(fleet, "Outputs", stacks.FleetAlarmNamesOutput, "Value")
		got, ok := out.(string)
		if !ok {
			t.Fatalf("output %s = %s, want a plain string (names, no token)", stacks.FleetAlarmNamesOutput, jsonOf(out))
		}
		var want []string
		for _, a := range resources(fleet, "AWS::CloudWatch::Alarm") {
			want = append(want, fmt.Sprint(a["AlarmName"]))
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
	s := app(t)
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, factory map[string]any) {
		n := names(env)
		eventLogID, _ := byName(t, fleet, "AWS::Logs::LogGroup", "LogGroupName", n.EventLog())
		target := []any{map[string]any{"Arn": fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", env.Region, env.Account, n.EventLog()), "Id": "EventLog"}}
		_, rule := byName(t, fleet, "AWS::Events::Rule", "Name", n.BuildResults())
		for _, r := range []map[string]any{rule, func() map[string]any {
			_, r := byName(t, fleet, "AWS::Events::Rule", "Name", n.LaunchFailures())
			return r
		}()} {
			if jsonOf(r["Targets"]) != jsonOf(target) {
				t.Errorf("rule %v targets %s, want the event log group %s", r["Name"], jsonOf(r["Targets"]), n.EventLog())
			}
		}
		if got := strs(path(rule, "EventPattern", "detail", "state", "status")); !slices.Equal(got, []string{"AVAILABLE", "CANCELLED", "FAILED"}) {
			t.Errorf("build rule records states %v, want the terminal ones", got)
		}
		// The rule selects this environment's images, whatever the
		// recipe's content hash, and no other environment's.
		prefix := fmt.Sprint(path(rule, "EventPattern", "resources", 0, "prefix"))
		// An environment whose name starts with this one's ("dev2").
		longer := fmt.Sprintf("arn:aws:imagebuilder:%s:%s:image/%s-%s2-golden-ami-0123abcd/1.0.0/1", env.Region, env.Account, s.cfg.Prefix, env.Name)
		if strings.HasPrefix(longer, prefix) {
			t.Errorf("prefix %q also matches %s, an image of environment %s2", prefix, longer, env.Name)
		}
		for _, other := range s.cfg.Environments {
			_, recipe := only(t, s.templates[stacks.StackName(s.cfg.Prefix, other.Name, "image-factory")], "AWS::ImageBuilder::ImageRecipe")
			image := fmt.Sprintf("arn:aws:imagebuilder:%s:%s:image/%s/1.0.0/1", env.Region, env.Account, recipe["Name"])
			if matches := strings.HasPrefix(image, prefix); matches != (other.Name == env.Name) {
				t.Errorf("prefix %q matches %s's image %s: %v", prefix, other.Name, image, matches)
			}
		}
		// EventBridge may write to the log group.
		allowed := false
		for _, p := range resources(fleet, "AWS::Logs::ResourcePolicy") {
			doc := joined(p["PolicyDocument"])
			allowed = allowed || (strings.Contains(doc, `"Service":"events.amazonaws.com"`) && strings.Contains(doc, "logs:PutLogEvents") &&
				strings.Contains(doc, fmt.Sprintf("${%s}", jsonOf(getAtt(eventLogID, "Arn")))))
		}
		if !allowed {
			t.Error("no resource policy lets EventBridge write to the event log group")
		}
	})
}

func TestEachEnvironmentHasADashboardOfItsFleet(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		n := names(env)
		asgID, _ := only(t, fleet, "AWS::AutoScaling::AutoScalingGroup")
		_, d := byName(t, fleet, "AWS::CloudWatch::Dashboard", "DashboardName", n.Dashboard())
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
			byTitle[w.Properties.Title] = jsonOf(w.Properties.Metrics) + w.Properties.Query
		}
		group := fmt.Sprintf("${Ref:%s}", asgID)
		checks := []struct{ title, what string }{
			{"Instances: desired vs in service", `"GroupDesiredCapacity","AutoScalingGroupName","` + group},
			{"Instances: desired vs in service", `"GroupInServiceInstances","AutoScalingGroupName","` + group},
			{"AMI age of the fleet (days)", `"expression":"(EPOCH(oldest) - oldest) / 86400"`},
			{"AMI age of the fleet (days)", `"` + n.Namespace + `","` + telemetry.AmiCreationTime + `",{"id":"oldest"`},
			{"Last builds", "SOURCE '" + n.EventLog() + `' | filter source = "aws.imagebuilder"`},
			{"Memory and root disk used (%, worst instance)", `"` + n.Namespace + `","` + telemetry.MemoryUsedPercent + `"`},
		}
		for _, c := range checks {
			if !strings.Contains(byTitle[c.title], c.what) {
				t.Errorf("widget %q lacks %s; has %s", c.title, c.what, byTitle[c.title])
			}
		}
		if n.Namespace != fmt.Sprintf("%s/%s", config.Default().Prefix, env.Name) {
			t.Errorf("namespace %s is not the environment's", n.Namespace)
		}
	})
}

func TestTheFleetStackStillDeploysToMoto(t *testing.T) {
	// moto skips alarms and subscriptions; a Fn::GetAtt on a skipped
	// resource fails the whole create.
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		skipped := map[string]bool{}
		for _, typ := range []string{"AWS::CloudWatch::Alarm", "AWS::SNS::Subscription"} {
			for id := range resources(fleet, typ) {
				skipped[id] = true
			}
		}
		text := jsonOf(fleet)
		for id := range skipped {
			if strings.Contains(text, fmt.Sprintf(`{"Fn::GetAtt":["%s",`, id)) {
				t.Errorf("the fleet stack reads an attribute of %s, which moto skips", id)
			}
		}
	})
}
