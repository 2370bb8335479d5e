// Package awsfacts holds the facts about AWS that both the constructs and
// the app's configuration check values against: the retention periods
// CloudWatch Logs offers, the longest alarm evaluation, the alarms an
// instance refresh watches, Image Builder's scan types and severities.
// Each says where it comes from; config re-exports them beside its other
// facts (config/awsfacts.go), and config/awsfacts_test.go compares them
// with the catalogs it can read.
//
// It imports nothing of the app, so that a construct checking its props
// against these facts stays usable in any CDK app.
package awsfacts

import "time"

// MaxRefreshAlarms is the most CloudWatch alarms an instance refresh
// watches (AlarmSpecification, Auto Scaling API reference: "You can
// specify up to 10 alarms"; the service model states no maximum).
const MaxRefreshAlarms = 10

// MaxAlarmEvaluationTime is the longest a CloudWatch alarm evaluates:
// "An alarm's total current evaluation period can be no longer than one
// day, so this number multiplied by Period cannot be more than 86,400
// seconds" (PutMetricAlarm, EvaluationPeriods).
const MaxAlarmEvaluationTime = 24 * time.Hour

// Image Builder's vulnerability scan of an AMI: the scan types and the
// severities a scan result condition takes, from the CloudFormation
// reference of AWS::ImageBuilder::ImagePipeline ImageScanningConfiguration
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-imagebuilder-imagepipeline-imagescanningconfiguration.html,
// ImageScanningTypes: "Specify a single value") and ScanResultCondition
// (MaximumSeverityLabel: "Valid values are INFORMATIONAL, LOW, MEDIUM, and
// HIGH. A CRITICAL finding that counts always fails the image"). Neither
// cfn-lint 1.51.0's schemas nor the AWS SDK for Go v2 have them yet
// (scripts/cfn-lint-overrides.json adds them to cfn-lint's).
const (
	// ScanOnDemandAMI: Amazon Inspector scans the output AMI during the
	// test phase; Inspector need not be activated in the account.
	ScanOnDemandAMI = "ON_DEMAND_AMI_CVE"
	// ScanTestInstance: Inspector scans the test instance; Inspector's EC2
	// scanning must be activated in the account.
	ScanTestInstance = "TEST_INSTANCE_CVE"
)

// ScanTypes are the scan types Image Builder offers for AMIs.
var ScanTypes = []string{ScanOnDemandAMI, ScanTestInstance}

// MaxSeverities are the values a scan result condition's
// MaximumSeverityLabel takes, lowest first.
var MaxSeverities = []string{"INFORMATIONAL", "LOW", "MEDIUM", "HIGH"}

// LogRetentionDays are the retention periods CloudWatch Logs accepts
// (AWS::Logs::LogGroup RetentionInDays).
var LogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
