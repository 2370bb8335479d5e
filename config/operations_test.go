package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/immutable-server/golden-fleet/components"
)

func TestValidateRejectsBadRolloutAndLifecycle(t *testing.T) {
	cases := []struct {
		name            string
		break_          func(e *Environment)
		path, got, want string
	}{
		{"min healthy above 100", func(e *Environment) { e.Rollout.MinHealthyPercentage = 101 },
			"Environments[dev].Rollout.MinHealthyPercentage", "got 101", "want 1 to 100"},
		{"negative min healthy", func(e *Environment) { e.Rollout.MinHealthyPercentage = -1 },
			"Environments[dev].Rollout.MinHealthyPercentage", "got -1", "want 1 to 100"},
		{"fractional warm-up", func(e *Environment) { e.Rollout.InstanceWarmup = 1500 * time.Millisecond },
			"Environments[dev].Rollout.InstanceWarmup", "got 1.5s", "want whole seconds"},
		{"negative warm-up", func(e *Environment) { e.Rollout.InstanceWarmup = -time.Second },
			"Environments[dev].Rollout.InstanceWarmup", "got -1s", "want whole seconds"},
		{"checkpoint above 100", func(e *Environment) { e.Rollout.CheckpointPercentages = []int{50, 150} },
			"Environments[dev].Rollout.CheckpointPercentages[1]", "got 150", "want 1 to 100"},
		{"checkpoint zero", func(e *Environment) { e.Rollout.CheckpointPercentages = []int{0, 100} },
			"Environments[dev].Rollout.CheckpointPercentages[0]", "got 0", "want 1 to 100"},
		{"checkpoints descending", func(e *Environment) { e.Rollout.CheckpointPercentages = []int{60, 30, 100} },
			"Environments[dev].Rollout.CheckpointPercentages[1]", "got 30 after 60", "want ascending percentages"},
		{"checkpoint twice", func(e *Environment) { e.Rollout.CheckpointPercentages = []int{50, 50, 100} },
			"Environments[dev].Rollout.CheckpointPercentages[1]", "got 50, already CheckpointPercentages[0]", "want each percentage once"},
		{"last checkpoint not 100", func(e *Environment) { e.Rollout.CheckpointPercentages = []int{25, 50} },
			"Environments[dev].Rollout.CheckpointPercentages[1]", "got 50 as the last checkpoint", "want 100"},
		{"checkpoint delay without checkpoints", func(e *Environment) { e.Rollout.CheckpointDelay = time.Minute },
			"Environments[dev].Rollout.CheckpointDelay", "got 1m0s with CheckpointPercentages empty", "want it only with checkpoints"},
		{"checkpoint delay over 48h", func(e *Environment) {
			e.Rollout.CheckpointPercentages = []int{100}
			e.Rollout.CheckpointDelay = 49 * time.Hour
		}, "Environments[dev].Rollout.CheckpointDelay", "got 49h0m0s", "want whole seconds from 0s to 48h0m0s"},
		{"keep none", func(e *Environment) { e.Lifecycle.KeepLatest = -1 },
			"Environments[dev].Lifecycle.KeepLatest", "got -1", "want 1 to 10"},
		{"keep more than RetainAtLeast allows", func(e *Environment) { e.Lifecycle.KeepLatest = 11 },
			"Environments[dev].Lifecycle.KeepLatest", "got 11", "want 1 to 10 (Image Builder's RetainAtLeast)"},
		{"deprecate beyond the filter's limit", func(e *Environment) {
			e.Lifecycle.DeprecateAfterDays, e.Lifecycle.DeleteAfterDays = 1001, 1000
		}, "Environments[dev].Lifecycle.DeprecateAfterDays", "got 1001", "want 1 to 1000 days"},
		{"delete beyond the filter's limit", func(e *Environment) { e.Lifecycle.DeleteAfterDays = 2000 },
			"Environments[dev].Lifecycle.DeleteAfterDays", "got 2000", "want 1 to 1000 days"},
		{"delete before deprecate", func(e *Environment) { e.Lifecycle.DeprecateAfterDays, e.Lifecycle.DeleteAfterDays = 60, 30 },
			"Environments[dev].Lifecycle.DeleteAfterDays", "got 30, not more than DeprecateAfterDays 60", "want images deprecated before they are deleted"},
		{"delete with the default deprecation", func(e *Environment) { e.Lifecycle.DeleteAfterDays = 20 },
			"Environments[dev].Lifecycle.DeleteAfterDays", "got 20, not more than DeprecateAfterDays 30", "want images deprecated before they are deleted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := validApp()
			tc.break_(&app.Environments[0])
			_, err := Validate(app, components.Embedded(), testContext())
			if err == nil {
				t.Fatal("Validate returned nil")
			}
			lines := checkLines(t, err)
			if len(lines) != 1 {
				t.Errorf("got %d problems, want 1:\n%s", len(lines), err)
			}
			if !strings.HasPrefix(lines[0], tc.path+": got ") || !strings.Contains(lines[0], tc.got) || !strings.Contains(lines[0], tc.want) {
				t.Errorf("got %q, want a line for %s containing %q and %q", lines[0], tc.path, tc.got, tc.want)
			}
		})
	}
}

func TestRolloutAndLifecycleAcceptTheirLimits(t *testing.T) {
	for name, set := range map[string]func(e *Environment){
		"one instance at a time": func(e *Environment) { e.Rollout.MinHealthyPercentage = 100 },
		"lowest min healthy":     func(e *Environment) { e.Rollout.MinHealthyPercentage = 1 },
		"only the final checkpoint, longest delay": func(e *Environment) {
			e.Rollout.CheckpointPercentages = []int{100}
			e.Rollout.CheckpointDelay = 48 * time.Hour
		},
		"checkpoints with the default delay": func(e *Environment) { e.Rollout.CheckpointPercentages = []int{1, 99, 100} },
		"long warm-up":                       func(e *Environment) { e.Rollout.InstanceWarmup = 2 * time.Hour },
		"widest lifecycle": func(e *Environment) {
			e.Lifecycle = Lifecycle{KeepLatest: 10, DeprecateAfterDays: 999, DeleteAfterDays: 1000}
		},
		"narrowest lifecycle": func(e *Environment) {
			e.Lifecycle = Lifecycle{KeepLatest: 1, DeprecateAfterDays: 1, DeleteAfterDays: 2}
		},
		"lifecycle off": func(e *Environment) { e.Lifecycle.Disabled = true },
	} {
		app := validApp()
		set(&app.Environments[0])
		if _, err := Validate(app, components.Embedded(), testContext()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestRolloutAndLifecycleDefaults(t *testing.T) {
	env := validApp().Environments[0].WithDefaults()
	want := Rollout{MinHealthyPercentage: 90, CheckpointPercentages: []int{}}
	env.Rollout.CheckpointPercentages = []int{}
	if !reflect.DeepEqual(env.Rollout, want) {
		t.Errorf("Rollout defaults: got %+v, want %+v (automatic off, warm-up left to Auto Scaling)", env.Rollout, want)
	}
	if want := (Lifecycle{KeepLatest: 3, DeprecateAfterDays: 30, DeleteAfterDays: 90}); env.Lifecycle != want {
		t.Errorf("Lifecycle defaults: got %+v, want %+v (on)", env.Lifecycle, want)
	}
	with := validApp().Environments[0]
	with.Rollout.CheckpointPercentages = []int{50, 100}
	if got := with.WithDefaults().Rollout.CheckpointDelay; got != time.Hour {
		t.Errorf("checkpoint delay with checkpoints: got %s, want 1h (Auto Scaling's default)", got)
	}
}

func TestRolloutWithDefaultsSharesNoSliceWithTheCaller(t *testing.T) {
	env := validApp().Environments[0]
	env.Rollout.CheckpointPercentages = []int{50, 100}
	out := env.WithDefaults()
	out.Rollout.CheckpointPercentages[0] = 1
	if env.Rollout.CheckpointPercentages[0] != 50 {
		t.Errorf("writing to WithDefaults' checkpoints changed the caller's: %v", env.Rollout.CheckpointPercentages)
	}
}

func TestTheDefaultConfigRollsDevAutomaticallyAndProdByHand(t *testing.T) {
	auto := map[string]bool{}
	for _, e := range Default().Environments {
		auto[e.Name] = e.Rollout.Automatic
	}
	if !auto["dev"] || auto["prod"] {
		t.Errorf("automatic rollout per environment: %v, want dev on and prod off", auto)
	}
}
