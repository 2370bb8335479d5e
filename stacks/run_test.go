package stacks_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/stacks"
	"github.com/immutable-server/golden-fleet/stacks/internal/cdktest"
)

// Run validates before jsii starts: an invalid configuration returns every
// problem and writes nothing. (A valid one would close this binary's jsii
// runtime: the synthesis tests cover that path, through Build.)
func TestRunRefusesAnInvalidConfigurationAndWritesNothing(t *testing.T) {
	out := t.TempDir()
	t.Setenv("CDK_OUTDIR", out)
	// What the CLI hands the app: cdk.json's context (the zones).
	ctx, err := cdktest.SynthContext("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	ctxJSON, _ := json.Marshal(ctx)
	t.Setenv("CDK_CONTEXT_JSON", string(ctxJSON))
	cfg := config.Default()
	cfg.Environments[0].Fleet.DesiredCapacity = 0
	cfg.Environments[1].Image.Schedule = "cron(0 3 * * MON)"
	err = stacks.Run(cfg, components.Embedded())
	if err == nil {
		t.Fatal("Run accepted an invalid configuration")
	}
	msg := err.Error()
	for _, want := range []string{
		"the configuration is invalid (2 problems); nothing was synthesized:",
		"\n  - Environments[dev].Fleet.DesiredCapacity: got 0",
		"\n  - Environments[prod].Image.Schedule: got \"cron(0 3 * * MON)\"",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("Run's error lacks %q:\n%s", want, msg)
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) > 0 {
		t.Errorf("Run wrote %d entries into CDK_OUTDIR for an invalid configuration", len(entries))
	}
}

func TestInvalidCountsItsProblems(t *testing.T) {
	one := stacks.Invalid(errors.New("A: got 1: want 2"))
	if want := "golden-fleet: the configuration is invalid (1 problem); nothing was synthesized:\n  - A: got 1: want 2"; one.Error() != want {
		t.Errorf("one problem:\n%s\nwant\n%s", one, want)
	}
	two := stacks.Invalid(errors.Join(errors.New("A: x"), errors.New("B: y")))
	if !strings.Contains(two.Error(), "(2 problems)") || !strings.HasSuffix(two.Error(), "\n  - A: x\n  - B: y") {
		t.Errorf("two problems:\n%s", two)
	}
}
