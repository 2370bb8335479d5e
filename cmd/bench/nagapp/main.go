// Command nagapp is the real app (config.Default(), embedded components)
// with the cdk-nag AwsSolutions checks applied as the stacks tests apply
// them: scripts/bench runs it next to the plain app to measure what the
// checks add to a synth.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/stacks"
)

func main() {
	docs := components.Embedded()
	cdkContext, err := config.CLIContext()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg, err := config.Validate(config.Default(), docs, cdkContext)
	if err != nil {
		fmt.Fprintln(os.Stderr, stacks.Invalid(err))
		os.Exit(1)
	}
	app := awscdk.NewApp(nil)
	if _, err := stacks.Build(app, cfg, docs); err != nil {
		fmt.Fprintln(os.Stderr, err)
		jsii.Close()
		os.Exit(1)
	}
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Reports: jsii.Bool(false)}), nil)
	app.Synth(nil)
	jsii.Close()
}
