// Construct-level tests of invariant I3: every create-only property of
// AWS::ImageBuilder::Component and ImageRecipe, read from the resource
// schemas that ship with cfn-lint, renames the resource when it changes.

package stacks_test

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/constructs/fleet"
	"github.com/immutable-server/golden-fleet/constructs/imagebuilder"
	"github.com/immutable-server/golden-fleet/internal/cfnlint"
)

// cfnLintSchemas is where cfn-lint keeps its CloudFormation resource
// schemas. TestMain starts locateCfnLintSchemas before it synthesizes, so
// the Python start runs while jsii works.
var cfnLintSchemas = struct {
	located chan struct{}
	dir     string
	err     error
}{located: make(chan struct{})}

func locateCfnLintSchemas() {
	defer close(cfnLintSchemas.located)
	cfnLintSchemas.dir, cfnLintSchemas.err = cfnlint.Dir()
}

// cfnLintSchema reads the CloudFormation resource schema of a type that
// ships with cfn-lint into schema.
func cfnLintSchema(t *testing.T, typ string, schema any) {
	t.Helper()
	<-cfnLintSchemas.located
	if cfnLintSchemas.err != nil {
		t.Fatalf("cannot locate cfn-lint's package (cfn-lint 1.51.0 must be installed for python3): %v", cfnLintSchemas.err)
	}
	if err := cfnlint.ReadSchema(cfnLintSchemas.dir, typ, schema); err != nil {
		t.Fatal(err)
	}
}

// createOnly reads the create-only properties of a resource type from the
// CloudFormation resource schemas shipped with cfn-lint, so that a property
// added to the schema later is caught by the tests below.
func createOnly(t *testing.T, typ string) []string {
	t.Helper()
	var schema struct {
		CreateOnly []string `json:"createOnlyProperties"`
	}
	cfnLintSchema(t, typ, &schema)
	var props []string
	for _, p := range schema.CreateOnly {
		props = append(props, strings.TrimPrefix(p, "/properties/"))
	}
	sort.Strings(props)
	if len(props) == 0 {
		t.Fatalf("%s: no create-only properties found", typ)
	}
	return props
}

// demoDocument is the component document the variants start from.
const demoDocument = `name: demo
description: demo
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Hello
        action: ExecuteBash
        inputs:
          commands: [echo hello]
`

func baseComponent() imagebuilder.ComponentProps {
	return imagebuilder.ComponentProps{Name: "app-dev-demo", Description: "demo", Data: []byte(demoDocument)}
}

// identity is what must change for a replacement to succeed.
func componentIdentity(c *imagebuilder.Component) string {
	return *c.Resource.Name() + "/" + *c.Resource.Version()
}

func TestEveryCreateOnlyComponentPropertyChangesTheComponentsNameOrVersion(t *testing.T) {
	mutators := map[string]func(p *imagebuilder.ComponentProps){
		"ChangeDescription": func(p *imagebuilder.ComponentProps) { p.Data = []byte(demoDocument + "# changed\n") },
		"Description":       func(p *imagebuilder.ComponentProps) { p.Description = "other" },
		"Platform":          func(p *imagebuilder.ComponentProps) { p.Platform = "Windows" },
		"Data": func(p *imagebuilder.ComponentProps) {
			p.Data = []byte(strings.Replace(demoDocument, "hello", "bye", 1))
		},
		"SupportedOsVersions": func(p *imagebuilder.ComponentProps) { p.SupportedOsVersions = []string{"Amazon Linux 2023"} },
	}
	// Properties the construct never sets: a change cannot come from us.
	neverSet := map[string]func(c *imagebuilder.Component) any{
		"Uri":      func(c *imagebuilder.Component) any { return c.Resource.Uri() },
		"KmsKeyId": func(c *imagebuilder.Component) any { return c.Resource.KmsKeyId() },
	}
	base := imagebuilder.NewComponent(newScratchStack(), "C", baseComponent())
	for _, prop := range createOnly(t, "AWS::ImageBuilder::Component") {
		t.Run(prop, func(t *testing.T) {
			if prop == "Name" || prop == "Version" {
				return // the identity itself
			}
			if get, ok := neverSet[prop]; ok {
				if v := get(base); v != nil && fmt.Sprint(v) != "<nil>" {
					t.Fatalf("%s is set (%v) but has no mutator: add one", prop, v)
				}
				return
			}
			mutate, ok := mutators[prop]
			if !ok {
				t.Fatalf("create-only property %s of AWS::ImageBuilder::Component has no mutator: make the component's name hash it, then add a mutator here", prop)
			}
			props := baseComponent()
			mutate(&props)
			changed := imagebuilder.NewComponent(newScratchStack(), "C", props)
			if componentIdentity(changed) == componentIdentity(base) {
				t.Errorf("changing %s left the component at %s: the replacement would fail with \"already exists\"", prop, componentIdentity(base))
			}
		})
	}
}

func TestAnUnchangedComponentKeepsItsName(t *testing.T) {
	a := imagebuilder.NewComponent(newScratchStack(), "C", baseComponent())
	b := imagebuilder.NewComponent(newScratchStack(), "C", baseComponent())
	if componentIdentity(a) != componentIdentity(b) {
		t.Errorf("same inputs, different identities: %s and %s", componentIdentity(a), componentIdentity(b))
	}
}

type recipeCase struct {
	stack awscdk.Stack
	props imagebuilder.ImageRecipeProps
}

func baseRecipe() recipeCase {
	s := newScratchStack()
	comp := imagebuilder.NewComponent(s, "C", baseComponent())
	return recipeCase{stack: s, props: imagebuilder.ImageRecipeProps{
		Name:             "app-dev-golden",
		Description:      "golden",
		Parent:           imagebuilder.ManagedImage("amazon-linux-2023-x86/x.x.x"),
		Components:       []imagebuilder.IComponent{imagebuilder.CloudWatchAgent(s), comp},
		RootDeviceName:   "/dev/xvda",
		RootVolumeGiB:    20,
		WorkingDirectory: "/tmp",
	}}
}

func recipeIdentity(r *imagebuilder.ImageRecipe) string {
	return *r.Resource.Name() + "/" + *r.Resource.Version()
}

func TestEveryCreateOnlyRecipePropertyChangesTheRecipesNameOrVersion(t *testing.T) {
	other := func(c *recipeCase, data string) imagebuilder.IComponent {
		p := baseComponent()
		p.Name = "app-dev-other"
		p.Data = []byte(data)
		return imagebuilder.NewComponent(c.stack, "Other", p)
	}
	mutators := map[string][]func(c *recipeCase){
		"Components": {
			func(c *recipeCase) { c.props.Components = append(c.props.Components, other(c, demoDocument)) },
			func(c *recipeCase) {
				c.props.Components[0], c.props.Components[1] = c.props.Components[1], c.props.Components[0]
			},
			func(c *recipeCase) { c.props.Components = c.props.Components[:1] },
			func(c *recipeCase) { // same component, new document
				c.props.Components[1] = other(c, strings.Replace(demoDocument, "hello", "bye", 1))
			},
			func(c *recipeCase) {
				c.props.Components[0] = imagebuilder.ManagedComponent(c.stack, "amazon-cloudwatch-agent-linux", "1.0.0")
			},
		},
		"ParentImage": {
			func(c *recipeCase) { c.props.Parent = imagebuilder.ManagedImage("amazon-linux-2023-x86/2025.1.x") },
			func(c *recipeCase) { c.props.Parent = imagebuilder.AmiImage("ami-0123456789abcdef0") },
			func(c *recipeCase) { c.props.Parent = imagebuilder.SsmParameterImage("/aws/service/x") },
		},
		"Description": {func(c *recipeCase) { c.props.Description = "other" }},
		"BlockDeviceMappings": {
			func(c *recipeCase) { c.props.RootVolumeGiB = 30 },
			func(c *recipeCase) { c.props.RootDeviceName = "/dev/sda1" },
			func(c *recipeCase) {
				c.props.EncryptionKey = awskms.Key_FromKeyArn(c.stack, jsii.String("K"), jsii.String("arn:aws:kms:eu-west-1:111111111111:key/abc"))
			},
		},
		"WorkingDirectory": {func(c *recipeCase) { c.props.WorkingDirectory = "/var/tmp" }},
	}
	b := baseRecipe()
	base := imagebuilder.NewImageRecipe(b.stack, "R", b.props)
	for _, prop := range createOnly(t, "AWS::ImageBuilder::ImageRecipe") {
		t.Run(prop, func(t *testing.T) {
			if prop == "Name" || prop == "Version" {
				return
			}
			ms, ok := mutators[prop]
			if !ok {
				t.Fatalf("create-only property %s of AWS::ImageBuilder::ImageRecipe has no mutator: make the recipe's name hash it, then add a mutator here", prop)
			}
			for i, mutate := range ms {
				c := baseRecipe()
				mutate(&c)
				changed := imagebuilder.NewImageRecipe(c.stack, "R", c.props)
				if recipeIdentity(changed) == recipeIdentity(base) {
					t.Errorf("change %d of %s left the recipe at %s: the replacement would fail with \"already exists\"", i, prop, recipeIdentity(base))
				}
			}
		})
	}
}

func TestRecipeChangesThatUpdateInPlaceKeepItsName(t *testing.T) {
	b := baseRecipe()
	base := imagebuilder.NewImageRecipe(b.stack, "R", b.props)
	c := baseRecipe()
	c.props.Tags = map[string]string{"team": "x"}
	c.props.AmiTags = map[string]string{"team": "x"}
	tagged := imagebuilder.NewImageRecipe(c.stack, "R", c.props)
	if recipeIdentity(tagged) != recipeIdentity(base) {
		t.Errorf("tags (updatable in place) renamed the recipe %s to %s: a needless rebuild", recipeIdentity(base), recipeIdentity(tagged))
	}
}

func TestAnUnchangedRecipeSynthesizesToTheSameTemplate(t *testing.T) {
	template := func() string {
		b := baseRecipe()
		imagebuilder.NewImageRecipe(b.stack, "R", b.props)
		app := b.stack.Node().Root().(awscdk.App)
		assembly := app.Synth(nil)
		data, err := os.ReadFile(*assembly.GetStackByName(b.stack.StackName()).TemplateFullPath())
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	first, second := template(), template()
	// The stacks differ only by their names.
	if first != second {
		t.Errorf("same inputs, different templates:\n%s\n---\n%s", first, second)
	}
}

// newDistribution is a distribution configuration bound to the launch
// template and golden parameter of a fleet variant, in the variant's stack.
func newDistribution() *imagebuilder.DistributionConfiguration {
	f := newFleetVariant(variantSeed, func(p *fleet.LaunchTemplateProps) {
		p.FleetTag = fleet.Tag{Key: "golden-fleet:fleet", Value: "app-dev"}
	})
	return imagebuilder.NewDistributionConfiguration(f.stack, "Distribution", imagebuilder.DistributionConfigurationProps{
		Name: "App-Dev-Fleet", AmiName: "app-dev", LaunchTemplate: f.lt, Parameter: f.golden,
	})
}

// privateVpc is an imported VPC with two private subnets in stack.
func privateVpc(stack awscdk.Stack) awsec2.IVpc {
	return awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId:             jsii.String("vpc-12345678"),
		AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b"),
		PrivateSubnetIds:  jsii.Strings("subnet-1111111a", "subnet-2222222b"),
	})
}

func TestTheInfrastructureConfigurationUsesTheRoleTopicAndBucketItIsGiven(t *testing.T) {
	s := newScratchStack()
	role := awsiam.Role_FromRoleArn(s, jsii.String("Role"), jsii.String("arn:aws:iam::111111111111:role/builds"), nil)
	topic := awssns.Topic_FromTopicArn(s, jsii.String("Topic"), jsii.String("arn:aws:sns:eu-west-1:111111111111:builds"))
	bucket := awss3.Bucket_FromBucketName(s, jsii.String("Bucket"), jsii.String("build-logs"))
	infra := imagebuilder.NewInfrastructureConfiguration(s, "Infrastructure", imagebuilder.InfrastructureConfigurationProps{
		Name: "app-dev-builds", InstanceTypes: []string{"t3.micro"}, Vpc: privateVpc(s),
		Role: role, Topic: topic, LogBucket: bucket,
	})
	// Every resource the construct made, by type.
	made := map[string]int{}
	for _, c := range *infra.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if *awscdk.CfnResource_IsCfnResource(c) {
			made[*c.(awscdk.CfnResource).CfnResourceType()]++
		}
	}
	for _, typ := range []string{"AWS::IAM::Role", "AWS::SNS::Topic", "AWS::KMS::Key", "AWS::S3::Bucket"} {
		if made[typ] > 0 {
			t.Errorf("made %d %s, want the one given", made[typ], typ)
		}
	}
	if infra.TopicKey != nil {
		t.Error("TopicKey is set, want nil: the topic was given")
	}
	for what, tc := range map[string]struct {
		value any
		want  string
	}{
		"SnsTopicArn":                  {infra.Resource.SnsTopicArn(), `"arn:aws:sns:eu-west-1:111111111111:builds"`},
		"S3BucketName":                 {infra.Resource.Logging(), `{"s3Logs":{"s3BucketName":"build-logs","s3KeyPrefix":"builds"}}`},
		"the instance profile's roles": {infra.InstanceProfile.Node().DefaultChild().(awsiam.CfnInstanceProfile).Roles(), `["builds"]`},
	} {
		if got := resolvedJSON(s, tc.value); got != tc.want {
			t.Errorf("%s = %s, want %s", what, got, tc.want)
		}
	}
}

func TestTheInfrastructureConfigurationRunsBuildsInTheFirstSelectedSubnet(t *testing.T) {
	s := newScratchStack()
	infra := imagebuilder.NewInfrastructureConfiguration(s, "Infrastructure", imagebuilder.InfrastructureConfigurationProps{
		Name: "app-dev-builds", InstanceTypes: []string{"t3.micro"}, Vpc: privateVpc(s),
		Subnets: &awsec2.SubnetSelection{AvailabilityZones: jsii.Strings("eu-west-1b")},
	})
	if got := resolvedJSON(s, infra.Resource.SubnetId()); got != `"subnet-2222222b"` {
		t.Errorf("SubnetId = %s, want subnet-2222222b, the one subnet in eu-west-1b", got)
	}
}

// Bad props fail the construct's validation, naming the prop, the value
// and what is allowed, rather than panicking while the app is built.
func TestImageBuilderConstructsReportBadPropsAsValidationErrors(t *testing.T) {
	s := newScratchStack()
	recipe := imagebuilder.NewImageRecipe(s, "Recipe", imagebuilder.ImageRecipeProps{
		Name: "app-dev-golden", Parent: imagebuilder.ManagedImage("amazon-linux-2023-x86/x.x.x"),
	})
	infra := imagebuilder.NewInfrastructureConfiguration(s, "Infrastructure", imagebuilder.InfrastructureConfigurationProps{
		Name: "app-dev-builds", InstanceTypes: []string{"t3.micro"}, Vpc: privateVpc(s),
		Subnets:      &awsec2.SubnetSelection{Subnets: &[]awsec2.ISubnet{}},
		LogRetention: 36 * time.Hour,
	})
	distribution := newDistribution()
	pipeline := imagebuilder.NewImagePipeline(s, "Pipeline", imagebuilder.ImagePipelineProps{
		Name: "app-dev-golden-ami", Recipe: recipe, Infrastructure: infra, Distribution: distribution,
		Schedule: "cron(0 3 ? * MON *)", TestTimeout: 90 * time.Second,
	})
	for _, tc := range []struct {
		construct constructs.IConstruct
		want      []string
	}{
		{recipe, []string{
			"image recipe app-dev-golden: Components got none: want at least one component",
			"image recipe app-dev-golden: RootDeviceName got none: want the parent image's root device, for example /dev/xvda",
		}},
		{infra, []string{
			"infrastructure configuration app-dev-builds: LogRetention got 36h0m0s: want whole days, at least one",
			"infrastructure configuration app-dev-builds: Subnets select no subnet of the VPC: want at least one for the build instances",
		}},
		{pipeline, []string{
			"image pipeline app-dev-golden-ami: TestTimeout got 1m30s: want whole minutes from 1h0m0s to 24h0m0s (Image Builder's limits)",
		}},
	} {
		if got := validationErrors(tc.construct); !slices.Equal(got, tc.want) {
			t.Errorf("%s: validation errors\n%q\nwant\n%q", *tc.construct.Node().Path(), got, tc.want)
		}
	}
}

// Every construct of the package has the same accessors: Resource, the L1
// escape hatch, and its physical Name and Arn (read from the synthesized
// app's dev environment).
func TestImageBuilderConstructsExposeResourceNameAndArn(t *testing.T) {
	factory, distribution := synthesized.built[0].ImageFactory, synthesized.built[0].Fleet.Distribution
	component := factory.Components[0]
	checkAccessors(t,
		constructAccessors{"component", component.Resource, component.Name(), component.Arn(), `"golden-fleet-dev-os-hardening-`, `{"Fn::GetAtt":["Componentoshardening`},
		constructAccessors{"recipe", factory.Recipe.Resource, factory.Recipe.Name(), factory.Recipe.Arn(), `"golden-fleet-dev-golden-ami-`, `{"Fn::GetAtt":["Recipe`},
		constructAccessors{"infrastructure configuration", factory.Infrastructure.Resource, factory.Infrastructure.Name(), factory.Infrastructure.Arn(),
			`"golden-fleet-dev-builds"`, `{"Fn::GetAtt":["Infrastructure`},
		constructAccessors{"pipeline", factory.Pipeline.Resource, factory.Pipeline.Name(), factory.Pipeline.Arn(), `"golden-fleet-dev-golden-ami"`, `{"Fn::GetAtt":["Pipeline`},
		// The distribution's ARN is built from its name, so another stack
		// refers to it without an export.
		constructAccessors{"distribution", distribution.Resource, distribution.Name(), distribution.Arn(), `"golden-fleet-dev-fleet"`,
			`"arn:aws:imagebuilder:eu-west-1:111111111111:distribution-configuration/golden-fleet-dev-fleet"`},
	)
}
