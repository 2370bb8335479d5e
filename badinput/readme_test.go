package badinput

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README's commands name what exists: make targets, scripts, packages,
// commands and test functions. (The messages it quotes are checked against
// the real `cdk synth` in readme_e2e_test.go.)

func readme(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// codeBlocks returns the fenced code blocks of a Markdown text, each with
// the indentation of its fence removed.
func codeBlocks(text string) []string {
	var blocks []string
	var current []string
	indent, in := "", false
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if strings.HasPrefix(trimmed, "```") {
			if in {
				blocks = append(blocks, strings.Join(current, "\n"))
				current, in = nil, false
			} else {
				indent, in = line[:len(line)-len(trimmed)], true
			}
			continue
		}
		if in {
			current = append(current, strings.TrimPrefix(line, indent))
		}
	}
	return blocks
}

// commandText is the README's code: its code blocks and inline code spans.
func commandText(text string) string {
	spans := regexp.MustCompile("`([^`\n]+)`").FindAllStringSubmatch(text, -1)
	parts := codeBlocks(text)
	for _, s := range spans {
		parts = append(parts, s[1])
	}
	return strings.Join(parts, "\n")
}

func TestTheREADMEsCommandsNameWhatExists(t *testing.T) {
	root := repoRoot(t)
	code := commandText(readme(t))

	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^([a-z][a-z0-9-]*):`).FindAllStringSubmatch(string(makefile), -1) {
		targets[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`\bmake ([a-z][a-z0-9-]*)`).FindAllStringSubmatch(code, -1) {
		if !targets[m[1]] {
			t.Errorf("the README runs `make %s`, which the Makefile does not define", m[1])
		}
	}

	// scripts/<name> is a command; scripts/<name>.<ext> a file it names.
	for _, m := range regexp.MustCompile(`(?:^|[\s(])(scripts/[a-z-]+)(\.[a-z]+)?`).FindAllStringSubmatch(code, -1) {
		info, err := os.Stat(filepath.Join(root, m[1]+m[2]))
		switch {
		case m[2] != "" && err != nil:
			t.Errorf("the README names %s, which does not exist (%v)", m[1]+m[2], err)
		case m[2] == "" && (err != nil || info.Mode()&0o111 == 0):
			t.Errorf("the README runs %s, which is not an executable file (%v)", m[1], err)
		}
	}

	for _, m := range regexp.MustCompile(`go (?:run|test)(?: -[a-z]+(?: e2e)?)* ((?:\./[a-zA-Z0-9_/]*/?|\.)(?: \./[a-zA-Z0-9_/]*/?)*)`).FindAllStringSubmatch(code, -1) {
		for _, pkg := range strings.Fields(m[1]) {
			if matches, _ := filepath.Glob(filepath.Join(root, pkg, "*.go")); len(matches) == 0 {
				t.Errorf("the README runs %q on %s, which holds no Go package", m[0], pkg)
			}
		}
	}

	tests := testFunctions(t, root)
	// Test and fuzz functions; not the config fields Image.TestComponents
	// and Image.TestTimeoutMinutes.
	for _, m := range regexp.MustCompile(`(?:^|[^.\w])((?:Test|Fuzz)[A-Z][A-Za-z0-9]*)`).FindAllStringSubmatch(code, -1) {
		if !tests[m[1]] {
			t.Errorf("the README names %s, which no _test.go file defines", m[1])
		}
	}
}

// testFunctions lists the test and fuzz functions of the repository.
func testFunctions(t *testing.T, root string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	def := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)[A-Z][A-Za-z0-9]*)\(`)
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git" || d.Name() == "cdk.out" || d.Name() == ".cache") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, "_test.go") {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range def.FindAllStringSubmatch(string(data), -1) {
				out[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The CDK CLI makes no network attempt for notices or telemetry in this
// project, in CI and offline.
func TestCdkJSONTurnsOffNoticesAndTelemetry(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cdk struct {
		Notices          *bool          `json:"notices"`
		VersionReporting *bool          `json:"versionReporting"`
		Context          map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &cdk); err != nil {
		t.Fatal(err)
	}
	if cdk.Notices == nil || *cdk.Notices {
		t.Error(`cdk.json: want "notices": false`)
	}
	if cdk.Context["cli-telemetry"] != false {
		t.Errorf(`cdk.json: context "cli-telemetry" is %v, want false`, cdk.Context["cli-telemetry"])
	}
	if cdk.VersionReporting == nil || *cdk.VersionReporting {
		t.Error(`cdk.json: want "versionReporting": false`)
	}
}
