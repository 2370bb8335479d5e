package imagebuilder

import (
	"encoding/json"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/internal/contenthash"
	"github.com/immutable-server/golden-fleet/internal/stackarn"
)

// ComponentVersion is the semantic version of our components. The content
// hash in the name, not this number, tells versions apart.
const ComponentVersion = "1.0.0"

// IComponent is a component a recipe can run: one of ours (*Component) or
// an Amazon-managed one (ManagedComponent).
type IComponent interface {
	// Arn of the component.
	Arn() *string
	// Identity is a plain string, no token, that changes whenever the
	// component does; recipes hash it.
	Identity() string
}

// ComponentProps configures Component.
type ComponentProps struct {
	// Name is the base of the component's name; a content hash follows.
	Name string
	// Description of the component. Default: none.
	Description string
	// Platform is "Linux" or "Windows". Default: "Linux".
	Platform string
	// Data is the AWSTOE YAML document.
	Data []byte
	// SupportedOsVersions restricts the component to these OS versions.
	// Default: any version of the platform.
	SupportedOsVersions []string
	// Tags on the component. Default: none.
	Tags map[string]string
}

// Component is one of our own Image Builder components.
type Component struct {
	constructs.Construct
	// Resource is the L1 component.
	Resource awsimagebuilder.CfnComponent
	name     string
}

// componentSpec lists every create-only property of
// AWS::ImageBuilder::Component that this construct sets, Name and Version
// aside. The name hashes it.
type componentSpec struct {
	Description         string
	ChangeDescription   string
	Platform            string
	Data                string
	SupportedOsVersions []string
}

// NewComponent creates a component whose name changes with its content.
func NewComponent(scope constructs.Construct, id string, props ComponentProps) *Component {
	c := constructs.NewConstruct(scope, &id)
	platform := props.Platform
	if platform == "" {
		platform = "Linux"
	}
	// The change description names the document by the hash of its JSON
	// encoding (a string always encodes).
	document, _ := json.Marshal(string(props.Data))
	spec := componentSpec{
		Description:         props.Description,
		ChangeDescription:   "Document " + contenthash.Prefix(document),
		Platform:            platform,
		Data:                string(props.Data),
		SupportedOsVersions: props.SupportedOsVersions,
	}
	name := contentName(c, props.Name, spec)
	var osVersions *[]*string
	if len(spec.SupportedOsVersions) > 0 {
		osVersions = jsii.Strings(spec.SupportedOsVersions...)
	}
	res := awsimagebuilder.NewCfnComponent(c, jsii.String("Resource"), &awsimagebuilder.CfnComponentProps{
		Name:                jsii.String(name),
		Version:             jsii.String(ComponentVersion),
		Platform:            jsii.String(spec.Platform),
		Description:         jsii.String(spec.Description),
		ChangeDescription:   jsii.String(spec.ChangeDescription),
		Data:                jsii.String(spec.Data),
		SupportedOsVersions: osVersions,
		Tags:                stringMap(props.Tags),
	})
	return &Component{Construct: c, Resource: res, name: name}
}

// Name is the component's physical name, content hash included.
func (c *Component) Name() *string { return jsii.String(c.name) }

// Arn of the component.
func (c *Component) Arn() *string { return c.Resource.AttrArn() }

// Identity is the component's name and version.
func (c *Component) Identity() string { return c.name + "/" + ComponentVersion }

// managedComponent is an Amazon-managed component.
type managedComponent struct {
	arn      *string
	identity string
}

func (m managedComponent) Arn() *string     { return m.arn }
func (m managedComponent) Identity() string { return m.identity }

// ManagedComponent refers to an Amazon-managed component, for example
// ("amazon-cloudwatch-agent-linux", "x.x.x"): the ARN is built from the
// stack's partition and region, with "aws" as the owner.
func ManagedComponent(scope constructs.Construct, name, version string) IComponent {
	arn := stackarn.Format(awscdk.Stack_Of(scope), awscdk.ArnComponents{
		Service:      jsii.String("imagebuilder"),
		Account:      jsii.String("aws"),
		Resource:     jsii.String("component"),
		ResourceName: jsii.String(name + "/" + version),
	})
	return managedComponent{arn: arn, identity: "aws:" + name + "/" + version}
}

// CloudWatchAgent is the Amazon-managed component that installs the Amazon
// CloudWatch agent, latest version at build time.
func CloudWatchAgent(scope constructs.Construct) IComponent {
	return ManagedComponent(scope, "amazon-cloudwatch-agent-linux", "x.x.x")
}

func stringMap(m map[string]string) *map[string]*string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = jsii.String(v)
	}
	return &out
}
