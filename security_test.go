package main

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/config"
)

// Security defaults, one behaviour per test, read from the templates of
// the one synthesized app (see assembly_test.go). The app is config.Default()
// plus the test-only environment cmkEnvironment, which sets the optional
// customer-managed EBS key.

// cmkKeyArn is the customer-managed key of cmkEnvironment.
const cmkKeyArn = "arn:aws:kms:eu-west-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// cmkEnvironment is prod's configuration in another account, with a
// customer-managed key for EBS.
func cmkEnvironment() config.Environment {
	var env config.Environment
	for _, e := range config.Default().Environments {
		if e.Name == "prod" {
			env = e
		}
	}
	env.Name = "cmk"
	env.Account = "333333333333"
	env.Tags = map[string]string{"environment": "cmk"}
	env.Fleet.KmsKeyArn = cmkKeyArn
	// cmk bakes its own images (prod promotes from dev): its recipe's
	// volume takes the key too.
	dev, _ := config.Default().Environment("dev")
	env.Promotion, env.Image = nil, dev.Image
	return env
}

// resource is one resource of one template.
type resource struct {
	Stack, ID  string
	Properties map[string]interface{}
}

func (r resource) String() string { return r.Stack + "/" + r.ID }

// allResources returns every resource of type typ in every stack, or only in
// the stacks whose name ends with suffix when suffix is not empty.
func allResources(t *testing.T, typ, suffix string) []resource {
	t.Helper()
	var out []resource
	for _, s := range assembled.Stacks {
		if !strings.HasSuffix(s.Name, suffix) {
			continue
		}
		res, _ := s.Template["Resources"].(map[string]interface{})
		for id, v := range res {
			r, _ := v.(map[string]interface{})
			if r["Type"] == typ {
				props, _ := r["Properties"].(map[string]interface{})
				out = append(out, resource{Stack: s.Name, ID: id, Properties: props})
			}
		}
	}
	slices.SortFunc(out, func(a, b resource) int { return strings.Compare(a.String(), b.String()) })
	if len(out) == 0 {
		t.Fatalf("no %s in stacks *%s: the test reads nothing", typ, suffix)
	}
	return out
}

func list(v interface{}) []interface{} {
	if l, ok := v.([]interface{}); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []interface{}{v}
}

func TestFleetInstancesRequireIMDSv2(t *testing.T) {
	for _, lt := range allResources(t, "AWS::EC2::LaunchTemplate", "") {
		if got := path(lt.Properties, "LaunchTemplateData", "MetadataOptions", "HttpTokens"); got != "required" {
			t.Errorf("%s: MetadataOptions.HttpTokens = %v, want required", lt, got)
		}
	}
}

func TestBuildInstancesRequireIMDSv2(t *testing.T) {
	for _, ic := range allResources(t, "AWS::ImageBuilder::InfrastructureConfiguration", "") {
		if got := path(ic.Properties, "InstanceMetadataOptions", "HttpTokens"); got != "required" {
			t.Errorf("%s: InstanceMetadataOptions.HttpTokens = %v, want required", ic, got)
		}
	}
}

func TestBuildInstancesAreTerminatedWhenABuildFails(t *testing.T) {
	for _, ic := range allResources(t, "AWS::ImageBuilder::InfrastructureConfiguration", "") {
		if got := ic.Properties["TerminateInstanceOnFailure"]; got != true {
			t.Errorf("%s: TerminateInstanceOnFailure = %v, want true", ic, got)
		}
	}
}

func TestFleetVolumesAreEncrypted(t *testing.T) {
	for _, lt := range allResources(t, "AWS::EC2::LaunchTemplate", "") {
		mappings := list(path(lt.Properties, "LaunchTemplateData", "BlockDeviceMappings"))
		if len(mappings) == 0 {
			t.Errorf("%s: no block device mapping", lt)
		}
		for i, m := range mappings {
			if got := path(m, "Ebs", "Encrypted"); got != true {
				t.Errorf("%s: BlockDeviceMappings[%d].Ebs.Encrypted = %v, want true", lt, i, got)
			}
		}
	}
}

func TestImageVolumesAreEncrypted(t *testing.T) {
	for _, r := range allResources(t, "AWS::ImageBuilder::ImageRecipe", "") {
		mappings := list(r.Properties["BlockDeviceMappings"])
		if len(mappings) == 0 {
			t.Errorf("%s: no block device mapping", r)
		}
		for i, m := range mappings {
			if got := path(m, "Ebs", "Encrypted"); got != true {
				t.Errorf("%s: BlockDeviceMappings[%d].Ebs.Encrypted = %v, want true", r, i, got)
			}
		}
	}
}

func TestAConfiguredKmsKeyEncryptsFleetAndImageVolumes(t *testing.T) {
	for _, lt := range allResources(t, "AWS::EC2::LaunchTemplate", "-cmk-fleet") {
		if got := path(lt.Properties, "LaunchTemplateData", "BlockDeviceMappings", 0, "Ebs", "KmsKeyId"); got != cmkKeyArn {
			t.Errorf("%s: root volume KmsKeyId = %v, want %s", lt, got, cmkKeyArn)
		}
	}
	for _, r := range allResources(t, "AWS::ImageBuilder::ImageRecipe", "-cmk-image-factory") {
		if got := path(r.Properties, "BlockDeviceMappings", 0, "Ebs", "KmsKeyId"); got != cmkKeyArn {
			t.Errorf("%s: root volume KmsKeyId = %v, want %s", r, got, cmkKeyArn)
		}
	}
}

func TestWithoutAKmsKeyVolumesUseTheAccountDefaultKey(t *testing.T) {
	for _, lt := range allResources(t, "AWS::EC2::LaunchTemplate", "-dev-fleet") {
		if got := path(lt.Properties, "LaunchTemplateData", "BlockDeviceMappings", 0, "Ebs", "KmsKeyId"); got != nil {
			t.Errorf("%s: root volume KmsKeyId = %v, want none (the account's default EBS key)", lt, got)
		}
	}
}

// allowStatements returns every Allow statement of the IAM policies (our
// own, inline or attached) in every stack.
func allowStatements(t *testing.T) map[string][]interface{} {
	out := map[string][]interface{}{}
	add := func(where string, doc interface{}) {
		for _, st := range list(path(doc, "Statement")) {
			if path(st, "Effect") == "Allow" {
				out[where] = append(out[where], st)
			}
		}
	}
	for _, typ := range []string{"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"} {
		for _, s := range assembled.Stacks {
			res, _ := s.Template["Resources"].(map[string]interface{})
			for id, v := range res {
				if path(v, "Type") == typ {
					add(s.Name+"/"+id, path(v, "Properties", "PolicyDocument"))
				}
			}
		}
	}
	for _, role := range allResources(t, "AWS::IAM::Role", "") {
		for i, p := range list(role.Properties["Policies"]) {
			add(fmt.Sprintf("%s.Policies[%d]", role, i), path(p, "PolicyDocument"))
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
			anyResource := slices.Contains(list(path(st, "Resource")), interface{}("*"))
			for _, a := range list(path(st, "Action")) {
				action, _ := a.(string)
				if anyResource && (action == "*" || strings.HasSuffix(action, ":*")) {
					t.Errorf("%s: allows %s on *", where, action)
				}
			}
		}
	}
}

func TestTopicsAreEncryptedWithAKeyThatRotates(t *testing.T) {
	for _, topic := range allResources(t, "AWS::SNS::Topic", "") {
		if topic.Properties["KmsMasterKeyId"] == nil {
			t.Errorf("%s: no KmsMasterKeyId", topic)
		}
	}
	for _, key := range allResources(t, "AWS::KMS::Key", "") {
		if key.Properties["EnableKeyRotation"] != true {
			t.Errorf("%s: EnableKeyRotation = %v, want true", key, key.Properties["EnableKeyRotation"])
		}
	}
}

// deniesInsecureTransport says whether a policy document denies every
// request made without TLS.
func deniesInsecureTransport(doc interface{}) bool {
	for _, st := range list(path(doc, "Statement")) {
		if path(st, "Effect") == "Deny" && path(st, "Condition", "Bool", "aws:SecureTransport") == "false" {
			return true
		}
	}
	return false
}

func TestTopicsRefuseRequestsWithoutTLS(t *testing.T) {
	policies := allResources(t, "AWS::SNS::TopicPolicy", "")
	for _, topic := range allResources(t, "AWS::SNS::Topic", "") {
		ok := false
		for _, p := range policies {
			if p.Stack == topic.Stack && reflect.DeepEqual(path(p.Properties, "Topics", 0), map[string]interface{}{"Ref": topic.ID}) {
				ok = ok || deniesInsecureTransport(p.Properties["PolicyDocument"])
			}
		}
		if !ok {
			t.Errorf("%s: no topic policy denies aws:SecureTransport false", topic)
		}
	}
}

func TestBuildLogBucketIsEncrypted(t *testing.T) {
	for _, b := range allResources(t, "AWS::S3::Bucket", "-image-factory") {
		if got := path(b.Properties, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "SSEAlgorithm"); got == nil {
			t.Errorf("%s: no default encryption", b)
		}
	}
}

func TestBuildLogBucketRefusesRequestsWithoutTLS(t *testing.T) {
	policies := allResources(t, "AWS::S3::BucketPolicy", "-image-factory")
	for _, b := range allResources(t, "AWS::S3::Bucket", "-image-factory") {
		ok := false
		for _, p := range policies {
			if p.Stack == b.Stack && reflect.DeepEqual(p.Properties["Bucket"], map[string]interface{}{"Ref": b.ID}) {
				ok = ok || deniesInsecureTransport(p.Properties["PolicyDocument"])
			}
		}
		if !ok {
			t.Errorf("%s: no bucket policy denies aws:SecureTransport false", b)
		}
	}
}

func TestBuildLogBucketBlocksPublicAccess(t *testing.T) {
	want := map[string]interface{}{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}
	for _, b := range allResources(t, "AWS::S3::Bucket", "-image-factory") {
		if got := b.Properties["PublicAccessBlockConfiguration"]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: PublicAccessBlockConfiguration = %v, want %v", b, got, want)
		}
	}
}

func TestBuildLogsExpireAfterTheConfiguredRetention(t *testing.T) {
	days := map[string]int{}
	for _, env := range config.Default().Environments {
		if env.Promotion == nil { // an environment that promotes has no build logs
			days[env.Name] = env.WithDefaults().Image.LogRetentionDays
		}
	}
	for name, want := range days {
		for _, b := range allResources(t, "AWS::S3::Bucket", "-"+name+"-image-factory") {
			got := path(b.Properties, "LifecycleConfiguration", "Rules", 0, "ExpirationInDays")
			if got != float64(want) || path(b.Properties, "LifecycleConfiguration", "Rules", 0, "Status") != "Enabled" {
				t.Errorf("%s: first lifecycle rule expires after %v days, want %d, enabled", b, got, want)
			}
		}
	}
}

func TestFleetSecurityGroupHasNoInboundRuleUnlessConfigured(t *testing.T) {
	for _, env := range config.Default().Environments {
		for _, sg := range allResources(t, "AWS::EC2::SecurityGroup", "-"+env.Name+"-fleet") {
			var want []interface{}
			for _, port := range env.Fleet.IngressPorts {
				want = append(want, map[string]interface{}{
					"CidrIp": env.Fleet.IngressCidr, "Description": fmt.Sprintf("tcp/%d from %s (configured)", port, env.Fleet.IngressCidr),
					"FromPort": float64(port), "ToPort": float64(port), "IpProtocol": "tcp",
				})
			}
			if got := list(sg.Properties["SecurityGroupIngress"]); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: SecurityGroupIngress = %v, want %v", sg, got, want)
			}
		}
		for _, rule := range resourcesOrNone("AWS::EC2::SecurityGroupIngress", "-"+env.Name+"-fleet") {
			t.Errorf("%s: a separate inbound rule", rule)
		}
	}
}

func TestBuildSecurityGroupHasNoInboundRule(t *testing.T) {
	for _, sg := range allResources(t, "AWS::EC2::SecurityGroup", "-image-factory") {
		if got := sg.Properties["SecurityGroupIngress"]; got != nil {
			t.Errorf("%s: SecurityGroupIngress = %v, want none", sg, got)
		}
	}
	for _, rule := range resourcesOrNone("AWS::EC2::SecurityGroupIngress", "-image-factory") {
		t.Errorf("%s: a separate inbound rule", rule)
	}
}

// resourcesOrNone is resources without the check that some exist.
func resourcesOrNone(typ, suffix string) []resource {
	var out []resource
	for _, s := range assembled.Stacks {
		res, _ := s.Template["Resources"].(map[string]interface{})
		for id, v := range res {
			if strings.HasSuffix(s.Name, suffix) && path(v, "Type") == typ {
				out = append(out, resource{Stack: s.Name, ID: id})
			}
		}
	}
	return out
}

func TestBuildInstancesRunInPrivateSubnets(t *testing.T) {
	private := map[string]bool{}
	for _, env := range append(config.Default().Environments, cmkEnvironment()) {
		if env.Network.Existing != nil {
			for _, id := range env.Network.Existing.PrivateSubnetIDs {
				private[id] = true
			}
		}
	}
	// Subnets of the VPCs the app creates, exported by the network stacks.
	for _, subnet := range allResources(t, "AWS::EC2::Subnet", "-network") {
		tags := list(subnet.Properties["Tags"])
		if slices.ContainsFunc(tags, func(tag interface{}) bool {
			return path(tag, "Key") == "aws-cdk:subnet-type" && path(tag, "Value") == "Private"
		}) && subnet.Properties["MapPublicIpOnLaunch"] != true {
			private[subnet.ID] = true
		}
	}
	for _, ic := range allResources(t, "AWS::ImageBuilder::InfrastructureConfiguration", "") {
		subnet := ic.Properties["SubnetId"]
		if id, ok := subnet.(string); ok && private[id] {
			continue
		}
		export, _ := path(subnet, "Fn::ImportValue").(string)
		if _, ref, ok := strings.Cut(export, ":ExportsOutputRef"); ok {
			id := ref[:len(ref)-8] // the export name ends with 8 hash digits
			if private[id] {
				continue
			}
		}
		t.Errorf("%s: SubnetId %v is not one of the private subnets", ic, subnet)
	}
}

func TestVpcsTheAppCreatesLogAllTraffic(t *testing.T) {
	logs := allResources(t, "AWS::EC2::FlowLog", "-network")
	for _, vpc := range allResources(t, "AWS::EC2::VPC", "") {
		ok := false
		for _, l := range logs {
			ok = ok || l.Stack == vpc.Stack && l.Properties["TrafficType"] == "ALL" &&
				reflect.DeepEqual(l.Properties["ResourceId"], map[string]interface{}{"Ref": vpc.ID})
		}
		if !ok {
			t.Errorf("%s: no flow log of all traffic", vpc)
		}
	}
}

func TestFleetSubnetsAssignNoPublicAddress(t *testing.T) {
	for _, subnet := range allResources(t, "AWS::EC2::Subnet", "-network") {
		if subnet.Properties["MapPublicIpOnLaunch"] == true {
			t.Errorf("%s: MapPublicIpOnLaunch = true", subnet)
		}
	}
	for _, lt := range allResources(t, "AWS::EC2::LaunchTemplate", "") {
		for i, ni := range list(path(lt.Properties, "LaunchTemplateData", "NetworkInterfaces")) {
			if path(ni, "AssociatePublicIpAddress") == true {
				t.Errorf("%s: NetworkInterfaces[%d].AssociatePublicIpAddress = true", lt, i)
			}
		}
	}
}
