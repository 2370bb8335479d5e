package policymodel

import (
	"strings"
	"testing"
	"time"

	"github.com/immutable-server/golden-fleet/internal/marks"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func images(ages ...int) []*Image {
	var out []*Image
	for i, age := range ages {
		out = append(out, &Image{AMI: "ami-" + string(rune('a'+i)), Created: t0.Add(-time.Duration(age) * 24 * time.Hour),
			Tags: map[string]string{"pipeline": "p"}, Recipe: Recipe{"r", "1.0.0"}})
	}
	return out
}

func states(ims []*Image) string { return statesOf(ims, func(im *Image) Action { return im.State }) }

func statesOf(ims []*Image, of func(*Image) Action) string {
	var s []string
	for _, im := range ims {
		st := string(of(im))
		if st == "" {
			st = "-"
		}
		s = append(s, st)
	}
	return strings.Join(s, " ")
}

func noTags(string) map[string]string { return nil }

func TestAgeRulesKeepTheNewestAndActOnOlderImages(t *testing.T) {
	p := Policy{SelectTags: map[string]string{"pipeline": "p"}, Rules: []Rule{
		{Action: Deprecate, Type: "AGE", Value: 10, Unit: "DAYS"},
		{Action: Delete, Type: "AGE", Value: 3, Unit: "WEEKS", RetainAtLeast: 2},
	}}
	ims := images(30, 25, 22, 12, 5, 1) // oldest first
	p.Run(t0, 1, ims, noTags)
	if got, want := states(ims), "DELETE DELETE DELETE DEPRECATE - -"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// All old: the two newest are not deleted whatever their age, only
	// deprecated.
	ims = images(300, 200, 100)
	p.Run(t0, 1, ims, noTags)
	if got, want := states(ims), "DELETE DEPRECATE DEPRECATE"; got != want {
		t.Errorf("all old: got %s, want %s", got, want)
	}
}

func TestCountRulesKeepTheNewestValue(t *testing.T) {
	p := Policy{SelectTags: map[string]string{"pipeline": "p"}, Rules: []Rule{{Action: Deprecate, Type: "COUNT", Value: 2}}}
	ims := images(4, 3, 2, 1)
	p.Run(t0, 1, ims, noTags)
	if got, want := states(ims), "DEPRECATE DEPRECATE - -"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestExclusionRulesSkipTaggedAMIsAndImages(t *testing.T) {
	p := Policy{SelectTags: map[string]string{"pipeline": "p"}, Rules: []Rule{{Action: Delete, Type: "AGE", Value: 1, Unit: "DAYS", RetainAtLeast: 1,
		ExcludeAMITags: map[string]string{"keep": "true"}, ExcludeImageTags: map[string]string{"pin": "yes"}}}}
	ims := images(50, 40, 30, 20)
	ims[1].Tags["pin"] = "yes"
	amiTags := func(ami string) map[string]string {
		if ami == ims[0].AMI {
			return map[string]string{"keep": "true"}
		}
		return map[string]string{"keep": "false"}
	}
	p.Run(t0, 1, ims, amiTags)
	// The excluded AMI is kept, not its image resource; an excluded image
	// resource keeps both.
	if got, want := states(ims), "DELETE - DELETE -"; got != want {
		t.Errorf("image resources: got %s, want %s", got, want)
	}
	if got, want := statesOf(ims, func(im *Image) Action { return im.AMIState }), "- - DELETE -"; got != want {
		t.Errorf("AMIs: got %s, want %s", got, want)
	}
}

func TestSelectionByRecipeLosesTheImagesOfARenamedRecipe(t *testing.T) {
	p := Policy{SelectRecipes: []Recipe{{"r", "1.x.x"}}, Rules: []Rule{{Action: Delete, Type: "COUNT", Value: 1}}}
	ims := images(3, 2, 1)
	ims[0].Recipe = Recipe{"r-old", "1.0.0"}
	ims[1].Recipe = Recipe{"r", "2.0.0"}
	p.Run(t0, 1, ims, noTags)
	if got, want := states(ims), "- - -"; got != want {
		t.Errorf("got %s, want %s: only r 1.x.x is selected, and it is the newest", got, want)
	}
}

func TestCheckRejectsWhatTheModelCannotRun(t *testing.T) {
	for _, p := range []Policy{
		{Rules: []Rule{{Action: Delete, Type: "COUNT", Value: 1}}},
		{SelectTags: map[string]string{"a": "b"}, Rules: []Rule{{Action: "ARCHIVE", Type: "COUNT", Value: 1}}},
		{SelectTags: map[string]string{"a": "b"}, Rules: []Rule{{Action: Delete, Type: "AGE", Value: 1, Unit: "HOURS"}}},
		{SelectTags: map[string]string{"a": "b"}, Rules: []Rule{{Action: Delete, Type: "COUNT", Value: 0}}},
		// RetainAtLeast is documented for age-based DELETE rules only.
		{SelectTags: map[string]string{"a": "b"}, Rules: []Rule{{Action: Deprecate, Type: "AGE", Value: 1, Unit: "DAYS", RetainAtLeast: 3}}},
		{SelectTags: map[string]string{"a": "b"}, Rules: []Rule{{Action: Delete, Type: "COUNT", Value: 1, RetainAtLeast: 3}}},
	} {
		if err := p.Check(); err == nil {
			t.Errorf("%+v: want an error", p)
		}
	}
}

// appLike is a policy of the shape the app synthesizes (constructs/
// lifecycle): images selected by their pipeline's tag, deprecated after
// 14 days and deleted after 30, the 3 newest never deleted, marked AMIs
// and marked image resources excluded (exclude false: neither; amisOnly:
// the AMIs only).
func appLike(fleet string, exclude bool, amisOnly ...bool) Fleet {
	ex := map[string]string{marks.RetainKey: marks.RetainValue}
	if !exclude {
		ex = nil
	}
	exImages := ex
	if len(amisOnly) > 0 && amisOnly[0] {
		exImages = nil
	}
	tags := map[string]string{"golden-fleet:pipeline": fleet}
	return Fleet{Name: fleet, ImageTags: tags, Recipe: Recipe{fleet + "-golden-ami", "1.0.0"}, KeepLatest: 3, DeleteAfterDays: 30,
		Seed: "ami-0ffffffffffffffff",
		Policy: &Policy{SelectTags: tags, Rules: []Rule{
			{Action: Deprecate, Type: "AGE", Value: 14, Unit: "DAYS", ExcludeAMITags: ex, ExcludeImageTags: exImages},
			{Action: Delete, Type: "AGE", Value: 30, Unit: "DAYS", RetainAtLeast: 3, ExcludeAMITags: ex, ExcludeImageTags: exImages},
		}}}
}

func TestAYearOfOperationsStrandsNoFleetAndCleansUp(t *testing.T) {
	w := NewWorld(t0)
	w.AddFleet(appLike("gf-dev", true))
	w.AddFleet(appLike("gf-prod", true))
	History(w, "gf-dev", "gf-prod")
	for _, v := range w.Violations {
		t.Error(v)
	}
	// 3 newest of each, up to 30 days of dev builds, and the marked AMIs.
	if live := w.Live(); live > 3+3+31+4 {
		t.Errorf("%d images left of %d: the policy does not clean up", live, len(w.Images))
	}
}

// The history needs the exclusion: without it a rollback target or a
// promoted AMI is deleted.
func TestWithoutTheExclusionAYearOfOperationsStrandsAFleet(t *testing.T) {
	w := NewWorld(t0)
	w.AddFleet(appLike("gf-dev", false))
	w.AddFleet(appLike("gf-prod", false))
	History(w, "gf-dev", "gf-prod")
	if w.LostAMIs == 0 {
		t.Errorf("no fleet lost its golden AMI or rollback target without the exclusion; violations: %v", w.Violations)
	}
}

// Excluding the marked AMIs is not enough: their image resources are
// deprecated and deleted, and promotion's image-tests gate refuses or
// cannot read them.
func TestExcludingOnlyTheAMIsLosesTheImageResourcesOfTheGoldenAndRollbackAMIs(t *testing.T) {
	w := NewWorld(t0)
	w.AddFleet(appLike("gf-dev", true, true))
	w.AddFleet(appLike("gf-prod", true, true))
	History(w, "gf-dev", "gf-prod")
	if w.LostImageResources == 0 || w.LostAMIs != 0 {
		t.Errorf("with the AMI exclusion only: %d days with the image resource of a golden AMI or rollback target lost, %d with an AMI lost; "+
			"want image resources lost and no AMI lost; violations: %d", w.LostImageResources, w.LostAMIs, len(w.Violations))
	}
}

// Selecting by recipe name leaves the images of renamed recipes behind.
func TestSelectingByRecipeNameLeavesRenamedRecipesImagesBehind(t *testing.T) {
	w := NewWorld(t0)
	dev := appLike("gf-dev", true)
	dev.Policy.SelectTags = nil
	dev.Policy.SelectRecipes = []Recipe{{"gf-dev-golden-ami", "x.x.x"}}
	w.AddFleet(dev)
	w.AddFleet(appLike("gf-prod", true))
	History(w, "gf-dev", "gf-prod")
	for _, v := range w.Violations {
		if strings.Contains(v, "but not deleted") {
			return
		}
	}
	t.Errorf("selection by recipe name cleaned up after renames; violations: %v", w.Violations)
}

// A promotion reads the image resource of the source's golden AMI (the
// image-tests gate wants AVAILABLE): one deprecated by the policy refuses
// it, and the target's parameter is not written.
func TestAPromotionOfAnAMIWhoseImageResourceIsDeprecatedIsRefused(t *testing.T) {
	w := NewWorld(t0)
	tags := map[string]string{"golden-fleet:pipeline": "gf-dev"}
	w.AddFleet(Fleet{Name: "gf-dev", ImageTags: tags, Recipe: Recipe{"r", "1.0.0"}, KeepLatest: 1, DeleteAfterDays: 30, Seed: "ami-0ffffffffffffffff",
		Policy: &Policy{SelectTags: tags, Rules: []Rule{{Action: Deprecate, Type: "AGE", Value: 1, Unit: "DAYS",
			ExcludeAMITags: map[string]string{marks.RetainKey: marks.RetainValue}}}}})
	w.AddFleet(Fleet{Name: "gf-prod", ImageTags: map[string]string{"golden-fleet:pipeline": "gf-prod"}, Recipe: Recipe{"p", "1.0.0"}, Seed: "ami-0ffffffffffffffff"})
	ami := w.Build("gf-dev")
	for i := 0; i < 3; i++ {
		w.NextDay()
	}
	if got := w.Promote("gf-dev", "gf-prod"); got != "" {
		t.Errorf("promoted %s, whose image resource is %s", got, w.image(ami).State)
	}
	if current, _ := w.Roles("gf-prod"); current == ami {
		t.Errorf("the target's parameter holds %s after a refused promotion", ami)
	}
	refused := false
	for _, v := range w.Violations {
		refused = refused || strings.Contains(v, "refused by the image-tests gate")
	}
	if !refused {
		t.Errorf("no refusal recorded; violations: %v", w.Violations)
	}
}
