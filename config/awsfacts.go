package config

import (
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/immutable-server/golden-fleet/internal/awsfacts"
)

// Facts about AWS that Validate checks a configuration against: regions
// and partitions, service limits and the shapes of ids. Each says where it
// comes from; config/awsfacts_test.go reads the catalogs it can (cfn-lint's
// CloudFormation resource schemas, the AWS service models that botocore
// ships, the AWS SDK for Go v2) and fails when a value here drifts from
// them.

// Regions this app may deploy to.
var Regions = []string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "cn-north-1", "cn-northwest-1",
	"eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2",
	"eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
	"us-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1", "us-west-1", "us-west-2",
}

// Partition is the AWS partition of a region: "aws", "aws-cn" or
// "aws-us-gov".
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

// Limits of the services, checked by Validate.
const (
	// MaxNameLength is the longest Image Builder resource name (the Name
	// pattern of AWS::ImageBuilder::Component and its siblings:
	// ^[-_A-Za-z-0-9][-_A-Za-z0-9 ]{1,126}[-_A-Za-z-0-9]$).
	MaxNameLength = 128
	// MaxSsmParameterNameLength is the longest SSM parameter name, path
	// included.
	MaxSsmParameterNameLength = 1011
	// MaxSsmParameterLevels is the deepest SSM parameter hierarchy.
	MaxSsmParameterLevels = 15
	// MaxRecipeComponents is the most components an image recipe takes,
	// the CloudWatch agent included.
	MaxRecipeComponents = 20

	// MaxTags is the most tags an AWS resource takes (EC2, IAM, S3, KMS,
	// SNS, SSM, Auto Scaling; Image Builder's TagMap).
	MaxTags = 50
	// MaxImageBuilderResourceTags is the most tags Image Builder puts on
	// the build instances (ResourceTagMap of the infrastructure
	// configuration's ResourceTags).
	MaxImageBuilderResourceTags = 30
	// MaxTagKeyLength and MaxTagValueLength count characters.
	MaxTagKeyLength   = 128
	MaxTagValueLength = 256

	// MaxGp3VolumeGiB is the largest gp3 volume EC2 creates.
	MaxGp3VolumeGiB = 16384
	// MinRootVolumeGiB is the smallest root volume this app allows: the
	// size of the Amazon Linux 2023 snapshot.
	MinRootVolumeGiB = 8
	// MaxImageBuilderVolumeGiB is the largest volume an image recipe
	// takes (AWS::ImageBuilder::ImageRecipe
	// EbsInstanceBlockDeviceSpecification.VolumeSize).
	MaxImageBuilderVolumeGiB = 16000

	// MaxAutoScalingSize is the largest minimum, maximum or desired size of
	// an Auto Scaling group: the API takes 32-bit integers (*int32 in the
	// AWS SDK for Go v2).
	MaxAutoScalingSize = math.MaxInt32

	// MaxSecurityGroupRules is the default quota of inbound (and of
	// outbound) rules per security group ("Inbound or outbound rules per
	// security group", Amazon VPC quotas). Each ingress port is one rule.
	MaxSecurityGroupRules = 60

	// MaxRoleNameLength is the longest IAM role name
	// (AWS::IAM::Role RoleName).
	MaxRoleNameLength = 64

	// MaxUserDataBytes is EC2's limit on user data before base64. It
	// holds the boot script that starts the CloudWatch agent and
	// Fleet.UserData together (internal/telemetry.UserData).
	MaxUserDataBytes = 16 * 1024
	// MaxWorkingDirectoryLength is the longest working directory of an
	// image recipe, in characters.
	MaxWorkingDirectoryLength = 1024
)

// Limits of instance refreshes and lifecycle policies, from the Auto
// Scaling API reference (RefreshPreferences) and the CloudFormation schema
// of AWS::ImageBuilder::LifecyclePolicy (Filter).
const (
	MaxCheckpointDelay        = 172800 * time.Second
	MaxLifecycleRetainAtLeast = 10
	MaxLifecycleAgeValue      = 1000
)

// MaxRefreshAlarms is the most CloudWatch alarms an instance refresh
// watches (internal/awsfacts).
const MaxRefreshAlarms = awsfacts.MaxRefreshAlarms

// MaxStateMachineNameLength is the longest Step Functions state machine
// name (AWS::StepFunctions::StateMachine StateMachineName).
const MaxStateMachineNameLength = 80

// Limits of what the fleet reports to.
const (
	// MaxSsmStandardParameterValueBytes is the largest value of a
	// standard-tier SSM parameter, where the CloudWatch agent's
	// configuration lives (Systems Manager quotas: "Parameter value size,
	// Standard: 4 KB").
	MaxSsmStandardParameterValueBytes = 4096
	// MaxAlarmEvaluationTime is the longest a CloudWatch alarm evaluates
	// (internal/awsfacts).
	MaxAlarmEvaluationTime = awsfacts.MaxAlarmEvaluationTime
)

// Image Builder's scan types and severities, and CloudWatch Logs'
// retention periods: the constructs check their props against them too,
// so they live in internal/awsfacts, which says where each comes from.
const (
	ScanOnDemandAMI  = awsfacts.ScanOnDemandAMI
	ScanTestInstance = awsfacts.ScanTestInstance
)

// ScanTypes are the scan types Image Builder offers for AMIs.
var ScanTypes = awsfacts.ScanTypes

// MaxSeverities are the values a scan result condition's
// MaximumSeverityLabel takes, lowest first.
var MaxSeverities = awsfacts.MaxSeverities

// LogRetentionDays are the retention periods CloudWatch Logs accepts
// (AWS::Logs::LogGroup RetentionInDays).
var LogRetentionDays = awsfacts.LogRetentionDays

// Tag key and value character sets of the services an environment's tags
// reach. Every tag of an environment lands on IAM roles and on Image
// Builder resources, so a key must satisfy both (Image Builder's set is
// the narrower: ASCII letters and digits only), and a value IAM's.
const (
	// IAMTagPattern is the Key and Value pattern of AWS::IAM::Role's Tag.
	IAMTagPattern = `^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`
	// ImageBuilderTagKeyPattern is Image Builder's TagKey pattern,
	// ^(?!aws:)[a-zA-Z0-9\s_.:/=+\-@]*$, without the look-ahead that Go's
	// regexp lacks (Validate refuses aws: keys on its own).
	ImageBuilderTagKeyPattern = `^[a-zA-Z0-9\s_.:/=+\-@]*$`
)

// AmiIDPattern is the shape of an AMI id: ami- and 8 or 17 hex digits.
const AmiIDPattern = `^ami-([0-9a-f]{8}|[0-9a-f]{17})$`

var amiRe = regexp.MustCompile(AmiIDPattern)

// IsAmiID reports whether s is shaped like an AMI id.
func IsAmiID(s string) bool { return amiRe.MatchString(s) }

// S3ReservedPrefixes are the starts of bucket names S3 refuses (general
// purpose bucket naming rules). CloudFormation names the build-log bucket
// "<image-factory stack name>-<logical id>-<random>", lowercased, so the
// image-factory stack's name must not start with one of them.
var S3ReservedPrefixes = []string{"xn--", "sthree-", "amzn-s3-demo-"}

// ImageBuilderVersionPattern is a semantic version with Image Builder's
// wildcards: x stands for any number and may only run to the right
// (1.2.x, 1.x.x and x.x.x, never x.2.x).
const ImageBuilderVersionPattern = `^(x\.x\.x|[0-9]+\.x\.x|[0-9]+\.[0-9]+\.x|[0-9]+\.[0-9]+\.[0-9]+)$`
