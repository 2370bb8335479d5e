//go:build e2e

package badinput

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// An app that does not compile (a Go compile error, here in
// testdata/brokenapp) fails `cdk synth` — and the output directory keeps
// none of the templates or the manifest of the synthesis before, which
// would read as current. Through the CLI, the way `make synth` runs the
// app (cdk.json's scripts/app), with the cached binary and with `go run`.
func TestAnAppThatDoesNotCompileLeavesNoTemplatesBehind(t *testing.T) {
	cdk := filepath.Join(root, "tools", "cdk", "node_modules", ".bin", "cdk")
	for _, mode := range []string{"cached binary", "go run"} {
		t.Run(mode, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "cdk.out")
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			// What an earlier, successful synthesis left.
			earlier := []string{"golden-fleet-dev-fleet.template.json", "golden-fleet-dev-fleet.assets.json", "manifest.json", "tree.json", "cdk.out"}
			for _, f := range earlier {
				if err := os.WriteFile(filepath.Join(out, f), []byte(`{"earlier":true}`), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(cdk, "synth", "--quiet", "--app", "scripts/app ./badinput/testdata/brokenapp", "-o", out)
			cmd.Dir = root
			cmd.Env = append(os.Environ(),
				"PATH="+filepath.Join(root, "tools", "cdk", "node_modules", ".bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
				"CDK_DISABLE_VERSION_CHECK=1",
			)
			if mode == "go run" {
				cmd.Env = append(cmd.Env, "GOLDEN_FLEET_GO_RUN=1")
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			if err == nil {
				t.Fatalf("cdk synth of an app that does not compile exited 0")
			}
			if !bytes.Contains(stderr.Bytes(), []byte("a compile error")) {
				t.Errorf("stderr does not show the compile error:\n%s", stderr.String())
			}
			for _, f := range earlier {
				if _, err := os.Stat(filepath.Join(out, f)); err == nil {
					t.Errorf("%s of the earlier synthesis is still in the output directory", f)
				}
			}
		})
	}
}
