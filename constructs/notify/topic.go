// Package notify makes the KMS-encrypted SNS topics that AWS services
// publish to through their service-linked roles.
package notify

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/internal/stackarn"
)

// TopicProps configures EncryptedTopic.
type TopicProps struct {
	// KeyID and TopicID are the construct ids of the key and the topic
	// (a contract: changing them replaces the resources).
	KeyID, TopicID string
	// KeyDescription describes the key.
	KeyDescription string
	// Publisher names the publishing service for the key policy's Sid, for
	// example "ImageBuilder".
	Publisher string
	// ServiceLinkedRole is the path and name of the service-linked role
	// that publishes, for example
	// "aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder".
	ServiceLinkedRole string
}

// EncryptedTopic creates an SNS topic encrypted with its own rotating KMS
// key that refuses requests without TLS, and lets the service-linked role
// that publishes use the key.
//
// The key policy itself allows the role: SNS encrypts a message with the
// publisher's own permissions on the key (SNS developer guide, "Key
// management"), and a service-linked role carries no permission for a
// customer managed key, so a statement delegating to IAM (the account as
// principal) would leave it denied (Image Builder user guide, "Amazon SNS
// integration", encrypted topics; Auto Scaling user guide, "Required KMS
// key policy for use with encrypted volumes": service-linked roles do not
// include access to customer managed keys). The role is matched by a
// condition (any principal whose ARN is the role's, calling from this
// account) rather than named as a principal: KMS refuses a key policy
// naming a principal that does not exist, and the role appears only when
// the account first uses the service, possibly after this key.
func EncryptedTopic(scope constructs.Construct, props TopicProps) (awssns.Topic, awskms.Key) {
	key := awskms.NewKey(scope, jsii.String(props.KeyID), &awskms.KeyProps{
		Description:       jsii.String(props.KeyDescription),
		EnableKeyRotation: jsii.Bool(true),
	})
	stack := awscdk.Stack_Of(scope)
	role := stackarn.Format(stack, awscdk.ArnComponents{
		Service:      jsii.String("iam"),
		Region:       jsii.String(""),
		Resource:     jsii.String("role"),
		ResourceName: jsii.String(props.ServiceLinkedRole),
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String(props.Publisher + "Publishes"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"ArnEquals":    map[string]interface{}{"aws:PrincipalArn": role},
			"StringEquals": map[string]interface{}{"kms:CallerAccount": stack.Account()},
		},
	}), jsii.Bool(false))
	topic := awssns.NewTopic(scope, jsii.String(props.TopicID), &awssns.TopicProps{
		MasterKey:  key,
		EnforceSSL: jsii.Bool(true),
	})
	return topic, key
}
