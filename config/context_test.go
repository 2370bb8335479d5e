package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The app reads the context the CDK CLI passes: CDK_CONTEXT_JSON, and the
// file named by CONTEXT_OVERFLOW_LOCATION_ENV for what did not fit.
func TestCLIContextReadsWhatTheCLIPasses(t *testing.T) {
	overflow := filepath.Join(t.TempDir(), "context-overflow.json")
	if err := os.WriteFile(overflow, []byte(`{"availability-zones:account=1:region=r": ["ra"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CDK_CONTEXT_JSON", `{"@aws-cdk/core:flag": true}`)
	t.Setenv("CONTEXT_OVERFLOW_LOCATION_ENV", overflow)
	ctx, err := CLIContext()
	if err != nil {
		t.Fatal(err)
	}
	want := Context{"@aws-cdk/core:flag": true, "availability-zones:account=1:region=r": []any{"ra"}}
	if !reflect.DeepEqual(ctx, want) {
		t.Errorf("got %v, want %v", ctx, want)
	}

	t.Setenv("CDK_CONTEXT_JSON", "")
	t.Setenv("CONTEXT_OVERFLOW_LOCATION_ENV", "")
	if ctx, err := CLIContext(); err != nil || len(ctx) != 0 {
		t.Errorf("without the CLI: got %v, %v; want an empty context", ctx, err)
	}
	t.Setenv("CDK_CONTEXT_JSON", "[1]")
	if _, err := CLIContext(); err == nil {
		t.Error("a CDK_CONTEXT_JSON that is no object was accepted")
	}
}
