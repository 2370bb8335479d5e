package config

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

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
			Network: Network{Create: &NewVPC{Cidr: "10.10.0.0/16", MaxAzs: 2, NatGateways: 1, FlowLogRetentionDays: 30}},
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

// existingNetwork is a valid Network.Existing in eu-west-1.
func existingNetwork() Network {
	return Network{Existing: &ExistingVPC{
		VpcID:             "vpc-0a1b2c3d4e5f60718",
		PrivateSubnetIDs:  []string{"subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722"},
		AvailabilityZones: []string{"eu-west-1a", "eu-west-1b"},
	}}
}

// withDocs returns the embedded component documents plus extra files.
func withDocs(t *testing.T, extra map[string]string) components.Source {
	t.Helper()
	fsys := fstest.MapFS{}
	embedded := components.Embedded()
	for _, name := range embedded.Names() {
		doc, err := embedded.Document(name)
		if err != nil {
			t.Fatal(err)
		}
		fsys[name+".yaml"] = &fstest.MapFile{Data: doc.Data}
	}
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

func TestValidateRejectsBadInput(t *testing.T) {
	long := strings.Repeat("a", 120)
	cases := []struct {
		name   string
		break_ func(a *App)
		docs   map[string]string // extra component files
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
			path: "Environments[dev].Fleet.HealthCheckGracePeriod", got: "got 1.5s", want: "want whole seconds from 0s to 2h0m0s"},
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
			path: "Environments[dev].Fleet.InstanceType", got: `got "t3micro"`, want: "want an EC2 instance type such as t3.micro"},
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
			path: `Environments[dev].Tags["note"]`, got: "(257 bytes)", want: "want at most 256"},
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
			err := Validate(app, docs)
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
	err := Validate(app, components.Embedded())
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
	err := Validate(app, docs)
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

func TestDefaultIsValid(t *testing.T) {
	if err := Validate(Default(), components.Embedded()); err != nil {
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
	if err := Validate(app, components.Embedded()); err != nil {
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
	if err := Validate(app, docs); err != nil {
		t.Fatal(err)
	}
}

func TestWithDefaultsFillsEveryDefault(t *testing.T) {
	env := validApp().Environments[0].WithDefaults()
	got := []any{env.Fleet.HealthCheckGracePeriod, env.Fleet.RootVolumeGiB, env.Fleet.SeedImage, env.Image.StartCondition,
		env.Image.BuildInstanceTypes, env.Image.RootVolumeGiB, env.Image.WorkingDirectory, env.Image.LogRetentionDays,
		env.Image.TestTimeoutMinutes}
	want := []any{5 * time.Minute, 20, DefaultSeedImage, DefaultStartCondition, []string{"t3.micro"}, 20, "/tmp", 90, 60}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestWithDefaultsNeverChangesTheCallersConfig(t *testing.T) {
	for _, network := range []Network{validApp().Environments[0].Network, existingNetwork()} {
		env := validApp().Environments[0]
		env.Network = network
		env.Network.Create = nil
		if network.Create != nil {
			env.Network.Create = &NewVPC{} // every field defaulted
		}
		env.Fleet.IngressPorts = []int{80}
		env.Fleet.IngressCidr = "10.0.0.0/8"
		env.Image.BuildInstanceTypes = []string{"m5.large"}
		env.Image.DistributionRegions = []string{"eu-central-1"}
		before := snapshot(t, env)

		out := env.WithDefaults()
		if snapshot(t, env) != before {
			t.Fatalf("WithDefaults changed its receiver:\nbefore %s\nafter  %s", before, snapshot(t, env))
		}
		// The copy shares nothing: writing through it leaves env alone.
		out.Tags["owner"] = "changed"
		out.Fleet.IngressPorts[0] = 1
		out.Image.Components[0] = "changed"
		out.Image.TestComponents[0] = "changed"
		out.Image.BuildInstanceTypes[0] = "changed"
		out.Image.DistributionRegions[0] = "changed"
		if out.Network.Create != nil {
			out.Network.Create.Cidr = "changed"
		}
		if out.Network.Existing != nil {
			out.Network.Existing.VpcID = "changed"
			out.Network.Existing.PrivateSubnetIDs[0] = "changed"
			out.Network.Existing.AvailabilityZones[0] = "changed"
		}
		if after := snapshot(t, env); after != before {
			t.Errorf("writing to WithDefaults' result changed the original:\nbefore %s\nafter  %s", before, after)
		}
	}
}

func TestValidateNeverChangesTheCallersConfig(t *testing.T) {
	app := validApp()
	app.Environments[0].Network.Create = &NewVPC{}
	before := snapshot(t, app)
	if err := Validate(app, components.Embedded()); err != nil {
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
	if err := Validate(validApp(), nil); err != nil {
		t.Fatal(err)
	}
	app := validApp()
	app.Environments[0].Image.Components = []string{"missing"}
	if err := Validate(app, nil); err == nil || !strings.Contains(err.Error(), "no file components/missing.yaml") {
		t.Errorf("got %v, want a missing file problem", err)
	}
}

func TestValidateRejectsAnAppWithoutEnvironments(t *testing.T) {
	err := Validate(App{Prefix: "gf"}, nil)
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
	err := Validate(app, withDocs(t, map[string]string{"multi.yaml": "name: [a,\n b]\n"}))
	if err == nil {
		t.Fatal("Validate returned nil")
	}
	checkLines(t, err)
	app = validApp()
	app.Environments[0].Image.Components = []string{"multi"}
	err = Validate(app, withDocs(t, map[string]string{"multi.yaml": "name: |\n  two\n  lines\nphases: {a: b}\n"}))
	if err == nil {
		t.Fatal("Validate returned nil")
	}
	checkLines(t, err)
}
