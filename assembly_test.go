package main

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

// assembled is the cloud assembly of the one synthesis this test binary
// makes (see main_test.go), as read back from disk: every stack's template
// and the annotations, cdk-nag's included.
var assembled *assembly

// assembly is what the tests need of a cloud assembly: each stack's
// template, and the annotations attached to its constructs.
type assembly struct {
	Stacks []stackArtifact
	// Messages are the error and warning annotations, from the manifest
	// and from the validation report (where the
	// @aws-cdk/core:annotationsInValidationReport flag moves them).
	Messages []message
}

type stackArtifact struct {
	Name string
	// Raw is the template file as written; Template is it parsed.
	Raw      []byte
	Template map[string]interface{}
	// Dependencies are the artifacts the stack depends on.
	Dependencies []string
	// NagReport is cdk-nag's report of the stack, one row per rule and
	// resource; nil when cdk-nag wrote none.
	NagReport []nagRow
}

// nagRow is one line of a cdk-nag report.
type nagRow struct {
	Rule, Resource, Compliance, Level string
}

// message is one annotation: level "error", "warning" or "info", the
// construct path it is attached to and its text.
type message struct {
	Level, Path, Text string
}

func readAssembly(dir string) (*assembly, error) {
	var manifest struct {
		Artifacts map[string]struct {
			Type         string   `json:"type"`
			Dependencies []string `json:"dependencies"`
			Properties   struct {
				TemplateFile string `json:"templateFile"`
			} `json:"properties"`
			Metadata map[string][]struct {
				Type string      `json:"type"`
				Data interface{} `json:"data"`
			} `json:"metadata"`
		} `json:"artifacts"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		return nil, err
	}
	var a assembly
	for name, art := range manifest.Artifacts {
		if art.Type != "aws:cloudformation:stack" {
			continue
		}
		s := stackArtifact{Name: name, Dependencies: art.Dependencies}
		raw, err := os.ReadFile(filepath.Join(dir, art.Properties.TemplateFile))
		if err != nil {
			return nil, err
		}
		s.Raw = raw
		if err := json.Unmarshal(raw, &s.Template); err != nil {
			return nil, fmt.Errorf("%s: %w", art.Properties.TemplateFile, err)
		}
		for path, entries := range art.Metadata {
			for _, e := range entries {
				switch e.Type {
				case "aws:cdk:error", "aws:cdk:warning", "aws:cdk:info":
					a.Messages = append(a.Messages, message{Level: strings.TrimPrefix(e.Type, "aws:cdk:"), Path: strings.TrimPrefix(path, "/"), Text: fmt.Sprint(e.Data)})
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
func readNagReport(dir, stack string) ([]nagRow, error) {
	// The file is AwsSolutions-<stage>-<stack>-NagReport.csv; the app's
	// stage name is empty.
	path := filepath.Join(dir, "AwsSolutions--"+stack+"-NagReport.csv")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var rows []nagRow
	for i, r := range records {
		if i == 0 || len(r) < 5 { // header
			continue
		}
		rows = append(rows, nagRow{Rule: r[0], Resource: r[1], Compliance: r[2], Level: r[4]})
	}
	return rows, nil
}

// readValidationReport returns the construct annotations listed in the
// validation report, if synthesis wrote one.
func readValidationReport(path string) ([]message, error) {
	data, err := os.ReadFile(path)
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
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []message
	for _, p := range report.PluginReports {
		for _, v := range p.Violations {
			if v.RuleMetadata["cdk:annotation"] != "true" {
				// CloudFormation validation findings: cfn-lint's job
				// (scripts/cfn-lint), and any error fails synthesis.
				continue
			}
			for _, c := range v.Constructs {
				out = append(out, message{Level: v.Severity, Path: c.Path, Text: strings.TrimSpace(v.Description)})
			}
		}
	}
	return out, nil
}
