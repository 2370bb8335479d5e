package config_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/cfnlint"
	"github.com/immutable-server/golden-fleet/internal/cfnschemagen"
)

// The committed table is what cmd/cfnschemagen writes from the installed
// cfn-lint's schemas: a new cfn-lint, an edited table or a property added
// to the targets without regenerating fails here.
func TestTheSchemaTableIsWhatCfnLintShips(t *testing.T) {
	dir, err := cfnlint.Dir()
	if err != nil {
		t.Fatal(err)
	}
	want, err := cfnschemagen.Generate(dir, config.CfnSchemaProperties())
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("cfnschema_gen.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("config/cfnschema_gen.json line %d:\n got  %s\n want %s", i+1, g, w)
				break
			}
		}
		t.Errorf("config/cfnschema_gen.json differs from cfn-lint's schemas at %s: run go generate ./config and read the diff", dir)
	}
}
