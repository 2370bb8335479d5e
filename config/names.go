package config

import (
	"strings"

	"github.com/immutable-server/golden-fleet/internal/contenthash"
	"github.com/immutable-server/golden-fleet/internal/marks"
)

// The names of what an environment deploys that people and programs find
// by name: its stacks, the golden AMI parameter, the Image Builder
// pipeline, recipe, components, infrastructure and distribution, what the
// fleet reports to (log groups, metric namespace, the CloudWatch agent's
// configuration parameter, alarms, event rules, dashboard), and the tags
// the app adds. They are spelled here only: the stacks, fleetctl, the
// e2e tests and scripts/local-deploy (through cmd/names) read them from
// here.

// StackRole is one of the stacks of an environment.
type StackRole string

// The stacks of an environment, in deployment order. The network stack
// exists only when the app creates the VPC.
const (
	NetworkStack      StackRole = "network"
	FleetStack        StackRole = "fleet"
	ImageFactoryStack StackRole = "image-factory"
)

// StackRoles lists the stack roles in deployment order.
var StackRoles = []StackRole{NetworkStack, FleetStack, ImageFactoryStack}

// Tag keys the app adds on top of an environment's Tags.
const (
	// FleetTagKey tags the fleet's launch template (and, through it, the
	// instances and volumes) with "<prefix>-<env>"; the pipeline's
	// execution role may add versions only to a launch template carrying
	// it.
	FleetTagKey = "golden-fleet:fleet"
	// EnvironmentTagKey tags every golden AMI with the environment's name.
	EnvironmentTagKey = "golden-fleet:environment"
	// PipelineTagKey tags every image the environment's pipeline builds
	// (the Image Builder image, through the pipeline's ImageTags) with
	// Base(): the lifecycle policy selects images by it, so that an image
	// stays in its scope when a changed component renames the recipe.
	PipelineTagKey = "golden-fleet:pipeline"
	// RetainTagKey, with the value "true", marks an AMI a fleet runs or may
	// roll back to: every lifecycle policy of the app excludes AMIs that
	// carry it (internal/marks).
	RetainTagKey = marks.RetainKey
	// GoldenRoleTagKeyPrefix starts the tag that says which role an AMI
	// has for a fleet: GoldenRoleTagKeyPrefix + Base(), "current" or
	// "previous" (internal/marks).
	GoldenRoleTagKeyPrefix = marks.RoleKeyPrefix

	// A promoted AMI's record (see docs/promotion.md): the
	// promotion's distribution configuration tags each copy with
	// EnvironmentTagKey and PromotedFromEnvironmentTagKey; fleetctl
	// promote adds the others, PromotionRecordTagKeys.

	// PromotedFromEnvironmentTagKey is the environment the AMI was
	// promoted from.
	PromotedFromEnvironmentTagKey = "golden-fleet:promoted-from-environment"
	// PromotedFromAMITagKey is the source AMI the copy was made from.
	PromotedFromAMITagKey = "golden-fleet:promoted-from-ami"
	// PromotionGatesTagKey lists each gate with its outcome, for example
	// "image-tests=passed soak=passed vulnerabilities=overridden".
	PromotionGatesTagKey = "golden-fleet:promotion-gates"
	// PromotedAtTagKey is the time of the promotion (RFC 3339, UTC).
	PromotedAtTagKey = "golden-fleet:promoted-at"
	// PromotedByTagKey is who promoted: the caller's ARN, and the GitHub
	// actor when a workflow ran it.
	PromotedByTagKey = "golden-fleet:promoted-by"
	// PromotionOverrideTagKey records the gates skipped and why.
	PromotionOverrideTagKey = "golden-fleet:promotion-override"
)

// PromotionRecordTagKeys are the tags fleetctl promote adds to a promoted
// AMI after the copy (config.AddedTags counts them).
var PromotionRecordTagKeys = []string{PromotedFromAMITagKey, PromotionGatesTagKey, PromotedAtTagKey, PromotedByTagKey, PromotionOverrideTagKey}

// HashLength is the number of hex digits of the content hash that ends
// the names of components and recipes (internal/contenthash, the rule
// constructs/imagebuilder names them by).
const HashLength = contenthash.Length

// Names are the names of one environment's resources.
type Names struct {
	// Prefix is App.Prefix, Env the environment's Name.
	Prefix, Env string
}

// NamesOf returns the names of the resources of env.
func (app App) NamesOf(env Environment) Names { return Names{Prefix: app.Prefix, Env: env.Name} }

// Base is "<prefix>-<env>": every physical name of the environment, and
// the value of its FleetTagKey tag, starts with it.
func (n Names) Base() string { return n.Prefix + "-" + n.Env }

// Stack is the name (and construct id) of one of the environment's
// stacks: "<prefix>-<env>-<role>".
func (n Names) Stack(role StackRole) string { return stackName(n.Base(), role) }

// GoldenParameter is the SSM parameter holding the current golden AMI id:
// "/imagebuilder/<prefix>/<env>/golden-ami".
func (n Names) GoldenParameter() string {
	return "/imagebuilder/" + n.Prefix + "/" + n.Env + "/golden-ami"
}

// Pipeline is the image pipeline: "<prefix>-<env>-golden-ami".
func (n Names) Pipeline() string { return pipelineName(n.Base()) }

// Recipe is the start of the image recipe's name, the pipeline's name; a
// content hash follows.
func (n Names) Recipe() string { return n.Pipeline() }

// Distribution is the distribution configuration: "<prefix>-<env>-fleet".
func (n Names) Distribution() string { return n.Base() + "-fleet" }

// Infrastructure is the infrastructure configuration.
func (n Names) Infrastructure() string { return n.Base() + "-builds" }

// Component is the start of the name of one of our components; a content
// hash follows.
func (n Names) Component(name string) string { return n.Base() + "-" + name }

// AMI is the start of every golden AMI's name; the build date follows.
func (n Names) AMI() string { return n.Base() }

// LifecyclePolicy is the Image Builder lifecycle policy of the
// environment's images: "<prefix>-<env>-golden-ami".
func (n Names) LifecyclePolicy() string { return pipelineName(n.Base()) }

// RolloutStateMachine is the state machine of the automatic rollout:
// "<prefix>-<env>-rollout".
func (n Names) RolloutStateMachine() string { return n.Base() + "-rollout" }

// MarkerStateMachine is the state machine that keeps the lifecycle marks
// of the fleet's AMIs: "<prefix>-<env>-golden-ami-marks".
func (n Names) MarkerStateMachine() string { return n.Base() + "-golden-ami-marks" }

// ImageBuilderCrossAccountRoleName is the role Image Builder assumes in a
// target account to distribute an AMI there, one per account; Image
// Builder fixes its name (user guide, "Set up cross-account AMI
// distribution with Image Builder").
const ImageBuilderCrossAccountRoleName = "EC2ImageBuilderDistributionCrossAccountRole"

// A promotion from this environment (the source) to the environment
// called target makes these names, in the source's account (see
// config/promotion.go).

// PromotionAccessRole is the role the target's account assumes in the
// source's account: "<prefix>-<env>-promote-to-<target>".
func (n Names) PromotionAccessRole(target string) string { return n.Base() + "-promote-to-" + target }

// PromotionDistribution is the distribution configuration DistributeImage
// copies the AMI with (the access role's name; another kind of resource).
func (n Names) PromotionDistribution(target string) string { return n.Base() + "-promote-to-" + target }

// PromotionExecutionRole is the role Image Builder runs DistributeImage
// with, one for every target: "<prefix>-<env>-promotion-distribution".
func (n Names) PromotionExecutionRole() string { return n.Base() + "-promotion-distribution" }

// AmiKeyAlias names the KMS key a promotion source encrypts its AMIs
// with: "alias/<prefix>-<env>-ami".
func (n Names) AmiKeyAlias() string { return "alias/" + n.Base() + "-ami" }

// What the fleet reports to. Each name holds the prefix and the
// environment, so that environments sharing an account never mix.

// MetricNamespace is the CloudWatch namespace of the CloudWatch agent's
// metrics and of the AMI creation time the instances publish:
// "<prefix>/<env>".
func (n Names) MetricNamespace() string { return n.Prefix + "/" + n.Env }

// LogGroupPrefix starts the name of every log group the fleet reports to:
// "/<prefix>/<env>".
func (n Names) LogGroupPrefix() string { return "/" + n.Prefix + "/" + n.Env }

// SystemLogGroup receives the instances' system log.
func (n Names) SystemLogGroup() string { return n.LogGroupPrefix() + "/fleet/system" }

// AccessLogGroup receives the web server's access log.
func (n Names) AccessLogGroup() string { return n.LogGroupPrefix() + "/fleet/nginx-access" }

// ErrorLogGroup receives the web server's error log.
func (n Names) ErrorLogGroup() string { return n.LogGroupPrefix() + "/fleet/nginx-error" }

// EventLogGroup records build results and launch failures.
func (n Names) EventLogGroup() string { return n.LogGroupPrefix() + "/events" }

// AgentParameter is the SSM parameter holding the CloudWatch agent's
// configuration, read by every instance at boot:
// "/<prefix>/<env>/cloudwatch-agent".
func (n Names) AgentParameter() string { return n.LogGroupPrefix() + "/cloudwatch-agent" }

// LaunchFailures names both the EventBridge rule that matches the group's
// failed launches and the alarm on what it matched:
// "<prefix>-<env>-fleet-launch-failures".
func (n Names) LaunchFailures() string { return n.Base() + "-fleet-launch-failures" }

// BelowDesiredAlarm fires when the group has had fewer instances in
// service than desired for too long.
func (n Names) BelowDesiredAlarm() string { return n.Base() + "-fleet-below-desired" }

// BuildResultsRule is the EventBridge rule that records every build that
// ends.
func (n Names) BuildResultsRule() string { return n.Base() + "-build-results" }

// Dashboard is the environment's CloudWatch dashboard: "<prefix>-<env>".
func (n Names) Dashboard() string { return n.Base() }

// ContentNameLength is the length, in characters, of a name that ends with
// a content hash: base, "-" and HashLength hex digits.
func ContentNameLength(base string) int { return contenthash.NameLength(base) }

// PipelineOfFleetStack names the image pipeline and the image-factory
// stack of the environment whose fleet stack is fleetStack; ok is false
// when fleetStack is not named like a fleet stack.
func PipelineOfFleetStack(fleetStack string) (pipeline, imageFactoryStack string, ok bool) {
	base, ok := strings.CutSuffix(fleetStack, "-"+string(FleetStack))
	if !ok || base == "" {
		return "", "", false
	}
	return pipelineName(base), stackName(base, ImageFactoryStack), true
}

// NamesOfGoldenParameter returns the names of the environment whose
// golden AMI parameter is name (the inverse of GoldenParameter); ok is
// false when name is not named like one.
func NamesOfGoldenParameter(name string) (n Names, ok bool) {
	rest, ok := strings.CutPrefix(name, "/imagebuilder/")
	if !ok {
		return Names{}, false
	}
	rest, ok = strings.CutSuffix(rest, "/golden-ami")
	prefix, env, found := strings.Cut(rest, "/")
	if !ok || !found || prefix == "" || env == "" || strings.Contains(env, "/") {
		return Names{}, false
	}
	return Names{Prefix: prefix, Env: env}, true
}

func stackName(base string, role StackRole) string { return base + "-" + string(role) }
func pipelineName(base string) string              { return base + "-golden-ami" }
