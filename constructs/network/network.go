// Package network gives the fleet and the builds a VPC: an existing one by
// ids (no lookups), or a new one with flow logs.
package network

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/config"
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
	// Cidr of the VPC. Default: config.DefaultVpcCidr (10.0.0.0/16).
	Cidr string
	// MaxAzs to use. Default: config.DefaultMaxAzs (2).
	MaxAzs int
	// NatGateways to create. Default: config.DefaultNatGateways (1).
	NatGateways int
	// FlowLogRetention keeps flow logs this long: one of the periods
	// CloudWatch Logs offers, in whole days. Default:
	// config.DefaultLogRetentionDays (90 days).
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

// NewVpc creates the VPC.
func NewVpc(scope constructs.Construct, id string, props VpcProps) *Vpc {
	c := constructs.NewConstruct(scope, &id)
	if props.Cidr == "" {
		props.Cidr = config.DefaultVpcCidr
	}
	if props.MaxAzs == 0 {
		props.MaxAzs = config.DefaultMaxAzs
	}
	if props.NatGateways == 0 {
		props.NatGateways = config.DefaultNatGateways
	}
	if props.FlowLogRetention == 0 {
		props.FlowLogRetention = config.DefaultLogRetentionDays * 24 * time.Hour
	}
	retention, ok := retentionPeriod(props.FlowLogRetention)
	if !ok {
		constructcheck.Fail(c, "vpc %s: FlowLogRetention got %s: want one of CloudWatch Logs' retention periods, in days %v", *c.Node().Path(), props.FlowLogRetention, retentionDays)
	}
	logs := awslogs.NewLogGroup(c, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		Retention:     retention,
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
	return &Vpc{Construct: c, Resource: vpc.Node().DefaultChild().(awsec2.CfnVPC), Vpc: vpc, FlowLogs: logs}
}

// Name is the VPC's name: a VPC has none of its own, so this is its Name
// tag, which the CDK sets to the VPC's construct path.
func (v *Vpc) Name() *string { return v.Vpc.Node().Path() }

// Arn is the VPC's ARN.
func (v *Vpc) Arn() *string { return v.Vpc.VpcArn() }

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

// retentionPeriod maps d to CloudWatch Logs' retention setting. ok is
// false when CloudWatch Logs has no such period.
func retentionPeriod(d time.Duration) (r awslogs.RetentionDays, ok bool) {
	if d%(24*time.Hour) != 0 {
		return "", false
	}
	for i, days := range retentionDays {
		if time.Duration(days)*24*time.Hour == d {
			return retentionNames[i], true
		}
	}
	return "", false
}
