// Package cfndeps trims DependsOn entries that aws-cdk-lib writes although
// a reference already orders the resources (cfn-lint W3005). Its effect is
// tested through the synthesized templates (stacks/, golden files and
// cfn-lint in make synth-check): a unit test here would start jsii again.
package cfndeps

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/jsii-runtime-go"
)

// DependOnPolicyOnly keeps the state machine's DependsOn on its role's
// policy (an execution must not start before the policy exists) and drops
// the one on the role itself, which its RoleArn already references.
func DependOnPolicyOnly(sm awsstepfunctions.StateMachine) {
	policy := sm.Role().Node().TryFindChild(jsii.String("DefaultPolicy"))
	if policy == nil {
		return
	}
	cfn := sm.Node().DefaultChild().(awscdk.CfnResource)
	id := awscdk.Stack_Of(sm).GetLogicalId(policy.Node().DefaultChild().(awscdk.CfnElement))
	cfn.AddOverride(jsii.String("DependsOn"), []*string{id})
}
