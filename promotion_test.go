package main

// Template tests of "build once, promote" (issue 9): the cross-account
// pieces in both accounts' stacks, read from the one synthesis of
// config.Default(), where prod (account 222222222222) promotes from dev
// (111111111111).

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/stacks"
)

// promotionPair is one promotion of the default configuration.
type promotionPair struct {
	source, target config.Environment
	names          config.PromotionNames
}

func promotionPairs(t *testing.T) []promotionPair {
	t.Helper()
	cfg := app(t).cfg
	var out []promotionPair
	for _, raw := range cfg.Environments {
		if raw.Promotion == nil {
			continue
		}
		target := raw.WithDefaults()
		source, ok := cfg.Environment(target.Promotion.From)
		if !ok {
			t.Fatalf("%s promotes from unknown %q", target.Name, target.Promotion.From)
		}
		out = append(out, promotionPair{source, target, cfg.PromotionNames(source.Name, target.Name)})
	}
	if len(out) == 0 {
		t.Fatal("config.Default() has no promotion: these tests read nothing")
	}
	return out
}

func stackOf(t *testing.T, env, role string) map[string]any {
	t.Helper()
	s := app(t)
	tpl := s.templates[stacks.StackName(s.cfg.Prefix, env, role)]
	if tpl == nil {
		t.Fatalf("no stack %s", stacks.StackName(s.cfg.Prefix, env, role))
	}
	return tpl
}

// named returns the logical id and properties of the resource of typ in
// tpl whose property prop equals name.
func named(t *testing.T, tpl map[string]any, typ, prop, name string) (string, map[string]any) {
	t.Helper()
	for id, p := range resources(tpl, typ) {
		if p[prop] == name {
			return id, p
		}
	}
	t.Fatalf("no %s with %s %q", typ, prop, name)
	return "", nil
}

// policyOf returns the statements of the AWS::IAM::Policy attached to the
// role with logical id roleID.
func policyOf(t *testing.T, tpl map[string]any, roleID string) []any {
	t.Helper()
	var out []any
	for _, p := range resources(tpl, "AWS::IAM::Policy") {
		if jsonOf(p["Roles"]) == jsonOf([]any{ref(roleID)}) {
			out = append(out, list(path(p, "PolicyDocument", "Statement"))...)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no policy attached to %s", roleID)
	}
	return out
}

func actionsOf(st any) []string {
	var out []string
	for _, a := range list(path(st, "Action")) {
		out = append(out, a.(string))
	}
	return out
}

func accountRoot(account string) string { return "arn:aws:iam::" + account + ":root" }

func TestAnEnvironmentThatPromotesBakesNothing(t *testing.T) {
	s := app(t)
	for _, p := range promotionPairs(t) {
		if _, ok := s.templates[stacks.StackName(s.cfg.Prefix, p.target.Name, "image-factory")]; ok {
			t.Errorf("%s promotes from %s but has an image-factory stack", p.target.Name, p.source.Name)
		}
		fleet := stackOf(t, p.target.Name, "fleet")
		for id, r := range fleet["Resources"].(map[string]any) {
			if typ := path(r, "Type").(string); strings.HasPrefix(typ, "AWS::ImageBuilder::") {
				t.Errorf("%s fleet stack holds %s (%s): a promoting environment has no pipeline to distribute for", p.target.Name, id, typ)
			}
		}
	}
}

func TestTheSourceEncryptsItsAmisWithItsCustomerManagedKey(t *testing.T) {
	for _, p := range promotionPairs(t) {
		factory := stackOf(t, p.source.Name, "image-factory")
		_, alias := named(t, factory, "AWS::KMS::Alias", "AliasName", p.names.AmiKeyAlias)
		keyID, _ := path(alias, "TargetKeyId", "Fn::GetAtt", 0).(string)
		key, ok := resources(factory, "AWS::KMS::Key")[keyID]
		if !ok {
			t.Fatalf("alias %s targets %s, not a key of the stack", p.names.AmiKeyAlias, jsonOf(alias["TargetKeyId"]))
		}
		if key["EnableKeyRotation"] != true {
			t.Errorf("AMI key rotation = %v, want true", key["EnableKeyRotation"])
		}
		// The AWS-managed key aws/ebs cannot encrypt an AMI that is shared.
		_, recipe := only(t, factory, "AWS::ImageBuilder::ImageRecipe")
		if got, want := jsonOf(path(recipe, "BlockDeviceMappings", 0, "Ebs", "KmsKeyId")), jsonOf(getAtt(keyID, "Arn")); got != want {
			t.Errorf("recipe root volume KmsKeyId = %s, want %s, the AMI key", got, want)
		}
	}
}

func TestTheSourceKeyLetsItsTargetAccountsCopyAndEbsUseIt(t *testing.T) {
	for _, p := range promotionPairs(t) {
		factory := stackOf(t, p.source.Name, "image-factory")
		_, alias := named(t, factory, "AWS::KMS::Alias", "AliasName", p.names.AmiKeyAlias)
		key := resources(factory, "AWS::KMS::Key")[path(alias, "TargetKeyId", "Fn::GetAtt", 0).(string)]
		var external []string
		var ebs, use, grants bool
		for _, st := range list(path(key, "KeyPolicy", "Statement")) {
			principal := path(st, "Principal", "AWS")
			switch {
			case principal == "*":
				// Only through EBS, only by this account: what aws/ebs allows.
				ebs = path(st, "Condition", "StringEquals", "kms:CallerAccount") == p.source.Account &&
					path(st, "Condition", "StringEquals", "kms:ViaService") == "ec2."+p.source.Region+".amazonaws.com"
				if !ebs {
					t.Errorf("statement for every principal is not limited to EBS in this account: %s", jsonOf(st))
				}
			case principal == accountRoot(p.source.Account):
			default:
				external = append(external, principal.(string))
				if principal != accountRoot(p.target.Account) {
					continue
				}
				acts := actionsOf(st)
				if slices.Contains(acts, "kms:Decrypt") && slices.Contains(acts, "kms:ReEncryptFrom") {
					use = true
				}
				if slices.Contains(acts, "kms:CreateGrant") {
					grants = path(st, "Condition", "Bool", "kms:GrantIsForAWSResource") == true
					if !grants {
						t.Errorf("the target may create grants for anyone: %s", jsonOf(st))
					}
				}
			}
		}
		if !ebs || !use || !grants {
			t.Errorf("key policy: EBS in the account %v, target decrypts and re-encrypts %v, target grants to AWS services only %v; want all", ebs, use, grants)
		}
		for _, e := range external {
			if e != accountRoot(p.target.Account) {
				t.Errorf("key policy names %s, which promotes nothing from %s", e, p.source.Name)
			}
		}
	}
}

func TestThePromotionDistributionCopiesToTheTargetAndWritesItsParameter(t *testing.T) {
	s := app(t)
	for _, p := range promotionPairs(t) {
		_, dist := named(t, stackOf(t, p.source.Name, "image-factory"), "AWS::ImageBuilder::DistributionConfiguration", "Name", p.names.Distribution)
		ds := list(dist["Distributions"])
		if len(ds) != 1 {
			t.Fatalf("%d distributions, want one, in the target's region", len(ds))
		}
		d := ds[0]
		if path(d, "Region") != p.target.Region {
			t.Errorf("Region = %v, want %s", path(d, "Region"), p.target.Region)
		}
		if got := jsonOf(path(d, "AmiDistributionConfiguration", "TargetAccountIds")); got != jsonOf([]string{p.target.Account}) {
			t.Errorf("TargetAccountIds = %s, want [%s]", got, p.target.Account)
		}
		want := jsonOf([]any{map[string]any{"AmiAccountId": p.target.Account, "DataType": "aws:ec2:image",
			"ParameterName": stacks.GoldenParameterName(s.cfg.Prefix, p.target.Name)}})
		if got := jsonOf(path(d, "SsmParameterConfigurations")); got != want {
			t.Errorf("SsmParameterConfigurations = %s, want %s", got, want)
		}
		if path(d, "LaunchTemplateConfigurations") != nil {
			t.Errorf("the promotion adds launch template versions: %s", jsonOf(path(d, "LaunchTemplateConfigurations")))
		}
		if path(d, "AmiDistributionConfiguration", "AmiTags", config.TagEnvironment) != p.target.Name {
			t.Errorf("copies are not tagged %s=%s: %s", config.TagEnvironment, p.target.Name, jsonOf(path(d, "AmiDistributionConfiguration", "AmiTags")))
		}
		_, role := named(t, stackOf(t, p.source.Name, "image-factory"), "AWS::IAM::Role", "RoleName", p.names.ExecutionRole)
		if path(role, "AssumeRolePolicyDocument", "Statement", 0, "Principal", "Service") != "imagebuilder.amazonaws.com" {
			t.Errorf("execution role %s is not Image Builder's: %s", p.names.ExecutionRole, jsonOf(role["AssumeRolePolicyDocument"]))
		}
	}
}

func TestTheAccessRoleTrustsOnlyTheTargetAccountAndSharesOnlyWithIt(t *testing.T) {
	for _, p := range promotionPairs(t) {
		fleet := stackOf(t, p.source.Name, "fleet")
		id, role := named(t, fleet, "AWS::IAM::Role", "RoleName", p.names.AccessRole)
		trust := list(path(role, "AssumeRolePolicyDocument", "Statement"))
		if len(trust) != 1 || path(trust[0], "Principal", "AWS") != accountRoot(p.target.Account) || path(trust[0], "Action") != "sts:AssumeRole" {
			t.Errorf("trust policy %s, want only sts:AssumeRole by %s", jsonOf(trust), accountRoot(p.target.Account))
		}
		if role["ManagedPolicyArns"] != nil {
			t.Errorf("managed policies %s: want only the role's own statements", jsonOf(role["ManagedPolicyArns"]))
		}
		// Reads, and the four actions a promotion needs of the source.
		writes := map[string]bool{"ec2:ModifyImageAttribute": true, "ec2:ModifySnapshotAttribute": true,
			"imagebuilder:DistributeImage": true, "iam:PassRole": true}
		for _, st := range policyOf(t, fleet, id) {
			for _, a := range actionsOf(st) {
				verb := a[strings.Index(a, ":")+1:]
				read := strings.HasPrefix(verb, "Describe") || strings.HasPrefix(verb, "Get") || strings.HasPrefix(verb, "List")
				if !read && !writes[a] {
					t.Errorf("the access role may %s: want reads and %v only", a, writes)
				}
				switch a {
				case "ec2:ModifyImageAttribute", "ec2:ModifySnapshotAttribute":
					if path(st, "Condition", "StringEquals", "ec2:Add/userId") != p.target.Account {
						t.Errorf("%s is not limited to adding %s: %s", a, p.target.Account, jsonOf(st))
					}
				case "iam:PassRole":
					if r, _ := path(st, "Resource").(string); !strings.HasSuffix(r, ":role/"+p.names.ExecutionRole) ||
						path(st, "Condition", "StringEquals", "iam:PassedToService") != "imagebuilder.amazonaws.com" {
						t.Errorf("PassRole %s, want only %s to Image Builder", jsonOf(st), p.names.ExecutionRole)
					}
				}
			}
			if slices.Contains(actionsOf(st), "ec2:ModifyImageAttribute") && path(st, "Condition", "StringEquals", "ec2:ResourceTag/"+config.TagEnvironment) != p.source.Name {
				t.Errorf("ModifyImageAttribute is not limited to AMIs tagged %s=%s: %s", config.TagEnvironment, p.source.Name, jsonOf(st))
			}
		}
	}
}

func TestTheTargetsCrossAccountRoleHasExactlyWhatAPromotionUses(t *testing.T) {
	s := app(t)
	for _, p := range promotionPairs(t) {
		fleet := stackOf(t, p.target.Name, "fleet")
		id, role := named(t, fleet, "AWS::IAM::Role", "RoleName", config.ImageBuilderCrossAccountRoleName)
		if got := jsonOf(path(role, "AssumeRolePolicyDocument", "Statement", 0, "Principal", "AWS")); got != jsonOf(accountRoot(p.source.Account)) {
			t.Errorf("trusted %s, want the source account %s", got, accountRoot(p.source.Account))
		}
		if role["ManagedPolicyArns"] != nil {
			t.Errorf("managed policies %s: want exactly the statements a promotion uses", jsonOf(role["ManagedPolicyArns"]))
		}
		var all []string
		parameter := "arn:aws:ssm:" + p.target.Region + ":" + p.target.Account + ":parameter" + stacks.GoldenParameterName(s.cfg.Prefix, p.target.Name)
		for _, st := range policyOf(t, fleet, id) {
			acts := actionsOf(st)
			all = append(all, acts...)
			for _, a := range acts {
				switch {
				case strings.HasPrefix(a, "ssm:"):
					if a != "ssm:PutParameter" || jsonOf(path(st, "Resource")) != jsonOf(parameter) {
						t.Errorf("SSM statement %s, want only ssm:PutParameter on %s", jsonOf(st), parameter)
					}
				case strings.HasPrefix(a, "kms:"):
					if got := jsonOf(path(st, "Condition", "ForAnyValue:StringEquals", "kms:ResourceAliases")); got != jsonOf([]string{p.names.AmiKeyAlias}) {
						t.Errorf("KMS statement on %s limited to aliases %s, want [%s]", jsonOf(path(st, "Resource")), got, p.names.AmiKeyAlias)
					}
				}
			}
		}
		sort.Strings(all)
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
	}
}

func TestPromotionNamesAgreeWithTheStacks(t *testing.T) {
	s := app(t)
	for _, p := range promotionPairs(t) {
		if want := stacks.StackName(s.cfg.Prefix, p.source.Name, "fleet"); p.names.SourceFleetStack != want {
			t.Errorf("SourceFleetStack = %s, want %s", p.names.SourceFleetStack, want)
		}
		if want := stacks.StackName(s.cfg.Prefix, p.target.Name, "fleet"); p.names.TargetFleetStack != want {
			t.Errorf("TargetFleetStack = %s, want %s", p.names.TargetFleetStack, want)
		}
	}
}
