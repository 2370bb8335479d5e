package lifecycle

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/immutable-server/golden-fleet/internal/constructcheck"
	"github.com/immutable-server/golden-fleet/internal/marks"

	"github.com/immutable-server/golden-fleet/internal/cfndeps"
	"github.com/immutable-server/golden-fleet/internal/ssmevents"
	"github.com/immutable-server/golden-fleet/internal/stackarn"
)

// MarkerProps configures Marker.
type MarkerProps struct {
	// ParameterName is the fleet's golden AMI parameter.
	ParameterName string
	// Fleet is "<prefix>-<env>", the fleet whose marks (marks.RoleKey)
	// the marker keeps.
	Fleet string
	// StateMachineName names the state machine. Default: a name
	// CloudFormation generates.
	StateMachineName string
}

// Marker keeps the marks of the fleet's AMIs (internal/marks) in step with
// its golden AMI parameter, whoever writes it — Image Builder's
// distribution above all, which cannot run code of ours: an EventBridge
// rule on Systems Manager's "Parameter Store Change" events for the
// parameter starts a Step Functions state machine (AWS SDK integrations,
// no Lambda function) that applies marks.Plan's rule from the parameter's
// current state:
//
//  1. the golden AMI is the parameter's value, the rollback target the
//     newest older version with a different value;
//  2. both are tagged, if the account owns them, and so are the Image
//     Builder image resources that built them (their Ec2ImageBuilderArn
//     tag), if in this account and region;
//  3. unless a newer write has happened meanwhile (whose own execution
//     will do it), every other AMI of the account tagged for this fleet
//     loses that tag, and the retain mark when no other fleet's tag is
//     left on it; its image resource loses the same tags.
//
// fleetctl rollback and promotion apply the same rule with marks.Sync at
// once; running both changes nothing. The state machine's role may read
// the parameter, describe images and create or delete only the two mark
// tag keys, on AMIs and on the account's Image Builder images only.
type Marker struct {
	constructs.Construct
	// Resource is the L1 state machine, the escape hatch.
	Resource awsstepfunctions.CfnStateMachine
	// StateMachine is the L2 state machine.
	StateMachine awsstepfunctions.StateMachine
	// Rule matches the parameter's changes.
	Rule awsevents.Rule
}

// ParameterVersionNotFound is what Step Functions calls SSM's
// ParameterVersionNotFound error ("Learning to use AWS service SDK
// integrations in Step Functions": service and error names in
// PascalCase, "Exception" always appended). SSM keeps a parameter's 100
// newest versions.
const ParameterVersionNotFound = "Ssm.ParameterVersionNotFoundException"

// ImageResourceNotFound are the names Step Functions may give Image
// Builder's ResourceNotFoundException: "ServiceName.ErrorName", both in
// PascalCase ("Learning to use AWS service SDK integrations in Step
// Functions"); whether the service name is Imagebuilder or ImageBuilder
// is not documented, so both are caught.
var ImageResourceNotFound = []string{"Imagebuilder.ResourceNotFoundException", "ImageBuilder.ResourceNotFoundException"}

// markerDefinition returns the state machine's Amazon States Language
// definition (JSONPath); partition is the stack's, imagesHere the ARN
// pattern of the Image Builder images of the stack's account and region
// (image/*), the only image resources the marker tags. It is long because
// it is one literal, the states in the order they run: split, the
// transitions between them would no longer read top to bottom.
func markerDefinition(props MarkerProps, partition, imagesHere string) string {
	key := marks.RoleKey(props.Fleet)
	sdk := func(action string) string { return "arn:" + partition + ":states:::aws-sdk:" + action }
	retry := []interface{}{map[string]interface{}{"ErrorEquals": []string{"States.TaskFailed"}, "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2}}
	getParameter := func(name map[string]interface{}, selector map[string]interface{}, resultPath, next string) map[string]interface{} {
		return map[string]interface{}{"Type": "Task", "Resource": sdk("ssm:getParameter"), "Parameters": name,
			"ResultSelector": selector, "ResultPath": resultPath, "Next": next}
	}
	findOwned := func(idPath, resultPath, next string) map[string]interface{} {
		return map[string]interface{}{"Type": "Task", "Resource": sdk("ec2:describeImages"),
			"Parameters": map[string]interface{}{"Owners": []string{"self"},
				"Filters": []interface{}{map[string]interface{}{"Name": "image-id", "Values.$": "States.Array(" + idPath + ")"}}},
			"ResultSelector": map[string]interface{}{"ids.$": "$.Images[*].ImageId"},
			"ResultPath":     resultPath, "Retry": retry, "Next": next}
	}
	// imageResource returns the states, named prefix+…, that make the
	// change of write (imagebuilder:tagResource or untagResource with
	// params) on the image resource that built the AMI $.id, if it has
	// one in this account and region (its Ec2ImageBuilderArn tag), then
	// go to next ("" ends). An image resource already deleted is left
	// alone.
	imageResource := func(prefix, write string, params map[string]interface{}, next string) map[string]interface{} {
		find := map[string]interface{}{"Type": "Task", "Resource": sdk("ec2:describeImages"),
			"Parameters": map[string]interface{}{"Owners": []string{"self"}, "Filters": []interface{}{
				map[string]interface{}{"Name": "image-id", "Values.$": "States.Array($.id)"},
				map[string]interface{}{"Name": "tag-key", "Values": []string{marks.ImageBuilderArnTag}}}},
			"ResultSelector": map[string]interface{}{"images.$": "$.Images"},
			"ResultPath":     "$.built", "Retry": retry, "Next": prefix + "ImageResources"}
		params["ResourceArn.$"] = "$.arn"
		each := map[string]interface{}{"Type": "Map", "ItemsPath": "$.built.images", "ResultPath": nil,
			"ItemSelector": map[string]interface{}{"tags.$": "$$.Map.Item.Value.Tags"},
			"ItemProcessor": map[string]interface{}{
				"ProcessorConfig": map[string]interface{}{"Mode": "INLINE"},
				"StartAt":         "ArnTag",
				"States": map[string]interface{}{
					"ArnTag": map[string]interface{}{"Type": "Pass", "Next": "Arn",
						"Parameters": map[string]interface{}{"arns.$": "$.tags[?(@.Key=='" + marks.ImageBuilderArnTag + "')].Value"}},
					"Arn": map[string]interface{}{"Type": "Pass", "Next": "InThisAccount",
						"Parameters": map[string]interface{}{"arn.$": "States.ArrayGetItem($.arns, 0)"}},
					"InThisAccount": map[string]interface{}{"Type": "Choice", "Default": "NotHere", "Choices": []interface{}{
						map[string]interface{}{"Variable": "$.arn", "StringMatches": imagesHere, "Next": "Write"}}},
					"NotHere": map[string]interface{}{"Type": "Succeed", "Comment": "Another account's or region's image resource: its own marker keeps it"},
					"Write": map[string]interface{}{"Type": "Task", "Resource": sdk(write), "Parameters": params,
						"ResultPath": nil, "Retry": retry, "End": true,
						"Catch": []interface{}{map[string]interface{}{"ErrorEquals": ImageResourceNotFound, "ResultPath": nil, "Next": "Gone"}}},
					"Gone": map[string]interface{}{"Type": "Succeed", "Comment": "The image resource is already deleted"},
				},
			}}
		if next == "" {
			each["End"] = true
		} else {
			each["Next"] = next
		}
		return map[string]interface{}{prefix + "FindImageResource": find, prefix + "ImageResources": each}
	}
	tag := func(ids, role, next string) map[string]interface{} {
		return map[string]interface{}{"Type": "Map", "ItemsPath": ids,
			"ItemSelector": map[string]interface{}{"id.$": "$$.Map.Item.Value"}, "ResultPath": nil,
			"ItemProcessor": map[string]interface{}{
				"ProcessorConfig": map[string]interface{}{"Mode": "INLINE"},
				"StartAt":         "Tag",
				"States": merge(map[string]interface{}{"Tag": map[string]interface{}{"Type": "Task", "Resource": sdk("ec2:createTags"),
					"Parameters": map[string]interface{}{"Resources.$": "States.Array($.id)", "Tags": []interface{}{
						map[string]string{"Key": key, "Value": role}, map[string]string{"Key": marks.RetainKey, "Value": marks.RetainValue}}},
					"ResultPath": nil, "Retry": retry, "Next": "FindImageResource"}},
					imageResource("", "imagebuilder:tagResource", map[string]interface{}{"Tags": map[string]string{key: role, marks.RetainKey: marks.RetainValue}}, "")),
			}, "Next": next}
	}
	deleteTags := func(keys []string, next string) map[string]interface{} {
		var tags []interface{}
		for _, k := range keys {
			tags = append(tags, map[string]string{"Key": k})
		}
		s := map[string]interface{}{"Type": "Task", "Resource": sdk("ec2:deleteTags"),
			"Parameters": map[string]interface{}{"Resources.$": "States.Array($.id)", "Tags": tags},
			"ResultPath": nil, "Retry": retry}
		if next == "" {
			s["End"] = true
		} else {
			s["Next"] = next
		}
		return s
	}
	unmark := map[string]interface{}{
		"StillHasARole": map[string]interface{}{"Type": "Choice", "Choices": []interface{}{map[string]interface{}{
			"Or": []interface{}{
				map[string]interface{}{"Variable": "$.id", "StringEqualsPath": "$.roles.current"},
				map[string]interface{}{"Variable": "$.id", "StringEqualsPath": "$.roles.previous"},
			}, "Next": "Keep"}}, "Default": "RemoveRole"},
		"Keep": map[string]interface{}{"Type": "Succeed"},
	}
	// An AMI keeps the retain mark while another fleet's role tag is on
	// it: EC2 filter values take * wildcards.
	unmark["RemoveRole"] = deleteTags([]string{key}, "RoleFindImageResource")
	for k, v := range imageResource("Role", "imagebuilder:untagResource", map[string]interface{}{"TagKeys": []string{key}}, "OtherFleetsRoles") {
		unmark[k] = v
	}
	unmark["OtherFleetsRoles"] = map[string]interface{}{"Type": "Task", "Resource": sdk("ec2:describeImages"),
		"Parameters": map[string]interface{}{"Owners": []string{"self"}, "Filters": []interface{}{
			map[string]interface{}{"Name": "image-id", "Values.$": "States.Array($.id)"},
			map[string]interface{}{"Name": "tag-key", "Values": []string{marks.RoleKeyPrefix + "*"}}}},
		"ResultSelector": map[string]interface{}{"count.$": "States.ArrayLength($.Images)"},
		"ResultPath":     "$.others", "Retry": retry, "Next": "RetainedForAnotherFleet"}
	unmark["RetainedForAnotherFleet"] = map[string]interface{}{"Type": "Choice", "Choices": []interface{}{
		map[string]interface{}{"Variable": "$.others.count", "NumericGreaterThan": 0, "Next": "Keep"}}, "Default": "RemoveRetain"}
	unmark["RemoveRetain"] = deleteTags([]string{marks.RetainKey}, "RetainFindImageResource")
	for k, v := range imageResource("Retain", "imagebuilder:untagResource", map[string]interface{}{"TagKeys": []string{marks.RetainKey}}, "") {
		unmark[k] = v
	}
	name := props.ParameterName
	def := map[string]interface{}{
		"Comment": fmt.Sprintf("Marks the golden AMI and the rollback target of %s (tags %s, %s) and unmarks the AMIs that lost that role", props.Fleet, key, marks.RetainKey),
		"StartAt": "ReadGoldenAmi",
		"States": map[string]interface{}{
			"ReadGoldenAmi": withRetry(getParameter(map[string]interface{}{"Name": name},
				map[string]interface{}{"current.$": "$.Parameter.Value", "version.$": "$.Parameter.Version"}, "$.golden", "StartSearch"), retry),
			"StartSearch": map[string]interface{}{"Type": "Pass", "ResultPath": "$.search", "Next": "OlderVersionLeft",
				"Parameters": map[string]interface{}{"current.$": "$.golden.current", "version.$": "States.MathAdd($.golden.version, -1)"}},
			"OlderVersionLeft": map[string]interface{}{"Type": "Choice", "Default": "ReadOlderVersion", "Choices": []interface{}{
				map[string]interface{}{"Variable": "$.search.version", "NumericLessThan": 1, "Next": "NoRollbackTarget"}}},
			"ReadOlderVersion": withCatch(getParameter(map[string]interface{}{"Name.$": "States.Format('" + name + ":{}', $.search.version)"},
				map[string]interface{}{"value.$": "$.Parameter.Value"}, "$.older", "SameAsGoldenAmi"), ParameterVersionNotFound, "NoRollbackTarget"),
			"SameAsGoldenAmi": map[string]interface{}{"Type": "Choice", "Default": "RollbackTargetFound", "Choices": []interface{}{
				map[string]interface{}{"Variable": "$.older.value", "StringEqualsPath": "$.search.current", "Next": "StepBack"}}},
			"StepBack": map[string]interface{}{"Type": "Pass", "ResultPath": "$.search", "Next": "OlderVersionLeft",
				"Parameters": map[string]interface{}{"current.$": "$.search.current", "version.$": "States.MathAdd($.search.version, -1)"}},
			"RollbackTargetFound": map[string]interface{}{"Type": "Pass", "ResultPath": "$.roles", "Next": "FindGoldenAmi",
				"Parameters": map[string]interface{}{"current.$": "$.golden.current", "previous.$": "$.older.value"}},
			"NoRollbackTarget": map[string]interface{}{"Type": "Pass", "ResultPath": "$.roles", "Next": "FindGoldenAmi",
				"Parameters": map[string]interface{}{"current.$": "$.golden.current", "previous": ""}},
			"FindGoldenAmi": findOwned("$.roles.current", "$.ownedGolden", "MarkGoldenAmi"),
			"MarkGoldenAmi": tag("$.ownedGolden.ids", marks.Current, "HasRollbackTarget"),
			"HasRollbackTarget": map[string]interface{}{"Type": "Choice", "Default": "FindRollbackTarget", "Choices": []interface{}{
				map[string]interface{}{"Variable": "$.roles.previous", "StringEquals": "", "Next": "ReadGoldenAmiAgain"}}},
			"FindRollbackTarget": findOwned("$.roles.previous", "$.ownedTarget", "MarkRollbackTarget"),
			"MarkRollbackTarget": tag("$.ownedTarget.ids", marks.Previous, "ReadGoldenAmiAgain"),
			"ReadGoldenAmiAgain": withRetry(getParameter(map[string]interface{}{"Name": name},
				map[string]interface{}{"version.$": "$.Parameter.Version"}, "$.now", "StillTheSameVersion"), retry),
			"StillTheSameVersion": map[string]interface{}{"Type": "Choice", "Default": "Superseded", "Choices": []interface{}{
				map[string]interface{}{"Variable": "$.now.version", "NumericEqualsPath": "$.golden.version", "Next": "FindMarkedAmis"}}},
			"Superseded": map[string]interface{}{"Type": "Succeed", "Comment": "A newer write's execution unmarks"},
			"FindMarkedAmis": map[string]interface{}{"Type": "Task", "Resource": sdk("ec2:describeImages"),
				"Parameters": map[string]interface{}{"Owners": []string{"self"},
					"Filters": []interface{}{map[string]interface{}{"Name": "tag-key", "Values": []string{key}}}},
				"ResultSelector": map[string]interface{}{"ids.$": "$.Images[*].ImageId"},
				"ResultPath":     "$.marked", "Retry": retry, "Next": "UnmarkTheRest"},
			"UnmarkTheRest": map[string]interface{}{"Type": "Map", "ItemsPath": "$.marked.ids", "ResultPath": nil, "End": true,
				"ItemSelector": map[string]interface{}{"id.$": "$$.Map.Item.Value", "roles.$": "$.roles"},
				"ItemProcessor": map[string]interface{}{
					"ProcessorConfig": map[string]interface{}{"Mode": "INLINE"},
					"StartAt":         "StillHasARole",
					"States":          unmark,
				}},
		},
	}
	b, err := json.Marshal(def)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func merge(a, b map[string]interface{}) map[string]interface{} {
	for k, v := range b {
		a[k] = v
	}
	return a
}

func withRetry(s map[string]interface{}, retry []interface{}) map[string]interface{} {
	s["Retry"] = retry
	return s
}

func withCatch(s map[string]interface{}, errorName, next string) map[string]interface{} {
	s["Catch"] = []interface{}{map[string]interface{}{"ErrorEquals": []string{errorName}, "ResultPath": "$.notFound", "Next": next}}
	return s
}

// NewMarker creates the rule and the state machine.
func NewMarker(scope constructs.Construct, id string, props MarkerProps) *Marker {
	c := constructs.NewConstruct(scope, &id)
	stack := awscdk.Stack_Of(c)
	if !strings.HasPrefix(props.ParameterName, "/") {
		constructcheck.Fail(c, "golden AMI marker %s: ParameterName got %q: want a parameter path, starting with /", props.StateMachineName, props.ParameterName)
	}
	parameterArn := stackarn.Format(stack, awscdk.ArnComponents{Service: jsii.String("ssm"), Resource: jsii.String("parameter"),
		ResourceName: jsii.String(strings.TrimPrefix(props.ParameterName, "/"))})
	images := stackarn.Format(stack, awscdk.ArnComponents{Service: jsii.String("ec2"), Account: jsii.String(""), Resource: jsii.String("image"), ResourceName: jsii.String("*")})
	imageResources := stackarn.Format(stack, awscdk.ArnComponents{Service: jsii.String("imagebuilder"), Resource: jsii.String("image"), ResourceName: jsii.String("*")})
	statements := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ReadTheGoldenAmiParameter"), Actions: jsii.Strings("ssm:GetParameter"), Resources: &[]*string{parameterArn},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("FindImages"), Actions: jsii.Strings("ec2:DescribeImages"), Resources: jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("WriteOnlyTheMarks"),
			Actions:    jsii.Strings("ec2:CreateTags", "ec2:DeleteTags"),
			Resources:  &[]*string{images},
			Conditions: onlyTheMarks(props.Fleet),
		}),
		// The image resources of the AMIs it marks, in this account and
		// region, and only the two mark keys (imagebuilder:TagResource and
		// UntagResource take aws:TagKeys; resource type image, Service
		// Authorization Reference).
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("WriteOnlyTheMarksOnImageResources"),
			Actions:    jsii.Strings("imagebuilder:TagResource", "imagebuilder:UntagResource"),
			Resources:  &[]*string{imageResources},
			Conditions: onlyTheMarks(props.Fleet),
		}),
	}

	sm := ssmevents.NewStateMachine(c, props.StateMachineName, "Keeps the lifecycle marks of "+props.Fleet+"'s AMIs in step with its golden AMI parameter",
		awsstepfunctions.DefinitionBody_FromString(jsii.String(markerDefinition(props, *stack.Partition(), *imageResources))), awscdk.Duration_Minutes(jsii.Number(15)))
	for _, st := range statements {
		sm.AddToRolePolicy(st)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(sm.Role(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("ec2:DescribeImages has no resource-level permissions; tags may be written on any of the account's images " +
			"(an image ARN has no account), and on the account's Image Builder images (image/*: the ones the marked AMIs were built by), " +
			"but only the two mark keys (condition aws:TagKeys); log delivery and X-Ray have no resource-level permissions"),
	}}, jsii.Bool(true))

	cfndeps.DependOnPolicyOnly(sm)

	rule := ssmevents.StartOnChange(c, "OnGoldenAmiChange", "A write of the golden AMI parameter updates the lifecycle marks",
		jsii.String(props.ParameterName), []string{"Create", "Update"}, sm)
	return &Marker{Construct: c, Resource: sm.Node().DefaultChild().(awsstepfunctions.CfnStateMachine), StateMachine: sm, Rule: rule}
}

// Name of the state machine.
func (m *Marker) Name() *string { return m.StateMachine.StateMachineName() }

// Arn of the state machine.
func (m *Marker) Arn() *string { return m.StateMachine.StateMachineArn() }

// onlyTheMarks is the condition of the marker's tag writes: the request
// tags no key but fleet's two marks.
func onlyTheMarks(fleet string) *map[string]interface{} {
	return &map[string]interface{}{
		"ForAllValues:StringEquals": map[string]interface{}{"aws:TagKeys": []string{marks.RoleKey(fleet), marks.RetainKey}},
	}
}
