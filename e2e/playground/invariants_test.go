//go:build e2e

package playground

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/sandbox"
)

// TestTheRolloutInvariants: a build reaches the golden parameter, a
// replaced instance runs it, a redeploy keeps it — observed in the
// account. By default against a playground of its own (what CI runs);
// with GOLDEN_FLEET_TARGET=aws against a real sandbox account, after it
// printed what it creates and costs and a person confirmed on the
// terminal (docs/day2-on-your-laptop.md, "Against a real sandbox
// account"). The checks are the same code, sandbox.Check, for both.
func TestTheRolloutInvariants(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	app := config.Default()
	var target sandbox.Target
	if sandbox.WantsAWS(os.Getenv) {
		s, err := sandbox.SettingsFrom(os.Getenv, app)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := sandbox.LoadConfig(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		plan := sandbox.NewPlan(ctx, s, app, sandbox.PriceList(cfg))
		if err := sandbox.Confirm(plan, os.Stderr, sandbox.Terminal); err != nil {
			t.Fatal(err)
		}
		a := sandbox.NewAWS(root, app, plan, cfg, t.Logf)
		// Clean even when the deploy or a check fails; what cannot be
		// cleaned is named, so the person removes it by hand.
		t.Cleanup(func() {
			cctx, cancel := context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			if left := a.Clean(cctx); len(left) > 0 {
				t.Errorf("could NOT clean up, remove by hand (it costs until then):\n  %s", joinLines(left))
			} else {
				t.Logf("cleaned up: the stacks %v, the AMIs built and their snapshots, %s", plan.Stacks, plan.GoldenParam)
			}
		})
		if err := a.Deploy(ctx); err != nil {
			t.Fatal(err)
		}
		target = a
	} else {
		dir, _, _ := localUp(t, root)
		e, ok := app.Environment("local")
		if !ok {
			t.Fatal("config.Default() has no local")
		}
		em, err := sandbox.NewEmulator(ctx, root, dir, envValue(t, filepath.Join(dir, "env"), "AWS_ENDPOINT_URL"), app, e, t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		target = em
	}
	if err := sandbox.Check(ctx, target, t.Logf); err != nil {
		t.Fatal(err)
	}
}

func joinLines(s []string) string {
	out := ""
	for i, l := range s {
		if i > 0 {
			out += "\n  "
		}
		out += l
	}
	return out
}
