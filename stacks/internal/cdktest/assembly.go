// Package cdktest reads a synthesized cloud assembly back for tests: each
// stack's template (as written and parsed), its dependencies, cdk-nag's
// report and the construct annotations, and gives the tests one way to
// list and inspect resources (Resources, RequireResources, OnlyResource,
// ValueAt).
//
// It does not import the CDK, so it costs no jsii start and no CDK link:
// the package whose tests synthesize (stacks) starts jsii itself, once. It
// lives under stacks/ because `go test ./...` links test binaries in
// import-path order: here, its own small test binary comes after the
// stacks one, whose run is the longest of the suite (measured in
// BENCHMARKS.md).
package cdktest

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Assembly is what the tests need of a cloud assembly: each stack's
// template, and the annotations attached to its constructs.
type Assembly struct {
	// Stacks, sorted by name.
	Stacks []Stack
	// Messages are the error, warning and info annotations, from the
	// manifest and from the validation report (where the
	// @aws-cdk/core:annotationsInValidationReport flag moves them),
	// sorted by construct path.
	Messages []Message
}

// Stack is one stack artifact of the assembly.
type Stack struct {
	Name string
	// Raw is the template file as written; Template is it parsed.
	Raw      []byte
	Template map[string]any
	// Dependencies are the artifacts the stack depends on.
	Dependencies []string
	// NagReport is cdk-nag's report of the stack, one row per rule and
	// resource; nil when cdk-nag wrote none.
	NagReport []NagRow
}

// NagRow is one line of a cdk-nag report.
type NagRow struct {
	Rule, Resource, Compliance, Level string
}

// Message is one annotation: level "error", "warning" or "info", the
// construct path it is attached to and its text.
type Message struct {
	Level, Path, Text string
}

// Stack returns the stack called name.
func (a *Assembly) Stack(name string) (Stack, bool) {
	i := slices.IndexFunc(a.Stacks, func(s Stack) bool { return s.Name == name })
	if i < 0 {
		return Stack{}, false
	}
	return a.Stacks[i], true
}

// StacksEndingWith returns the stacks whose name ends with suffix; every
// stack for an empty suffix.
func (a *Assembly) StacksEndingWith(suffix string) []Stack {
	var out []Stack
	for _, s := range a.Stacks {
		if strings.HasSuffix(s.Name, suffix) {
			out = append(out, s)
		}
	}
	return out
}

// ReadAssembly reads the cloud assembly in dir: the manifest, every
// stack's template and cdk-nag report, and the validation report.
func ReadAssembly(dir string) (*Assembly, error) {
	var manifest struct {
		Artifacts map[string]struct {
			Type         string   `json:"type"`
			Dependencies []string `json:"dependencies"`
			Properties   struct {
				TemplateFile string `json:"templateFile"`
			} `json:"properties"`
			Metadata map[string][]struct {
				Type string `json:"type"`
				Data any    `json:"data"`
			} `json:"metadata"`
		} `json:"artifacts"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	var a Assembly
	for name, art := range manifest.Artifacts {
		if art.Type != "aws:cloudformation:stack" {
			continue
		}
		s := Stack{Name: name, Dependencies: art.Dependencies}
		if s.Raw, err = os.ReadFile(filepath.Join(dir, art.Properties.TemplateFile)); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(s.Raw, &s.Template); err != nil {
			return nil, fmt.Errorf("%s: %w", art.Properties.TemplateFile, err)
		}
		for path, entries := range art.Metadata {
			for _, e := range entries {
				switch e.Type {
				case "aws:cdk:error", "aws:cdk:warning", "aws:cdk:info":
					a.Messages = append(a.Messages, Message{Level: strings.TrimPrefix(e.Type, "aws:cdk:"), Path: strings.TrimPrefix(path, "/"), Text: fmt.Sprint(e.Data)})
				}
			}
		}
		if s.NagReport, err = readNagReport(dir, name); err != nil {
			return nil, err
		}
		a.Stacks = append(a.Stacks, s)
	}
	reported, err := readValidationReport(filepath.Join(dir, "validation-report.json"))
	if err != nil {
		return nil, err
	}
	a.Messages = append(a.Messages, reported...)
	sort.Slice(a.Messages, func(i, j int) bool {
		x, y := a.Messages[i], a.Messages[j]
		if x.Path != y.Path {
			return x.Path < y.Path
		}
		return x.Text < y.Text
	})
	a.Messages = slices.Compact(a.Messages)
	sort.Slice(a.Stacks, func(i, j int) bool { return a.Stacks[i].Name < a.Stacks[j].Name })
	if len(a.Stacks) == 0 {
		return nil, fmt.Errorf("%s: no stack in the cloud assembly", dir)
	}
	return &a, nil
}

// readNagReport reads the CSV report cdk-nag wrote for stack, nil if none.
func readNagReport(dir, stack string) ([]NagRow, error) {
	// The file is AwsSolutions-<stage>-<stack>-NagReport.csv; the app's
	// stage name is empty.
	file := filepath.Join(dir, "AwsSolutions--"+stack+"-NagReport.csv")
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var rows []NagRow
	for i, r := range records {
		if i == 0 || len(r) < 5 { // header
			continue
		}
		rows = append(rows, NagRow{Rule: r[0], Resource: r[1], Compliance: r[2], Level: r[4]})
	}
	return rows, nil
}

// readValidationReport returns the construct annotations listed in the
// validation report, if synthesis wrote one.
func readValidationReport(file string) ([]Message, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var report struct {
		PluginReports []struct {
			Violations []struct {
				Description  string            `json:"description"`
				Severity     string            `json:"severity"`
				RuleMetadata map[string]string `json:"ruleMetadata"`
				Constructs   []struct {
					Path string `json:"constructPath"`
				} `json:"violatingConstructs"`
			} `json:"violations"`
		} `json:"pluginReports"`
	}
	if err := json.Unmarshal(data, &report); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var out []Message
	for _, p := range report.PluginReports {
		for _, v := range p.Violations {
			if v.RuleMetadata["cdk:annotation"] != "true" {
				// CloudFormation validation findings: cfn-lint's job
				// (scripts/cfn-lint), and any error fails synthesis.
				continue
			}
			for _, c := range v.Constructs {
				out = append(out, Message{Level: v.Severity, Path: c.Path, Text: strings.TrimSpace(v.Description)})
			}
		}
	}
	return out, nil
}
