package config_test

import (
	"path/filepath"
	"testing"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/config/configtest"
)

// The checks that once named the shipped environments (dev, prod, local)
// hold for config.Default() and for it with a baking and a promoting
// environment added as docs/adding-an-environment.md says: the
// configuration is valid with cdk.json's context, and every promoting
// environment promotes from one that bakes, which knows it as a target.
func TestTheDefaultsAndTheDefaultsWithAddedEnvironmentsAreValidAndPromoteFromBakingOnes(t *testing.T) {
	ctx, err := config.CDKJSONContext(filepath.Join("..", "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, app := range map[string]config.App{"defaults": config.Default(), "defaults with added environments": configtest.WithAddedEnvironments()} {
		t.Run(name, func(t *testing.T) {
			if _, err := config.Validate(app, components.Embedded(), ctx); err != nil {
				t.Fatal(err)
			}
			checkPromotions(t, app)
		})
	}
	added := configtest.WithAddedEnvironments()
	if staging, _ := added.Environment(configtest.AddedPromoting); staging.Image.Schedule != "" {
		t.Errorf("the added promoting environment has schedule %q: an environment that promotes bakes nothing", staging.Image.Schedule)
	}
}

// checkPromotions: every promoting environment of app promotes from one
// that bakes, whose PromotesTo lists it; at least one across accounts.
func checkPromotions(t *testing.T, app config.App) {
	t.Helper()
	cross := 0
	for _, p := range app.Promotions() {
		source, target := p.Source, p.Target
		if source.Name == "" {
			t.Errorf("%s promotes from %q, no environment of the configuration", target.Name, target.Promotion.From)
			continue
		}
		if source.Promotion != nil {
			t.Errorf("%s promotes from %s, which promotes itself: the source must bake", target.Name, source.Name)
		}
		listed := false
		for _, e := range app.PromotesTo(source.Name) {
			listed = listed || e.Name == target.Name
		}
		if !listed {
			t.Errorf("PromotesTo(%s) does not list %s", source.Name, target.Name)
		}
		if source.Account != target.Account {
			cross++
		}
	}
	if cross == 0 {
		t.Errorf("no promotion across accounts: the configuration promotes across accounts")
	}
}
