package config

import "time"

// Default is the configuration `cdk synth` deploys. To add an environment,
// append one to Environments (copy the closest one), then run the tests
// with -update to write its golden templates; see
// docs/configuration.md.
//
// It is long because it is the table of environments, one literal read
// top to bottom; splitting it would hide what an environment sets.
//
// Account ids appear here and nowhere else. The ones below are placeholders:
// replace them with your own before deploying to AWS.
func Default() App {
	return App{
		Prefix: "golden-fleet",
		Environments: []Environment{
			{
				Name:    "dev",
				Account: "111111111111",
				Region:  "eu-west-1",
				Tags:    map[string]string{"environment": "dev", "owner": "platform"},
				Network: Network{Create: &CreatedVPC{Cidr: "10.10.0.0/16", MaxAzs: 2, NatGateways: 1, FlowLogRetentionDays: 30}},
				Fleet: Fleet{
					InstanceType:    "t3.micro",
					MinCapacity:     1,
					MaxCapacity:     3,
					DesiredCapacity: 2,
				},
				Image: Image{
					Parent:         ParentImage{Managed: "amazon-linux-2023-x86/x.x.x"},
					Components:     []string{"os-hardening", "system-log", "web-server"},
					TestComponents: []string{"web-server-test"},
					// Every Monday at 03:00 UTC.
					Schedule:         "cron(0 3 ? * MON *)",
					LogRetentionDays: 30,
				},
				// Every new golden AMI replaces the whole fleet at once
				// after a build, one instance at a time (50% of 2).
				Rollout:       Rollout{Automatic: true, MinHealthyPercentage: 50},
				Lifecycle:     Lifecycle{KeepLatest: 3, DeprecateAfterDays: 14, DeleteAfterDays: 30},
				Observability: Observability{LogRetentionDays: 30},
			},
			{
				Name:    "prod",
				Account: "222222222222",
				Region:  "eu-west-1",
				Tags:    map[string]string{"environment": "prod", "owner": "platform"},
				Network: Network{Existing: &ExistingVPC{
					VpcID:             "vpc-0a1b2c3d4e5f60718",
					PrivateSubnetIDs:  []string{"subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722", "subnet-0a1b2c3d4e5f60733"},
					AvailabilityZones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
				}},
				Fleet: Fleet{
					InstanceType:           "m6i.large",
					MinCapacity:            3,
					MaxCapacity:            6,
					DesiredCapacity:        3,
					HealthCheckGracePeriod: 10 * time.Minute,
					// Every instance is replaced within two weeks, so the
					// whole fleet runs a golden AMI at most two weeks old.
					MaxInstanceLifetime: 14 * 24 * time.Hour,
					RootVolumeGiB:       30,
					IngressPorts:        []int{80},
					IngressCidr:         "10.0.0.0/8",
				},
				// prod bakes nothing: it runs only AMIs that dev built and
				// tested and that ran healthy in dev's fleet for two days,
				// copied into prod's account by `fleetctl promote`.
				Promotion: &Promotion{
					From:               "dev",
					SoakTime:           48 * time.Hour,
					MaxFindingSeverity: "MEDIUM",
				},
				// No automatic rollout: `fleetctl roll` after review. A
				// refresh pauses half-way for 30 minutes.
				Rollout: Rollout{
					MinHealthyPercentage:  90,
					CheckpointPercentages: []int{50, 100},
					CheckpointDelay:       30 * time.Minute,
				},
				// No lifecycle policy: prod has no image factory.
				Observability: Observability{
					NotificationEmail: "platform-alerts@example.com",
					LogRetentionDays:  365,
					// Longer than a replacement with the 10-minute grace period.
					BelowDesiredMinutes: 20,
					// prod builds nothing to scan: the promotion gate reads
					// dev's scan of the AMI (Promotion.MaxFindingSeverity).
				},
			},
			{
				// local is what `scripts/local-deploy` deploys to moto on
				// 127.0.0.1; moto's default account and region.
				Name:    "local",
				Account: "123456789012",
				Region:  "us-east-1",
				Tags:    map[string]string{"environment": "local", "owner": "platform"},
				Network: Network{Create: &CreatedVPC{Cidr: "10.20.0.0/16", MaxAzs: 2, NatGateways: 1, FlowLogRetentionDays: 7}},
				Fleet: Fleet{
					InstanceType:    "t3.micro",
					MinCapacity:     2,
					MaxCapacity:     4,
					DesiredCapacity: 2,
				},
				Image: Image{
					Parent:         ParentImage{Managed: "amazon-linux-2023-x86/x.x.x"},
					Components:     []string{"os-hardening", "system-log", "web-server"},
					TestComponents: []string{"web-server-test"},
					Schedule:       "cron(0 4 ? * SUN *)",
				},
				// moto's instances are in service at once: a one-second
				// warm-up keeps `fleetctl roll` against it quick.
				Rollout: Rollout{MinHealthyPercentage: 50, InstanceWarmup: time.Second},
			},
			{
				// local-prod promotes from local, in a second moto account:
				// the playground's production (make local-up, see
				// docs/day2-on-your-laptop.md). It bakes nothing.
				Name:    "local-prod",
				Account: "210987654321",
				Region:  "us-east-1",
				Tags:    map[string]string{"environment": "local-prod", "owner": "platform"},
				Network: Network{Create: &CreatedVPC{Cidr: "10.30.0.0/16", MaxAzs: 2, NatGateways: 1, FlowLogRetentionDays: 7}},
				Fleet: Fleet{
					InstanceType:    "t3.micro",
					MinCapacity:     2,
					MaxCapacity:     4,
					DesiredCapacity: 2,
				},
				// moto's instances are healthy at once: a one-minute soak
				// keeps the playground's promotion quick.
				Promotion: &Promotion{From: "local", SoakTime: time.Minute},
				Rollout:   Rollout{MinHealthyPercentage: 50, InstanceWarmup: time.Second},
			},
		},
	}
}
