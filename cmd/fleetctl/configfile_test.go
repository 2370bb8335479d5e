package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/immutable-server/golden-fleet/config"
)

// loadWith parses args into the config flags and loads.
func loadWith(t *testing.T, args ...string) (config.App, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	c := declareConfigFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return c.load()
}

// The configuration fleetctl works from is validated as `cdk synth`
// validates it, with cdk.json's context, and has its defaults.
func TestTheConfigurationIsValidatedWithCdkJSONsContext(t *testing.T) {
	cfg, err := loadWith(t, "--cdk-json", "../../cdk.json")
	if err != nil {
		t.Fatalf("the compiled-in configuration: %v", err)
	}
	prod, _ := cfg.Environment("prod")
	if prod.Promotion == nil || prod.Promotion.SoakTime != 48*time.Hour || prod.Fleet.RootVolumeGiB != 30 {
		t.Errorf("prod = %+v, %+v: want the configuration with its defaults", prod.Promotion, prod.Fleet)
	}
	// Without the context, dev's created VPC has no zones: refused.
	_, err = loadWith(t, "--cdk-json", filepath.Join(t.TempDir(), "cdk.json"))
	if err == nil || !strings.Contains(err.Error(), "--cdk-json") || !strings.Contains(err.Error(), "want the app's cdk.json") {
		t.Errorf("a missing cdk.json: %v, want an error naming --cdk-json", err)
	}
}

func TestAConfigFileIsDecodedStrictlyAndValidated(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, v any) string {
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	unknown := write("unknown.json", map[string]any{"Prefix": "golden-fleet", "Enviroments": []any{}})
	if _, err := loadWith(t, "--config", unknown, "--cdk-json", "../../cdk.json"); err == nil || !strings.Contains(err.Error(), "not a valid JSON config.App") {
		t.Errorf("a misspelt field: %v, want the file refused", err)
	}
	// What encoding/json lets through and the app refuses: a key in
	// another case, a key twice.
	good, err := json.Marshal(config.Default())
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{
		"a key in another case": strings.Replace(string(good), `"Prefix"`, `"prefix"`, 1),
		"a key twice":           strings.Replace(string(good), `"Prefix":`, `"Prefix":"other","Prefix":`, 1),
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := loadWith(t, "--config", path, "--cdk-json", "../../cdk.json"); err == nil || !strings.Contains(err.Error(), "not a valid JSON config.App") {
			t.Errorf("%s: %v, want the file refused as the app refuses it", name, err)
		}
	}
	// A type error hides none of the file's other problems.
	typeErr := strings.Replace(strings.Replace(string(good), `"MinCapacity":2,`, `"MinCapacity":"two",`, 1), `"From":"dev"`, `"From":"stage"`, 1)
	path := filepath.Join(dir, "type-error.json")
	if err := os.WriteFile(path, []byte(typeErr), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadWith(t, "--config", path, "--cdk-json", "../../cdk.json"); err == nil ||
		!strings.Contains(err.Error(), `Fleet.MinCapacity: got the string "two"`) || !strings.Contains(err.Error(), `Environments[prod].Promotion.From: got "stage"`) {
		t.Errorf("a type error and a bad From: %v, want both reported", err)
	}
	// A promoting environment of the defaults, found by what it is, not
	// by its position or name, promotes from one that does not exist.
	bad := config.Default()
	var target string
	for i := range bad.Environments {
		if e := &bad.Environments[i]; e.Promotion != nil {
			e.Promotion.From, target = "no-such-environment", e.Name
			break
		}
	}
	if target == "" {
		t.Fatal("config.Default() has no promoting environment")
	}
	invalid := write("invalid.json", bad)
	_, err = loadWith(t, "--config", invalid, "--cdk-json", "../../cdk.json")
	if err == nil || !strings.Contains(err.Error(), "the configuration is invalid") || !strings.Contains(err.Error(), `Environments[`+target+`].Promotion.From: got "no-such-environment"`) {
		t.Errorf("a promotion from an unknown environment: %v, want the validation's line", err)
	}
}
