// Command emptyapp is the floor scripts/bench compares the real app
// against: the smallest valid Go CDK app, synthesized the way stacks.Run
// synthesizes the real app (same jsii runtime, same Node, same scripts/app
// launcher, same cdk.json context when run through the CLI). What it costs
// is what any Go CDK app pays before its first real resource.
//
// It has one stack holding one AWS::CloudFormation::WaitConditionHandle (a
// resource that does nothing) because `cdk synth` fails on an app without
// stacks, and CloudFormation validation on a template without resources.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("golden-fleet-bench-empty"), nil)
	awscdk.NewCfnWaitConditionHandle(stack, jsii.String("Nothing"), nil)
	app.Synth(nil)
}
