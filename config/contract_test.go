package config

import "testing"

// Image Builder lowercases names in its ARNs: the ARN fleetctl builds for
// DistributeImage must name the configuration as Image Builder does.
func TestDistributionConfigurationResourceIsLowercase(t *testing.T) {
	if got, want := DistributionConfigurationResource("Golden-Fleet-Dev-promote-to-Prod"), "distribution-configuration/golden-fleet-dev-promote-to-prod"; got != want {
		t.Errorf("DistributionConfigurationResource = %q, want %q", got, want)
	}
}
