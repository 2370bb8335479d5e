package main

// main composes two things, the configuration and the component documents
// (appConfiguration), and hands them to stacks.Run, which validates them
// before jsii starts and synthesizes. What the stacks hold is tested in
// stacks/ (one jsii start for every CDK test); this file tests only the
// composition, without starting jsii or linking the CDK.

import (
	"testing"

	"github.com/immutable-server/golden-fleet/config"
)

func TestTheAppConfigurationIsValid(t *testing.T) {
	cfg, docs := appConfiguration()
	ctx, err := config.CDKJSONContext("cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := config.Validate(cfg, docs, ctx); err != nil {
		t.Fatalf("`cdk synth` would refuse the app's own configuration:\n%v", err)
	}
}
