// Package rollout moves running instances onto the current golden AMI: the
// preferences of the instance refreshes that `fleetctl roll` and the
// automatic rollout start, and the automatic rollout itself (an
// EventBridge rule on the golden AMI parameter and a Step Functions state
// machine that calls Auto Scaling directly, no Lambda function).
package rollout

import (
	"encoding/json"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctionstasks"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/immutable-server/golden-fleet/internal/awsfacts"
	"github.com/immutable-server/golden-fleet/internal/constructcheck"

	"github.com/immutable-server/golden-fleet/internal/cfndeps"
	"github.com/immutable-server/golden-fleet/internal/ssmevents"
)

// Preferences of an instance refresh that replaces every instance of the
// group with one launched from the current golden AMI.
type Preferences struct {
	// MinHealthyPercentage of the desired capacity stays in service.
	// Default: 90 (Auto Scaling's).
	MinHealthyPercentage int
	// InstanceWarmup after a new instance is in service. Default: the
	// group's health check grace period (omitted).
	InstanceWarmup time.Duration
	// CheckpointPercentages and CheckpointDelay pause the refresh.
	// Default: no checkpoint.
	CheckpointPercentages []int
	CheckpointDelay       time.Duration
}

// RefreshPreferences returns p as StartInstanceRefresh's Preferences
// (RefreshPreferences in the Auto Scaling API reference), with skip
// matching off: the launch template version never changes, only the
// parameter its image resolves, so every instance "matches" and skip
// matching would replace none. alarmNames fail the refresh when one of
// them is in ALARM; none: no alarm specification.
func (p Preferences) RefreshPreferences(alarmNames []*string) map[string]interface{} {
	out := map[string]interface{}{"SkipMatching": false}
	if p.MinHealthyPercentage != 0 {
		out["MinHealthyPercentage"] = p.MinHealthyPercentage
	}
	if p.InstanceWarmup != 0 {
		out["InstanceWarmup"] = int(p.InstanceWarmup.Seconds())
	}
	if len(p.CheckpointPercentages) > 0 {
		out["CheckpointPercentages"] = p.CheckpointPercentages
		if p.CheckpointDelay != 0 {
			out["CheckpointDelay"] = int(p.CheckpointDelay.Seconds())
		}
	}
	if len(alarmNames) > 0 {
		out["AlarmSpecification"] = map[string]interface{}{"Alarms": alarmNames}
	}
	return out
}

// JSON is the stack output fleetctl roll reads its default preferences
// from (durations in whole seconds, as the API takes them).
func (p Preferences) JSON() string {
	b, _ := json.Marshal(p.RefreshPreferences(nil))
	return string(b)
}

// MaxAlarms is the most alarms an instance refresh watches.
const MaxAlarms = awsfacts.MaxRefreshAlarms

// InProgressError is what Step Functions calls Auto Scaling's
// InstanceRefreshInProgress fault: the service name and the error name in
// PascalCase, with the "Exception" suffix AWS SDK integrations always add
// ("Learning to use AWS service SDK integrations in Step Functions").
const InProgressError = "AutoScaling.InstanceRefreshInProgressException"

// AutomaticRolloutProps configures AutomaticRollout.
type AutomaticRolloutProps struct {
	// Parameter is the golden AMI parameter; an update of it starts a
	// refresh.
	Parameter awsssm.IStringParameter
	// Group is the fleet's Auto Scaling group.
	Group awsautoscaling.IAutoScalingGroup
	// LaunchTemplateRole is the instance role the group's launch template
	// passes to instances: starting a refresh needs iam:PassRole on it,
	// as creating the group did ("Amazon EC2 Auto Scaling API
	// permissions").
	LaunchTemplateRole awsiam.IRole
	// Preferences of every refresh. Default: each preference's own
	// default (see Preferences).
	Preferences Preferences
	// Alarms fail a refresh when one of them goes into ALARM (at most
	// MaxAlarms). Default: none, a refresh watches no alarm.
	Alarms []awscloudwatch.IAlarm
	// StateMachineName names the state machine. Default: a name
	// CloudFormation generates.
	StateMachineName string
}

// AutomaticRollout starts an instance refresh of the group whenever the
// golden AMI parameter is updated: an EventBridge rule on Systems
// Manager's "Parameter Store Change" events for that one parameter, and a
// Step Functions state machine whose only task calls
// autoscaling:StartInstanceRefresh through the AWS SDK integration.
//
// It can never trigger itself: the state machine's role may start an
// instance refresh of this group and nothing else — no SSM write — and a
// refresh launches instances but never writes the parameter. A refresh
// already running (fleetctl roll, or a previous build's) is waited for
// and retried, up to about four hours, so that the fleet ends on the
// newest AMI.
type AutomaticRollout struct {
	constructs.Construct
	// Resource is the L1 state machine, the escape hatch.
	Resource awsstepfunctions.CfnStateMachine
	// StateMachine is the L2 state machine.
	StateMachine awsstepfunctions.StateMachine
	// Rule matches the parameter's updates.
	Rule awsevents.Rule
}

// startRefreshTask is the state machine's one task: StartInstanceRefresh
// of the group with the preferences and alarms of props, retried while
// another refresh is in progress.
func startRefreshTask(c constructs.Construct, props AutomaticRolloutProps) awsstepfunctionstasks.CallAwsService {
	var alarms []*string
	for _, a := range props.Alarms {
		alarms = append(alarms, a.AlarmName())
	}
	params := map[string]interface{}{
		"AutoScalingGroupName": props.Group.AutoScalingGroupName(),
		"Strategy":             "Rolling",
		"Preferences":          props.Preferences.RefreshPreferences(alarms),
	}
	start := awsstepfunctionstasks.NewCallAwsService(c, jsii.String("StartInstanceRefresh"), &awsstepfunctionstasks.CallAwsServiceProps{
		Comment:      jsii.String("Replace every instance: each new one launches the AMI now in the golden parameter"),
		Service:      jsii.String("autoscaling"),
		Action:       jsii.String("startInstanceRefresh"),
		IamAction:    jsii.String("autoscaling:StartInstanceRefresh"),
		IamResources: jsii.Strings(*props.Group.AutoScalingGroupArn()),
		Parameters:   &params,
	})
	start.AddRetry(&awsstepfunctions.RetryProps{
		Errors:      jsii.Strings(InProgressError),
		Interval:    awscdk.Duration_Minutes(jsii.Number(2)),
		BackoffRate: jsii.Number(1.5),
		MaxDelay:    awscdk.Duration_Minutes(jsii.Number(15)),
		MaxAttempts: jsii.Number(20),
	})
	return start
}

// NewAutomaticRollout creates the rule and the state machine.
func NewAutomaticRollout(scope constructs.Construct, id string, props AutomaticRolloutProps) *AutomaticRollout {
	c := constructs.NewConstruct(scope, &id)
	if len(props.Alarms) > MaxAlarms {
		constructcheck.Fail(c, "automatic rollout %s: Alarms got %d alarms: want at most %d (an instance refresh watches up to %d)",
			props.StateMachineName, len(props.Alarms), MaxAlarms, MaxAlarms)
	}
	start := startRefreshTask(c, props)

	sm := ssmevents.NewStateMachine(c, props.StateMachineName, "Rolls the fleet onto a new golden AMI: starts an instance refresh of its group",
		awsstepfunctions.DefinitionBody_FromChainable(start), awscdk.Duration_Hours(jsii.Number(6)))
	// Starting a refresh of a group with a launch template needs what
	// creating the group did: launching from the template, tagging what
	// it launches, passing its instance role.
	sm.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("LaunchFromTheFleetLaunchTemplate"),
		Actions:   jsii.Strings("ec2:RunInstances"),
		Resources: jsii.Strings("*"),
	}))
	sm.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("TagWhatItLaunches"),
		Actions:    jsii.Strings("ec2:CreateTags"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"ec2:CreateAction": "RunInstances"}},
	}))
	sm.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("PassTheInstanceRole"),
		Actions:    jsii.Strings("iam:PassRole"),
		Resources:  jsii.Strings(*props.LaunchTemplateRole.RoleArn()),
		Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"iam:PassedToService": "ec2.amazonaws.com"}},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(sm.Role(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("autoscaling:StartInstanceRefresh is limited to the fleet's group (its ARN has a wildcard for the group's id); " +
			"ec2:RunInstances and ec2:CreateTags (RunInstances only) are what Auto Scaling checks of whoever uses a launch template, " +
			"and this role can only reach them through StartInstanceRefresh; log delivery and X-Ray have no resource-level permissions"),
	}}, jsii.Bool(true))

	cfndeps.DependOnPolicyOnly(sm)

	rule := ssmevents.StartOnChange(c, "OnGoldenAmiUpdate", "An update of the golden AMI parameter rolls the fleet",
		props.Parameter.ParameterName(), []string{"Update"}, sm)
	return &AutomaticRollout{Construct: c, Resource: sm.Node().DefaultChild().(awsstepfunctions.CfnStateMachine), StateMachine: sm, Rule: rule}
}

// Name of the state machine.
func (r *AutomaticRollout) Name() *string { return r.StateMachine.StateMachineName() }

// Arn of the state machine.
func (r *AutomaticRollout) Arn() *string { return r.StateMachine.StateMachineArn() }
