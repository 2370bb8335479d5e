package stacks_test

import (
	"fmt"
	"testing"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/stacks/internal/cdktest"
)

// Intent tests of the network stack (network.go), for the environments
// whose VPC the app creates. Flow logs of all traffic and subnets without
// public addresses are security defaults (security_test.go).

// forEachCreatedVpc runs f for every environment whose VPC the app creates.
func forEachCreatedVpc(t *testing.T, f func(t *testing.T, create config.CreatedVPC, network cdktest.Stack)) {
	t.Helper()
	created := 0
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		if env.Network.Create == nil {
			return
		}
		created++
		f(t, *env.Network.Create, tpl.Network)
	})
	if created == 0 {
		t.Fatal("no environment creates its VPC: the test checks nothing")
	}
}

func TestTheCreatedVpcHasTheConfiguredCidrZonesAndNatGateways(t *testing.T) {
	forEachCreatedVpc(t, func(t *testing.T, create config.CreatedVPC, network cdktest.Stack) {
		if got := cdktest.OnlyResource(t, "AWS::EC2::VPC", network).Properties["CidrBlock"]; got != create.Cidr {
			t.Errorf("CidrBlock = %v, want %s", got, create.Cidr)
		}
		zones := map[string]bool{}
		for _, s := range cdktest.RequireResources(t, "AWS::EC2::Subnet", network) {
			zones[fmt.Sprint(s.Properties["AvailabilityZone"])] = true
		}
		if len(zones) != create.MaxAzs {
			t.Errorf("subnets span %d zones %v, want %d", len(zones), zones, create.MaxAzs)
		}
		if got := len(cdktest.Resources("AWS::EC2::NatGateway", network)); got != create.NatGateways {
			t.Errorf("%d NAT gateways, want %d", got, create.NatGateways)
		}
	})
}

func TestFlowLogsAreKeptTheConfiguredNumberOfDays(t *testing.T) {
	forEachCreatedVpc(t, func(t *testing.T, create config.CreatedVPC, network cdktest.Stack) {
		group := cdktest.OnlyResource(t, "AWS::Logs::LogGroup", network)
		if got := fmt.Sprint(group.Properties["RetentionInDays"]); got != fmt.Sprint(create.FlowLogRetentionDays) {
			t.Errorf("%s RetentionInDays = %s, want %d", group, got, create.FlowLogRetentionDays)
		}
		flowLog := cdktest.OnlyResource(t, "AWS::EC2::FlowLog", network)
		if got, want := cdktest.CompactJSON(flowLog.Properties["LogGroupName"]), cdktest.CompactJSON(cdktest.Ref(group.LogicalID)); got != want {
			t.Errorf("flow logs go to %s, want the log group %s", got, want)
		}
	})
}
