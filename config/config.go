// Package config holds the typed, validated configuration of every
// environment the app deploys. It is plain Go: no CDK types, no jsii, so it
// can be validated (and table-tested) before any construct exists.
//
//	config.go         the types
//	environments.go   Default: the environments `cdk synth` deploys
//	defaults.go       the defaults of optional fields (WithDefaults)
//	validate.go       Validate: every problem at once, before jsii starts
//	observability.go  what the fleet reports and to whom; its checks, and
//	                  the user data's room for the agent's boot script
//	cron.go           Image Builder cron expressions
//	names.go          every name the app gives, spelled once
//	awsfacts.go       regions, partitions, service limits, id shapes
//	instancetypes.go  EC2's instance types and their architectures
//	context.go        the CDK context (availability zones of created VPCs)
//	promotion.go      Promotion: an environment that runs AMIs promoted from
//	                  another instead of baking; its gates and validation
package config

import "time"

// App is the whole configuration: the name prefix shared by every resource
// and one entry per deployment environment.
type App struct {
	// Prefix starts every physical name (Image Builder resources, the golden
	// AMI parameter, launch templates). Lowercase letters, digits and hyphens.
	Prefix string
	// Environments, each synthesized into its own set of stacks.
	Environments []Environment
}

// Environment is one deployment target: an account, a region, a network,
// a fleet and the image factory that feeds it.
type Environment struct {
	// Name identifies the environment in stack names and physical names
	// ("dev", "prod"). Lowercase letters, digits and hyphens, at most 16.
	Name string
	// Account is the 12-digit AWS account id. This file is the only place
	// account ids appear.
	Account string
	// Region is the AWS region, for example "eu-west-1".
	Region string
	// Tags are applied to every resource of the environment's stacks and to
	// every AMI its pipeline distributes.
	Tags map[string]string

	Network Network
	Fleet   Fleet
	Image   Image
	// Promotion, when set, makes the environment run AMIs promoted from
	// another environment instead of baking its own (Image stays empty).
	// Default: the environment bakes.
	Promotion *Promotion
	Rollout   Rollout
	Lifecycle Lifecycle
	// Observability: the CloudWatch agent's reports, alarms, build
	// notifications and image scanning (config/observability.go).
	Observability Observability
}

// Network says where the fleet and the build instances run: either an
// existing VPC given by ids (no lookups), or a VPC the app creates.
type Network struct {
	// Existing, when set, uses a VPC that already exists. Exactly one of
	// Existing and Create must be set.
	Existing *ExistingVPC
	// Create, when set, makes the app create a VPC in its own stack.
	Create *CreatedVPC
}

// ExistingVPC names a VPC and its private subnets by id. Nothing is looked
// up: the ids are used as given.
type ExistingVPC struct {
	// VpcID, for example "vpc-0123456789abcdef0".
	VpcID string
	// PrivateSubnetIDs host the fleet and the build instances; at least one.
	PrivateSubnetIDs []string
	// AvailabilityZones of the subnets, same order and length as
	// PrivateSubnetIDs.
	AvailabilityZones []string
}

// CreatedVPC describes the VPC the app creates: public subnets for NAT,
// private subnets with egress for the fleet and the builds, and flow logs.
// Its availability zones come from the CDK context (cdk.json), never from
// a lookup: see AvailabilityZonesKey.
type CreatedVPC struct {
	// Cidr of the VPC, a /16 to /24 IPv4 block. Default: 10.0.0.0/16.
	Cidr string
	// MaxAzs is how many availability zones to spread over (1 to 3), the
	// first MaxAzs of the zones committed in cdk.json. Default: 2.
	MaxAzs int
	// NatGateways is how many NAT gateways to create (1 to MaxAzs).
	// Default: 1.
	NatGateways int
	// FlowLogRetentionDays keeps VPC flow logs this many days, one of
	// CloudWatch Logs' periods (LogRetentionDays). Default: 90.
	FlowLogRetentionDays int
}

// Fleet is the Auto Scaling group and its launch template.
type Fleet struct {
	// InstanceType of the fleet, for example "t3.micro".
	InstanceType string
	// MinCapacity, MaxCapacity and DesiredCapacity of the group. Desired is
	// fixed: the group keeps exactly this many instances running.
	MinCapacity     int
	MaxCapacity     int
	DesiredCapacity int
	// HealthCheckGracePeriod before a new instance is health checked.
	// Default: 5 minutes.
	HealthCheckGracePeriod time.Duration
	// MaxInstanceLifetime replaces every instance once it is this old, so
	// the whole fleet moves to the newest golden AMI within this time
	// (1 to 365 days, whole seconds). Default: instances live until they
	// are replaced for another reason.
	MaxInstanceLifetime time.Duration
	// RootVolumeGiB is the size of the encrypted gp3 root volume.
	// Default: 20.
	RootVolumeGiB int
	// KmsKeyArn encrypts the fleet's EBS volumes with a customer-managed key.
	// Default: the account's default EBS encryption key.
	KmsKeyArn string
	// UserData is a shell script run at first boot. Default: none (the
	// golden AMI is expected to be ready to serve as it is).
	UserData string
	// IngressPorts opens these TCP ports to IngressCidr. Default: none (the
	// security group has no inbound rule).
	IngressPorts []int
	// IngressCidr is the IPv4 source of IngressPorts. Required when
	// IngressPorts is set.
	IngressCidr string
	// SeedImage is what the fleet runs before the first pipeline build:
	// an AMI id ("ami-…") or an SSM parameter path ("/aws/service/…").
	// It seeds the golden AMI parameter once; later changes never
	// overwrite a golden AMI (see docs/design.md, the rollout).
	// Default: the latest Amazon Linux 2023 for x86_64.
	SeedImage string
}

// Image is the Image Builder side: what is baked, how and when.
type Image struct {
	// Parent is the base image of the recipe.
	Parent ParentImage
	// Components are our own build components, by file name without
	// extension under components/, applied in order after the Amazon
	// CloudWatch agent.
	Components []string
	// TestComponents are our own test components, run in the test phase.
	TestComponents []string
	// Schedule is an Image Builder cron expression, six fields, UTC:
	// "cron(0 3 ? * SUN *)".
	Schedule string
	// StartCondition is EXPRESSION_MATCH_ONLY or
	// EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE.
	// Default: EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE.
	StartCondition string
	// BuildInstanceTypes are the instance types the builds may use.
	// Default: the fleet's instance type.
	BuildInstanceTypes []string
	// RootVolumeGiB of the built image. Default: the fleet's RootVolumeGiB.
	RootVolumeGiB int
	// WorkingDirectory on the build instance. Default: /tmp.
	WorkingDirectory string
	// LogRetentionDays keeps build logs in S3 this many days. Default: 90.
	LogRetentionDays int
	// TestTimeoutMinutes bounds the image tests (60 to 1440). Default: 60.
	TestTimeoutMinutes int
	// DistributionRegions copy each AMI to these extra regions. The
	// environment's own region is always included and the launch template
	// only lives there. Default: none.
	DistributionRegions []string
}

// ParentImage is the recipe's base image. Exactly one field is set.
type ParentImage struct {
	// Managed is an Amazon-managed Image Builder image name and version,
	// for example "amazon-linux-2023-x86/x.x.x".
	Managed string
	// AmiID is a custom AMI, for example "ami-0123456789abcdef0".
	AmiID string
	// SsmParameter is an SSM parameter holding an AMI id, for example
	// "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64".
	SsmParameter string
}

// Rollout says how running instances move onto the current golden AMI:
// an Auto Scaling instance refresh that replaces every instance of the
// group (skip matching off: the launch template version never changes,
// only the parameter it resolves). `fleetctl roll` starts one with these
// preferences; with Automatic, every change of the golden AMI parameter
// starts one too.
type Rollout struct {
	// Automatic starts an instance refresh whenever the golden AMI
	// parameter changes (a build, a rollback, a promotion), through an
	// EventBridge rule and a Step Functions state machine that calls Auto
	// Scaling directly. Default: off — a new image reaches running
	// instances only through `fleetctl roll`, replacements and
	// Fleet.MaxInstanceLifetime, so nothing reaches production unreviewed.
	Automatic bool
	// MinHealthyPercentage of the desired capacity stays in service during
	// a refresh, 1 to 100 (100: one instance at a time). Default: 90,
	// Auto Scaling's own default. Replacing every instance at once (0) is
	// not offered.
	MinHealthyPercentage int
	// InstanceWarmup is how long a refresh waits after a new instance is
	// in service before it counts it and moves on; whole seconds. Default:
	// the group's health check grace period (Auto Scaling's behaviour when
	// the preference is omitted).
	InstanceWarmup time.Duration
	// CheckpointPercentages pause a refresh once this percentage of the
	// group is new, for CheckpointDelay each: ascending, unique, 1 to 100,
	// the last one 100. Default: none, the refresh runs through.
	CheckpointPercentages []int
	// CheckpointDelay is the pause at each checkpoint, whole seconds up to
	// 48h. Only with CheckpointPercentages. Default: 1h when
	// CheckpointPercentages is set (Auto Scaling's default).
	CheckpointDelay time.Duration
}

// Lifecycle is the EC2 Image Builder lifecycle policy of an environment's
// images: old images are deprecated, then deleted with their AMIs and
// snapshots. The images the fleets run or may roll back to are never
// touched: they carry a mark (see internal/marks) that every rule of the
// policy excludes.
type Lifecycle struct {
	// Disabled turns the policy off: every image and AMI is kept.
	// Default: the policy runs.
	Disabled bool
	// KeepLatest is how many of the newest images are never deleted,
	// whatever their age, 1 to 10 (the delete rule's RetainAtLeast, which
	// Image Builder documents for DELETE only: they are still deprecated
	// after DeprecateAfterDays). Default: 3.
	KeepLatest int
	// DeprecateAfterDays deprecates older images (and their AMIs): they
	// still launch by id, but drop out of searches. 1 to 1000. Default: 30.
	DeprecateAfterDays int
	// DeleteAfterDays deletes older images, deregisters their AMIs and
	// deletes their snapshots; more than DeprecateAfterDays, at most 1000.
	// Default: 90.
	DeleteAfterDays int
}
