package stacks_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/stacks/internal/cdktest"
)

// Security defaults (docs/security.md), one behaviour per
// test, over every stack of every synthesized environment. Each is
// asserted here and nowhere else.

// allStacks are every synthesized stack.
func allStacks() []cdktest.Stack { return synthesized.assembly.Stacks }

// stacksEndingWith are the synthesized stacks whose name ends with suffix.
func stacksEndingWith(suffix string) []cdktest.Stack {
	return synthesized.assembly.StacksEndingWith(suffix)
}

func TestFleetInstancesRequireIMDSv2(t *testing.T) {
	for _, lt := range cdktest.RequireResources(t, "AWS::EC2::LaunchTemplate", allStacks()...) {
		if got := cdktest.ValueAt(lt.Properties, "LaunchTemplateData", "MetadataOptions", "HttpTokens"); got != "required" {
			t.Errorf("%s: MetadataOptions.HttpTokens = %v, want required", lt, got)
		}
	}
}

func TestBuildInstancesRequireIMDSv2(t *testing.T) {
	for _, ic := range cdktest.RequireResources(t, "AWS::ImageBuilder::InfrastructureConfiguration", allStacks()...) {
		if got := cdktest.ValueAt(ic.Properties, "InstanceMetadataOptions", "HttpTokens"); got != "required" {
			t.Errorf("%s: InstanceMetadataOptions.HttpTokens = %v, want required", ic, got)
		}
	}
}

func TestBuildInstancesAreTerminatedWhenABuildFails(t *testing.T) {
	for _, ic := range cdktest.RequireResources(t, "AWS::ImageBuilder::InfrastructureConfiguration", allStacks()...) {
		if got := ic.Properties["TerminateInstanceOnFailure"]; got != true {
			t.Errorf("%s: TerminateInstanceOnFailure = %v, want true", ic, got)
		}
	}
}

// rootVolumes returns the EBS settings of every block device mapping of
// the launch templates in fleets and the image recipes in factories; each
// list of stacks that is not empty must hold some.
func rootVolumes(t *testing.T, fleets, factories []cdktest.Stack) map[string]any {
	t.Helper()
	out := map[string]any{}
	add := func(r cdktest.Resource, mappings any) {
		if len(cdktest.AsList(mappings)) == 0 {
			t.Errorf("%s: no block device mapping", r)
		}
		for i, m := range cdktest.AsList(mappings) {
			out[fmt.Sprintf("%s BlockDeviceMappings[%d]", r, i)] = cdktest.ValueAt(m, "Ebs")
		}
	}
	if len(fleets) > 0 {
		for _, lt := range cdktest.RequireResources(t, "AWS::EC2::LaunchTemplate", fleets...) {
			add(lt, cdktest.ValueAt(lt.Properties, "LaunchTemplateData", "BlockDeviceMappings"))
		}
	}
	if len(factories) > 0 {
		for _, r := range cdktest.RequireResources(t, "AWS::ImageBuilder::ImageRecipe", factories...) {
			add(r, r.Properties["BlockDeviceMappings"])
		}
	}
	return out
}

func TestFleetAndImageVolumesAreEncrypted(t *testing.T) {
	for where, ebs := range rootVolumes(t, stacksEndingWith("-fleet"), stacksEndingWith("-image-factory")) {
		if got := cdktest.ValueAt(ebs, "Encrypted"); got != true {
			t.Errorf("%s: Ebs.Encrypted = %v, want true", where, got)
		}
	}
}

// The fleet's volumes use the configured key, else the account's default
// EBS key. So do the builds', except in a promotion source: its AMIs are
// shared with the target accounts, which the default key does not allow,
// so its builds use the source's own AMI key (promotion_test.go).
func TestVolumesUseTheConfiguredKmsKeyOrElseTheAccountDefaultKey(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		check := func(volumes map[string]any, want any) {
			for where, ebs := range volumes {
				if got := cdktest.ValueAt(ebs, "KmsKeyId"); cdktest.CompactJSON(got) != cdktest.CompactJSON(want) {
					t.Errorf("%s: KmsKeyId = %s, want %s", where, cdktest.CompactJSON(got), cdktest.CompactJSON(want))
				}
			}
		}
		var configured any // none: the account's default EBS key
		if env.Fleet.KmsKeyArn != "" {
			configured = env.Fleet.KmsKeyArn
		}
		check(rootVolumes(t, []cdktest.Stack{tpl.Fleet}, nil), configured)
		if env.Promotion != nil {
			return // no image factory
		}
		builds := configured
		if len(synthesized.cfg.PromotesTo(env.Name)) > 0 {
			builds = cdktest.GetAtt(amiKey(t, env, tpl.ImageFactory).LogicalID, "Arn")
		}
		check(rootVolumes(t, nil, []cdktest.Stack{tpl.ImageFactory}), builds)
	})
}

// allowStatements returns every Allow statement of the IAM policies (our
// own, inline or attached) in every stack, by where they are.
func allowStatements(t *testing.T) map[string][]any {
	out := map[string][]any{}
	add := func(where string, doc any) {
		for _, st := range cdktest.AsList(cdktest.ValueAt(doc, "Statement")) {
			if cdktest.ValueAt(st, "Effect") == "Allow" {
				out[where] = append(out[where], st)
			}
		}
	}
	for _, typ := range []string{"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"} {
		for _, p := range cdktest.Resources(typ, allStacks()...) {
			add(p.String(), p.Properties["PolicyDocument"])
		}
	}
	for _, role := range cdktest.RequireResources(t, "AWS::IAM::Role", allStacks()...) {
		for i, p := range cdktest.AsList(role.Properties["Policies"]) {
			add(fmt.Sprintf("%s.Policies[%d]", role, i), cdktest.ValueAt(p, "PolicyDocument"))
		}
	}
	return out
}

func TestNoPolicyAllowsEveryActionOnEveryResource(t *testing.T) {
	statements := allowStatements(t)
	if len(statements) == 0 {
		t.Fatal("no IAM policy statement found")
	}
	for where, sts := range statements {
		for _, st := range sts {
			anyResource := slices.Contains(cdktest.AsList(cdktest.ValueAt(st, "Resource")), any("*"))
			for _, a := range cdktest.AsList(cdktest.ValueAt(st, "Action")) {
				action, _ := a.(string)
				if anyResource && (action == "*" || strings.HasSuffix(action, ":*")) {
					t.Errorf("%s: allows %s on *", where, action)
				}
			}
		}
	}
}

func TestTopicsAreEncryptedWithAKeyThatRotates(t *testing.T) {
	for _, topic := range cdktest.RequireResources(t, "AWS::SNS::Topic", allStacks()...) {
		if topic.Properties["KmsMasterKeyId"] == nil {
			t.Errorf("%s: no KmsMasterKeyId", topic)
		}
	}
	for _, key := range cdktest.RequireResources(t, "AWS::KMS::Key", allStacks()...) {
		if key.Properties["EnableKeyRotation"] != true {
			t.Errorf("%s: EnableKeyRotation = %v, want true", key, key.Properties["EnableKeyRotation"])
		}
	}
}

// deniesInsecureTransport says whether a policy document denies every
// request made without TLS.
func deniesInsecureTransport(doc any) bool {
	for _, st := range cdktest.AsList(cdktest.ValueAt(doc, "Statement")) {
		if cdktest.ValueAt(st, "Effect") == "Deny" && cdktest.ValueAt(st, "Condition", "Bool", "aws:SecureTransport") == "false" {
			return true
		}
	}
	return false
}

// refusesRequestsWithoutTLS checks that for every resource of typ some
// policy of policyType, attached to it through the property attachedBy
// (read at ValueAt path), denies requests without TLS.
func refusesRequestsWithoutTLS(t *testing.T, typ, policyType string, stacks []cdktest.Stack, attachedBy ...any) {
	t.Helper()
	policies := cdktest.Resources(policyType, stacks...)
	for _, r := range cdktest.RequireResources(t, typ, stacks...) {
		ok := false
		for _, p := range policies {
			if p.Stack == r.Stack && reflect.DeepEqual(cdktest.ValueAt(p.Properties, attachedBy...), cdktest.Ref(r.LogicalID)) {
				ok = ok || deniesInsecureTransport(p.Properties["PolicyDocument"])
			}
		}
		if !ok {
			t.Errorf("%s: no %s denies aws:SecureTransport false", r, policyType)
		}
	}
}

func TestTopicsRefuseRequestsWithoutTLS(t *testing.T) {
	refusesRequestsWithoutTLS(t, "AWS::SNS::Topic", "AWS::SNS::TopicPolicy", allStacks(), "Topics", 0)
}

func TestBuildLogBucketRefusesRequestsWithoutTLS(t *testing.T) {
	refusesRequestsWithoutTLS(t, "AWS::S3::Bucket", "AWS::S3::BucketPolicy", stacksEndingWith("-image-factory"), "Bucket")
}

func TestBuildLogBucketIsEncrypted(t *testing.T) {
	for _, b := range cdktest.RequireResources(t, "AWS::S3::Bucket", stacksEndingWith("-image-factory")...) {
		if got := cdktest.ValueAt(b.Properties, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "SSEAlgorithm"); got == nil {
			t.Errorf("%s: no default encryption", b)
		}
	}
}

func TestBuildLogBucketBlocksPublicAccess(t *testing.T) {
	want := map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}
	for _, b := range cdktest.RequireResources(t, "AWS::S3::Bucket", stacksEndingWith("-image-factory")...) {
		if got := b.Properties["PublicAccessBlockConfiguration"]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: PublicAccessBlockConfiguration = %v, want %v", b, got, want)
		}
	}
}

func TestBuildLogsExpireAfterTheConfiguredRetention(t *testing.T) {
	forEachBakingEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		b := cdktest.OnlyResource(t, "AWS::S3::Bucket", tpl.ImageFactory)
		rule := cdktest.ValueAt(b.Properties, "LifecycleConfiguration", "Rules", 0)
		if got := cdktest.ValueAt(rule, "ExpirationInDays"); got != float64(env.Image.LogRetentionDays) || cdktest.ValueAt(rule, "Status") != "Enabled" {
			t.Errorf("%s: first lifecycle rule expires after %v days, want %d, enabled", b, got, env.Image.LogRetentionDays)
		}
	})
}

func TestFleetSecurityGroupOpensOnlyTheConfiguredPorts(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		want := []any{}
		for _, port := range env.Fleet.IngressPorts {
			want = append(want, map[string]any{
				"CidrIp": env.Fleet.IngressCidr, "Description": fmt.Sprintf("tcp/%d from %s (configured)", port, env.Fleet.IngressCidr),
				"FromPort": float64(port), "ToPort": float64(port), "IpProtocol": "tcp",
			})
		}
		sg := cdktest.OnlyResource(t, "AWS::EC2::SecurityGroup", tpl.Fleet)
		if got := cdktest.AsList(sg.Properties["SecurityGroupIngress"]); cdktest.CompactJSON(got) != cdktest.CompactJSON(want) && len(got)+len(want) > 0 {
			t.Errorf("%s: SecurityGroupIngress = %s, want %s", sg, cdktest.CompactJSON(got), cdktest.CompactJSON(want))
		}
		for _, rule := range cdktest.Resources("AWS::EC2::SecurityGroupIngress", tpl.Fleet) {
			t.Errorf("%s: a separate inbound rule", rule)
		}
	})
}

func TestBuildSecurityGroupHasNoInboundRule(t *testing.T) {
	factories := stacksEndingWith("-image-factory")
	for _, sg := range cdktest.RequireResources(t, "AWS::EC2::SecurityGroup", factories...) {
		if got := sg.Properties["SecurityGroupIngress"]; got != nil {
			t.Errorf("%s: SecurityGroupIngress = %v, want none", sg, got)
		}
	}
	for _, rule := range cdktest.Resources("AWS::EC2::SecurityGroupIngress", factories...) {
		t.Errorf("%s: a separate inbound rule", rule)
	}
}

func TestBuildInstancesRunInPrivateSubnets(t *testing.T) {
	forEachBakingEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		subnet := cdktest.OnlyResource(t, "AWS::ImageBuilder::InfrastructureConfiguration", tpl.ImageFactory).Properties["SubnetId"]
		if env.Network.Existing != nil {
			if !slices.Contains(env.Network.Existing.PrivateSubnetIDs, fmt.Sprint(subnet)) {
				t.Errorf("build subnet %v is not one of the configured private subnets %v", subnet, env.Network.Existing.PrivateSubnetIDs)
			}
			return
		}
		// A subnet of the created VPC, exported by the network stack:
		// Fn::ImportValue "<network stack>:ExportsOutputRef<subnet id><8 hash digits>".
		private := map[string]bool{}
		for _, s := range cdktest.RequireResources(t, "AWS::EC2::Subnet", tpl.Network) {
			if slices.ContainsFunc(cdktest.AsList(s.Properties["Tags"]), func(tag any) bool {
				return cdktest.ValueAt(tag, "Key") == "aws-cdk:subnet-type" && cdktest.ValueAt(tag, "Value") == "Private"
			}) {
				private[s.LogicalID] = true
			}
		}
		export, _ := cdktest.ValueAt(subnet, "Fn::ImportValue").(string)
		_, ref, _ := strings.Cut(export, ":ExportsOutputRef")
		if len(ref) <= 8 || !private[ref[:len(ref)-8]] {
			t.Errorf("build subnet %s is not one of the private subnets of %s", cdktest.CompactJSON(subnet), tpl.Network.Name)
		}
	})
}

func TestVpcsTheAppCreatesLogAllTraffic(t *testing.T) {
	networks := stacksEndingWith("-network")
	logs := cdktest.RequireResources(t, "AWS::EC2::FlowLog", networks...)
	for _, vpc := range cdktest.RequireResources(t, "AWS::EC2::VPC", allStacks()...) {
		ok := false
		for _, l := range logs {
			ok = ok || l.Stack == vpc.Stack && l.Properties["TrafficType"] == "ALL" &&
				reflect.DeepEqual(l.Properties["ResourceId"], cdktest.Ref(vpc.LogicalID))
		}
		if !ok {
			t.Errorf("%s: no flow log of all traffic", vpc)
		}
	}
}

func TestFleetSubnetsAssignNoPublicAddress(t *testing.T) {
	for _, subnet := range cdktest.RequireResources(t, "AWS::EC2::Subnet", stacksEndingWith("-network")...) {
		if subnet.Properties["MapPublicIpOnLaunch"] == true {
			t.Errorf("%s: MapPublicIpOnLaunch = true", subnet)
		}
	}
	for _, lt := range cdktest.RequireResources(t, "AWS::EC2::LaunchTemplate", allStacks()...) {
		for i, ni := range cdktest.AsList(cdktest.ValueAt(lt.Properties, "LaunchTemplateData", "NetworkInterfaces")) {
			if cdktest.ValueAt(ni, "AssociatePublicIpAddress") == true {
				t.Errorf("%s: NetworkInterfaces[%d].AssociatePublicIpAddress = true", lt, i)
			}
		}
	}
}

// keyPolicyAllowsServiceLinkedRole says whether a key policy itself lets
// the service-linked role slr (its path and name) use the key to publish
// to a topic it encrypts: an Allow of kms:GenerateDataKey* and
// kms:Decrypt whose principal is the role, or any principal narrowed to
// the role by aws:PrincipalArn and to the account by kms:CallerAccount.
// A statement naming the account only delegates to IAM policies, and a
// service-linked role's policy grants nothing on a customer managed key.
func keyPolicyAllowsServiceLinkedRole(policy any, slr string) bool {
	names := func(v any) bool { return strings.Contains(cdktest.CompactJSON(v), "role/"+slr) }
	for _, st := range cdktest.AsList(cdktest.ValueAt(policy, "Statement")) {
		actions := cdktest.AsList(cdktest.ValueAt(st, "Action"))
		if cdktest.ValueAt(st, "Effect") != "Allow" || !slices.Contains(actions, any("kms:Decrypt")) ||
			!(slices.Contains(actions, any("kms:GenerateDataKey*")) || slices.Contains(actions, any("kms:GenerateDataKey"))) {
			continue
		}
		principal := cdktest.ValueAt(st, "Principal", "AWS")
		if names(principal) {
			return true
		}
		if principal == "*" && names(cdktest.ValueAt(st, "Condition", "ArnEquals", "aws:PrincipalArn")) &&
			cdktest.ValueAt(st, "Condition", "StringEquals", "kms:CallerAccount") != nil {
			return true
		}
	}
	return false
}

// The services that publish to the encrypted topics may use the topics'
// keys: Image Builder (the infrastructure configuration's topic) and Auto
// Scaling (the group's notifications), each through its service-linked
// role (Image Builder user guide, "Amazon SNS integration", encrypted
// topics; SNS developer guide, "Key management": a publisher needs
// kms:GenerateDataKey* and kms:Decrypt on the topic's key).
func TestTheServicesThatPublishMayUseTheTopicsKeys(t *testing.T) {
	publishers := []struct {
		typ, slr string
		topics   func(props map[string]any) []any
	}{
		{"AWS::ImageBuilder::InfrastructureConfiguration", "aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder",
			func(p map[string]any) []any { return []any{p["SnsTopicArn"]} }},
		{"AWS::AutoScaling::AutoScalingGroup", "aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
			func(p map[string]any) []any {
				var out []any
				for _, n := range cdktest.AsList(p["NotificationConfigurations"]) {
					out = append(out, cdktest.ValueAt(n, "TopicARN"))
				}
				return out
			}},
	}
	checked := 0
	for _, pub := range publishers {
		for _, r := range cdktest.Resources(pub.typ, allStacks()...) {
			for _, ref := range pub.topics(r.Properties) {
				id, _ := cdktest.ValueAt(ref, "Ref").(string)
				if id == "" {
					continue
				}
				tpl, _ := synthesized.assembly.Stack(r.Stack)
				keyRef := cdktest.ValueAt(tpl.Template, "Resources", id, "Properties", "KmsMasterKeyId", "Fn::GetAtt", 0)
				if keyRef == nil {
					t.Errorf("%s publishes to %s, which names no key of its stack", r, id)
					continue
				}
				checked++
				policy := cdktest.ValueAt(tpl.Template, "Resources", keyRef, "Properties", "KeyPolicy")
				if !keyPolicyAllowsServiceLinkedRole(policy, pub.slr) {
					t.Errorf("%s publishes to %s through %s, but the policy of its key %v does not allow that role itself: %s",
						r, id, pub.slr, keyRef, cdktest.CompactJSON(policy))
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no topic that a service publishes to")
	}
}
