package imagebuilder

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/internal/constructcheck"
	"github.com/immutable-server/golden-fleet/internal/stackarn"
)

// RecipeVersion is the semantic version of our recipes. The content hash in
// the name, not this number, tells recipes apart.
const RecipeVersion = "1.0.0"

// ParentImage is a recipe's base image. Use ManagedImage, AmiImage or
// SsmParameterImage.
type ParentImage struct {
	value    func(scope constructs.Construct) *string
	identity string
}

// ManagedImage is an Amazon-managed Image Builder image, "name/version",
// for example "amazon-linux-2023-x86/x.x.x" (latest at build time).
func ManagedImage(nameAndVersion string) ParentImage {
	return ParentImage{
		identity: "aws:" + nameAndVersion,
		value: func(scope constructs.Construct) *string {
			return stackarn.Format(awscdk.Stack_Of(scope), awscdk.ArnComponents{
				Service:      jsii.String("imagebuilder"),
				Account:      jsii.String("aws"),
				Resource:     jsii.String("image"),
				ResourceName: jsii.String(nameAndVersion),
			})
		},
	}
}

// AmiImage is a custom AMI, by id.
func AmiImage(amiID string) ParentImage {
	return ParentImage{identity: amiID, value: func(constructs.Construct) *string { return jsii.String(amiID) }}
}

// SsmParameterImage is the AMI id held by an SSM parameter, read by Image
// Builder when each build starts.
func SsmParameterImage(name string) ParentImage {
	v := "ssm:" + name
	return ParentImage{identity: v, value: func(constructs.Construct) *string { return jsii.String(v) }}
}

// ImageRecipeProps configures ImageRecipe.
type ImageRecipeProps struct {
	// Name is the base of the recipe's name; a content hash follows.
	Name string
	// Description of the recipe. Default: none.
	Description string
	// Parent is the base image.
	Parent ParentImage
	// Components in the order they run; build components first, then test
	// components. At least one.
	Components []IComponent
	// RootDeviceName is the parent image's root device, for example
	// /dev/xvda for Amazon Linux: the image's root volume (gp3, encrypted)
	// replaces it. Required: it depends on the parent image.
	RootDeviceName string
	// RootVolumeGiB is the size of the image's root volume. Default: 20
	// GiB.
	RootVolumeGiB int
	// EncryptionKey encrypts the build's root volume. Default: the
	// account's default EBS key.
	EncryptionKey awskms.IKey
	// WorkingDirectory on the build instance. Default: /tmp.
	WorkingDirectory string
	// Tags on the recipe; AmiTags on the AMIs it makes. Default: none.
	Tags, AmiTags map[string]string
}

// ImageRecipe is an image recipe whose name changes whenever a create-only
// property does.
type ImageRecipe struct {
	constructs.Construct
	// Resource is the L1 recipe.
	Resource awsimagebuilder.CfnImageRecipe
	name     string
}

// recipeSpec lists every create-only property of
// AWS::ImageBuilder::ImageRecipe that this construct sets, Name and
// Version aside. The name hashes it.
type recipeSpec struct {
	Components          []string
	ParentImage         string
	Description         string
	BlockDeviceMappings []blockDeviceSpec
	WorkingDirectory    string
}

type blockDeviceSpec struct {
	DeviceName string
	VolumeSize int
	VolumeType string
	Encrypted  bool
	KmsKey     string
}

// The defaults of ImageRecipeProps.
const (
	defaultRootVolumeGiB    = 20
	defaultWorkingDirectory = "/tmp"
)

// NewImageRecipe creates an image recipe.
func NewImageRecipe(scope constructs.Construct, id string, props ImageRecipeProps) *ImageRecipe {
	c := constructs.NewConstruct(scope, &id)
	if len(props.Components) == 0 {
		constructcheck.Fail(c, "image recipe %s: Components got none: want at least one component", props.Name)
	}
	if props.RootDeviceName == "" {
		constructcheck.Fail(c, "image recipe %s: RootDeviceName got none: want the parent image's root device, for example /dev/xvda", props.Name)
	}
	if props.RootVolumeGiB == 0 {
		props.RootVolumeGiB = defaultRootVolumeGiB
	}
	if props.WorkingDirectory == "" {
		props.WorkingDirectory = defaultWorkingDirectory
	}
	spec := recipeSpec{
		ParentImage:      props.Parent.identity,
		Description:      props.Description,
		WorkingDirectory: props.WorkingDirectory,
		BlockDeviceMappings: []blockDeviceSpec{{
			DeviceName: props.RootDeviceName,
			VolumeSize: props.RootVolumeGiB,
			VolumeType: "gp3",
			Encrypted:  true,
		}},
	}
	ebs := &awsimagebuilder.CfnImageRecipe_EbsInstanceBlockDeviceSpecificationProperty{
		VolumeSize:          jsii.Number(float64(props.RootVolumeGiB)),
		VolumeType:          jsii.String("gp3"),
		Encrypted:           jsii.Bool(true),
		DeleteOnTermination: jsii.Bool(true),
	}
	if props.EncryptionKey != nil {
		ebs.KmsKeyId = props.EncryptionKey.KeyArn()
		// The key's identity: a token has no stable text, so hash the
		// construct path of the key, which changes when the key does.
		spec.BlockDeviceMappings[0].KmsKey = keyIdentity(props.EncryptionKey)
	}
	components := make([]interface{}, len(props.Components))
	for i, component := range props.Components {
		spec.Components = append(spec.Components, component.Identity())
		components[i] = &awsimagebuilder.CfnImageRecipe_ComponentConfigurationProperty{ComponentArn: component.Arn()}
	}
	name := contentName(c, props.Name, spec)
	var description *string
	if props.Description != "" {
		description = jsii.String(props.Description)
	}
	res := awsimagebuilder.NewCfnImageRecipe(c, jsii.String("Resource"), &awsimagebuilder.CfnImageRecipeProps{
		Name:             jsii.String(name),
		Version:          jsii.String(RecipeVersion),
		ParentImage:      props.Parent.value(c),
		Description:      description,
		Components:       &components,
		WorkingDirectory: jsii.String(props.WorkingDirectory),
		BlockDeviceMappings: &[]interface{}{&awsimagebuilder.CfnImageRecipe_InstanceBlockDeviceMappingProperty{
			DeviceName: jsii.String(props.RootDeviceName),
			Ebs:        ebs,
		}},
		Tags:    stringMap(props.Tags),
		AmiTags: stringMap(props.AmiTags),
	})
	return &ImageRecipe{Construct: c, Resource: res, name: name}
}

// Name is the recipe's physical name, content hash included.
func (r *ImageRecipe) Name() *string { return jsii.String(r.name) }

// Arn of the recipe.
func (r *ImageRecipe) Arn() *string { return r.Resource.AttrArn() }

// keyIdentity is a stable string for a KMS key: its ARN when it is plain
// text (an imported key), else its construct path.
func keyIdentity(key awskms.IKey) string {
	if !*awscdk.Token_IsUnresolved(key.KeyArn()) {
		return *key.KeyArn()
	}
	return *key.Node().Path()
}
