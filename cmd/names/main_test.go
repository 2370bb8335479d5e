package main

import (
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/config/configtest"
)

// The script reads every name from config, as the stacks spell it: for
// config.Default() and for it with a baking and a promoting environment
// added (what docs/adding-an-environment.md has you do).
func TestNamesPrintsTheEnvironmentsNamesFromConfig(t *testing.T) {
	for name, app := range map[string]config.App{"defaults": config.Default(), "defaults plus two": configtest.WithAddedEnvironments()} {
		t.Run(name, func(t *testing.T) { checkNames(t, app) })
	}
}

func checkNames(t *testing.T, app config.App) {
	for _, env := range app.Environments {
		var out strings.Builder
		if err := run(app, []string{env.Name}, &out); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			k, v, _ := strings.Cut(line, "=")
			got[k] = v
		}
		n := app.NamesOf(env)
		want := map[string]string{
			"account": env.Account, "region": env.Region, "network_stack": "", "fleet_stack": n.Stack(config.FleetStack),
			"image_factory_stack": n.Stack(config.ImageFactoryStack), "golden_parameter": n.GoldenParameter(), "pipeline": n.Pipeline(),
		}
		if env.Network.Create != nil {
			want["network_stack"] = n.Stack(config.NetworkStack)
		}
		if env.Promotion != nil { // prod: no image factory, no pipeline
			want["image_factory_stack"], want["pipeline"] = "", ""
		}
		if len(got) != len(want) {
			t.Errorf("%s: got %v, want %v", env.Name, got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s=%q, want %q", env.Name, k, got[k], v)
			}
		}
	}
}

// An environment the configuration does not have, or not one name, is
// refused, listing the configuration's environments.
func TestNamesRefusesAnUnknownEnvironment(t *testing.T) {
	app := config.App{Prefix: "golden-fleet", Environments: []config.Environment{{Name: "alpha"}, {Name: "beta"}}}
	for _, args := range [][]string{nil, {"gamma"}, {"alpha", "beta"}} {
		var out strings.Builder
		if err := run(app, args, &out); err == nil || !strings.Contains(err.Error(), "(alpha, beta)") || out.Len() > 0 {
			t.Errorf("run(%q) = %v, printed %q", args, err, out.String())
		}
	}
}
