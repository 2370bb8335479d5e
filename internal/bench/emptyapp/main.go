// Command emptyapp is the floor scripts/bench compares the real app
// against: a Go CDK app with one stack and no resource, synthesized the way
// stacks.Run synthesizes the real app (same jsii runtime, same Node, same
// scripts/app launcher, same cdk.json context when run through the CLI).
// What it costs is what any Go CDK app pays before its first resource.
//
// It has one empty stack rather than none because `cdk synth` fails on an
// app without stacks ("This app contains no stacks").
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	awscdk.NewStack(app, jsii.String("golden-fleet-bench-empty"), nil)
	app.Synth(nil)
}
