package config

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/immutable-server/golden-fleet/internal/cfnlint"
)

// The maintained catalogs the facts in awsfacts.go and instancetypes.go
// are checked against, read from the Python packages the project's tests
// need anyway (README: Python 3 with cfn-lint and moto): cfn-lint's
// CloudFormation resource schemas, botocore's AWS service models (the
// models the AWS SDKs are generated from; moto depends on botocore) and
// moto's copy of EC2's DescribeInstanceTypes data.

var (
	pythonDirsOnce sync.Once
	pythonDirs     map[string]string
	pythonDirsErr  error
)

// pythonPackage returns the directory of an installed Python package.
func pythonPackage(t *testing.T, name string) string {
	t.Helper()
	pythonDirsOnce.Do(func() {
		out, err := exec.Command("python3", "-c", `import importlib.util as u
for p in ("cfnlint", "botocore", "moto"):
    s = u.find_spec(p)
    print(p, s.submodule_search_locations[0] if s else "")`).Output()
		if err != nil {
			pythonDirsErr = err
			return
		}
		pythonDirs = map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if p, dir, ok := strings.Cut(line, " "); ok && dir != "" {
				pythonDirs[p] = dir
			}
		}
	})
	if pythonDirsErr != nil || pythonDirs[name] == "" {
		t.Fatalf("cannot locate the Python package %s (python3 with cfn-lint and moto must be installed, see the README): %v", name, pythonDirsErr)
	}
	return pythonDirs[name]
}

// cfnSchema returns cfn-lint's CloudFormation resource schema of a type,
// as us-east-1 has it.
func cfnSchema(t *testing.T, typeName string) map[string]any {
	t.Helper()
	var schema map[string]any
	if err := cfnlint.ReadSchema(pythonPackage(t, "cfnlint"), typeName, &schema); err != nil {
		t.Fatal(err)
	}
	return schema
}

// serviceShapes returns the shapes of an AWS service model of botocore.
func serviceShapes(t *testing.T, service string) map[string]map[string]any {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(pythonPackage(t, "botocore"), "data", service, "*", "service-2.json*"))
	if len(files) == 0 {
		t.Fatalf("botocore has no model of %s", service)
	}
	var model struct {
		Shapes map[string]map[string]any `json:"shapes"`
	}
	readJSON(t, files[len(files)-1], strings.HasSuffix(files[len(files)-1], ".gz"), &model)
	return model.Shapes
}

func readJSON(t *testing.T, path string, gzipped bool, v any) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var dec *json.Decoder
	if gzipped {
		z, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		dec = json.NewDecoder(z)
	} else {
		dec = json.NewDecoder(f)
	}
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func jsonText(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// decoded is v, a value encoding/json decoded, as a T (float64 for a
// JSON number, string for a JSON string); what names it in the failure.
func decoded[T any](t *testing.T, v any, what string) T {
	t.Helper()
	x, ok := v.(T)
	if !ok {
		t.Fatalf("%s: got %s, want a JSON value that decodes to %T", what, jsonText(v), x)
	}
	return x
}

func number(t *testing.T, v any, what string) int {
	t.Helper()
	return int(decoded[float64](t, v, what))
}

func text(t *testing.T, v any, what string) string {
	t.Helper()
	return decoded[string](t, v, what)
}

// compileJava compiles a pattern of a schema or service model (Java,
// ECMAScript or Python syntax) with Go's regexp, which reads the ones used
// here the same way once Python's end of input \Z is spelled \z.
func compileJava(pattern string) (*regexp.Regexp, error) {
	return regexp.Compile(strings.ReplaceAll(pattern, `\Z`, `\z`))
}
