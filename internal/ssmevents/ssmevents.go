// Package ssmevents starts a state machine when Parameter Store reports a
// change of one parameter: the trigger both the automatic rollout and the
// golden AMI marker use.
package ssmevents

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// StartOnChange adds the EventBridge rule id to scope that starts sm on
// each "Parameter Store Change" event of the parameter called name whose
// operation is one of operations ("Create", "Update").
func StartOnChange(scope constructs.Construct, id, description string, name *string, operations []string, sm awsstepfunctions.IStateMachine) awsevents.Rule {
	ops := make([]interface{}, len(operations))
	for i, o := range operations {
		ops[i] = o
	}
	rule := awsevents.NewRule(scope, jsii.String(id), &awsevents.RuleProps{
		Description: jsii.String(description),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.ssm"),
			DetailType: jsii.Strings("Parameter Store Change"),
			Detail: &map[string]interface{}{
				"name":      []interface{}{name},
				"operation": ops,
			},
		},
	})
	rule.AddTarget(awseventstargets.NewSfnStateMachine(sm, nil))
	return rule
}
