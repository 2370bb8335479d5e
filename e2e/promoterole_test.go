//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/immutable-server/golden-fleet/config"
)

// fleetctl promote runs as the role docs/deploy-and-promote.md prescribes
// for it (golden-fleet-promote, in the target's account), with the
// permissions policy read from that page: the e2e proves the documented
// policy is enough (with authorization on, e2e/moto_authz.py). The page's
// example promotes dev (111111111111) to prod (222222222222) in
// eu-west-1; the names and accounts are mapped to this run's src and dst.
// GitHub's OIDC federation is not emulated: the role trusts the target
// account's operator, which assumes it as the promotion job would.

const promoteRoleName = "golden-fleet-promote"

var promoteRole struct {
	sync.Once
	env []string
	err error
}

// promoteRoleEnv is the environment fleetctl promote runs with: the
// prescribed role's credentials in the target account.
func promoteRoleEnv(t *testing.T) []string {
	t.Helper()
	promoteRole.Do(func() { promoteRole.env, promoteRole.err = deployPromoteRole() })
	if promoteRole.err != nil {
		t.Fatalf("the promote role of docs/deploy-and-promote.md: %v", promoteRole.err)
	}
	return promoteRole.env
}

// documentedPromotePolicy is the permissions policy of golden-fleet-promote
// in docs/deploy-and-promote.md, mapped to this run.
func documentedPromotePolicy() (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "docs", "deploy-and-promote.md"))
	if err != nil {
		return "", err
	}
	doc := string(b)
	i := strings.Index(doc, "Permissions, each for one step of `fleetctl promote`")
	if i < 0 {
		return "", fmt.Errorf("the page no longer has the promote role's permissions")
	}
	start := strings.Index(doc[i:], "```json\n")
	end := strings.Index(doc[i+start+8:], "```")
	if start < 0 || end < 0 {
		return "", fmt.Errorf("no JSON block after the promote role's permissions")
	}
	policy := doc[i+start+8 : i+start+8+end]
	dev, prod := config.Names{Prefix: prefix, Env: "dev"}, config.Names{Prefix: prefix, Env: "prod"}
	src, dst := config.Names{Prefix: prefix, Env: promoSource}, config.Names{Prefix: prefix, Env: promoTarget}
	policy = strings.NewReplacer(
		dev.PromotionAccessRole("prod"), src.PromotionAccessRole(promoTarget),
		prod.Stack(config.FleetStack), dst.Stack(config.FleetStack),
		strings.TrimPrefix(prod.GoldenParameter(), "/"), strings.TrimPrefix(dst.GoldenParameter(), "/"),
		dev.AmiKeyAlias(), src.AmiKeyAlias(),
		"111111111111", account, "222222222222", targetAccount, "eu-west-1", region,
	).Replace(policy)
	var check any
	if err := json.Unmarshal([]byte(policy), &check); err != nil {
		return "", fmt.Errorf("the promote role's permissions on the page are not JSON: %w", err)
	}
	return policy, nil
}

func deployPromoteRole() ([]string, error) {
	policy, err := documentedPromotePolicy()
	if err != nil {
		return nil, err
	}
	var doc any
	_ = json.Unmarshal([]byte(policy), &doc)
	trust := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Action": "sts:AssumeRole",
		"Principal": map[string]any{"AWS": "arn:aws:iam::" + targetAccount + ":role/golden-fleet-e2e"}}}}
	tpl, _ := json.Marshal(map[string]any{"Resources": map[string]any{"PromoteRole": map[string]any{
		"Type": "AWS::IAM::Role",
		"Properties": map[string]any{"RoleName": promoteRoleName, "AssumeRolePolicyDocument": trust,
			"Policies": []any{map[string]any{"PolicyName": "fleetctl-promote", "PolicyDocument": doc}}}}}})
	ctx := context.Background()
	cfn := cloudformation.NewFromConfig(mustConfigFor(promo.targetEnv))
	if _, err := cfn.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName: aws.String(promoteRoleName), TemplateBody: aws.String(string(tpl)),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityNamedIam},
	}); err != nil {
		return nil, fmt.Errorf("deploying %s in %s: %w", promoteRoleName, targetAccount, err)
	}
	out, err := sts.NewFromConfig(mustConfigFor(promo.targetEnv)).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + targetAccount + ":role/" + promoteRoleName), RoleSessionName: aws.String("promote-prod")})
	if err != nil {
		return nil, fmt.Errorf("assuming %s: %w", promoteRoleName, err)
	}
	logf("fleetctl promote runs as %s (%s), its policy from docs/deploy-and-promote.md", promoteRoleName, targetAccount)
	return targetEnvOf(out.Credentials), nil
}

// mustConfigFor is an SDK configuration with the credentials of an
// environment of promo (AWS_ACCESS_KEY_ID=…).
func mustConfigFor(env []string) aws.Config {
	get := func(k string) string {
		for _, e := range env {
			if v, ok := strings.CutPrefix(e, k+"="); ok {
				return v
			}
		}
		return ""
	}
	cfg, err := awsConfig(context.Background(), credentials.NewStaticCredentialsProvider(
		get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY"), get("AWS_SESSION_TOKEN")))
	if err != nil {
		panic(err)
	}
	return cfg
}
