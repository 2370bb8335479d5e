package stacks_test

// Construct-level tests of constructs/network.

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/immutable-server/golden-fleet/constructs/network"
	"github.com/immutable-server/golden-fleet/stacks/internal/cdktest"
)

func TestTheVpcRefusesAFlowLogRetentionCloudWatchLogsDoesNotOffer(t *testing.T) {
	for _, retention := range []time.Duration{10 * 24 * time.Hour, 36 * time.Hour} {
		vpc := network.NewVpc(newScratchStack(), "Vpc", network.VpcProps{FlowLogRetention: retention})
		errs := validationErrors(vpc)
		if len(errs) != 1 || !strings.Contains(errs[0], "FlowLogRetention got "+retention.String()+": want one of CloudWatch Logs' retention periods, in days [1 3 5 7 14 30") {
			t.Errorf("FlowLogRetention %s: validation errors %q, want one naming the value and the periods allowed", retention, errs)
		}
	}
}

// The VPC of the synthesized app's dev environment has the accessors
// every construct has; its name is the Name tag in its template.
func TestTheVpcExposesResourceNameAndArn(t *testing.T) {
	vpc := synthesized.built[0].Network.Vpc
	checkAccessors(t, constructAccessors{"vpc", vpc.Resource, vpc.Name(), vpc.Arn(), `"golden-fleet-dev-network/Vpc/Resource"`, `:vpc/",{"Ref":"Vpc`})
	network, _ := synthesized.assembly.Stack("golden-fleet-dev-network")
	tags := cdktest.AsList(cdktest.OnlyResource(t, "AWS::EC2::VPC", network).Properties["Tags"])
	if !slices.ContainsFunc(tags, func(tag any) bool {
		return cdktest.ValueAt(tag, "Key") == "Name" && cdktest.ValueAt(tag, "Value") == *vpc.Name()
	}) {
		t.Errorf("the VPC's Name tag is not %s: %s", *vpc.Name(), cdktest.CompactJSON(tags))
	}
}
