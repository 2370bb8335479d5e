package config

import (
	"reflect"
	"testing"
	"time"
)

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
			env.Network.Create = &CreatedVPC{} // every field defaulted
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
