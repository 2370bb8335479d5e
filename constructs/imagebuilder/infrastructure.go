package imagebuilder

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/immutable-server/golden-fleet/constructs/notify"
	"github.com/immutable-server/golden-fleet/internal/constructcheck"
	"github.com/immutable-server/golden-fleet/internal/servicerole"
)

// InfrastructureConfigurationProps configures InfrastructureConfiguration.
type InfrastructureConfigurationProps struct {
	// Name of the infrastructure configuration.
	Name string
	// InstanceTypes the builds may use, in order of preference.
	InstanceTypes []string
	// Vpc and Subnets for the build instances, which run in the first
	// subnet selected. Default: the account's default VPC, chosen by Image
	// Builder.
	Vpc     awsec2.IVpc
	Subnets *awsec2.SubnetSelection
	// Role of the build and test instances; it gets an instance profile.
	// Default: a role with the managed policies Image Builder, the SSM
	// agent and the CloudWatch agent need.
	Role awsiam.IRole
	// Topic receives a message for every image built. Default: a topic
	// encrypted with a key of its own that Image Builder may use.
	Topic awssns.ITopic
	// LogBucket receives the build logs under builds/; the role may write
	// there. Default: an encrypted bucket, TLS only, no public access,
	// whose objects expire after LogRetention.
	LogBucket awss3.IBucket
	// LogRetention keeps build logs this long, in whole days, in the
	// default LogBucket. Default: 90 days.
	LogRetention time.Duration
	// Tags on the build instances and the configuration. Default: none.
	Tags map[string]string
}

// InfrastructureConfiguration is the equivalent of the console's "create
// infrastructure configuration using service defaults", made explicit: an
// instance role and profile, an encrypted SNS topic for build
// notifications, and an encrypted S3 bucket for build logs, each generated
// unless given. Build instances require IMDSv2 and are terminated when a
// build fails.
type InfrastructureConfiguration struct {
	constructs.Construct
	// Resource is the L1 infrastructure configuration.
	Resource awsimagebuilder.CfnInfrastructureConfiguration
	// Role of the build and test instances.
	Role awsiam.IRole
	// InstanceProfile of Role.
	InstanceProfile awsiam.InstanceProfile
	// Topic receives a message for every image built.
	Topic awssns.ITopic
	// TopicKey encrypts Topic; nil when the topic was given.
	TopicKey awskms.IKey
	// LogBucket holds build logs.
	LogBucket awss3.IBucket
	// SecurityGroup of build instances, when a VPC is given.
	SecurityGroup awsec2.SecurityGroup
	name          string
}

// defaultLogRetention is InfrastructureConfigurationProps.LogRetention's
// default.
const defaultLogRetention = 90 * 24 * time.Hour

// NewInfrastructureConfiguration creates the configuration and what it uses.
func NewInfrastructureConfiguration(scope constructs.Construct, id string, props InfrastructureConfigurationProps) *InfrastructureConfiguration {
	c := constructs.NewConstruct(scope, &id)
	i := &InfrastructureConfiguration{Construct: c, Role: props.Role, Topic: props.Topic, LogBucket: props.LogBucket, name: props.Name}
	retention := props.LogRetention
	if retention == 0 {
		retention = defaultLogRetention
	}
	if retention < 24*time.Hour || retention%(24*time.Hour) != 0 {
		constructcheck.Fail(c, "infrastructure configuration %s: LogRetention got %s: want whole days, at least one", props.Name, retention)
	}

	var role awsiam.Role
	if i.Role == nil {
		role = newInstanceRole(c)
		i.Role = role
	}
	i.InstanceProfile = awsiam.NewInstanceProfile(c, jsii.String("InstanceProfile"), &awsiam.InstanceProfileProps{Role: i.Role})

	if i.Topic == nil {
		i.Topic, i.TopicKey = notify.EncryptedTopic(c, notify.TopicProps{
			KeyID:             "TopicKey",
			TopicID:           "Topic",
			KeyDescription:    "Encrypts the Image Builder notification topic",
			Publisher:         "ImageBuilder",
			ServiceLinkedRole: "aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder",
		})
	}

	if i.LogBucket == nil {
		i.LogBucket = newLogBucket(c, retention)
	}
	// Build instances upload their logs under builds/; nothing else. (A
	// GrantPut would also allow object tagging, retention and legal holds.)
	i.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WriteBuildLogs"),
		Actions:   jsii.Strings("s3:PutObject", "s3:AbortMultipartUpload"),
		Resources: jsii.Strings(*i.LogBucket.ArnForObjects(jsii.String("builds/*"))),
	}))
	if role != nil {
		cdknag.NagSuppressions_AddResourceSuppressions(role.Node().FindChild(jsii.String("DefaultPolicy")), &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("build logs are written under builds/<recipe>/<version>/<build>/, names Image Builder picks per build; " +
				"the wildcard stays inside the builds/ prefix of this bucket and allows only PutObject and AbortMultipartUpload"),
			AppliesTo: &[]interface{}{&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<[A-Za-z0-9]*LogBucket[A-F0-9]{8}\.Arn>\/builds\/\*$/`)}},
		}}, jsii.Bool(true))
	}

	subnetID, sgIDs := i.placeBuilds(props)

	i.Resource = awsimagebuilder.NewCfnInfrastructureConfiguration(c, jsii.String("Resource"), &awsimagebuilder.CfnInfrastructureConfigurationProps{
		Name:                       jsii.String(props.Name),
		Description:                jsii.String("Build instances for the golden AMI"),
		InstanceProfileName:        i.InstanceProfile.InstanceProfileName(),
		InstanceTypes:              jsii.Strings(props.InstanceTypes...),
		SubnetId:                   subnetID,
		SecurityGroupIds:           sgIDs,
		SnsTopicArn:                i.Topic.TopicArn(),
		TerminateInstanceOnFailure: jsii.Bool(true),
		InstanceMetadataOptions: &awsimagebuilder.CfnInfrastructureConfiguration_InstanceMetadataOptionsProperty{
			HttpTokens:              jsii.String("required"),
			HttpPutResponseHopLimit: jsii.Number(2),
		},
		Logging: &awsimagebuilder.CfnInfrastructureConfiguration_LoggingProperty{
			S3Logs: &awsimagebuilder.CfnInfrastructureConfiguration_S3LogsProperty{
				S3BucketName: i.LogBucket.BucketName(),
				S3KeyPrefix:  jsii.String("builds"),
			},
		},
		ResourceTags: stringMap(props.Tags),
		Tags:         stringMap(props.Tags),
	})
	// The instance profile name is a Ref, so CloudFormation creates the
	// profile first; no explicit DependsOn (cfn-lint W3005).
	return i
}

// newInstanceRole is the default role of the build and test instances.
func newInstanceRole(c constructs.Construct) awsiam.Role {
	return servicerole.New(c, "InstanceRole", servicerole.Props{
		Service:         "ec2.amazonaws.com",
		Description:     "Image Builder build and test instances",
		ManagedPolicies: []string{"EC2InstanceProfileForImageBuilder", "AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"},
		WhyManaged: "EC2InstanceProfileForImageBuilder, AmazonSSMManagedInstanceCore and CloudWatchAgentServerPolicy " +
			"are the policies AWS maintains for build instances (AWSTOE, the SSM agent Image Builder drives them with, the CloudWatch agent)",
	})
}

// newLogBucket is the default build-log bucket: encrypted, TLS only, no
// public access, its objects expired after retention.
func newLogBucket(c constructs.Construct, retention time.Duration) awss3.Bucket {
	bucket := awss3.NewBucket(c, jsii.String("LogBucket"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:         jsii.Bool(false),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("ExpireBuildLogs"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(float64(retention / (24 * time.Hour)))),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
		}},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(bucket.Node().DefaultChild(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-S1"),
		Reason: jsii.String("this bucket is itself a log bucket (Image Builder build logs, written only by the build instance role " +
			"and expired by lifecycle); server access logs of it would need yet another log bucket"),
	}}, jsii.Bool(false))
	return bucket
}

// placeBuilds puts the build instances in the first selected subnet of
// props.Vpc, with a security group of their own (no inbound); without a
// VPC, Image Builder picks the account's default one (nil, nil).
func (i *InfrastructureConfiguration) placeBuilds(props InfrastructureConfigurationProps) (subnetID *string, sgIDs *[]*string) {
	c := i.Construct
	if props.Vpc != nil {
		i.SecurityGroup = awsec2.NewSecurityGroup(c, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
			Vpc:              props.Vpc,
			Description:      jsii.String("Image Builder build instances: no inbound, all outbound"),
			AllowAllOutbound: jsii.Bool(true),
		})
		if subnets := *props.Vpc.SelectSubnets(props.Subnets).SubnetIds; len(subnets) > 0 {
			subnetID = subnets[0]
		} else {
			constructcheck.Fail(c, "infrastructure configuration %s: Subnets select no subnet of the VPC: want at least one for the build instances", props.Name)
		}
		sgIDs = &[]*string{i.SecurityGroup.SecurityGroupId()}
	}
	return subnetID, sgIDs
}

// Name of the infrastructure configuration.
func (i *InfrastructureConfiguration) Name() *string { return jsii.String(i.name) }

// Arn of the infrastructure configuration.
func (i *InfrastructureConfiguration) Arn() *string { return i.Resource.AttrArn() }
