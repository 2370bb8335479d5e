// Command golden-fleet is the CDK app: it validates the configuration in
// config/environments.go and synthesizes every environment's stacks. Run it
// through `cdk synth` (see the README).
package main

import (
	"fmt"
	"os"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/stacks"
)

func main() {
	if err := stacks.Run(config.Default(), components.Embedded()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
