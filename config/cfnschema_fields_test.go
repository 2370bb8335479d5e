package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/internal/jsontree"
)

// Each field of envFieldTargets lands where it says: in the golden
// templates of config.Default's environments, a resource of each target
// type holds the field's value at the target property.
func TestFieldTargetsAreWhereTheTemplatesPutTheValues(t *testing.T) {
	app := Default().WithDefaults()
	checked := map[string]bool{}
	for _, env := range app.Environments {
		files, _ := filepath.Glob(filepath.Join(goldenTemplates, app.Prefix+"-"+env.Name+"-*.template.json"))
		if len(files) == 0 {
			t.Fatalf("no golden templates of %s", env.Name)
		}
		var values []propertyValue
		for _, file := range files {
			values = append(values, templateValues(t, file)...)
		}
		for _, ft := range envFieldTargets {
			for _, v := range ft.Values(env) {
				for _, p := range ft.Props {
					found := false
					for _, pv := range values {
						found = found || (pv.p == p && pv.v == fmt.Sprint(v))
					}
					if !found {
						t.Errorf("%s %s is %v, which no %s of its golden templates holds", env.Name, ft.Field, v, p)
					}
					checked[ft.Field] = true
				}
			}
		}
	}
	for _, ft := range envFieldTargets {
		if !checked[ft.Field] && ft.Field != "Fleet.IngressPorts" {
			t.Errorf("%s has no value in config.Default: nothing shows where it lands", ft.Field)
		}
	}
}

type propertyValue struct {
	p CfnProperty
	v string
}

// templateResource is a resource of a synthesized template: its type and
// its properties as encoding/json decodes them.
type templateResource struct {
	Type       string
	Properties any
}

// templateResources reads the resources of the template file.
func templateResources(t *testing.T, file string) map[string]templateResource {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct{ Resources map[string]templateResource }
	if err := json.Unmarshal(data, &tpl); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return tpl.Resources
}

// templateValues lists every scalar of the resources' properties of a
// template, by CfnProperty.
func templateValues(t *testing.T, file string) []propertyValue {
	t.Helper()
	var out []propertyValue
	for _, r := range templateResources(t, file) {
		jsontree.Walk(r.Properties, func(path []string, v any) bool {
			switch v.(type) {
			case []any, map[string]any:
			default:
				out = append(out, propertyValue{CfnProperty{r.Type, strings.Join(path, "/")}, fmt.Sprint(v)})
			}
			return true
		})
	}
	return out
}

// Values the resource schemas refuse are refused with the field, the
// value and the schema's rule, whatever the hand-written checks say.
func TestFieldValuesTheResourceSchemasRefuse(t *testing.T) {
	base := Default().WithDefaults().Environments[0]
	tests := []struct {
		name  string
		edit  func(e *Environment)
		field string
		want  string
	}{
		{"a test timeout under an hour", func(e *Environment) { e.Image.TestTimeoutMinutes = 59 },
			"Image.TestTimeoutMinutes", "got 59: want at least 60, what the CloudFormation schema of AWS::ImageBuilder::ImagePipeline ImageTestsConfiguration.TimeoutMinutes allows"},
		{"a test timeout over a day", func(e *Environment) { e.Image.TestTimeoutMinutes = 1441 },
			"Image.TestTimeoutMinutes", "got 1441: want at most 1440"},
		{"a working directory too long", func(e *Environment) { e.Image.WorkingDirectory = "/" + strings.Repeat("d", 1024) },
			"Image.WorkingDirectory", "want at most 1024 characters, what the CloudFormation schema of AWS::ImageBuilder::ImageRecipe WorkingDirectory allows"},
		{"a recipe volume over 16000 GiB", func(e *Environment) { e.Image.RootVolumeGiB = 16001 },
			"Image.RootVolumeGiB", "got 16001: want at most 16000"},
		{"an unknown start condition", func(e *Environment) { e.Image.StartCondition = "ALWAYS" },
			"Image.StartCondition", `got "ALWAYS": want one of EXPRESSION_MATCH_ONLY, EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE`},
		{"eleven images kept", func(e *Environment) { e.Lifecycle.KeepLatest = 11 },
			"Lifecycle.KeepLatest", "got 11: want at most 10"},
		{"a deletion age over 1000", func(e *Environment) { e.Lifecycle.DeleteAfterDays = 1001 },
			"Lifecycle.DeleteAfterDays", "got 1001: want at most 1000"},
		{"a retention CloudWatch Logs lacks", func(e *Environment) { e.Observability.LogRetentionDays = 2 },
			"Observability.LogRetentionDays", "got 2: want one of 1, 3, 5, 7, 14"},
		{"a flow log retention CloudWatch Logs lacks", func(e *Environment) { e.Network.Create = &CreatedVPC{FlowLogRetentionDays: 8} },
			"Network.Create.FlowLogRetentionDays", "got 8: want one of 1, 3, 5, 7, 14"},
		{"a port under -1", func(e *Environment) { e.Fleet.IngressPorts = []int{443, -2} },
			"Fleet.IngressPorts", "got -2: want at least -1, what the CloudFormation schema of AWS::EC2::SecurityGroup SecurityGroupIngress.*.FromPort, AWS::EC2::SecurityGroup SecurityGroupIngress.*.ToPort allows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := base
			env.Lifecycle.Disabled = false
			tt.edit(&env)
			got := schemaFieldProblems(env)
			if !strings.Contains(strings.Join(got[tt.field], "\n"), tt.want) {
				t.Errorf("%s: got %q, want a problem containing %q", tt.field, got[tt.field], tt.want)
			}
			for field, msgs := range got {
				if field != tt.field {
					t.Errorf("%s: got %q, want no problem", field, msgs)
				}
			}
		})
	}
	if got := schemaFieldProblems(base); len(got) > 0 {
		t.Errorf("config.Default's %s: got %v, want no problem", base.Name, got)
	}
	promoted := base
	promoted.Promotion = &Promotion{}
	promoted.Image.TestTimeoutMinutes = 1
	if got := schemaFieldProblems(promoted); len(got) > 0 {
		t.Errorf("an environment that promotes bakes nothing: got %v, want no problem of its Image", got)
	}
}

// Validate reports a field the hand-written checks refuse once, not a
// second time for the schema.
func TestASchemaRefusalIsNotReportedTwice(t *testing.T) {
	app := Default()
	app.Environments = app.Environments[:1]
	app.Environments[0].Image.TestTimeoutMinutes = 30
	_, err := Validate(app, components.Embedded(), testContext())
	if err == nil {
		t.Fatal("got no error, want TestTimeoutMinutes refused")
	}
	n := strings.Count(err.Error(), "Image.TestTimeoutMinutes:")
	if n != 1 {
		t.Errorf("got %d problems of Image.TestTimeoutMinutes, want 1:\n%v", n, err)
	}
}
