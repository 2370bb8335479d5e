package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/immutable-server/golden-fleet/components"
)

// promotingApp is validApp plus "prod", in another account, promoting
// from "dev".
func promotingApp() App {
	app := validApp()
	prod := app.Environments[0]
	prod.Name = "prod"
	prod.Account = "222222222222"
	prod.Network = existingNetwork()
	prod.Image = Image{}
	prod.Promotion = &Promotion{From: "dev"}
	app.Environments = append(app.Environments, prod)
	return app
}

// env returns the environment called name of app, for a test to change.
func env(app *App, name string) *Environment {
	for i := range app.Environments {
		if app.Environments[i].Name == name {
			return &app.Environments[i]
		}
	}
	panic("no environment " + name)
}

func TestAPromotingEnvironmentIsValid(t *testing.T) {
	if _, err := Validate(promotingApp(), components.Embedded(), testContext()); err != nil {
		t.Fatal(err)
	}
}

// Promotions pairs every promoting environment, in configuration order,
// with the environment it promotes from, both with their defaults; a
// source that is no environment is the zero Environment; an environment
// that bakes is no target.
func TestPromotionsPairEachPromotingEnvironmentWithItsSource(t *testing.T) {
	app := promotingApp()
	stray := *env(&app, "prod")
	stray.Name = "stray"
	stray.Promotion = &Promotion{From: "nowhere"}
	app.Environments = append(app.Environments, stray)
	got := app.Promotions()
	if len(got) != 2 {
		t.Fatalf("%d promotions, want 2 (prod and stray; dev bakes): %+v", len(got), got)
	}
	if got[0].Target.Name != "prod" || got[0].Source.Name != "dev" || got[0].Source.Account != env(&app, "dev").Account {
		t.Errorf("first promotion %s <- %s (account %s), want prod <- dev", got[0].Target.Name, got[0].Source.Name, got[0].Source.Account)
	}
	if got[0].Target.Fleet.HealthCheckGracePeriod == 0 || got[0].Source.Fleet.HealthCheckGracePeriod == 0 {
		t.Errorf("promotion prod <- dev without the defaults applied: %+v", got[0])
	}
	if got[1].Target.Name != "stray" || got[1].Source.Name != "" {
		t.Errorf("second promotion %s <- %q, want stray <- the zero environment", got[1].Target.Name, got[1].Source.Name)
	}
}

func TestValidateRejectsBadPromotions(t *testing.T) {
	cases := []struct {
		name            string
		break_          func(a *App)
		path, got, want string
	}{
		{name: "no source", break_: func(a *App) { env(a, "prod").Promotion.From = "" },
			path: "Environments[prod].Promotion.From", got: `got ""`, want: `want the name of an environment that bakes its own images, one of ["dev"]`},
		{name: "unknown source", break_: func(a *App) { env(a, "prod").Promotion.From = "stage" },
			path: "Environments[prod].Promotion.From", got: `got "stage", which is no environment of this configuration`, want: `one of ["dev"]`},
		{name: "itself", break_: func(a *App) { env(a, "prod").Promotion.From = "prod" },
			path: "Environments[prod].Promotion.From", got: `got "prod", the environment itself, a promotion cycle`, want: "want the name of an environment that bakes"},
		{name: "two-environment cycle", break_: func(a *App) {
			env(a, "dev").Image = Image{}
			env(a, "dev").Promotion = &Promotion{From: "prod"}
		}, path: "Environments[prod].Promotion.From", got: `got "dev", a promotion cycle prod -> dev -> prod`, want: "want the name of an environment that bakes"},
		{name: "chained promotion", break_: func(a *App) {
			stage := *env(a, "prod")
			stage.Name = "stage"
			a.Environments = append(a.Environments, stage)
			env(a, "prod").Promotion = &Promotion{From: "stage"}
		}, path: "Environments[prod].Promotion.From", got: `got "stage", which promotes from "dev" itself`, want: "promotions do not chain"},
		{name: "source in another partition", break_: func(a *App) {
			env(a, "prod").Region = "cn-north-1"
			env(a, "prod").Network = Network{Create: &CreatedVPC{}}
		}, path: "Environments[prod].Promotion.From", got: `got "dev" in eu-west-1 (partition aws)`, want: "want a source in the partition of cn-north-1 (aws-cn); AMIs are not copied across partitions"},
		{name: "image settings on a promoting environment", break_: func(a *App) { env(a, "prod").Image.Schedule = "cron(0 3 ? * MON *)" },
			path: "Environments[prod].Image", got: "got image settings with Promotion set", want: `want Image left empty; an environment that promotes bakes nothing, its images come from "dev"`},
		{name: "lifecycle settings on a promoting environment", break_: func(a *App) { env(a, "prod").Lifecycle.KeepLatest = 5 },
			path: "Environments[prod].Lifecycle", got: "got lifecycle settings with Promotion set", want: "want Lifecycle left empty; an environment that promotes has no image factory, so no lifecycle policy of its own"},
		{name: "soak under a second", break_: func(a *App) { env(a, "prod").Promotion.SoakTime = 500 * time.Millisecond },
			path: "Environments[prod].Promotion.SoakTime", got: "got 500ms", want: "want 0 (default 24h0m0s) or whole seconds from 1s to 2160h0m0s (90 days)"},
		{name: "soak over 90 days", break_: func(a *App) { env(a, "prod").Promotion.SoakTime = 91 * 24 * time.Hour },
			path: "Environments[prod].Promotion.SoakTime", got: "got 2184h0m0s", want: "want 0 (default 24h0m0s) or whole seconds"},
		{name: "negative soak", break_: func(a *App) { env(a, "prod").Promotion.SoakTime = -time.Hour },
			path: "Environments[prod].Promotion.SoakTime", got: "got -1h0m0s", want: "whole seconds from 1s"},
		{name: "unknown severity", break_: func(a *App) { env(a, "prod").Promotion.MaxFindingSeverity = "SEVERE" },
			path: "Environments[prod].Promotion.MaxFindingSeverity", got: `got "SEVERE"`, want: "want one of Amazon Inspector's severities INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL (default MEDIUM)"},
		{name: "too many copies kept", break_: func(a *App) { env(a, "prod").Promotion.KeepCopies = 101 },
			path: "Environments[prod].Promotion.KeepCopies", got: "got 101", want: "want 0 (default 3) or 1 to 100 promoted copies kept"},
		{name: "a negative number of copies", break_: func(a *App) { env(a, "prod").Promotion.KeepCopies = -1 },
			path: "Environments[prod].Promotion.KeepCopies", got: "got -1", want: "want 0 (default 3)"},
		{name: "untriaged is no threshold", break_: func(a *App) { env(a, "prod").Promotion.MaxFindingSeverity = "UNTRIAGED" },
			path: "Environments[prod].Promotion.MaxFindingSeverity", got: `got "UNTRIAGED"`, want: "want one of Amazon Inspector's severities"},
		{name: "severity in lowercase", break_: func(a *App) { env(a, "prod").Promotion.MaxFindingSeverity = "high" },
			path: "Environments[prod].Promotion.MaxFindingSeverity", got: `got "high"`, want: "want one of Amazon Inspector's severities"},
		{name: "target root volume smaller than the source image", break_: func(a *App) {
			env(a, "dev").Fleet.RootVolumeGiB = 40
			env(a, "prod").Fleet.RootVolumeGiB = 30
		}, path: "Environments[prod].Fleet.RootVolumeGiB", got: `got 30, smaller than the root volume of "dev"'s images (40 GiB)`, want: "want at least 40"},
		{name: "role name over IAM's limit", break_: func(a *App) {
			a.Prefix = strings.Repeat("p", 24)
			env(a, "dev").Name = strings.Repeat("d", 16)
			env(a, "prod").Name = strings.Repeat("t", 16)
			env(a, strings.Repeat("t", 16)).Promotion.From = strings.Repeat("d", 16)
		}, path: "Environments[tttttttttttttttt].Promotion.From", got: `got "dddddddddddddddd": the access role name "pppppppppppppppppppppppp-dddddddddddddddd-promot"… (69 characters) would be 69 characters`,
			want: "want at most 64 (IAM); shorten Prefix or the environment names"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			app := promotingApp()
			c.break_(&app)
			_, err := Validate(app, components.Embedded(), testContext())
			if err == nil {
				t.Fatal("Validate accepted it")
			}
			var found bool
			for _, line := range checkLines(t, err) {
				if strings.HasPrefix(line, c.path+": ") && strings.Contains(line, c.got) && strings.Contains(line, c.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("no problem line %s: …%s…%s…; got:\n%v", c.path, c.got, c.want, err)
			}
		})
	}
}

func TestAPromotingEnvironmentNeedsNoImageSettings(t *testing.T) {
	// The image's required fields (parent, components, schedule) are not
	// asked of an environment that bakes nothing.
	_, err := Validate(promotingApp(), components.Embedded(), testContext())
	if err != nil && strings.Contains(err.Error(), "Environments[prod].Image.") {
		t.Errorf("Validate checks prod's image: %v", err)
	}
}

func TestPromotionDefaultsAreAppliedToACopy(t *testing.T) {
	app := promotingApp()
	raw := env(&app, "prod")
	got := raw.WithDefaults().Promotion
	if got.SoakTime != DefaultSoakTime || got.MaxFindingSeverity != DefaultMaxFindingSeverity {
		t.Errorf("defaults: %+v, want soak %s, severity %s", got, DefaultSoakTime, DefaultMaxFindingSeverity)
	}
	if im := raw.WithDefaults().Image; !reflect.DeepEqual(im, Image{}) {
		t.Errorf("WithDefaults gave an environment that promotes image settings %+v: want none, it bakes nothing", im)
	}
	got.From = "changed"
	if raw.Promotion.From != "dev" || raw.Promotion.SoakTime != 0 {
		t.Errorf("WithDefaults shares its Promotion with the caller's: %+v", raw.Promotion)
	}
}

func TestPromotionNamesFollowThePrefixAndEnvironments(t *testing.T) {
	n := Default().PromotionNames("dev", "prod")
	want := PromotionNames{
		SourceFleetStack: "golden-fleet-dev-fleet",
		TargetFleetStack: "golden-fleet-prod-fleet",
		AccessRole:       "golden-fleet-dev-promote-to-prod",
		Distribution:     "golden-fleet-dev-promote-to-prod",
		ExecutionRole:    "golden-fleet-dev-promotion-distribution",
		AmiKeyAlias:      "alias/golden-fleet-dev-ami",
	}
	if n != want {
		t.Errorf("PromotionNames(dev, prod) = %+v, want %+v", n, want)
	}
}
