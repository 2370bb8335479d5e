// Package policymodel is a model of EC2 Image Builder lifecycle policies
// for AMI images, as AWS documents them, so that a synthesized policy can
// be run against a simulated history of builds, promotions and rollbacks
// without AWS (see Simulate).
//
// What the model follows (EC2 Image Builder User Guide, "How lifecycle
// management rules work"; CloudFormation AWS::ImageBuilder::LifecyclePolicy
// Filter, AmiExclusionRules, ExclusionRules, ResourceSelection):
//
//   - The policy applies to the Image Builder images selected by
//     ResourceSelection: by image tags (TagMap) or by recipe name and
//     semantic version ("x" matches any part).
//   - A rule (PolicyDetail) with an AGE filter acts on the images older
//     than Value Units (a month taken as 30 days, a year as 365), a DELETE
//     rule except the RetainAtLeast newest (documented for age-based
//     DELETE only; Check refuses it elsewhere); with a COUNT filter, on
//     all but the Value newest.
//   - ExclusionRules.TagMap skips the image resources that carry one of
//     its tags ("a list of tags that Image Builder uses to skip lifecycle
//     actions for Image Builder image resources that have them",
//     LifecyclePolicyDetailExclusionRules), and with them their AMIs.
//     ExclusionRules.Amis.TagMap skips the AMIs that carry one of its
//     tags ("Lists tags that should be excluded from lifecycle actions
//     for the AMIs that have them", LifecyclePolicyDetailExclusionRulesAmis):
//     the AMI only. Nothing documents that an excluded AMI also spares
//     its image resource, so the model acts on the image resource all
//     the same (State) and spares the AMI (AMIState).
//   - DEPRECATE, DISABLE and DELETE set the image resource and its AMI
//     to that state; deleted image resources are gone for later rules and
//     runs.
//
// Where the documentation leaves a choice open, the model takes the one
// that deletes more: the newest RetainAtLeast are counted among all
// selected images, excluded ones included, and a TagMap matches when any
// one of its tags matches (the app's maps hold one tag each, where "any"
// and "all" agree).
package policymodel

import (
	"fmt"
	"regexp"
	"sort"
	"time"
)

// Action of a rule.
type Action string

// The actions of AWS::ImageBuilder::LifecyclePolicy Action.Type.
const (
	Deprecate Action = "DEPRECATE"
	Disable   Action = "DISABLE"
	Delete    Action = "DELETE"
)

// Rule is one PolicyDetail.
type Rule struct {
	Action Action
	// Type is AGE or COUNT; Value and Unit (DAYS, WEEKS, MONTHS, YEARS) as
	// in the Filter.
	Type          string
	Value         int
	Unit          string
	RetainAtLeast int
	// ExcludeAMITags is ExclusionRules.Amis.TagMap; ExcludeImageTags is
	// ExclusionRules.TagMap.
	ExcludeAMITags   map[string]string
	ExcludeImageTags map[string]string
}

// Recipe selects the images of a recipe; Version may use "x" parts.
type Recipe struct{ Name, Version string }

// Policy is an AMI_IMAGE lifecycle policy.
type Policy struct {
	SelectTags    map[string]string
	SelectRecipes []Recipe
	Rules         []Rule
}

// Image is an Image Builder image resource and its AMI.
type Image struct {
	AMI     string
	Recipe  Recipe
	Created time.Time
	// Tags are the image resource's tags.
	Tags map[string]string
	// State is the image resource's: "" (available), Deprecate, Disable
	// or Delete; AMIState its AMI's.
	State, AMIState            Action
	AffectedOnDay, AMIAffected int
}

// AMITags returns the current tags of an AMI.
type AMITags func(ami string) map[string]string

var unitDays = map[string]int{"DAYS": 1, "WEEKS": 7, "MONTHS": 30, "YEARS": 365}

// Check reports what the model cannot run.
func (p Policy) Check() error {
	if len(p.SelectTags) == 0 && len(p.SelectRecipes) == 0 {
		return fmt.Errorf("policy selects no image: want ResourceSelection TagMap or Recipes")
	}
	for i, r := range p.Rules {
		switch {
		case r.Action != Deprecate && r.Action != Disable && r.Action != Delete:
			return fmt.Errorf("rule %d: action %q", i, r.Action)
		case r.Type == "AGE" && unitDays[r.Unit] == 0:
			return fmt.Errorf("rule %d: AGE filter with unit %q", i, r.Unit)
		case r.Type != "AGE" && r.Type != "COUNT":
			return fmt.Errorf("rule %d: filter type %q", i, r.Type)
		case r.Value < 1:
			return fmt.Errorf("rule %d: filter value %d", i, r.Value)
		case r.RetainAtLeast != 0 && (r.Action != Delete || r.Type != "AGE"):
			// "For age-based filters, this is the number of resources to
			// keep on hand after the lifecycle DELETE action is applied"
			// (LifecyclePolicyDetailFilter): what it does elsewhere is not
			// documented.
			return fmt.Errorf("rule %d: RetainAtLeast %d on a %s %s rule: documented only for age-based DELETE rules", i, r.RetainAtLeast, r.Type, r.Action)
		}
	}
	return nil
}

func (p Policy) selects(im *Image) bool {
	if anyTag(im.Tags, p.SelectTags) {
		return true
	}
	for _, r := range p.SelectRecipes {
		if r.Name == im.Recipe.Name && versionMatches(r.Version, im.Recipe.Version) {
			return true
		}
	}
	return false
}

var versionRe = regexp.MustCompile(`^(x|[0-9]+)\.(x|[0-9]+)\.(x|[0-9]+)$`)

func versionMatches(pattern, version string) bool {
	p, v := versionRe.FindStringSubmatch(pattern), versionRe.FindStringSubmatch(version)
	if p == nil || v == nil {
		return false
	}
	for i := 1; i <= 3; i++ {
		if p[i] != "x" && p[i] != v[i] {
			return false
		}
	}
	return true
}

func anyTag(tags, want map[string]string) bool {
	for k, v := range want {
		if got, ok := tags[k]; ok && got == v {
			return true
		}
	}
	return false
}

// Run applies the policy once at now, rule by rule, to images (changing
// their State), reading AMI tags through amiTags. day is recorded in the
// images it changes.
func (p Policy) Run(now time.Time, day int, images []*Image, amiTags AMITags) {
	for _, r := range p.Rules {
		var live []*Image
		for _, im := range images {
			if im.State != Delete && p.selects(im) {
				live = append(live, im)
			}
		}
		sort.SliceStable(live, func(i, j int) bool { return live[i].Created.After(live[j].Created) })
		for i, im := range live {
			if !r.applies(now, i, im) || anyTag(im.Tags, r.ExcludeImageTags) {
				continue
			}
			if rank(r.Action) > rank(im.State) {
				im.State, im.AffectedOnDay = r.Action, day
			}
			if !anyTag(amiTags(im.AMI), r.ExcludeAMITags) && rank(r.Action) > rank(im.AMIState) {
				im.AMIState, im.AMIAffected = r.Action, day
			}
		}
	}
}

// applies says whether the rule's filter picks the image at position i,
// newest first.
func (r Rule) applies(now time.Time, i int, im *Image) bool {
	if r.Type == "COUNT" {
		return i >= r.Value
	}
	if i < r.RetainAtLeast {
		return false
	}
	return now.Sub(im.Created) > time.Duration(r.Value*unitDays[r.Unit])*24*time.Hour
}

func rank(a Action) int {
	switch a {
	case Deprecate:
		return 1
	case Disable:
		return 2
	case Delete:
		return 3
	}
	return 0
}
