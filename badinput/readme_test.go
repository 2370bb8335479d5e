package badinput

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The README's and docs/'s commands name what exists: make targets,
// scripts, packages, commands and test functions; their links resolve.
// (The messages they quote are checked against the real `cdk synth` in
// readme_e2e_test.go.)

// docFiles are the README and every Markdown file under docs/, relative to
// the repository's root.
func docFiles(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(repoRoot(t), "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"README.md"}
	for _, d := range docs {
		files = append(files, filepath.Join("docs", filepath.Base(d)))
	}
	return files
}

// readme is the text of the README and of every docs/*.md, one after the
// other: what a reader runs and quotes from.
func readme(t *testing.T) string {
	t.Helper()
	var texts []string
	for _, f := range docFiles(t) {
		data, err := os.ReadFile(filepath.Join(repoRoot(t), f))
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(data))
	}
	return strings.Join(texts, "\n")
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

// Every relative link of the README and of docs/*.md names a file that
// exists and, with a #fragment, a heading of that file (GitHub's anchors).
func TestTheDocsLinksResolve(t *testing.T) {
	root := repoRoot(t)
	link := regexp.MustCompile(`\[[^\]]*\]\(([^)\s]+)\)`)
	for _, f := range docFiles(t) {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(strings.Join(proseLines(string(data)), "\n"), -1) {
			target := m[1]
			if regexp.MustCompile(`^[a-z]+:`).MatchString(target) {
				continue // https:, mailto:
			}
			path, anchor, _ := strings.Cut(target, "#")
			file := f
			if path != "" {
				file = filepath.Join(filepath.Dir(f), path)
				if _, err := os.Stat(filepath.Join(root, file)); err != nil {
					t.Errorf("%s links to %s, which does not exist", f, target)
					continue
				}
			}
			if anchor == "" {
				continue
			}
			text, err := os.ReadFile(filepath.Join(root, file))
			if err != nil {
				t.Errorf("%s links to %s: %v", f, target, err)
				continue
			}
			if !slices.Contains(anchors(string(text)), anchor) {
				t.Errorf("%s links to %s, but %s has no heading with the anchor #%s", f, target, file, anchor)
			}
		}
	}
}

// proseLines are the lines of a Markdown text outside fenced code blocks.
func proseLines(text string) []string {
	var out []string
	in := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, " "), "```") {
			in = !in
			continue
		}
		if !in {
			out = append(out, line)
		}
	}
	return out
}

// anchors are the anchors GitHub gives the headings of a Markdown text:
// lowercased, punctuation but hyphens and underscores dropped, spaces made
// hyphens, a repeated anchor suffixed -1, -2….
func anchors(text string) []string {
	var out []string
	seen := map[string]int{}
	heading := regexp.MustCompile(`^#{1,6} +(.*?) *#*$`)
	drop := regexp.MustCompile(`[^\p{L}\p{N}_\- ]`)
	for _, line := range proseLines(text) {
		m := heading.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		a := strings.ReplaceAll(drop.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")
		if n := seen[a]; n > 0 {
			out = append(out, fmt.Sprintf("%s-%d", a, n))
		} else {
			out = append(out, a)
		}
		seen[a]++
	}
	return out
}
