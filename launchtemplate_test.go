// Construct-level tests of the rollout invariants I1 and I2: the golden AMI
// parameter's template text never depends on the configuration, the launch
// template's image is always that parameter, and every change of the
// launch template's data renames (replaces) it.

package main

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/constructs/fleet"
)

var scratchStacks int

// newScratchStack is a fresh stack, in an app of its own, with a fixed
// environment: the construct-level tests build their variants in these.
func newScratchStack() awscdk.Stack {
	scratchStacks++
	app := awscdk.NewApp(&awscdk.AppProps{BuiltinCloudFormationValidation: jsii.Bool(false)})
	return awscdk.NewStack(app, jsii.String(fmt.Sprintf("Scratch%d", scratchStacks)), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")},
	})
}

const parameter = "/imagebuilder/app/dev/golden-ami"

// fleetParts is everything the fleet constructs make in one stack.
type fleetParts struct {
	stack  awscdk.Stack
	golden *fleet.GoldenImage
	lt     *fleet.LaunchTemplate
}

func build(seed string, mutate func(p *fleet.LaunchTemplateProps)) fleetParts {
	s := newScratchStack()
	vpc := awsec2.Vpc_FromVpcAttributes(s, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId:             jsii.String("vpc-12345678"),
		AvailabilityZones: jsii.Strings("eu-west-1a"),
		PrivateSubnetIds:  jsii.Strings("subnet-12345678"),
	})
	golden := fleet.NewGoldenImage(s, "Golden", fleet.GoldenImageProps{ParameterName: parameter, SeedImage: seed})
	props := fleet.LaunchTemplateProps{NamePrefix: "app-dev", Vpc: vpc, Image: golden, InstanceType: "t3.micro", RootVolumeGiB: 20}
	if mutate != nil {
		mutate(&props)
	}
	lt := fleet.NewLaunchTemplate(s, "LT", props)
	return fleetParts{stack: s, golden: golden, lt: lt}
}

func resolved(s awscdk.Stack, v any) string {
	b, _ := json.Marshal(s.Resolve(v))
	return string(b)
}

func (f fleetParts) templateName() string {
	cfn := f.lt.Resource.Node().DefaultChild().(awsec2.CfnLaunchTemplate)
	return resolved(f.stack, cfn.LaunchTemplateName())
}

func (f fleetParts) imageID() string {
	cfn := f.lt.Resource.Node().DefaultChild().(awsec2.CfnLaunchTemplate)
	var data map[string]any
	json.Unmarshal([]byte(resolved(f.stack, cfn.LaunchTemplateData())), &data)
	return fmt.Sprint(data["imageId"])
}

// I1: the launch template never carries an AMI id; EC2 reads the golden
// parameter at every launch.
func TestTheLaunchTemplateImageIsTheGoldenParameterForEveryConfiguration(t *testing.T) {
	for name, f := range map[string]fleetParts{
		"base":          build("ami-0123456789abcdef0", nil),
		"instance type": build("ami-0123456789abcdef0", func(p *fleet.LaunchTemplateProps) { p.InstanceType = "m6i.large" }),
		"ssm seed":      build("/aws/service/x", nil),
	} {
		if got := f.imageID(); got != "resolve:ssm:"+parameter {
			t.Errorf("%s: ImageId = %s, want resolve:ssm:%s", name, got, parameter)
		}
	}
}

// I2: any change of the launch template data renames (replaces) the
// template, so the version CloudFormation writes is the new template's
// default, the one Image Builder copies on the next build.
func TestEveryLaunchTemplateDataChangeRenamesTheTemplate(t *testing.T) {
	base := build("ami-0123456789abcdef0", nil).templateName()
	key := func(p *fleet.LaunchTemplateProps) {
		s := awscdk.Stack_Of(p.Vpc)
		p.EncryptionKey = awskms.Key_FromKeyArn(s, jsii.String("K"), jsii.String("arn:aws:kms:eu-west-1:111111111111:key/abc"))
	}
	for name, mutate := range map[string]func(p *fleet.LaunchTemplateProps){
		"instance type":  func(p *fleet.LaunchTemplateProps) { p.InstanceType = "m6i.large" },
		"user data":      func(p *fleet.LaunchTemplateProps) { p.UserData = "#!/bin/bash\necho hi" },
		"root volume":    func(p *fleet.LaunchTemplateProps) { p.RootVolumeGiB = 50 },
		"volume KMS key": key,
		"name prefix":    func(p *fleet.LaunchTemplateProps) { p.NamePrefix = "app-prod" },
	} {
		if got := build("ami-0123456789abcdef0", mutate).templateName(); got == base {
			t.Errorf("changing the %s kept the launch template name %s: CloudFormation would add a version that is not the default", name, base)
		}
	}
}

func TestTagsOnTheStackRenameTheTemplateTheyAreWrittenInto(t *testing.T) {
	base := build("ami-0123456789abcdef0", nil)
	tagged := build("ami-0123456789abcdef0", nil)
	awscdk.Tags_Of(tagged.stack).Add(jsii.String("team"), jsii.String("x"), nil)
	// Tags land in the template data (TagSpecifications) during synthesis.
	tagged.stack.Node().Root().(awscdk.App).Synth(nil)
	base.stack.Node().Root().(awscdk.App).Synth(nil)
	if base.templateName() == tagged.templateName() {
		t.Errorf("a new instance tag kept the launch template name %s", base.templateName())
	}
}

func TestUnchangedLaunchTemplateDataKeepsTheName(t *testing.T) {
	a := build("ami-0123456789abcdef0", nil).templateName()
	// The seed is not launch template data.
	b := build("/aws/service/x", nil).templateName()
	if a != b {
		t.Errorf("same data, different names %s and %s: every deploy would replace the template", a, b)
	}
}
