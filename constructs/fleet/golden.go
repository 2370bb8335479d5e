// Package fleet holds the constructs of the serving side of the immutable
// server pattern: the golden AMI parameter, the launch template that reads
// it at launch time, and the Auto Scaling group.
package fleet

import (
	_ "embed"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/immutable-server/golden-fleet/internal/constructcheck"
	"github.com/immutable-server/golden-fleet/internal/stackarn"
)

// GoldenImageProps configures GoldenImage.
type GoldenImageProps struct {
	// ParameterName of the golden AMI parameter. It must start with
	// /imagebuilder/: the EC2ImageBuilderExecutionPolicy managed policy lets
	// Image Builder's distribution write only there.
	ParameterName string
	// SeedImage is an AMI id or an SSM parameter path whose value the golden
	// parameter starts with, before the first build. It is read when the
	// parameter is created, and never again.
	SeedImage string
	// Tags are put on the parameter when it is created. Default: none.
	Tags map[string]string
}

// GoldenImage is the SSM parameter that names the current golden AMI: the
// single source of truth of the rollout.
//
//   - Image Builder's distribution writes each new AMI id into it, and so
//     do fleetctl rollback and promotion.
//   - The launch template's image id is "resolve:ssm:<name>", so every
//     instance launch reads it.
//   - No CloudFormation resource owns its value. A create-only custom
//     resource (Custom::GoldenAmiSeed, an inline Python function) puts the
//     seed when the stack is created, with Overwrite false, and makes no
//     call on update or delete: no stack update, rollback or provider
//     change can write it again. It outlives the stack (see docs/design.md,
//     the rollout).
//   - Parameter Store checks an aws:ec2:image value after PutParameter has
//     answered, as the writer (ec2:DescribeImages), and creates the
//     parameter only if the AMI is available. The custom resource answers
//     CloudFormation only once the parameter holds the seed, and fails the
//     create when it never does, so nothing that reads the parameter (the
//     launch template, the group's instances) is created before it exists
//     (docs/golden-parameter.md).
type GoldenImage struct {
	constructs.Construct
	// Resource is the create-only custom resource that writes the seed.
	Resource awscdk.CustomResource
	// Function is the function behind it (seed_handler.py, inline).
	Function awslambda.Function
	name     string
}

// SeedWriterID is the construct id of the custom resource. Like every
// construct id it is a contract: a new id creates a new custom resource,
// which finds the parameter and leaves it as it is. (It was "Resource"
// while CDK's AwsCustomResource wrote the seed: CloudFormation does not
// let a custom resource change its ServiceToken, so the new writer is a
// new resource, and the old one's Delete makes no call.)
const SeedWriterID = "Seed"

// seedHandler is the function's code, inline in the template (no asset).
//
//go:embed seed_handler.py
var seedHandler string

// seedTimeout bounds how long the function waits for Parameter Store's
// check; CloudFormation gets a FAILED answer before it.
const seedTimeout = 10 * time.Minute

// NewGoldenImage creates the custom resource that writes the golden AMI
// parameter's seed once.
func NewGoldenImage(scope constructs.Construct, id string, props GoldenImageProps) *GoldenImage {
	c := constructs.NewConstruct(scope, &id)
	if !strings.HasPrefix(props.ParameterName, "/imagebuilder/") {
		constructcheck.Fail(c, "golden image parameter name %q: want a name under /imagebuilder/", props.ParameterName)
	}
	seed := jsii.String(props.SeedImage)
	if strings.HasPrefix(props.SeedImage, "/") {
		// A stack parameter of an SSM parameter type: CloudFormation reads
		// it at every create and update; only the create's value is used.
		seed = awsssm.StringParameter_ValueForTypedStringParameterV2(c, jsii.String(props.SeedImage),
			awsssm.ParameterValueType_AWS_EC2_IMAGE_ID, nil)
	}
	arn := ParameterArn(awscdk.Stack_Of(c), props.ParameterName)

	logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_TWO_YEARS,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	fn := awslambda.NewFunction(c, jsii.String("Writer"), &awslambda.FunctionProps{
		Description: jsii.String("Custom::GoldenAmiSeed: puts the golden AMI parameter's seed once and waits until Parameter Store has created it"),
		Runtime:     awslambda.Runtime_PYTHON_3_14(),
		Handler:     jsii.String("index.handler"),
		Code:        awslambda.Code_FromInline(jsii.String(seedHandler)),
		Timeout:     awscdk.Duration_Seconds(jsii.Number(seedTimeout.Seconds())),
		LogGroup:    logs,
	})
	properties, actions := seedRequest(props, seed)
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WriteGoldenAmiSeedOnce"),
		Actions:   jsii.Strings(actions...),
		Resources: jsii.Strings(*arn),
	}))
	// Parameter Store checks an aws:ec2:image value with the writer's
	// permissions: to create such a parameter the caller needs both
	// ssm:PutParameter and ec2:DescribeImages (Systems Manager user guide,
	// native parameter support for AMI IDs). DescribeImages has no
	// resource-level permissions.
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ParameterStoreChecksTheSeedAmi"),
		Actions:   jsii.Strings("ec2:DescribeImages"),
		Resources: jsii.Strings("*"),
	}))
	writer := awscdk.NewCustomResource(c, jsii.String(SeedWriterID), &awscdk.CustomResourceProps{
		ResourceType: jsii.String("Custom::GoldenAmiSeed"),
		ServiceToken: fn.FunctionArn(),
		Properties:   &properties,
		// Its Delete makes no call: the parameter outlives the stack.
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	// The function writes only once its permissions exist: the custom
	// resource depends on the role and its policy. The function names its
	// role with Fn::GetAtt already; aws-cdk-lib's DependsOn on it says it
	// twice (cfn-lint W3005).
	writer.Node().AddDependency(fn.Role())
	fn.Node().DefaultChild().(awscdk.CfnResource).AddDeletionOverride(jsii.String("DependsOn"))
	cdknag.NagSuppressions_AddResourceSuppressions(fn, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM4"),
		Reason:    jsii.String("AWSLambdaBasicExecutionRole lets the seed writer write its own logs, nothing else"),
		AppliesTo: &[]interface{}{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
	}, {
		Id: jsii.String("AwsSolutions-L1"),
		Reason: jsii.String("python3.14 is the newest Python runtime that cfn-lint's runtime data knows; aws-cdk-lib lists " +
			"python3.15, which the build's template checks cannot vouch for yet"),
	}, {
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("ec2:DescribeImages has no resource-level permissions; Parameter Store checks the seed AMI with it"),
		AppliesTo: &[]interface{}{"Resource::*"},
	}}, jsii.Bool(true))
	return &GoldenImage{Construct: c, Resource: writer, Function: fn, name: props.ParameterName}
}

// seedRequest returns the custom resource's properties (what the function
// puts: name, value, description, tags in key order) and the actions the
// put needs.
func seedRequest(props GoldenImageProps, seed *string) (map[string]interface{}, []string) {
	actions := []string{"ssm:PutParameter", "ssm:GetParameter"}
	properties := map[string]interface{}{
		"Name":        props.ParameterName,
		"Value":       seed,
		"Description": "Current golden AMI. Written by Image Builder on every build, by fleetctl rollback and by promotion; read by the launch template at every launch. CloudFormation wrote only its first value.",
	}
	if len(props.Tags) > 0 {
		keys := make([]string, 0, len(props.Tags))
		for k := range props.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		tags := make([]interface{}, 0, len(keys))
		for _, k := range keys {
			tags = append(tags, map[string]interface{}{"Key": k, "Value": props.Tags[k]})
		}
		properties["Tags"] = tags
		// PutParameter with Tags needs ssm:AddTagsToResource too.
		actions = append(actions, "ssm:AddTagsToResource")
	}
	return properties, actions
}

// ParameterName is the golden AMI parameter's name.
func (g *GoldenImage) ParameterName() string { return g.name }

// ParameterArn is the golden AMI parameter's ARN.
func (g *GoldenImage) ParameterArn() *string {
	return ParameterArn(awscdk.Stack_Of(g.Construct), g.name)
}

// ParameterArn builds the ARN of the SSM parameter name in stack's
// account and region.
func ParameterArn(stack awscdk.Stack, name string) *string {
	return stackarn.Format(stack, awscdk.ArnComponents{
		Service:      jsii.String("ssm"),
		Resource:     jsii.String("parameter"),
		ResourceName: jsii.String(strings.TrimPrefix(name, "/")),
	})
}

// GrantRead lets grantee read the golden AMI id.
func (g *GoldenImage) GrantRead(grantee awsiam.IGrantable) awsiam.Grant {
	return awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("ssm:GetParameter", "ssm:GetParameters"),
		ResourceArns: jsii.Strings(*g.ParameterArn()),
	})
}
