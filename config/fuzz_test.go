package config

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/immutable-server/golden-fleet/components"
)

// FuzzCheckCron: CheckCron never panics, says why in one line, and what it
// accepts has the shape of an Image Builder cron expression.
func FuzzCheckCron(f *testing.F) {
	for _, seed := range []string{
		"cron(0 3 ? * SUN *)", "cron(0 2 * * ? *)", "cron(0 0 LW * ? *)", "cron(0 0 ? * 6L *)",
		"cron(0 0 ? * MON#3 *)", "cron(*/5 8-17 ? JAN-MAR 2-6 2026-2030)", "cron(0,30 1,13 15W * ? *)",
		"rate(1 day)", "cron(0 3 * * SUN)", "cron(60 3 ? * SUN *)", "cron()", "cron(", "", "cron(0 3 ? * SUN *) ",
	} {
		f.Add(seed)
	}
	fieldChars := regexp.MustCompile(`^[0-9A-Za-z*?,/#-]+$`)
	f.Fuzz(func(t *testing.T, expr string) {
		err := CheckCron(expr)
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "got ") || !strings.Contains(msg, ": want ") || strings.Contains(msg, "\n") {
				t.Fatalf("CheckCron(%q) = %q: want one line \"got …: want …\"", expr, msg)
			}
			return
		}
		inner, ok := strings.CutPrefix(expr, "cron(")
		if !ok || !strings.HasSuffix(inner, ")") {
			t.Fatalf("CheckCron(%q) = nil, but it is not cron(...)", expr)
		}
		fields := strings.Split(strings.TrimSuffix(inner, ")"), " ")
		if len(fields) != 6 {
			t.Fatalf("CheckCron(%q) = nil with %d fields", expr, len(fields))
		}
		for i, field := range fields {
			if !fieldChars.MatchString(field) {
				t.Fatalf("CheckCron(%q) = nil with field %d %q", expr, i, field)
			}
			c := cronFields[i]
			for _, part := range strings.FieldsFunc(field, func(r rune) bool { return strings.ContainsRune(",-/#", r) }) {
				if n, ok := plainNumber(part); ok && i != 4 && (n < c.min || n > max(c.max, 59)) {
					t.Fatalf("CheckCron(%q) = nil with %s number %d", expr, c.name, n)
				}
			}
		}
		if (fields[2] == "?") == (fields[4] == "?") {
			t.Fatalf("CheckCron(%q) = nil, but not exactly one of day-of-month and day-of-week is ?", expr)
		}
	})
}

func plainNumber(s string) (int, bool) {
	if s == "" || len(s) > 4 {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

// pathLine is how every line of a validation error starts: a field path.
var pathLine = regexp.MustCompile(`^(Prefix|Environments(\[[^\]]+\])?(\.[A-Z][A-Za-z]*(\[("(?:[^"\\]|\\.)*"|[^\]"]+)\])?)*): \S`)

// FuzzValidate: Validate never panics, every line of its error starts with
// a field path, and a configuration it accepts satisfies the documented
// rules that are cheap to check again here.
//
// It is long because it is the list of rules an accepted configuration
// must satisfy, each checked again independently, in the order of the fields.
func FuzzValidate(f *testing.F) {
	f.Add("golden-fleet", "dev", "111111111111", "eu-west-1", "t3.micro", 1, 3, 2, 0, 0, "cron(0 3 ? * MON *)",
		"os-hardening", "", false, "10.10.0.0/16", 2, 1, "subnet-0a1b2c3d4e5f60711", "eu-west-1a", "", 0, "", "owner", "platform",
		"", []byte(""))
	f.Add("gf", "prod", "222222222222", "eu-west-1", "m6i.large", 3, 6, 3, 30, 20, "cron(0 2 * * ? *)",
		"web-server", "eu-central-1", true, "", 0, 0, "subnet-0a1b2c3d4e5f60711", "eu-west-1a", "/aws/service/x", 80, "10.0.0.0/8", "team", "a b",
		"arn:aws:kms:eu-west-1:111111111111:key/abc", []byte("name: fuzz\ndescription: d\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: A\n        action: ExecuteBash\n        inputs:\n          commands: [true]\n"))
	f.Add("Bad", "", "1", "mars-1", "huge", 5, 1, 9, -1, 99999, "rate(1 day)",
		"web server", "eu-west-1", true, "10.0.0.0/8", 9, 9, "subnet-x", "us-east-1a", "ami-1", 70000, "0.0.0.0/0", "aws:x", "",
		"alias/x", []byte("phases: ["))
	// The embedded documents, plus the fuzzed one as fuzz.yaml.
	base := embeddedDocs(f)
	f.Fuzz(func(t *testing.T, prefix, name, account, region, instanceType string, minC, maxC, desired, fleetGiB, imageGiB int,
		schedule, component, distRegion string, existing bool, cidr string, maxAzs, nat int, subnet, zone, seed string,
		port int, ingressCidr, tagKey, tagValue, kmsKey string, doc []byte,
	) {
		env := Environment{
			Name: name, Account: account, Region: region,
			Tags:  map[string]string{tagKey: tagValue},
			Fleet: Fleet{InstanceType: instanceType, MinCapacity: minC, MaxCapacity: maxC, DesiredCapacity: desired, RootVolumeGiB: fleetGiB, SeedImage: seed, KmsKeyArn: kmsKey, IngressCidr: ingressCidr},
			Image: Image{
				Parent:     ParentImage{Managed: "amazon-linux-2023-x86/x.x.x"},
				Components: []string{component}, RootVolumeGiB: imageGiB, Schedule: schedule,
			},
		}
		if port != 0 {
			env.Fleet.IngressPorts = []int{port}
		}
		if distRegion != "" {
			env.Image.DistributionRegions = []string{distRegion}
		}
		if existing {
			env.Network.Existing = &ExistingVPC{VpcID: "vpc-0a1b2c3d4e5f60718", PrivateSubnetIDs: []string{subnet}, AvailabilityZones: []string{zone}}
		} else {
			env.Network.Create = &CreatedVPC{Cidr: cidr, MaxAzs: maxAzs, NatGateways: nat}
		}
		fsys := maps.Clone(base)
		fsys["fuzz.yaml"] = &fstest.MapFile{Data: doc}
		app := App{Prefix: prefix, Environments: []Environment{env}}

		// The context holds the zones of the fuzzed account and region, as
		// cdk.json would.
		ctx := Context{AvailabilityZonesKey(account, region): []any{region + "a", region + "b", region + "c"}}
		valid, err := Validate(app, components.FromFS(fsys), ctx)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !pathLine.MatchString(line) || !strings.Contains(line, "want") {
					t.Fatalf("problem line %q does not start with a field path or says nothing of what is allowed", line)
				}
			}
			return
		}
		// Accepted: re-check the documented rules.
		d := valid.Environments[0]
		broken := func(rule string) { t.Fatalf("Validate accepted %+v, which breaks: %s", app, rule) }
		if !regexp.MustCompile(`^[a-z][a-z0-9-]{0,23}$`).MatchString(prefix) {
			broken("Prefix: lowercase letters, digits, '-', at most 24")
		}
		if !regexp.MustCompile(`^[a-z][a-z0-9-]{0,15}$`).MatchString(name) {
			broken("Name: lowercase letters, digits, '-', at most 16")
		}
		if len(account) != 12 || strings.Trim(account, "0123456789") != "" {
			broken("Account: 12 digits")
		}
		if !slices.Contains(Regions, region) {
			broken("Region: a known region")
		}
		if minC < 0 || minC > maxC || desired < 1 || desired < minC || desired > maxC {
			broken("0 <= MinCapacity <= DesiredCapacity <= MaxCapacity, DesiredCapacity >= 1")
		}
		if !KnownInstanceType(instanceType) {
			broken("InstanceType: an EC2 instance type")
		}
		if d.Fleet.RootVolumeGiB < 8 || d.Image.RootVolumeGiB < 8 || d.Image.RootVolumeGiB > d.Fleet.RootVolumeGiB {
			broken("8 GiB <= Image.RootVolumeGiB <= Fleet.RootVolumeGiB")
		}
		if CheckCron(schedule) != nil {
			broken("Schedule: an Image Builder cron expression")
		}
		if len(component) > MaxNameLength || strings.ContainsAny(component, " \t/") {
			broken("component names: no spaces, at most 128 characters in the Image Builder name")
		}
		if component == "fuzz" {
			if _, problems := components.Parse("fuzz", doc); len(problems) > 0 || !utf8.Valid(doc) {
				broken("component documents parse without problems")
			}
		}
		if distRegion != "" && (distRegion == region || !slices.Contains(Regions, distRegion) || Partition(distRegion) != Partition(region)) {
			broken("DistributionRegions: other known regions of the same partition")
		}
		if existing && (!strings.HasPrefix(zone, region) || !strings.HasPrefix(subnet, "subnet-")) {
			broken("Existing: subnet ids, zones of the region")
		}
		if port != 0 && (port < 1 || port > 65535 || strings.HasSuffix(ingressCidr, "/0")) {
			broken("IngressPorts 1-65535, never from /0")
		}
		if port == 0 && ingressCidr != "" {
			broken("IngressCidr only with IngressPorts")
		}
		if kmsKey != "" && !strings.HasPrefix(kmsKey, "arn:"+Partition(region)+":kms:"+region+":") {
			broken("KmsKeyArn: a key of the environment's region")
		}
		if d.Fleet.SeedImage != "" && !strings.HasPrefix(d.Fleet.SeedImage, "ami-") &&
			(len(d.Fleet.SeedImage) > MaxSsmParameterNameLength || !strings.HasPrefix(d.Fleet.SeedImage, "/") || strings.Contains(d.Fleet.SeedImage, "//")) {
			broken("SeedImage: an AMI id or an SSM parameter path of at most 1011 characters")
		}
		if strings.HasPrefix(strings.ToLower(tagKey), "aws:") || tagKey == "" || utf8.RuneCountInString(tagKey) > 128 ||
			strings.Trim(tagKey, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.:/=+-@") != "" ||
			tagValue == "" || utf8.RuneCountInString(tagValue) > 256 {
			broken("tags: key 1-128 of Image Builder's characters, not aws:, value 1 to 256 characters (alarms and state machines refuse an empty one)")
		}
		if d.Image.RootVolumeGiB > MaxImageBuilderVolumeGiB {
			broken("Image.RootVolumeGiB at most 16000")
		}
		if a := ImageArchitecture(d.Fleet.SeedImage); a != "" && a != InstanceArchitecture(instanceType) {
			broken("the seed image has the fleet's architecture")
		}
	})
}
