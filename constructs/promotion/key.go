// Package promotion holds the cross-account pieces of "build once,
// promote": the source account's AMI key, the access role the target
// assumes to check the gates and share the AMI, the distribution
// configuration and execution role DistributeImage uses, and the role
// Image Builder assumes in the target account.
//
// Each construct lives in the stack of the account it belongs to; none
// refers to a resource of another account except by name (accounts,
// aliases, role names from the configuration): CloudFormation has no
// cross-account references.
package promotion

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AmiKeyProps configures AmiKey.
type AmiKeyProps struct {
	// Alias of the key, for example "alias/golden-fleet-dev-ami": how
	// operators find it.
	Alias string
	// TargetAccounts may use the key to copy the AMIs it encrypts into
	// their own account. Default: none (the key serves its own account).
	TargetAccounts []string
}

// AmiKey is the customer-managed KMS key the source environment's image
// recipe encrypts every AMI with.
//
// AMIs whose snapshots are encrypted with the AWS-managed key aws/ebs
// cannot be shared with another account; with a customer-managed key
// they can, once its policy lets the other account use it (EC2 user
// guide, "Share an AMI with specific AWS accounts"). The policy holds:
//
//   - the account itself, through IAM (CDK's default statement);
//   - every principal of this account using the key through EBS in this
//     region (kms:ViaService, kms:CallerAccount): what the AWS-managed key
//     aws/ebs allows, so Image Builder's builds and the Auto Scaling
//     service-linked role, which launches the fleet from these AMIs, can
//     use it without being named (a key policy naming a service-linked
//     role that does not exist yet fails to create);
//   - each target account: the actions to read and re-encrypt the
//     snapshots while copying them, and grants for AWS services only
//     (KMS developer guide, "Allowing users in other accounts to use a
//     KMS key"). The target's own IAM decides which of its roles may.
type AmiKey struct {
	constructs.Construct
	// Resource is the L1 key, the escape hatch.
	Resource awskms.CfnKey
	// Key is the L2 key.
	Key awskms.Key
	// Alias is the key's alias.
	Alias awskms.Alias
	alias string
}

// NewAmiKey creates the key and its alias.
func NewAmiKey(scope constructs.Construct, id string, props AmiKeyProps) *AmiKey {
	c := constructs.NewConstruct(scope, &id)
	stack := awscdk.Stack_Of(c)
	key := awskms.NewKey(c, jsii.String("Resource"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the golden AMIs this environment builds and promotes"),
		EnableKeyRotation: jsii.Bool(true),
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("EbsForPrincipalsOfThisAccount"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{
				"kms:ViaService":    fmt.Sprintf("ec2.%s.amazonaws.com", *stack.Region()),
				"kms:CallerAccount": *stack.Account(),
			},
		},
	}), jsii.Bool(false))
	for _, account := range props.TargetAccounts {
		key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("Account" + account + "CopiesAmis"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAccountPrincipal(jsii.String(account))},
			Actions:    jsii.Strings(keyUseActions...),
			Resources:  jsii.Strings("*"),
		}), jsii.Bool(false))
		key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("Account" + account + "GrantsToAwsServices"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAccountPrincipal(jsii.String(account))},
			Actions:    jsii.Strings(keyGrantActions...),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]interface{}{"Bool": map[string]interface{}{"kms:GrantIsForAWSResource": true}},
		}), jsii.Bool(false))
	}
	alias := key.AddAlias(jsii.String(props.Alias))
	return &AmiKey{Construct: c, Resource: key.Node().DefaultChild().(awskms.CfnKey), Key: key, Alias: alias, alias: props.Alias}
}

// Name of the key: its alias, by which the target accounts find it.
func (k *AmiKey) Name() *string { return jsii.String(k.alias) }

// Arn of the key.
func (k *AmiKey) Arn() *string { return k.Key.KeyArn() }

// keyUseActions and keyGrantActions are what copying an encrypted AMI
// across accounts needs of the source key: EBS reads the snapshots with
// it and re-encrypts them with the target's key (Image Builder user
// guide, "Set up cross-account AMI distribution", the inline policy of
// EC2ImageBuilderDistributionCrossAccountRole; EBS user guide, "Share a
// snapshot": share the KMS key), and creates grants for itself.
var (
	keyUseActions = []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
		"kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"}
	keyGrantActions = []string{"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"}
)
