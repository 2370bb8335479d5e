package config

import (
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
	if f.HealthCheckGracePeriod == 0 {
		f.HealthCheckGracePeriod = DefaultHealthCheckGracePeriod
	}
	if f.RootVolumeGiB == 0 {
		f.RootVolumeGiB = DefaultRootVolumeGiB
	}
	if f.SeedImage == "" {
		f.SeedImage = DefaultSeedImage
	}
	out.Promotion = env.Promotion.withDefaults()
	im := &out.Image
	im.Components = slices.Clone(env.Image.Components)
	im.TestComponents = slices.Clone(env.Image.TestComponents)
	im.DistributionRegions = slices.Clone(env.Image.DistributionRegions)
	im.BuildInstanceTypes = slices.Clone(env.Image.BuildInstanceTypes)
	// An environment that promotes bakes nothing: its Image stays as
	// configured, empty (Validate refuses anything else).
	if env.Promotion == nil {
		if im.StartCondition == "" {
			im.StartCondition = DefaultStartCondition
		}
		if len(im.BuildInstanceTypes) == 0 {
			im.BuildInstanceTypes = []string{f.InstanceType}
		}
		if im.RootVolumeGiB == 0 {
			im.RootVolumeGiB = f.RootVolumeGiB
		}
		if im.WorkingDirectory == "" {
			im.WorkingDirectory = DefaultWorkingDirectory
		}
		if im.LogRetentionDays == 0 {
			im.LogRetentionDays = DefaultLogRetentionDays
		}
		if im.TestTimeoutMinutes == 0 {
			im.TestTimeoutMinutes = DefaultTestTimeoutMinutes
		}
	}
	o := &out.Observability
	if o.LogRetentionDays == 0 {
		o.LogRetentionDays = DefaultLogRetentionDays
	}
	if o.BelowDesiredMinutes == 0 {
		o.BelowDesiredMinutes = DefaultBelowDesiredMinutes
	}
	// Disabled scanning gets no type: the pipeline then has no scanning
	// configuration at all.
	if !o.Scanning.Disabled && o.Scanning.Type == "" {
		o.Scanning.Type = DefaultScanType
	}
	if env.Network.Create != nil {
		c := *env.Network.Create
		if c.Cidr == "" {
			c.Cidr = DefaultVpcCidr
		}
		if c.MaxAzs == 0 {
			c.MaxAzs = DefaultMaxAzs
		}
		if c.NatGateways == 0 {
			c.NatGateways = DefaultNatGateways
		}
		if c.FlowLogRetentionDays == 0 {
			c.FlowLogRetentionDays = DefaultLogRetentionDays
		}
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
	if out.MinHealthyPercentage == 0 {
		out.MinHealthyPercentage = DefaultMinHealthyPercentage
	}
	if len(out.CheckpointPercentages) > 0 && out.CheckpointDelay == 0 {
		out.CheckpointDelay = DefaultCheckpointDelay
	}
	return out
}

// WithDefaults returns a copy of l with its defaults applied.
func (l Lifecycle) WithDefaults() Lifecycle {
	if l.KeepLatest == 0 {
		l.KeepLatest = DefaultKeepLatest
	}
	if l.DeprecateAfterDays == 0 {
		l.DeprecateAfterDays = DefaultDeprecateAfterDays
	}
	if l.DeleteAfterDays == 0 {
		l.DeleteAfterDays = DefaultDeleteAfterDays
	}
	return l
}
