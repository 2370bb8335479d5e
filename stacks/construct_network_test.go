package stacks_test

// Construct-level tests of constructs/network.

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/immutable-server/golden-fleet/constructs/network"
	"github.com/immutable-server/golden-fleet/internal/cdktest"
)

func TestTheVpcKeepsFlowLogsForAPeriodCloudWatchLogsOffers(t *testing.T) {
	s := newScratchStack()
	network.NewVpc(s, "Vpc", network.VpcProps{FlowLogRetention: 14 * 24 * time.Hour})
	group := cdktest.OnlyResource(t, "AWS::Logs::LogGroup", synthesizeScratch(t, s))
	if got := group.Properties["RetentionInDays"]; got != float64(14) {
		t.Errorf("RetentionInDays = %v, want 14", got)
	}
}

func TestTheVpcRefusesAFlowLogRetentionCloudWatchLogsDoesNotOffer(t *testing.T) {
	for _, retention := range []time.Duration{10 * 24 * time.Hour, 36 * time.Hour} {
		vpc := network.NewVpc(newScratchStack(), "Vpc", network.VpcProps{FlowLogRetention: retention})
		errs := validationErrors(vpc)
		if len(errs) != 1 || !strings.Contains(errs[0], "FlowLogRetention got "+retention.String()+": want one of CloudWatch Logs' retention periods, in days [1 3 5 7 14 30") {
			t.Errorf("FlowLogRetention %s: validation errors %q, want one naming the value and the periods allowed", retention, errs)
		}
	}
}

func TestTheVpcExposesResourceNameAndArn(t *testing.T) {
	s := newScratchStack()
	vpc := network.NewVpc(s, "Vpc", network.VpcProps{})
	checkAccessors(t, constructAccessors{"vpc", vpc.Resource, vpc.Name(), vpc.Arn(), `"` + *s.StackName() + `/Vpc/Resource"`, `:vpc/",{"Ref":"Vpc`})
	template := synthesizeScratch(t, s)
	tags := cdktest.AsList(cdktest.OnlyResource(t, "AWS::EC2::VPC", template).Properties["Tags"])
	if !slices.ContainsFunc(tags, func(tag any) bool {
		return cdktest.ValueAt(tag, "Key") == "Name" && cdktest.ValueAt(tag, "Value") == *vpc.Name()
	}) {
		t.Errorf("the VPC's Name tag is not %s: %s", *vpc.Name(), cdktest.CompactJSON(tags))
	}
}
