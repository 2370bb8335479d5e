// Package fleet holds the constructs of the serving side of the immutable
// server pattern: the golden AMI parameter, the launch template that reads
// it at launch time, and the Auto Scaling group.
package fleet

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// GoldenImageProps configures GoldenImage.
type GoldenImageProps struct {
	// ParameterName of the golden AMI parameter. It must start with
	// /imagebuilder/: the EC2ImageBuilderExecutionPolicy managed policy lets
	// Image Builder's distribution write only there.
	ParameterName string
	// SeedImage is an AMI id or an SSM parameter path whose value the golden
	// parameter starts with, before the first build.
	SeedImage string
}

// GoldenImage is the SSM parameter that names the current golden AMI: the
// single source of truth of the rollout.
//
//   - Image Builder's distribution writes each new AMI id into it.
//   - The launch template's image id is "resolve:ssm:<name>", so every
//     instance launch reads it.
//   - Its CloudFormation value never changes after creation: it is the
//     constant text "{{resolve:ssm:<seed parameter>}}". No deploy can
//     overwrite a golden AMI, whatever the configuration says (see the
//     README's rollout section).
type GoldenImage struct {
	constructs.Construct
	// Resource is the golden AMI parameter.
	Resource awsssm.CfnParameter
	// Seed is the parameter holding the configured seed image.
	Seed awsssm.CfnParameter
	name string
}

// SeedParameterName is where the seed image of a golden parameter lives.
func SeedParameterName(goldenName string) string { return goldenName + "/seed" }

// NewGoldenImage creates the golden AMI parameter and its seed.
func NewGoldenImage(scope constructs.Construct, id string, props GoldenImageProps) *GoldenImage {
	if !strings.HasPrefix(props.ParameterName, "/imagebuilder/") {
		panic(fmt.Sprintf("golden image parameter name %q: want a name under /imagebuilder/", props.ParameterName))
	}
	c := constructs.NewConstruct(scope, &id)
	seedValue := props.SeedImage
	if strings.HasPrefix(seedValue, "/") {
		seedValue = "{{resolve:ssm:" + seedValue + "}}"
	}
	seed := awsssm.NewCfnParameter(c, jsii.String("Seed"), &awsssm.CfnParameterProps{
		Name:        jsii.String(SeedParameterName(props.ParameterName)),
		Type:        jsii.String("String"),
		DataType:    jsii.String("aws:ec2:image"),
		Value:       jsii.String(seedValue),
		Description: jsii.String("Image the fleet runs before the first golden AMI is built. Read once, when the golden AMI parameter is created."),
	})
	golden := awsssm.NewCfnParameter(c, jsii.String("Resource"), &awsssm.CfnParameterProps{
		Name:     jsii.String(props.ParameterName),
		Type:     jsii.String("String"),
		DataType: jsii.String("aws:ec2:image"),
		// A reference to the seed parameter, not its value: this text is
		// the same for every configuration, so CloudFormation never
		// rewrites the parameter after Image Builder has.
		Value:       jsii.String(fmt.Sprintf("{{resolve:ssm:%s}}", *seed.Ref())),
		Description: jsii.String("Current golden AMI. Written by Image Builder on every build; read by the launch template at every launch."),
	})
	return &GoldenImage{Construct: c, Resource: golden, Seed: seed, name: props.ParameterName}
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
