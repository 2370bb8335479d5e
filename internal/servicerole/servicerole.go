// Package servicerole makes the IAM roles an AWS service assumes with the
// AWS-managed policies it needs: each such role carries the cdk-nag
// suppression of AwsSolutions-IAM4 for exactly those policies, so the
// policy list and the suppression cannot drift apart.
package servicerole

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Props configures New.
type Props struct {
	// Service is the principal that assumes the role, for example
	// "ec2.amazonaws.com".
	Service string
	// Description of the role.
	Description string
	// ManagedPolicies are the names of the AWS-managed policies the role
	// gets, in order.
	ManagedPolicies []string
	// WhyManaged is the written reason for using AWS-managed policies, the
	// reason of the suppression.
	WhyManaged string
}

// New creates the role with the id in scope.
func New(scope constructs.Construct, id string, props Props) awsiam.Role {
	policies := make([]awsiam.IManagedPolicy, len(props.ManagedPolicies))
	appliesTo := make([]interface{}, len(props.ManagedPolicies))
	for i, name := range props.ManagedPolicies {
		policies[i] = awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String(name))
		appliesTo[i] = "Policy::arn:<AWS::Partition>:iam::aws:policy/" + name
	}
	role := awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		AssumedBy:       awsiam.NewServicePrincipal(jsii.String(props.Service), nil),
		Description:     jsii.String(props.Description),
		ManagedPolicies: &policies,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(role.Node().DefaultChild(), &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM4"),
		Reason:    jsii.String(props.WhyManaged),
		AppliesTo: &appliesTo,
	}}, jsii.Bool(false))
	return role
}
