package main

import (
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/config"
)

// The script reads every name from config, as the stacks spell it.
func TestNamesPrintsTheEnvironmentsNamesFromConfig(t *testing.T) {
	app := config.Default()
	for _, env := range app.Environments {
		var out strings.Builder
		if err := run([]string{env.Name}, &out); err != nil {
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

func TestNamesRefusesAnUnknownEnvironment(t *testing.T) {
	for _, args := range [][]string{nil, {"staging"}, {"dev", "prod"}} {
		var out strings.Builder
		if err := run(args, &out); err == nil || !strings.Contains(err.Error(), "dev, prod, local") || out.Len() > 0 {
			t.Errorf("run(%q) = %v, printed %q", args, err, out.String())
		}
	}
}
