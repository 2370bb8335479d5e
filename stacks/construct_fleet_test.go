// Construct-level tests of the rollout invariants I1 and I2: the launch
// template's image is always the golden AMI parameter, and every change of
// the launch template's data renames (replaces) it. That no CloudFormation
// resource owns the parameter is tested on the whole app (fleet_test.go).

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

// variantSeed is the seed image of every variant but the ones that change
// it.
const variantSeed = "ami-0123456789abcdef0"

// sharedVariants are the fleet variants the tests below compare, by what
// differs from the base: each is built once (sharedVariant) and only read.
var sharedVariants = map[string]struct {
	seed   string
	mutate func(p *fleet.LaunchTemplateProps)
}{
	"base":                  {variantSeed, nil},
	"another seed AMI":      {"ami-0fedcba9876543210", nil},
	"a seed SSM parameter":  {"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64", nil},
	"another instance type": {variantSeed, func(p *fleet.LaunchTemplateProps) { p.InstanceType = "m6i.large" }},
	"user data":             {variantSeed, func(p *fleet.LaunchTemplateProps) { p.UserData = "#!/bin/bash\necho hi" }},
	"a larger root volume":  {variantSeed, func(p *fleet.LaunchTemplateProps) { p.RootVolumeGiB = 50 }},
	"an inbound port":       {variantSeed, func(p *fleet.LaunchTemplateProps) { p.IngressPorts, p.IngressCidr = []int{80}, "10.0.0.0/8" }},
	"a volume KMS key": {variantSeed, func(p *fleet.LaunchTemplateProps) {
		p.EncryptionKey = awskms.Key_FromKeyArn(awscdk.Stack_Of(p.Vpc), jsii.String("K"), jsii.String("arn:aws:kms:eu-west-1:111111111111:key/abc"))
	}},
	"another name prefix": {variantSeed, func(p *fleet.LaunchTemplateProps) { p.NamePrefix = "app-prod" }},
}

var builtVariants = map[string]fleetVariant{}

// sharedVariant is the variant of sharedVariants called name.
func sharedVariant(t *testing.T, name string) fleetVariant {
	t.Helper()
	if v, ok := builtVariants[name]; ok {
		return v
	}
	spec, ok := sharedVariants[name]
	if !ok {
		t.Fatalf("no shared fleet variant %q", name)
	}
	v := newFleetVariant(spec.seed, spec.mutate)
	builtVariants[name] = v
	return v
}

// I1: the launch template never carries an AMI id; EC2 reads the golden
// parameter at every launch.
func TestTheLaunchTemplateImageIsTheGoldenParameterForEveryConfiguration(t *testing.T) {
	for _, name := range []string{"base", "another seed AMI", "a seed SSM parameter", "another instance type"} {
		if got := sharedVariant(t, name).imageID(); got != "resolve:ssm:"+variantParameter {
			t.Errorf("%s: ImageId = %s, want resolve:ssm:%s", name, got, variantParameter)
		}
	}
}

// I2: any change of the launch template data renames (replaces) the
// template, so the version CloudFormation writes is the new template's
// default, the one Image Builder copies on the next build.
func TestEveryLaunchTemplateDataChangeRenamesTheTemplate(t *testing.T) {
	base := sharedVariant(t, "base").templateName()
	// (An inbound port changes the security group, in place, not the
	// launch template data.)
	for _, name := range []string{"another instance type", "user data", "a larger root volume", "a volume KMS key", "another name prefix"} {
		if got := sharedVariant(t, name).templateName(); got == base {
			t.Errorf("with %s the launch template keeps the name %s: CloudFormation would add a version that is not the default", name, base)
		}
	}
}

func TestTagsOnTheStackRenameTheTemplateTheyAreWrittenInto(t *testing.T) {
	base := newFleetVariant(variantSeed, nil)
	tagged := newFleetVariant(variantSeed, nil)
	awscdk.Tags_Of(tagged.stack).Add(jsii.String("team"), jsii.String("x"), nil)
	// Tags land in the template data (TagSpecifications) during synthesis;
	// both are synthesized, so only the tag differs.
	tagged.stack.Node().Root().(awscdk.App).Synth(nil)
	base.stack.Node().Root().(awscdk.App).Synth(nil)
	if base.templateName() == tagged.templateName() {
		t.Errorf("a new instance tag kept the launch template name %s", base.templateName())
	}
}

func TestUnchangedLaunchTemplateDataKeepsTheName(t *testing.T) {
	base := sharedVariant(t, "base").templateName()
	// The seed is not launch template data, and a variant built again is
	// the same data.
	for name, f := range map[string]fleetVariant{
		"another seed AMI":      sharedVariant(t, "another seed AMI"),
		"a seed SSM parameter":  sharedVariant(t, "a seed SSM parameter"),
		"the base, built again": newFleetVariant(variantSeed, nil),
	} {
		if got := f.templateName(); got != base {
			t.Errorf("with %s the name is %s, not %s: every deploy would replace the template", name, got, base)
		}
	}
}

// The launch template's id changes with its data, so the grant to add
// versions names every launch template on condition of the fleet tag:
// without the tag, it would reach every launch template of the account.
func TestGrantAddVersionsRefusesALaunchTemplateWithoutTheFleetTag(t *testing.T) {
	f := newFleetVariant(variantSeed, nil)
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

// The golden parameter must be under /imagebuilder/, where Image Builder's
// distribution may write: another name fails the synthesis, not a build.
func TestTheGoldenImageRefusesAParameterOutsideImageBuilder(t *testing.T) {
	s := newScratchStack()
	g := fleet.NewGoldenImage(s, "Golden", fleet.GoldenImageProps{ParameterName: "/app/dev/golden-ami", SeedImage: variantSeed})
	want := []string{`golden image parameter name "/app/dev/golden-ami": want a name under /imagebuilder/`}
	if got := validationErrors(g); !slices.Equal(got, want) {
		t.Errorf("validation errors %q, want %q", got, want)
	}
	if got := validationErrors(sharedVariant(t, "base").golden); len(got) != 0 {
		t.Errorf("a name under /imagebuilder/ fails validation: %q", got)
	}
}
