// Package cfnlint reads the CloudFormation resource schemas the installed
// cfn-lint ships (its package data, data/schemas), as us-east-1 has them,
// for cmd/cfnschemagen and the tests that check against them. Python runs
// only to locate the package; the app never needs it.
package cfnlint

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Dir returns the directory of the installed cfnlint Python package.
func Dir() (string, error) {
	// find_spec locates the package without importing it (an import of
	// cfnlint takes over a second).
	out, err := exec.Command("python3", "-c", `import importlib.util as u
s = u.find_spec("cfnlint")
print(s.submodule_search_locations[0] if s else "")`).Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		return "", fmt.Errorf("cannot locate the Python package cfnlint (python3 with cfn-lint must be installed, see the README): %v", err)
	}
	return dir, nil
}

// Version returns the version of the cfnlint package in dir (its
// version.py's __version__).
func Version(dir string) (string, error) {
	file := filepath.Join(dir, "version.py")
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == "__version__" {
			return strings.Trim(strings.TrimSpace(v), `"'`), nil
		}
	}
	return "", fmt.Errorf("%s: no __version__", file)
}

// ReadSchema decodes into v the resource schema of typeName that the
// cfnlint package in dir ships for us-east-1: the index
// providers/us_east_1.py maps each type to the file
// resources/<hash>.json.
func ReadSchema(dir, typeName string, v any) error {
	schemas := filepath.Join(dir, "data", "schemas")
	index, err := os.ReadFile(filepath.Join(schemas, "providers", "us_east_1.py"))
	if err != nil {
		return err
	}
	_, rest, found := strings.Cut(string(index), `"`+typeName+`": "`)
	hash, _, closed := strings.Cut(rest, `"`)
	if !found || !closed || hash == "" {
		return fmt.Errorf("cfn-lint has no schema of %s in us-east-1", typeName)
	}
	data, err := os.ReadFile(filepath.Join(schemas, "resources", hash+".json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("the schema of %s: %v", typeName, err)
	}
	return nil
}
