package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/config"
)

// Run is what the app's main does: validate cfg (component documents
// included) before jsii starts, then build every stack and synthesize the
// cloud assembly. A validation failure returns an error listing every
// problem, and nothing is written.
func Run(cfg config.App, docs components.Source) error {
	if err := config.Validate(cfg, docs); err != nil {
		return Invalid(err)
	}
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	if _, err := Build(app, cfg, docs); err != nil {
		return fmt.Errorf("golden-fleet: %w; nothing was synthesized", err)
	}
	app.Synth(nil)
	return nil
}

// Invalid formats validation problems one per line, for a person.
func Invalid(err error) error {
	lines := strings.Split(err.Error(), "\n")
	count := fmt.Sprintf("%d problems", len(lines))
	if len(lines) == 1 {
		count = "1 problem"
	}
	return fmt.Errorf("golden-fleet: the configuration is invalid (%s); nothing was synthesized:\n  - %s",
		count, strings.Join(lines, "\n  - "))
}
