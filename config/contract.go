package config

import (
	"strings"

	"github.com/immutable-server/golden-fleet/internal/marks"
)

// The contract between the app and the programs that operate what it
// deploys (fleetctl, the e2e tests, scripts/local-deploy): the stack
// outputs they read, the tags AWS puts on what they read, and the ARN
// formats they build. The names of resources and the app's own tag keys
// are in names.go. Each is spelled here only; the stacks write what
// fleetctl and the e2e read from these constants.

// Outputs of an environment's fleet stack.
const (
	// GoldenAmiParameterOutput is the SSM parameter holding the current
	// golden AMI id.
	GoldenAmiParameterOutput = "GoldenAmiParameter"
	// LaunchTemplateIDOutput is the launch template the group launches
	// from.
	LaunchTemplateIDOutput = "LaunchTemplateId"
	// AutoScalingGroupNameOutput is the fleet's Auto Scaling group.
	AutoScalingGroupNameOutput = "AutoScalingGroupName"
	// RolloutPreferencesOutput is the JSON of the instance refreshes'
	// preferences (fleetctl roll's defaults).
	RolloutPreferencesOutput = "RolloutPreferences"
	// FleetAlarmNamesOutput lists the fleet's alarms, comma-separated: a
	// rollout stops when one fires.
	FleetAlarmNamesOutput = "FleetAlarmNames"
	// AlarmTopicArnOutput is the SNS topic of the fleet's alarms.
	AlarmTopicArnOutput = "AlarmTopicArn"
	// DashboardNameOutput is the environment's CloudWatch dashboard.
	DashboardNameOutput = "DashboardName"
)

// Outputs of an environment's image-factory stack.
const (
	// PipelineArnOutput is the image pipeline.
	PipelineArnOutput = "PipelineArn"
	// RecipeNameOutput is the current image recipe.
	RecipeNameOutput = "RecipeName"
	// BuildTopicArnOutput is the SNS topic Image Builder publishes every
	// build result to.
	BuildTopicArnOutput = "BuildTopicArn"
)

// ImageBuilderArnTagKey is the tag Image Builder puts on every AMI it
// builds: the ARN of the Image Builder image the AMI came from. An AMI
// without it was not built by Image Builder (a seed or a hand-made AMI).
// Its one spelling is marks.ImageBuilderArnTag, which the constructs use.
const ImageBuilderArnTagKey = marks.ImageBuilderArnTag

// DistributionConfigurationResource is the resource part of the ARN of
// the distribution configuration called name (Image Builder lowercases
// the names in its ARNs): "distribution-configuration/<name, lowercase>".
// constructs/promotion builds the same ARN from the stack.
func DistributionConfigurationResource(name string) string {
	return "distribution-configuration/" + strings.ToLower(name)
}
