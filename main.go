// Command golden-fleet is the CDK app: it validates the configuration and
// synthesizes every environment's stacks. Run it through `cdk synth`.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

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
	cfg := config.Default()
	docs := components.Embedded()
	// Validate before jsii starts: bad input never reaches a template.
	if err := config.Validate(cfg, docs); err != nil {
		return invalid(err)
	}
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stacks.Build(app, cfg, docs)
	app.Synth(nil)
	return nil
}

// invalid formats every validation problem on a line of its own.
func invalid(err error) error {
	lines := strings.Split(err.Error(), "\n")
	return fmt.Errorf("golden-fleet: the configuration is invalid (%d problems); nothing was synthesized:\n  - %s",
		len(lines), strings.Join(lines, "\n  - "))
}
