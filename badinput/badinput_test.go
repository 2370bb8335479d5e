//go:build e2e

package badinput

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/config"
)

// root is the module's root directory.
var root = func() string {
	dir, err := filepath.Abs("..")
	if err != nil {
		panic(err)
	}
	return dir
}()

// devOnly is the default configuration reduced to its dev environment.
func devOnly() config.App {
	app := config.Default()
	// By name, not position; as written (App.Environment would apply the
	// defaults, which the tests here must see applied by the app).
	for _, e := range app.Environments {
		if e.Name == "dev" {
			app.Environments = []config.Environment{e}
			return app
		}
	}
	panic("config.Default() has no dev environment")
}

// synthResult is what one `cdk synth` run left behind.
type synthResult struct {
	exitCode       int
	stdout, stderr string
	outDir         string
}

// synth runs the real CDK CLI on cmd/configapp with cfg (and, when
// componentsDir is not empty, the component documents in it), writing to
// a fresh output directory.
func synth(t *testing.T, cfg any, componentsDir string) synthResult {
	t.Helper()
	return synthInto(t, filepath.Join(t.TempDir(), "cdk.out"), cfg, componentsDir)
}

// synthInto is synth writing to out, with extra environment variables.
func synthInto(t *testing.T, out string, cfg any, componentsDir string, env ...string) synthResult {
	t.Helper()
	cdk := filepath.Join(root, "tools", "cdk", "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		t.Fatalf("the pinned CDK CLI is missing (%v): run `cd tools/cdk && npm ci`", err)
	}
	dir := t.TempDir()
	configFile := filepath.Join(dir, "config.json")
	var data []byte
	switch c := cfg.(type) {
	case string:
		data = []byte(c)
	default:
		var err error
		if data, err = json.Marshal(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(configFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cdk, "synth", "--quiet", "--app", "go run ./cmd/configapp", "-o", out)
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"PATH="+filepath.Join(root, "tools", "cdk", "node_modules", ".bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GOLDEN_FLEET_CONFIG="+configFile,
		"GOLDEN_FLEET_COMPONENTS="+componentsDir,
		"CDK_DISABLE_VERSION_CHECK=1",
	)
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := synthResult{stdout: stdout.String(), stderr: stderr.String(), outDir: out}
	if exit, ok := err.(*exec.ExitError); ok {
		r.exitCode = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("cdk synth did not run: %v", err)
	}
	return r
}

// traces are signs of a crash rather than a message for a person: a Go
// panic or goroutine dump, a jsii error, a JavaScript stack frame.
var traces = regexp.MustCompile(`(?m)panic:|^goroutine \d+ \[|jsii|^\s+at .+[(:]\d+|\.go:\d+ \+0x`)

// wantCleanFailure checks that synth failed with every one of messages on
// stderr, no trace anywhere and no template written.
func wantCleanFailure(t *testing.T, r synthResult, messages ...string) {
	t.Helper()
	if r.exitCode == 0 {
		t.Errorf("cdk synth exited 0, want a failure")
	}
	for _, m := range messages {
		if !strings.Contains(r.stderr, m) {
			t.Errorf("stderr lacks %q", m)
		}
	}
	for name, text := range map[string]string{"stdout": r.stdout, "stderr": r.stderr} {
		if loc := traces.FindStringIndex(text); loc != nil {
			t.Errorf("%s has a trace at %q", name, text[loc[0]:min(loc[1]+80, len(text))])
		}
	}
	templates, _ := filepath.Glob(filepath.Join(r.outDir, "*.template.json"))
	manifest, _ := filepath.Glob(filepath.Join(r.outDir, "manifest.json"))
	if len(templates)+len(manifest) > 0 {
		t.Errorf("the output directory holds a partial assembly: %v %v", templates, manifest)
	}
	if t.Failed() {
		t.Logf("exit %d\nstdout:\n%s\nstderr:\n%s", r.exitCode, r.stdout, r.stderr)
	}
}

func TestAValidConfigurationSynthesizes(t *testing.T) {
	r := synth(t, devOnly(), "")
	if r.exitCode != 0 {
		t.Fatalf("cdk synth exited %d:\n%s", r.exitCode, r.stderr)
	}
	templates, _ := filepath.Glob(filepath.Join(r.outDir, "*.template.json"))
	if len(templates) != 3 {
		t.Errorf("got templates %v, want the dev network, fleet and image factory", templates)
	}
}

func TestBadConfigValuesFailWithEveryProblemAndNoTemplate(t *testing.T) {
	app := devOnly()
	app.Environments[0].Account = "12345"
	app.Environments[0].Fleet.MinCapacity = 5
	wantCleanFailure(t, synth(t, app, ""),
		"the configuration is invalid (3 problems); nothing was synthesized",
		`Environments[dev].Account: got "12345": want a 12-digit AWS account id`,
		"Environments[dev].Fleet.MinCapacity: got 5, more than MaxCapacity 3: want MinCapacity <= MaxCapacity",
		"Environments[dev].Fleet.DesiredCapacity: got 2: want at least 1 and within [MinCapacity 5, MaxCapacity 3]",
	)
}

func TestABadCronFailsWithTheFieldAndTheForm(t *testing.T) {
	app := devOnly()
	app.Environments[0].Image.Schedule = "cron(0 3 * * MON)"
	wantCleanFailure(t, synth(t, app, ""),
		`Environments[dev].Image.Schedule: got "cron(0 3 * * MON)" with 5 fields: want six, cron(minutes hours day-of-month month day-of-week year)`,
	)
}

func TestARateScheduleFailsSayingCronIsRequired(t *testing.T) {
	app := devOnly()
	app.Environments[0].Image.Schedule = "rate(7 days)"
	wantCleanFailure(t, synth(t, app, ""),
		`Environments[dev].Image.Schedule: got "rate(7 days)": want cron(`,
		"Image Builder pipelines take no rate() or at() expression",
	)
}

func TestABrokenComponentFileFailsNamingTheFileAndTheProblem(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"web-server.yaml", "web-server-test.yaml"} {
		data, err := os.ReadFile(filepath.Join(root, "components", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	broken := "name: os-hardening\ndescription: Broken.\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Update\n        action: UpdateOs\n"
	if err := os.WriteFile(filepath.Join(dir, "os-hardening.yaml"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	wantCleanFailure(t, synth(t, devOnly(), dir),
		`Environments[dev].Image.Components[0]: got "os-hardening": components/os-hardening.yaml: phases[0].steps[0].action: got "UpdateOs": want one of the AWSTOE action modules`,
	)
}

func TestAComponentFileThatIsNotYAMLFails(t *testing.T) {
	dir := t.TempDir()
	// Every shipped component, web-server's broken.
	shipped, err := filepath.Glob(filepath.Join(root, "components", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range shipped {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(file)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "web-server.yaml"), []byte("name: web-server\nphases: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := devOnly()
	at := slices.Index(cfg.Environments[0].Image.Components, "web-server")
	if at < 0 {
		t.Fatal("the dev environment has no web-server component")
	}
	wantCleanFailure(t, synth(t, cfg, dir),
		fmt.Sprintf(`Environments[dev].Image.Components[%d]: got "web-server": components/web-server.yaml: document is not valid YAML`, at),
	)
}

func TestAConfigurationThatIsNotJSONFails(t *testing.T) {
	wantCleanFailure(t, synth(t, `{"Prefix": "golden-fleet", "Environments": [`, ""),
		"is not a JSON config.App",
	)
}

// The trace detector itself: it must recognise what a crash prints, and
// not the clean messages above.
func TestTheTraceDetectorRecognisesCrashes(t *testing.T) {
	for _, crash := range []string{
		"panic: runtime error: index out of range [0] with length 0\n\ngoroutine 1 [running]:\nmain.main()\n\t/work/main/main.go:12 +0x1d",
		"panic: ValidationError: ...",
		"@jsii/kernel.RuntimeError: Error: Resolution error",
		"Error: boom\n    at Object.<anonymous> (/tmp/app.js:3:7)\n    at Module._compile (node:internal/modules/cjs/loader:1364:14)",
	} {
		if !traces.MatchString(crash) {
			t.Errorf("not recognised as a crash: %q", crash)
		}
	}
	clean := "golden-fleet: the configuration is invalid (1 problem); nothing was synthesized:\n  - Environments[dev].Image.Schedule: got \"rate(1 day)\": want cron(...)\nexit status 1\ngo run ./cmd/configapp: Subprocess exited with error 1\n"
	if traces.MatchString(clean) {
		t.Errorf("a clean failure taken for a crash: %q", clean)
	}
}

func TestAMisspeltFieldFailsInsteadOfFallingBackToADefault(t *testing.T) {
	data, err := json.Marshal(devOnly())
	if err != nil {
		t.Fatal(err)
	}
	misspelt := strings.Replace(string(data), `"MinCapacity"`, `"MinCapcity"`, 1)
	if misspelt == string(data) {
		t.Fatal("no MinCapacity field to misspell")
	}
	wantCleanFailure(t, synth(t, misspelt, ""),
		`is not a JSON config.App (1 problem); nothing was synthesized`,
		`Environments[0].Fleet: got unknown field "MinCapcity" at line 1, column`,
		`want one of the fields of config.Fleet: InstanceType, MinCapacity,`)
}

// A tag value the CloudFormation schema of an alarm and a state machine
// refuses (empty) stops the synth at validation, naming the tag, instead
// of failing after synthesis by construct path (issue 16).
func TestATagValueTheResourceSchemasRefuseFailsNamingTheTag(t *testing.T) {
	app := devOnly()
	app.Environments[0].Tags["owner"] = ""
	wantCleanFailure(t, synth(t, app, ""),
		"the configuration is invalid",
		`Environments[dev].Tags["owner"]: got value "": want at least 1 character, what the CloudFormation schema of AWS::CloudWatch::Alarm Tags.*.Value`,
	)
}
