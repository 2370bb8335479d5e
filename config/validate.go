package config

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/immutable-server/golden-fleet/components"
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
)

// Regions this app may deploy to.
var Regions = []string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "cn-north-1", "cn-northwest-1",
	"eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2",
	"eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
	"us-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1", "us-west-1", "us-west-2",
}

var (
	prefixRe       = regexp.MustCompile(`^[a-z][a-z0-9-]{0,23}$`)
	envNameRe      = regexp.MustCompile(`^[a-z][a-z0-9-]{0,15}$`)
	accountRe      = regexp.MustCompile(`^[0-9]{12}$`)
	instanceTypeRe = regexp.MustCompile(`^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.(nano|micro|small|medium|large|xlarge|[1-9][0-9]{0,2}xlarge|metal(-[1-9][0-9]{0,2}xl)?)$`)
	amiRe          = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)
	vpcRe          = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)
	subnetRe       = regexp.MustCompile(`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`)
	ssmPathRe      = regexp.MustCompile(`^/[a-zA-Z0-9_.\-/]+$`)
	managedImageRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,126}/(x|[0-9]+)\.(x|[0-9]+)\.(x|[0-9]+)$`)
	kmsKeyArnRe    = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]{1,128}$`)
	tagKeyRe       = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
)

// MaxNameLength is the longest Image Builder resource name.
const MaxNameLength = 128

// WithDefaults returns a copy of env with every zero-valued optional field
// set to its documented default. The receiver is not modified.
func (env Environment) WithDefaults() Environment {
	out := env
	out.Tags = cloneMap(env.Tags)
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
	im := &out.Image
	im.Components = slices.Clone(env.Image.Components)
	im.TestComponents = slices.Clone(env.Image.TestComponents)
	im.DistributionRegions = slices.Clone(env.Image.DistributionRegions)
	if im.StartCondition == "" {
		im.StartCondition = DefaultStartCondition
	}
	if len(im.BuildInstanceTypes) == 0 {
		im.BuildInstanceTypes = []string{f.InstanceType}
	} else {
		im.BuildInstanceTypes = slices.Clone(env.Image.BuildInstanceTypes)
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
	if env.Network.Existing != nil {
		e := *env.Network.Existing
		e.PrivateSubnetIDs = slices.Clone(e.PrivateSubnetIDs)
		e.AvailabilityZones = slices.Clone(e.AvailabilityZones)
		out.Network.Existing = &e
	}
	return out
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// problems collects validation errors, each naming a field path.
type problems struct{ errs []error }

func (p *problems) add(path, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

// Validate checks the whole configuration, component documents included,
// and returns every problem at once (errors.Join), or nil. Each problem
// names the field's path, the value received and what is allowed. Defaults
// are applied before checking, so a zero optional field is never an error.
func Validate(app App, docs components.Source) error {
	var p problems
	if !prefixRe.MatchString(app.Prefix) {
		p.add("Prefix", "got %q: want 1 to 24 lowercase letters, digits or '-', starting with a letter", app.Prefix)
	}
	if len(app.Environments) == 0 {
		p.add("Environments", "empty: at least one environment is required")
	}
	seen := map[string]bool{}
	for i, env := range app.Environments {
		path := fmt.Sprintf("Environments[%d]", i)
		if env.Name != "" {
			path = fmt.Sprintf("Environments[%s]", env.Name)
		}
		if seen[env.Name] && env.Name != "" {
			p.add(path+".Name", "got %q twice: environment names must be unique", env.Name)
		}
		seen[env.Name] = true
		validateEnvironment(&p, path, app.Prefix, env.WithDefaults(), docs)
	}
	return errors.Join(p.errs...)
}

func validateEnvironment(p *problems, path, prefix string, env Environment, docs components.Source) {
	if !envNameRe.MatchString(env.Name) {
		p.add(path+".Name", "got %q: want 1 to 16 lowercase letters, digits or '-', starting with a letter", env.Name)
	}
	if !accountRe.MatchString(env.Account) {
		p.add(path+".Account", "got %q: want a 12-digit AWS account id", env.Account)
	}
	if !slices.Contains(Regions, env.Region) {
		p.add(path+".Region", "got %q: want a known AWS region such as eu-west-1 or us-east-1", env.Region)
	}
	keys := make([]string, 0, len(env.Tags))
	for k := range env.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := env.Tags[k]
		if !tagKeyRe.MatchString(k) || strings.HasPrefix(strings.ToLower(k), "aws:") {
			p.add(path+".Tags", "key %q: want 1 to 128 letters, digits, spaces or _.:/=+-@, not starting with aws:", k)
		}
		if len(v) > 256 {
			p.add(path+".Tags["+k+"]", "value is %d characters: at most 256 allowed", len(v))
		}
	}
	validateNetwork(p, path+".Network", env.Network)
	validateFleet(p, path+".Fleet", env.Fleet)
	validateImage(p, path+".Image", prefix, env, docs)
}

func validateNetwork(p *problems, path string, n Network) {
	switch {
	case n.Existing == nil && n.Create == nil:
		p.add(path, "neither Existing nor Create is set: set exactly one")
	case n.Existing != nil && n.Create != nil:
		p.add(path, "both Existing and Create are set: set exactly one")
	case n.Existing != nil:
		e := n.Existing
		if !vpcRe.MatchString(e.VpcID) {
			p.add(path+".Existing.VpcID", "got %q: want vpc- followed by 8 or 17 hex digits", e.VpcID)
		}
		if len(e.PrivateSubnetIDs) == 0 {
			p.add(path+".Existing.PrivateSubnetIDs", "empty: a VPC id needs at least one private subnet id")
		}
		seen := map[string]bool{}
		for i, s := range e.PrivateSubnetIDs {
			if !subnetRe.MatchString(s) {
				p.add(fmt.Sprintf("%s.Existing.PrivateSubnetIDs[%d]", path, i), "got %q: want subnet- followed by 8 or 17 hex digits", s)
			}
			if seen[s] {
				p.add(fmt.Sprintf("%s.Existing.PrivateSubnetIDs[%d]", path, i), "got %q twice: subnet ids must be unique", s)
			}
			seen[s] = true
		}
		if len(e.AvailabilityZones) != len(e.PrivateSubnetIDs) {
			p.add(path+".Existing.AvailabilityZones", "got %d zones for %d subnets: give one zone per subnet, in the same order", len(e.AvailabilityZones), len(e.PrivateSubnetIDs))
		}
	case n.Create != nil:
		c := n.Create
		prefix, err := netip.ParsePrefix(c.Cidr)
		if err != nil || !prefix.Addr().Is4() || prefix.Bits() < 16 || prefix.Bits() > 24 || prefix.Masked() != prefix {
			p.add(path+".Create.Cidr", "got %q: want an IPv4 network from /16 to /24, such as 10.0.0.0/16", c.Cidr)
		}
		if c.MaxAzs < 1 || c.MaxAzs > 3 {
			p.add(path+".Create.MaxAzs", "got %d: want 1 to 3", c.MaxAzs)
		}
		if c.NatGateways < 1 || c.NatGateways > c.MaxAzs {
			p.add(path+".Create.NatGateways", "got %d: want 1 to MaxAzs (%d); the private subnets need egress for builds and updates", c.NatGateways, c.MaxAzs)
		}
		if !slices.Contains(logRetentionDays, c.FlowLogRetentionDays) {
			p.add(path+".Create.FlowLogRetentionDays", "got %d: want one of CloudWatch Logs' retention periods %v", c.FlowLogRetentionDays, logRetentionDays)
		}
	}
}

// logRetentionDays are the retention periods CloudWatch Logs accepts.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func validateFleet(p *problems, path string, f Fleet) {
	if !instanceTypeRe.MatchString(f.InstanceType) {
		p.add(path+".InstanceType", "got %q: want an EC2 instance type such as t3.micro or m6i.large", f.InstanceType)
	}
	if f.MinCapacity < 0 {
		p.add(path+".MinCapacity", "got %d: want 0 or more", f.MinCapacity)
	}
	if f.MaxCapacity < 1 {
		p.add(path+".MaxCapacity", "got %d: want 1 or more", f.MaxCapacity)
	}
	if f.MinCapacity > f.MaxCapacity {
		p.add(path+".MinCapacity", "got %d, more than MaxCapacity %d: want MinCapacity <= MaxCapacity", f.MinCapacity, f.MaxCapacity)
	}
	if f.DesiredCapacity < 1 || f.DesiredCapacity < f.MinCapacity || f.DesiredCapacity > f.MaxCapacity {
		p.add(path+".DesiredCapacity", "got %d: want at least 1 and within [MinCapacity %d, MaxCapacity %d]", f.DesiredCapacity, f.MinCapacity, f.MaxCapacity)
	}
	if f.HealthCheckGracePeriod < 0 || f.HealthCheckGracePeriod > 2*time.Hour || f.HealthCheckGracePeriod%time.Second != 0 {
		p.add(path+".HealthCheckGracePeriod", "got %s: want whole seconds from 0s to 2h", f.HealthCheckGracePeriod)
	}
	if f.RootVolumeGiB < 8 || f.RootVolumeGiB > 16384 {
		p.add(path+".RootVolumeGiB", "got %d: want 8 to 16384 (gp3)", f.RootVolumeGiB)
	}
	if f.KmsKeyArn != "" && !kmsKeyArnRe.MatchString(f.KmsKeyArn) {
		p.add(path+".KmsKeyArn", "got %q: want a KMS key ARN such as arn:aws:kms:eu-west-1:111111111111:key/<id>", f.KmsKeyArn)
	}
	if len(f.UserData) > 16*1024 {
		p.add(path+".UserData", "is %d bytes: EC2 accepts at most 16384 before base64", len(f.UserData))
	}
	for i, port := range f.IngressPorts {
		if port < 1 || port > 65535 {
			p.add(fmt.Sprintf("%s.IngressPorts[%d]", path, i), "got %d: want a TCP port from 1 to 65535", port)
		}
	}
	if len(f.IngressPorts) > 0 {
		pr, err := netip.ParsePrefix(f.IngressCidr)
		if err != nil || !pr.Addr().Is4() || pr.Masked() != pr {
			p.add(path+".IngressCidr", "got %q: IngressPorts is set, so want an IPv4 CIDR such as 10.0.0.0/8", f.IngressCidr)
		} else if pr.Bits() == 0 {
			p.add(path+".IngressCidr", "got %q: opening the fleet to the whole internet is not allowed; put a load balancer in front", f.IngressCidr)
		}
	} else if f.IngressCidr != "" {
		p.add(path+".IngressCidr", "got %q but IngressPorts is empty: set both or neither", f.IngressCidr)
	}
	if !amiRe.MatchString(f.SeedImage) && !ssmPathRe.MatchString(f.SeedImage) {
		p.add(path+".SeedImage", "got %q: want an AMI id (ami- and 8 or 17 hex digits) or an SSM parameter path starting with /", f.SeedImage)
	}
}

var startConditions = []string{"EXPRESSION_MATCH_ONLY", "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"}

func validateImage(p *problems, path, prefix string, env Environment, docs components.Source) {
	im := env.Image
	set := 0
	for _, s := range []string{im.Parent.Managed, im.Parent.AmiID, im.Parent.SsmParameter} {
		if s != "" {
			set++
		}
	}
	if set != 1 {
		p.add(path+".Parent", "%d of Managed, AmiID and SsmParameter are set: set exactly one", set)
	}
	if im.Parent.Managed != "" && !managedImageRe.MatchString(im.Parent.Managed) {
		p.add(path+".Parent.Managed", "got %q: want an Amazon-managed image name and version such as amazon-linux-2023-x86/x.x.x", im.Parent.Managed)
	}
	if im.Parent.AmiID != "" && !amiRe.MatchString(im.Parent.AmiID) {
		p.add(path+".Parent.AmiID", "got %q: want ami- followed by 8 or 17 hex digits", im.Parent.AmiID)
	}
	if im.Parent.SsmParameter != "" && !ssmPathRe.MatchString(im.Parent.SsmParameter) {
		p.add(path+".Parent.SsmParameter", "got %q: want an SSM parameter path starting with / (letters, digits, _.-/)", im.Parent.SsmParameter)
	}
	if err := CheckCron(im.Schedule); err != nil {
		p.add(path+".Schedule", "%v", err)
	}
	if !slices.Contains(startConditions, im.StartCondition) {
		p.add(path+".StartCondition", "got %q: want one of %s", im.StartCondition, strings.Join(startConditions, ", "))
	}
	for i, t := range im.BuildInstanceTypes {
		if !instanceTypeRe.MatchString(t) {
			p.add(fmt.Sprintf("%s.BuildInstanceTypes[%d]", path, i), "got %q: want an EC2 instance type such as t3.micro", t)
		}
	}
	if im.RootVolumeGiB < 8 || im.RootVolumeGiB > 16384 {
		p.add(path+".RootVolumeGiB", "got %d: want 8 to 16384", im.RootVolumeGiB)
	}
	if im.RootVolumeGiB > env.Fleet.RootVolumeGiB {
		p.add(path+".RootVolumeGiB", "got %d, larger than Fleet.RootVolumeGiB %d: instances could not launch from the image", im.RootVolumeGiB, env.Fleet.RootVolumeGiB)
	}
	if !strings.HasPrefix(im.WorkingDirectory, "/") || len(im.WorkingDirectory) > 1024 {
		p.add(path+".WorkingDirectory", "got %q: want an absolute path of at most 1024 characters", im.WorkingDirectory)
	}
	if im.LogRetentionDays < 1 || im.LogRetentionDays > 3650 {
		p.add(path+".LogRetentionDays", "got %d: want 1 to 3650", im.LogRetentionDays)
	}
	if im.TestTimeoutMinutes < 60 || im.TestTimeoutMinutes > 1440 {
		p.add(path+".TestTimeoutMinutes", "got %d: want 60 to 1440 (Image Builder's limits)", im.TestTimeoutMinutes)
	}
	seenRegion := map[string]bool{env.Region: true}
	for i, r := range im.DistributionRegions {
		rp := fmt.Sprintf("%s.DistributionRegions[%d]", path, i)
		switch {
		case !slices.Contains(Regions, r):
			p.add(rp, "got %q: want a known AWS region", r)
		case r == env.Region:
			p.add(rp, "got %q, the environment's own region, which is always included: list only extra regions", r)
		case seenRegion[r]:
			p.add(rp, "got %q twice: regions must be unique", r)
		}
		seenRegion[r] = true
	}
	if len(im.Components) == 0 {
		p.add(path+".Components", "empty: list at least one of our components (the CloudWatch agent is always added first)")
	}
	checkComponents(p, path+".Components", prefix, env.Name, im.Components, components.Build, docs)
	checkComponents(p, path+".TestComponents", prefix, env.Name, im.TestComponents, components.Test, docs)
	if len(im.Components)+len(im.TestComponents)+1 > 20 {
		p.add(path, "%d components in the recipe: Image Builder allows at most 20 (the CloudWatch agent counts as one)", len(im.Components)+len(im.TestComponents)+1)
	}
}

func checkComponents(p *problems, path, prefix, env string, names []string, want components.Kind, docs components.Source) {
	seen := map[string]bool{}
	for i, name := range names {
		cp := fmt.Sprintf("%s[%d]", path, i)
		if seen[name] {
			p.add(cp, "got %q twice: each component may appear once", name)
			continue
		}
		seen[name] = true
		if strings.ContainsAny(name, " \t") || name == "" {
			p.add(cp, "got %q: component names have no spaces and are not empty", name)
			continue
		}
		// The physical name is <prefix>-<env>-<name>-<8 hex digits>.
		if n := len(prefix) + len(env) + len(name) + 11; n > MaxNameLength {
			p.add(cp, "got %q: the Image Builder name would be %d characters, at most %d allowed", name, n, MaxNameLength)
			continue
		}
		doc, err := docs.Document(name)
		if err != nil {
			p.add(cp, "%v", err)
			continue
		}
		if doc.Kind != want {
			p.add(cp, "got %q, a %s component (its phases), where a %s component is required", name, doc.Kind, want)
		}
	}
}
