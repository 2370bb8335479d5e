package fleet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/internal/constructcheck"
	"github.com/immutable-server/golden-fleet/internal/iamgrant"
	"github.com/immutable-server/golden-fleet/internal/servicerole"
	"github.com/immutable-server/golden-fleet/internal/stackarn"
)

// RootDeviceName is the root device of Amazon Linux AMIs.
const RootDeviceName = "/dev/xvda"

// LaunchTemplateProps configures LaunchTemplate.
type LaunchTemplateProps struct {
	// NamePrefix starts the launch template's name; a hash of its data
	// follows (see LaunchTemplate).
	NamePrefix string
	// Vpc of the security group.
	Vpc awsec2.IVpc
	// Image is the golden AMI parameter the template reads at launch.
	Image *GoldenImage
	// InstanceType of the fleet.
	InstanceType string
	// RootVolumeGiB is the size of the root volume. Default: 20 GiB.
	RootVolumeGiB int
	// EncryptionKey encrypts the root volume. Default: the account's
	// default EBS key (volumes are encrypted either way).
	EncryptionKey awskms.IKey
	// UserData runs at first boot. Default: an empty script.
	UserData string
	// IngressPorts are TCP ports opened to IngressCidr. Default: no inbound
	// rule at all.
	IngressPorts []int
	// IngressCidr is the source of IngressPorts. Required with
	// IngressPorts.
	IngressCidr string
	// FleetTag tags the launch template (and, through it, the instances
	// and volumes). GrantAddVersions allows writes only to launch
	// templates carrying it, because the template's id changes whenever
	// its data does. Default: no tag, and GrantAddVersions fails
	// validation.
	FleetTag Tag
}

// Tag is one resource tag.
type Tag struct {
	Key, Value string
}

// LaunchTemplate is the fleet's launch template, with its instance role,
// instance profile and security group.
//
// Its image id is "resolve:ssm:<golden parameter>", so it never carries an
// AMI id of its own and a stack update can never roll the golden AMI back.
//
// Its name is "<prefix>-<hash of its data>-<security group id>": any change
// of the data's text, and a replaced security group (a new VPC), replace the
// template. CloudFormation therefore only ever writes one version of a
// template, version 1 (CloudFormationVersion), which is its default until
// the first build. Image Builder bases the version it adds on every build on
// that version, so the build's version always carries the latest deployed
// configuration. (CloudFormation alone never makes a new version the
// default.)
type LaunchTemplate struct {
	constructs.Construct
	// Resource is the L1 launch template, the escape hatch.
	Resource awsec2.CfnLaunchTemplate
	// Template is the L2 launch template the group launches from.
	Template awsec2.LaunchTemplate
	// Role is the instance role: the SSM agent's managed policy; what the
	// CloudWatch agent needs is granted where its log groups are made
	// (constructs/observability).
	Role awsiam.Role
	// SecurityGroup of the instances.
	SecurityGroup awsec2.SecurityGroup
	fleetTag      Tag
}

// defaultRootVolumeGiB is LaunchTemplateProps.RootVolumeGiB's default.
const defaultRootVolumeGiB = 20

// NewLaunchTemplate creates the launch template.
func NewLaunchTemplate(scope constructs.Construct, id string, props LaunchTemplateProps) *LaunchTemplate {
	c := constructs.NewConstruct(scope, &id)
	if props.RootVolumeGiB == 0 {
		props.RootVolumeGiB = defaultRootVolumeGiB
	}

	// The CloudWatch agent's permissions are scoped to the environment's
	// log groups, namespace and configuration parameter by
	// constructs/observability, not granted by the broad
	// CloudWatchAgentServerPolicy.
	role := servicerole.New(c, "InstanceRole", servicerole.Props{
		Service:         "ec2.amazonaws.com",
		Description:     "Fleet instances: Systems Manager agent and CloudWatch agent",
		ManagedPolicies: []string{"AmazonSSMManagedInstanceCore"},
		WhyManaged: "AmazonSSMManagedInstanceCore is the policy AWS maintains for the SSM agent; " +
			"a copy of our own would drift from what the agent calls",
	})

	sg := awsec2.NewSecurityGroup(c, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              props.Vpc,
		Description:      jsii.String("Golden fleet instances"),
		AllowAllOutbound: jsii.Bool(true),
	})
	for _, port := range props.IngressPorts {
		sg.AddIngressRule(awsec2.Peer_Ipv4(jsii.String(props.IngressCidr)), awsec2.Port_Tcp(jsii.Number(float64(port))),
			jsii.String(fmt.Sprintf("tcp/%d from %s (configured)", port, props.IngressCidr)), jsii.Bool(false))
	}

	volume := &awsec2.EbsDeviceOptions{
		VolumeType:          awsec2.EbsDeviceVolumeType_GP3,
		Encrypted:           jsii.Bool(true),
		DeleteOnTermination: jsii.Bool(true),
	}
	if props.EncryptionKey != nil {
		volume.KmsKey = props.EncryptionKey
	}

	var userData awsec2.UserData
	if props.UserData != "" {
		userData = awsec2.UserData_Custom(jsii.String(props.UserData))
	}

	lt := awsec2.NewLaunchTemplate(c, jsii.String("Resource"), &awsec2.LaunchTemplateProps{
		MachineImage:       awsec2.MachineImage_ResolveSsmParameterAtLaunch(jsii.String(props.Image.ParameterName()), nil),
		InstanceType:       awsec2.NewInstanceType(jsii.String(props.InstanceType)),
		Role:               role,
		SecurityGroup:      sg,
		RequireImdsv2:      jsii.Bool(true),
		HttpTokens:         awsec2.LaunchTemplateHttpTokens_REQUIRED,
		HttpEndpoint:       jsii.Bool(true),
		DetailedMonitoring: jsii.Bool(true),
		UserData:           userData,
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String(RootDeviceName),
			Volume:     awsec2.BlockDeviceVolume_Ebs(jsii.Number(float64(props.RootVolumeGiB)), volume),
		}},
	})
	// EC2 checks that the parameter exists when the template is created.
	lt.Node().AddDependency(props.Image.Resource)
	if props.FleetTag.Key != "" {
		awscdk.Tags_Of(lt).Add(jsii.String(props.FleetTag.Key), jsii.String(props.FleetTag.Value), nil)
	}

	cfn := lt.Node().DefaultChild().(awsec2.CfnLaunchTemplate)
	cfn.SetLaunchTemplateName(awscdk.Lazy_String(&dataHashedName{prefix: props.NamePrefix, cfn: cfn, sg: sg}, nil))

	return &LaunchTemplate{Construct: c, Resource: cfn, Template: lt, Role: role, SecurityGroup: sg, fleetTag: props.FleetTag}
}

// LaunchTemplateId is the launch template's id.
func (l *LaunchTemplate) LaunchTemplateId() *string { return l.Template.LaunchTemplateId() }

// Name is the launch template's name, "<prefix>-<hash>-<security group
// id>", resolved at synthesis.
func (l *LaunchTemplate) Name() *string { return l.Resource.LaunchTemplateName() }

// Arn is the launch template's ARN.
func (l *LaunchTemplate) Arn() *string { return launchTemplateArn(l.Construct, *l.LaunchTemplateId()) }

// launchTemplateArn is the ARN of the launch template id (or "*") in
// scope's account and region.
func launchTemplateArn(scope constructs.IConstruct, id string) *string {
	return stackarn.Format(awscdk.Stack_Of(scope), awscdk.ArnComponents{
		Service:      jsii.String("ec2"),
		Resource:     jsii.String("launch-template"),
		ResourceName: jsii.String(id),
	})
}

// GrantAddVersions lets grantee add versions to the launch template and
// make one the default, what Image Builder's distribution does on every
// build. The template's id changes whenever its data does, so the grant
// names every launch template of the account and region, on condition
// that it carries the FleetTag.
func (l *LaunchTemplate) GrantAddVersions(grantee awsiam.IGrantable) awsiam.Grant {
	if l.fleetTag.Key == "" {
		constructcheck.Fail(l, "launch template %s: GrantAddVersions needs FleetTag, got none: want a tag key and value that only this fleet's launch templates carry", *l.Node().Path())
		return awsiam.Grant_Drop(grantee, jsii.String("add launch template versions"))
	}
	write := iamgrant.WithSid("AddFleetLaunchTemplateVersions", &awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"),
		ResourceArns: &[]*string{launchTemplateArn(l.Construct, "*")},
		Conditions: &map[string]*map[string]interface{}{
			"StringEquals": {"aws:ResourceTag/" + l.fleetTag.Key: l.fleetTag.Value},
		},
	})
	// Describe calls have no resource-level permissions.
	read := iamgrant.WithSid("ReadLaunchTemplates", &awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions"),
		ResourceArns: jsii.Strings("*"),
	})
	return write.Combine(read)
}

// CloudFormationVersion is the only version of the launch template that
// CloudFormation writes: every change replaces the template instead of
// adding a version. The group launches this version, never one that Image
// Builder added (those carry a literal AMI id).
const CloudFormationVersion = "1"

// dataHashedName produces "<prefix>-<12 hex digits>-<security group id>",
// the digits hashing the launch template data as it appears in the
// template. The security group id covers the one change the text does not
// show: a replaced security group behind the same GetAtt.
type dataHashedName struct {
	prefix string
	cfn    awsec2.CfnLaunchTemplate
	sg     awsec2.SecurityGroup
}

func (d *dataHashedName) Produce() *string {
	resolved := awscdk.Stack_Of(d.cfn).Resolve(d.cfn.LaunchTemplateData())
	// Marshal cannot fail: jsii hands back JSON values (maps, lists,
	// strings, numbers, booleans, nil).
	data, _ := json.Marshal(resolved)
	sum := sha256.Sum256(data)
	return jsii.String(d.prefix + "-" + hex.EncodeToString(sum[:])[:12] + "-" + *d.sg.SecurityGroupId())
}
