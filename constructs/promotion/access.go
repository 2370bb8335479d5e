package promotion

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/immutable-server/golden-fleet/internal/stackarn"
)

// AccessRoleProps configures AccessRole.
type AccessRoleProps struct {
	// RoleName is the role's fixed name: the target account assumes it by
	// an ARN built from the configuration.
	RoleName string
	// TargetAccount is the only account that may assume the role (its IAM
	// decides which of its principals may).
	TargetAccount string
	// FleetStackName is the source's fleet stack, whose outputs name the
	// golden AMI parameter and the Auto Scaling group.
	FleetStackName string
	// ParameterName is the source's golden AMI parameter.
	ParameterName string
	// AmiTag is the tag (key and value) every AMI of the source carries;
	// only such AMIs may be shared.
	AmiTag [2]string
	// Distribution and ExecutionRoleName are the promotion's distribution
	// configuration and DistributeImage's execution role in this account
	// and region.
	Distribution, ExecutionRoleName string
}

// AccessRole is the role in the source account that `fleetctl promote`
// and `fleetctl status`, running with the target account's credentials,
// assume to
//
//   - read the evidence of the gates: the fleet stack's outputs, the golden
//     AMI parameter, the AMI, the group's instances and health, the
//     alarms, and the Image Builder image with its tests and scan findings;
//   - copy with Image Builder: DistributeImage on the promotion's
//     distribution configuration, passing its execution role;
//   - or share for an EC2 copy: add the target account to the launch
//     permissions of an AMI carrying the source's tag, and only the target
//     account to the create-volume permissions of snapshots (ec2:Add/userId;
//     the target copies the AMI, which needs read access to its
//     snapshots). The Service Authorization Reference lists ec2:Add/userId
//     for ModifySnapshotAttribute only: a condition on it in the
//     ModifyImageAttribute statement never holds and would deny every
//     share. What limits the AMI side is its tag (ec2:ResourceTag, listed for
//     ModifyImageAttribute); no key listed for it names the account added,
//     so that only the target account can assume the role, and that only
//     it may read the snapshots to copy the AMI, limits the rest.
//
// It writes nothing else: no parameter, no stack, no key.
type AccessRole struct {
	// Resource is the L1 role, the escape hatch; Role the L2 role.
	roleConstruct
}

// NewAccessRole creates the role.
func NewAccessRole(scope constructs.Construct, id string, props AccessRoleProps) *AccessRole {
	c := constructs.NewConstruct(scope, &id)
	stack := awscdk.Stack_Of(c)
	arn := func(service, resource, name string, region *string) string {
		return *stackarn.Format(stack, awscdk.ArnComponents{Service: jsii.String(service), Resource: jsii.String(resource),
			ResourceName: jsii.String(name), Region: region})
	}
	ec2Arn := func(resource string) string {
		// EC2 images and snapshots have no account in their ARN.
		return *stackarn.Format(stack, awscdk.ArnComponents{Service: jsii.String("ec2"), Account: jsii.String(""),
			Resource: jsii.String(resource), ResourceName: jsii.String("*")})
	}
	role := awsiam.NewRole(c, jsii.String("Resource"), &awsiam.RoleProps{
		RoleName:    jsii.String(props.RoleName),
		AssumedBy:   awsiam.NewAccountPrincipal(jsii.String(props.TargetAccount)),
		Description: jsii.String("Account " + props.TargetAccount + " checks the promotion gates and copies this environment's golden AMI"),
	})
	statements := []*awsiam.PolicyStatementProps{
		{Sid: jsii.String("ReadTheFleetStack"), Actions: jsii.Strings("cloudformation:DescribeStacks"),
			Resources: jsii.Strings(arn("cloudformation", "stack", props.FleetStackName+"/*", nil))},
		{Sid: jsii.String("ReadTheGoldenAmiParameter"), Actions: jsii.Strings("ssm:GetParameter", "ssm:GetParameterHistory"),
			Resources: jsii.Strings(arn("ssm", "parameter", strings.TrimPrefix(props.ParameterName, "/"), nil))},
		{Sid: jsii.String("DescribeTheFleet"),
			Actions: jsii.Strings("ec2:DescribeImages", "ec2:DescribeInstances", "autoscaling:DescribeAutoScalingGroups",
				"cloudwatch:DescribeAlarms", "imagebuilder:ListImageScanFindings"),
			Resources: jsii.Strings("*")},
		{Sid: jsii.String("ReadImageBuilderImages"), Actions: jsii.Strings("imagebuilder:GetImage"),
			Resources: jsii.Strings(arn("imagebuilder", "image", "*", nil))},
		{Sid: jsii.String("DistributeToTheTarget"), Actions: jsii.Strings("imagebuilder:DistributeImage"),
			Resources: jsii.Strings(*distributionArn(stack, props.Distribution),
				arn("imagebuilder", "image", "*", nil))},
		{Sid: jsii.String("PassTheDistributionExecutionRole"), Actions: jsii.Strings("iam:PassRole"),
			Resources:  jsii.Strings(arn("iam", "role", props.ExecutionRoleName, jsii.String(""))),
			Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"iam:PassedToService": "imagebuilder.amazonaws.com"}}},
		{Sid: jsii.String("ShareGoldenAmisWithTheTargetOnly"), Actions: jsii.Strings("ec2:ModifyImageAttribute"),
			Resources: jsii.Strings(ec2Arn("image")),
			Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{
				"ec2:ResourceTag/" + props.AmiTag[0]: props.AmiTag[1],
			}}},
		{Sid: jsii.String("ShareSnapshotsWithTheTargetOnly"), Actions: jsii.Strings("ec2:ModifySnapshotAttribute"),
			Resources:  jsii.Strings(ec2Arn("snapshot")),
			Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"ec2:Add/userId": props.TargetAccount}}},
	}
	for _, st := range statements {
		role.AddToPolicy(awsiam.NewPolicyStatement(st))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role.Node().FindChild(jsii.String("DefaultPolicy")), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("DescribeTheFleet: ec2:DescribeImages/DescribeInstances, autoscaling:DescribeAutoScalingGroups, " +
			"cloudwatch:DescribeAlarms and imagebuilder:ListImageScanFindings take no resource-level permissions; " +
			"image/* and snapshot/*: the golden AMI changes with every build, so sharing is limited by conditions instead " +
			"(the AMI's environment tag; snapshots: ec2:Add/userId the target account only); imagebuilder image/*: GetImage and " +
			"DistributeImage of any image version this account built"),
		AppliesTo: &[]interface{}{"Resource::*",
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:ec2:[^:]+::(image|snapshot)\/\*$/`)},
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:imagebuilder:[^:]+:[^:]+:image\/\*$/`)},
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:cloudformation:[^:]+:[^:]+:stack\/[^/]+\/\*$/`)},
		},
	}}, jsii.Bool(true))
	return &AccessRole{newRoleConstruct(c, role)}
}
