package config

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// Defaults used when a field is left at its zero value. Each is documented
// on the field it fills.
const (
	DefaultSeedImage              = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
	DefaultStartCondition         = "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"
	DefaultRootVolumeGiB          = 20
	DefaultHealthCheckGracePeriod = 5 * time.Minute
	DefaultWorkingDirectory       = "/tmp"
	DefaultLogRetentionDays       = 90
	DefaultTestTimeoutMinutes     = 60
	DefaultVpcCidr                = "10.0.0.0/16"
	DefaultMaxAzs                 = 2
	DefaultNatGateways            = 1
	DefaultSoakTime               = 24 * time.Hour
	DefaultMaxFindingSeverity     = "MEDIUM"
	DefaultKeepCopies             = 3
	DefaultBelowDesiredMinutes    = 15
	DefaultScanType               = ScanOnDemandAMI
)

// Defaults of Rollout and Lifecycle, each documented on its field.
const (
	DefaultMinHealthyPercentage = 90
	DefaultCheckpointDelay      = time.Hour
	DefaultKeepLatest           = 3
	DefaultDeprecateAfterDays   = 30
	DefaultDeleteAfterDays      = 90
)

// WithDefaults returns a copy of env with every zero-valued optional field
// set to its documented default. The receiver is not modified, and the
// copy shares no slice, map or pointer with it.
//
// Validate applies it and returns the result; stacks.Build takes that
// result as it is. Call it yourself only to see what a configuration
// resolves to.
func (env Environment) WithDefaults() Environment {
	out := env
	out.Tags = maps.Clone(env.Tags)
	f := &out.Fleet
	f.IngressPorts = slices.Clone(env.Fleet.IngressPorts)
	f.HealthCheckGracePeriod = cmp.Or(f.HealthCheckGracePeriod, DefaultHealthCheckGracePeriod)
	f.RootVolumeGiB = cmp.Or(f.RootVolumeGiB, DefaultRootVolumeGiB)
	f.SeedImage = cmp.Or(f.SeedImage, DefaultSeedImage)
	out.Promotion = env.Promotion.withDefaults()
	im := &out.Image
	im.Components = slices.Clone(env.Image.Components)
	im.TestComponents = slices.Clone(env.Image.TestComponents)
	im.DistributionRegions = slices.Clone(env.Image.DistributionRegions)
	im.BuildInstanceTypes = slices.Clone(env.Image.BuildInstanceTypes)
	// An environment that promotes bakes nothing: its Image stays as
	// configured, empty (Validate refuses anything else).
	if env.Promotion == nil {
		im.StartCondition = cmp.Or(im.StartCondition, DefaultStartCondition)
		if len(im.BuildInstanceTypes) == 0 {
			im.BuildInstanceTypes = []string{f.InstanceType}
		}
		im.RootVolumeGiB = cmp.Or(im.RootVolumeGiB, f.RootVolumeGiB)
		im.WorkingDirectory = cmp.Or(im.WorkingDirectory, DefaultWorkingDirectory)
		im.LogRetentionDays = cmp.Or(im.LogRetentionDays, DefaultLogRetentionDays)
		im.TestTimeoutMinutes = cmp.Or(im.TestTimeoutMinutes, DefaultTestTimeoutMinutes)
	}
	o := &out.Observability
	o.LogRetentionDays = cmp.Or(o.LogRetentionDays, DefaultLogRetentionDays)
	o.BelowDesiredMinutes = cmp.Or(o.BelowDesiredMinutes, DefaultBelowDesiredMinutes)
	// Disabled scanning gets no type: the pipeline then has no scanning
	// configuration at all.
	if !o.Scanning.Disabled && o.Scanning.Type == "" {
		o.Scanning.Type = DefaultScanType
	}
	if env.Network.Create != nil {
		c := *env.Network.Create
		c.Cidr = cmp.Or(c.Cidr, DefaultVpcCidr)
		c.MaxAzs = cmp.Or(c.MaxAzs, DefaultMaxAzs)
		c.NatGateways = cmp.Or(c.NatGateways, DefaultNatGateways)
		c.FlowLogRetentionDays = cmp.Or(c.FlowLogRetentionDays, DefaultLogRetentionDays)
		out.Network.Create = &c
	}
	out.Rollout, out.Lifecycle = env.Rollout.WithDefaults(), env.Lifecycle.WithDefaults()
	if env.Network.Existing != nil {
		e := *env.Network.Existing
		e.PrivateSubnetIDs = slices.Clone(e.PrivateSubnetIDs)
		e.AvailabilityZones = slices.Clone(e.AvailabilityZones)
		out.Network.Existing = &e
	}
	return out
}

// WithDefaults returns a copy of app with WithDefaults applied to every
// environment.
func (app App) WithDefaults() App {
	out := App{Prefix: app.Prefix, Environments: make([]Environment, len(app.Environments))}
	for i, env := range app.Environments {
		out.Environments[i] = env.WithDefaults()
	}
	return out
}

// WithDefaults returns a copy of r with its defaults applied; it shares no
// slice with r. Auto Scaling's own defaults (warm-up) stay zero: the
// preference is then omitted.
func (r Rollout) WithDefaults() Rollout {
	out := r
	out.CheckpointPercentages = slices.Clone(r.CheckpointPercentages)
	out.MinHealthyPercentage = cmp.Or(out.MinHealthyPercentage, DefaultMinHealthyPercentage)
	if len(out.CheckpointPercentages) > 0 && out.CheckpointDelay == 0 {
		out.CheckpointDelay = DefaultCheckpointDelay
	}
	return out
}

// WithDefaults returns a copy of l with its defaults applied.
func (l Lifecycle) WithDefaults() Lifecycle {
	l.KeepLatest = cmp.Or(l.KeepLatest, DefaultKeepLatest)
	l.DeprecateAfterDays = cmp.Or(l.DeprecateAfterDays, DefaultDeprecateAfterDays)
	l.DeleteAfterDays = cmp.Or(l.DeleteAfterDays, DefaultDeleteAfterDays)
	return l
}
