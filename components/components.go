// Package components holds the project's own Image Builder component
// documents (AWSTOE YAML), embedded in the binary so that synthesis never
// reads files relative to the working directory, and checks them.
package components

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed *.yaml
var embedded embed.FS

// MaxDocumentBytes is the largest document CloudFormation accepts in
// AWS::ImageBuilder::Component Data.
const MaxDocumentBytes = 16000

// Kind says in which part of a recipe a component may appear.
type Kind string

const (
	// Build components run while the image is built (phases build and
	// validate).
	Build Kind = "BUILD"
	// Test components run on an instance launched from the new image
	// (phase test only).
	Test Kind = "TEST"
)

// Document is one parsed and checked component document.
type Document struct {
	// Name is the file name without ".yaml"; config refers to it.
	Name string
	// Description from the document's description field.
	Description string
	// Kind is Test when the only phase is test, Build otherwise.
	Kind Kind
	// Data is the document exactly as stored in the repository.
	Data []byte
}

// Source resolves component names to documents.
type Source interface {
	Document(name string) (Document, error)
}

// FS reads documents from a file system: one "<name>.yaml" file each.
type FS struct{ fsys fs.FS }

// Embedded returns the documents shipped in this package.
func Embedded() FS { return FS{fsys: embedded} }

// FromFS returns documents read from fsys (tests use fstest.MapFS).
func FromFS(fsys fs.FS) FS { return FS{fsys: fsys} }

// Names lists the available component names, sorted.
func (s FS) Names() []string {
	matches, _ := fs.Glob(s.fsys, "*.yaml")
	names := make([]string, 0, len(matches))
	for _, m := range matches {
		names = append(names, strings.TrimSuffix(m, ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Document loads and checks the component called name. Every problem of
// the document is reported at once, each prefixed with the file name.
func (s FS) Document(name string) (Document, error) {
	file := name + ".yaml"
	data, err := fs.ReadFile(s.fsys, file)
	if err != nil {
		return Document{}, fmt.Errorf("component %q: no file components/%s (available: %s)", name, file, strings.Join(s.Names(), ", "))
	}
	doc, problems := Parse(name, data)
	if len(problems) > 0 {
		errs := make([]error, len(problems))
		for i, p := range problems {
			errs[i] = fmt.Errorf("components/%s: %w", file, p)
		}
		return Document{}, errors.Join(errs...)
	}
	return doc, nil
}

// Actions are the AWSTOE action modules a step may use.
var Actions = map[string]bool{
	"Assert": true, "ExecuteBash": true, "ExecuteBinary": true, "ExecuteDocument": true, "ExecutePowerShell": true,
	"S3Download": true, "S3Upload": true, "WebDownload": true,
	"AppendFile": true, "CopyFile": true, "CopyFolder": true, "CreateFile": true, "CreateFolder": true,
	"CreateSymlink": true, "DeleteFile": true, "DeleteFolder": true, "ListFiles": true, "MoveFile": true,
	"MoveFolder": true, "ReadFile": true, "SetFileEncoding": true, "SetFileOwner": true, "SetFolderOwner": true,
	"SetFilePermissions": true, "SetFolderPermissions": true,
	"InstallMSI": true, "UninstallMSI": true,
	"Reboot": true, "SetRegistry": true, "UpdateOS": true,
}

var (
	phaseNames = map[string]bool{"build": true, "validate": true, "test": true}
	stepName   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`)
)

type rawDocument struct {
	Name          string     `yaml:"name"`
	Description   string     `yaml:"description"`
	SchemaVersion any        `yaml:"schemaVersion"`
	Phases        []rawPhase `yaml:"phases"`
}

type rawPhase struct {
	Name  string    `yaml:"name"`
	Steps []rawStep `yaml:"steps"`
}

type rawStep struct {
	Name   string `yaml:"name"`
	Action string `yaml:"action"`
	Inputs any    `yaml:"inputs"`
}

// Parse checks one document and returns it with every problem found.
// Problems name the field, the value received and what is allowed.
func Parse(name string, data []byte) (Document, []error) {
	var problems []error
	add := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }

	if len(data) == 0 {
		add("document is empty: a component needs name, schemaVersion and phases")
		return Document{}, problems
	}
	if len(data) > MaxDocumentBytes {
		add("document is %d bytes: at most %d are allowed by CloudFormation", len(data), MaxDocumentBytes)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		add("document contains a NUL byte: only text is allowed")
		return Document{}, problems
	}
	var raw rawDocument
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		add("document is not a valid component YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return Document{}, problems
	}
	if raw.Name != name {
		add("name: got %q, want %q (the file name without .yaml)", raw.Name, name)
	}
	if strings.TrimSpace(raw.Description) == "" {
		add("description: empty; say what the component does (it becomes the component's description)")
	} else if len(raw.Description) > 1024 {
		add("description: %d characters, at most 1024 allowed", len(raw.Description))
	}
	if v := fmt.Sprint(raw.SchemaVersion); v != "1.0" && v != "1" {
		add("schemaVersion: got %q, want 1.0", v)
	}
	if len(raw.Phases) == 0 {
		add("phases: none; at least one of build, validate, test is required")
	}
	seenPhase := map[string]bool{}
	onlyTest := len(raw.Phases) > 0
	for i, ph := range raw.Phases {
		where := fmt.Sprintf("phases[%d]", i)
		if !phaseNames[ph.Name] {
			add("%s.name: got %q, allowed: build, validate, test", where, ph.Name)
		}
		if seenPhase[ph.Name] {
			add("%s.name: phase %q appears twice", where, ph.Name)
		}
		seenPhase[ph.Name] = true
		if ph.Name != "test" {
			onlyTest = false
		}
		if len(ph.Steps) == 0 {
			add("%s (%s).steps: none; a phase needs at least one step", where, ph.Name)
		}
		seenStep := map[string]bool{}
		for j, st := range ph.Steps {
			sw := fmt.Sprintf("%s.steps[%d]", where, j)
			if !stepName.MatchString(st.Name) {
				add("%s.name: got %q, allowed: 1 to 128 letters, digits, '-' or '_'", sw, st.Name)
			}
			if seenStep[st.Name] {
				add("%s.name: step %q appears twice in phase %q", sw, st.Name, ph.Name)
			}
			seenStep[st.Name] = true
			if !Actions[st.Action] {
				add("%s.action: got %q, allowed: one of the AWSTOE action modules (%s)", sw, st.Action, actionList())
			}
			if st.Action == "ExecuteBash" && !hasCommands(st.Inputs) {
				add("%s.inputs.commands: ExecuteBash needs a non-empty list of commands", sw)
			}
		}
	}
	kind := Build
	if onlyTest {
		kind = Test
	}
	return Document{Name: name, Description: strings.TrimSpace(raw.Description), Kind: kind, Data: data}, problems
}

func hasCommands(inputs any) bool {
	m, ok := inputs.(map[string]any)
	if !ok {
		return false
	}
	cmds, ok := m["commands"].([]any)
	return ok && len(cmds) > 0
}

func actionList() string {
	names := make([]string, 0, len(Actions))
	for a := range Actions {
		names = append(names, a)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
