// Package fleet holds the constructs of the serving side of the immutable
// server pattern: the golden AMI parameter, the launch template that reads
// it at launch time, and the Auto Scaling group.
package fleet

import (
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/immutable-server/golden-fleet/internal/constructcheck"
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
//     resource (CDK's AwsCustomResource) puts the seed when the stack is
//     created, with Overwrite false, and makes no call on update or delete:
//     no stack update, rollback or provider change can write it again. It
//     outlives the stack (see docs/design.md, the rollout).
type GoldenImage struct {
	constructs.Construct
	// Resource is the create-only custom resource that writes the seed.
	Resource customresources.AwsCustomResource
	name     string
}

// SeedWriterID is the construct id of the custom resource. Like every
// construct id it is a contract: a new id would create a new custom
// resource, which would find the parameter and leave it as it is.
const SeedWriterID = "Resource"

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

	params := map[string]interface{}{
		"Name":        props.ParameterName,
		"Value":       seed,
		"Type":        "String",
		"DataType":    "aws:ec2:image",
		"Overwrite":   false,
		"Description": "Current golden AMI. Written by Image Builder on every build, by fleetctl rollback and by promotion; read by the launch template at every launch. CloudFormation wrote only its first value.",
	}
	actions := []string{"ssm:PutParameter"}
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
		params["Tags"] = tags
		// PutParameter with Tags needs ssm:AddTagsToResource too.
		actions = append(actions, "ssm:AddTagsToResource")
	}

	writer := customresources.NewAwsCustomResource(c, jsii.String(SeedWriterID), &customresources.AwsCustomResourceProps{
		ResourceType: jsii.String("Custom::GoldenAmiSeed"),
		// Create only. AwsCustomResource makes no call on an update or a
		// delete when OnUpdate and OnDelete are not set.
		OnCreate: &customresources.AwsSdkCall{
			Service:    jsii.String("SSM"),
			Action:     jsii.String("PutParameter"),
			Parameters: params,
			// The parameter already exists (the stack was deleted and
			// deployed again, or the resource replaced): keep its value.
			IgnoreErrorCodesMatching: jsii.String("ParameterAlreadyExists"),
			PhysicalResourceId:       customresources.PhysicalResourceId_Of(jsii.String(props.ParameterName)),
		},
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("WriteGoldenAmiSeedOnce"),
				Actions:   jsii.Strings(actions...),
				Resources: jsii.Strings(*arn),
			}),
		}),
		// The SDK in the Lambda runtime: nothing is downloaded at deploy time.
		InstallLatestAwsSdk: jsii.Bool(false),
	})
	suppressSingletonFindings(awscdk.Stack_Of(c))
	return &GoldenImage{Construct: c, Resource: writer, name: props.ParameterName}
}

// suppressSingletonFindings explains the cdk-nag findings on the Lambda
// function that CDK's AwsCustomResource shares across a stack.
func suppressSingletonFindings(stack awscdk.Stack) {
	// The singleton's construct id, fixed by aws-cdk-lib.
	fn := stack.Node().TryFindChild(jsii.String("AWS679f53fac002430cb0da5b7982bd2287"))
	if fn == nil {
		return
	}
	// The function names its role with Fn::GetAtt already; aws-cdk-lib's
	// DependsOn on the role says it twice (cfn-lint W3005).
	if cfn, ok := fn.Node().TryFindChild(jsii.String("Resource")).(awscdk.CfnResource); ok {
		cfn.AddDeletionOverride(jsii.String("DependsOn"))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(fn, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM4"),
		Reason:    jsii.String("AWSLambdaBasicExecutionRole lets CDK's AwsCustomResource handler write its own logs, nothing else"),
		AppliesTo: &[]interface{}{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
	}, {
		Id:     jsii.String("AwsSolutions-L1"),
		Reason: jsii.String("the runtime of CDK's AwsCustomResource handler is chosen by aws-cdk-lib, pinned in go.mod"),
	}}, jsii.Bool(true))
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
	return stack.FormatArn(&awscdk.ArnComponents{
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
