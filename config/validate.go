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

// Limits of the services, checked by Validate.
const (
	// MaxNameLength is the longest Image Builder resource name.
	MaxNameLength = 128
	// MaxSsmParameterNameLength is the longest SSM parameter name, path
	// included.
	MaxSsmParameterNameLength = 1011
	// MaxSsmParameterLevels is the deepest SSM parameter hierarchy.
	MaxSsmParameterLevels = 15
	// MaxTags is the most tags an AWS resource takes.
	MaxTags = 50
	// MaxRecipeComponents is the most components an image recipe takes,
	// the CloudWatch agent included.
	MaxRecipeComponents = 20
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

var (
	prefixRe        = regexp.MustCompile(`^[a-z][a-z0-9-]{0,23}$`)
	envNameRe       = regexp.MustCompile(`^[a-z][a-z0-9-]{0,15}$`)
	accountRe       = regexp.MustCompile(`^[0-9]{12}$`)
	instanceTypeRe  = regexp.MustCompile(`^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.(nano|micro|small|medium|large|xlarge|[1-9][0-9]{0,2}xlarge|metal(-[1-9][0-9]{0,2}xl)?)$`)
	amiRe           = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)
	vpcRe           = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)
	subnetRe        = regexp.MustCompile(`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`)
	zoneRe          = regexp.MustCompile(`^([a-z]{2}(-gov)?-[a-z]+-[0-9])[a-z]$`)
	ssmPathRe       = regexp.MustCompile(`^(/[a-zA-Z0-9_.\-]+)+$`)
	managedImageRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,126}/(x|[0-9]+)\.(x|[0-9]+)\.(x|[0-9]+)$`)
	kmsKeyArnRe     = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):[0-9]{12}:key/[a-zA-Z0-9-]{1,128}$`)
	tagRe           = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	componentNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
)

// WithDefaults returns a copy of env with every zero-valued optional field
// set to its documented default. The receiver is not modified, and the
// copy shares no slice, map or pointer with it.
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

// add records one problem of the field at path. The text must be one line:
// user values go through %q.
func (p *problems) add(path, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

// addErr records err under path, each line prefixed with got, one
// problem per line, so that every line of the final error starts with a
// field path.
func (p *problems) addErr(path, got string, err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			p.add(path, "%s%s", got, line)
		}
	}
}

// Validate checks the whole configuration, component documents included,
// and returns every problem at once (errors.Join), or nil. Each problem is
// one line "<field path>: got <value>: want <what is allowed>". Defaults
// are applied before checking, so a zero optional field is never an error.
// A nil docs means the embedded components.
func Validate(app App, docs components.Source) error {
	if docs == nil {
		docs = components.Embedded()
	}
	var p problems
	if !prefixRe.MatchString(app.Prefix) {
		p.add("Prefix", "got %q: want 1 to 24 lowercase letters, digits or '-', starting with a letter", app.Prefix)
	}
	if len(app.Environments) == 0 {
		p.add("Environments", "got none: want at least one environment")
	}
	count := map[string]int{}
	for _, env := range app.Environments {
		count[env.Name]++
	}
	first := map[string]int{}
	for i, env := range app.Environments {
		// A path names the environment when its name can: valid and
		// unique. Otherwise it gives the index.
		path := fmt.Sprintf("Environments[%d]", i)
		if envNameRe.MatchString(env.Name) && count[env.Name] == 1 {
			path = fmt.Sprintf("Environments[%s]", env.Name)
		}
		if j, dup := first[env.Name]; dup {
			p.add(path+".Name", "got %q, already the name of Environments[%d]: want unique environment names", env.Name, j)
		} else {
			first[env.Name] = i
		}
		validateEnvironment(&p, path, app.Prefix, env, docs)
	}
	return errors.Join(p.errs...)
}

// validateEnvironment checks one environment. raw is the environment as
// configured: a default derived from another field (the build instance
// types, the image's root volume) is not reported a second time.
func validateEnvironment(p *problems, path, prefix string, raw Environment, docs components.Source) {
	env := raw.WithDefaults()
	if !envNameRe.MatchString(env.Name) {
		p.add(path+".Name", "got %q: want 1 to 16 lowercase letters, digits or '-', starting with a letter", env.Name)
	}
	if !accountRe.MatchString(env.Account) {
		p.add(path+".Account", "got %q: want a 12-digit AWS account id", env.Account)
	}
	regionOK := slices.Contains(Regions, env.Region)
	if !regionOK {
		p.add(path+".Region", "got %q: want a known AWS region such as eu-west-1 or us-east-1", env.Region)
	}
	validateTags(p, path+".Tags", env.Tags)
	validateNetwork(p, path+".Network", env.Region, regionOK, env.Network)
	validateFleet(p, path+".Fleet", env.Region, regionOK, env.Fleet)
	validateImage(p, path+".Image", prefix, raw, env, docs)
	validateObservability(p, path, prefix, raw)
}

func validateTags(p *problems, path string, tags map[string]string) {
	if len(tags) > MaxTags {
		p.add(path, "got %d tags: want at most %d", len(tags), MaxTags)
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := tags[k]
		kp := fmt.Sprintf("%s[%q]", path, k)
		if k == "" || len(k) > 128 || !tagRe.MatchString(k) || strings.HasPrefix(strings.ToLower(k), "aws:") {
			p.add(kp, "got key %q: want 1 to 128 letters, digits, spaces or _.:/=+-@, not starting with aws:", k)
		}
		if len(v) > 256 || !tagRe.MatchString(v) {
			p.add(kp, "got value %q (%d bytes): want at most 256 letters, digits, spaces or _.:/=+-@", v, len(v))
		}
	}
}

func validateNetwork(p *problems, path, region string, regionOK bool, n Network) {
	switch {
	case n.Existing == nil && n.Create == nil:
		p.add(path, "got neither Existing nor Create: want exactly one set")
	case n.Existing != nil && n.Create != nil:
		p.add(path, "got both Existing and Create: want exactly one set")
	case n.Existing != nil:
		e := n.Existing
		ep := path + ".Existing"
		if !vpcRe.MatchString(e.VpcID) {
			p.add(ep+".VpcID", "got %q: want vpc- followed by 8 or 17 hex digits", e.VpcID)
		}
		if len(e.PrivateSubnetIDs) == 0 {
			p.add(ep+".PrivateSubnetIDs", "got none with VpcID %q: want at least one private subnet id", e.VpcID)
		}
		seen := map[string]int{}
		for i, s := range e.PrivateSubnetIDs {
			sp := fmt.Sprintf("%s.PrivateSubnetIDs[%d]", ep, i)
			if !subnetRe.MatchString(s) {
				p.add(sp, "got %q: want subnet- followed by 8 or 17 hex digits", s)
			}
			if j, dup := seen[s]; dup {
				p.add(sp, "got %q, already PrivateSubnetIDs[%d]: want unique subnet ids", s, j)
			} else {
				seen[s] = i
			}
		}
		if len(e.AvailabilityZones) != len(e.PrivateSubnetIDs) {
			p.add(ep+".AvailabilityZones", "got %d zones for %d subnets: want one zone per subnet, in the same order", len(e.AvailabilityZones), len(e.PrivateSubnetIDs))
		}
		for i, z := range e.AvailabilityZones {
			m := zoneRe.FindStringSubmatch(z)
			switch {
			case m == nil:
				example := "eu-west-1a"
				if regionOK {
					example = region + "a"
				}
				p.add(fmt.Sprintf("%s.AvailabilityZones[%d]", ep, i), "got %q: want an availability zone name such as %s", z, example)
			case regionOK && m[1] != region:
				p.add(fmt.Sprintf("%s.AvailabilityZones[%d]", ep, i), "got %q, outside the environment's region: want a zone of %s", z, region)
			}
		}
	case n.Create != nil:
		c := n.Create
		cp := path + ".Create"
		prefix, err := netip.ParsePrefix(c.Cidr)
		if err != nil || !prefix.Addr().Is4() || prefix.Bits() < 16 || prefix.Bits() > 24 || prefix.Masked() != prefix {
			p.add(cp+".Cidr", "got %q: want an IPv4 network from /16 to /24, such as 10.0.0.0/16", c.Cidr)
		}
		if c.MaxAzs < 1 || c.MaxAzs > 3 {
			p.add(cp+".MaxAzs", "got %d: want 1 to 3", c.MaxAzs)
		}
		if c.NatGateways < 1 || c.NatGateways > max(c.MaxAzs, 1) {
			p.add(cp+".NatGateways", "got %d: want 1 to MaxAzs (%d); the private subnets need egress for builds and updates", c.NatGateways, c.MaxAzs)
		}
		if !slices.Contains(logRetentionDays, c.FlowLogRetentionDays) {
			p.add(cp+".FlowLogRetentionDays", "got %d: want one of CloudWatch Logs' retention periods %v", c.FlowLogRetentionDays, logRetentionDays)
		}
	}
}

// logRetentionDays are the retention periods CloudWatch Logs accepts.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func validateFleet(p *problems, path, region string, regionOK bool, f Fleet) {
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
	if l := f.MaxInstanceLifetime; l != 0 && (l < 24*time.Hour || l > 365*24*time.Hour || l%time.Second != 0) {
		p.add(path+".MaxInstanceLifetime", "got %s: want 0 (off) or whole seconds from 24h0m0s to 8760h0m0s (1 to 365 days)", l)
	}
	if f.HealthCheckGracePeriod < 0 || f.HealthCheckGracePeriod > 2*time.Hour || f.HealthCheckGracePeriod%time.Second != 0 {
		p.add(path+".HealthCheckGracePeriod", "got %s: want whole seconds from 0s to 2h0m0s", f.HealthCheckGracePeriod)
	}
	if f.RootVolumeGiB < 8 || f.RootVolumeGiB > 16384 {
		p.add(path+".RootVolumeGiB", "got %d: want 8 to 16384 (gp3)", f.RootVolumeGiB)
	}
	if f.KmsKeyArn != "" {
		m := kmsKeyArnRe.FindStringSubmatch(f.KmsKeyArn)
		switch {
		case m == nil:
			p.add(path+".KmsKeyArn", "got %q: want a KMS key ARN such as arn:aws:kms:eu-west-1:111111111111:key/<id>", f.KmsKeyArn)
		case regionOK && (m[2] != region || m[1] != Partition(region)):
			p.add(path+".KmsKeyArn", "got %q: want a key in the environment's region, arn:%s:kms:%s:…; EBS uses keys of its own region only", f.KmsKeyArn, Partition(region), region)
		}
	}
	if len(f.UserData) > 16*1024 {
		p.add(path+".UserData", "got %d bytes: want at most 16384 (EC2's limit before base64)", len(f.UserData))
	}
	seen := map[int]int{}
	for i, port := range f.IngressPorts {
		pp := fmt.Sprintf("%s.IngressPorts[%d]", path, i)
		if port < 1 || port > 65535 {
			p.add(pp, "got %d: want a TCP port from 1 to 65535", port)
		}
		if j, dup := seen[port]; dup {
			p.add(pp, "got %d, already IngressPorts[%d]: want each port once", port, j)
		} else {
			seen[port] = i
		}
	}
	if len(f.IngressPorts) > 0 {
		pr, err := netip.ParsePrefix(f.IngressCidr)
		if err != nil || !pr.Addr().Is4() || pr.Masked() != pr {
			p.add(path+".IngressCidr", "got %q with IngressPorts set: want an IPv4 network such as 10.0.0.0/8", f.IngressCidr)
		} else if pr.Bits() == 0 {
			p.add(path+".IngressCidr", "got %q: want a narrower network; opening the fleet to the whole internet is not allowed, put a load balancer in front", f.IngressCidr)
		}
	} else if f.IngressCidr != "" {
		p.add(path+".IngressCidr", "got %q with IngressPorts empty: want both set or neither", f.IngressCidr)
	}
	if !amiRe.MatchString(f.SeedImage) {
		if msg := checkSsmName(f.SeedImage); msg != "" {
			p.add(path+".SeedImage", "got %q: want an AMI id (ami- and 8 or 17 hex digits) or %s", f.SeedImage, msg)
		}
	}
}

// checkSsmName returns "" when name is a valid SSM parameter name with a
// path, else what is allowed.
func checkSsmName(name string) string {
	const want = "an SSM parameter path such as /aws/service/… (segments of letters, digits and _.- after each /, at most %d characters and %d levels)"
	if len(name) > MaxSsmParameterNameLength || !ssmPathRe.MatchString(name) || strings.Count(name, "/") > MaxSsmParameterLevels {
		return fmt.Sprintf(want, MaxSsmParameterNameLength, MaxSsmParameterLevels)
	}
	return ""
}

var startConditions = []string{"EXPRESSION_MATCH_ONLY", "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"}

func validateImage(p *problems, path, prefix string, raw, env Environment, docs components.Source) {
	im := env.Image
	set := 0
	for _, s := range []string{im.Parent.Managed, im.Parent.AmiID, im.Parent.SsmParameter} {
		if s != "" {
			set++
		}
	}
	if set != 1 {
		p.add(path+".Parent", "got %d of Managed, AmiID and SsmParameter set: want exactly one", set)
	}
	if im.Parent.Managed != "" && !managedImageRe.MatchString(im.Parent.Managed) {
		p.add(path+".Parent.Managed", "got %q: want an Amazon-managed image name and version such as amazon-linux-2023-x86/x.x.x", im.Parent.Managed)
	}
	if im.Parent.AmiID != "" && !amiRe.MatchString(im.Parent.AmiID) {
		p.add(path+".Parent.AmiID", "got %q: want ami- followed by 8 or 17 hex digits", im.Parent.AmiID)
	}
	if im.Parent.SsmParameter != "" {
		if msg := checkSsmName(im.Parent.SsmParameter); msg != "" {
			p.add(path+".Parent.SsmParameter", "got %q: want %s", im.Parent.SsmParameter, msg)
		}
	}
	if err := CheckCron(im.Schedule); err != nil {
		p.add(path+".Schedule", "%v", err)
	}
	if !slices.Contains(startConditions, im.StartCondition) {
		p.add(path+".StartCondition", "got %q: want one of %s", im.StartCondition, strings.Join(startConditions, ", "))
	}
	if len(raw.Image.BuildInstanceTypes) > 0 {
		seen := map[string]int{}
		for i, t := range im.BuildInstanceTypes {
			tp := fmt.Sprintf("%s.BuildInstanceTypes[%d]", path, i)
			if !instanceTypeRe.MatchString(t) {
				p.add(tp, "got %q: want an EC2 instance type such as t3.micro", t)
			}
			if j, dup := seen[t]; dup {
				p.add(tp, "got %q, already BuildInstanceTypes[%d]: want each instance type once", t, j)
			} else {
				seen[t] = i
			}
		}
	}
	if raw.Image.RootVolumeGiB != 0 {
		if im.RootVolumeGiB < 8 || im.RootVolumeGiB > 16384 {
			p.add(path+".RootVolumeGiB", "got %d: want 8 to 16384 (gp3)", im.RootVolumeGiB)
		} else if im.RootVolumeGiB > env.Fleet.RootVolumeGiB {
			p.add(path+".RootVolumeGiB", "got %d, larger than Fleet.RootVolumeGiB %d: want at most the fleet's root volume, or instances could not launch from the image", im.RootVolumeGiB, env.Fleet.RootVolumeGiB)
		}
	}
	if !strings.HasPrefix(im.WorkingDirectory, "/") || len(im.WorkingDirectory) > 1024 || strings.ContainsAny(im.WorkingDirectory, "\x00\n") {
		p.add(path+".WorkingDirectory", "got %q: want an absolute path of at most 1024 characters", im.WorkingDirectory)
	}
	if im.LogRetentionDays < 1 || im.LogRetentionDays > 3650 {
		p.add(path+".LogRetentionDays", "got %d: want 1 to 3650", im.LogRetentionDays)
	}
	if im.TestTimeoutMinutes < 60 || im.TestTimeoutMinutes > 1440 {
		p.add(path+".TestTimeoutMinutes", "got %d: want 60 to 1440 (Image Builder's limits)", im.TestTimeoutMinutes)
	}
	regionOK := slices.Contains(Regions, env.Region)
	seenRegion := map[string]int{}
	for i, r := range im.DistributionRegions {
		rp := fmt.Sprintf("%s.DistributionRegions[%d]", path, i)
		j, dup := seenRegion[r]
		switch {
		case !slices.Contains(Regions, r):
			p.add(rp, "got %q: want a known AWS region such as eu-central-1", r)
		case r == env.Region:
			p.add(rp, "got %q, the environment's own region, which is always included: want only extra regions", r)
		case dup:
			p.add(rp, "got %q, already DistributionRegions[%d]: want each region once", r, j)
		case regionOK && Partition(r) != Partition(env.Region):
			p.add(rp, "got %q, in partition %s: want a region of the environment's partition %s; AMIs are not copied across partitions", r, Partition(r), Partition(env.Region))
		}
		if !dup {
			seenRegion[r] = i
		}
	}
	if len(im.Components) == 0 {
		p.add(path+".Components", "got none: want at least one of our components (the CloudWatch agent is always added first)")
	}
	// Every component becomes one resource, whichever list names it.
	listed := map[string]string{}
	checkComponents(p, path, "Components", prefix, env.Name, im.Components, components.Build, docs, listed)
	checkComponents(p, path, "TestComponents", prefix, env.Name, im.TestComponents, components.Test, docs, listed)
	if n := len(im.Components) + len(im.TestComponents) + 1; n > MaxRecipeComponents {
		p.add(path, "got %d components in the recipe, the CloudWatch agent included: want at most %d (Image Builder's limit)", n, MaxRecipeComponents)
	}
}

// checkComponents checks the component names of one list (field) and
// loads their documents. listed maps each name seen so far, in either
// list, to where it was seen.
func checkComponents(p *problems, path, field, prefix, env string, names []string, want components.Kind, docs components.Source, listed map[string]string) {
	for i, name := range names {
		here := fmt.Sprintf("%s[%d]", field, i)
		cp := path + "." + here
		if where, dup := listed[name]; dup {
			p.add(cp, "got %q, already %s: want each component once", name, where)
			continue
		}
		listed[name] = here
		if !componentNameRe.MatchString(name) {
			p.add(cp, "got %q: want a file name under components/ without .yaml: lowercase letters, digits, '-' or '_', no spaces", name)
			continue
		}
		// The physical name is <prefix>-<env>-<name>-<8 hex digits>.
		if n := len(prefix) + len(env) + len(name) + 11; n > MaxNameLength {
			p.add(cp, "got %q: the Image Builder name <prefix>-<env>-<name>-<hash> would be %d characters: want at most %d", name, n, MaxNameLength)
			continue
		}
		doc, err := docs.Document(name)
		if err != nil {
			p.addErr(cp, fmt.Sprintf("got %q: ", name), err)
			continue
		}
		if doc.Kind != want {
			p.add(cp, "got %q, a %s component (judged by its phases): want a %s component", name, doc.Kind, want)
		}
	}
}
