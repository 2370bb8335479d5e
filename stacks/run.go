package stacks

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/config"
)

// Run is what the app's main does: read the CDK context the CLI passed,
// validate cfg (component documents and availability zones included)
// before jsii starts, then build every stack and synthesize the cloud
// assembly (Synthesize). A validation failure returns an error listing
// every problem; then, as after any failed synthesis, the output
// directory holds no assembly.
func Run(cfg config.App, docs components.Source) error {
	cdkContext, err := config.CLIContext()
	if err != nil {
		return fmt.Errorf("golden-fleet: the CDK context is unreadable: %w", err)
	}
	outdir := os.Getenv(OutdirEnv)
	valid, err := config.Validate(cfg, docs, cdkContext)
	if err != nil {
		return errors.Join(Invalid(err), clearAssembly(outdir))
	}
	// Nothing changed since the assembly in outdir was synthesized: it is
	// the one this synthesis would write (reuse.go).
	key, reuse := "", false
	if outdir != "" {
		if key, reuse = reuseKey(cfg, docs, cdkContext); reuse && reusable(outdir, key) {
			fmt.Fprintf(os.Stderr, "golden-fleet: nothing changed since the last synthesis: the cloud assembly in %s is reused\n", outdir)
			return nil
		}
	}
	err = Synthesize(outdir, func(app awscdk.App) error {
		if _, err := Build(app, valid, docs); err != nil {
			return fmt.Errorf("golden-fleet: %w; nothing was synthesized", err)
		}
		return nil
	})
	if err == nil && reuse {
		stampAssembly(outdir, key)
	}
	return err
}

// Invalid formats validation problems one per line, for a person.
func Invalid(err error) error {
	return Report("the configuration is invalid", strings.Split(err.Error(), "\n"))
}

// Report formats problems that stopped the synthesis, one per line, for a
// person: "golden-fleet: <what> (<n> problems); nothing was synthesized:".
func Report(what string, problems []string) error {
	count := fmt.Sprintf("%d problems", len(problems))
	if len(problems) == 1 {
		count = "1 problem"
	}
	return fmt.Errorf("golden-fleet: %s (%s); nothing was synthesized:\n  - %s",
		what, count, strings.Join(problems, "\n  - "))
}

// OutdirEnv is where the CDK CLI tells the app to write the cloud
// assembly (aws-cdk's cx-api OUTDIR_ENV).
const OutdirEnv = "CDK_OUTDIR"

// stagingPrefix starts the directories Synthesize synthesizes into.
const stagingPrefix = ".golden-fleet-staging-"

// Synthesize builds an app with build and synthesizes it into outdir,
// all or nothing: the assembly is written into a staging directory inside
// outdir and moved into place only when the synthesis succeeded (CDK's
// built-in CloudFormation validation included). After a failure outdir
// holds no assembly, neither a partial one nor an earlier one, so the CLI
// never reports a template or a validation report (validation-report.json)
// that the current input did not produce. CDK CLI lock files and anything
// else that is not part of an assembly are left alone.
//
// An empty outdir (the app run without the CLI) lets CDK pick a temporary
// directory, as awscdk.NewApp(nil) does. A build that fails writes
// nothing. Synthesize closes jsii.
func Synthesize(outdir string, build func(app awscdk.App) error) (err error) {
	defer jsii.Close()
	if outdir == "" {
		app := awscdk.NewApp(nil)
		if err := build(app); err != nil {
			return err
		}
		return synth(app, "")
	}
	if outdir, err = filepath.Abs(outdir); err != nil {
		return fmt.Errorf("golden-fleet: output directory: %w", err)
	}
	if err := os.MkdirAll(outdir, 0o755); err != nil {
		return fmt.Errorf("golden-fleet: output directory: %w", err)
	}
	// Staging directories of runs that were killed. The CLI holds its
	// synth lock on outdir: no other synthesis is writing here.
	if old, _ := filepath.Glob(filepath.Join(outdir, stagingPrefix+"*")); len(old) > 0 {
		for _, dir := range old {
			os.RemoveAll(dir)
		}
	}
	staging, err := os.MkdirTemp(outdir, stagingPrefix)
	if err != nil {
		return fmt.Errorf("golden-fleet: output directory: %w", err)
	}
	defer os.RemoveAll(staging)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(staging)})
	if err := build(app); err != nil {
		return errors.Join(err, clearAssembly(outdir))
	}
	if err := synth(app, staging); err != nil {
		return errors.Join(err, clearAssembly(outdir))
	}
	if err := clearAssembly(outdir); err != nil {
		return err
	}
	entries, err := os.ReadDir(staging)
	if err != nil {
		return fmt.Errorf("golden-fleet: the synthesized assembly: %w", err)
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(staging, e.Name()), filepath.Join(outdir, e.Name())); err != nil {
			return errors.Join(fmt.Errorf("golden-fleet: moving the assembly into place: %w", err), clearAssembly(outdir))
		}
	}
	return nil
}

// synth runs app.Synth and turns its failure (a panic through jsii, or a
// validation report that concludes "failure") into an error for a person.
func synth(app awscdk.App, dir string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = synthFailure(dir, fmt.Sprint(r))
		}
	}()
	app.Synth(nil)
	if dir != "" {
		if problems := validationFailures(dir); len(problems) > 0 {
			return Report("CloudFormation validation failed", problems)
		}
	}
	return nil
}

// synthFailure explains a panic of app.Synth: the failed rules of the
// built-in CloudFormation validation when it wrote its report, else the
// first line of the panic, without the staging directory's path.
func synthFailure(dir, panicked string) error {
	if dir != "" {
		if problems := validationFailures(dir); len(problems) > 0 {
			return Report("CloudFormation validation failed", problems)
		}
	}
	first, _, _ := strings.Cut(panicked, "\n")
	if dir != "" {
		first = strings.ReplaceAll(first, dir, "<output directory>")
	}
	return Report("the synthesis failed", []string{first})
}

// validationFailures lists the violations of a validation report in dir
// whose plugins concluded "failure", one line each.
func validationFailures(dir string) []string {
	data, err := os.ReadFile(filepath.Join(dir, "validation-report.json"))
	if err != nil {
		return nil
	}
	var r struct {
		PluginReports []struct {
			PluginName string `json:"pluginName"`
			Conclusion string `json:"conclusion"`
			Violations []struct {
				RuleName           string `json:"ruleName"`
				Description        string `json:"description"`
				ViolatingConstruct []struct {
					ConstructPath string `json:"constructPath"`
				} `json:"violatingConstructs"`
			} `json:"violations"`
		} `json:"pluginReports"`
	}
	if json.Unmarshal(data, &r) != nil {
		return []string{"validation-report.json: unreadable"}
	}
	var out []string
	for _, p := range r.PluginReports {
		if p.Conclusion != "failure" {
			continue
		}
		for _, v := range p.Violations {
			where := make([]string, 0, len(v.ViolatingConstruct))
			for _, c := range v.ViolatingConstruct {
				where = append(where, c.ConstructPath)
			}
			out = append(out, fmt.Sprintf("%s: %s (%s %s)", strings.Join(where, ", "), v.Description, p.PluginName, v.RuleName))
		}
		if len(p.Violations) == 0 {
			out = append(out, fmt.Sprintf("%s concluded failure", p.PluginName))
		}
	}
	return out
}

// assemblyFiles match what a synthesis writes at the top of its output
// directory.
var assemblyFiles = []string{
	"manifest.json", "tree.json", "cdk.out", "validation-report.json", "policy-validation-report.json",
	"*.template.json", "*.assets.json", "*.metadata.json", "asset.*", "assembly-*",
	reuseStamp, reuseStamp + ".tmp",
}

// clearAssembly removes a cloud assembly from dir: the files in
// assemblyFiles, nothing else.
func clearAssembly(dir string) error {
	if dir == "" {
		return nil
	}
	var errs []error
	for _, pattern := range assemblyFiles {
		matches, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, m := range matches {
			if err := os.RemoveAll(m); err != nil {
				errs = append(errs, fmt.Errorf("golden-fleet: removing the earlier assembly: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}
