//go:build e2e

package badinput

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/config"
)

// reusedMessage is what the app prints when it leaves the assembly in
// place (stacks/reuse.go).
const reusedMessage = "nothing changed since the last synthesis"

// An unchanged second synthesis reuses the cloud assembly; a change to any
// input of the synthesis synthesizes again, and a synthesis of the changed
// input that follows reuses the new assembly. Each input is changed in
// turn: the configuration, a component document, the CDK context, the
// environment, the app binary, and the assembly itself. The app binary
// runs as the CLI runs it (CDK_OUTDIR, CDK_CONTEXT_JSON with cdk.json's
// context), then once through the real `cdk synth`.
//
// It is long because it is one sequence: each step changes one input and
// starts from the assembly the step before left.
func TestAnUnchangedSynthesisReusesTheAssemblyAndEveryChangedInputSynthesizesAgain(t *testing.T) {
	dir := t.TempDir()
	app := filepath.Join(dir, "app")
	other := filepath.Join(dir, "app-other")
	for bin, ldflags := range map[string]string{app: "", other: "-X=main.reuseTestBuild=other"} {
		if out, err := exec.Command("go", "build", "-ldflags="+ldflags, "-o", bin, filepath.Join(root, "cmd", "configapp")).CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	comps := filepath.Join(dir, "components")
	if err := os.CopyFS(comps, os.DirFS(filepath.Join(root, "components"))); err != nil {
		t.Fatal(err)
	}
	cdkContext, err := config.CDKJSONContext(filepath.Join(root, "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := devOnly()
	in := struct {
		bin   string
		cfg   config.App
		ctx   config.Context
		extra []string
	}{app, cfg, cdkContext, nil}
	out := filepath.Join(dir, "cdk.out")
	configFile := filepath.Join(dir, "config.json")
	names := config.Names{Prefix: cfg.Prefix, Env: cfg.Environments[0].Name}
	fleetTemplate := filepath.Join(out, names.Stack(config.FleetStack)+".template.json")

	run := func(t *testing.T) (reused bool, template []byte) {
		t.Helper()
		data, err := json.Marshal(in.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(configFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, err := json.Marshal(in.ctx)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(in.bin)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CDK_OUTDIR="+out, "CDK_CONTEXT_JSON="+string(ctx), "CDK_VALIDATION=false",
			"GOLDEN_FLEET_CONFIG="+configFile, "GOLDEN_FLEET_COMPONENTS="+comps, "GOLDEN_FLEET_REUSE=")
		cmd.Env = append(cmd.Env, in.extra...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("the app failed: %v\n%s", err, stderr.String())
		}
		template, err = os.ReadFile(fleetTemplate)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Contains(stderr.String(), reusedMessage), template
	}
	// synthesizedAgain runs the app twice with the inputs as they are now:
	// the first run must synthesize, the second reuse what it wrote.
	synthesizedAgain := func(t *testing.T) []byte {
		t.Helper()
		reused, template := run(t)
		if reused {
			t.Fatalf("the app reused the assembly after the change")
		}
		if again, second := run(t); !again || !bytes.Equal(second, template) {
			t.Errorf("an unchanged second run: reused %v, same template %v; want the assembly reused", again, bytes.Equal(second, template))
		}
		return template
	}

	base := synthesizedAgain(t)
	changed := base
	// before is the fleet template before the current step's change.
	var before func(*testing.T) []byte
	for _, step := range []struct {
		input  string
		change func()
		// check the fleet template after the change; nil: it must be
		// the one before
		check func(t *testing.T, template []byte)
	}{
		{"the configuration", func() {
			in.cfg.Environments = append([]config.Environment(nil), in.cfg.Environments...)
			in.cfg.Environments[0].Fleet.InstanceType = "t3.small"
		}, func(t *testing.T, template []byte) {
			if !bytes.Contains(template, []byte(`"t3.small"`)) {
				t.Errorf("the fleet template does not carry the new instance type t3.small")
			}
		}},
		{"a component document", func() {
			f := filepath.Join(comps, "web-server.yaml")
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f, append(data, []byte("# reuse test: a changed component\n")...), 0o644); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, fleet []byte) {
			if !bytes.Equal(fleet, before(t)) {
				t.Errorf("the fleet template changed, and only a component document did")
			}
			factory, err := os.ReadFile(filepath.Join(out, names.Stack(config.ImageFactoryStack)+".template.json"))
			if err != nil || !bytes.Contains(factory, []byte("reuse test: a changed component")) {
				t.Errorf("the image factory template lacks the changed component document (%v)", err)
			}
		}},
		{"the CDK context", func() {
			ctx := config.Context{}
			for k, v := range in.ctx {
				ctx[k] = v
			}
			ctx["golden-fleet:reuse-test"] = "changed"
			in.ctx = ctx
		}, nil},
		{"the environment", func() { in.extra = append(in.extra, "GOLDEN_FLEET_REUSE_TEST=changed") }, nil},
		{"the app binary", func() { in.bin = other }, nil},
		{"the assembly itself", func() {
			if err := os.WriteFile(fleetTemplate, []byte("{}"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, nil},
	} {
		t.Run(step.input, func(t *testing.T) {
			previous := changed
			before = func(*testing.T) []byte { return previous }
			step.change()
			template := synthesizedAgain(t)
			if step.check != nil {
				step.check(t, template)
			} else if !bytes.Equal(template, previous) {
				t.Errorf("the fleet template changed, and only %s did", step.input)
			}
			changed = template
		})
	}
	if bytes.Equal(base, changed) {
		t.Errorf("the fleet template after every change is the one before them: the changes did not reach the synthesis, so the test proves nothing")
	}

	// The same through the real CLI and cdk.json's app (scripts/app, the
	// default configuration): a first `cdk synth` synthesizes, an
	// unchanged second one reuses the assembly.
	cli := func() (int, string) {
		cmd := exec.Command(filepath.Join(root, "tools", "cdk", "node_modules", ".bin", "cdk"), "synth", "--quiet", "-o", filepath.Join(dir, "cli.out"))
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "PATH="+filepath.Join(root, "tools", "cdk", "node_modules", ".bin")+string(os.PathListSeparator)+os.Getenv("PATH"), "GOLDEN_FLEET_REUSE=")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if exit, ok := err.(*exec.ExitError); ok {
			return exit.ExitCode(), stderr.String()
		} else if err != nil {
			t.Fatalf("cdk synth did not run: %v", err)
		}
		return 0, stderr.String()
	}
	exit1, stderr1 := cli()
	exit2, stderr2 := cli()
	if exit1 != 0 || exit2 != 0 || strings.Contains(stderr1, reusedMessage) || !strings.Contains(stderr2, reusedMessage) {
		t.Errorf("cdk synth twice: exit %d then %d; want the first to synthesize and the second to say %q:\n%s\n%s", exit1, exit2, reusedMessage, stderr1, stderr2)
	}
}
