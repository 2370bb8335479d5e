package promotion

import (
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/immutable-server/golden-fleet/internal/stackarn"
)

// Source is the environment a target promotes from, as the target's
// account sees it: by account and region, never by reference.
type Source struct {
	// Account and Region of the source.
	Account, Region string
}

// Promoted is one environment of the stack's account that promotes from
// another account.
type Promoted struct {
	// Region of the environment.
	Region string
	// ParameterName of its golden AMI parameter.
	ParameterName string
	// KmsKeyArn encrypts its copies, when configured. Default: the
	// account's default EBS key, which needs no permission here.
	KmsKeyArn string
	// From is where its AMIs come from.
	From Source
}

// CrossAccountRoleProps configures CrossAccountRole.
type CrossAccountRoleProps struct {
	// RoleName is the name Image Builder assumes:
	// EC2ImageBuilderDistributionCrossAccountRole.
	RoleName string
	// Promoted lists every environment of this account that promotes from
	// another account: IAM roles are per account, so one role serves
	// them all.
	Promoted []Promoted
}

// CrossAccountRole is the role Image Builder assumes in the target
// account to distribute a promoted AMI there (Image Builder user guide,
// "Set up cross-account AMI distribution with Image Builder": a role of
// this name, trusting the source account). Instead of the managed policy
// Ec2ImageBuilderCrossAccountDistributionAccess (CreateTags on every
// image; CopyImage, DescribeImages and ModifyImageAttribute on *), it gets
// exactly what a promotion uses:
//
//   - copy an AMI from a source region into a target region, and tag the
//     copy (ec2:CopyImage, ec2:CreateTags, ec2:DescribeImages);
//   - use the source's AMI key (the inline policy the guide asks for) on
//     keys of the source accounts and regions, and the target's own key
//     when one is configured. The source key's id is generated in another
//     account, so the statement names key/* of that account and region;
//     what narrows it to the AMI key is that key's own policy, the only
//     one of the source account that lets this account use it (a
//     cross-account KMS call needs both the key policy and the caller's
//     IAM policy: KMS developer guide, "Allowing users in other accounts
//     to use a KMS key"). No kms:ResourceAliases condition: aliases belong
//     to the key's own account and Region (AWS::KMS::Alias), and the KMS
//     guide documents alias-based authorization (ABAC) for them there; a
//     condition on them in the target's policy, evaluated for a key of
//     another account, would decide whether every copy is denied;
//   - write the golden AMI parameter of each promoting environment
//     (SsmParameterConfigurations of the promotion's distribution), and
//     nothing else of SSM.
//
// No launch template permission: a promotion adds no launch template
// version. No ModifyImageAttribute: it sets no launch permission.
type CrossAccountRole struct {
	// Resource is the L1 role, the escape hatch; Role the L2 role.
	roleConstruct
}

// NewCrossAccountRole creates the role.
func NewCrossAccountRole(scope constructs.Construct, id string, props CrossAccountRoleProps) *CrossAccountRole {
	c := constructs.NewConstruct(scope, &id)
	stack := awscdk.Stack_Of(c)
	var trusted []awsiam.IPrincipal
	var sourceAccounts, regions, parameters, keys []string
	addOnce := func(list *[]string, v string) {
		if !slices.Contains(*list, v) {
			*list = append(*list, v)
		}
	}
	for _, p := range props.Promoted {
		if !slices.Contains(sourceAccounts, p.From.Account) {
			trusted = append(trusted, awsiam.NewAccountPrincipal(jsii.String(p.From.Account)))
		}
		addOnce(&sourceAccounts, p.From.Account)
		addOnce(&regions, p.From.Region)
		addOnce(&regions, p.Region)
		addOnce(&parameters, *stackarn.Format(stack, awscdk.ArnComponents{Service: jsii.String("ssm"), Region: jsii.String(p.Region),
			Resource: jsii.String("parameter"), ResourceName: jsii.String(strings.TrimPrefix(p.ParameterName, "/"))}))
		addOnce(&keys, *stackarn.Format(stack, awscdk.ArnComponents{Service: jsii.String("kms"), Region: jsii.String(p.From.Region),
			Account: jsii.String(p.From.Account), Resource: jsii.String("key"), ResourceName: jsii.String("*")}))
	}
	role := awsiam.NewRole(c, jsii.String("Resource"), &awsiam.RoleProps{
		RoleName:    jsii.String(props.RoleName),
		AssumedBy:   awsiam.NewCompositePrincipal(trusted...),
		Description: jsii.String("Image Builder copies golden AMIs promoted from " + strings.Join(sourceAccounts, ", ") + " into this account"),
	})
	var images, targetImages []string
	for _, r := range regions {
		images = append(images, ec2ResourceArn(stack, r, "image"), ec2ResourceArn(stack, r, "snapshot"))
	}
	for _, p := range props.Promoted {
		addOnce(&targetImages, ec2ResourceArn(stack, p.Region, "image"))
	}
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("CopyPromotedAmis"), Actions: jsii.Strings("ec2:CopyImage"), Resources: jsii.Strings(images...),
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("TagPromotedAmis"), Actions: jsii.Strings("ec2:CreateTags"), Resources: jsii.Strings(targetImages...),
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("DescribeImages"), Actions: jsii.Strings("ec2:DescribeImages"), Resources: jsii.Strings("*"),
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("UseTheSourceAmiKeys"), Actions: jsii.Strings(append(slices.Clone(keyUseActions), keyGrantActions...)...),
		Resources: jsii.Strings(keys...),
	}))
	var targetKeys []string
	for _, p := range props.Promoted {
		if p.KmsKeyArn != "" {
			addOnce(&targetKeys, p.KmsKeyArn)
		}
	}
	if len(targetKeys) > 0 {
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("EncryptCopiesWithTheConfiguredKeys"), Actions: jsii.Strings(append(slices.Clone(keyUseActions), keyGrantActions...)...),
			Resources: jsii.Strings(targetKeys...),
		}))
	}
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("WriteGoldenAmiParameters"), Actions: jsii.Strings("ssm:PutParameter"), Resources: jsii.Strings(parameters...),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(role.Node().FindChild(jsii.String("DefaultPolicy")), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("ec2:DescribeImages takes no resource-level permission; image/* and snapshot/* of the source and " +
			"target regions: the AMI a promotion copies, and its copy, are new each time; key/* of the source accounts and regions: " +
			"the AMI keys' ids are generated in another account, and only their key policies let this account use them"),
		AppliesTo: &[]interface{}{"Resource::*",
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:ec2:[^:]+::(image|snapshot)\/\*$/`)},
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:kms:[^:]+:[0-9]{12}:key\/\*$/`)},
		},
	}}, jsii.Bool(true))
	return &CrossAccountRole{newRoleConstruct(c, role)}
}

// ec2ResourceArn is the ARN of every EC2 image or snapshot of a region
// (their ARNs have no account).
func ec2ResourceArn(stack awscdk.Stack, region, resource string) string {
	return *stackarn.Format(stack, awscdk.ArnComponents{Service: jsii.String("ec2"), Region: jsii.String(region), Account: jsii.String(""),
		Resource: jsii.String(resource), ResourceName: jsii.String("*")})
}
