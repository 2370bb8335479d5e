//go:build e2e

package badinput

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// What AWS would refuse at deploy, refused by the real `cdk synth`: one
// configuration with one problem of each class, every one reported at
// once, nothing written.
func TestWhatAWSRefusesAtDeployIsRefusedAtSynth(t *testing.T) {
	app := devOnly()
	app.Prefix = "sthree-fleet"
	env := &app.Environments[0]
	env.Fleet.InstanceType = "t3.8xlarge"
	env.Fleet.MaxCapacity = 1 << 31
	env.Fleet.RootVolumeGiB = 16384
	env.Fleet.IngressCidr = "10.0.0.0/8"
	for p := range 61 {
		env.Fleet.IngressPorts = append(env.Fleet.IngressPorts, 8000+p)
	}
	env.Image.RootVolumeGiB = 16001
	env.Image.Parent.Managed = "amazon-linux-2023-x86/x.1.x"
	env.Image.BuildInstanceTypes = []string{"c7g.large"}
	env.Tags["Owner"] = "someone"
	env.Tags["équipe"] = "platform"
	for i := range 27 {
		env.Tags[fmt.Sprintf("key%02d", i)] = "v"
	}
	wantCleanFailure(t, synth(t, app, ""),
		"the configuration is invalid (10 problems); nothing was synthesized",
		// an instance type EC2 does not have
		`Environments[dev].Fleet.InstanceType: got "t3.8xlarge": want an EC2 instance type; t3 comes in nano, micro, small, medium, large, xlarge, 2xlarge`,
		// an instance type of another architecture than the parent image
		`Environments[dev].Image.BuildInstanceTypes[0]: got "c7g.large" (arm64) for parent image "amazon-linux-2023-x86/x.1.x" (x86_64): want x86_64 instance types`,
		// the effective tag count, with what the app adds
		"Environments[dev].Tags: got 31 tags: want at most 30: the build instances (Image Builder's ResourceTags) take at most 30 tags",
		// Image Builder's tag key characters
		`Environments[dev].Tags["équipe"]: got key "équipe": want 1 to 128 of a-z, A-Z, 0-9, space and _.:/=+-@ (Image Builder's tag key characters`,
		// IAM's case-insensitive keys
		`Environments[dev].Tags["owner"]: got key "owner", the same key to IAM as "Owner" (IAM ignores case, and the tags reach IAM roles): want keys that differ in more than case`,
		// security group rule quota
		"Environments[dev].Fleet.IngressPorts: got 61 ports: want at most 60, one inbound rule each",
		// the largest Image Builder volume
		"Environments[dev].Image.RootVolumeGiB: got 16001: want 8 to 16000 (the largest volume an Image Builder recipe takes)",
		// Auto Scaling's 32-bit sizes
		"Environments[dev].Fleet.MaxCapacity: got 2147483648: want at most 2147483647 (Auto Scaling takes 32-bit sizes)",
		// Image Builder's version wildcards
		`Environments[dev].Image.Parent.Managed: got "amazon-linux-2023-x86/x.1.x" with version "x.1.x": want a version of three numbers where x wildcards run to the right`,
		// a bucket name S3 refuses
		`Prefix: got "sthree-fleet": want a prefix that does not start with sthree-`,
	)
}

// An arm64 fleet on the default x86_64 seed cannot launch: refused, with
// the image to use instead.
func TestAGravitonFleetOnTheDefaultSeedIsRefused(t *testing.T) {
	app := devOnly()
	app.Environments[0].Fleet.InstanceType = "t4g.micro"
	app.Environments[0].Image.Parent.Managed = "amazon-linux-2023-arm64/x.x.x"
	wantCleanFailure(t, synth(t, app, ""),
		`Environments[dev].Fleet.SeedImage: got "" (the default, /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64), an x86_64 image, `+
			`for Fleet.InstanceType "t4g.micro" (arm64): want an arm64 image, such as /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64`,
	)
}

// A newcomer's environment that creates a VPC in an account whose zones
// cdk.json does not hold: refused before any lookup, saying which context
// key to add and where.
func TestAnEnvironmentWithoutCommittedZonesIsRefusedNamingTheCdkJSONKey(t *testing.T) {
	app := devOnly()
	app.Environments[0].Account = "444444444444"
	r := synth(t, app, "")
	wantCleanFailure(t, r,
		`Environments[dev].Network.Create: got no availability zones of account 444444444444 in eu-west-1 in the CDK context: `+
			`want them committed in cdk.json, add "availability-zones:account=444444444444:region=eu-west-1": ["eu-west-1a", "eu-west-1b", "eu-west-1c"] to its "context"`,
	)
	if strings.Contains(r.stderr+r.stdout, "credentials") {
		t.Errorf("the CLI tried a lookup:\n%s", r.stderr)
	}
}

// Strict JSON through the real synth: a repeated key, a type error and
// data after the object, in one file; the trailing data is reported on its
// own (nothing is decoded from a file that is not one JSON object). The
// type error hides none of the file's other problems: what could be
// decoded is validated too (an environment without a name).
func TestAConfigurationFileIsDecodedStrictly(t *testing.T) {
	wantCleanFailure(t, synth(t, `{"Prefix": "a", "Prefix": "b", "Environments": [{"Fleet": {"MinCapacity": "1"}}]}`, ""),
		"is not a JSON config.App (",
		`App: got key "Prefix" again at line 1, column 17 (first at line 1, column 2): want each key once`,
		`Environments[0].Fleet.MinCapacity: got the string "1" at line 1, column 75: want a whole number`,
		`Environments[0].Name: got "": want`,
	)
	wantCleanFailure(t, synth(t, `{"Prefix": "golden-fleet", "Environments": []} ]`, ""),
		`App: got more after the configuration, at line 1, column 48: "]": want one JSON object and nothing after it`,
	)
}

// With CDK's built-in CloudFormation validation on, a synthesis it fails
// (here a configuration config.Validate would have refused, let through
// with GOLDEN_FLEET_UNVALIDATED) writes no template and no manifest, and
// the next synthesis into the same directory reports only what its own
// input has: no stale validation-report.json.
func TestAFailedSynthWithValidationOnLeavesNothingBehind(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cdk.out")
	bad := devOnly()
	bad.Environments[0].Fleet.RootVolumeGiB = 16384
	r := synthInto(t, out, bad, "", "GOLDEN_FLEET_UNVALIDATED=1", "CDK_VALIDATION=true")
	wantCleanFailure(t, r,
		"golden-fleet: CloudFormation validation failed (1 problem); nothing was synthesized",
		"golden-fleet-dev-image-factory/Recipe/Resource: BlockDeviceMappings.0.Ebs.VolumeSize: 16384 is greater than the maximum of 16000",
	)
	if _, err := os.Stat(filepath.Join(out, "validation-report.json")); err == nil {
		t.Error("the failed synthesis left validation-report.json behind")
	}
	// A report left by an older CLI run, too, must not outlive a synthesis.
	if err := os.WriteFile(filepath.Join(out, "validation-report.json"), []byte(`{"version":"1","title":"stale","pluginReports":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	good := synthInto(t, out, devOnly(), "")
	if good.exitCode != 0 {
		t.Fatalf("the next synthesis of a valid configuration exited %d:\n%s", good.exitCode, good.stderr)
	}
	// `go run` without scripts/app leaves CDK's validation at its default,
	// on: the report may be there, but it must be this synthesis's.
	if report, err := os.ReadFile(filepath.Join(out, "validation-report.json")); err == nil &&
		(strings.Contains(string(report), "stale") || strings.Contains(string(report), `"failure"`)) {
		t.Errorf("validation-report.json is not the latest synthesis's:\n%s", report)
	}
	templates, _ := filepath.Glob(filepath.Join(out, "*.template.json"))
	if len(templates) != 3 {
		t.Errorf("got templates %v, want the dev network, fleet and image factory", templates)
	}
}
