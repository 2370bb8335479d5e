package config

import (
	"fmt"
	"math"
	"time"
)

// RolloutProblem is one problem of instance refresh preferences: the
// Rollout field it is about (CheckpointPercentages[1]) and what is wrong
// (got …: want …).
type RolloutProblem struct {
	Field, Message string
}

// CheckRollout checks instance refresh preferences against Auto Scaling's
// RefreshPreferences limits and this app's rules: the one check both the
// configuration's validation and `fleetctl roll`'s flags go through, so
// the CLI refuses what the configuration refuses. r has its defaults
// applied; delayGiven says CheckpointDelay was given rather than
// defaulted (a delay without checkpoints is refused).
func CheckRollout(r Rollout, delayGiven bool) []RolloutProblem {
	var out []RolloutProblem
	add := func(field, format string, args ...any) {
		out = append(out, RolloutProblem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if r.MinHealthyPercentage < 1 || r.MinHealthyPercentage > 100 {
		add("MinHealthyPercentage", "got %d: want 1 to 100 (percent of the desired capacity kept in service; replacing every instance at once is not offered)",
			r.MinHealthyPercentage)
	}
	if w := r.InstanceWarmup; w < 0 || w%time.Second != 0 || w > math.MaxInt32*time.Second {
		add("InstanceWarmup", "got %s: want whole seconds, 0 for the group's health check grace period", w)
	}
	seen := firstSeen[int]{}
	for i, c := range r.CheckpointPercentages {
		field := fmt.Sprintf("CheckpointPercentages[%d]", i)
		before, dup := seen.repeat(c, field)
		switch {
		case c < 1 || c > 100:
			add(field, "got %d: want 1 to 100 (percent of the group replaced)", c)
		case dup:
			add(field, "got %d, already %s: want each percentage once", c, before)
		case i > 0 && c < r.CheckpointPercentages[i-1]:
			add(field, "got %d after %d: want ascending percentages", c, r.CheckpointPercentages[i-1])
		}
	}
	if n := len(r.CheckpointPercentages); n > 0 && r.CheckpointPercentages[n-1] >= 1 && r.CheckpointPercentages[n-1] < 100 {
		add(fmt.Sprintf("CheckpointPercentages[%d]", n-1), "got %d as the last checkpoint: want 100, or the refresh would stop before replacing every instance",
			r.CheckpointPercentages[n-1])
	}
	switch d := r.CheckpointDelay; {
	case delayGiven && d != 0 && len(r.CheckpointPercentages) == 0:
		add("CheckpointDelay", "got %s with CheckpointPercentages empty: want it only with checkpoints", d)
	case d < 0 || d%time.Second != 0 || d > MaxCheckpointDelay:
		add("CheckpointDelay", "got %s: want whole seconds from 0s to %s", d, MaxCheckpointDelay)
	}
	return out
}
