//go:build e2e

// Package playground runs docs/day2-on-your-laptop.md against a playground
// of its own (scripts/local-up, what make local-up runs, with
// GOLDEN_FLEET_LOCAL_DIR in a temporary directory, beside any playground of
// yours), so that the guide stays true. Run with
//
//	go test -tags e2e ./e2e/playground/
package playground

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/sandbox"
)

const guidePath = "docs/day2-on-your-laptop.md"

// step is one command block of the guide and what it prints.
type step struct {
	line      int    // of the command block, in the guide
	script    string // the commands
	exit      int    // the exit status the guide says it has
	byTheTest bool   // set-up and tear-down, which the test does itself
	want      []string
}

var fence = regexp.MustCompile("^```(\\S*)\\s*(.*)$")

// parseGuide reads the guide's blocks: ```sh [exit=N | by-the-test] for
// commands, and the first ```text block after one for what it prints.
func parseGuide(text string) ([]step, error) {
	var steps []step
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		m := fence.FindStringSubmatch(lines[i])
		if m == nil || m[1] == "" {
			continue
		}
		start := i
		var body []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			body = append(body, lines[i])
		}
		if i == len(lines) {
			return nil, fmt.Errorf("%s:%d: the block is not closed", guidePath, start+1)
		}
		switch m[1] {
		case "sh":
			s := step{line: start + 1, script: strings.Join(body, "\n")}
			for _, opt := range strings.Fields(m[2]) {
				switch {
				case opt == "by-the-test":
					s.byTheTest = true
				case strings.HasPrefix(opt, "exit="):
					n, err := strconv.Atoi(strings.TrimPrefix(opt, "exit="))
					if err != nil {
						return nil, fmt.Errorf("%s:%d: %q: want exit=N", guidePath, start+1, opt)
					}
					s.exit = n
				default:
					return nil, fmt.Errorf("%s:%d: ```sh %s: want exit=N or by-the-test", guidePath, start+1, opt)
				}
			}
			steps = append(steps, s)
		case "text":
			if len(steps) > 0 && steps[len(steps)-1].want == nil {
				steps[len(steps)-1].want = body
			}
		}
	}
	return steps, nil
}

// volatile are what changes from one run to the next: ids, times,
// durations, generated name suffixes.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`), "UUID"},
	{regexp.MustCompile(`\b(ami|i|lt|snap|vpc|subnet|sg)-[0-9a-f]{8,17}\b`), "$1-ID"},
	{regexp.MustCompile(`-Group[A-Za-z0-9]+-[A-Z0-9]+\b`), "-GROUP"},
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:?\d{2}:?\d{2}(\.\d+)?Z`), "TIME"},
	{regexp.MustCompile(`\b\d{2}:\d{2}:\d{2}\b`), "TIME"},
	{regexp.MustCompile(`\b(\d+h)?(\d+m)?\d+(\.\d+)?s\b|\b\d+m\b`), "DURATION"},
	{regexp.MustCompile(`\[\s*\d+s\]`), "[DURATION]"},
	{regexp.MustCompile(`\(pid \d+\)`), "(pid N)"},
	{regexp.MustCompile(`\s+`), " "},
}

func normalize(line string) string {
	for _, v := range volatile {
		line = v.re.ReplaceAllString(line, v.with)
	}
	return strings.TrimSpace(line)
}

// missing returns the first line of want (normalized) that is not, in
// order, a line of got.
func missing(want []string, got string) (string, bool) {
	gotLines := strings.Split(got, "\n")
	j := 0
	for _, w := range want {
		nw := normalize(w)
		if nw == "" {
			continue
		}
		for j < len(gotLines) && normalize(gotLines[j]) != nw {
			j++
		}
		if j == len(gotLines) {
			return w, true
		}
		j++
	}
	return "", false
}

func TestTheGuidesOutputsAreCheckedAndItsBlocksParse(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", guidePath))
	if err != nil {
		t.Fatal(err)
	}
	steps, err := parseGuide(string(b))
	if err != nil {
		t.Fatal(err)
	}
	run := 0
	for _, s := range steps {
		if !s.byTheTest {
			run++
			if len(s.want) == 0 {
				t.Errorf("%s:%d: the command block has no ```text block of what it prints", guidePath, s.line)
			}
		}
	}
	if run < 6 {
		t.Errorf("%d command blocks run, want at least build, status, promote, roll, rollback, status", run)
	}
	// The comparison ignores what varies and nothing else.
	if _, miss := missing([]string{"golden AMI ami-0ed094fb1304fd857 (2 in service)"}, "golden AMI ami-1234567890abcdef0 (2 in service)"); miss {
		t.Error("an AMI id is volatile")
	}
	if _, miss := missing([]string{"soak PASS"}, "  soak             FAIL"); !miss {
		t.Error("PASS matched FAIL")
	}
}

// docs/day2-on-your-laptop.md runs as written: every step of the guide, in
// one shell as a reader runs them, prints what the guide says it prints.
// It is long because it is one sequence, the steps and then the checks of
// what each printed.
func TestTheDay2GuideRunsAsWritten(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, guidePath))
	if err != nil {
		t.Fatal(err)
	}
	steps, err := parseGuide(string(b))
	if err != nil {
		t.Fatal(err)
	}
	dir, env, out := localUp(t, root)
	t.Logf("scripts/local-up:\n%s", lastLines(string(out), 8))

	// One shell for every step, as a reader's terminal: what one step
	// sets, the next sees. Each step's output and exit status are fenced
	// by markers.
	var script strings.Builder
	fmt.Fprintf(&script, "cd %q\nsource %q\n", root, filepath.Join(dir, "env"))
	var run []step
	for _, s := range steps {
		if s.byTheTest {
			continue
		}
		n := len(run)
		run = append(run, s)
		fmt.Fprintf(&script, "echo '@@step %d'\n%s\necho \"@@exit %d $?\"\n", n, s.script, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sh := exec.CommandContext(ctx, "bash", "--noprofile", "--norc")
	sh.Dir, sh.Env = root, env
	sh.Stdin = strings.NewReader(script.String())
	var all bytes.Buffer
	sh.Stdout, sh.Stderr = &all, &all
	if err := sh.Run(); err != nil {
		t.Fatalf("the guide's shell: %v\n%s", err, all.String())
	}
	outputs, exits := split(all.String(), len(run))
	for i, s := range run {
		got := outputs[i]
		if exits[i] != s.exit {
			t.Errorf("%s:%d: exit status %d, the guide says %d; it printed:\n%s", guidePath, s.line, exits[i], s.exit, got)
			continue
		}
		if w, miss := missing(s.want, got); miss {
			t.Errorf("%s:%d: the output lacks the guide's line (in order)\n  %s\nit printed:\n%s", guidePath, s.line, w, got)
		}
	}
	if t.Failed() {
		return
	}

	// What the guide's outputs print with ids left out, observed in the
	// emulator by id: the build's AMI is local's golden AMI and every local
	// instance runs it (after the roll); local-prod, rolled back, runs
	// what its parameter holds, which is no longer the promoted copy.
	built := lastAMI(outputs[0])
	promoted := regexp.MustCompile(`to local-prod as (ami-[0-9a-f]+)`).FindStringSubmatch(all.String())
	if built == "" || promoted == nil {
		t.Fatalf("the build printed AMI %q, the promotion its copy %v: want both", built, promoted)
	}
	endpoint := envValue(t, filepath.Join(dir, "env"), "AWS_ENDPOINT_URL")
	for _, c := range []struct {
		env, want, not string
	}{{"local", built, ""}, {"local-prod", "", promoted[1]}} {
		w := observe(t, root, dir, endpoint, c.env)
		if c.want != "" && w.Golden != c.want {
			t.Errorf("%s's golden AMI is %s, want the build's %s", c.env, w.Golden, c.want)
		}
		if c.not != "" && w.Golden == c.not {
			t.Errorf("%s's golden AMI is still the promoted %s after the rollback", c.env, c.not)
		}
		if len(w.Images) == 0 {
			t.Errorf("%s has no instance in service", c.env)
		}
		for id, image := range w.Images {
			if image != w.Golden {
				t.Errorf("%s: instance %s runs %s, not the golden %s", c.env, id, image, w.Golden)
			}
		}
	}
}

var amiRe = regexp.MustCompile(`\bami-[0-9a-f]+\b`)

// lastAMI is the last AMI id out names.
func lastAMI(out string) string {
	ids := amiRe.FindAllString(out, -1)
	if len(ids) == 0 {
		return ""
	}
	return ids[len(ids)-1]
}

// observe reads env's golden AMI and the AMI of each instance in service
// in its group, as the invariants' check does (sandbox.Observe), with the
// environment's profile of the playground in dir.
func observe(t *testing.T, root, dir, endpoint, env string) sandbox.World {
	t.Helper()
	ctx := context.Background()
	app := config.Default()
	e, ok := app.Environment(env)
	if !ok {
		t.Fatalf("config.Default() has no %s", env)
	}
	em, err := sandbox.NewEmulator(ctx, root, dir, endpoint, app, e, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	n := em.Names()
	group, err := sandbox.Output(ctx, em.Clients().CFN, n.Stack(config.FleetStack), config.AutoScalingGroupNameOutput)
	if err != nil {
		t.Fatalf("%s: %v", env, err)
	}
	w, err := sandbox.Observe(ctx, em.Clients(), n.GoldenParameter(), group)
	if err != nil {
		t.Fatalf("%s: %v", env, err)
	}
	return w
}

// split cuts the shell's output at the step markers.
func split(all string, n int) (outputs []string, exits []int) {
	outputs, exits = make([]string, n), make([]int, n)
	for i := range exits {
		exits[i] = -1
	}
	cur := -1
	var buf strings.Builder
	for _, line := range strings.Split(all, "\n") {
		var a, b int
		if _, err := fmt.Sscanf(line, "@@step %d", &a); err == nil {
			cur = a
			buf.Reset()
			continue
		}
		if _, err := fmt.Sscanf(line, "@@exit %d %d", &a, &b); err == nil && a == cur {
			outputs[cur], exits[cur] = buf.String(), b
			cur = -1
			continue
		}
		if cur >= 0 {
			buf.WriteString(line + "\n")
		}
	}
	return outputs, exits
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
