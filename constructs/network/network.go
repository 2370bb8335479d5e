// Package network gives the fleet and the builds a VPC: an existing one by
// ids (no lookups), or a new one with flow logs.
package network

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
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
	// FlowLogRetention keeps flow logs this long. Default: three months.
	FlowLogRetention awslogs.RetentionDays
}

// Vpc is a VPC with public subnets (NAT only) and private subnets with
// egress for the fleet and the builds; all traffic is logged to
// CloudWatch Logs.
type Vpc struct {
	constructs.Construct
	// Resource is the L2 VPC.
	Resource awsec2.Vpc
	// FlowLogs receives the VPC's flow logs.
	FlowLogs awslogs.LogGroup
}

// NewVpc creates the VPC.
func NewVpc(scope constructs.Construct, id string, props VpcProps) *Vpc {
	c := constructs.NewConstruct(scope, &id)
	if props.Cidr == "" {
		props.Cidr = "10.0.0.0/16"
	}
	if props.MaxAzs == 0 {
		props.MaxAzs = 2
	}
	if props.NatGateways == 0 {
		props.NatGateways = 1
	}
	if props.FlowLogRetention == "" {
		props.FlowLogRetention = awslogs.RetentionDays_THREE_MONTHS
	}
	logs := awslogs.NewLogGroup(c, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		Retention:     props.FlowLogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
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
	return &Vpc{Construct: c, Resource: vpc, FlowLogs: logs}
}

// retentionDays are the periods CloudWatch Logs accepts, in the order of
// retentionNames.
var (
	retentionDays  = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
	retentionNames = []awslogs.RetentionDays{
		awslogs.RetentionDays_ONE_DAY, awslogs.RetentionDays_THREE_DAYS, awslogs.RetentionDays_FIVE_DAYS,
		awslogs.RetentionDays_ONE_WEEK, awslogs.RetentionDays_TWO_WEEKS, awslogs.RetentionDays_ONE_MONTH,
		awslogs.RetentionDays_TWO_MONTHS, awslogs.RetentionDays_THREE_MONTHS, awslogs.RetentionDays_FOUR_MONTHS,
		awslogs.RetentionDays_FIVE_MONTHS, awslogs.RetentionDays_SIX_MONTHS, awslogs.RetentionDays_ONE_YEAR,
		awslogs.RetentionDays_THIRTEEN_MONTHS, awslogs.RetentionDays_EIGHTEEN_MONTHS, awslogs.RetentionDays_TWO_YEARS,
		awslogs.RetentionDays_THREE_YEARS, awslogs.RetentionDays_FIVE_YEARS, awslogs.RetentionDays_SIX_YEARS,
		awslogs.RetentionDays_SEVEN_YEARS, awslogs.RetentionDays_EIGHT_YEARS, awslogs.RetentionDays_NINE_YEARS,
		awslogs.RetentionDays_TEN_YEARS,
	}
)

// RetentionFromDays maps a number of days to CloudWatch Logs' retention
// setting. ok is false when CloudWatch Logs has no such period.
func RetentionFromDays(days int) (r awslogs.RetentionDays, ok bool) {
	for i, d := range retentionDays {
		if d == days {
			return retentionNames[i], true
		}
	}
	return "", false
}
