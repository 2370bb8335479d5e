// Command configapp is the CDK app with its configuration read from a JSON
// file instead of config.Default(): the e2e tests and the benchmarks use it
// to deploy or synthesize variants of the real app through the real CDK CLI
// (`cdk synth --app "go run ./internal/configapp"`).
//
//	GOLDEN_FLEET_CONFIG      path of a JSON-encoded config.App (required)
//	GOLDEN_FLEET_COMPONENTS  directory of component documents
//	                         (default: the embedded components/)
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/stacks"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	path := os.Getenv("GOLDEN_FLEET_CONFIG")
	if path == "" {
		return fmt.Errorf("configapp: GOLDEN_FLEET_CONFIG is not set: want the path of a JSON-encoded config.App")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("configapp: %w", err)
	}
	// A misspelt field would otherwise be dropped silently and its
	// default used.
	var cfg config.App
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return fmt.Errorf("configapp: %s is not a JSON config.App: %w", path, err)
	}
	if dec.More() {
		return fmt.Errorf("configapp: %s is not a JSON config.App: more than one JSON value", path)
	}
	var docs components.Source = components.Embedded()
	if dir := os.Getenv("GOLDEN_FLEET_COMPONENTS"); dir != "" {
		docs = components.FromFS(os.DirFS(dir))
	}
	return stacks.Run(cfg, docs)
}
