package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/immutable-server/golden-fleet/config"
)

func defaultJSON(t testing.TB) string {
	t.Helper()
	data, err := json.MarshalIndent(config.Default(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestTheDefaultConfigurationDecodesToItself(t *testing.T) {
	app, problems := decodeConfig([]byte(defaultJSON(t)))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if !reflect.DeepEqual(app, config.Default()) {
		t.Errorf("decoded %+v, want config.Default()", app)
	}
}

// problemLine is every line of a decoding problem: a field path, what was
// received, what is allowed.
var problemLine = regexp.MustCompile(`^(App|Prefix|Environments)(\[[^\]]+\])?(\.[A-Z][A-Za-z]*(\[("(?:[^"\\]|\\.)*"|[^\]"]+)\])?)*: got .+: want .+`)

func TestDecodingRefusesWhatEncodingJSONWouldLetThrough(t *testing.T) {
	def := defaultJSON(t)
	cases := []struct {
		name string
		doc  string
		// Each wanted problem: its start (the field path and what was
		// received) and what it says is allowed.
		want [][2]string
	}{
		{"trailing object", def + "{}", [][2]string{{"App: got more after the configuration, at " + at(def+"{}", len(def)), "want one JSON object and nothing after it"}}},
		{"trailing bracket", def + "\n]", [][2]string{{"App: got more after the configuration, at " + at(def+"\n]", len(def)+1) + `: "]"`, "want one JSON object and nothing after it"}}},
		{"trailing comment", def + " // the end", [][2]string{{"App: got more after the configuration, at " + at(def+" // the end", len(def)+1) + `: "// the end"`, "want one JSON object"}}},
		{"repeated key", `{"Prefix": "a", "Environments": [], "Prefix": "b"}`,
			[][2]string{{`App: got key "Prefix" again at line 1, column 37 (first at line 1, column 2)`, "want each key once"}}},
		{"repeated tag key", strings.Replace(def, `"owner": "platform"`, `"owner": "platform", "owner": "other"`, 1),
			[][2]string{{`Environments[0].Tags: got key "owner" again`, "want each key once"}}},
		{"every type error at once", replaceFirst(def,
			`"MinCapacity": 1`, `"MinCapacity": "1"`,
			`"MaxCapacity": 3`, `"MaxCapacity": 1.5`,
			`"Name": "dev"`, `"Name": 5`,
			`"os-hardening"`, `true`,
		), [][2]string{
			{`Environments[0].Name: got the number 5 at ` + at(def, strings.Index(def, `"dev"`)), "want a string"},
			{`Environments[0].Fleet.MinCapacity: got the string "1"`, "want a whole number"},
			{`Environments[0].Fleet.MaxCapacity: got the number 1.5`, "want a whole number"},
			{`Environments[0].Image.Components[0]: got true`, "want a string"},
		}},
		{"unknown field", strings.Replace(def, `"MinCapacity"`, `"MinCapcity"`, 1),
			[][2]string{{`Environments[0].Fleet: got unknown field "MinCapcity" at line`, "want one of the fields of config.Fleet: InstanceType, MinCapacity,"}}},
		{"field in another case", strings.Replace(def, `"MinCapacity"`, `"minCapacity"`, 1),
			[][2]string{{`Environments[0].Fleet: got unknown field "minCapacity"`, "want MinCapacity (field names are case-sensitive)"}}},
		{"null where a value is required", strings.Replace(def, `"Region": "eu-west-1"`, `"Region": null`, 1),
			[][2]string{{"Environments[0].Region: got null", "want a string"}}},
		{"number beyond a Go int", strings.Replace(def, `"MaxCapacity": 3`, `"MaxCapacity": 9223372036854775808`, 1),
			[][2]string{{"Environments[0].Fleet.MaxCapacity: got the number 9223372036854775808", "want a whole number (a Go int"}}},
		{"exponent", strings.Replace(def, `"MaxCapacity": 3`, `"MaxCapacity": 3e0`, 1),
			[][2]string{{"Environments[0].Fleet.MaxCapacity: got the number 3e0", "want a whole number"}}},
		{"duration as text", strings.Replace(def, `"HealthCheckGracePeriod": 600000000000`, `"HealthCheckGracePeriod": "10m"`, 1),
			[][2]string{{`Environments[1].Fleet.HealthCheckGracePeriod: got the string "10m"`, "want a whole number of nanoseconds (a Go time.Duration"}}},
		{"long value", strings.Replace(def, `"MaxCapacity": 3`, `"MaxCapacity": "`+strings.Repeat("9", 5000)+`"`, 1),
			[][2]string{{`Environments[0].Fleet.MaxCapacity: got the string "999`, "(5000 characters) at line"}}},
		{"list where an object goes", `{"Prefix": "a", "Environments": [{"Fleet": []}]}`,
			[][2]string{{"Environments[0].Fleet: got an array of 0", "want an object with the fields of config.Fleet (InstanceType,"}}},
		{"not an object", `["golden-fleet"]`, [][2]string{{"App: got an array of 1 at line 1, column 1", "want an object with the fields of config.App (Prefix, Environments)"}}},
		{"not JSON", def[:200] + "}", [][2]string{{"App: got invalid JSON at line", "want one JSON object (config.App)"}}},
		{"cut short", def[:200], [][2]string{{"App: got a document that ends at line", "before its value is complete"}}},
		{"empty", " \n", [][2]string{{"App: got an empty document", "want one JSON object (config.App)"}}},
		{"not UTF-8", strings.Replace(def, "platform", "plat\xffform", 1), [][2]string{{"App: got bytes that are not UTF-8 at " + at(def, strings.Index(def, "platform")+4), "want UTF-8 text"}}},
		{"nested too deep", `{"Prefix": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, [][2]string{{"App: got values nested deeper than 32", "want the shape of config.App"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := decodeConfig([]byte(tc.doc))
			for _, w := range tc.want {
				found := false
				for _, p := range problems {
					found = found || strings.HasPrefix(p, w[0]) && strings.Contains(p, w[1])
				}
				if !found {
					t.Errorf("no problem starts %q and says %q; got:\n%s", w[0], w[1], strings.Join(problems, "\n"))
				}
			}
			if len(problems) != len(tc.want) {
				t.Errorf("got %d problems, want %d:\n%s", len(problems), len(tc.want), strings.Join(problems, "\n"))
			}
			for _, p := range problems {
				if !problemLine.MatchString(p) || strings.Contains(p, "\n") || len(p) > 600 {
					t.Errorf("problem %q is not one line \"<field path>: got …: want …\" of reasonable length", p)
				}
			}
		})
	}
}

// at says where byte offset i of doc is: its line, and its column in
// characters.
func at(doc string, i int) string {
	lines := strings.Split(doc[:i], "\n")
	return fmt.Sprintf("line %d, column %d", len(lines), utf8.RuneCountInString(lines[len(lines)-1])+1)
}

// replaceFirst replaces the first occurrence of each old, new pair.
func replaceFirst(s string, oldNew ...string) string {
	for i := 0; i < len(oldNew); i += 2 {
		s = strings.Replace(s, oldNew[i], oldNew[i+1], 1)
	}
	return s
}

// What encoding/json takes without complaint but is wrong for a
// configuration file: FuzzDecodeConfig checks the other direction.
func TestEncodingJSONWouldHaveAcceptedThem(t *testing.T) {
	for _, doc := range []string{
		`{"Prefix": "a", "Prefix": "b"}`,
		`{"prefix": "a"}`,
		`{"Prefix": "a"} ]`,
		`{"Prefix": null}`,
	} {
		var app config.App
		dec := json.NewDecoder(strings.NewReader(doc))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&app); err != nil || dec.More() {
			t.Errorf("encoding/json refuses %s (%v): the case shows nothing", doc, err)
		}
		if _, problems := decodeConfig([]byte(doc)); len(problems) == 0 {
			t.Errorf("decodeConfig accepted %s", doc)
		}
	}
}

// FuzzDecodeConfig: decodeConfig never panics; every problem is one line
// with a field path, what was received and what is allowed; and what it
// accepts, encoding/json (with unknown fields disallowed) decodes to the
// same configuration.
func FuzzDecodeConfig(f *testing.F) {
	def := defaultJSON(f)
	for _, seed := range []string{
		def, def + "{}", `{"Prefix": "a", "Prefix": "b"}`, `{"Environments": [{"Fleet": {"MinCapacity": "1"}}]}`,
		`{"Environments": [{"Tags": {"a": "b", "a": "c"}}]}`, `{"Environments": [{"Network": {"Create": null}}]}`,
		`[]`, `"x"`, ``, `{"Prefix": "\ud800"}`, `{"Environments": [{"Fleet": {"HealthCheckGracePeriod": 1e3}}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		app, problems := decodeConfig(data)
		for _, p := range problems {
			if !problemLine.MatchString(p) || strings.Contains(p, "\n") {
				t.Fatalf("problem %q is not one line \"<field path>: got …: want …\"", p)
			}
		}
		if len(problems) > 0 {
			return
		}
		var want config.App
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("decodeConfig accepted what encoding/json refuses (%v): %q", err, data)
		}
		if !reflect.DeepEqual(normalize(t, app), normalize(t, want)) {
			t.Fatalf("decodeConfig and encoding/json disagree on %q:\n%+v\n%+v", data, app, want)
		}
	})
}

// normalize re-encodes a configuration, so that an empty list and a nil
// one compare equal.
func normalize(t *testing.T, app config.App) string {
	data, err := json.Marshal(app)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
