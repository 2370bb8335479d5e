// Package ssmevents is what the automatic rollout and the golden AMI
// marker share: a state machine that logs every execution, started when
// Parameter Store reports a change of one parameter.
package ssmevents

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
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

// NewStateMachine adds to scope the state machine "Resource", traced,
// bounded by timeout, logging every execution with its data to the log
// group "Logs" (kept a year, deleted with the stack). name names it;
// empty, CloudFormation generates a name.
func NewStateMachine(scope constructs.Construct, name, comment string, body awsstepfunctions.DefinitionBody, timeout awscdk.Duration) awsstepfunctions.StateMachine {
	logs := awslogs.NewLogGroup(scope, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	var smName *string
	if name != "" {
		smName = jsii.String(name)
	}
	return awsstepfunctions.NewStateMachine(scope, jsii.String("Resource"), &awsstepfunctions.StateMachineProps{
		StateMachineName: smName,
		Comment:          jsii.String(comment),
		DefinitionBody:   body,
		TracingEnabled:   jsii.Bool(true),
		Timeout:          timeout,
		Logs: &awsstepfunctions.LogOptions{
			Destination:          logs,
			Level:                awsstepfunctions.LogLevel_ALL,
			IncludeExecutionData: jsii.Bool(true),
		},
	})
}
