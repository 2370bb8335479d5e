package main

// Day-2 operations (issue 10, items 1 and 2) in the synthesized templates:
// the automatic rollout, the refresh preferences fleetctl roll reads, the
// golden AMI marker and the AMI lifecycle policy.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/constructs/lifecycle"
	"github.com/immutable-server/golden-fleet/constructs/rollout"
	"github.com/immutable-server/golden-fleet/internal/marks"
	"github.com/immutable-server/golden-fleet/internal/policymodel"
	"github.com/immutable-server/golden-fleet/stacks"
)

// joinText renders a DefinitionString (a string or an Fn::Join of strings
// and Refs) as text, each Ref as {{Ref <id>}}.
func joinText(t *testing.T, v any) string {
	t.Helper()
	if s, ok := v.(string); ok {
		return s
	}
	parts, ok := path(v, "Fn::Join", 1).([]any)
	if !ok {
		t.Fatalf("DefinitionString = %s, want a string or an Fn::Join", jsonOf(v))
	}
	var b strings.Builder
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			b.WriteString(p)
		default:
			id, ok := path(p, "Ref").(string)
			if !ok {
				t.Fatalf("definition part %s: want a string or a Ref", jsonOf(p))
			}
			b.WriteString("{{Ref " + id + "}}")
		}
	}
	return b.String()
}

// stateMachine returns the definition of the state machine named name in
// tpl, parsed, and its role's logical id; nil if there is none.
func stateMachine(t *testing.T, tpl map[string]any, name string) (def map[string]any, roleID string) {
	t.Helper()
	for _, sm := range resources(tpl, "AWS::StepFunctions::StateMachine") {
		if sm["StateMachineName"] != name {
			continue
		}
		if err := json.Unmarshal([]byte(joinText(t, sm["DefinitionString"])), &def); err != nil {
			t.Fatalf("state machine %s: definition is not JSON: %v", name, err)
		}
		roleID, _ = path(sm, "RoleArn", "Fn::GetAtt", 0).(string)
		return def, roleID
	}
	return nil, ""
}

// ruleFor returns the event rule whose target is the state machine with
// the given logical id.
func ruleFor(t *testing.T, tpl map[string]any, smID string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, r := range resources(tpl, "AWS::Events::Rule") {
		for _, target := range r["Targets"].([]any) {
			if jsonOf(path(target, "Arn")) == jsonOf(ref(smID)) {
				found = append(found, r)
			}
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d event rules target state machine %s, want 1", len(found), smID)
	}
	return found[0]
}

func logicalID(t *testing.T, tpl map[string]any, typ, name string) string {
	t.Helper()
	for id, r := range resources(tpl, typ) {
		if r["StateMachineName"] == name {
			return id
		}
	}
	t.Fatalf("no %s named %s", typ, name)
	return ""
}

// rolePolicy collects the Allow statements of every policy attached to
// the role.
func rolePolicy(tpl map[string]any, roleID string) []any {
	var out []any
	for _, p := range resources(tpl, "AWS::IAM::Policy") {
		for _, r := range p["Roles"].([]any) {
			if jsonOf(r) == jsonOf(ref(roleID)) {
				out = append(out, path(p, "PolicyDocument", "Statement").([]any)...)
			}
		}
	}
	return out
}

func actions(st any) []string {
	switch a := path(st, "Action").(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

// tasks lists the Resource of every Task state, Map iterations included.
func tasks(states map[string]any) []string {
	var out []string
	for _, s := range states {
		switch path(s, "Type") {
		case "Task":
			out = append(out, path(s, "Resource").(string))
		case "Map":
			out = append(out, tasks(path(s, "ItemProcessor", "States").(map[string]any))...)
		}
	}
	sort.Strings(out)
	return out
}

// --- rollout --------------------------------------------------------------

func rolloutName(env config.Environment) string {
	return stacks.FleetID(config.Default().Prefix, env.Name) + "-rollout"
}

func TestTheAutomaticRolloutIsThereExactlyWhereTheEnvironmentTurnsItOn(t *testing.T) {
	on := map[string]bool{}
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		def, _ := stateMachine(t, fleet, rolloutName(env))
		if (def != nil) != env.Rollout.Automatic {
			t.Errorf("automatic rollout state machine present=%v, Rollout.Automatic=%v", def != nil, env.Rollout.Automatic)
		}
		on[env.Name] = def != nil
	})
	if !on["dev"] || on["prod"] {
		t.Errorf("automatic rollout: %v; want it in dev and not in prod", on)
	}
}

func TestAnUpdateOfTheGoldenParameterAndNothingElseStartsTheAutomaticRollout(t *testing.T) {
	s := app(t)
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		if !env.Rollout.Automatic {
			return
		}
		rule := ruleFor(t, fleet, logicalID(t, fleet, "AWS::StepFunctions::StateMachine", rolloutName(env)))
		want := map[string]any{
			"source":      []any{"aws.ssm"},
			"detail-type": []any{"Parameter Store Change"},
			"detail":      map[string]any{"name": []any{goldenParameter(s, env)}, "operation": []any{"Update"}},
		}
		if got := rule["EventPattern"]; jsonOf(got) != jsonOf(want) {
			t.Errorf("event pattern %s, want %s: only an update of the golden AMI parameter", jsonOf(got), jsonOf(want))
		}
	})
}

func TestTheAutomaticRolloutOnlyStartsARefreshOfTheFleetsGroupAndCannotTriggerItself(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		def, roleID := stateMachine(t, fleet, rolloutName(env))
		if def == nil {
			return
		}
		asgID, _ := only(t, fleet, "AWS::AutoScaling::AutoScalingGroup")
		if got := tasks(def["States"].(map[string]any)); !slices.Equal(got, []string{"arn:{{Ref AWS::Partition}}:states:::aws-sdk:autoscaling:startInstanceRefresh"}) {
			t.Errorf("tasks %v, want only autoscaling:startInstanceRefresh", got)
		}
		start := path(def, "States", "StartInstanceRefresh")
		if got := path(start, "Parameters", "AutoScalingGroupName"); got != "{{Ref "+asgID+"}}" {
			t.Errorf("refreshes group %v, want the fleet's group %s", got, asgID)
		}
		for _, st := range rolePolicy(fleet, roleID) {
			for _, a := range actions(st) {
				if strings.HasPrefix(a, "ssm:") || a == "*" || strings.HasPrefix(a, "states:") || strings.HasPrefix(a, "events:") {
					t.Errorf("the rollout's role may %s: it must not be able to write the parameter or start itself", a)
				}
				if a == "autoscaling:StartInstanceRefresh" && !strings.Contains(jsonOf(path(st, "Resource")), `{"Ref":"`+asgID+`"}`) {
					t.Errorf("StartInstanceRefresh on %s, want only the fleet's group", jsonOf(path(st, "Resource")))
				}
				if strings.HasPrefix(a, "autoscaling:") && a != "autoscaling:StartInstanceRefresh" {
					t.Errorf("the rollout's role may %s, want only autoscaling:StartInstanceRefresh", a)
				}
			}
		}
	})
}

// wantPreferences is what the configuration asks of every refresh.
func wantPreferences(r config.Rollout) map[string]any {
	want := map[string]any{"SkipMatching": false, "MinHealthyPercentage": float64(r.MinHealthyPercentage)}
	if r.InstanceWarmup != 0 {
		want["InstanceWarmup"] = r.InstanceWarmup.Seconds()
	}
	if len(r.CheckpointPercentages) > 0 {
		var cps []any
		for _, c := range r.CheckpointPercentages {
			cps = append(cps, float64(c))
		}
		want["CheckpointPercentages"] = cps
		want["CheckpointDelay"] = r.CheckpointDelay.Seconds()
	}
	return want
}

func TestEveryRefreshReplacesEveryInstanceWithTheConfiguredPreferences(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		want := wantPreferences(env.Rollout)
		// fleetctl roll reads the stack output.
		out, _ := path(fleet, "Outputs", stacks.RolloutPreferencesOutput, "Value").(string)
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("output %s = %q: %v", stacks.RolloutPreferencesOutput, out, err)
		}
		if jsonOf(got) != jsonOf(want) {
			t.Errorf("output %s = %s, want %s", stacks.RolloutPreferencesOutput, jsonOf(got), jsonOf(want))
		}
		def, _ := stateMachine(t, fleet, rolloutName(env))
		if def == nil {
			return
		}
		params := path(def, "States", "StartInstanceRefresh", "Parameters")
		if got := path(params, "Preferences"); jsonOf(got) != jsonOf(want) {
			t.Errorf("automatic refresh preferences %s, want %s", jsonOf(got), jsonOf(want))
		}
		if path(params, "Strategy") != "Rolling" || path(params, "DesiredConfiguration") != nil {
			t.Errorf("refresh parameters %s: want a rolling refresh of the group's own configuration", jsonOf(params))
		}
	})
}

func TestTheAutomaticRolloutWaitsForARunningRefreshInsteadOfFailing(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		def, _ := stateMachine(t, fleet, rolloutName(env))
		if def == nil {
			return
		}
		retry, _ := path(def, "States", "StartInstanceRefresh", "Retry").([]any)
		total := 0.0
		for _, r := range retry {
			if slices.Contains(path(r, "ErrorEquals").([]any), any(rollout.InProgressError)) {
				interval, attempts := path(r, "IntervalSeconds").(float64), path(r, "MaxAttempts").(float64)
				rate, maxDelay := path(r, "BackoffRate").(float64), path(r, "MaxDelaySeconds").(float64)
				for i := 0.0; i < attempts; i++ {
					total += min(interval, maxDelay)
					interval *= rate
				}
			}
		}
		if total < time.Hour.Seconds() {
			t.Errorf("a running refresh is waited for %.0fs in all, want at least an hour (retries %s)", total, jsonOf(retry))
		}
	})
}

// --- marker ---------------------------------------------------------------

func markerName(env config.Environment) string {
	return stacks.FleetID(config.Default().Prefix, env.Name) + "-golden-ami-marks"
}

func TestEveryWriteOfTheGoldenParameterUpdatesTheMarks(t *testing.T) {
	s := app(t)
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		rule := ruleFor(t, fleet, logicalID(t, fleet, "AWS::StepFunctions::StateMachine", markerName(env)))
		want := map[string]any{
			"source":      []any{"aws.ssm"},
			"detail-type": []any{"Parameter Store Change"},
			"detail":      map[string]any{"name": []any{goldenParameter(s, env)}, "operation": []any{"Create", "Update"}},
		}
		if got := rule["EventPattern"]; jsonOf(got) != jsonOf(want) {
			t.Errorf("event pattern %s, want %s", jsonOf(got), jsonOf(want))
		}
	})
}

func TestTheMarkerWritesOnlyTheMarkTagsOnImagesAndReadsOnlyTheGoldenParameter(t *testing.T) {
	s := app(t)
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		def, roleID := stateMachine(t, fleet, markerName(env))
		if def == nil {
			t.Fatal("no marker state machine")
		}
		fleetID := stacks.FleetID(s.cfg.Prefix, env.Name)
		wantKeys := []any{marks.RoleKey(fleetID), marks.RetainKey}
		for _, st := range rolePolicy(fleet, roleID) {
			for _, a := range actions(st) {
				switch {
				case a == "ec2:CreateTags" || a == "ec2:DeleteTags":
					if !strings.HasSuffix(jsonOf(path(st, "Resource")), `::image/*"`) {
						t.Errorf("%s on %s, want images only", a, jsonOf(path(st, "Resource")))
					}
					if got := path(st, "Condition", "ForAllValues:StringEquals", "aws:TagKeys"); jsonOf(got) != jsonOf(wantKeys) {
						t.Errorf("%s for tag keys %s, want only %s", a, jsonOf(got), jsonOf(wantKeys))
					}
				case a == "ssm:GetParameter":
					if got := path(st, "Resource"); !strings.HasSuffix(jsonOf(got), "parameter"+goldenParameter(s, env)+`"`) {
						t.Errorf("ssm:GetParameter on %s, want the golden parameter only", jsonOf(got))
					}
				case a == "ec2:DescribeImages", strings.HasPrefix(a, "logs:"), strings.HasPrefix(a, "xray:"):
				default:
					t.Errorf("the marker's role may %s: want only to read the parameter and images, and to write the marks", a)
				}
			}
		}
		text := jsonOf(def)
		for _, want := range []string{marks.RoleKey(fleetID), marks.RetainKey, marks.Current, marks.Previous, goldenParameter(s, env)} {
			if !strings.Contains(text, want) {
				t.Errorf("marker definition lacks %q", want)
			}
		}
		for _, other := range s.cfg.Environments {
			if other.Name != env.Name && strings.Contains(text, marks.RoleKey(stacks.FleetID(s.cfg.Prefix, other.Name))) {
				t.Errorf("marker of %s names %s's role tag: it may only ever remove its own", env.Name, other.Name)
			}
		}
	})
}

// The marker writes the marks before it removes any, and removes them
// only when no newer write has happened meanwhile.
func TestTheMarkerMarksBeforeItUnmarksAndOnlyForTheLatestWrite(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, fleet, _ map[string]any) {
		def, _ := stateMachine(t, fleet, markerName(env))
		states := def["States"].(map[string]any)
		// Walk the main path from StartAt, taking the default branches.
		var order []string
		for name, seen := def["StartAt"].(string), map[string]bool{}; name != "" && !seen[name]; {
			seen[name] = true
			order = append(order, name)
			st := states[name]
			next, _ := path(st, "Next").(string)
			if d, ok := path(st, "Default").(string); ok {
				next = d
			}
			if name == "OlderVersionLeft" || name == "SameAsGoldenAmi" || name == "StillTheSameVersion" {
				next, _ = path(st, "Choices", 0, "Next").(string)
			}
			name = next
		}
		idx := func(s string) int { return slices.Index(order, s) }
		if !(idx("MarkGoldenAmi") >= 0 && idx("MarkGoldenAmi") < idx("ReadGoldenAmiAgain") && idx("ReadGoldenAmiAgain") < idx("UnmarkTheRest")) {
			t.Errorf("states in order %v: want MarkGoldenAmi, then ReadGoldenAmiAgain, then UnmarkTheRest", order)
		}
		if got := path(states, "StillTheSameVersion", "Default"); got != "Superseded" {
			t.Errorf("after a newer write the marker goes to %v, want Superseded (no unmarking)", got)
		}
	})
}

// --- lifecycle ------------------------------------------------------------

func lifecyclePolicy(t *testing.T, factory map[string]any) map[string]any {
	t.Helper()
	rs := resources(factory, "AWS::ImageBuilder::LifecyclePolicy")
	for _, p := range rs {
		return p
	}
	return nil
}

func TestEveryEnvironmentHasALifecyclePolicyUnlessTurnedOff(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, _, factory map[string]any) {
		if p := lifecyclePolicy(t, factory); (p != nil) == env.Lifecycle.Disabled {
			t.Errorf("lifecycle policy present=%v, Lifecycle.Disabled=%v", p != nil, env.Lifecycle.Disabled)
		}
	})
}

func TestTheLifecyclePolicySelectsThePipelinesImagesByTagNotByRecipe(t *testing.T) {
	s := app(t)
	forEachEnv(t, func(t *testing.T, env config.Environment, _, factory map[string]any) {
		p := lifecyclePolicy(t, factory)
		_, pipeline := only(t, factory, "AWS::ImageBuilder::ImagePipeline")
		want := map[string]any{lifecycle.PipelineTagKey: stacks.FleetID(s.cfg.Prefix, env.Name)}
		if got := pipeline["ImageTags"]; jsonOf(got) != jsonOf(want) {
			t.Errorf("pipeline ImageTags %s, want %s", jsonOf(got), jsonOf(want))
		}
		if got := path(p, "ResourceSelection"); jsonOf(got) != jsonOf(map[string]any{"TagMap": want}) {
			t.Errorf("policy selects %s, want exactly the pipeline's image tags %s: a recipe's name changes with its content", jsonOf(got), jsonOf(want))
		}
		if path(p, "ResourceType") != "AMI_IMAGE" || path(p, "Status") != "ENABLED" {
			t.Errorf("policy type %v status %v, want an enabled AMI_IMAGE policy", path(p, "ResourceType"), path(p, "Status"))
		}
	})
}

func TestEveryLifecycleRuleFollowsTheConfigurationAndExcludesMarkedAMIs(t *testing.T) {
	forEachEnv(t, func(t *testing.T, env config.Environment, _, factory map[string]any) {
		p := lifecyclePolicy(t, factory)
		l := env.Lifecycle
		want := []any{
			map[string]any{"Action": map[string]any{"IncludeResources": map[string]any{"Amis": true, "Snapshots": false}, "Type": "DEPRECATE"},
				"ExclusionRules": map[string]any{"Amis": map[string]any{"TagMap": map[string]any{marks.RetainKey: marks.RetainValue}}},
				"Filter":         map[string]any{"RetainAtLeast": l.KeepLatest, "Type": "AGE", "Unit": "DAYS", "Value": l.DeprecateAfterDays}},
			map[string]any{"Action": map[string]any{"IncludeResources": map[string]any{"Amis": true, "Snapshots": true}, "Type": "DELETE"},
				"ExclusionRules": map[string]any{"Amis": map[string]any{"TagMap": map[string]any{marks.RetainKey: marks.RetainValue}}},
				"Filter":         map[string]any{"RetainAtLeast": l.KeepLatest, "Type": "AGE", "Unit": "DAYS", "Value": l.DeleteAfterDays}},
		}
		if got := p["PolicyDetails"]; jsonOf(got) != jsonOf(want) {
			t.Errorf("rules:\n got %s\nwant %s", jsonOf(got), jsonOf(want))
		}
	})
}

// modelOf reads a synthesized lifecycle policy into the model.
func modelOf(t *testing.T, p map[string]any) *policymodel.Policy {
	t.Helper()
	tags := func(v any) map[string]string {
		out := map[string]string{}
		m, _ := v.(map[string]any)
		for k, x := range m {
			out[k] = fmt.Sprint(x)
		}
		return out
	}
	num := func(v any) int { f, _ := v.(float64); return int(f) }
	m := &policymodel.Policy{SelectTags: tags(path(p, "ResourceSelection", "TagMap"))}
	for _, d := range p["PolicyDetails"].([]any) {
		unit, _ := path(d, "Filter", "Unit").(string)
		m.Rules = append(m.Rules, policymodel.Rule{
			Action: policymodel.Action(path(d, "Action", "Type").(string)),
			Type:   path(d, "Filter", "Type").(string), Value: num(path(d, "Filter", "Value")), Unit: unit,
			RetainAtLeast:    num(path(d, "Filter", "RetainAtLeast")),
			ExcludeAMITags:   tags(path(d, "ExclusionRules", "Amis", "TagMap")),
			ExcludeImageTags: tags(path(d, "ExclusionRules", "TagMap")),
		})
	}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	return m
}

// simulate runs a year of builds, rollbacks, recipe renames and
// promotions from dev to prod (internal/policymodel.History) under the
// synthesized dev and prod policies, both in one account (prod launches
// dev's AMIs), with every golden parameter write marked as the app marks.
func simulate(t *testing.T, strip bool) *policymodel.World {
	s := app(t)
	w := policymodel.NewWorld(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, name := range []string{"dev", "prod"} {
		var env config.Environment
		for _, e := range s.cfg.Environments {
			if e.Name == name {
				env = e.WithDefaults()
			}
		}
		p := lifecyclePolicy(t, s.templates[stacks.StackName(s.cfg.Prefix, name, "image-factory")])
		if p == nil {
			t.Fatalf("%s has no lifecycle policy", name)
		}
		m := modelOf(t, p)
		if strip {
			for i := range m.Rules {
				m.Rules[i].ExcludeAMITags, m.Rules[i].ExcludeImageTags = nil, nil
			}
		}
		_, pipeline := only(t, s.templates[stacks.StackName(s.cfg.Prefix, name, "image-factory")], "AWS::ImageBuilder::ImagePipeline")
		imageTags := map[string]string{}
		for k, v := range pipeline["ImageTags"].(map[string]any) {
			imageTags[k] = v.(string)
		}
		w.AddFleet(policymodel.Fleet{
			Name: stacks.FleetID(s.cfg.Prefix, name), Policy: m, ImageTags: imageTags,
			Recipe:     policymodel.Recipe{Name: stacks.FleetID(s.cfg.Prefix, name) + "-golden-ami", Version: "1.0.0"},
			KeepLatest: env.Lifecycle.KeepLatest, DeleteAfterDays: env.Lifecycle.DeleteAfterDays,
			Seed: "ami-0aaaaaaaaaaaaaaa0",
		})
	}
	policymodel.History(w, stacks.FleetID(s.cfg.Prefix, "dev"), stacks.FleetID(s.cfg.Prefix, "prod"))
	return w
}

func TestTheSynthesizedLifecyclePoliciesNeverStrandAFleetThroughAYearOfOperations(t *testing.T) {
	w := simulate(t, false)
	for _, v := range w.Violations {
		t.Error(v)
	}
	if w.Live() >= len(w.Images)/2 {
		t.Errorf("%d of %d images left after a year: the policies do not clean up", w.Live(), len(w.Images))
	}
}

// The simulated year needs the exclusion: without it the synthesized
// rules delete an AMI a fleet runs or rolls back to.
func TestWithoutTheMarkExclusionTheSynthesizedPoliciesWouldStrandAFleet(t *testing.T) {
	w := simulate(t, true)
	stranded := 0
	for _, v := range w.Violations {
		if strings.Contains(v, "golden AMI") || strings.Contains(v, "rollback target") {
			stranded++
		}
	}
	if stranded == 0 {
		t.Errorf("without the exclusion no fleet lost an AMI: the simulation does not exercise the marks; violations: %v", w.Violations)
	}
}

// cfn-lint 1.51.0 does not know the pipeline's ImageTags yet; the pipeline
// tells it to skip E3002 (unknown property). Every other property must be
// in cfn-lint's schema, so that the suppression hides nothing else.
func TestThePipelineHasNoPropertyCfnLintDoesNotKnowButImageTags(t *testing.T) {
	const typ = "AWS::ImageBuilder::ImagePipeline"
	createOnly(t, typ) // locates cfn-lint's schemas
	index, err := os.ReadFile(filepath.Join(schemaDir, "providers", "us_east_1.py"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(regexp.QuoteMeta(`"`+typ+`": "`) + `([0-9a-f]+)"`).FindSubmatch(index)
	if m == nil {
		t.Fatalf("%s is not in cfn-lint's schema index", typ)
	}
	data, err := os.ReadFile(filepath.Join(schemaDir, "resources", string(m[1])+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct{ Properties map[string]any }
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	forEachEnv(t, func(t *testing.T, env config.Environment, _, factory map[string]any) {
		for id, r := range factory["Resources"].(map[string]any) {
			if path(r, "Type") != typ {
				continue
			}
			for prop := range path(r, "Properties").(map[string]any) {
				if _, known := schema.Properties[prop]; !known && prop != "ImageTags" {
					t.Errorf("%s.%s is not in cfn-lint's schema, and cfn-lint is told to ignore unknown properties here", id, prop)
				}
			}
			if got := path(r, "Metadata", "cfn-lint"); jsonOf(got) != `{"config":{"ignore_checks":["E3002"]}}` {
				t.Errorf("%s cfn-lint metadata %s, want only E3002 ignored", id, jsonOf(got))
			}
		}
	})
}
