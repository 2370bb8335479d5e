// Command configapp is the CDK app with its configuration read from a JSON
// file instead of config.Default(): the e2e tests and the benchmarks use it
// to deploy or synthesize variants of the real app through the real CDK CLI
// (`cdk synth --app "go run ./cmd/configapp"`).
//
//	GOLDEN_FLEET_CONFIG      path of a JSON-encoded config.App (required),
//	                         decoded strictly (Decode)
//	GOLDEN_FLEET_COMPONENTS  directory of component documents
//	                         (default: the embedded components/)
//	GOLDEN_FLEET_UNVALIDATED =1 skips config.Validate (its defaults are
//	                         still applied), so that a test can hand CDK
//	                         a configuration CDK's own CloudFormation
//	                         validation refuses and check that the failed
//	                         synthesis leaves no assembly (badinput/)
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/configjson"
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
	// default used; a second value or a repeated key would be ignored.
	cfg, problems := configjson.Decode(data)
	var docs components.Source = components.Embedded()
	if dir := os.Getenv("GOLDEN_FLEET_COMPONENTS"); dir != "" {
		docs = components.FromFS(os.DirFS(dir))
	}
	if len(problems) > 0 {
		// Every problem of the file at once: the validation's of what
		// could be decoded too.
		if cdkContext, err := config.CLIContext(); err == nil {
			_, problems = configjson.DecodeAndValidate(data, docs, cdkContext)
		}
		return stacks.Report(path+" is not a JSON config.App", problems)
	}
	if os.Getenv("GOLDEN_FLEET_UNVALIDATED") == "1" {
		return stacks.Synthesize(os.Getenv(stacks.OutdirEnv), func(app awscdk.App) error {
			_, err := stacks.Build(app, cfg.WithDefaults(), docs)
			return err
		})
	}
	return stacks.Run(cfg, docs)
}
