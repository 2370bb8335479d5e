package policymodel

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/immutable-server/golden-fleet/internal/marks"
	"github.com/immutable-server/golden-fleet/internal/marks/markstest"
)

// World is one account's images, golden parameters and lifecycle
// policies, day by day. Every write of a golden parameter marks AMIs and
// their image resources with marks.Sync, as the fleet stack's marker,
// fleetctl rollback and promotion do; every day runs every policy, then
// checks what must hold:
//
//   - every fleet's golden AMI and rollback target can launch: not
//     disabled or deleted (a deprecated AMI still launches by id);
//   - their image resources are there and not disabled: fleetctl
//     promote's image-tests gate reads them (imagebuilder:GetImage);
//   - a promotion's AMI has an AVAILABLE image resource (the image-tests
//     gate refuses any other status);
//   - the KeepLatest newest images of each fleet are not deleted (the
//     delete rule's RetainAtLeast; they may be deprecated);
//   - the policy cleans up: every image of a fleet that is still there is
//     among its KeepLatest newest, marked, or at most DeleteAfterDays old.
//
// A broken rule is recorded in Violations, with the day.
type World struct {
	Account    *markstest.FakeEC2
	Images     []*Image
	Violations []string
	Day        int
	start      time.Time
	fleets     map[string]*fleetState
	order      []string
	amis       int

	// LostAMIs counts the violations in which a fleet's golden AMI or
	// rollback target was disabled or deleted; LostImageResources those in
	// which the image resource of one of them was.
	LostAMIs, LostImageResources int
}

// Fleet is one environment in the world.
type Fleet struct {
	// Name is the fleet ("<prefix>-<env>").
	Name string
	// Policy is the fleet's lifecycle policy; nil for none.
	Policy *Policy
	// ImageTags are the tags its pipeline gives every image.
	ImageTags map[string]string
	// Recipe its pipeline builds; RenameRecipe renames it.
	Recipe Recipe
	// KeepLatest and DeleteAfterDays are what the policy must honour.
	KeepLatest, DeleteAfterDays int
	// Seed is the Amazon image the fleet runs before its first build.
	Seed string
}

type fleetState struct {
	Fleet
	history []ssmtypes.ParameterHistory
	renames int
}

// NewWorld starts an empty account at day 0.
func NewWorld(start time.Time) *World {
	return &World{Account: markstest.NewFakeEC2(), start: start, fleets: map[string]*fleetState{}}
}

// AddFleet adds a fleet, its golden parameter holding its seed image.
func (w *World) AddFleet(f Fleet) {
	if f.Policy != nil {
		if err := f.Policy.Check(); err != nil {
			w.violate("fleet %s: %v", f.Name, err)
		}
	}
	w.fleets[f.Name] = &fleetState{Fleet: f}
	w.order = append(w.order, f.Name)
	w.write(f.Name, f.Seed)
}

func (w *World) now() time.Time { return w.start.Add(time.Duration(w.Day) * 24 * time.Hour) }

func (w *World) violate(format string, args ...any) {
	w.Violations = append(w.Violations, fmt.Sprintf("day %d: ", w.Day)+fmt.Sprintf(format, args...))
}

// Build bakes an image for fleet and distributes it: a new AMI in its
// golden parameter. It returns the AMI.
func (w *World) Build(fleet string) string {
	f := w.fleets[fleet]
	w.amis++
	ami := fmt.Sprintf("ami-%017x", w.amis)
	w.Account.AddBuilt(ami, markstest.FakeImageArn(ami))
	w.Images = append(w.Images, &Image{AMI: ami, Recipe: f.Recipe, Created: w.now().Add(time.Duration(w.amis) * time.Second), Tags: maps.Clone(f.ImageTags)})
	w.write(fleet, ami)
	return ami
}

// RenameRecipe changes the recipe's content, and so its name.
func (w *World) RenameRecipe(fleet string) {
	f := w.fleets[fleet]
	f.renames++
	f.Recipe.Name = fmt.Sprintf("%s-%d", strings.Split(f.Recipe.Name, "-r")[0], f.renames)
}

// Rollback writes the fleet's rollback target (fleetctl rollback).
func (w *World) Rollback(fleet string) string {
	_, previous := w.Roles(fleet)
	if previous == "" {
		w.violate("fleet %s: no rollback target", fleet)
		return ""
	}
	w.write(fleet, previous)
	return previous
}

// RollbackTo writes ami (fleetctl rollback --to), if it is still there.
func (w *World) RollbackTo(fleet, ami string) bool {
	if w.Account.Tags(ami) == nil {
		return false
	}
	w.write(fleet, ami)
	return true
}

// Promote writes the golden AMI of from into the golden parameter of to,
// if its image resource passes the image-tests gate (AVAILABLE).
func (w *World) Promote(from, to string) string {
	current, _ := w.Roles(from)
	if im := w.image(current); im == nil || im.State != "" {
		state := "gone"
		if im != nil {
			state = strings.ToLower(string(im.State)) + "d since day " + fmt.Sprint(im.AffectedOnDay)
		}
		w.violate("fleet %s: promotion of its golden AMI %s refused by the image-tests gate: its image resource is %s", from, current, state)
		return ""
	}
	w.write(to, current)
	return current
}

// TagResource implements marks.ImageBuilder on the world's image
// resources.
func (w *World) TagResource(_ context.Context, in *imagebuilder.TagResourceInput, _ ...func(*imagebuilder.Options)) (*imagebuilder.TagResourceOutput, error) {
	im := w.imageByArn(*in.ResourceArn)
	if im == nil {
		return nil, fmt.Errorf("ResourceNotFoundException: %s", *in.ResourceArn)
	}
	for k, v := range in.Tags {
		im.Tags[k] = v
	}
	return &imagebuilder.TagResourceOutput{}, nil
}

// UntagResource implements marks.ImageBuilder on the world's image
// resources.
func (w *World) UntagResource(_ context.Context, in *imagebuilder.UntagResourceInput, _ ...func(*imagebuilder.Options)) (*imagebuilder.UntagResourceOutput, error) {
	im := w.imageByArn(*in.ResourceArn)
	if im == nil {
		return nil, fmt.Errorf("ResourceNotFoundException: %s", *in.ResourceArn)
	}
	for _, k := range in.TagKeys {
		delete(im.Tags, k)
	}
	return &imagebuilder.UntagResourceOutput{}, nil
}

func (w *World) imageByArn(arn string) *Image {
	for _, im := range w.Images {
		if markstest.FakeImageArn(im.AMI) == arn && im.State != Delete {
			return im
		}
	}
	return nil
}

// Roles are a fleet's golden AMI and rollback target.
func (w *World) Roles(fleet string) (current, previous string) {
	var h []marks.Version
	for _, v := range w.fleets[fleet].history {
		h = append(h, marks.Version{Number: v.Version, Value: *v.Value})
	}
	return marks.Roles(h)
}

func (w *World) write(fleet, ami string) {
	f := w.fleets[fleet]
	v := ami
	f.history = append(f.history, ssmtypes.ParameterHistory{Version: int64(len(f.history) + 1), Value: &v})
	if _, err := marks.Sync(context.Background(), history(f.history), w.Account, w, fleet, "/imagebuilder/"+fleet+"/golden-ami"); err != nil {
		w.violate("marking for %s: %v", fleet, err)
	}
}

type history []ssmtypes.ParameterHistory

func (h history) GetParameterHistory(context.Context, *ssm.GetParameterHistoryInput, ...func(*ssm.Options)) (*ssm.GetParameterHistoryOutput, error) {
	return &ssm.GetParameterHistoryOutput{Parameters: h}, nil
}

// NextDay moves to the next day, runs every policy and checks.
func (w *World) NextDay() {
	w.Day++
	for _, name := range w.order {
		if p := w.fleets[name].Policy; p != nil {
			p.Run(w.now(), w.Day, w.Images, w.Account.Tags)
		}
	}
	for _, im := range w.Images {
		if im.AMIState == Delete {
			w.Account.Remove(im.AMI)
		}
	}
	w.check()
}

func (w *World) image(ami string) *Image {
	for _, im := range w.Images {
		if im.AMI == ami {
			return im
		}
	}
	return nil
}

func (w *World) check() {
	for _, name := range w.order {
		f := w.fleets[name]
		current, previous := w.Roles(name)
		for _, r := range []struct{ ami, role string }{{current, "golden AMI"}, {previous, "rollback target"}} {
			// A deprecated AMI still launches by id: only disabled and
			// deleted ones strand a fleet.
			im := w.image(r.ami)
			if im != nil && (im.AMIState == Disable || im.AMIState == Delete) {
				w.LostAMIs++
				w.violate("fleet %s: its %s %s is %s (since day %d)", name, r.role, r.ami, strings.ToLower(string(im.AMIState))+"d", im.AMIAffected)
			}
			if im != nil && (im.State == Disable || im.State == Delete) {
				w.LostImageResources++
				w.violate("fleet %s: the image resource of its %s %s is %s (since day %d)", name, r.role, r.ami, strings.ToLower(string(im.State))+"d", im.AffectedOnDay)
			}
		}
		if f.Policy == nil {
			continue
		}
		var own, live []*Image
		for _, im := range w.Images {
			if anyTag(im.Tags, f.ImageTags) {
				own = append(own, im)
			}
		}
		sort.SliceStable(own, func(i, j int) bool { return own[i].Created.After(own[j].Created) })
		for i, im := range own {
			if i < f.KeepLatest && im.State == Delete {
				w.violate("fleet %s: %s, one of its %d newest images, is %sd", name, im.AMI, f.KeepLatest, strings.ToLower(string(im.State)))
			}
			if im.State != Delete {
				live = append(live, im)
			}
		}
		for i, im := range live {
			age := int(w.now().Sub(im.Created).Hours() / 24)
			if i >= f.KeepLatest && age > f.DeleteAfterDays && w.Account.Tags(im.AMI)[marks.RetainKey] != marks.RetainValue {
				w.violate("fleet %s: %s is %d days old, unmarked and not among the %d newest, but not deleted", name, im.AMI, age, f.KeepLatest)
			}
		}
	}
}

// Live counts the images not deleted.
func (w *World) Live() int {
	n := 0
	for _, im := range w.Images {
		if im.State != Delete {
			n++
		}
	}
	return n
}

// History drives a year of operations through w, day by day, for a dev
// fleet that builds and a prod fleet that builds, then only receives
// promotions, both in this account (prod launches dev's shared AMIs):
//
//   - dev builds every day, except from day 200 to 259 (pipeline paused);
//     its recipe is renamed every 40 days (a component changed);
//   - dev rolls back on day 30, rolls back to a 20-day-old AMI on day 120
//     and rolls back again on day 270;
//   - prod builds weekly until day 59; dev's golden AMI is promoted to
//     prod on days 60, 150 and 300; prod rolls back on day 151 to the AMI
//     promoted on day 60 and stays on it for five months.
func History(w *World, dev, prod string) {
	var day100 string
	for day := 0; day < 365; day++ {
		if day > 0 && day%40 == 0 {
			w.RenameRecipe(dev)
		}
		if day < 200 || day >= 260 {
			ami := w.Build(dev)
			if day == 100 {
				day100 = ami
			}
		}
		if day < 60 && day%7 == 0 {
			w.Build(prod)
		}
		switch day {
		case 30, 270:
			w.Rollback(dev)
		case 120:
			if !w.RollbackTo(dev, day100) {
				w.violate("fleet %s: %s, 20 days old, is gone: nothing to roll back to", dev, day100)
			}
		case 60, 150, 300:
			w.Promote(dev, prod)
		case 151:
			w.Rollback(prod)
		}
		w.NextDay()
	}
}
