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
	if err := stacks.Run(appConfiguration()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// appConfiguration is what `cdk synth` builds: the environments of
// config/environments.go and the component documents embedded from
// components/.
func appConfiguration() (config.App, components.Source) {
	return config.Default(), components.Embedded()
}
