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

// Environment is the set of stacks of one environment.
type Environment struct {
	// Network holds the VPC when the app creates one; nil otherwise.
	Network *NetworkStack
	// Fleet holds what serves: golden AMI parameter, launch template, Auto
	// Scaling group and the distribution bound to them. Everything in it
	// deploys to moto.
	Fleet *FleetStack
	// ImageFactory holds what bakes: components, recipe, build
	// infrastructure and pipeline. nil for an environment that promotes.
	ImageFactory *ImageFactoryStack
}

// Stacks lists the environment's stacks in deployment order.
func (e Environment) Stacks() []awscdk.Stack {
	var out []awscdk.Stack
	if e.Network != nil {
		out = append(out, e.Network.Stack)
	}
	out = append(out, e.Fleet.Stack)
	if e.ImageFactory != nil {
		out = append(out, e.ImageFactory.Stack)
	}
	return out
}

// StackName is the name (and construct id) of an environment's stack.
func StackName(prefix, env, role string) string {
	return fmt.Sprintf("%s-%s-%s", prefix, env, role)
}

// GoldenParameterName is the golden AMI parameter of an environment.
func GoldenParameterName(prefix, env string) string {
	return fmt.Sprintf("/imagebuilder/%s/%s/golden-ami", prefix, env)
}

// Build adds every environment's stacks to scope (normally the App). The
// configuration must have passed config.Validate: Build does not check it
// again. It returns the environments in configuration order.
func Build(scope constructs.Construct, cfg config.App, docs components.Source) []Environment {
	out := make([]Environment, 0, len(cfg.Environments))
	promotions := promotionPieces(cfg)
	for _, env := range cfg.Environments {
		out = append(out, buildEnvironment(scope, cfg.Prefix, env.WithDefaults(), docs, promotions[env.Name]))
	}
	return out
}

func buildEnvironment(scope constructs.Construct, prefix string, env config.Environment, docs components.Source, promotion PromotionPieces) Environment {
	awsEnv := &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(env.Region)}
	var result Environment
	var vpc *NetworkStack
	if env.Network.Create != nil {
		vpc = NewNetworkStack(scope, StackName(prefix, env.Name, "network"), NetworkStackProps{
			StackProps: awscdk.StackProps{Env: awsEnv, Description: jsii.String(fmt.Sprintf("Golden fleet %s: VPC with flow logs", env.Name))},
			Network:    *env.Network.Create,
		})
		result.Network = vpc
	}
	result.Fleet = NewFleetStack(scope, StackName(prefix, env.Name, "fleet"), FleetStackProps{
		StackProps: awscdk.StackProps{Env: awsEnv, Description: jsii.String(fmt.Sprintf("Golden fleet %s: golden AMI parameter, launch template, Auto Scaling group, distribution", env.Name))},
		Prefix:     prefix,
		Env:        env,
		Network:    vpc,
		Promotion:  promotion,
	})
	if env.Promotion == nil { // an environment that promotes bakes nothing
		result.ImageFactory = NewImageFactoryStack(scope, StackName(prefix, env.Name, "image-factory"), ImageFactoryStackProps{
			StackProps: awscdk.StackProps{Env: awsEnv, Description: jsii.String(fmt.Sprintf("Golden fleet %s: Image Builder components, recipe, infrastructure and pipeline", env.Name))},
			Prefix:     prefix,
			Env:        env,
			Network:    vpc,
			Fleet:      result.Fleet,
			Components: docs,
			Promotion:  promotion,
		})
	}
	for _, s := range result.Stacks() {
		for k, v := range env.Tags {
			awscdk.Tags_Of(s).Add(jsii.String(k), jsii.String(v), nil)
		}
	}
	return result
}
