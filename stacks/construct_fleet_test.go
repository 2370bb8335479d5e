// Construct-level tests of the rollout invariants I1 and I2: the golden AMI
// parameter's template text never depends on the configuration, the launch
// template's image is always that parameter, and every change of the
// launch template's data renames (replaces) it.

package stacks_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/constructs/fleet"
)

// variantParameter is the golden AMI parameter of every fleet variant.
const variantParameter = "/imagebuilder/app/dev/golden-ami"

// fleetVariant is the golden AMI parameter and the launch template of one
// variant of the fleet's configuration, in a scratch stack of its own.
type fleetVariant struct {
	stack  awscdk.Stack
	vpc    awsec2.IVpc
	golden *fleet.GoldenImage
	lt     *fleet.LaunchTemplate
}

// newFleetVariant builds a fleet variant from seed and the base launch
// template props, changed by mutate when not nil.
func newFleetVariant(seed string, mutate func(p *fleet.LaunchTemplateProps)) fleetVariant {
	s := newScratchStack()
	vpc := awsec2.Vpc_FromVpcAttributes(s, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId:             jsii.String("vpc-12345678"),
		AvailabilityZones: jsii.Strings("eu-west-1a"),
		PrivateSubnetIds:  jsii.Strings("subnet-12345678"),
	})
	golden := fleet.NewGoldenImage(s, "Golden", fleet.GoldenImageProps{ParameterName: variantParameter, SeedImage: seed})
	props := fleet.LaunchTemplateProps{NamePrefix: "app-dev", Vpc: vpc, Image: golden, InstanceType: "t3.micro", RootVolumeGiB: 20}
	if mutate != nil {
		mutate(&props)
	}
	lt := fleet.NewLaunchTemplate(s, "LT", props)
	return fleetVariant{stack: s, vpc: vpc, golden: golden, lt: lt}
}

// resolvedJSON is v resolved in s, as JSON.
func resolvedJSON(s awscdk.Stack, v any) string {
	b, _ := json.Marshal(s.Resolve(v))
	return string(b)
}

func (f fleetVariant) templateName() string {
	return resolvedJSON(f.stack, f.lt.Name())
}

func (f fleetVariant) imageID() string {
	var data map[string]any
	json.Unmarshal([]byte(resolvedJSON(f.stack, f.lt.Resource.LaunchTemplateData())), &data)
	return fmt.Sprint(data["imageId"])
}

// I2: a deploy must never rewrite the golden AMI parameter, whatever the
// configuration says. CloudFormation rewrites a parameter only when its
// template text changes.
func TestNoSeedOrFleetChangeAltersTheGoldenParameterText(t *testing.T) {
	base := newFleetVariant("ami-0123456789abcdef0", nil)
	want := resolvedJSON(base.stack, base.golden.Resource.Value())
	variants := map[string]fleetVariant{
		"another seed AMI":      newFleetVariant("ami-0fedcba9876543210", nil),
		"a seed SSM parameter":  newFleetVariant("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64", nil),
		"another instance type": newFleetVariant("ami-0123456789abcdef0", func(p *fleet.LaunchTemplateProps) { p.InstanceType = "m6i.large" }),
		"user data":             newFleetVariant("ami-0123456789abcdef0", func(p *fleet.LaunchTemplateProps) { p.UserData = "#!/bin/bash\necho hi" }),
		"a larger root volume":  newFleetVariant("ami-0123456789abcdef0", func(p *fleet.LaunchTemplateProps) { p.RootVolumeGiB = 50 }),
		"an inbound port":       newFleetVariant("ami-0123456789abcdef0", func(p *fleet.LaunchTemplateProps) { p.IngressPorts, p.IngressCidr = []int{80}, "10.0.0.0/8" }),
	}
	for name, v := range variants {
		if got := resolvedJSON(v.stack, v.golden.Resource.Value()); got != want {
			t.Errorf("with %s the golden parameter's value is %s, want the unchanged %s", name, got, want)
		}
	}
}

func TestTheSeedParameterHoldsTheSeed(t *testing.T) {
	for seed, want := range map[string]string{
		"ami-0123456789abcdef0": `"ami-0123456789abcdef0"`,
		"/aws/service/x":        `"{{resolve:ssm:/aws/service/x}}"`,
	} {
		f := newFleetVariant(seed, nil)
		if got := resolvedJSON(f.stack, f.golden.Seed.Value()); got != want {
			t.Errorf("seed %s: parameter value %s, want %s", seed, got, want)
		}
	}
}

// I1: the launch template never carries an AMI id; EC2 reads the golden
// parameter at every launch.
func TestTheLaunchTemplateImageIsTheGoldenParameterForEveryConfiguration(t *testing.T) {
	for name, f := range map[string]fleetVariant{
		"base":          newFleetVariant("ami-0123456789abcdef0", nil),
		"instance type": newFleetVariant("ami-0123456789abcdef0", func(p *fleet.LaunchTemplateProps) { p.InstanceType = "m6i.large" }),
		"ssm seed":      newFleetVariant("/aws/service/x", nil),
	} {
		if got := f.imageID(); got != "resolve:ssm:"+variantParameter {
			t.Errorf("%s: ImageId = %s, want resolve:ssm:%s", name, got, variantParameter)
		}
	}
}

// I2: any change of the launch template data renames (replaces) the
// template, so the version CloudFormation writes is the new template's
// default, the one Image Builder copies on the next build.
func TestEveryLaunchTemplateDataChangeRenamesTheTemplate(t *testing.T) {
	base := newFleetVariant("ami-0123456789abcdef0", nil).templateName()
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
		if got := newFleetVariant("ami-0123456789abcdef0", mutate).templateName(); got == base {
			t.Errorf("changing the %s kept the launch template name %s: CloudFormation would add a version that is not the default", name, base)
		}
	}
}

func TestTagsOnTheStackRenameTheTemplateTheyAreWrittenInto(t *testing.T) {
	base := newFleetVariant("ami-0123456789abcdef0", nil)
	tagged := newFleetVariant("ami-0123456789abcdef0", nil)
	awscdk.Tags_Of(tagged.stack).Add(jsii.String("team"), jsii.String("x"), nil)
	// Tags land in the template data (TagSpecifications) during synthesis.
	tagged.stack.Node().Root().(awscdk.App).Synth(nil)
	base.stack.Node().Root().(awscdk.App).Synth(nil)
	if base.templateName() == tagged.templateName() {
		t.Errorf("a new instance tag kept the launch template name %s", base.templateName())
	}
}

func TestUnchangedLaunchTemplateDataKeepsTheName(t *testing.T) {
	a := newFleetVariant("ami-0123456789abcdef0", nil).templateName()
	// The seed is not launch template data.
	b := newFleetVariant("/aws/service/x", nil).templateName()
	if a != b {
		t.Errorf("same data, different names %s and %s: every deploy would replace the template", a, b)
	}
}

// The launch template's id changes with its data, so the grant to add
// versions names every launch template on condition of the fleet tag:
// without the tag, it would reach every launch template of the account.
func TestGrantAddVersionsRefusesALaunchTemplateWithoutTheFleetTag(t *testing.T) {
	f := newFleetVariant("ami-0123456789abcdef0", nil)
	role := awsiam.NewRole(f.stack, jsii.String("Role"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("imagebuilder.amazonaws.com"), nil)})
	f.lt.GrantAddVersions(role)
	want := []string{"launch template " + *f.lt.Node().Path() + ": GrantAddVersions needs FleetTag, got none: want a tag key and value that only this fleet's launch templates carry"}
	if got := validationErrors(f.lt); !slices.Equal(got, want) {
		t.Errorf("validation errors %q, want %q", got, want)
	}
	if role.Node().TryFindChild(jsii.String("DefaultPolicy")) != nil {
		t.Error("the role got a policy anyway")
	}
}

// Every construct of the package has the same accessors: Resource, the L1
// escape hatch, and its physical Name and Arn (read from the synthesized
// app's dev environment).
func TestFleetConstructsExposeResourceNameAndArn(t *testing.T) {
	dev := synthesized.built[0].Fleet
	checkAccessors(t,
		constructAccessors{"launch template", dev.LaunchTemplate.Resource, dev.LaunchTemplate.Name(), dev.LaunchTemplate.Arn(),
			`"golden-fleet-dev-`, `:ec2:eu-west-1:111111111111:launch-template/",{"Ref":"LaunchTemplate`},
		constructAccessors{"group", dev.Group.Resource, dev.Group.Name(), dev.Group.Arn(), `{"Ref":"Group`, `:autoScalingGroup:`},
	)
}
