package stacks_test

// Day-2 operations (issue 10, items 1 and 2) in the synthesized templates
// (operations.go): the automatic rollout, the refresh preferences fleetctl
// roll reads, the golden AMI marker and the AMI lifecycle policy.

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/constructs/rollout"
	"github.com/immutable-server/golden-fleet/internal/marks"
	"github.com/immutable-server/golden-fleet/internal/policymodel"
	"github.com/immutable-server/golden-fleet/stacks"
	"github.com/immutable-server/golden-fleet/stacks/internal/cdktest"
)

// joinText renders a DefinitionString (a string or an Fn::Join of strings
// and Refs) as text, each Ref as {{Ref <id>}}.
func joinText(t *testing.T, v any) string {
	t.Helper()
	if s, ok := v.(string); ok {
		return s
	}
	parts, ok := cdktest.ValueAt(v, "Fn::Join", 1).([]any)
	if !ok {
		t.Fatalf("DefinitionString = %s, want a string or an Fn::Join", cdktest.CompactJSON(v))
	}
	var b strings.Builder
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			b.WriteString(p)
		default:
			id, ok := cdktest.ValueAt(p, "Ref").(string)
			if !ok {
				t.Fatalf("definition part %s: want a string or a Ref", cdktest.CompactJSON(p))
			}
			b.WriteString("{{Ref " + id + "}}")
		}
	}
	return b.String()
}

// stateMachine is a synthesized state machine: its resource, its parsed
// definition and its role's logical id.
type stateMachine struct {
	cdktest.Resource
	def    map[string]any
	roleID string
}

// stateMachineNamed returns the state machine named name in stack; ok is
// false when there is none.
func stateMachineNamed(t *testing.T, stack cdktest.Stack, name string) (sm stateMachine, ok bool) {
	t.Helper()
	for _, r := range cdktest.Resources("AWS::StepFunctions::StateMachine", stack) {
		if r.Properties["StateMachineName"] != name {
			continue
		}
		sm.Resource = r
		if err := json.Unmarshal([]byte(joinText(t, r.Properties["DefinitionString"])), &sm.def); err != nil {
			t.Fatalf("state machine %s: definition is not JSON: %v", name, err)
		}
		sm.roleID, _ = cdktest.ValueAt(r.Properties, "RoleArn", "Fn::GetAtt", 0).(string)
		return sm, true
	}
	return stateMachine{}, false
}

// ruleFor returns the event rule whose target is the state machine sm.
func ruleFor(t *testing.T, stack cdktest.Stack, sm stateMachine) cdktest.Resource {
	t.Helper()
	var found []cdktest.Resource
	for _, r := range cdktest.Resources("AWS::Events::Rule", stack) {
		for _, target := range cdktest.AsList(r.Properties["Targets"]) {
			if cdktest.CompactJSON(cdktest.ValueAt(target, "Arn")) == cdktest.CompactJSON(cdktest.Ref(sm.LogicalID)) {
				found = append(found, r)
			}
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d event rules target state machine %s, want 1", len(found), sm.LogicalID)
	}
	return found[0]
}

// rolePolicy collects the statements of every policy attached to the role.
func rolePolicy(stack cdktest.Stack, roleID string) []any {
	var out []any
	for _, p := range cdktest.Resources("AWS::IAM::Policy", stack) {
		for _, r := range cdktest.AsList(p.Properties["Roles"]) {
			if cdktest.CompactJSON(r) == cdktest.CompactJSON(cdktest.Ref(roleID)) {
				out = append(out, cdktest.AsList(cdktest.ValueAt(p.Properties, "PolicyDocument", "Statement"))...)
			}
		}
	}
	return out
}

func actions(st any) []string {
	var out []string
	for _, a := range cdktest.AsList(cdktest.ValueAt(st, "Action")) {
		out = append(out, fmt.Sprint(a))
	}
	return out
}

// tasks lists the Resource of every Task state, Map iterations included.
func tasks(states map[string]any) []string {
	var out []string
	for _, s := range states {
		switch cdktest.ValueAt(s, "Type") {
		case "Task":
			out = append(out, cdktest.ValueAt(s, "Resource").(string))
		case "Map":
			out = append(out, tasks(cdktest.ValueAt(s, "ItemProcessor", "States").(map[string]any))...)
		}
	}
	sort.Strings(out)
	return out
}

func namesOf(env config.Environment) config.Names { return synthesized.cfg.NamesOf(env) }

// --- rollout --------------------------------------------------------------

func TestTheAutomaticRolloutIsThereExactlyWhereTheEnvironmentTurnsItOn(t *testing.T) {
	on := map[string]bool{}
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		_, present := stateMachineNamed(t, tpl.Fleet, namesOf(env).RolloutStateMachine())
		if present != env.Rollout.Automatic {
			t.Errorf("automatic rollout state machine present=%v, Rollout.Automatic=%v", present, env.Rollout.Automatic)
		}
		on[env.Name] = present
	})
	if !on["dev"] || on["prod"] {
		t.Errorf("automatic rollout: %v; want it in dev and not in prod", on)
	}
}

// Only an update of the golden parameter starts a rollout: a build, a
// rollback, a promotion. Its creation does not: the golden AMI seed's
// create-only custom resource (Custom::GoldenAmiSeed) puts the parameter
// when the fleet stack is created, a "Create" Parameter Store Change
// event, and a new fleet has nothing to roll.
func TestAnUpdateOfTheGoldenParameterAndNothingElseStartsTheAutomaticRollout(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		sm, ok := stateMachineNamed(t, tpl.Fleet, namesOf(env).RolloutStateMachine())
		if !ok {
			return
		}
		rule := ruleFor(t, tpl.Fleet, sm)
		want := map[string]any{
			"source":      []any{"aws.ssm"},
			"detail-type": []any{"Parameter Store Change"},
			"detail":      map[string]any{"name": []any{goldenParameter(env)}, "operation": []any{"Update"}},
		}
		if got := rule.Properties["EventPattern"]; cdktest.CompactJSON(got) != cdktest.CompactJSON(want) {
			t.Errorf("event pattern %s, want %s: only an update of the golden AMI parameter", cdktest.CompactJSON(got), cdktest.CompactJSON(want))
		}
		if len(cdktest.Resources("Custom::GoldenAmiSeed", tpl.Fleet)) != 1 {
			t.Errorf("no Custom::GoldenAmiSeed: the test's reason for leaving Create out is gone; read it again")
		}
	})
}

func TestTheAutomaticRolloutOnlyStartsARefreshOfTheFleetsGroupAndCannotTriggerItself(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		sm, ok := stateMachineNamed(t, tpl.Fleet, namesOf(env).RolloutStateMachine())
		if !ok {
			return
		}
		asg := cdktest.OnlyResource(t, "AWS::AutoScaling::AutoScalingGroup", tpl.Fleet)
		if got := tasks(sm.def["States"].(map[string]any)); !slices.Equal(got, []string{"arn:{{Ref AWS::Partition}}:states:::aws-sdk:autoscaling:startInstanceRefresh"}) {
			t.Errorf("tasks %v, want only autoscaling:startInstanceRefresh", got)
		}
		start := cdktest.ValueAt(sm.def, "States", "StartInstanceRefresh")
		if got := cdktest.ValueAt(start, "Parameters", "AutoScalingGroupName"); got != "{{Ref "+asg.LogicalID+"}}" {
			t.Errorf("refreshes group %v, want the fleet's group %s", got, asg.LogicalID)
		}
		statements := rolePolicy(tpl.Fleet, sm.roleID)
		if len(statements) == 0 {
			t.Fatalf("the rollout's role %s has no policy", sm.roleID)
		}
		for _, st := range statements {
			for _, a := range actions(st) {
				if strings.HasPrefix(a, "ssm:") || a == "*" || strings.HasPrefix(a, "states:") || strings.HasPrefix(a, "events:") {
					t.Errorf("the rollout's role may %s: it must not be able to write the parameter or start itself", a)
				}
				if a == "autoscaling:StartInstanceRefresh" && !strings.Contains(cdktest.CompactJSON(cdktest.ValueAt(st, "Resource")), `{"Ref":"`+asg.LogicalID+`"}`) {
					t.Errorf("StartInstanceRefresh on %s, want only the fleet's group", cdktest.CompactJSON(cdktest.ValueAt(st, "Resource")))
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
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		want := wantPreferences(env.Rollout)
		// fleetctl roll reads the stack output.
		out, _ := cdktest.ValueAt(tpl.Fleet.Template, "Outputs", stacks.RolloutPreferencesOutput, "Value").(string)
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("output %s = %q: %v", stacks.RolloutPreferencesOutput, out, err)
		}
		if cdktest.CompactJSON(got) != cdktest.CompactJSON(want) {
			t.Errorf("output %s = %s, want %s", stacks.RolloutPreferencesOutput, cdktest.CompactJSON(got), cdktest.CompactJSON(want))
		}
		sm, ok := stateMachineNamed(t, tpl.Fleet, namesOf(env).RolloutStateMachine())
		if !ok {
			return
		}
		params := cdktest.ValueAt(sm.def, "States", "StartInstanceRefresh", "Parameters")
		// The automatic rollout watches the fleet's alarms.
		var alarms []any
		for _, name := range []string{namesOf(env).LaunchFailures(), namesOf(env).BelowDesiredAlarm()} {
			i := slices.IndexFunc(cdktest.Resources("AWS::CloudWatch::Alarm", tpl.Fleet), func(r cdktest.Resource) bool { return r.Properties["AlarmName"] == name })
			if i < 0 {
				t.Fatalf("no alarm %s in the fleet stack", name)
			}
			alarms = append(alarms, "{{Ref "+cdktest.Resources("AWS::CloudWatch::Alarm", tpl.Fleet)[i].LogicalID+"}}")
		}
		want["AlarmSpecification"] = map[string]any{"Alarms": alarms}
		if got := cdktest.ValueAt(params, "Preferences"); cdktest.CompactJSON(got) != cdktest.CompactJSON(want) {
			t.Errorf("automatic refresh preferences %s, want %s", cdktest.CompactJSON(got), cdktest.CompactJSON(want))
		}
		if cdktest.ValueAt(params, "Strategy") != "Rolling" || cdktest.ValueAt(params, "DesiredConfiguration") != nil {
			t.Errorf("refresh parameters %s: want a rolling refresh of the group's own configuration", cdktest.CompactJSON(params))
		}
	})
}

func TestTheAutomaticRolloutWaitsForARunningRefreshInsteadOfFailing(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		sm, ok := stateMachineNamed(t, tpl.Fleet, namesOf(env).RolloutStateMachine())
		if !ok {
			return
		}
		retry := cdktest.AsList(cdktest.ValueAt(sm.def, "States", "StartInstanceRefresh", "Retry"))
		total := 0.0
		for _, r := range retry {
			if slices.Contains(cdktest.AsList(cdktest.ValueAt(r, "ErrorEquals")), any(rollout.InProgressError)) {
				interval, attempts := cdktest.ValueAt(r, "IntervalSeconds").(float64), cdktest.ValueAt(r, "MaxAttempts").(float64)
				rate, maxDelay := cdktest.ValueAt(r, "BackoffRate").(float64), cdktest.ValueAt(r, "MaxDelaySeconds").(float64)
				for i := 0.0; i < attempts; i++ {
					total += min(interval, maxDelay)
					interval *= rate
				}
			}
		}
		if total < time.Hour.Seconds() {
			t.Errorf("a running refresh is waited for %.0fs in all, want at least an hour (retries %s)", total, cdktest.CompactJSON(retry))
		}
	})
}

// --- marker ---------------------------------------------------------------

func marker(t *testing.T, env config.Environment, tpl environmentTemplates) stateMachine {
	t.Helper()
	sm, ok := stateMachineNamed(t, tpl.Fleet, namesOf(env).MarkerStateMachine())
	if !ok {
		t.Fatalf("no marker state machine %s", namesOf(env).MarkerStateMachine())
	}
	return sm
}

// Every write marks: the seed's creation as much as a build's update.
func TestEveryWriteOfTheGoldenParameterUpdatesTheMarks(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		rule := ruleFor(t, tpl.Fleet, marker(t, env, tpl))
		want := map[string]any{
			"source":      []any{"aws.ssm"},
			"detail-type": []any{"Parameter Store Change"},
			"detail":      map[string]any{"name": []any{goldenParameter(env)}, "operation": []any{"Create", "Update"}},
		}
		if got := rule.Properties["EventPattern"]; cdktest.CompactJSON(got) != cdktest.CompactJSON(want) {
			t.Errorf("event pattern %s, want %s", cdktest.CompactJSON(got), cdktest.CompactJSON(want))
		}
	})
}

func TestTheMarkerWritesOnlyTheMarkTagsOnImagesAndReadsOnlyTheGoldenParameter(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		sm := marker(t, env, tpl)
		fleetID := namesOf(env).Base()
		wantKeys := []any{marks.RoleKey(fleetID), marks.RetainKey}
		statements := rolePolicy(tpl.Fleet, sm.roleID)
		if len(statements) == 0 {
			t.Fatalf("the marker's role %s has no policy", sm.roleID)
		}
		for _, st := range statements {
			for _, a := range actions(st) {
				switch {
				case a == "ec2:CreateTags" || a == "ec2:DeleteTags":
					if !strings.HasSuffix(cdktest.CompactJSON(cdktest.ValueAt(st, "Resource")), `::image/*"`) {
						t.Errorf("%s on %s, want images only", a, cdktest.CompactJSON(cdktest.ValueAt(st, "Resource")))
					}
					if got := cdktest.ValueAt(st, "Condition", "ForAllValues:StringEquals", "aws:TagKeys"); cdktest.CompactJSON(got) != cdktest.CompactJSON(wantKeys) {
						t.Errorf("%s for tag keys %s, want only %s", a, cdktest.CompactJSON(got), cdktest.CompactJSON(wantKeys))
					}
				case a == "imagebuilder:TagResource" || a == "imagebuilder:UntagResource":
					want := "arn:" + config.Partition(env.Region) + ":imagebuilder:" + env.Region + ":" + env.Account + ":image/*"
					if res := cdktest.ValueAt(st, "Resource"); res != want {
						t.Errorf("%s on %s, want the account's Image Builder images only (%s)", a, cdktest.CompactJSON(res), want)
					}
					if got := cdktest.ValueAt(st, "Condition", "ForAllValues:StringEquals", "aws:TagKeys"); cdktest.CompactJSON(got) != cdktest.CompactJSON(wantKeys) {
						t.Errorf("%s for tag keys %s, want only %s", a, cdktest.CompactJSON(got), cdktest.CompactJSON(wantKeys))
					}
				case a == "ssm:GetParameter":
					if got := cdktest.ValueAt(st, "Resource"); !strings.Contains(cdktest.CompactJSON(got), "parameter"+goldenParameter(env)+`"`) {
						t.Errorf("ssm:GetParameter on %s, want the golden parameter only", cdktest.CompactJSON(got))
					}
				case a == "ec2:DescribeImages", strings.HasPrefix(a, "logs:"), strings.HasPrefix(a, "xray:"):
				default:
					t.Errorf("the marker's role may %s: want only to read the parameter and images, and to write the marks", a)
				}
			}
		}
		text := cdktest.CompactJSON(sm.def)
		for _, want := range []string{marks.RoleKey(fleetID), marks.RetainKey, marks.Current, marks.Previous, goldenParameter(env)} {
			if !strings.Contains(text, want) {
				t.Errorf("marker definition lacks %q", want)
			}
		}
		for _, other := range synthesized.cfg.Environments {
			if other.Name != env.Name && strings.Contains(text, `"`+marks.RoleKey(namesOf(other).Base())+`"`) {
				t.Errorf("marker of %s names %s's role tag: it may only ever remove its own", env.Name, other.Name)
			}
		}
	})
}

// The marker marks the image resource that built each AMI it marks, and
// unmarks it with it: the lifecycle policies' image exclusion reads the
// image resource's tags.
func TestTheMarkerMarksTheImageResourcesOfTheAMIsItMarks(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		def := marker(t, env, tpl).def
		key := marks.RoleKey(namesOf(env).Base())
		writes := func(mapState string) map[string]string {
			out := map[string]string{}
			states, _ := cdktest.ValueAt(def, "States", mapState, "ItemProcessor", "States").(map[string]any)
			for _, st := range states {
				inner, _ := cdktest.ValueAt(st, "ItemProcessor", "States").(map[string]any)
				for _, w := range inner {
					if r, _ := cdktest.ValueAt(w, "Resource").(string); strings.Contains(r, ":aws-sdk:imagebuilder:") {
						out[r[strings.LastIndex(r, ":")+1:]+" "+cdktest.CompactJSON(cdktest.ValueAt(w, "Parameters"))] = ""
					}
				}
			}
			return out
		}
		for role, mapState := range map[string]string{marks.Current: "MarkGoldenAmi", marks.Previous: "MarkRollbackTarget"} {
			want := "tagResource " + cdktest.CompactJSON(map[string]any{"ResourceArn.$": "$.arn", "Tags": map[string]any{key: role, marks.RetainKey: marks.RetainValue}})
			if _, ok := writes(mapState)[want]; !ok {
				t.Errorf("%s: image resource writes %v, want %s", mapState, writes(mapState), want)
			}
		}
		got := writes("UnmarkTheRest")
		for _, k := range []string{key, marks.RetainKey} {
			want := "untagResource " + cdktest.CompactJSON(map[string]any{"ResourceArn.$": "$.arn", "TagKeys": []any{k}})
			if _, ok := got[want]; !ok {
				t.Errorf("UnmarkTheRest: image resource writes %v, want %s", got, want)
			}
		}
	})
}

// The marker writes the marks before it removes any, and removes them
// only when no newer write has happened meanwhile.
func TestTheMarkerMarksBeforeItUnmarksAndOnlyForTheLatestWrite(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		def := marker(t, env, tpl).def
		states := def["States"].(map[string]any)
		// Walk the main path from StartAt, taking the default branches.
		var order []string
		for name, seen := def["StartAt"].(string), map[string]bool{}; name != "" && !seen[name]; {
			seen[name] = true
			order = append(order, name)
			st := states[name]
			next, _ := cdktest.ValueAt(st, "Next").(string)
			if d, ok := cdktest.ValueAt(st, "Default").(string); ok {
				next = d
			}
			if name == "OlderVersionLeft" || name == "SameAsGoldenAmi" || name == "StillTheSameVersion" {
				next, _ = cdktest.ValueAt(st, "Choices", 0, "Next").(string)
			}
			name = next
		}
		idx := func(s string) int { return slices.Index(order, s) }
		if !(idx("MarkGoldenAmi") >= 0 && idx("MarkGoldenAmi") < idx("ReadGoldenAmiAgain") && idx("ReadGoldenAmiAgain") < idx("UnmarkTheRest")) {
			t.Errorf("states in order %v: want MarkGoldenAmi, then ReadGoldenAmiAgain, then UnmarkTheRest", order)
		}
		if got := cdktest.ValueAt(states, "StillTheSameVersion", "Default"); got != "Superseded" {
			t.Errorf("after a newer write the marker goes to %v, want Superseded (no unmarking)", got)
		}
	})
}

// --- lifecycle ------------------------------------------------------------

// lifecyclePolicy returns the image factory's lifecycle policy; ok is
// false when it has none.
func lifecyclePolicy(t *testing.T, factory cdktest.Stack) (p cdktest.Resource, ok bool) {
	t.Helper()
	rs := cdktest.Resources("AWS::ImageBuilder::LifecyclePolicy", factory)
	if len(rs) > 1 {
		t.Fatalf("%s: %d lifecycle policies, want at most 1", factory.Name, len(rs))
	}
	if len(rs) == 0 {
		return cdktest.Resource{}, false
	}
	return rs[0], true
}

// An environment that promotes has no image factory, and so no lifecycle
// policy (stacks/promotion_test.go; config refuses Lifecycle there).
func TestEveryBakingEnvironmentHasALifecyclePolicyUnlessTurnedOff(t *testing.T) {
	off := 0
	forEachBakingEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		if _, present := lifecyclePolicy(t, tpl.ImageFactory); present == env.Lifecycle.Disabled {
			t.Errorf("lifecycle policy present=%v, Lifecycle.Disabled=%v", present, env.Lifecycle.Disabled)
		}
		if env.Lifecycle.Disabled {
			off++
		}
	})
	if off == 0 {
		t.Error("no synthesized environment turns the lifecycle policy off: the switch is not exercised")
	}
}

func TestTheLifecyclePolicySelectsThePipelinesImagesByTagNotByRecipe(t *testing.T) {
	forEachBakingEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		pipeline := cdktest.OnlyResource(t, "AWS::ImageBuilder::ImagePipeline", tpl.ImageFactory)
		want := map[string]any{config.PipelineTagKey: namesOf(env).Base()}
		if got := pipeline.Properties["ImageTags"]; cdktest.CompactJSON(got) != cdktest.CompactJSON(want) {
			t.Errorf("pipeline ImageTags %s, want %s", cdktest.CompactJSON(got), cdktest.CompactJSON(want))
		}
		p, ok := lifecyclePolicy(t, tpl.ImageFactory)
		if !ok {
			return
		}
		if got := p.Properties["ResourceSelection"]; cdktest.CompactJSON(got) != cdktest.CompactJSON(map[string]any{"TagMap": want}) {
			t.Errorf("policy selects %s, want exactly the pipeline's image tags %s: a recipe's name changes with its content", cdktest.CompactJSON(got), cdktest.CompactJSON(want))
		}
		if p.Properties["ResourceType"] != "AMI_IMAGE" || p.Properties["Status"] != "ENABLED" || p.Properties["Name"] != namesOf(env).LifecyclePolicy() {
			t.Errorf("policy %v type %v status %v, want an enabled AMI_IMAGE policy named %s", p.Properties["Name"], p.Properties["ResourceType"], p.Properties["Status"], namesOf(env).LifecyclePolicy())
		}
	})
}

func TestEveryLifecycleRuleFollowsTheConfigurationAndExcludesMarkedImagesAndAMIs(t *testing.T) {
	forEachBakingEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		p, ok := lifecyclePolicy(t, tpl.ImageFactory)
		if !ok {
			return
		}
		l := env.Lifecycle
		// The mark on the image resource (TagMap) and on its AMI
		// (Amis.TagMap): either alone lets a rule act on the other.
		exclusion := map[string]any{"TagMap": map[string]any{marks.RetainKey: marks.RetainValue},
			"Amis": map[string]any{"TagMap": map[string]any{marks.RetainKey: marks.RetainValue}}}
		want := []any{
			map[string]any{"Action": map[string]any{"IncludeResources": map[string]any{"Amis": true, "Snapshots": false}, "Type": "DEPRECATE"},
				"ExclusionRules": exclusion,
				"Filter":         map[string]any{"Type": "AGE", "Unit": "DAYS", "Value": l.DeprecateAfterDays}}, // RetainAtLeast: documented for DELETE only
			map[string]any{"Action": map[string]any{"IncludeResources": map[string]any{"Amis": true, "Snapshots": true}, "Type": "DELETE"},
				"ExclusionRules": exclusion,
				"Filter":         map[string]any{"RetainAtLeast": l.KeepLatest, "Type": "AGE", "Unit": "DAYS", "Value": l.DeleteAfterDays}},
		}
		if got := p.Properties["PolicyDetails"]; cdktest.CompactJSON(got) != cdktest.CompactJSON(want) {
			t.Errorf("rules:\n got %s\nwant %s", cdktest.CompactJSON(got), cdktest.CompactJSON(want))
		}
	})
}

// modelOf reads a synthesized lifecycle policy into the model.
func modelOf(t *testing.T, p cdktest.Resource) *policymodel.Policy {
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
	m := &policymodel.Policy{SelectTags: tags(cdktest.ValueAt(p.Properties, "ResourceSelection", "TagMap"))}
	for _, d := range cdktest.AsList(p.Properties["PolicyDetails"]) {
		unit, _ := cdktest.ValueAt(d, "Filter", "Unit").(string)
		m.Rules = append(m.Rules, policymodel.Rule{
			Action: policymodel.Action(cdktest.ValueAt(d, "Action", "Type").(string)),
			Type:   cdktest.ValueAt(d, "Filter", "Type").(string), Value: num(cdktest.ValueAt(d, "Filter", "Value")), Unit: unit,
			RetainAtLeast:    num(cdktest.ValueAt(d, "Filter", "RetainAtLeast")),
			ExcludeAMITags:   tags(cdktest.ValueAt(d, "ExclusionRules", "Amis", "TagMap")),
			ExcludeImageTags: tags(cdktest.ValueAt(d, "ExclusionRules", "TagMap")),
		})
	}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	return m
}

// simulate runs a year of builds, rollbacks, recipe renames and
// promotions from dev to prod (internal/policymodel.History) under dev's
// synthesized lifecycle policy, with every golden parameter write marked
// as the app marks. prod promotes from dev: it has no image factory and no
// policy of its own. Its AMIs are modelled in reach of dev's policy, the
// worst case (a promotion copies the AMI into prod's account; whether a
// lifecycle policy acts on the copies its images were distributed to is
// not modelled). strip removes the policy's exclusions: all of them, or
// with stripImages the image resources' (ExclusionRules.TagMap) only.
func simulate(t *testing.T, strip bool, stripImages ...bool) *policymodel.World {
	env := func(name string) config.Environment {
		i := slices.IndexFunc(synthesized.cfg.Environments, func(e config.Environment) bool { return e.Name == name })
		if i < 0 {
			t.Fatalf("no %s environment", name)
		}
		return synthesized.cfg.Environments[i]
	}
	dev, prod := env("dev"), env("prod")
	if prod.Promotion == nil || prod.Promotion.From != dev.Name {
		t.Fatalf("prod's Promotion is %+v: the simulation takes prod promoting from dev", prod.Promotion)
	}
	if _, ok := stackOf(prod, "image-factory"); ok {
		t.Fatal("prod has an image factory: simulate its policy too")
	}
	factory, _ := stackOf(dev, "image-factory")
	p, ok := lifecyclePolicy(t, factory)
	if !ok {
		t.Fatal("dev has no lifecycle policy")
	}
	m := modelOf(t, p)
	if strip {
		for i := range m.Rules {
			m.Rules[i].ExcludeAMITags, m.Rules[i].ExcludeImageTags = nil, nil
		}
	}
	if len(stripImages) > 0 && stripImages[0] {
		for i := range m.Rules {
			m.Rules[i].ExcludeImageTags = nil
		}
	}
	imageTags := map[string]string{}
	pipeline := cdktest.OnlyResource(t, "AWS::ImageBuilder::ImagePipeline", factory)
	for k, v := range pipeline.Properties["ImageTags"].(map[string]any) {
		imageTags[k] = v.(string)
	}
	w := policymodel.NewWorld(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	devNames, prodNames := namesOf(dev), namesOf(prod)
	w.AddFleet(policymodel.Fleet{
		Name: devNames.Base(), Policy: m, ImageTags: imageTags,
		Recipe:     policymodel.Recipe{Name: devNames.Recipe(), Version: "1.0.0"},
		KeepLatest: dev.Lifecycle.KeepLatest, DeleteAfterDays: dev.Lifecycle.DeleteAfterDays,
		Seed: "ami-0aaaaaaaaaaaaaaa0",
	})
	// History has prod build for its first weeks, as before promotion; no
	// policy selects those images (a tag of prod's own).
	w.AddFleet(policymodel.Fleet{
		Name: prodNames.Base(), ImageTags: map[string]string{config.PipelineTagKey: prodNames.Base()},
		Recipe: policymodel.Recipe{Name: prodNames.Recipe(), Version: "1.0.0"},
		Seed:   "ami-0aaaaaaaaaaaaaaa0",
	})
	policymodel.History(w, devNames.Base(), prodNames.Base())
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
	if w.LostAMIs == 0 {
		t.Errorf("without the exclusion no fleet lost an AMI: the simulation does not exercise the marks; violations: %v", w.Violations)
	}
}

// The AMI exclusion alone is not enough: the image resources of golden
// AMIs and rollback targets are deprecated and deleted (the model acts on
// an image resource whose AMI is excluded: nothing documents otherwise),
// and promotion's image-tests gate reads them.
func TestWithoutTheImageExclusionTheSynthesizedPoliciesWouldDeleteTheImagesOfMarkedAMIs(t *testing.T) {
	w := simulate(t, false, true)
	if w.LostImageResources == 0 {
		t.Errorf("without the image exclusion no image resource of a golden AMI or rollback target was lost: the simulation does not exercise it; violations: %d", len(w.Violations))
	}
}

// cfn-lint 1.51.0 does not know the pipeline's ImageTags yet;
// scripts/cfn-lint-overrides.json adds it to cfn-lint's schema. Every
// other property of the pipeline is in cfn-lint's own schema, and no
// check is switched off for the pipeline.
func TestThePipelineHasNoPropertyCfnLintDoesNotKnowButImageTags(t *testing.T) {
	const typ = "AWS::ImageBuilder::ImagePipeline"
	var schema struct{ Properties map[string]any }
	cfnLintSchema(t, typ, &schema)
	if _, known := schema.Properties["ImageTags"]; known {
		t.Errorf("cfn-lint's schema of %s knows ImageTags now: drop its patch from scripts/cfn-lint-overrides.json", typ)
	}
	forEachBakingEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		pipeline := cdktest.OnlyResource(t, typ, tpl.ImageFactory)
		for prop := range pipeline.Properties {
			if _, known := schema.Properties[prop]; !known && prop != "ImageTags" {
				t.Errorf("%s.%s is not in cfn-lint's schema: patch it in scripts/cfn-lint-overrides.json, with its source", pipeline, prop)
			}
		}
		raw, _ := tpl.ImageFactory.Template["Resources"].(map[string]any)
		if got := cdktest.ValueAt(raw, pipeline.LogicalID, "Metadata", "cfn-lint"); got != nil {
			t.Errorf("%s cfn-lint metadata %s: want no check switched off", pipeline, cdktest.CompactJSON(got))
		}
	})
}
