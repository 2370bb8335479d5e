package config

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/immutable-server/golden-fleet/internal/scan"
)

// Promotion makes an environment run the golden AMIs of another one
// instead of baking its own: build once, promote. The environment has no
// image factory; its golden AMI parameter starts from the seed and is then
// written only by `fleetctl promote` (and `fleetctl rollback`). See
// docs/promotion.md.
type Promotion struct {
	// From names the environment whose current golden AMI is promoted
	// here. It must bake its own images (have no Promotion itself): a
	// promotion copies an AMI that Image Builder built and tested, never a
	// copy of a copy.
	From string
	// SoakTime is how long the AMI must have run in From's fleet, every
	// instance healthy and no alarm of the fleet in ALARM, before it may
	// be promoted (the soak gate). Whole seconds, 1 second to 90 days.
	// Default: 24 hours.
	SoakTime time.Duration
	// MaxFindingSeverity is the highest severity of an Amazon Inspector
	// finding the image may carry when image scanning is on (the
	// vulnerabilities gate): INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL.
	// An UNTRIAGED finding always refuses. Default: MEDIUM (a HIGH or
	// CRITICAL finding refuses).
	MaxFindingSeverity string
	// KeepCopies is how many of the newest promoted copies in this
	// environment's account and region fleetctl promote keeps; after each
	// promotion it deregisters the older ones (with their snapshots),
	// except those the fleets run or may roll back to (the lifecycle
	// marks, internal/marks): promoted copies are EC2 copies, which no
	// Image Builder lifecycle policy selects. 1 to MaxKeepCopies.
	// Default: 3 (DefaultKeepCopies).
	KeepCopies int
}

// Limits of Promotion (its defaults are in defaults.go).
const (
	// MaxSoakTime is the longest soak this app allows (its own choice:
	// an AMI older than that is stale for promotion).
	MaxSoakTime = 90 * 24 * time.Hour
	// MaxKeepCopies is the most promoted copies KeepCopies may keep (this
	// app's choice: enough for any rollback, few enough to clean up).
	MaxKeepCopies = 100
)

// Gates of a promotion, in the order fleetctl checks them.
const (
	GateImageTests      = "image-tests"
	GateSoak            = "soak"
	GateVulnerabilities = "vulnerabilities"
)

// Gates lists every gate by name.
var Gates = []string{GateImageTests, GateSoak, GateVulnerabilities}

// withDefaults returns a copy of p with its defaults, or nil for nil.
func (p *Promotion) withDefaults() *Promotion {
	if p == nil {
		return nil
	}
	out := *p
	out.SoakTime = cmp.Or(out.SoakTime, DefaultSoakTime)
	out.MaxFindingSeverity = cmp.Or(out.MaxFindingSeverity, DefaultMaxFindingSeverity)
	out.KeepCopies = cmp.Or(out.KeepCopies, DefaultKeepCopies)
	return &out
}

// PromotionNames are the physical names of one promotion (source to
// target), for the stacks and fleetctl; each is spelled in names.go.
type PromotionNames struct {
	// SourceFleetStack and TargetFleetStack are the fleet stacks.
	SourceFleetStack, TargetFleetStack string
	// AccessRole lives in the source account; the target account assumes
	// it to check the gates and to share the AMI.
	AccessRole string
	// Distribution is the Image Builder distribution configuration in the
	// source account that DistributeImage copies the AMI with.
	Distribution string
	// ExecutionRole is the role Image Builder runs DistributeImage with in
	// the source account.
	ExecutionRole string
	// AmiKeyAlias names the source's KMS key that encrypts its AMIs.
	AmiKeyAlias string
}

// PromotionNames returns the physical names of the promotion from the
// environment called source to the one called target.
func (a App) PromotionNames(source, target string) PromotionNames {
	src, dst := Names{Prefix: a.Prefix, Env: source}, Names{Prefix: a.Prefix, Env: target}
	return PromotionNames{
		SourceFleetStack: src.Stack(FleetStack),
		TargetFleetStack: dst.Stack(FleetStack),
		AccessRole:       src.PromotionAccessRole(target),
		Distribution:     src.PromotionDistribution(target),
		ExecutionRole:    src.PromotionExecutionRole(),
		AmiKeyAlias:      src.AmiKeyAlias(),
	}
}

// Environment returns the environment called name, with its defaults.
func (a App) Environment(name string) (Environment, bool) {
	for _, e := range a.Environments {
		if e.Name == name {
			return e.WithDefaults(), true
		}
	}
	return Environment{}, false
}

// PromotesTo lists, in configuration order and with their defaults, the
// environments that promote from source.
func (a App) PromotesTo(source string) []Environment {
	var out []Environment
	for _, e := range a.Environments {
		if e.Promotion != nil && e.Promotion.From == source {
			out = append(out, e.WithDefaults())
		}
	}
	return out
}

// PromotionPair is one promotion: Target, the environment that promotes,
// and Source, the one it promotes from, both with their defaults. Source
// is the zero Environment when Target.Promotion.From names no environment
// of the configuration (Validate refuses that).
type PromotionPair struct {
	Source, Target Environment
}

// Promotions lists, in configuration order, every environment that
// promotes, with its source.
func (a App) Promotions() []PromotionPair {
	var out []PromotionPair
	for _, e := range a.Environments {
		if e.Promotion == nil {
			continue
		}
		source, _ := a.Environment(e.Promotion.From)
		out = append(out, PromotionPair{Source: source, Target: e.WithDefaults()})
	}
	return out
}

// validatePromotions checks every environment's Promotion against the
// whole configuration: the source exists and bakes (which rules out
// cycles, reported as such), accounts and regions can reach each other,
// the names the promotion creates fit, and a promoting environment
// configures no image of its own. It is long because it is a list of
// checks, one per rule above, in that order.
func validatePromotions(p *problems, app App) {
	byName := map[string]int{}
	count := map[string]int{}
	for i, e := range app.Environments {
		count[e.Name]++
		if _, seen := byName[e.Name]; !seen {
			byName[e.Name] = i
		}
	}
	var bakers []string
	for _, e := range app.Environments {
		if e.Promotion == nil {
			bakers = append(bakers, e.Name)
		}
	}
	quoted := make([]string, len(bakers))
	for i, b := range bakers {
		quoted[i] = q(b)
	}
	want := fmt.Sprintf("want the name of an environment that bakes its own images, one of [%s]", strings.Join(quoted, " "))
	for i, env := range app.Environments {
		if env.Promotion == nil {
			continue
		}
		// The path names the environment as Validate does.
		path := fmt.Sprintf("Environments[%d]", i)
		if envNameRe.MatchString(env.Name) && count[env.Name] == 1 {
			path = fmt.Sprintf("Environments[%s]", env.Name)
		}
		pp := path + ".Promotion"
		promo := env.Promotion.withDefaults()

		if !reflect.DeepEqual(env.Image, Image{}) {
			p.add(path+".Image", "got image settings with Promotion set: want Image left empty; an environment that promotes bakes nothing, its images come from %s", q(promo.From))
		}
		if !reflect.DeepEqual(env.Lifecycle, Lifecycle{}) {
			p.add(path+".Lifecycle", "got lifecycle settings with Promotion set: want Lifecycle left empty; an environment that promotes has no image factory, so no lifecycle policy of its own")
		}
		if promo.SoakTime < time.Second || promo.SoakTime > MaxSoakTime || promo.SoakTime%time.Second != 0 {
			p.add(pp+".SoakTime", "got %s: want 0 (default %s) or whole seconds from 1s to %s (90 days)", promo.SoakTime, DefaultSoakTime, MaxSoakTime)
		}
		if _, err := scan.ParseLimit(promo.MaxFindingSeverity); err != nil {
			p.add(pp+".MaxFindingSeverity", "%v (default %s)", err, DefaultMaxFindingSeverity)
		}
		if promo.KeepCopies < 1 || promo.KeepCopies > MaxKeepCopies {
			p.add(pp+".KeepCopies", "got %d: want 0 (default %d) or 1 to %d promoted copies kept", promo.KeepCopies, DefaultKeepCopies, MaxKeepCopies)
		}

		fp := pp + ".From"
		j, known := byName[promo.From]
		switch {
		case promo.From == "":
			p.add(fp, "got \"\": %s", want)
			continue
		case promo.From == env.Name:
			p.add(fp, "got %s, the environment itself, a promotion cycle: %s", q(promo.From), want)
			continue
		case !known:
			p.add(fp, "got %s, which is no environment of this configuration: %s", q(promo.From), want)
			continue
		case count[promo.From] > 1:
			p.add(fp, "got %s, the name of %d environments: %s, named once", q(promo.From), count[promo.From], want)
			continue
		}
		source := app.Environments[j]
		if source.Promotion != nil {
			if cycle := promotionCycle(app, env.Name); cycle != nil {
				p.add(fp, "got %s, a promotion cycle %s: %s", q(promo.From), strings.Join(cycle, " -> "), want)
			} else {
				p.add(fp, "got %s, which promotes from %s itself: %s; promotions do not chain", q(promo.From), q(source.Promotion.From), want)
			}
			continue
		}
		if slices.Contains(Regions, env.Region) && slices.Contains(Regions, source.Region) && Partition(env.Region) != Partition(source.Region) {
			p.add(fp, "got %s in %s (partition %s): want a source in the partition of %s (%s); AMIs are not copied across partitions",
				q(promo.From), source.Region, Partition(source.Region), env.Region, Partition(env.Region))
		}
		srcImage, dstFleet := source.WithDefaults().Image.RootVolumeGiB, env.WithDefaults().Fleet.RootVolumeGiB
		if srcImage > dstFleet {
			p.add(path+".Fleet.RootVolumeGiB", "got %d, smaller than the root volume of %s's images (%d GiB): want at least %d, or instances could not launch from a promoted image",
				dstFleet, q(promo.From), srcImage, srcImage)
		}
		names := app.PromotionNames(promo.From, env.Name)
		if n := len(names.AccessRole); n > MaxRoleNameLength {
			p.add(fp, "got %s: the access role name %s would be %d characters: want at most %d (IAM); shorten Prefix or the environment names",
				q(promo.From), q(names.AccessRole), n, MaxRoleNameLength)
		}
		if n := len(names.ExecutionRole); n > MaxRoleNameLength {
			p.add(fp, "got %s: the execution role name %s would be %d characters: want at most %d (IAM); shorten Prefix or the environment name",
				q(promo.From), q(names.ExecutionRole), n, MaxRoleNameLength)
		}
	}
}

// promotionCycle follows Promotion.From from start and returns the cycle
// it runs into when it comes back to start ("a", "b", "a"), or nil.
func promotionCycle(app App, start string) []string {
	from := map[string]string{}
	for _, e := range app.Environments {
		if e.Promotion != nil {
			from[e.Name] = e.Promotion.From
		}
	}
	path := []string{start}
	seen := map[string]bool{start: true}
	for cur := start; ; {
		next, promotes := from[cur]
		if !promotes {
			return nil
		}
		path = append(path, next)
		if next == start {
			return path
		}
		if seen[next] {
			return nil // a cycle that does not pass through start
		}
		seen[next] = true
		cur = next
	}
}
