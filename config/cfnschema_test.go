package config

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/internal/jsontree"
)

// A tag value that IAM takes but a CloudFormation schema refuses is
// refused at validation, naming the tag and the resource types whose
// schema refuses it (issue 16: an empty tag value was reported by construct
// path after synthesis).
func TestTagsTheResourceSchemasRefuseAreRefused(t *testing.T) {
	tests := []struct {
		name       string
		tags       map[string]string
		want       []string
		wantAbsent []string
	}{
		{
			name: "an empty value, which alarms and state machines refuse",
			tags: map[string]string{"environment": "dev", "owner": ""},
			want: []string{
				`Environments[dev].Tags["owner"]: got value "": want at least 1 character, what the CloudFormation schema of ` +
					`AWS::CloudWatch::Alarm Tags.*.Value, AWS::StepFunctions::StateMachine Tags.*.Value allows`,
			},
		},
		{
			name: "a value IAM refuses is reported once, by IAM's rule",
			tags: map[string]string{"environment": "dev", "owner": "a#b"},
			want: []string{`Environments[dev].Tags["owner"]: got value "a#b": want at most 256 letters`},
			wantAbsent: []string{
				`CloudFormation schema`,
			},
		},
		{
			name:       "a value of one character is taken",
			tags:       map[string]string{"environment": "dev", "owner": "x"},
			wantAbsent: []string{`Tags["owner"]`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := Default()
			app.Environments = app.Environments[:1]
			app.Environments[0].Tags = tt.tags
			_, err := Validate(app, components.Embedded(), testContext())
			got := ""
			if err != nil {
				got = err.Error()
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("the error lacks %q; got:\n%s", w, got)
				}
			}
			for _, w := range tt.wantAbsent {
				if strings.Contains(got, w) {
					t.Errorf("the error has %q; got:\n%s", w, got)
				}
			}
			if len(tt.want) == 0 && err != nil {
				t.Errorf("got %v, want no problem", err)
			}
		})
	}
}

func TestAConstraintRefusesWhatItsSchemaRefuses(t *testing.T) {
	c := CfnConstraint{JSONType: "string", MinLength: 2, MaxLength: 4, Pattern: `^[a-z]+$`, Enum: []string{"ab", "abc", "ABC"}}
	for value, want := range map[string]string{
		"a":     "at least 2 characters",
		"abcde": "at most 4 characters",
		"abd":   "one of ab, abc, ABC",
		"ABC":   "a value matching ^[a-z]+$",
		"abc":   "",
		"éé":    "",
	} {
		if value == "éé" {
			c := CfnConstraint{MaxLength: 2}
			if got := c.RefusesString(value); got != want {
				t.Errorf("%q (two characters, four bytes) with MaxLength 2: got %q, want %q", value, got, want)
			}
			continue
		}
		if got := c.RefusesString(value); got != want {
			t.Errorf("%q: got %q, want %q", value, got, want)
		}
	}
	n := CfnConstraint{JSONType: "integer", HasMinimum: true, Minimum: 1, HasMaximum: true, Maximum: 10}
	for value, want := range map[float64]string{0: "at least 1", 11: "at most 10", 2.5: "a whole number", 1: "", 10: ""} {
		if got := n.RefusesNumber(value); got != want {
			t.Errorf("%v: got %q, want %q", value, got, want)
		}
	}
}

// Every property Validate checks has its constraint in the generated
// table: a property added to the targets without regenerating fails here
// (and TestTheSchemaTableIsWhatCfnLintShips says how to regenerate).
func TestEveryCheckedPropertyIsInTheTable(t *testing.T) {
	for _, p := range CfnSchemaProperties() {
		if _, ok := CfnSchema(p); !ok {
			t.Errorf("%s is not in cfnschema_gen.json: run go generate ./config", p)
		}
	}
}

// envTagTargets are exactly where the golden templates carry an
// environment's tags: every property of a resource that holds the key
// "owner" (a tag of config.Default's environments and of no added tag) or
// its value is a target, and every target holds it somewhere. So a
// resource type that starts to carry the tags fails here until its schema
// is checked.
func TestTagTargetsAreWhereTheTemplatesPutTheTags(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(goldenTemplates, "*.template.json"))
	if len(files) == 0 {
		t.Fatalf("no golden templates under %s", goldenTemplates)
	}
	found := map[CfnProperty]bool{}
	for _, file := range files {
		for _, r := range templateResources(t, file) {
			tagPlaces(r.Properties, func(path string) { found[CfnProperty{r.Type, path}] = true })
		}
	}
	var targets []CfnProperty
	for _, tt := range envTagTargets {
		if tt.KeyAt != nil {
			targets = append(targets, *tt.KeyAt, *tt.ValueAt)
			continue
		}
		targets = append(targets, tt.Key, tt.Value)
	}
	for p := range found {
		if !slices.Contains(targets, p) {
			t.Errorf("the templates put the environment's tags in %s, which envTagTargets lacks", p)
		}
	}
	for _, p := range targets {
		if !found[p] {
			t.Errorf("envTagTargets has %s, where no golden template puts the environment's tags", p)
		}
	}
}

// tagPlaces calls at with the path (CfnProperty's syntax) of every key and
// value of the tag owner=platform in v.
func tagPlaces(v any, at func(string)) {
	jsontree.Walk(v, func(path []string, v any) bool {
		n, ok := v.(map[string]any)
		if !ok {
			return true
		}
		join := func(more ...string) string { return strings.Join(append(slices.Clone(path), more...), "/") }
		if n["Key"] == "owner" {
			at(join("Key"))
			if n["Value"] == "platform" {
				at(join("Value"))
			}
		}
		if n["owner"] == "platform" {
			at(join("<key>"))
			at(join("*"))
		}
		return true
	})
}
