package stacks_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/immutable-server/golden-fleet/config"
)

// fixtureKmsKeyArn is the customer-managed key of the every-option
// environment.
const fixtureKmsKeyArn = "arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// fixturePromotedKmsKeyArn is the customer-managed key of the promoted
// environment, in its own account.
const fixturePromotedKmsKeyArn = "arn:aws:kms:eu-west-1:444444444444:key/4444abcd-44ab-44cd-44ef-444444444444"

// fixtureEnvironments are synthesized next to config.Default()'s
// environments, so every intent test also runs against a configuration
// that sets every option, each to a value of its own (no two capacities
// alike, no value equal to its default), rather than only against
// whatever the default environments happen to set today.
//
//   - every-option: an existing VPC, and every optional field of the
//     fleet, the image, the observability, the rollout (automatic) and
//     the lifecycle set;
//   - created-vpc: a VPC the app creates, with every option of Create set,
//     the fleet, image, observability and rollout left to their defaults,
//     but image scanning disabled and the lifecycle policy turned off. Its
//     account and region have their availability zones committed in
//     cdk.json, as `cdk synth` requires. Two environments promote from it:
//   - promoted: in another account, with every option of Promotion set
//     and a customer-managed key of its own (the copies are encrypted
//     with it);
//   - promoted-here: in created-vpc's account and another region, Promotion
//     left to its defaults (no cross-account piece).
//
// config.Default() holds the other case, prod promoting across accounts
// with the default EBS key.
//
// Their templates are not golden files: `cdk synth` does not write them.
//
// It is long because it is one literal, the environments read top to bottom.
func fixtureEnvironments() []config.Environment {
	return []config.Environment{
		{
			Name:    "every-option",
			Account: "333333333333",
			Region:  "eu-west-1",
			Tags:    map[string]string{"environment": "every-option", "cost-center": "1234"},
			Network: config.Network{Existing: &config.ExistingVPC{
				VpcID:             "vpc-0f1e2d3c4b5a69788",
				PrivateSubnetIDs:  []string{"subnet-0f1e2d3c4b5a69781", "subnet-0f1e2d3c4b5a69782"},
				AvailabilityZones: []string{"eu-west-1b", "eu-west-1c"},
			}},
			Fleet: config.Fleet{
				InstanceType:           "m6i.xlarge",
				MinCapacity:            2,
				DesiredCapacity:        3,
				MaxCapacity:            5,
				HealthCheckGracePeriod: 7 * time.Minute,
				MaxInstanceLifetime:    10 * 24 * time.Hour,
				RootVolumeGiB:          40,
				KmsKeyArn:              fixtureKmsKeyArn,
				UserData:               "#!/bin/bash\nsystemctl enable --now nginx\n",
				IngressPorts:           []int{443, 8443},
				IngressCidr:            "10.40.0.0/16",
				SeedImage:              "ami-0123456789abcdef0",
			},
			Image: config.Image{
				Parent:              config.ParentImage{AmiID: "ami-0fedcba9876543210"},
				Components:          []string{"web-server", "system-log", "os-hardening"},
				TestComponents:      []string{"web-server-test"},
				Schedule:            "cron(30 1 ? * TUE *)",
				StartCondition:      "EXPRESSION_MATCH_ONLY",
				BuildInstanceTypes:  []string{"c6i.large", "m6i.large"},
				RootVolumeGiB:       35,
				WorkingDirectory:    "/var/tmp/build",
				LogRetentionDays:    180,
				TestTimeoutMinutes:  120,
				DistributionRegions: []string{"eu-central-1", "us-east-1"},
			},
			Rollout: config.Rollout{
				Automatic:             true,
				MinHealthyPercentage:  75,
				InstanceWarmup:        2 * time.Minute,
				CheckpointPercentages: []int{25, 100},
				CheckpointDelay:       10 * time.Minute,
			},
			Lifecycle: config.Lifecycle{KeepLatest: 4, DeprecateAfterDays: 21, DeleteAfterDays: 60},
			Observability: config.Observability{
				NotificationEmail:   "fleet-alerts@example.org",
				LogRetentionDays:    545,
				BelowDesiredMinutes: 25,
				// Type is its default: a scan result condition needs it.
				// TEST_INSTANCE_CVE is covered by the construct-level test
				// of ScanImages.
				Scanning: config.Scanning{Type: config.ScanOnDemandAMI, MaxSeverity: "MEDIUM", CountUnfixed: true},
			},
		},
		{
			Name:    "created-vpc",
			Account: "111111111111",
			Region:  "eu-west-1",
			Tags:    map[string]string{"environment": "created-vpc"},
			Network: config.Network{Create: &config.CreatedVPC{Cidr: "10.30.0.0/20", MaxAzs: 3, NatGateways: 2, FlowLogRetentionDays: 14}},
			Fleet: config.Fleet{
				InstanceType:    "t3.small",
				MinCapacity:     0,
				DesiredCapacity: 1,
				MaxCapacity:     2,
				SeedImage:       "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
			},
			Image: config.Image{
				Parent:     config.ParentImage{SsmParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"},
				Components: []string{"os-hardening"},
				Schedule:   "cron(0 5 1 * ? *)",
			},
			Observability: config.Observability{Scanning: config.Scanning{Disabled: true}},
			// Rolled by hand with Auto Scaling's preferences; every image
			// and AMI kept.
			Lifecycle: config.Lifecycle{Disabled: true},
		},
		{
			Name:    "promoted",
			Account: "444444444444",
			Region:  "eu-west-1",
			Tags:    map[string]string{"environment": "promoted"},
			Network: config.Network{Existing: &config.ExistingVPC{
				VpcID:             "vpc-0e1d2c3b4a5f69788",
				PrivateSubnetIDs:  []string{"subnet-0e1d2c3b4a5f69781"},
				AvailabilityZones: []string{"eu-west-1a"},
			}},
			Fleet: config.Fleet{
				InstanceType:    "t3.small",
				MinCapacity:     1,
				DesiredCapacity: 1,
				MaxCapacity:     2,
				KmsKeyArn:       fixturePromotedKmsKeyArn,
			},
			Promotion: &config.Promotion{From: "created-vpc", SoakTime: 36 * time.Hour, MaxFindingSeverity: "HIGH", KeepCopies: 5},
		},
		{
			Name:    "promoted-here",
			Account: "111111111111",
			Region:  "us-east-1",
			Tags:    map[string]string{"environment": "promoted-here"},
			Network: config.Network{Existing: &config.ExistingVPC{
				VpcID:             "vpc-0d1c2b3a4f5e69788",
				PrivateSubnetIDs:  []string{"subnet-0d1c2b3a4f5e69781"},
				AvailabilityZones: []string{"us-east-1a"},
			}},
			Fleet:     config.Fleet{InstanceType: "t3.micro", MinCapacity: 1, DesiredCapacity: 1, MaxCapacity: 1},
			Promotion: &config.Promotion{From: "created-vpc"},
		},
	}
}

// TestTheFixtureSetsEveryOption keeps the fixture honest: every field of
// config.Environment, down to the last nested one, is set to a non-zero
// value by some fixture environment. A field added to the configuration
// fails here until the fixture sets it (and an intent test checks it).
// ParentImage is one choice of three: the fixture sets AmiID and
// SsmParameter, config.Default() sets Managed, and the recipe's
// construct-level tests change each.
func TestTheFixtureSetsEveryOption(t *testing.T) {
	set := map[string]bool{}
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch {
		case v.Kind() == reflect.Pointer && !v.IsNil():
			set[path] = true
			walk(path, v.Elem())
		case v.Kind() == reflect.Struct && v.Type() != reflect.TypeOf(config.ParentImage{}):
			for i := 0; i < v.NumField(); i++ {
				walk(path+"."+v.Type().Field(i).Name, v.Field(i))
			}
		default:
			if !v.IsZero() {
				set[path] = true
			}
		}
	}
	for _, env := range fixtureEnvironments() {
		walk("Environment", reflect.ValueOf(env))
	}
	var unset []string
	var want func(path string, typ reflect.Type)
	want = func(path string, typ reflect.Type) {
		if typ.Kind() == reflect.Pointer {
			if !set[path] {
				unset = append(unset, path)
			}
			typ = typ.Elem()
		}
		if typ.Kind() == reflect.Struct && typ != reflect.TypeOf(config.ParentImage{}) {
			for i := 0; i < typ.NumField(); i++ {
				want(path+"."+typ.Field(i).Name, typ.Field(i).Type)
			}
			return
		}
		if !set[path] {
			unset = append(unset, path)
		}
	}
	want("Environment", reflect.TypeOf(config.Environment{}))
	if len(unset) > 0 {
		t.Errorf("no fixture environment sets %s: set it in fixtureEnvironments to a value of its own", strings.Join(unset, ", "))
	}
}
