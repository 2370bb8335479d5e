package imagebuild

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/immutable-server/golden-fleet/internal/jsontree"
)

// factoryTemplate is the part of an image factory template the execution
// role is read from: the pipeline naming its role, a policy attached to
// it (Policy1, Policy0 in the other order), and one attached elsewhere.
const factoryTemplate = `{"Resources": {
  "Pipeline": {"Type": "AWS::ImageBuilder::ImagePipeline", "Properties": {"ExecutionRole": {"Fn::GetAtt": ["Role", "Arn"]}}},
  "Role": {"Type": "AWS::IAM::Role"},
  "Policy1": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role"}],
    "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "ssm:PutParameter", "Resource": "*"}]}}},
  "Policy0": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role"}],
    "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*"}]}}},
  "Other": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "OtherRole"}],
    "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}}
}}`

func TestExecutionRoleIsThePipelinesRoleWithItsPolicies(t *testing.T) {
	var tpl map[string]any
	if err := json.Unmarshal([]byte(factoryTemplate), &tpl); err != nil {
		t.Fatal(err)
	}
	role, policies, err := ExecutionRole(tpl["Resources"].(map[string]any))
	if err != nil || role != "Role" || !slices.Equal(policies, []string{"Policy0", "Policy1"}) {
		t.Errorf("got %q %v %v; want Role [Policy0 Policy1]", role, policies, err)
	}
	if _, _, err := ExecutionRole(map[string]any{"Role": map[string]any{"Type": "AWS::IAM::Role"}}); err == nil {
		t.Error("a template without a pipeline gave an execution role")
	}
}

func TestExecutionPolicyIsTheStatementsOfTheRolesPolicies(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "factory.template.json"), []byte(factoryTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := ExecutionPolicy(dir, "factory")
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, x := range st {
		actions = append(actions, jsontree.Dig(x, "Action").(string))
	}
	if !slices.Equal(actions, []string{"ec2:CreateTags", "ssm:PutParameter"}) {
		t.Errorf("actions %v: want those of the role's two policies, Policy0's first, and not the other role's", actions)
	}
}
