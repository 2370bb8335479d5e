package stacks

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/constructs/network"
)

// NetworkStackProps configures NetworkStack.
type NetworkStackProps struct {
	awscdk.StackProps
	Network config.CreatedVPC
}

// NetworkStack holds the VPC the app creates for an environment.
type NetworkStack struct {
	awscdk.Stack
	Vpc *network.Vpc
}

// NewNetworkStack creates the stack.
func NewNetworkStack(scope constructs.Construct, id string, props NetworkStackProps) *NetworkStack {
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	vpc := network.NewVpc(stack, "Vpc", network.VpcProps{
		Cidr:             props.Network.Cidr,
		MaxAzs:           props.Network.MaxAzs,
		NatGateways:      props.Network.NatGateways,
		FlowLogRetention: time.Duration(props.Network.FlowLogRetentionDays) * 24 * time.Hour,
	})
	return &NetworkStack{Stack: stack, Vpc: vpc}
}
