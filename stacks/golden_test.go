package stacks_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/stacks/internal/cdktest"
)

var update = flag.Bool("update", false, "rewrite the golden templates under stacks/testdata/ with the synthesized ones")

// acceptCommand accepts changed golden templates, from the repository root.
const acceptCommand = "go test ./stacks -run 'TestGoldenTemplates' -update"

// TestGoldenTemplates compares every template `cdk synth` writes (the
// stacks of config.Default()) with testdata/<stack>.template.json. Nothing
// is normalized: the templates hold no asset hashes, timestamps or
// versions that vary between runs.
func TestGoldenTemplates(t *testing.T) {
	for _, name := range synthesized.golden {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join("testdata", name+".template.json")
			stack, ok := synthesized.assembly.Stack(name)
			if !ok {
				t.Fatalf("stack %s is not in the cloud assembly", name)
			}
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, stack.Raw, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("no golden template for stack %s (%v)\naccept it with: %s", name, err, acceptCommand)
			}
			if string(stack.Raw) != string(want) {
				t.Errorf("stack %s differs from stacks/%s (- golden, + synthesized):\n%s\naccept the change, after reading it, with: %s",
					name, file, cdktest.LineDiff(string(want), string(stack.Raw), 3), acceptCommand)
			}
		})
	}
	if !*update {
		// A golden file without a stack is a stack that disappeared.
		files, _ := filepath.Glob(filepath.Join("testdata", "*.template.json"))
		for _, f := range files {
			if name := strings.TrimSuffix(filepath.Base(f), ".template.json"); !slices.Contains(synthesized.golden, name) {
				t.Errorf("golden template stacks/%s has no synthesized stack: remove it if the stack is gone on purpose", f)
			}
		}
	}
}
