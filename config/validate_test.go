package config

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/immutable-server/golden-fleet/components"
)

// validApp is a small valid configuration: one environment, "dev", with a
// VPC the app creates. Each bad-input case breaks one thing in it.
func validApp() App {
	return App{
		Prefix: "gf",
		Environments: []Environment{{
			Name:    "dev",
			Account: "111111111111",
			Region:  "eu-west-1",
			Tags:    map[string]string{"owner": "platform"},
			Network: Network{Create: &CreatedVPC{Cidr: "10.10.0.0/16", MaxAzs: 2, NatGateways: 1, FlowLogRetentionDays: 30}},
			Fleet:   Fleet{InstanceType: "t3.micro", MinCapacity: 1, MaxCapacity: 3, DesiredCapacity: 2},
			Image: Image{
				Parent:         ParentImage{Managed: "amazon-linux-2023-x86/x.x.x"},
				Components:     []string{"os-hardening", "web-server"},
				TestComponents: []string{"web-server-test"},
				Schedule:       "cron(0 3 ? * MON *)",
			},
		}},
	}
}

// testContext is the CDK context of the tests: the availability zones of
// account 111111111111 in eu-west-1 and us-east-1, as cdk.json would hold
// them (JSON arrays decode to []any).
func testContext() Context {
	return Context{
		AvailabilityZonesKey("111111111111", "eu-west-1"): []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
		AvailabilityZonesKey("111111111111", "us-east-1"): []any{"us-east-1a", "us-east-1b", "us-east-1c"},
	}
}

// existingNetwork is a valid Network.Existing in eu-west-1.
func existingNetwork() Network {
	return Network{Existing: &ExistingVPC{
		VpcID:             "vpc-0a1b2c3d4e5f60718",
		PrivateSubnetIDs:  []string{"subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722"},
		AvailabilityZones: []string{"eu-west-1a", "eu-west-1b"},
	}}
}

// embeddedDocs returns the embedded component documents as files, one
// <name>.yaml each.
func embeddedDocs(tb testing.TB) fstest.MapFS {
	tb.Helper()
	fsys := fstest.MapFS{}
	embedded := components.Embedded()
	for _, name := range embedded.Names() {
		doc, err := embedded.Document(name)
		if err != nil {
			tb.Fatal(err)
		}
		fsys[name+".yaml"] = &fstest.MapFile{Data: doc.Data}
	}
	return fsys
}

// withDocs returns the embedded component documents plus extra files.
func withDocs(t *testing.T, extra map[string]string) components.Source {
	t.Helper()
	fsys := embeddedDocs(t)
	for file, data := range extra {
		fsys[file] = &fstest.MapFile{Data: []byte(data)}
	}
	return components.FromFS(fsys)
}

// problemLine is the shape of every line of a validation error: a field
// path, then what was received and what is allowed.
var problemLine = regexp.MustCompile(`^(Prefix|Environments(\[[^\]]+\])?(\.[A-Z][A-Za-z]*(\[("(?:[^"\\]|\\.)*"|[^\]"]+)\])?)*): got .+: want .+`)

// checkLines fails unless every line of err has the shape of problemLine.
func checkLines(t *testing.T, err error) []string {
	t.Helper()
	lines := strings.Split(err.Error(), "\n")
	for _, line := range lines {
		if !problemLine.MatchString(line) {
			t.Errorf("line %q is not \"<field path>: got <value>: want <allowed>\"", line)
		}
		if line != strings.TrimRight(line, ". ") {
			t.Errorf("line %q ends with a period or space", line)
		}
	}
	return lines
}

// Each bad input gets one problem line naming the field, the value
// received and what is allowed. It is long because it is the table of bad
// inputs, one case per rule of Validate with the line each must produce.
func TestValidateRejectsBadInput(t *testing.T) {
	long := strings.Repeat("a", 120)
	cases := []struct {
		name   string
		break_ func(a *App)
		docs   map[string]string // extra component files
		ctx    Context           // the CDK context, when not testContext()
		// The problem line: its field path, the value received, and
		// what is allowed.
		path, got, want string
	}{
		{name: "min above max", break_: func(a *App) { a.Environments[0].Fleet.MinCapacity = 5 },
			path: "Environments[dev].Fleet.MinCapacity", got: "got 5, more than MaxCapacity 3", want: "want MinCapacity <= MaxCapacity"},
		{name: "desired above max", break_: func(a *App) { a.Environments[0].Fleet.DesiredCapacity = 4 },
			path: "Environments[dev].Fleet.DesiredCapacity", got: "got 4", want: "within [MinCapacity 1, MaxCapacity 3]"},
		{name: "desired below min", break_: func(a *App) { a.Environments[0].Fleet.MinCapacity, a.Environments[0].Fleet.DesiredCapacity = 2, 1 },
			path: "Environments[dev].Fleet.DesiredCapacity", got: "got 1", want: "within [MinCapacity 2, MaxCapacity 3]"},
		{name: "desired zero", break_: func(a *App) { a.Environments[0].Fleet.MinCapacity, a.Environments[0].Fleet.DesiredCapacity = 0, 0 },
			path: "Environments[dev].Fleet.DesiredCapacity", got: "got 0", want: "want at least 1"},
		{name: "max zero", break_: func(a *App) { a.Environments[0].Fleet.MinCapacity, a.Environments[0].Fleet.MaxCapacity = 0, 0 },
			path: "Environments[dev].Fleet.MaxCapacity", got: "got 0", want: "want 1 or more"},
		{name: "negative min", break_: func(a *App) { a.Environments[0].Fleet.MinCapacity = -1 },
			path: "Environments[dev].Fleet.MinCapacity", got: "got -1", want: "want 0 or more"},
		{name: "negative root volume", break_: func(a *App) { a.Environments[0].Fleet.RootVolumeGiB = -5 },
			path: "Environments[dev].Fleet.RootVolumeGiB", got: "got -5", want: "want 8 to 16384"},
		{name: "image volume above fleet volume", break_: func(a *App) { a.Environments[0].Image.RootVolumeGiB = 40 },
			path: "Environments[dev].Image.RootVolumeGiB", got: "got 40, larger than Fleet.RootVolumeGiB 20", want: "want at most the fleet's root volume"},
		{name: "negative log retention", break_: func(a *App) { a.Environments[0].Image.LogRetentionDays = -1 },
			path: "Environments[dev].Image.LogRetentionDays", got: "got -1", want: "want 1 to 3650"},
		{name: "test timeout too short", break_: func(a *App) { a.Environments[0].Image.TestTimeoutMinutes = 30 },
			path: "Environments[dev].Image.TestTimeoutMinutes", got: "got 30", want: "want 60 to 1440"},
		{name: "fractional grace period", break_: func(a *App) { a.Environments[0].Fleet.HealthCheckGracePeriod = 1500 * time.Millisecond },
			path: "Environments[dev].Fleet.HealthCheckGracePeriod", got: "got 1.5s", want: "want 0 (the default, 5m0s) or whole seconds from 1s to 2h0m0s"},
		{name: "instance lifetime under a day", break_: func(a *App) { a.Environments[0].Fleet.MaxInstanceLifetime = 12 * time.Hour },
			path: "Environments[dev].Fleet.MaxInstanceLifetime", got: "got 12h0m0s", want: "want 0 (off) or whole seconds from 24h0m0s to 8760h0m0s"},
		{name: "instance lifetime over a year", break_: func(a *App) { a.Environments[0].Fleet.MaxInstanceLifetime = 400 * 24 * time.Hour },
			path: "Environments[dev].Fleet.MaxInstanceLifetime", got: "got 9600h0m0s", want: "want 0 (off) or whole seconds from 24h0m0s to 8760h0m0s"},
		{name: "too many zones", break_: func(a *App) { a.Environments[0].Network.Create.MaxAzs = 4 },
			path: "Environments[dev].Network.Create.MaxAzs", got: "got 4", want: "want 1 to 3"},
		{name: "negative NAT gateways", break_: func(a *App) { a.Environments[0].Network.Create.NatGateways = -1 },
			path: "Environments[dev].Network.Create.NatGateways", got: "got -1", want: "want 1 to MaxAzs (2)"},
		{name: "flow log retention CloudWatch does not offer", break_: func(a *App) { a.Environments[0].Network.Create.FlowLogRetentionDays = 10 },
			path: "Environments[dev].Network.Create.FlowLogRetentionDays", got: "got 10", want: "want one of CloudWatch Logs' retention periods [1 3 5 7 14 30"},
		{name: "VPC CIDR too large", break_: func(a *App) { a.Environments[0].Network.Create.Cidr = "10.0.0.0/8" },
			path: "Environments[dev].Network.Create.Cidr", got: `got "10.0.0.0/8"`, want: "want an IPv4 network from /16 to /24"},
		{name: "instance type without size", break_: func(a *App) { a.Environments[0].Fleet.InstanceType = "t3micro" },
			path: "Environments[dev].Fleet.InstanceType", got: `got "t3micro"`, want: "want an EC2 instance type (the AWS SDK for Go v2's list), such as t3.micro"},
		{name: "instance type in capitals", break_: func(a *App) { a.Environments[0].Fleet.InstanceType = "T3.MICRO" },
			path: "Environments[dev].Fleet.InstanceType", got: `got "T3.MICRO"`, want: "want an EC2 instance type"},
		{name: "build instance type with unknown size", break_: func(a *App) { a.Environments[0].Image.BuildInstanceTypes = []string{"m5.large", "m5.huge"} },
			path: "Environments[dev].Image.BuildInstanceTypes[1]", got: `got "m5.huge"`, want: "want an EC2 instance type"},
		{name: "duplicate build instance type", break_: func(a *App) { a.Environments[0].Image.BuildInstanceTypes = []string{"m5.large", "m5.large"} },
			path: "Environments[dev].Image.BuildInstanceTypes[1]", got: `got "m5.large", already BuildInstanceTypes[0]`, want: "want each instance type once"},
		{name: "short AMI id", break_: func(a *App) { a.Environments[0].Image.Parent = ParentImage{AmiID: "ami-123"} },
			path: "Environments[dev].Image.Parent.AmiID", got: `got "ami-123"`, want: "want ami- followed by 8 or 17 hex digits"},
		{name: "seed AMI id in capitals", break_: func(a *App) { a.Environments[0].Fleet.SeedImage = "ami-0A1B2C3D4E5F60718" },
			path: "Environments[dev].Fleet.SeedImage", got: `got "ami-0A1B2C3D4E5F60718"`, want: "want an AMI id (ami- and 8 or 17 hex digits) or an SSM parameter path"},
		{name: "no parent image", break_: func(a *App) { a.Environments[0].Image.Parent = ParentImage{} },
			path: "Environments[dev].Image.Parent", got: "got 0 of Managed, AmiID and SsmParameter set", want: "want exactly one"},
		{name: "two parent images", break_: func(a *App) { a.Environments[0].Image.Parent.AmiID = "ami-0a1b2c3d4e5f60718" },
			path: "Environments[dev].Image.Parent", got: "got 2 of Managed, AmiID and SsmParameter set", want: "want exactly one"},
		{name: "SSM parameter path longer than 1011", break_: func(a *App) {
			a.Environments[0].Image.Parent = ParentImage{SsmParameter: "/" + strings.Repeat("p", 1011)}
		}, path: "Environments[dev].Image.Parent.SsmParameter", got: `got "/ppp`, want: "at most 1011 characters"},
		{name: "SSM parameter path deeper than 15 levels", break_: func(a *App) {
			a.Environments[0].Fleet.SeedImage = strings.Repeat("/l", 16)
		}, path: "Environments[dev].Fleet.SeedImage", got: `got "/l/l/l`, want: "15 levels"},
		{name: "SSM parameter path with an empty segment", break_: func(a *App) {
			a.Environments[0].Image.Parent = ParentImage{SsmParameter: "/aws//service"}
		}, path: "Environments[dev].Image.Parent.SsmParameter", got: `got "/aws//service"`, want: "want an SSM parameter path"},
		{name: "cron with five fields", break_: func(a *App) { a.Environments[0].Image.Schedule = "cron(0 3 * * MON)" },
			path: "Environments[dev].Image.Schedule", got: `got "cron(0 3 * * MON)" with 5 fields`, want: "want six, cron(minutes hours day-of-month month day-of-week year)"},
		{name: "cron with both day-of-month and day-of-week", break_: func(a *App) { a.Environments[0].Image.Schedule = "cron(0 3 1 * MON *)" },
			path: "Environments[dev].Image.Schedule", got: `got "cron(0 3 1 * MON *)" with day-of-month "1" and day-of-week "MON"`, want: `want exactly one of them to be "?"`},
		{name: "cron minute 60", break_: func(a *App) { a.Environments[0].Image.Schedule = "cron(60 3 ? * MON *)" },
			path: "Environments[dev].Image.Schedule", got: "minutes value 60", want: "want 0-59"},
		{name: "cron hour 24", break_: func(a *App) { a.Environments[0].Image.Schedule = "cron(0 24 ? * MON *)" },
			path: "Environments[dev].Image.Schedule", got: "hours value 24", want: "want 0-23"},
		{name: "cron month 13", break_: func(a *App) { a.Environments[0].Image.Schedule = "cron(0 3 1 13 ? *)" },
			path: "Environments[dev].Image.Schedule", got: "month value 13", want: "want 1-12"},
		{name: "cron day-of-week 8", break_: func(a *App) { a.Environments[0].Image.Schedule = "cron(0 3 ? * 8 *)" },
			path: "Environments[dev].Image.Schedule", got: "day-of-week value 8", want: "want 1-7"},
		{name: "rate where cron is required", break_: func(a *App) { a.Environments[0].Image.Schedule = "rate(1 day)" },
			path: "Environments[dev].Image.Schedule", got: `got "rate(1 day)"`, want: "want cron(minutes hours day-of-month month day-of-week year)"},
		{name: "unknown start condition", break_: func(a *App) { a.Environments[0].Image.StartCondition = "ALWAYS" },
			path: "Environments[dev].Image.StartCondition", got: `got "ALWAYS"`, want: "want one of EXPRESSION_MATCH_ONLY, EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"},
		{name: "unknown region", break_: func(a *App) { a.Environments[0].Region = "eu-west-9" },
			path: "Environments[dev].Region", got: `got "eu-west-9"`, want: "want a known AWS region"},
		{name: "account id with 11 digits", break_: func(a *App) { a.Environments[0].Account = "11111111111" },
			path: "Environments[dev].Account", got: `got "11111111111"`, want: "want a 12-digit AWS account id"},
		{name: "account id with letters", break_: func(a *App) { a.Environments[0].Account = "11111111111a" },
			path: "Environments[dev].Account", got: `got "11111111111a"`, want: "want a 12-digit AWS account id"},
		{name: "prefix in capitals", break_: func(a *App) { a.Prefix = "Golden" },
			path: "Prefix", got: `got "Golden"`, want: "want 1 to 24 lowercase letters"},
		{name: "environment name with a space", break_: func(a *App) { a.Environments[0].Name = "my env" },
			path: "Environments[0].Name", got: `got "my env"`, want: "want 1 to 16 lowercase letters"},
		{name: "duplicate environment names", break_: func(a *App) {
			second := validApp().Environments[0]
			second.Region = "us-east-1"
			a.Environments = append(a.Environments, second)
		}, path: "Environments[1].Name", got: `got "dev", already the name of Environments[0]`, want: "want unique environment names"},
		{name: "tag key starting with aws:", break_: func(a *App) { a.Environments[0].Tags["aws:team"] = "x" },
			path: `Environments[dev].Tags["aws:team"]`, got: `got key "aws:team"`, want: "not starting with aws:"},
		{name: "tag value too long", break_: func(a *App) { a.Environments[0].Tags["note"] = strings.Repeat("v", 257) },
			path: `Environments[dev].Tags["note"]`, got: "(257 characters)", want: "want at most 256"},
		{name: "component file that is not YAML", break_: func(a *App) { a.Environments[0].Image.Components = []string{"broken"} },
			docs: map[string]string{"broken.yaml": "name: broken\nphases: [\n"},
			path: "Environments[dev].Image.Components[0]", got: `got "broken": components/broken.yaml: document is not valid YAML (line 2: did not find expected node content)`, want: "want a YAML mapping"},
		{name: "component that is YAML but no mapping", break_: func(a *App) { a.Environments[0].Image.Components = []string{"scalar"} },
			docs: map[string]string{"scalar.yaml": "just words\n"},
			path: "Environments[dev].Image.Components[0]", got: "components/scalar.yaml: document is not a component", want: "want the AWSTOE shape"},
		{name: "component without phases", break_: func(a *App) { a.Environments[0].Image.Components = []string{"empty"} },
			docs: map[string]string{"empty.yaml": "name: empty\ndescription: Does nothing.\nschemaVersion: 1.0\n"},
			path: "Environments[dev].Image.Components[0]", got: "components/empty.yaml: phases: got none", want: "want at least one of build, validate, test"},
		{name: "component with an unknown action", break_: func(a *App) { a.Environments[0].Image.Components = []string{"typo"} },
			docs: map[string]string{"typo.yaml": "name: typo\ndescription: Has a typo.\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Run\n        action: ExecuteBsh\n        inputs:\n          commands: [true]\n"},
			path: "Environments[dev].Image.Components[0]", got: `components/typo.yaml: phases[0].steps[0].action: got "ExecuteBsh"`, want: "want one of the AWSTOE action modules (AppendFile, Assert,"},
		{name: "missing component file", break_: func(a *App) { a.Environments[0].Image.Components = []string{"os-hardening", "nginx"} },
			path: "Environments[dev].Image.Components[1]", got: `got "nginx": no file components/nginx.yaml`, want: "want one of os-hardening, system-log, web-server, web-server-test"},
		{name: "duplicate component in one list", break_: func(a *App) { a.Environments[0].Image.Components = []string{"web-server", "web-server"} },
			path: "Environments[dev].Image.Components[1]", got: `got "web-server", already Components[0]`, want: "want each component once"},
		{name: "same component in both lists", break_: func(a *App) { a.Environments[0].Image.TestComponents = []string{"web-server"} },
			path: "Environments[dev].Image.TestComponents[0]", got: `got "web-server", already Components[1]`, want: "want each component once"},
		{name: "build component in the test list", break_: func(a *App) { a.Environments[0].Image.TestComponents = []string{"os-hardening"} },
			path: "Environments[dev].Image.TestComponents[0]", got: `already Components[0]`, want: "want each component once"},
		{name: "test component in the build list", break_: func(a *App) {
			a.Environments[0].Image.Components = []string{"web-server-test"}
			a.Environments[0].Image.TestComponents = nil
		}, path: "Environments[dev].Image.Components[0]", got: `got "web-server-test", a TEST component`, want: "want a BUILD component"},
		{name: "component name too long for Image Builder", break_: func(a *App) { a.Environments[0].Image.Components = []string{long} },
			path: "Environments[dev].Image.Components[0]", got: "would be 136 characters", want: "want at most 128"},
		{name: "component name with a space", break_: func(a *App) { a.Environments[0].Image.Components = []string{"web server"} },
			path: "Environments[dev].Image.Components[0]", got: `got "web server"`, want: "no spaces"},
		{name: "no build component", break_: func(a *App) { a.Environments[0].Image.Components = nil },
			path: "Environments[dev].Image.Components", got: "got none", want: "want at least one of our components"},
		{name: "empty subnet list with a VPC id", break_: func(a *App) {
			a.Environments[0].Network = existingNetwork()
			a.Environments[0].Network.Existing.PrivateSubnetIDs = nil
			a.Environments[0].Network.Existing.AvailabilityZones = nil
		}, path: "Environments[dev].Network.Existing.PrivateSubnetIDs", got: `got none with VpcID "vpc-0a1b2c3d4e5f60718"`, want: "want at least one private subnet id"},
		{name: "duplicate subnet", break_: func(a *App) {
			a.Environments[0].Network = existingNetwork()
			a.Environments[0].Network.Existing.PrivateSubnetIDs[1] = a.Environments[0].Network.Existing.PrivateSubnetIDs[0]
		}, path: "Environments[dev].Network.Existing.PrivateSubnetIDs[1]", got: `got "subnet-0a1b2c3d4e5f60711", already PrivateSubnetIDs[0]`, want: "want unique subnet ids"},
		{name: "zone of another region", break_: func(a *App) {
			a.Environments[0].Network = existingNetwork()
			a.Environments[0].Network.Existing.AvailabilityZones[1] = "us-east-1b"
		}, path: "Environments[dev].Network.Existing.AvailabilityZones[1]", got: `got "us-east-1b", outside the environment's region`, want: "want a zone of eu-west-1"},
		{name: "both networks", break_: func(a *App) { a.Environments[0].Network.Existing = existingNetwork().Existing },
			path: "Environments[dev].Network", got: "got both Existing and Create", want: "want exactly one set"},
		{name: "duplicate distribution region", break_: func(a *App) {
			a.Environments[0].Image.DistributionRegions = []string{"eu-central-1", "us-east-1", "eu-central-1"}
		}, path: "Environments[dev].Image.DistributionRegions[2]", got: `got "eu-central-1", already DistributionRegions[0]`, want: "want each region once"},
		{name: "distribution to the environment's own region", break_: func(a *App) { a.Environments[0].Image.DistributionRegions = []string{"eu-west-1"} },
			path: "Environments[dev].Image.DistributionRegions[0]", got: `got "eu-west-1", the environment's own region`, want: "want only extra regions"},
		{name: "distribution across partitions", break_: func(a *App) { a.Environments[0].Image.DistributionRegions = []string{"cn-north-1"} },
			path: "Environments[dev].Image.DistributionRegions[0]", got: `got "cn-north-1", in partition aws-cn`, want: "want a region of the environment's partition aws"},
		{name: "KMS key of another region", break_: func(a *App) {
			a.Environments[0].Fleet.KmsKeyArn = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		}, path: "Environments[dev].Fleet.KmsKeyArn", got: `got "arn:aws:kms:us-east-1:`, want: "want a key in the environment's region, arn:aws:kms:eu-west-1:"},
		{name: "KMS key alias instead of key ARN", break_: func(a *App) { a.Environments[0].Fleet.KmsKeyArn = "alias/ebs" },
			path: "Environments[dev].Fleet.KmsKeyArn", got: `got "alias/ebs"`, want: "want a KMS key ARN"},
		{name: "ingress from the whole internet", break_: func(a *App) {
			a.Environments[0].Fleet.IngressPorts, a.Environments[0].Fleet.IngressCidr = []int{80}, "0.0.0.0/0"
		}, path: "Environments[dev].Fleet.IngressCidr", got: `got "0.0.0.0/0"`, want: "want a narrower network"},
		{name: "ingress ports without a source", break_: func(a *App) { a.Environments[0].Fleet.IngressPorts = []int{443} },
			path: "Environments[dev].Fleet.IngressCidr", got: `got "" with IngressPorts set`, want: "want an IPv4 network"},
		{name: "ingress port out of range", break_: func(a *App) {
			a.Environments[0].Fleet.IngressPorts, a.Environments[0].Fleet.IngressCidr = []int{80, 70000}, "10.0.0.0/8"
		}, path: "Environments[dev].Fleet.IngressPorts[1]", got: "got 70000", want: "want a TCP port from 1 to 65535"},
		{name: "duplicate ingress port", break_: func(a *App) {
			a.Environments[0].Fleet.IngressPorts, a.Environments[0].Fleet.IngressCidr = []int{80, 80}, "10.0.0.0/8"
		}, path: "Environments[dev].Fleet.IngressPorts[1]", got: "got 80, already IngressPorts[0]", want: "want each port once"},
		{name: "relative working directory", break_: func(a *App) { a.Environments[0].Image.WorkingDirectory = "tmp" },
			path: "Environments[dev].Image.WorkingDirectory", got: `got "tmp"`, want: "want an absolute path"},

		// Instance types: EC2's catalog (the AWS SDK for Go v2's enum), not
		// the shape of a name.
		{name: "instance type of a family EC2 does not have", break_: func(a *App) { a.Environments[0].Fleet.InstanceType = "q9.large" },
			path: "Environments[dev].Fleet.InstanceType", got: `got "q9.large"`, want: "want an EC2 instance type (the AWS SDK for Go v2's list)"},
		{name: "well-formed size the family does not come in", break_: func(a *App) { a.Environments[0].Fleet.InstanceType = "t3.8xlarge" },
			path: "Environments[dev].Fleet.InstanceType", got: `got "t3.8xlarge"`, want: "want an EC2 instance type; t3 comes in nano, micro, small, medium, large, xlarge, 2xlarge"},
		{name: "build instance type of a family EC2 does not have", break_: func(a *App) { a.Environments[0].Image.BuildInstanceTypes = []string{"m5.large", "m99.large"} },
			path: "Environments[dev].Image.BuildInstanceTypes[1]", got: `got "m99.large"`, want: "want an EC2 instance type"},

		// Architectures: instance types against the parent and seed images.
		{name: "Graviton fleet with the default x86_64 seed", break_: func(a *App) {
			a.Environments[0].Fleet.InstanceType = "t4g.micro"
			a.Environments[0].Image.Parent = ParentImage{Managed: "amazon-linux-2023-arm64/x.x.x"}
		}, path: "Environments[dev].Fleet.SeedImage", got: `got "" (the default, ` + DefaultSeedImage + `), an x86_64 image, for Fleet.InstanceType "t4g.micro" (arm64)`,
			want: "want an arm64 image, such as /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"},
		{name: "x86_64 fleet with an arm64 managed parent image", break_: func(a *App) { a.Environments[0].Image.Parent = ParentImage{Managed: "amazon-linux-2023-arm64/x.x.x"} },
			path: "Environments[dev].Image.Parent.Managed", got: `got "amazon-linux-2023-arm64/x.x.x", an arm64 image, for Fleet.InstanceType "t3.micro" (x86_64)`,
			want: "want an x86_64 image, such as amazon-linux-2023-x86/x.x.x; the golden AMI has the parent image's architecture"},
		{name: "Graviton fleet with an x86_64 SSM parent image", break_: func(a *App) {
			a.Environments[0].Fleet.InstanceType = "m7g.large"
			a.Environments[0].Fleet.SeedImage = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
			a.Environments[0].Image.Parent = ParentImage{SsmParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"}
		}, path: "Environments[dev].Image.Parent.SsmParameter", got: `an x86_64 image, for Fleet.InstanceType "m7g.large" (arm64)`,
			want: "want an arm64 image, such as /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"},
		{name: "x86_64 fleet with an arm64 seed", break_: func(a *App) {
			a.Environments[0].Fleet.SeedImage = "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id"
		}, path: "Environments[dev].Fleet.SeedImage", got: `an arm64 image, for Fleet.InstanceType "t3.micro" (x86_64)`, want: "want an x86_64 image"},
		{name: "Graviton build instance for an x86_64 parent", break_: func(a *App) { a.Environments[0].Image.BuildInstanceTypes = []string{"t3.large", "c7g.large"} },
			path: "Environments[dev].Image.BuildInstanceTypes[1]", got: `got "c7g.large" (arm64) for parent image "amazon-linux-2023-x86/x.x.x" (x86_64)`,
			want: "want x86_64 instance types; a build instance launches from the parent image"},
		{name: "Graviton build instance for an x86_64 fleet and a parent AMI", break_: func(a *App) {
			a.Environments[0].Image.Parent = ParentImage{AmiID: "ami-0a1b2c3d4e5f60718"}
			a.Environments[0].Image.BuildInstanceTypes = []string{"r7g.large"}
		}, path: "Environments[dev].Image.BuildInstanceTypes[0]", got: `got "r7g.large" (arm64) for Fleet.InstanceType "t3.micro" (x86_64)`,
			want: "want x86_64 instance types; the image they build must run on the fleet"},
		{name: "Graviton build instance for an x86_64 parent, next to an unknown fleet type", break_: func(a *App) {
			a.Environments[0].Fleet.InstanceType = "q9.large"
			a.Environments[0].Image.BuildInstanceTypes = []string{"a1.large"}
		}, path: "Environments[dev].Image.BuildInstanceTypes[0]", got: `got "a1.large" (arm64) for parent image`, want: "want x86_64 instance types"},
		{name: "Mac instance for a Linux image", break_: func(a *App) { a.Environments[0].Fleet.InstanceType = "mac2.metal" },
			path: "Environments[dev].Fleet.SeedImage", got: `for Fleet.InstanceType "mac2.metal" (arm64_mac)`, want: "want an arm64_mac image"},

		// Tags: what the app and CDK add counts, every service's
		// character set, IAM's case-insensitive keys, characters not bytes.
		{name: "more tags than the build instances take", break_: func(a *App) {
			for i := range 30 {
				a.Environments[0].Tags[fmt.Sprintf("key%02d", i)] = "v"
			}
		}, path: "Environments[dev].Tags", got: "got 31 tags",
			want: "want at most 30: the build instances (Image Builder's ResourceTags) take at most 30 tags"},
		{name: "tag key with a letter Image Builder refuses", break_: func(a *App) { a.Environments[0].Tags["équipe"] = "platform" },
			path: `Environments[dev].Tags["équipe"]`, got: `got key "équipe"`, want: "want 1 to 128 of a-z, A-Z, 0-9, space and _.:/=+-@ (Image Builder's tag key characters"},
		{name: "tag key with a character no service takes", break_: func(a *App) { a.Environments[0].Tags["cost#center"] = "1" },
			path: `Environments[dev].Tags["cost#center"]`, got: `got key "cost#center"`, want: "want 1 to 128 of a-z, A-Z, 0-9, space and _.:/=+-@"},
		{name: "tag key longer than 128 characters", break_: func(a *App) { a.Environments[0].Tags[strings.Repeat("k", 129)] = "v" },
			path: `Environments[dev].Tags["` + strings.Repeat("k", 129) + `"]`, got: "(129 characters)", want: "want 1 to 128"},
		{name: "tag keys that differ only in case", break_: func(a *App) { a.Environments[0].Tags["Owner"] = "someone" },
			path: `Environments[dev].Tags["owner"]`, got: `got key "owner", the same key to IAM as "Owner"`, want: "want keys that differ in more than case"},
		{name: "tag key the app sets", break_: func(a *App) { a.Environments[0].Tags[FleetTagKey] = "mine" },
			path: `Environments[dev].Tags["golden-fleet:fleet"]`, got: `got key "golden-fleet:fleet", a key the app or CDK sets itself`, want: "want another key"},
		{name: "tag key CDK sets, in other case", break_: func(a *App) { a.Environments[0].Tags["name"] = "web" },
			path: `Environments[dev].Tags["name"]`, got: `got key "name", the same key to IAM as "Name", a key the app or CDK sets itself`, want: "want another key"},
		{name: "tag value of 257 characters in 514 bytes", break_: func(a *App) { a.Environments[0].Tags["note"] = strings.Repeat("é", 257) },
			path: `Environments[dev].Tags["note"]`, got: `got value "éééé`, want: "want at most 256 letters"},

		// Security group rules: one per ingress port, 60 per group.
		{name: "more ingress ports than a security group takes rules", break_: func(a *App) {
			a.Environments[0].Fleet.IngressCidr = "10.0.0.0/8"
			for p := range 61 {
				a.Environments[0].Fleet.IngressPorts = append(a.Environments[0].Fleet.IngressPorts, 8000+p)
			}
		}, path: "Environments[dev].Fleet.IngressPorts", got: "got 61 ports", want: "want at most 60, one inbound rule each"},

		// The largest Image Builder volume.
		{name: "image volume larger than Image Builder takes", break_: func(a *App) {
			a.Environments[0].Fleet.RootVolumeGiB, a.Environments[0].Image.RootVolumeGiB = 16384, 16001
		}, path: "Environments[dev].Image.RootVolumeGiB", got: "got 16001", want: "want 8 to 16000 (the largest volume an Image Builder recipe takes)"},
		{name: "image volume defaulting to a fleet volume Image Builder refuses", break_: func(a *App) { a.Environments[0].Fleet.RootVolumeGiB = 16384 },
			path: "Environments[dev].Image.RootVolumeGiB", got: "got 0, so the fleet's 16384", want: "want at most 16000 (the largest volume an Image Builder recipe takes)"},

		// Auto Scaling's 32-bit sizes.
		{name: "maximum capacity beyond 32 bits", break_: func(a *App) { a.Environments[0].Fleet.MaxCapacity = 1 << 31 },
			path: "Environments[dev].Fleet.MaxCapacity", got: "got 2147483648", want: "want at most 2147483647 (Auto Scaling takes 32-bit sizes)"},

		// Image Builder versions: x wildcards run to the right.
		{name: "wildcard left of a number", break_: func(a *App) { a.Environments[0].Image.Parent.Managed = "amazon-linux-2023-x86/x.1.x" },
			path: "Environments[dev].Image.Parent.Managed", got: `with version "x.1.x"`, want: "want a version of three numbers where x wildcards run to the right"},
		{name: "wildcard in the middle", break_: func(a *App) { a.Environments[0].Image.Parent.Managed = "amazon-linux-2023-x86/1.x.3" },
			path: "Environments[dev].Image.Parent.Managed", got: `with version "1.x.3"`, want: "(1.2.3, 1.2.x, 1.x.x or x.x.x)"},
		{name: "two-part version", break_: func(a *App) { a.Environments[0].Image.Parent.Managed = "amazon-linux-2023-x86/1.x" },
			path: "Environments[dev].Image.Parent.Managed", got: `with version "1.x"`, want: "want a version of three numbers"},

		// Bucket names S3 refuses: CloudFormation names the build-log
		// bucket after the image-factory stack.
		{name: "prefix S3 reserves", break_: func(a *App) { a.Prefix = "sthree-fleet" },
			path: "Prefix", got: `got "sthree-fleet"`, want: "want a prefix that does not start with sthree-"},
		{name: "prefix ending in a hyphen that makes xn--", break_: func(a *App) { a.Prefix = "xn-" },
			path: "Prefix", got: `got "xn-"`, want: "want a prefix that does not start with xn--"},
		{name: "prefix and name that together start a reserved bucket name", break_: func(a *App) {
			a.Prefix = "amzn-s3"
			a.Environments[0].Name = "demo"
		}, path: "Environments[demo].Name", got: `got "demo": with the prefix, the image-factory stack is amzn-s3-demo-image-factory`,
			want: `want a name that, after "amzn-s3-", does not make it start with xn--, sthree-, amzn-s3-demo-`},

		// The availability zones of a created VPC: from the CDK context
		// (cdk.json), never looked up, never placeholders.
		{name: "created VPC without its zones in the context", break_: func(a *App) {}, ctx: Context{},
			path: "Environments[dev].Network.Create", got: "got no availability zones of account 111111111111 in eu-west-1 in the CDK context",
			want: `want them committed in cdk.json, add "availability-zones:account=111111111111:region=eu-west-1": ["eu-west-1a", "eu-west-1b", "eu-west-1c"] to its "context"`},
		{name: "zones in the context that are no list", break_: func(a *App) {},
			ctx:  Context{AvailabilityZonesKey("111111111111", "eu-west-1"): "eu-west-1a"},
			path: "Environments[dev].Network.Create", got: "got a CDK context value availability-zones:account=111111111111:region=eu-west-1 that is not a list of zone names",
			want: `want "availability-zones:account=111111111111:region=eu-west-1": [`},
		{name: "fewer zones in the context than MaxAzs", break_: func(a *App) {},
			ctx:  Context{AvailabilityZonesKey("111111111111", "eu-west-1"): []any{"eu-west-1a"}},
			path: "Environments[dev].Network.Create", got: "got 1 availability zones in the CDK context", want: "want at least MaxAzs zones there"},
		{name: "zones of another region in the context", break_: func(a *App) {},
			ctx:  Context{AvailabilityZonesKey("111111111111", "eu-west-1"): []any{"eu-west-1a", "us-east-1b"}},
			path: "Environments[dev].Network.Create", got: `got "us-east-1b", outside the environment's region`, want: "want a zone of eu-west-1 (zone 1 of availability-zones:account=111111111111:region=eu-west-1 in the CDK context)"},

		// Component documents: CloudFormation counts characters.
		{name: "component document of 16001 characters", break_: func(a *App) { a.Environments[0].Image.Components = []string{"big"} },
			docs: map[string]string{"big.yaml": sizedDocument("big", 16001)},
			path: "Environments[dev].Image.Components[0]", got: "components/big.yaml: document: got 16001 characters", want: "want at most 16000"},

		// Every message true: zero means the default.
		{name: "negative grace period", break_: func(a *App) { a.Environments[0].Fleet.HealthCheckGracePeriod = -time.Second },
			path: "Environments[dev].Fleet.HealthCheckGracePeriod", got: "got -1s", want: "want 0 (the default, 5m0s) or whole seconds from 1s to 2h0m0s"},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if seen[tc.path+tc.got] {
				t.Fatalf("two cases expect the same problem %s: %s", tc.path, tc.got)
			}
			seen[tc.path+tc.got] = true
			app := validApp()
			tc.break_(&app)
			var docs components.Source = components.Embedded()
			if tc.docs != nil {
				docs = withDocs(t, tc.docs)
			}
			ctx := testContext()
			if tc.ctx != nil {
				ctx = tc.ctx
			}
			_, err := Validate(app, docs, ctx)
			if err == nil {
				t.Fatal("Validate returned nil")
			}
			lines := checkLines(t, err)
			for _, line := range lines {
				if strings.HasPrefix(line, tc.path+": got ") && strings.Contains(line, tc.got) && strings.Contains(line, tc.want) {
					return
				}
			}
			t.Errorf("no line starts with %q and contains %q and %q; got:\n%s", tc.path+": got ", tc.got, tc.want, err)
		})
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	app := validApp()
	app.Prefix = ""
	env := &app.Environments[0]
	env.Account = "123"
	env.Fleet.MinCapacity = 4
	env.Image.Schedule = "cron(0 3 * * *)"
	env.Image.Components = []string{"os-hardening", "missing"}
	_, err := Validate(app, components.Embedded(), testContext())
	if err == nil {
		t.Fatal("Validate returned nil")
	}
	lines := checkLines(t, err)
	for _, path := range []string{
		"Prefix",
		"Environments[dev].Account",
		"Environments[dev].Fleet.MinCapacity",
		"Environments[dev].Fleet.DesiredCapacity",
		"Environments[dev].Image.Schedule",
		"Environments[dev].Image.Components[1]",
	} {
		found := false
		for _, line := range lines {
			found = found || strings.HasPrefix(line, path+": ")
		}
		if !found {
			t.Errorf("no problem reported for %s; got:\n%s", path, err)
		}
	}
	if len(lines) != 6 {
		t.Errorf("got %d problems, want 6 (one per broken field):\n%s", len(lines), err)
	}
}

func TestValidateReportsEachComponentProblemOnItsOwnLine(t *testing.T) {
	app := validApp()
	app.Environments[0].Image.Components = []string{"bad"}
	docs := withDocs(t, map[string]string{"bad.yaml": "name: other\nschemaVersion: 2.0\nphases:\n  - name: build\n    steps: []\n"})
	_, err := Validate(app, docs, testContext())
	if err == nil {
		t.Fatal("Validate returned nil")
	}
	lines := checkLines(t, err)
	for _, want := range []string{
		`components/bad.yaml: name: got "other": want "bad"`,
		"components/bad.yaml: description: got none",
		`components/bad.yaml: schemaVersion: got "2": want 1.0`,
		`components/bad.yaml: phases[0].steps: got none in phase "build"`,
	} {
		found := false
		for _, line := range lines {
			found = found || strings.HasPrefix(line, "Environments[dev].Image.Components[0]: got ") && strings.Contains(line, want)
		}
		if !found {
			t.Errorf("no line for %q; got:\n%s", want, err)
		}
	}
}

// The default configuration is valid with the context cdk.json commits:
// what `cdk synth` sees.
func TestDefaultIsValid(t *testing.T) {
	ctx, err := CDKJSONContext("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Validate(Default(), components.Embedded(), ctx); err != nil {
		t.Fatal(err)
	}
}

func TestValidAppIsValid(t *testing.T) {
	app := validApp()
	app.Environments = append(app.Environments, validApp().Environments[0])
	app.Environments[1].Name = "prod"
	app.Environments[1].Network = existingNetwork()
	app.Environments[1].Fleet.KmsKeyArn = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	app.Environments[1].Image.DistributionRegions = []string{"eu-central-1", "us-east-1"}
	if _, err := Validate(app, components.Embedded(), testContext()); err != nil {
		t.Fatal(err)
	}
}

func TestComponentsMayUseEveryAwstoeStepField(t *testing.T) {
	app := validApp()
	app.Environments[0].Image.Components = []string{"full"}
	docs := withDocs(t, map[string]string{"full.yaml": `name: full
description: Uses every step field.
schemaVersion: 1.0
parameters:
  - Greeting:
      type: string
      default: hello
constants:
  - Dir:
      type: string
      value: /opt
phases:
  - name: build
    steps:
      - name: Greet
        action: ExecuteBash
        onFailure: Continue
        timeoutSeconds: 60
        maxAttempts: 3
        loop:
          name: each
          forEach: [a, b]
        inputs:
          commands: ["echo {{ Greeting }} {{ loop.value }}"]
`})
	if _, err := Validate(app, docs, testContext()); err != nil {
		t.Fatal(err)
	}
}

func TestValidateNeverChangesTheCallersConfig(t *testing.T) {
	app := validApp()
	app.Environments[0].Network.Create = &CreatedVPC{}
	before := snapshot(t, app)
	if _, err := Validate(app, components.Embedded(), testContext()); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, app); after != before {
		t.Errorf("Validate changed its argument:\nbefore %s\nafter  %s", before, after)
	}
}

func snapshot(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestValidateWithoutDocsUsesTheEmbeddedComponents(t *testing.T) {
	if _, err := Validate(validApp(), nil, testContext()); err != nil {
		t.Fatal(err)
	}
	app := validApp()
	app.Environments[0].Image.Components = []string{"missing"}
	if _, err := Validate(app, nil, testContext()); err == nil || !strings.Contains(err.Error(), "no file components/missing.yaml") {
		t.Errorf("got %v, want a missing file problem", err)
	}
}

func TestValidateRejectsAnAppWithoutEnvironments(t *testing.T) {
	_, err := Validate(App{Prefix: "gf"}, nil, testContext())
	if err == nil || err.Error() != "Environments: got none: want at least one environment" {
		t.Errorf("got %v", err)
	}
}

// A value received is always quoted, so a newline in it cannot start a
// line without a field path (found by FuzzValidate).
func TestEveryProblemLineStartsWithAFieldPathWhateverTheValues(t *testing.T) {
	app := validApp()
	app.Prefix = "a\nb"
	env := &app.Environments[0]
	env.Name = "x\ny"
	env.Region = "\n"
	env.Network = existingNetwork()
	env.Network.Existing.AvailabilityZones = []string{"\nz", "eu-west-1b"}
	env.Tags = map[string]string{"k\nk": "v\nv"}
	env.Fleet.KmsKeyArn = "arn\n"
	env.Image.Schedule = "cron(\n)"
	env.Image.Components = []string{"\n"}
	_, err := Validate(app, withDocs(t, map[string]string{"multi.yaml": "name: [a,\n b]\n"}), testContext())
	if err == nil {
		t.Fatal("Validate returned nil")
	}
	checkLines(t, err)
	app = validApp()
	app.Environments[0].Image.Components = []string{"multi"}
	_, err = Validate(app, withDocs(t, map[string]string{"multi.yaml": "name: |\n  two\n  lines\nphases: {a: b}\n"}), testContext())
	if err == nil {
		t.Fatal("Validate returned nil")
	}
	checkLines(t, err)
}

// What AWS accepts, Validate accepts: the limits are counted as AWS counts
// them (characters, not bytes), at their edges.
func TestValidateAcceptsWhatAWSAccepts(t *testing.T) {
	arm64Seed := "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
	cases := []struct {
		name   string
		change func(a *App)
	}{
		{"a tag value of 256 characters in 512 bytes", func(a *App) { a.Environments[0].Tags["note"] = strings.Repeat("é", 256) }},
		{"a tag key of 128 characters", func(a *App) { a.Environments[0].Tags[strings.Repeat("k", 128)] = "v" }},
		{"every character every service takes in a tag key", func(a *App) { a.Environments[0].Tags["Cost center:a/b=c+d-e@f_g.h"] = "x" }},
		{"30 tags", func(a *App) {
			for i := range 29 {
				a.Environments[0].Tags[fmt.Sprintf("key%02d", i)] = "v"
			}
		}},
		{"Graviton throughout", func(a *App) {
			e := &a.Environments[0]
			e.Fleet.InstanceType, e.Fleet.SeedImage = "t4g.micro", arm64Seed
			e.Image.Parent = ParentImage{Managed: "amazon-linux-2023-arm64/x.x.x"}
			e.Image.BuildInstanceTypes = []string{"c7g.large", "m8g.large"}
		}},
		{"Graviton with an SSM parent", func(a *App) {
			e := &a.Environments[0]
			e.Fleet.InstanceType, e.Fleet.SeedImage = "m7g.large", arm64Seed
			e.Image.Parent = ParentImage{SsmParameter: arm64Seed}
		}},
		{"a parent AMI, whose architecture is unknown", func(a *App) {
			e := &a.Environments[0]
			e.Fleet.InstanceType, e.Fleet.SeedImage = "t4g.micro", "ami-0a1b2c3d4e5f60718"
			e.Image.Parent = ParentImage{AmiID: "ami-0a1b2c3d4e5f60718"}
		}},
		{"a custom parameter, whose architecture is unknown", func(a *App) {
			e := &a.Environments[0]
			e.Fleet.InstanceType = "t4g.micro"
			e.Fleet.SeedImage = "/my-team/golden/arm64"
			e.Image.Parent = ParentImage{SsmParameter: "/my-team/base-ami"}
		}},
		{"60 ingress ports", func(a *App) {
			a.Environments[0].Fleet.IngressCidr = "10.0.0.0/8"
			for p := range 60 {
				a.Environments[0].Fleet.IngressPorts = append(a.Environments[0].Fleet.IngressPorts, 8000+p)
			}
		}},
		{"the largest gp3 fleet volume with the largest Image Builder volume", func(a *App) {
			a.Environments[0].Fleet.RootVolumeGiB, a.Environments[0].Image.RootVolumeGiB = 16384, 16000
		}},
		{"a version with one wildcard", func(a *App) { a.Environments[0].Image.Parent.Managed = "amazon-linux-2023-x86/2023.6.x" }},
		{"a version with two wildcards", func(a *App) { a.Environments[0].Image.Parent.Managed = "amazon-linux-2023-x86/1.x.x" }},
		{"an exact version", func(a *App) { a.Environments[0].Image.Parent.Managed = "amazon-linux-2023-x86/2023.6.20250115" }},
		{"the largest Auto Scaling sizes", func(a *App) {
			f := &a.Environments[0].Fleet
			f.MinCapacity, f.MaxCapacity, f.DesiredCapacity = 1, 2147483647, 2147483647
		}},
		{"a working directory of 1024 characters in 2047 bytes", func(a *App) {
			a.Environments[0].Image.WorkingDirectory = "/" + strings.Repeat("é", 1023)
		}},
		{"a component document of 16000 characters in more bytes", func(a *App) {
			a.Environments[0].Image.Components = []string{"big"}
		}},
		{"a grace period of one second", func(a *App) { a.Environments[0].Fleet.HealthCheckGracePeriod = time.Second }},
		{"a prefix that starts like a reserved one", func(a *App) { a.Prefix = "xn-a" }},
		{"three zones, all committed", func(a *App) { a.Environments[0].Network.Create.MaxAzs = 3 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := validApp()
			tc.change(&app)
			docs := withDocs(t, map[string]string{"big.yaml": sizedDocument("big", 16000)})
			if _, err := Validate(app, docs, testContext()); err != nil {
				t.Errorf("Validate refused it:\n%s", err)
			}
		})
	}
}

// Validate returns the configuration with every default applied, which
// is what stacks.Build takes.
func TestValidateReturnsTheConfigurationWithItsDefaults(t *testing.T) {
	app := validApp()
	app.Environments[0].Network.Create = &CreatedVPC{}
	valid, err := Validate(app, components.Embedded(), testContext())
	if err != nil {
		t.Fatal(err)
	}
	want := App{Prefix: app.Prefix, Environments: []Environment{app.Environments[0].WithDefaults()}}
	if snapshot(t, valid) != snapshot(t, want) {
		t.Errorf("got %s\nwant %s", snapshot(t, valid), snapshot(t, want))
	}
	if c := valid.Environments[0].Network.Create; c.Cidr != DefaultVpcCidr || c.MaxAzs != DefaultMaxAzs || c.FlowLogRetentionDays != DefaultLogRetentionDays {
		t.Errorf("the created VPC was not defaulted: %+v", *c)
	}
}

// QuoteShort shows short values whole and cuts long ones, saying how
// long they were.
func TestLongValuesAreShortenedInMessages(t *testing.T) {
	if got := QuoteShort("a\nb"); got != `"a\nb"` {
		t.Errorf("QuoteShort(a newline b) = %s", got)
	}
	long := strings.Repeat("é", MaxShownLength+1)
	got := QuoteShort(long)
	if !strings.HasSuffix(got, fmt.Sprintf("… (%d characters)", MaxShownLength+1)) || utf8.RuneCountInString(got) > MaxShownLength+20 {
		t.Errorf("QuoteShort(%d characters) = %s", MaxShownLength+1, got)
	}
	if got := QuoteShort(strings.Repeat("é", MaxShownLength)); strings.Contains(got, "…") {
		t.Errorf("QuoteShort cut a value of %d characters: %s", MaxShownLength, got)
	}
	app := validApp()
	app.Environments[0].Image.Parent = ParentImage{SsmParameter: "/" + strings.Repeat("p", 2000)}
	_, err := Validate(app, components.Embedded(), testContext())
	if err == nil || len(err.Error()) > 500 || !strings.Contains(err.Error(), "(2001 characters)") {
		t.Errorf("a 2001-character value: got %v", err)
	}
}

// sizedDocument is a valid build component of exactly n characters, most
// of them two-byte é in a comment, with a description of 1024 of them.
func sizedDocument(name string, n int) string {
	doc := "name: " + name + "\ndescription: " + strings.Repeat("é", 1024) + "\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n" +
		"      - name: Run\n        action: ExecuteBash\n        inputs:\n          commands: [true]\n# "
	return doc + strings.Repeat("é", n-utf8.RuneCountInString(doc))
}

// BenchmarkValidateDefault is what validation adds to every synth, before
// jsii starts (the instance type catalog is built on the first call).
func BenchmarkValidateDefault(b *testing.B) {
	ctx, err := CDKJSONContext("../cdk.json")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Validate(Default(), components.Embedded(), ctx); err != nil {
			b.Fatal(err)
		}
	}
}
