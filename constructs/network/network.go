// Package network gives the fleet and the builds a VPC: an existing one by
// ids (no lookups), or a new one with flow logs.
package network

import (
	"cmp"
	"slices"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/internal/awsfacts"
	"github.com/immutable-server/golden-fleet/internal/constructcheck"
)

// ExistingVpc imports a VPC from ids without any lookup. Its private
// subnets are the given ones, in the given zones.
func ExistingVpc(scope constructs.Construct, id, vpcID string, privateSubnetIDs, zones []string) awsec2.IVpc {
	return awsec2.Vpc_FromVpcAttributes(scope, jsii.String(id), &awsec2.VpcAttributes{
		VpcId:             jsii.String(vpcID),
		AvailabilityZones: jsii.Strings(zones...),
		PrivateSubnetIds:  jsii.Strings(privateSubnetIDs...),
	})
}

// VpcProps configures Vpc.
type VpcProps struct {
	// Cidr of the VPC. Default: 10.0.0.0/16.
	Cidr string
	// MaxAzs to use. Default: 2.
	MaxAzs int
	// NatGateways to create. Default: 1.
	NatGateways int
	// FlowLogRetention keeps flow logs this long: one of the periods
	// CloudWatch Logs offers, in whole days. Default: 90 days.
	FlowLogRetention time.Duration
}

// Vpc is a VPC with public subnets (NAT only) and private subnets with
// egress for the fleet and the builds; all traffic is logged to
// CloudWatch Logs.
type Vpc struct {
	constructs.Construct
	// Resource is the L1 VPC, the escape hatch.
	Resource awsec2.CfnVPC
	// Vpc is the L2 VPC, with its subnets.
	Vpc awsec2.Vpc
	// FlowLogs receives the VPC's flow logs.
	FlowLogs awslogs.LogGroup
}

// The defaults of VpcProps.
const (
	defaultCidr             = "10.0.0.0/16"
	defaultMaxAzs           = 2
	defaultNatGateways      = 1
	defaultFlowLogRetention = 90 * 24 * time.Hour
)

// NewVpc creates the VPC.
func NewVpc(scope constructs.Construct, id string, props VpcProps) *Vpc {
	c := constructs.NewConstruct(scope, &id)
	props.Cidr = cmp.Or(props.Cidr, defaultCidr)
	props.MaxAzs = cmp.Or(props.MaxAzs, defaultMaxAzs)
	props.NatGateways = cmp.Or(props.NatGateways, defaultNatGateways)
	props.FlowLogRetention = cmp.Or(props.FlowLogRetention, defaultFlowLogRetention)
	days := int(props.FlowLogRetention / (24 * time.Hour))
	if props.FlowLogRetention%(24*time.Hour) != 0 || !slices.Contains(awsfacts.LogRetentionDays, days) {
		constructcheck.Fail(c, "vpc %s: FlowLogRetention got %s: want one of CloudWatch Logs' retention periods, in days %v", *c.Node().Path(), props.FlowLogRetention, awsfacts.LogRetentionDays)
	}
	logs := awslogs.NewLogGroup(c, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	// The retention in days, set on the L1: the L2 takes only its
	// RetentionDays enum, which would spell awsfacts.LogRetentionDays a
	// second time.
	logs.Node().DefaultChild().(awslogs.CfnLogGroup).SetRetentionInDays(jsii.Number(float64(days)))
	vpc := awsec2.NewVpc(c, jsii.String("Resource"), &awsec2.VpcProps{
		IpAddresses: awsec2.IpAddresses_Cidr(jsii.String(props.Cidr)),
		MaxAzs:      jsii.Number(float64(props.MaxAzs)),
		NatGateways: jsii.Number(float64(props.NatGateways)),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, MapPublicIpOnLaunch: jsii.Bool(false)},
			{Name: jsii.String("Private"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		},
		// Restricting the default security group needs a Lambda-backed
		// custom resource; nothing here uses the default group.
		RestrictDefaultSecurityGroup: jsii.Bool(false),
		FlowLogs: &map[string]*awsec2.FlowLogOptions{
			"All": {
				Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(logs, nil),
				TrafficType: awsec2.FlowLogTrafficType_ALL,
			},
		},
	})
	return &Vpc{Construct: c, Resource: vpc.Node().DefaultChild().(awsec2.CfnVPC), Vpc: vpc, FlowLogs: logs}
}

// Name is the VPC's name: a VPC has none of its own, so this is its Name
// tag, which the CDK sets to the VPC's construct path.
func (v *Vpc) Name() *string { return v.Vpc.Node().Path() }

// Arn is the VPC's ARN.
func (v *Vpc) Arn() *string { return v.Vpc.VpcArn() }
