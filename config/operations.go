package config

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Rollout says how running instances move onto the current golden AMI:
// an Auto Scaling instance refresh that replaces every instance of the
// group (skip matching off: the launch template version never changes,
// only the parameter it resolves). `fleetctl roll` starts one with these
// preferences; with Automatic, every change of the golden AMI parameter
// starts one too.
type Rollout struct {
	// Automatic starts an instance refresh whenever the golden AMI
	// parameter changes (a build, a rollback, a promotion), through an
	// EventBridge rule and a Step Functions state machine that calls Auto
	// Scaling directly. Default: off — a new image reaches running
	// instances only through `fleetctl roll`, replacements and
	// Fleet.MaxInstanceLifetime, so nothing reaches production unreviewed.
	Automatic bool
	// MinHealthyPercentage of the desired capacity stays in service during
	// a refresh, 1 to 100 (100: one instance at a time). Default: 90,
	// Auto Scaling's own default. Replacing every instance at once (0) is
	// not offered.
	MinHealthyPercentage int
	// InstanceWarmup is how long a refresh waits after a new instance is
	// in service before it counts it and moves on; whole seconds. Default:
	// the group's health check grace period (Auto Scaling's behaviour when
	// the preference is omitted).
	InstanceWarmup time.Duration
	// CheckpointPercentages pause a refresh once this percentage of the
	// group is new, for CheckpointDelay each: ascending, unique, 1 to 100,
	// the last one 100. Default: none, the refresh runs through.
	CheckpointPercentages []int
	// CheckpointDelay is the pause at each checkpoint, whole seconds up to
	// 48h. Only with CheckpointPercentages. Default: 1h when
	// CheckpointPercentages is set (Auto Scaling's default).
	CheckpointDelay time.Duration
}

// Lifecycle is the EC2 Image Builder lifecycle policy of an environment's
// images: old images are deprecated, then deleted with their AMIs and
// snapshots. The images the fleets run or may roll back to are never
// touched: they carry a mark (see internal/marks) that every rule of the
// policy excludes.
type Lifecycle struct {
	// Disabled turns the policy off: every image and AMI is kept.
	// Default: the policy runs.
	Disabled bool
	// KeepLatest is how many of the newest images no rule touches,
	// whatever their age, 1 to 10 (Image Builder's RetainAtLeast).
	// Default: 3.
	KeepLatest int
	// DeprecateAfterDays deprecates older images (and their AMIs): they
	// still launch by id, but drop out of searches. 1 to 1000. Default: 30.
	DeprecateAfterDays int
	// DeleteAfterDays deletes older images, deregisters their AMIs and
	// deletes their snapshots; more than DeprecateAfterDays, at most 1000.
	// Default: 90.
	DeleteAfterDays int
}

// Defaults of Rollout and Lifecycle, each documented on its field.
const (
	DefaultMinHealthyPercentage = 90
	DefaultCheckpointDelay      = time.Hour
	DefaultKeepLatest           = 3
	DefaultDeprecateAfterDays   = 30
	DefaultDeleteAfterDays      = 90
)

// Limits of instance refreshes and lifecycle policies, from the Auto
// Scaling API reference (RefreshPreferences) and the CloudFormation schema
// of AWS::ImageBuilder::LifecyclePolicy (Filter).
const (
	MaxCheckpointDelay        = 172800 * time.Second
	MaxLifecycleRetainAtLeast = 10
	MaxLifecycleAgeValue      = 1000
)

// WithDefaults returns a copy of r with its defaults applied; it shares no
// slice with r. Auto Scaling's own defaults (warm-up) stay zero: the
// preference is then omitted.
func (r Rollout) WithDefaults() Rollout {
	out := r
	out.CheckpointPercentages = slices.Clone(r.CheckpointPercentages)
	if out.MinHealthyPercentage == 0 {
		out.MinHealthyPercentage = DefaultMinHealthyPercentage
	}
	if len(out.CheckpointPercentages) > 0 && out.CheckpointDelay == 0 {
		out.CheckpointDelay = DefaultCheckpointDelay
	}
	return out
}

// WithDefaults returns a copy of l with its defaults applied.
func (l Lifecycle) WithDefaults() Lifecycle {
	if l.KeepLatest == 0 {
		l.KeepLatest = DefaultKeepLatest
	}
	if l.DeprecateAfterDays == 0 {
		l.DeprecateAfterDays = DefaultDeprecateAfterDays
	}
	if l.DeleteAfterDays == 0 {
		l.DeleteAfterDays = DefaultDeleteAfterDays
	}
	return l
}

// validateOperations checks an environment's Rollout and Lifecycle. raw
// is the environment as configured.
func validateOperations(p *problems, path string, raw Environment) {
	validateRollout(p, path+".Rollout", raw.Rollout)
	validateLifecycle(p, path+".Lifecycle", raw.Lifecycle)
}

func validateRollout(p *problems, path string, raw Rollout) {
	r := raw.WithDefaults()
	if r.MinHealthyPercentage < 1 || r.MinHealthyPercentage > 100 {
		p.add(path+".MinHealthyPercentage", "got %d: want 1 to 100 (percent of the desired capacity kept in service), or 0 for the default %d",
			raw.MinHealthyPercentage, DefaultMinHealthyPercentage)
	}
	if w := r.InstanceWarmup; w < 0 || w%time.Second != 0 || w > math.MaxInt32*time.Second {
		p.add(path+".InstanceWarmup", "got %s: want whole seconds, 0 for the group's health check grace period", w)
	}
	seen := map[int]int{}
	for i, c := range r.CheckpointPercentages {
		cp := fmt.Sprintf("%s.CheckpointPercentages[%d]", path, i)
		j, dup := seen[c]
		switch {
		case c < 1 || c > 100:
			p.add(cp, "got %d: want 1 to 100 (percent of the group replaced)", c)
		case dup:
			p.add(cp, "got %d, already CheckpointPercentages[%d]: want each percentage once", c, j)
		case i > 0 && c < r.CheckpointPercentages[i-1]:
			p.add(cp, "got %d after %d: want ascending percentages", c, r.CheckpointPercentages[i-1])
		}
		if !dup {
			seen[c] = i
		}
	}
	if n := len(r.CheckpointPercentages); n > 0 && r.CheckpointPercentages[n-1] >= 1 && r.CheckpointPercentages[n-1] < 100 {
		p.add(fmt.Sprintf("%s.CheckpointPercentages[%d]", path, n-1), "got %d as the last checkpoint: want 100, or the refresh would stop before replacing every instance",
			r.CheckpointPercentages[n-1])
	}
	switch d := raw.CheckpointDelay; {
	case d != 0 && len(r.CheckpointPercentages) == 0:
		p.add(path+".CheckpointDelay", "got %s with CheckpointPercentages empty: want it only with checkpoints", d)
	case d < 0 || d%time.Second != 0 || d > MaxCheckpointDelay:
		p.add(path+".CheckpointDelay", "got %s: want whole seconds from 0s to %s", d, MaxCheckpointDelay)
	}
}

func validateLifecycle(p *problems, path string, raw Lifecycle) {
	l := raw.WithDefaults()
	if l.KeepLatest < 1 || l.KeepLatest > MaxLifecycleRetainAtLeast {
		p.add(path+".KeepLatest", "got %d: want 1 to %d (Image Builder's RetainAtLeast)", l.KeepLatest, MaxLifecycleRetainAtLeast)
	}
	deprecateOK := l.DeprecateAfterDays >= 1 && l.DeprecateAfterDays <= MaxLifecycleAgeValue
	if !deprecateOK {
		p.add(path+".DeprecateAfterDays", "got %d: want 1 to %d days", l.DeprecateAfterDays, MaxLifecycleAgeValue)
	}
	switch {
	case l.DeleteAfterDays < 1 || l.DeleteAfterDays > MaxLifecycleAgeValue:
		p.add(path+".DeleteAfterDays", "got %d: want 1 to %d days", l.DeleteAfterDays, MaxLifecycleAgeValue)
	case deprecateOK && l.DeleteAfterDays <= l.DeprecateAfterDays:
		p.add(path+".DeleteAfterDays", "got %d, not more than DeprecateAfterDays %d: want images deprecated before they are deleted",
			l.DeleteAfterDays, l.DeprecateAfterDays)
	}
}
