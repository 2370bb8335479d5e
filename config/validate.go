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
	"unicode/utf8"

	"github.com/immutable-server/golden-fleet/components"
)

var (
	prefixRe          = regexp.MustCompile(`^[a-z][a-z0-9-]{0,23}$`)
	envNameRe         = regexp.MustCompile(`^[a-z][a-z0-9-]{0,15}$`)
	accountRe         = regexp.MustCompile(`^[0-9]{12}$`)
	vpcRe             = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)
	subnetRe          = regexp.MustCompile(`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`)
	zoneRe            = regexp.MustCompile(`^([a-z]{2}(-gov)?-[a-z]+-[0-9])[a-z]$`)
	ssmPathRe         = regexp.MustCompile(`^(/[a-zA-Z0-9_.\-]+)+$`)
	managedImageRe    = regexp.MustCompile(`^([a-z0-9][a-z0-9-]{0,126})/(.*)$`)
	versionRe         = regexp.MustCompile(ImageBuilderVersionPattern)
	kmsKeyArnRe       = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):[0-9]{12}:key/[a-zA-Z0-9-]{1,128}$`)
	iamTagRe          = regexp.MustCompile(IAMTagPattern)
	imageBuilderKeyRe = regexp.MustCompile(ImageBuilderTagKeyPattern)
	componentNameRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
)

// Validate checks the whole configuration, component documents included,
// and returns it with every default applied (WithDefaults): what
// stacks.Build takes. Every problem is reported at once (errors.Join);
// each is one line "<field path>: got <value>: want <what is allowed>".
// A zero optional field is never a problem: it means the default. A nil
// docs means the embedded components.
//
// cdkContext is the CDK context the app is synthesized with (CLIContext,
// or cdk.json's for a test that builds the app itself): a created VPC's
// availability zones must be committed there, or CDK would look them up
// or write placeholder zones.
//
// The returned configuration is meaningful only when the error is nil.
// Validate never changes app.
func Validate(app App, docs components.Source, cdkContext Context) (App, error) {
	if docs == nil {
		docs = components.Embedded()
	}
	valid := app.WithDefaults()
	var p problems
	prefixOK := prefixRe.MatchString(app.Prefix)
	if !prefixOK {
		p.add("Prefix", "got %s: want 1 to 24 lowercase letters, digits or '-', starting with a letter", q(app.Prefix))
	} else if r := reservedBucketStart(app.Prefix + "-"); r != "" {
		p.add("Prefix", "got %s: want a prefix that does not start with %s; it starts the image-factory stacks' names, "+
			"from which CloudFormation names the build-log buckets, and S3 refuses bucket names starting with %s",
			q(app.Prefix), r, strings.Join(S3ReservedPrefixes, ", "))
		prefixOK = false
	}
	if len(app.Environments) == 0 {
		p.add("Environments", "got none: want at least one environment")
	}
	count := map[string]int{}
	for _, env := range app.Environments {
		count[env.Name]++
	}
	names := firstSeen[string]{}
	for i, raw := range app.Environments {
		// A path names the environment when its name can: valid and
		// unique. Otherwise it gives the index.
		path := fmt.Sprintf("Environments[%d]", i)
		if envNameRe.MatchString(raw.Name) && count[raw.Name] == 1 {
			path = fmt.Sprintf("Environments[%s]", raw.Name)
		}
		if before, dup := names.repeat(raw.Name, fmt.Sprintf("Environments[%d]", i)); dup {
			p.add(path+".Name", "got %s, already the name of %s: want unique environment names", q(raw.Name), before)
		}
		e := envCheck{p: &p, path: path, prefix: app.Prefix, prefixOK: prefixOK, raw: raw, env: valid.Environments[i], docs: docs, cdkContext: cdkContext}
		e.validate()
	}
	// Promotions are checked against the whole configuration
	// (promotion.go).
	validatePromotions(&p, app)
	return valid, errors.Join(p.errs...)
}

// problems collects validation errors, each naming a field path.
type problems struct{ errs []error }

// add records one problem of the field at path. The text must be one line:
// user values go through q.
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

// firstSeen remembers where each value of a list was seen first.
type firstSeen[K comparable] map[K]string

// repeat records that k is at where, unless it was seen before: then it
// returns where, and dup is true.
func (s firstSeen[K]) repeat(k K, where string) (before string, dup bool) {
	if before, dup = s[k]; !dup {
		s[k] = where
	}
	return before, dup
}

// MaxShownLength is the longest value a message shows whole; a longer one
// is shortened (QuoteShort).
const MaxShownLength = 64

// QuoteShort quotes a value received for a message (Go syntax, so a
// newline cannot start a line of its own). A value longer than
// MaxShownLength characters is cut, and its length given.
func QuoteShort(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= MaxShownLength {
		return fmt.Sprintf("%q", s)
	}
	runes := []rune(s)
	return fmt.Sprintf("%q… (%d characters)", string(runes[:MaxShownLength-16]), n)
}

var q = QuoteShort

// envCheck checks one environment. raw is the environment as configured,
// env with its defaults applied: a default derived from another field
// (the build instance types, the image's root volume) is reported only
// where it breaks a rule its source does not.
type envCheck struct {
	p          *problems
	path       string
	prefix     string
	prefixOK   bool
	raw, env   Environment
	docs       components.Source
	cdkContext Context
	regionOK   bool
	accountOK  bool
}

func (e *envCheck) add(field, format string, args ...any) {
	path := e.path
	if field != "" {
		path += "." + field
	}
	e.p.add(path, format, args...)
}

func (e *envCheck) validate() {
	env := e.env
	nameOK := envNameRe.MatchString(env.Name)
	if !nameOK {
		e.add("Name", "got %s: want 1 to 16 lowercase letters, digits or '-', starting with a letter", q(env.Name))
	}
	if nameOK && e.prefixOK {
		stack := Names{Prefix: e.prefix, Env: env.Name}.Stack(ImageFactoryStack)
		if r := reservedBucketStart(stack); r != "" {
			e.add("Name", "got %s: with the prefix, the image-factory stack is %s, from which CloudFormation names the build-log bucket, "+
				"and S3 refuses bucket names starting with %s: want a name that, after %s, does not make it start with %s",
				q(env.Name), stack, r, q(e.prefix+"-"), strings.Join(S3ReservedPrefixes, ", "))
		}
	}
	e.accountOK = accountRe.MatchString(env.Account)
	if !e.accountOK {
		e.add("Account", "got %s: want a 12-digit AWS account id", q(env.Account))
	}
	e.regionOK = slices.Contains(Regions, env.Region)
	if !e.regionOK {
		e.add("Region", "got %s: want a known AWS region such as eu-west-1 or us-east-1", q(env.Region))
	}
	e.tags()
	e.network()
	e.fleet()
	if e.raw.Promotion == nil {
		// An environment that promotes bakes nothing: validatePromotions
		// checks that its Image is left empty.
		e.image()
	}
	e.architectures()
	e.rollout()
	e.lifecycle()
	e.observability()
	// What the resource schemas refuse besides (config/cfnschema_fields.go).
	e.schemaFields()
	e.schemaNames(nameOK)
}

// reservedBucketStart returns the S3 reserved prefix name starts with, or "".
func reservedBucketStart(name string) string {
	for _, r := range S3ReservedPrefixes {
		if strings.HasPrefix(name, r) {
			return r
		}
	}
	return ""
}

func (e *envCheck) tags() {
	tags := e.env.Tags
	created := e.env.Network.Create != nil
	limit, why := tagLimit(created)
	if len(tags) > limit {
		e.add("Tags", "got %d tags: want at most %d: %s", len(tags), limit, why)
	}
	reserved := map[string]string{}
	for _, t := range addedTags {
		if !t.CreatedVPCOnly || created {
			for _, k := range append(slices.Clone(t.Keys), t.Later...) {
				reserved[strings.ToLower(k)] = k
			}
		}
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	folded := firstSeen[string]{}
	for _, k := range keys {
		v := tags[k]
		kp := fmt.Sprintf("Tags[%q]", k)
		n := utf8.RuneCountInString(k)
		keyDone := true
		switch {
		case n == 0 || n > MaxTagKeyLength || !iamTagRe.MatchString(k) || !imageBuilderKeyRe.MatchString(k):
			e.add(kp, "got key %s: want 1 to %d of a-z, A-Z, 0-9, space and _.:/=+-@ (Image Builder's tag key characters; "+
				"every tag reaches Image Builder resources)", q(k), MaxTagKeyLength)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			e.add(kp, "got key %s: want a key not starting with aws: (reserved for AWS)", q(k))
		default:
			keyDone = false
		}
		if added, ok := reserved[strings.ToLower(k)]; ok {
			same := ""
			if k != added {
				same = fmt.Sprintf(" the same key to IAM as %s,", q(added))
			}
			e.add(kp, "got key %s,%s a key the app or CDK sets itself (config.AddedTags): want another key", q(k), same)
		} else if before, dup := folded.repeat(strings.ToLower(k), k); dup {
			e.add(kp, "got key %s, the same key to IAM as %s (IAM ignores case, and the tags reach IAM roles): want keys that differ in more than case",
				q(k), q(before))
		}
		valueDone := utf8.RuneCountInString(v) > MaxTagValueLength || !iamTagRe.MatchString(v)
		if valueDone {
			e.add(kp, "got value %s: want at most %d letters, digits, spaces or _.:/=+-@ (IAM's tag value characters)", q(v), MaxTagValueLength)
		}
		// What the resource schemas of every resource the tag reaches
		// refuse besides (config/cfnschema.go).
		e.schemaTags(kp, k, v, keyDone, valueDone)
	}
}

// AddedTag lists the tags the app and CDK put on some resources of an
// environment next to its Tags, and how many tags those resources take.
type AddedTag struct {
	// On says which resources.
	On string
	// Keys the app or CDK adds there.
	Keys []string
	// Later are keys added to those resources after the deploy (a
	// promoted AMI's record by fleetctl promote, the lifecycle marks by
	// the fleet's marker): in no template, but counted against Limit like
	// Keys. Default: none.
	Later []string
	// Limit is the most tags those resources take.
	Limit int
	// CreatedVPCOnly is true for resources that exist only when the app
	// creates the VPC.
	CreatedVPCOnly bool
}

// addedTags is what the stacks add, by resource. config's tests check it
// against the golden templates, so a construct that starts adding a tag
// fails them until it is listed here.
var addedTags = []AddedTag{
	{On: "the subnets of a created VPC", Keys: []string{"Name", "aws-cdk:subnet-name", "aws-cdk:subnet-type"}, Limit: MaxTags, CreatedVPCOnly: true},
	{On: "the other network resources of a created VPC and its flow-log role", Keys: []string{"Name"}, Limit: MaxTags, CreatedVPCOnly: true},
	{On: "the launch template, the fleet's instances and their volumes", Keys: []string{"Name", FleetTagKey}, Limit: MaxTags},
	{On: "each golden AMI", Keys: []string{EnvironmentTagKey}, Later: lifecycleMarks, Limit: MaxTags},
	{On: "each promoted copy of a golden AMI (the promotion's distribution configuration)", Keys: []string{EnvironmentTagKey, PromotedFromEnvironmentTagKey},
		Later: append(slices.Clone(PromotionRecordTagKeys), lifecycleMarks...), Limit: MaxTags},
	{On: "the build instances (Image Builder's ResourceTags)", Limit: MaxImageBuilderResourceTags},
	{On: "every other resource", Limit: MaxTags},
}

// lifecycleMarks are the tags the fleet's marker (and fleetctl rollback)
// put on the AMIs the fleet runs or may roll back to (internal/marks): the
// retain mark and the fleet's role. An AMI carries one fleet's role: a
// promotion copies the AMI into the target's account.
var lifecycleMarks = []string{RetainTagKey, GoldenRoleTagKeyPrefix + "<prefix>-<env>"}

// AddedTags returns what the stacks add to an environment's tags, by
// resource.
func AddedTags() []AddedTag { return slices.Clone(addedTags) }

// tagLimit is the most tags an environment may set: the tightest of the
// limits its tags reach, less what the app and CDK add there.
func tagLimit(createdVPC bool) (int, string) {
	limit, why := -1, ""
	for _, t := range addedTags {
		if t.CreatedVPCOnly && !createdVPC {
			continue
		}
		added := append(slices.Clone(t.Keys), t.Later...)
		if n := t.Limit - len(added); limit < 0 || n < limit {
			limit = n
			why = fmt.Sprintf("%s take at most %d tags", t.On, t.Limit)
			if len(added) > 0 {
				why += fmt.Sprintf(" and the app and CDK add %d (%s)", len(added), strings.Join(added, ", "))
			}
		}
	}
	return limit, why
}

func (e *envCheck) network() {
	n := e.env.Network
	switch {
	case n.Existing == nil && n.Create == nil:
		e.add("Network", "got neither Existing nor Create: want exactly one set")
	case n.Existing != nil && n.Create != nil:
		e.add("Network", "got both Existing and Create: want exactly one set")
	case n.Existing != nil:
		e.existingVPC(n.Existing)
	case n.Create != nil:
		e.createdVPC(n.Create)
	}
}

func (e *envCheck) existingVPC(v *ExistingVPC) {
	const path = "Network.Existing"
	if !vpcRe.MatchString(v.VpcID) {
		e.add(path+".VpcID", "got %s: want vpc- followed by 8 or 17 hex digits", q(v.VpcID))
	}
	if len(v.PrivateSubnetIDs) == 0 {
		e.add(path+".PrivateSubnetIDs", "got none with VpcID %s: want at least one private subnet id", q(v.VpcID))
	}
	subnets := firstSeen[string]{}
	for i, s := range v.PrivateSubnetIDs {
		sp := fmt.Sprintf("%s.PrivateSubnetIDs[%d]", path, i)
		if !subnetRe.MatchString(s) {
			e.add(sp, "got %s: want subnet- followed by 8 or 17 hex digits", q(s))
		}
		if before, dup := subnets.repeat(s, fmt.Sprintf("PrivateSubnetIDs[%d]", i)); dup {
			e.add(sp, "got %s, already %s: want unique subnet ids", q(s), before)
		}
	}
	if len(v.AvailabilityZones) != len(v.PrivateSubnetIDs) {
		e.add(path+".AvailabilityZones", "got %d zones for %d subnets: want one zone per subnet, in the same order", len(v.AvailabilityZones), len(v.PrivateSubnetIDs))
	}
	for i, z := range v.AvailabilityZones {
		if msg := e.zone(z); msg != "" {
			e.add(fmt.Sprintf("%s.AvailabilityZones[%d]", path, i), "%s", msg)
		}
	}
}

// zone checks an availability zone name against the environment's
// region: "" when it is one, else what is wrong and what is allowed.
func (e *envCheck) zone(z string) string {
	m := zoneRe.FindStringSubmatch(z)
	switch {
	case m == nil:
		example := "eu-west-1a"
		if e.regionOK {
			example = e.env.Region + "a"
		}
		return fmt.Sprintf("got %s: want an availability zone name such as %s", q(z), example)
	case e.regionOK && m[1] != e.env.Region:
		return fmt.Sprintf("got %s, outside the environment's region: want a zone of %s", q(z), e.env.Region)
	}
	return ""
}

func (e *envCheck) createdVPC(c *CreatedVPC) {
	const path = "Network.Create"
	prefix, err := netip.ParsePrefix(c.Cidr)
	if err != nil || !prefix.Addr().Is4() || prefix.Bits() < 16 || prefix.Bits() > 24 || prefix.Masked() != prefix {
		e.add(path+".Cidr", "got %s: want an IPv4 network from /16 to /24, such as 10.0.0.0/16", q(c.Cidr))
	}
	if c.MaxAzs < 1 || c.MaxAzs > 3 {
		e.add(path+".MaxAzs", "got %d: want 1 to 3", c.MaxAzs)
	}
	if c.NatGateways < 1 || c.NatGateways > max(c.MaxAzs, 1) {
		e.add(path+".NatGateways", "got %d: want 1 to MaxAzs (%d); the private subnets need egress for builds and updates", c.NatGateways, c.MaxAzs)
	}
	if !slices.Contains(LogRetentionDays, c.FlowLogRetentionDays) {
		e.add(path+".FlowLogRetentionDays", "got %d: want one of CloudWatch Logs' retention periods %v", c.FlowLogRetentionDays, LogRetentionDays)
	}
	if !e.accountOK || !e.regionOK {
		return
	}
	key := AvailabilityZonesKey(e.env.Account, e.env.Region)
	zones, present := e.cdkContext.availabilityZones(e.env.Account, e.env.Region)
	example := fmt.Sprintf(`%q: [%q, %q, %q]`, key, e.env.Region+"a", e.env.Region+"b", e.env.Region+"c")
	switch {
	case !present:
		e.add(path, "got no availability zones of account %s in %s in the CDK context: want them committed in cdk.json, "+
			`add %s to its "context" (the zones of %s: aws ec2 describe-availability-zones --region %s); the app makes no lookups`,
			e.env.Account, e.env.Region, example, e.env.Region, e.env.Region)
	case zones == nil:
		e.add(path, "got a CDK context value %s that is not a list of zone names: want %s in cdk.json's \"context\"", key, example)
	case len(zones) < c.MaxAzs && c.MaxAzs <= 3:
		e.add(path, "got %d availability zones in the CDK context (%s) for MaxAzs %d: want at least MaxAzs zones there, or a smaller MaxAzs",
			len(zones), key, c.MaxAzs)
	default:
		for i, z := range zones {
			if msg := e.zone(z); msg != "" {
				e.add(path, "%s (zone %d of %s in the CDK context)", msg, i, key)
			}
		}
	}
}

func (e *envCheck) fleet() {
	f := e.env.Fleet
	const path = "Fleet"
	if msg := checkInstanceType(f.InstanceType); msg != "" {
		e.add(path+".InstanceType", "got %s: %s", q(f.InstanceType), msg)
	}
	for _, c := range []struct {
		field string
		n     int
	}{{"MinCapacity", f.MinCapacity}, {"MaxCapacity", f.MaxCapacity}, {"DesiredCapacity", f.DesiredCapacity}} {
		if c.n > MaxAutoScalingSize {
			e.add(path+"."+c.field, "got %d: want at most %d (Auto Scaling takes 32-bit sizes)", c.n, MaxAutoScalingSize)
		}
	}
	if f.MinCapacity < 0 {
		e.add(path+".MinCapacity", "got %d: want 0 or more", f.MinCapacity)
	}
	if f.MaxCapacity < 1 {
		e.add(path+".MaxCapacity", "got %d: want 1 or more", f.MaxCapacity)
	}
	if f.MinCapacity > f.MaxCapacity {
		e.add(path+".MinCapacity", "got %d, more than MaxCapacity %d: want MinCapacity <= MaxCapacity", f.MinCapacity, f.MaxCapacity)
	}
	if f.DesiredCapacity < 1 || f.DesiredCapacity < f.MinCapacity || f.DesiredCapacity > f.MaxCapacity {
		e.add(path+".DesiredCapacity", "got %d: want at least 1 and within [MinCapacity %d, MaxCapacity %d]", f.DesiredCapacity, f.MinCapacity, f.MaxCapacity)
	}
	if l := f.MaxInstanceLifetime; l != 0 && (l < 24*time.Hour || l > 365*24*time.Hour || l%time.Second != 0) {
		e.add(path+".MaxInstanceLifetime", "got %s: want 0 (off) or whole seconds from 24h0m0s to 8760h0m0s (1 to 365 days)", l)
	}
	if g := f.HealthCheckGracePeriod; g < time.Second || g > 2*time.Hour || g%time.Second != 0 {
		e.add(path+".HealthCheckGracePeriod", "got %s: want 0 (the default, %s) or whole seconds from 1s to 2h0m0s",
			e.raw.Fleet.HealthCheckGracePeriod, DefaultHealthCheckGracePeriod)
	}
	if f.RootVolumeGiB < MinRootVolumeGiB || f.RootVolumeGiB > MaxGp3VolumeGiB {
		e.add(path+".RootVolumeGiB", "got %d: want %d to %d (gp3)", f.RootVolumeGiB, MinRootVolumeGiB, MaxGp3VolumeGiB)
	}
	if f.KmsKeyArn != "" {
		m := kmsKeyArnRe.FindStringSubmatch(f.KmsKeyArn)
		switch {
		case m == nil:
			e.add(path+".KmsKeyArn", "got %s: want a KMS key ARN such as arn:aws:kms:eu-west-1:111111111111:key/<id>", q(f.KmsKeyArn))
		case e.regionOK && (m[2] != e.env.Region || m[1] != Partition(e.env.Region)):
			e.add(path+".KmsKeyArn", "got %s: want a key in the environment's region, arn:%s:kms:%s:…; EBS uses keys of its own region only",
				q(f.KmsKeyArn), Partition(e.env.Region), e.env.Region)
		}
	}
	e.userData()
	if len(f.IngressPorts) > MaxSecurityGroupRules {
		e.add(path+".IngressPorts", "got %d ports: want at most %d, one inbound rule each (the default quota of inbound rules per security group)",
			len(f.IngressPorts), MaxSecurityGroupRules)
	}
	ports := firstSeen[int]{}
	for i, port := range f.IngressPorts {
		pp := fmt.Sprintf("%s.IngressPorts[%d]", path, i)
		if port < 1 || port > 65535 {
			e.add(pp, "got %d: want a TCP port from 1 to 65535", port)
		}
		if before, dup := ports.repeat(port, fmt.Sprintf("IngressPorts[%d]", i)); dup {
			e.add(pp, "got %d, already %s: want each port once", port, before)
		}
	}
	if len(f.IngressPorts) > 0 {
		pr, err := netip.ParsePrefix(f.IngressCidr)
		if err != nil || !pr.Addr().Is4() || pr.Masked() != pr {
			e.add(path+".IngressCidr", "got %s with IngressPorts set: want an IPv4 network such as 10.0.0.0/8", q(f.IngressCidr))
		} else if pr.Bits() == 0 {
			e.add(path+".IngressCidr", "got %s: want a narrower network; opening the fleet to the whole internet is not allowed, put a load balancer in front", q(f.IngressCidr))
		}
	} else if f.IngressCidr != "" {
		e.add(path+".IngressCidr", "got %s with IngressPorts empty: want both set or neither", q(f.IngressCidr))
	}
	if !IsAmiID(f.SeedImage) {
		if msg := checkSsmName(f.SeedImage); msg != "" {
			e.add(path+".SeedImage", "got %s: want an AMI id (ami- and 8 or 17 hex digits) or %s", q(f.SeedImage), msg)
		}
	}
}

// checkInstanceType returns "" when EC2 has instance type t, else what is
// allowed.
func checkInstanceType(t string) string {
	if KnownInstanceType(t) {
		return ""
	}
	family, _, _ := strings.Cut(t, ".")
	if sizes := familySizes(t); len(sizes) > 0 {
		return fmt.Sprintf("want an EC2 instance type; %s comes in %s", family, strings.Join(sizes, ", "))
	}
	return "want an EC2 instance type (the AWS SDK for Go v2's list), such as t3.micro or m6i.large"
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

// image checks Image. It is long because it is a list of independent
// checks, one or two per field, in the order of the fields.
func (e *envCheck) image() {
	im, raw := e.env.Image, e.raw.Image
	const path = "Image"
	set := 0
	for _, s := range []string{im.Parent.Managed, im.Parent.AmiID, im.Parent.SsmParameter} {
		if s != "" {
			set++
		}
	}
	if set != 1 {
		e.add(path+".Parent", "got %d of Managed, AmiID and SsmParameter set: want exactly one", set)
	}
	if im.Parent.Managed != "" {
		m := managedImageRe.FindStringSubmatch(im.Parent.Managed)
		switch {
		case m == nil:
			e.add(path+".Parent.Managed", "got %s: want an Amazon-managed image name and version such as amazon-linux-2023-x86/x.x.x", q(im.Parent.Managed))
		case !versionRe.MatchString(m[2]):
			e.add(path+".Parent.Managed", "got %s with version %s: want a version of three numbers where x wildcards run to the right "+
				"(1.2.3, 1.2.x, 1.x.x or x.x.x); Image Builder refuses others", q(im.Parent.Managed), q(m[2]))
		}
	}
	if im.Parent.AmiID != "" && !IsAmiID(im.Parent.AmiID) {
		e.add(path+".Parent.AmiID", "got %s: want ami- followed by 8 or 17 hex digits", q(im.Parent.AmiID))
	}
	if im.Parent.SsmParameter != "" {
		if msg := checkSsmName(im.Parent.SsmParameter); msg != "" {
			e.add(path+".Parent.SsmParameter", "got %s: want %s", q(im.Parent.SsmParameter), msg)
		}
	}
	if err := CheckCron(im.Schedule); err != nil {
		e.add(path+".Schedule", "%v", err)
	}
	if !slices.Contains(startConditions, im.StartCondition) {
		e.add(path+".StartCondition", "got %s: want one of %s", q(im.StartCondition), strings.Join(startConditions, ", "))
	}
	// The default build instance type is the fleet's, checked there.
	types := firstSeen[string]{}
	for i, t := range raw.BuildInstanceTypes {
		tp := fmt.Sprintf("%s.BuildInstanceTypes[%d]", path, i)
		if msg := checkInstanceType(t); msg != "" {
			e.add(tp, "got %s: %s", q(t), msg)
		}
		if before, dup := types.repeat(t, fmt.Sprintf("BuildInstanceTypes[%d]", i)); dup {
			e.add(tp, "got %s, already %s: want each instance type once", q(t), before)
		}
	}
	fleetGiB := e.env.Fleet.RootVolumeGiB
	fleetGiBOK := fleetGiB >= MinRootVolumeGiB && fleetGiB <= MaxGp3VolumeGiB
	switch {
	case raw.RootVolumeGiB != 0 && (im.RootVolumeGiB < MinRootVolumeGiB || im.RootVolumeGiB > MaxImageBuilderVolumeGiB):
		e.add(path+".RootVolumeGiB", "got %d: want %d to %d (the largest volume an Image Builder recipe takes)", im.RootVolumeGiB, MinRootVolumeGiB, MaxImageBuilderVolumeGiB)
	case raw.RootVolumeGiB != 0 && im.RootVolumeGiB > fleetGiB:
		e.add(path+".RootVolumeGiB", "got %d, larger than Fleet.RootVolumeGiB %d: want at most the fleet's root volume, or instances could not launch from the image", im.RootVolumeGiB, fleetGiB)
	case raw.RootVolumeGiB == 0 && fleetGiBOK && fleetGiB > MaxImageBuilderVolumeGiB:
		e.add(path+".RootVolumeGiB", "got 0, so the fleet's %d: want at most %d (the largest volume an Image Builder recipe takes): set it, or a smaller Fleet.RootVolumeGiB",
			fleetGiB, MaxImageBuilderVolumeGiB)
	}
	if n := utf8.RuneCountInString(im.WorkingDirectory); !strings.HasPrefix(im.WorkingDirectory, "/") || n > MaxWorkingDirectoryLength || strings.ContainsAny(im.WorkingDirectory, "\x00\n") {
		e.add(path+".WorkingDirectory", "got %s: want an absolute path of at most %d characters", q(im.WorkingDirectory), MaxWorkingDirectoryLength)
	}
	if im.LogRetentionDays < 1 || im.LogRetentionDays > 3650 {
		e.add(path+".LogRetentionDays", "got %d: want 1 to 3650", im.LogRetentionDays)
	}
	if im.TestTimeoutMinutes < 60 || im.TestTimeoutMinutes > 1440 {
		e.add(path+".TestTimeoutMinutes", "got %d: want 60 to 1440 (Image Builder's limits)", im.TestTimeoutMinutes)
	}
	regions := firstSeen[string]{}
	for i, r := range im.DistributionRegions {
		rp := fmt.Sprintf("%s.DistributionRegions[%d]", path, i)
		before, dup := regions.repeat(r, fmt.Sprintf("DistributionRegions[%d]", i))
		switch {
		case !slices.Contains(Regions, r):
			e.add(rp, "got %s: want a known AWS region such as eu-central-1", q(r))
		case r == e.env.Region:
			e.add(rp, "got %s, the environment's own region, which is always included: want only extra regions", q(r))
		case dup:
			e.add(rp, "got %s, already %s: want each region once", q(r), before)
		case e.regionOK && Partition(r) != Partition(e.env.Region):
			e.add(rp, "got %s, in partition %s: want a region of the environment's partition %s; AMIs are not copied across partitions", q(r), Partition(r), Partition(e.env.Region))
		}
	}
	if len(im.Components) == 0 {
		e.add(path+".Components", "got none: want at least one of our components (the CloudWatch agent is always added first)")
	}
	// Every component becomes one resource, whichever list names it.
	listed := firstSeen[string]{}
	e.components("Components", im.Components, components.Build, listed)
	e.components("TestComponents", im.TestComponents, components.Test, listed)
	if n := len(im.Components) + len(im.TestComponents) + 1; n > MaxRecipeComponents {
		e.add(path, "got %d components in the recipe, the CloudWatch agent included: want at most %d (Image Builder's limit)", n, MaxRecipeComponents)
	}
}

// components checks the component names of one list (field) and loads
// their documents. listed remembers each name seen so far, in either list.
func (e *envCheck) components(field string, names []string, want components.Kind, listed firstSeen[string]) {
	for i, name := range names {
		here := fmt.Sprintf("%s[%d]", field, i)
		cp := "Image." + here
		if before, dup := listed.repeat(name, here); dup {
			e.add(cp, "got %s, already %s: want each component once", q(name), before)
			continue
		}
		if !componentNameRe.MatchString(name) {
			e.add(cp, "got %s: want a file name under components/ without .yaml: lowercase letters, digits, '-' or '_', no spaces", q(name))
			continue
		}
		base := Names{Prefix: e.prefix, Env: e.env.Name}.Component(name)
		if n := ContentNameLength(base); n > MaxNameLength {
			e.add(cp, "got %s: the Image Builder name <prefix>-<env>-<name>-<%d hex digits> would be %d characters: want at most %d",
				q(name), HashLength, n, MaxNameLength)
			continue
		}
		doc, err := e.docs.Document(name)
		if err != nil {
			e.p.addErr(e.path+"."+cp, fmt.Sprintf("got %s: ", q(name)), err)
			continue
		}
		if doc.Kind != want {
			e.add(cp, "got %s, a %s component (judged by its phases): want a %s component", q(name), doc.Kind, want)
		}
	}
}

// architectures checks that the fleet's instance type, the build instance
// types, the parent image and the seed image share one architecture, where
// each is known: an instance launches only from an image of its own
// architecture, and the golden AMI has the parent image's.
func (e *envCheck) architectures() {
	f, im := e.env.Fleet, e.env.Image
	// "" for an instance type EC2 does not have, reported already.
	fleetArch := InstanceArchitecture(f.InstanceType)
	if seedArch := ImageArchitecture(f.SeedImage); fleetArch != "" && seedArch != "" && seedArch != fleetArch {
		got := q(f.SeedImage)
		if e.raw.Fleet.SeedImage == "" {
			got = fmt.Sprintf(`"" (the default, %s)`, f.SeedImage)
		}
		e.add("Fleet.SeedImage", "got %s, an %s image, for Fleet.InstanceType %s (%s): want an %s image%s",
			got, seedArch, q(f.InstanceType), fleetArch, fleetArch, example(ssmExamples, fleetArch))
	}
	var parentField, parent string
	var examples map[string]string
	switch {
	case im.Parent.Managed != "":
		parentField, parent, examples = "Image.Parent.Managed", im.Parent.Managed, managedExamples
	case im.Parent.SsmParameter != "":
		parentField, parent, examples = "Image.Parent.SsmParameter", im.Parent.SsmParameter, ssmExamples
	}
	parentArch := ImageArchitecture(parent)
	if fleetArch != "" && parentArch != "" && parentArch != fleetArch {
		e.add(parentField, "got %s, an %s image, for Fleet.InstanceType %s (%s): want an %s image%s; the golden AMI has the parent image's architecture",
			q(parent), parentArch, q(f.InstanceType), fleetArch, fleetArch, example(examples, fleetArch))
	}
	for i, t := range e.raw.Image.BuildInstanceTypes {
		a := InstanceArchitecture(t)
		switch {
		case a == "":
		case parentArch != "" && a != parentArch:
			e.add(fmt.Sprintf("Image.BuildInstanceTypes[%d]", i), "got %s (%s) for parent image %s (%s): want %s instance types; a build instance launches from the parent image",
				q(t), a, q(parent), parentArch, parentArch)
		case parentArch == "" && fleetArch != "" && a != fleetArch:
			e.add(fmt.Sprintf("Image.BuildInstanceTypes[%d]", i), "got %s (%s) for Fleet.InstanceType %s (%s): want %s instance types; the image they build must run on the fleet",
				q(t), a, q(f.InstanceType), fleetArch, fleetArch)
		}
	}
}

var (
	ssmExamples = map[string]string{
		X86_64: DefaultSeedImage,
		Arm64:  "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
	}
	managedExamples = map[string]string{
		X86_64: "amazon-linux-2023-x86/x.x.x",
		Arm64:  "amazon-linux-2023-arm64/x.x.x",
	}
)

func example(examples map[string]string, arch string) string {
	if ex, ok := examples[arch]; ok {
		return ", such as " + ex
	}
	return ""
}

// rollout checks the instance refresh preferences (CheckRollout). The
// minimum healthy percentage is reported as given: 0 means the default.
func (e *envCheck) rollout() {
	raw := e.raw.Rollout
	for _, p := range CheckRollout(e.env.Rollout, raw.CheckpointDelay != 0) {
		if p.Field == "MinHealthyPercentage" {
			p.Message = fmt.Sprintf("got %d: want 1 to 100 (percent of the desired capacity kept in service), or 0 for the default %d",
				raw.MinHealthyPercentage, DefaultMinHealthyPercentage)
		}
		e.add("Rollout."+p.Field, "%s", p.Message)
	}
}

// lifecycle checks the lifecycle policy's rules (AWS::ImageBuilder::
// LifecyclePolicy Filter).
func (e *envCheck) lifecycle() {
	l := e.env.Lifecycle
	if l.KeepLatest < 1 || l.KeepLatest > MaxLifecycleRetainAtLeast {
		e.add("Lifecycle.KeepLatest", "got %d: want 1 to %d (Image Builder's RetainAtLeast)", l.KeepLatest, MaxLifecycleRetainAtLeast)
	}
	deprecateOK := l.DeprecateAfterDays >= 1 && l.DeprecateAfterDays <= MaxLifecycleAgeValue
	if !deprecateOK {
		e.add("Lifecycle.DeprecateAfterDays", "got %d: want 1 to %d days", l.DeprecateAfterDays, MaxLifecycleAgeValue)
	}
	switch {
	case l.DeleteAfterDays < 1 || l.DeleteAfterDays > MaxLifecycleAgeValue:
		e.add("Lifecycle.DeleteAfterDays", "got %d: want 1 to %d days", l.DeleteAfterDays, MaxLifecycleAgeValue)
	case deprecateOK && l.DeleteAfterDays <= l.DeprecateAfterDays:
		e.add("Lifecycle.DeleteAfterDays", "got %d, not more than DeprecateAfterDays %d: want images deprecated before they are deleted",
			l.DeleteAfterDays, l.DeprecateAfterDays)
	}
}
