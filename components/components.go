// Package components holds the project's own Image Builder component
// documents (AWSTOE YAML), embedded in the binary so that synthesis never
// reads files relative to the working directory, and checks them.
package components

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

//go:embed *.yaml
var embedded embed.FS

// MaxDocumentLength is the largest document CloudFormation accepts in
// AWS::ImageBuilder::Component Data, in characters (the schema's
// maxLength).
const MaxDocumentLength = 16000

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
// the document is reported at once (errors.Join), each one line prefixed
// with the file name and saying what is allowed.
func (s FS) Document(name string) (Document, error) {
	file := name + ".yaml"
	if !fs.ValidPath(file) || strings.Contains(name, "/") {
		return Document{}, fmt.Errorf("not a file name: want the name of a file under components/ without .yaml, one of %s", strings.Join(s.Names(), ", "))
	}
	data, err := fs.ReadFile(s.fsys, file)
	if err != nil {
		return Document{}, fmt.Errorf("no file components/%s: want one of %s", file, strings.Join(s.Names(), ", "))
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

// rawDocument has every top-level field of an AWSTOE document; an unknown
// field is an error.
type rawDocument struct {
	Name          string     `yaml:"name"`
	Description   string     `yaml:"description"`
	SchemaVersion any        `yaml:"schemaVersion"`
	Parameters    any        `yaml:"parameters"`
	Constants     any        `yaml:"constants"`
	Phases        []rawPhase `yaml:"phases"`
}

type rawPhase struct {
	Name  string    `yaml:"name"`
	Steps []rawStep `yaml:"steps"`
}

// rawStep has every field of an AWSTOE step.
type rawStep struct {
	Name           string `yaml:"name"`
	Action         string `yaml:"action"`
	Inputs         any    `yaml:"inputs"`
	OnFailure      string `yaml:"onFailure"`
	TimeoutSeconds *int   `yaml:"timeoutSeconds"`
	MaxAttempts    *int   `yaml:"maxAttempts"`
	Loop           any    `yaml:"loop"`
}

var onFailure = []string{"Abort", "Continue", "Ignore"}

// goTypeNames turns the Go types in yaml.v3's messages into document terms.
var goTypeNames = strings.NewReplacer(
	"[]components.rawPhase", "a list of phases", "[]components.rawStep", "a list of steps",
	"components.rawDocument", "a component", "components.rawPhase", "a phase", "components.rawStep", "a step",
)

// Parse checks one document and returns it with every problem found.
// Problems name the field, the value received and what is allowed.
func Parse(name string, data []byte) (Document, []error) {
	var problems []error
	add := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }

	if len(data) == 0 {
		add("document: got an empty file: want a mapping with name, description, schemaVersion and phases")
		return Document{}, problems
	}
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		add("document: got binary data (a NUL byte or invalid UTF-8): want UTF-8 text")
		return Document{}, problems
	}
	if n := utf8.RuneCount(data); n > MaxDocumentLength {
		add("document: got %d characters: want at most %d (CloudFormation's limit)", n, MaxDocumentLength)
	}
	var raw rawDocument
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		var typeErr *yaml.TypeError
		switch {
		case errors.Is(err, io.EOF):
			add("document has no YAML content: want a mapping with name, description, schemaVersion and phases")
		case errors.As(err, &typeErr):
			for _, e := range typeErr.Errors {
				add("document is not a component: %s: want the AWSTOE shape (name, description, schemaVersion, parameters, constants, "+
					"phases of name and steps; steps of name, action, inputs, onFailure, timeoutSeconds, maxAttempts, loop)",
					strings.ReplaceAll(goTypeNames.Replace(e), "\n", " "))
			}
		default:
			add("document is not valid YAML (%s): want a YAML mapping with name, description, schemaVersion and phases",
				strings.ReplaceAll(strings.TrimPrefix(err.Error(), "yaml: "), "\n", " "))
		}
		return Document{}, problems
	}
	checkHeader(name, raw, add)
	if len(raw.Phases) == 0 {
		add("phases: got none: want at least one of build, validate, test")
	}
	seenPhase := map[string]bool{}
	onlyTest := len(raw.Phases) > 0
	for i, ph := range raw.Phases {
		where := fmt.Sprintf("phases[%d]", i)
		if !phaseNames[ph.Name] {
			add("%s.name: got %q: want build, validate or test", where, ph.Name)
		}
		if seenPhase[ph.Name] {
			add("%s.name: got %q a second time: want each phase once", where, ph.Name)
		}
		seenPhase[ph.Name] = true
		if ph.Name != "test" {
			onlyTest = false
		}
		if len(ph.Steps) == 0 {
			add("%s.steps: got none in phase %q: want at least one step", where, ph.Name)
		}
		seenStep := map[string]bool{}
		for j, st := range ph.Steps {
			checkStep(fmt.Sprintf("%s.steps[%d]", where, j), ph.Name, st, seenStep, add)
		}
	}
	kind := Build
	if onlyTest {
		kind = Test
	}
	return Document{Name: name, Description: strings.TrimSpace(raw.Description), Kind: kind, Data: data}, problems
}

// checkHeader adds to the problems what is wrong with the name,
// description and schemaVersion of raw, the document of the file name.
func checkHeader(name string, raw rawDocument, add func(format string, args ...any)) {
	if raw.Name != name {
		add("name: got %q: want %q (the file name without .yaml)", raw.Name, name)
	}
	if strings.TrimSpace(raw.Description) == "" {
		add("description: got none: want a sentence saying what the component does (it becomes the component's description)")
	} else if n := utf8.RuneCountInString(raw.Description); n > 1024 {
		add("description: got %d characters: want at most 1024", n)
	}
	switch v := raw.SchemaVersion.(type) {
	case nil:
		add("schemaVersion: got none: want 1.0")
	case float64, int, string:
		if s := fmt.Sprint(v); s != "1.0" && s != "1" {
			add("schemaVersion: got %q: want 1.0", s)
		}
	default:
		add("schemaVersion: got a %T: want 1.0", v)
	}
}

// checkStep adds to the problems what is wrong with st, the step at sw
// of the phase called phase; seen holds the phase's step names so far.
func checkStep(sw, phase string, st rawStep, seen map[string]bool, add func(format string, args ...any)) {
	if !stepName.MatchString(st.Name) {
		add("%s.name: got %q: want 1 to 128 letters, digits, '-' or '_', starting with a letter or digit", sw, st.Name)
	}
	if seen[st.Name] {
		add("%s.name: got %q a second time in phase %q: want unique step names", sw, st.Name, phase)
	}
	seen[st.Name] = true
	if !Actions[st.Action] {
		add("%s.action: got %q: want one of the AWSTOE action modules (%s)", sw, st.Action, actionList())
	}
	if st.Action == "ExecuteBash" && !hasCommands(st.Inputs) {
		add("%s.inputs.commands: got none: want a non-empty list of commands for ExecuteBash", sw)
	}
	if st.OnFailure != "" && !slices.Contains(onFailure, st.OnFailure) {
		add("%s.onFailure: got %q: want %s", sw, st.OnFailure, strings.Join(onFailure, ", "))
	}
	if st.TimeoutSeconds != nil && (*st.TimeoutSeconds < -1 || *st.TimeoutSeconds == 0) {
		add("%s.timeoutSeconds: got %d: want a positive number of seconds, or -1 for no timeout", sw, *st.TimeoutSeconds)
	}
	if st.MaxAttempts != nil && *st.MaxAttempts < 1 {
		add("%s.maxAttempts: got %d: want 1 or more", sw, *st.MaxAttempts)
	}
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
