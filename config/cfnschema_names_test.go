package config

import (
	"path/filepath"
	"strings"
	"testing"
)

// Each name of envNameTargets lands where it says: some golden template
// of config.Default holds it at each of its properties.
func TestNameTargetsAreWhereTheTemplatesPutTheNames(t *testing.T) {
	app := Default()
	found := map[propertyValue]bool{}
	for _, env := range app.Environments {
		files, _ := filepath.Glob(filepath.Join(goldenTemplates, app.Prefix+"-"+env.Name+"-*.template.json"))
		for _, file := range files {
			for _, pv := range templateValues(t, file) {
				found[pv] = true
			}
		}
	}
	for _, nt := range envNameTargets {
		for _, p := range nt.Props {
			hit := false
			for _, env := range app.Environments {
				hit = hit || found[propertyValue{p, nt.Name(app.NamesOf(env))}]
			}
			if !hit {
				t.Errorf("%s: no golden template holds it at %s", nt.What, p)
			}
		}
	}
}

// A name the schemas refuse is refused, naming which name and the rule.
func TestNamesTheResourceSchemasRefuse(t *testing.T) {
	got := strings.Join(schemaNameProblems(Names{Prefix: strings.Repeat("p", 60), Env: "dev"}), "\n")
	for _, want := range []string{
		`Names.MarkerStateMachine gives "pppp`,
		"want at most 80 characters, what the CloudFormation schema of AWS::StepFunctions::StateMachine StateMachineName allows",
		"want at most 64 characters, what the CloudFormation schema of AWS::IAM::Role RoleName allows",
		"want at most 64 characters, what the CloudFormation schema of AWS::Events::Rule Name allows",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q; got:\n%s", want, got)
		}
	}
	if got := schemaNameProblems(Default().NamesOf(Default().Environments[0])); len(got) > 0 {
		t.Errorf("config.Default's names: got %q, want no problem", got)
	}
}
