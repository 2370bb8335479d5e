package lifecycle

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/jsii-runtime-go"
)

// dependOnPolicyOnly keeps the state machine's DependsOn on its role's
// policy (an execution must not start before the policy exists) and drops
// the one on the role itself, which its RoleArn already references
// (cfn-lint W3005).
func dependOnPolicyOnly(sm awsstepfunctions.StateMachine) {
	policy := sm.Role().Node().TryFindChild(jsii.String("DefaultPolicy"))
	if policy == nil {
		return
	}
	cfn := sm.Node().DefaultChild().(awscdk.CfnResource)
	id := awscdk.Stack_Of(sm).GetLogicalId(policy.Node().DefaultChild().(awscdk.CfnElement))
	cfn.AddOverride(jsii.String("DependsOn"), []*string{id})
}
