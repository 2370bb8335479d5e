// Package stacks composes the constructs into CloudFormation stacks, one
// set per environment. It holds composition only: every resource is built
// by a construct from constructs/.
package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/config"
)

// EnvironmentStacks are the stacks of one environment (config.Environment).
type EnvironmentStacks struct {
	// Network holds the VPC when the app creates one; nil otherwise.
	Network *NetworkStack
	// Fleet holds what serves: golden AMI parameter, launch template, Auto
	// Scaling group and the distribution bound to them. Everything in it
	// deploys to moto.
	Fleet *FleetStack
	// ImageFactory holds what bakes: components, recipe, build
	// infrastructure and pipeline.
	ImageFactory *ImageFactoryStack
}

// Stacks lists the environment's stacks in deployment order.
func (e EnvironmentStacks) Stacks() []awscdk.Stack {
	var out []awscdk.Stack
	if e.Network != nil {
		out = append(out, e.Network.Stack)
	}
	return append(out, e.Fleet.Stack, e.ImageFactory.Stack)
}

// Build adds every environment's stacks to scope (normally the App). cfg
// must be what config.Validate returned: valid, with its defaults applied.
// Build neither checks it nor applies a default again, and fails only when
// a component has no document in docs. It returns the environments in
// configuration order.
func Build(scope constructs.Construct, cfg config.App, docs components.Source) ([]EnvironmentStacks, error) {
	out := make([]EnvironmentStacks, 0, len(cfg.Environments))
	for _, env := range cfg.Environments {
		built, err := buildEnvironment(scope, cfg.NamesOf(env), env, docs)
		if err != nil {
			return nil, err
		}
		out = append(out, built)
	}
	return out, nil
}

func buildEnvironment(scope constructs.Construct, names config.Names, env config.Environment, docs components.Source) (EnvironmentStacks, error) {
	awsEnv := &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(env.Region)}
	var result EnvironmentStacks
	var vpc *NetworkStack
	if env.Network.Create != nil {
		vpc = NewNetworkStack(scope, names.Stack(config.NetworkStack), NetworkStackProps{
			StackProps: awscdk.StackProps{Env: awsEnv, Description: jsii.String(fmt.Sprintf("Golden fleet %s: VPC with flow logs", env.Name))},
			Network:    *env.Network.Create,
		})
		result.Network = vpc
	}
	result.Fleet = NewFleetStack(scope, names.Stack(config.FleetStack), FleetStackProps{
		StackProps: awscdk.StackProps{Env: awsEnv, Description: jsii.String(fmt.Sprintf("Golden fleet %s: golden AMI parameter, launch template, Auto Scaling group, distribution", env.Name))},
		Names:      names,
		Config:     env,
		Network:    vpc,
	})
	factory, err := NewImageFactoryStack(scope, names.Stack(config.ImageFactoryStack), ImageFactoryStackProps{
		StackProps: awscdk.StackProps{Env: awsEnv, Description: jsii.String(fmt.Sprintf("Golden fleet %s: Image Builder components, recipe, infrastructure and pipeline", env.Name))},
		Names:      names,
		Config:     env,
		Network:    vpc,
		Fleet:      result.Fleet,
		Components: docs,
	})
	if err != nil {
		return EnvironmentStacks{}, err
	}
	result.ImageFactory = factory
	for _, s := range result.Stacks() {
		for k, v := range env.Tags {
			awscdk.Tags_Of(s).Add(jsii.String(k), jsii.String(v), nil)
		}
	}
	return result, nil
}
