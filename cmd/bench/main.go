// Command bench measures what the inner loop costs: whole-app synth against
// an empty Go CDK app, 1 against 5 and 10 environments, the test suite
// against one synth, the built-in CloudFormation validation and cdk-nag,
// and the cold-start costs (module download, first build, node_modules).
// Run it through scripts/bench, from the repository root:
//
//	scripts/bench            # every section, 5 runs each
//	scripts/bench -n 9       # more runs
//	scripts/bench -only a,b  # some sections: a b c d cold
//
// Runs of the cases compared with each other are interleaved (A B A B …)
// so that load from elsewhere on the machine hits all of them alike; each
// figure is the median of the runs, and the ratios are taken between
// medians of the same section. It is a program, not a timed test: nothing
// here runs under `go test`.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/immutable-server/golden-fleet/config"
)

// Limits the requirements set on the ratios.
const (
	limitAppOverEmpty = 1.5 // issue 18 (was 2× in issue 6)
	limitTenOverOne   = 4.0
	limitTestOverApp  = 2.0
	// An unchanged second synthesis (the assembly reused) costs less than
	// the empty app (issue 18).
	limitReusedOverEmpty = 1.0
	// make test in empty-app synths (issue 18).
	limitSuiteInSynths = 200
)

var (
	runs       = flag.Int("n", envInt("BENCH_RUNS", 5), "runs per case (the median is reported); env BENCH_RUNS")
	only       = flag.String("only", "a,b,c,d,cold", "sections to run, comma-separated: a (app vs empty), r (an unchanged synth, the assembly reused, vs empty), b (1/5/10 environments), c (go test vs synth), d (validation, cdk-nag), cold (module download, first build, disk), suite (make test, step by step, in empty-app synths); all: every one")
	suiteRuns  = flag.Int("suite-runs", 1, "runs of make test in section suite")
	suiteSteps = flag.String("suite-steps", "lint,unit,synth-check,e2e,fuzz", "the make test steps section suite runs, comma-separated (all of them make the make test total)")
	out        = flag.String("o", "", "also write the results as Markdown to this file")
	strict     = flag.Bool("strict", false, "exit 1 when a ratio exceeds its limit")
	keep       = flag.Bool("keep", false, "keep the temporary directory (binaries, configs, cloud assemblies)")
	timeout    = flag.Duration("timeout", 15*time.Minute, "longest a single command may run")
	testRuns   = flag.Int("test-runs", 0, "runs of `go test` in section c (default: -n)")
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// bench holds what every section shares.
type bench struct {
	root, tmp string
	cdk       string   // the pinned CDK CLI
	pathEnv   string   // PATH with the pinned Node 22 first
	ctxJSON   string   // what the CLI passes the app as CDK_CONTEXT_JSON
	bins      binaries // prebuilt apps, for the "binary alone" cases
	md        *bytes.Buffer
	verdicts  []string
	failed    bool
}

type binaries struct{ app, empty, config, nag string }

func main() {
	flag.Parse()
	if *runs < 1 {
		fatalf("-n must be at least 1")
	}
	if *testRuns == 0 {
		*testRuns = *runs
	}
	sections := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		sections[strings.TrimSpace(s)] = true
	}
	b, err := setup()
	if err != nil {
		fatalf("setup: %v", err)
	}
	if !*keep {
		defer os.RemoveAll(b.tmp)
	} else {
		defer fmt.Printf("kept %s\n", b.tmp)
	}

	b.machine()
	// The sections by their -only names, in the order they run.
	for _, s := range []struct {
		name string
		run  func()
	}{
		{"a", b.sectionA}, {"r", b.sectionReuse}, {"b", b.sectionB}, {"c", b.sectionC},
		{"d", b.sectionD}, {"cold", b.sectionCold}, {"suite", b.sectionSuite},
	} {
		if sections["all"] || sections[s.name] {
			s.run()
		}
	}
	b.printf("\n## Verdicts\n\n")
	for _, v := range b.verdicts {
		b.printf("- %s\n", v)
	}
	b.printf("\nload at the end: %s\n", loadavg())
	if *out != "" {
		if err := os.WriteFile(*out, b.md.Bytes(), 0o644); err != nil {
			fatalf("%v", err)
		}
		fmt.Printf("results written to %s\n", *out)
	}
	if *strict && b.failed {
		os.Exit(1)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(2)
}

// printf prints to the terminal and to the Markdown results.
func (b *bench) printf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	fmt.Print(s)
	b.md.WriteString(s)
}

// progress prints to the terminal only.
func progress(format string, args ...any) {
	fmt.Printf(format, args...)
}

func setup() (*bench, error) {
	root, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "cdk.json")); err != nil {
		return nil, fmt.Errorf("run from the repository root (scripts/bench does): %w", err)
	}
	nodeBin := filepath.Join(root, "tools", "cdk", "node_modules", ".bin")
	b := &bench{
		root:    root,
		cdk:     filepath.Join(nodeBin, "cdk"),
		pathEnv: nodeBin + string(os.PathListSeparator) + os.Getenv("PATH"),
		md:      &bytes.Buffer{},
	}
	if _, err := os.Stat(b.cdk); err != nil {
		return nil, fmt.Errorf("the pinned CDK CLI is missing: run `cd tools/cdk && npm ci` (%w)", err)
	}
	if b.tmp, err = os.MkdirTemp("", "golden-fleet-bench-"); err != nil {
		return nil, err
	}
	progress("setup: building the apps into %s\n", b.tmp)
	b.bins = binaries{
		app:    filepath.Join(b.tmp, "app"),
		empty:  filepath.Join(b.tmp, "emptyapp"),
		config: filepath.Join(b.tmp, "configapp"),
		nag:    filepath.Join(b.tmp, "nagapp"),
	}
	if err := b.build(); err != nil {
		return nil, err
	}
	if b.ctxJSON, err = cliContext(root); err != nil {
		return nil, err
	}
	for _, n := range []int{1, 5, 10} {
		data, err := json.MarshalIndent(copiesOfDev(n), "", "  ")
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(b.configPath(n), data, 0o644); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// build (re)builds the binaries of the binary-alone cases.
func (b *bench) build() error {
	for pkg, bin := range map[string]string{".": b.bins.app, "./cmd/bench/emptyapp": b.bins.empty,
		"./cmd/configapp": b.bins.config, "./cmd/bench/nagapp": b.bins.nag} {
		cmd := exec.Command("go", "build", "-o", bin, pkg)
		cmd.Dir, cmd.Stdout, cmd.Stderr = b.root, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", pkg, err)
		}
	}
	return nil
}

func (b *bench) configPath(n int) string {
	return filepath.Join(b.tmp, fmt.Sprintf("config-%d.json", n))
}

// copiesOfDev is config.Default() with its dev environment copied n times
// under distinct names: dev1, dev2, …
func copiesOfDev(n int) config.App {
	d := config.Default()
	out := config.App{Prefix: d.Prefix}
	for _, e := range d.Environments {
		if e.Name != "dev" {
			continue
		}
		for i := 1; i <= n; i++ {
			c := e
			c.Name = fmt.Sprintf("dev%d", i)
			out.Environments = append(out.Environments, c)
		}
	}
	return out
}

// cliContext is the context `cdk synth` gives the app: cdk.json's context
// (feature flags, availability zones) plus what the CLI adds from its
// settings (aws-cdk 2.1148.1, contextFromSettings, with
// "versionReporting": false in cdk.json). The binary-alone cases run with
// it, so they synthesize the same templates as the CLI; setup checks it.
func cliContext(root string) (string, error) {
	data, err := os.ReadFile(filepath.Join(root, "cdk.json"))
	if err != nil {
		return "", err
	}
	var f struct {
		VersionReporting *bool          `json:"versionReporting"`
		Context          map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return "", fmt.Errorf("cdk.json: %w", err)
	}
	if f.Context == nil {
		f.Context = map[string]any{}
	}
	f.Context["aws:cdk:enable-path-metadata"] = true
	f.Context["aws:cdk:enable-asset-metadata"] = true
	if f.VersionReporting == nil || *f.VersionReporting {
		f.Context["aws:cdk:version-reporting"] = true
	} else {
		f.Context["aws:cdk:disable-version-reporting"] = true
	}
	f.Context["aws:cdk:bundling-stacks"] = []string{"**"}
	f.Context["@aws-cdk/core:failSynthOnValidationErrors"] = false
	out, err := json.Marshal(f.Context)
	return string(out), err
}

// --- running ---------------------------------------------------------------

// kase is one command measured.
type kase struct {
	name string
	args []string
	env  []string // added to the environment
	dir  string   // default: the repository root
	// outdir, when set, is removed before each run (a fresh cloud assembly).
	outdir string
	// mayFail records a failing exit status instead of stopping the bench.
	mayFail bool
	// stdout, when set, receives the standard output of the last run.
	stdout *bytes.Buffer
}

type result struct {
	secs   []float64 // wall time of each run
	cpu    []float64 // user+system CPU time of each run, the whole process tree
	rssMB  []float64
	failed int
}

func (r result) median() float64 { return median(r.secs) }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// cliCase is `cdk synth -q` of app (a command; "" is cdk.json's own, the
// path users take) into a fresh output directory.
func (b *bench) cliCase(name, app string, env ...string) kase {
	outdir := filepath.Join(b.tmp, "out-"+sanitize(name))
	args := []string{b.cdk, "synth", "--quiet", "--output", outdir}
	if app != "" {
		args = append(args, "--app", app)
	}
	return kase{name: name, args: args, env: env, outdir: outdir}
}

// binCase runs a prebuilt app binary the way the CLI runs it: CDK_OUTDIR,
// the CLI's context, the pinned Node first on PATH.
func (b *bench) binCase(name, bin string, env ...string) kase {
	outdir := filepath.Join(b.tmp, "out-"+sanitize(name))
	e := append([]string{"CDK_OUTDIR=" + outdir, "CDK_CONTEXT_JSON=" + b.ctxJSON}, env...)
	return kase{name: name, args: []string{bin}, env: e, outdir: outdir}
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, s)
}

// run runs c once and returns its wall time, CPU time and peak RSS (the
// largest process of its tree).
func (b *bench) run(c kase) (secs, cpu, rssMB float64, err error) {
	if c.outdir != "" {
		os.RemoveAll(c.outdir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.args[0], c.args[1:]...)
	cmd.Dir = b.root
	if c.dir != "" {
		cmd.Dir = c.dir
	}
	cmd.Env = append(os.Environ(), "PATH="+b.pathEnv)
	cmd.Env = append(cmd.Env, c.env...)
	var stderr bytes.Buffer
	cmd.Stdout = io.Discard
	if c.stdout != nil {
		c.stdout.Reset()
		cmd.Stdout = c.stdout
	}
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	secs = time.Since(start).Seconds()
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rssMB = float64(ru.Maxrss) / 1024
		}
		cpu = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	}
	if err != nil {
		tail := stderr.String()
		if len(tail) > 3000 {
			tail = "…" + tail[len(tail)-3000:]
		}
		err = fmt.Errorf("%s: %v\n%s", strings.Join(c.args, " "), err, tail)
	}
	return secs, cpu, rssMB, err
}

// measure warms every case up once, then runs them n times interleaved,
// printing each run as it goes.
func (b *bench) measure(section string, n int, cases []kase) map[string]*result {
	res := map[string]*result{}
	progress("[%s] warm-up:", section)
	for _, c := range cases {
		res[c.name] = &result{}
		s, _, _, err := b.run(c)
		if err != nil && !c.mayFail {
			fatalf("[%s] %s failed:\n%v", section, c.name, err)
		}
		progress(" %s %.2fs", c.name, s)
	}
	progress("\n")
	for i := 1; i <= n; i++ {
		progress("[%s] run %d/%d (load %s):", section, i, n, loadavg())
		for _, c := range cases {
			s, cpu, rss, err := b.run(c)
			if err != nil && !c.mayFail {
				// The working tree and tools/cdk are shared: someone's
				// `npm ci` or edit can break one run. Once, after a pause.
				progress(" %s failed, retrying once in 10 s:\n%v\n", c.name, err)
				time.Sleep(10 * time.Second)
				s, cpu, rss, err = b.run(c)
			}
			r := res[c.name]
			if err != nil {
				if !c.mayFail {
					fatalf("[%s] %s failed:\n%v", section, c.name, err)
				}
				r.failed++
			}
			r.secs = append(r.secs, s)
			r.cpu = append(r.cpu, cpu)
			r.rssMB = append(r.rssMB, rss)
			mark := ""
			if err != nil {
				mark = "(exit≠0)"
			}
			progress(" %s %.2fs%s", c.name, s, mark)
		}
		progress("\n")
	}
	return res
}

// table prints the cases' medians as a Markdown table.
func (b *bench) table(cases []kase, res map[string]*result) {
	b.printf("\n| case | median | min | max | CPU (median) | peak RSS (median) | runs |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range cases {
		r := res[c.name]
		runs := strconv.Itoa(len(r.secs))
		if r.failed > 0 {
			runs += fmt.Sprintf(" (%d exited ≠ 0)", r.failed)
		}
		b.printf("| %s | %.2f s | %.2f s | %.2f s | %.2f s | %.0f MB | %s |\n",
			c.name, r.median(), slices.Min(r.secs), slices.Max(r.secs), median(r.cpu), median(r.rssMB), runs)
	}
	b.printf("\n")
}

// ratios compares x with y three ways: the ratio of the median wall
// times, the median of the per-run ratios (runs i of x and y ran back to
// back, so load that hits both cancels out: the figure judged), and the
// ratio of the median CPU times (what the work costs, whatever the load).
type ratios struct{ ofMedians, paired, cpu float64 }

func compare(x, y *result) ratios {
	var per []float64
	for i := range min(len(x.secs), len(y.secs)) {
		per = append(per, x.secs[i]/y.secs[i])
	}
	return ratios{x.median() / y.median(), median(per), median(x.cpu) / median(y.cpu)}
}

func (r ratios) String() string {
	return fmt.Sprintf("median of per-run ratios %.2f×, ratio of medians %.2f×, CPU-time ratio %.2f×", r.paired, r.ofMedians, r.cpu)
}

func (b *bench) verdict(name string, ratio, limit float64, judgedOn string) {
	v := "PASS"
	if !(ratio <= limit) {
		v = "FAIL"
		b.failed = true
	}
	line := fmt.Sprintf("**%s** %s: %.2f× (limit %g×; %s)", v, name, ratio, limit, judgedOn)
	b.verdicts = append(b.verdicts, line)
	b.printf("%s\n", line)
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

func output(dir string, name string, args ...string) string {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "n/a"
	}
	return strings.TrimSpace(string(out))
}

// --- sections --------------------------------------------------------------

func (b *bench) machine() {
	cpu := "n/a"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "model name") {
				_, cpu, _ = strings.Cut(l, ": ")
				break
			}
		}
	}
	node := filepath.Join(b.root, "tools", "cdk", "node_modules", ".bin", "node")
	b.printf("# golden-fleet benchmarks\n\n")
	b.printf("| | |\n|---|---|\n")
	b.printf("| date | %s |\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	b.printf("| commit | %s |\n", output(b.root, "git", "describe", "--always", "--dirty"))
	b.printf("| nproc | %d (%s) |\n", runtime.NumCPU(), cpu)
	b.printf("| load (1/5/15 min) at start | %s |\n", loadavg())
	b.printf("| Go | %s |\n", strings.TrimPrefix(output(b.root, "go", "version"), "go version "))
	b.printf("| Node (jsii and CLI) | %s |\n", output(b.root, node, "--version"))
	b.printf("| CDK CLI | %s |\n", output(b.root, node, b.cdk, "--version"))
	b.printf("| runs per case | %d (median reported; cases of a section interleaved) |\n", *runs)
	b.printf("\nBuilt-in CloudFormation validation: as scripts/app sets it (off) unless a case says otherwise.\n")
}

// sectionA: the whole app against the empty app, through the CLI and alone.
func (b *bench) sectionA() {
	b.printf("\n## a. Whole app (%d environments) vs an empty Go CDK app\n", len(config.Default().Environments))
	b.printf("\nCLI: `cdk synth -q` with cdk.json's app (`scripts/app`), and the empty app with `--app \"scripts/app ./cmd/bench/emptyapp\"`. Alone: prebuilt binaries (`go build`), `CDK_OUTDIR` and the CLI's context set, `CDK_VALIDATION=false` as scripts/app sets it.\n")
	// "before": the launcher as it was before the speed work, `go run`
	// with the built-in validation on, for both apps.
	before := []string{"GOLDEN_FLEET_GO_RUN=1", "CDK_VALIDATION=true"}
	cases := []kase{
		b.cliCase("cli: whole app", ""),
		b.cliCase("cli: empty app", "scripts/app ./cmd/bench/emptyapp"),
		b.binCase("alone: whole app", b.bins.app, "CDK_VALIDATION=false"),
		b.binCase("alone: empty app", b.bins.empty, "CDK_VALIDATION=false"),
		b.cliCase("before: cli: whole app (go run, validation on)", "", before...),
		b.cliCase("before: cli: empty app (go run, validation on)", "scripts/app ./cmd/bench/emptyapp", before...),
	}
	b.sameTemplates()
	res := b.measure("a", *runs, cases)
	b.table(cases, res)
	cli := compare(res["cli: whole app"], res["cli: empty app"])
	alone := compare(res["alone: whole app"], res["alone: empty app"])
	b.printf("whole/empty through the CLI: %s\n\n", cli)
	b.printf("whole/empty, app binary alone: %s (%+.2f s)\n\n", alone, res["alone: whole app"].median()-res["alone: empty app"].median())
	b.printf("whole/empty before the speed work (go run, validation on): %s\n\n",
		compare(res["before: cli: whole app (go run, validation on)"], res["before: cli: empty app (go run, validation on)"]))
	b.verdict("a. whole app / empty app", cli.paired, limitAppOverEmpty, "median of per-run ratios on the CLI path `cdk synth -q`, what a developer waits for")
	b.verdict("a. whole app / empty app, the app binary alone", alone.paired, limitAppOverEmpty, "median of per-run ratios, prebuilt binaries, validation off as scripts/app runs it")
}

// sameTemplates checks, once, that the binary-alone run writes the same
// templates as the CLI run, i.e. that the two paths measure the same work.
// The sources may change under the bench (a shared working tree): on a
// difference it rebuilds the binaries and checks again.
func (b *bench) sameTemplates() {
	for try := 1; ; try++ {
		diff := b.templatesDiffer()
		if diff == "" {
			return
		}
		if try == 2 {
			fatalf("%s differs between the CLI and the binary alone: the binary-alone context is not the CLI's", diff)
		}
		progress("check: %s differs between the CLI and the binary alone; rebuilding (did the sources change?)\n", diff)
		if err := b.build(); err != nil {
			fatalf("%v", err)
		}
	}
}

// templatesDiffer synthesizes the app both ways and names the first
// template that differs, "" when none does.
func (b *bench) templatesDiffer() string {
	for _, c := range []kase{b.cliCase("check cli", ""), b.binCase("check alone", b.bins.app, "CDK_VALIDATION=false")} {
		if _, _, _, err := b.run(c); err != nil {
			fatalf("%v", err)
		}
	}
	a, _ := filepath.Glob(filepath.Join(b.tmp, "out-check-cli", "*.template.json"))
	if len(a) == 0 {
		fatalf("the CLI wrote no template")
	}
	for _, f := range a {
		x, _ := os.ReadFile(f)
		y, err := os.ReadFile(filepath.Join(b.tmp, "out-check-alone", filepath.Base(f)))
		if err != nil || !bytes.Equal(x, y) {
			return filepath.Base(f)
		}
	}
	progress("check: the binary alone writes the same %d templates as `cdk synth`\n", len(a))
	return ""
}

// sectionB: 1, 5 and 10 environments (copies of dev) through configapp.
func (b *bench) sectionB() {
	b.printf("\n## b. 1, 5 and 10 environments (copies of `dev`, 3 stacks each)\n")
	b.printf("\nCLI: `GOLDEN_FLEET_CONFIG=config-N.json cdk synth -q --app \"scripts/app ./cmd/configapp\"`. Alone: the prebuilt configapp binary.\n")
	var cases []kase
	ns := []int{1, 5, 10}
	for _, n := range ns {
		cases = append(cases, b.cliCase(fmt.Sprintf("cli: %d env", n), "scripts/app ./cmd/configapp", "GOLDEN_FLEET_CONFIG="+b.configPath(n)))
	}
	for _, n := range ns {
		cases = append(cases, b.binCase(fmt.Sprintf("alone: %d env", n), b.bins.config, "CDK_VALIDATION=false", "GOLDEN_FLEET_CONFIG="+b.configPath(n)))
	}
	res := b.measure("b", *runs, cases)
	// 10 environments make 30 stacks.
	if got, _ := filepath.Glob(filepath.Join(b.tmp, "out-cli--10-env", "*.template.json")); len(got) != 30 {
		fatalf("10 environments synthesized %d templates, want 30", len(got))
	}
	b.table(cases, res)
	b.printf("| path | 1 env | 5 env | 10 env | slope 1→5 per env | slope 5→10 per env | least-squares fit |\n|---|---:|---:|---:|---:|---:|---|\n")
	var cliRatio ratios
	for _, path := range []string{"cli", "alone"} {
		var y []float64
		for _, n := range ns {
			y = append(y, res[fmt.Sprintf("%s: %d env", path, n)].median())
		}
		fixed, slope := fit(ns, y)
		b.printf("| %s | %.2f s | %.2f s | %.2f s | %.3f s | %.3f s | %.2f s + %.3f s × envs |\n",
			path, y[0], y[1], y[2], (y[1]-y[0])/4, (y[2]-y[1])/5, fixed, slope)
		if path == "cli" {
			cliRatio = compare(res["cli: 10 env"], res["cli: 1 env"])
		}
	}
	b.printf("\n10/1 through the CLI: %s\n\n", cliRatio)
	b.printf("10/1, app binary alone: %s\n\n", compare(res["alone: 10 env"], res["alone: 1 env"]))
	b.printf("Equal slopes 1→5 and 5→10 mean each environment adds the same work (no per-environment fixed cost that grows); the intercept is the fixed cost of any synth.\n")
	b.verdict("b. 10 environments / 1 environment", cliRatio.paired, limitTenOverOne, "median of per-run ratios on the CLI path")
}

// fit is the least-squares line through (x, y): intercept and slope.
func fit(xs []int, ys []float64) (a, s float64) {
	var mx, my float64
	for i := range xs {
		mx += float64(xs[i])
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(ys))
	var num, den float64
	for i := range xs {
		num += (float64(xs[i]) - mx) * (ys[i] - my)
		den += (float64(xs[i]) - mx) * (float64(xs[i]) - mx)
	}
	s = num / den
	return my - s*mx, s
}

// sectionC: the test suite on a warm build cache against one synth.
func (b *bench) sectionC() {
	b.printf("\n## c. `go test -count=1 ./...` (warm build cache) vs one whole-app synth\n\n")
	b.printf("Whatever tests exist at this commit; a failing suite is timed all the same and flagged.\n")
	tests := kase{name: "go test -count=1 ./...", args: []string{"go", "test", "-count=1", "./..."}, mayFail: true, stdout: &bytes.Buffer{}}
	// The same suite with the built-in validation off in every test
	// binary (aws-cdk-lib reads CDK_VALIDATION in-process too): shows
	// what the tests that keep it on cost.
	testsNoValidation := kase{name: "CDK_VALIDATION=false go test -count=1 ./...", args: tests.args, env: []string{"CDK_VALIDATION=false"}, mayFail: true}
	synth := b.cliCase("cli: whole app", "")
	cases := []kase{tests, testsNoValidation, synth}
	res := b.measure("c", *testRuns, cases)
	b.table(cases, res)
	if res[tests.name].failed > 0 {
		b.printf("Note: `go test` exited non-zero in %d of %d runs (the suite is being written; see `go test ./...`).\n",
			res[tests.name].failed, len(res[tests.name].secs))
	}
	b.printf("Time per test package in the last run (packages run in parallel, %d at a time):\n\n", runtime.NumCPU())
	b.printf("| package | result | time |\n|---|---|---:|\n")
	for _, l := range strings.Split(tests.stdout.String(), "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && (f[0] == "ok" || f[0] == "FAIL") && strings.HasSuffix(f[2], "s") {
			pkg := strings.TrimPrefix(f[1], "github.com/immutable-server/golden-fleet")
			if pkg == "" {
				pkg = "(root)"
			}
			b.printf("| %s | %s | %s |\n", pkg, f[0], f[2])
		}
	}
	b.printf("\n")
	ratio := compare(res[tests.name], res[synth.name])
	b.printf("go test / synth: %s\n\n", ratio)
	b.printf("with CDK_VALIDATION=false in every test binary: %s\n\n", compare(res[testsNoValidation.name], res[synth.name]))
	b.verdict("c. go test / whole-app synth", ratio.paired, limitTestOverApp, "judged against the inner-loop `cdk synth -q` (validation off), measured in the same section")
}

// sectionD: validation on and off, cdk-nag.
func (b *bench) sectionD() {
	b.printf("\n## d. Built-in CloudFormation validation, cdk-nag\n")
	b.printf("\nValidation on: `CDK_VALIDATION=true` (what CI and `make test` use); off: the scripts/app default (`CDK_VALIDATION=false`). cdk-nag: cmd/bench/nagapp, the app with the AwsSolutions pack as the tests (stacks/nag_test.go) apply it.\n")
	cases := []kase{
		b.cliCase("cli: validation off", ""),
		b.cliCase("cli: validation on", "", "CDK_VALIDATION=true"),
		b.binCase("alone: validation off", b.bins.app, "CDK_VALIDATION=false"),
		b.binCase("alone: validation on", b.bins.app, "CDK_VALIDATION=true"),
		b.binCase("alone: empty app, validation on", b.bins.empty, "CDK_VALIDATION=true"),
		b.binCase("alone: cdk-nag, validation off", b.bins.nag, "CDK_VALIDATION=false"),
	}
	res := b.measure("d", *runs, cases)
	b.table(cases, res)
	m := func(n string) float64 { return res[n].median() }
	b.printf("validation adds %+.2f s through the CLI (%s) and %+.2f s to the binary alone (%s)\n\n",
		m("cli: validation on")-m("cli: validation off"), compare(res["cli: validation on"], res["cli: validation off"]),
		m("alone: validation on")-m("alone: validation off"), compare(res["alone: validation on"], res["alone: validation off"]))
	b.printf("cdk-nag adds %+.2f s to the binary alone (%s)\n\n",
		m("alone: cdk-nag, validation off")-m("alone: validation off"), compare(res["alone: cdk-nag, validation off"], res["alone: validation off"]))
	b.printf("whole/empty with validation on (alone): %.2f×\n", m("alone: validation on")/m("alone: empty app, validation on"))
}

// sectionCold: a fresh machine's costs, measured in a temporary module and
// build cache so the shared ones are untouched.
func (b *bench) sectionCold() {
	b.printf("\n## cold start\n\n")
	b.printf("Temporary `GOMODCACHE` and `GOCACHE` (the shared caches are untouched); modules come from %s.\n\n", output(b.root, "go", "env", "GOPROXY"))
	modcache := filepath.Join(b.tmp, "gomodcache")
	gocache := filepath.Join(b.tmp, "gocache")
	env := []string{"GOMODCACHE=" + modcache, "GOCACHE=" + gocache, "GOFLAGS=-modcacherw -buildvcs=false"}
	steps := []kase{
		{name: "go mod download (empty module cache)", args: []string{"go", "mod", "download"}, env: env},
		{name: "first go build (empty build cache)", args: []string{"go", "build", "-o", filepath.Join(b.tmp, "cold-app"), "."}, env: env},
		{name: "rebuild, nothing changed", args: []string{"go", "build", "-o", filepath.Join(b.tmp, "cold-app"), "."}, env: env},
	}
	b.printf("| step | time | peak RSS |\n|---|---:|---:|\n")
	for _, s := range steps {
		progress("[cold] %s …\n", s.name)
		secs, _, rss, err := b.run(s)
		if err != nil {
			b.printf("| %s | failed: %v | |\n", s.name, firstLine(err.Error()))
			continue
		}
		b.printf("| %s | %.1f s | %.0f MB |\n", s.name, secs, rss)
	}
	b.printf("\n| on disk | size |\n|---|---:|\n")
	b.printf("| module cache after `go mod download` | %s |\n", du(modcache))
	b.printf("| of which aws-cdk-go/awscdk | %s |\n", du(filepath.Join(modcache, "cache", "download", "github.com", "aws", "aws-cdk-go")))
	b.printf("| build cache after the first build | %s |\n", du(gocache))
	b.printf("| app binary | %s |\n", du(filepath.Join(b.tmp, "cold-app")))
	b.printf("| tools/cdk/node_modules (CLI and Node 22) | %s |\n", du(filepath.Join(b.root, "tools", "cdk", "node_modules")))
	if home, err := os.UserHomeDir(); err == nil {
		b.printf("| jsii package cache (~/.cache/aws/jsii) | %s |\n", du(filepath.Join(home, ".cache", "aws", "jsii")))
	}
	b.printf("\n")
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// du is the disk usage of path, as `du -sk` counts it.
func du(path string) string {
	out, err := exec.Command("du", "-sk", path).Output()
	if err != nil {
		return "n/a"
	}
	kb, err := strconv.ParseFloat(strings.Fields(string(out))[0], 64)
	if err != nil {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MB", kb/1024)
}

// sectionReuse: a second synthesis with nothing changed (stacks/reuse.go
// leaves the assembly in place) against the empty app's synthesis.
func (b *bench) sectionReuse() {
	b.printf("\n## r. An unchanged second synthesis (the cloud assembly reused) vs an empty Go CDK app\n")
	b.printf("\nThe whole app synthesizes once into a fixed output directory (the warm-up); every run after it finds its inputs unchanged and reuses the assembly (stacks/reuse.go). The empty app synthesizes into a fresh directory each run, as in section a.\n")
	reusedCLI := b.cliCase("cli: whole app, nothing changed", "")
	reusedCLI.outdir = "" // kept between runs: that is the point
	reusedBin := b.binCase("alone: whole app, nothing changed", b.bins.app, "CDK_VALIDATION=false")
	reusedBin.outdir = ""
	cases := []kase{
		reusedCLI,
		b.cliCase("cli: empty app", "scripts/app ./cmd/bench/emptyapp"),
		reusedBin,
		b.binCase("alone: empty app", b.bins.empty, "CDK_VALIDATION=false"),
	}
	res := b.measure("r", *runs, cases)
	b.table(cases, res)
	cli := compare(res[reusedCLI.name], res["cli: empty app"])
	alone := compare(res[reusedBin.name], res["alone: empty app"])
	b.printf("reused/empty through the CLI: %s\n\n", cli)
	b.printf("reused/empty, app binary alone: %s\n\n", alone)
	b.verdict("r. unchanged second synth / empty app", cli.paired, limitReusedOverEmpty, "median of per-run ratios on the CLI path `cdk synth -q`")
}

// sectionSuite: make test step by step, each step right after one
// empty-app synthesis (the unit the requirement counts in), the test
// binaries of `go test ./...` and the e2e tests as their output reports
// them.
func (b *bench) sectionSuite() {
	b.printf("\n## suite. `make test`, step by step, in empty-app synths\n\n")
	b.printf("Each step of `make test` runs as `make STEP`, right after one `cdk synth -q` of the empty app (interleaved, %d run(s) of the suite); the ratio is the step's time over the median of the empty-app synths of the same run. `make e2e` runs with `E2E_FLAGS=-v` so that each e2e test reports its time.\n\n", *suiteRuns)
	empty := b.cliCase("cli: empty app", "scripts/app ./cmd/bench/emptyapp")
	steps := strings.Split(*suiteSteps, ",")
	outputs := map[string]*bytes.Buffer{}
	res := map[string]*result{empty.name: {}}
	var cases []kase
	for _, step := range steps {
		c := kase{name: "make " + step, args: []string{"make", step}, mayFail: true, stdout: &bytes.Buffer{}}
		if step == "e2e" {
			c.args = append(c.args, "E2E_FLAGS=-v")
		}
		outputs[step] = c.stdout
		cases = append(cases, c)
		res[c.name] = &result{}
	}
	progress("[suite] warm-up: %s", empty.name)
	if _, _, _, err := b.run(empty); err != nil {
		fatalf("[suite] %s failed:\n%v", empty.name, err)
	}
	progress("\n")
	for i := 1; i <= *suiteRuns; i++ {
		progress("[suite] run %d/%d (load %s):", i, *suiteRuns, loadavg())
		for _, c := range cases {
			for _, k := range []kase{empty, c} {
				s, cpu, rss, err := b.run(k)
				r := res[k.name]
				if err != nil {
					if !k.mayFail {
						fatalf("[suite] %s failed:\n%v", k.name, err)
					}
					r.failed++
				}
				r.secs, r.cpu, r.rssMB = append(r.secs, s), append(r.cpu, cpu), append(r.rssMB, rss)
				progress(" %s %.1fs", k.name, s)
			}
		}
		progress("\n")
	}
	all := append([]kase{empty}, cases...)
	b.table(all, res)
	floor := res[empty.name].median()
	total := 0.0
	b.printf("| step | median | in empty-app synths |\n|---|---:|---:|\n")
	for _, c := range cases {
		m := res[c.name].median()
		total += m
		b.printf("| %s | %.1f s | %.1f |\n", c.name, m, m/floor)
	}
	b.printf("| **make test** (the steps above in a row, `deps` aside) | **%.1f s** | **%.1f** |\n\n", total, total/floor)
	if outputs["unit"] != nil {
		b.unitTable(outputOf(outputs, "unit"))
	}
	if outputs["e2e"] != nil {
		b.e2eTables(outputOf(outputs, "e2e"))
	}
	if *suiteSteps == flag.Lookup("suite-steps").DefValue {
		b.verdict("suite. make test in empty-app synths", total/floor, limitSuiteInSynths, "the steps' medians over the median empty-app `cdk synth -q` of the same runs")
	}
}

// unitTable lists the test binaries of `go test ./...` as its output
// reports them.
func (b *bench) unitTable(out string) {
	b.printf("Test binaries of `make unit` (`go test ./...`; packages run %d at a time; `(cached)` when go test reused a result):\n\n", runtime.NumCPU())
	b.printf("| package | result | time |\n|---|---|---:|\n")
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && (f[0] == "ok" || f[0] == "FAIL") {
			pkg := strings.TrimPrefix(f[1], "github.com/immutable-server/golden-fleet")
			if pkg == "" {
				pkg = "(root)"
			}
			b.printf("| %s | %s | %s |\n", pkg, f[0], strings.Join(f[2:], " "))
		}
	}
}

// e2eTables lists the e2e tests and the harness's timed steps from the
// output of `make e2e E2E_FLAGS=-v`.
func (b *bench) e2eTables(out string) {
	b.printf("\nThe e2e tests (`go test -v` of ./e2e/ and ./badinput/; subtests indented):\n\n| test | result | time |\n|---|---|---:|\n")
	for _, l := range strings.Split(out, "\n") {
		t := strings.TrimLeft(l, " ")
		if !strings.HasPrefix(t, "--- PASS: ") && !strings.HasPrefix(t, "--- FAIL: ") && !strings.HasPrefix(t, "--- SKIP: ") {
			continue
		}
		f := strings.Fields(t)
		if len(f) < 4 {
			continue
		}
		indent := strings.Repeat("  ", (len(l)-len(t))/4)
		name := f[2][strings.LastIndex(f[2], "/")+1:]
		b.printf("| %s%s | %s | %s |\n", strings.ReplaceAll(indent, " ", "&nbsp;"), name, strings.TrimSuffix(f[1], ":"), strings.Trim(f[3], "()"))
	}
	b.printf("\nThe e2e harness's own steps (its log lines with a duration: builds, bootstrap, deploys):\n\n| step | time |\n|---|---:|\n")
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "e2e ") || !strings.HasSuffix(l, "s)") {
			continue
		}
		open := strings.LastIndex(l, " (")
		_, what, _ := strings.Cut(l[:open], ": ")
		if len(what) > 110 {
			what = what[:110] + "…"
		}
		b.printf("| `%s` | %s |\n", strings.ReplaceAll(what, "|", "\\|"), strings.Trim(l[open+1:], "()"))
	}
	b.printf("\n")
}

// outputOf is the standard output of a make step, "" when it did not run.
func outputOf(outputs map[string]*bytes.Buffer, step string) string {
	if o := outputs[step]; o != nil {
		return o.String()
	}
	return ""
}
