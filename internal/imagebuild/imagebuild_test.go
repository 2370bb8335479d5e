package imagebuild

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/immutable-server/golden-fleet/internal/jsontree"
)

// The execution role is the one the pipeline names; its policies are the
// AWS::IAM::Policy resources that list it, none other.
func TestExecutionRoleIsThePipelinesAndItsPoliciesTheOnesAttachedToIt(t *testing.T) {
	attached := func(typ, role string) map[string]any {
		return map[string]any{"Type": typ, "Properties": map[string]any{"Roles": []any{map[string]any{"Ref": role}}}}
	}
	resources := map[string]any{
		"Pipeline":      map[string]any{"Type": "AWS::ImageBuilder::ImagePipeline", "Properties": map[string]any{"ExecutionRole": map[string]any{"Fn::GetAtt": []any{"ExecRole", "Arn"}}}},
		"ExecRole":      map[string]any{"Type": "AWS::IAM::Role"},
		"OtherRole":     map[string]any{"Type": "AWS::IAM::Role"},
		"ExecPolicy":    attached("AWS::IAM::Policy", "ExecRole"),
		"OtherPolicy":   attached("AWS::IAM::Policy", "OtherRole"),
		"ManagedPolicy": attached("AWS::IAM::ManagedPolicy", "ExecRole"),
	}
	role, policies := ExecutionRole(resources)
	if role != "ExecRole" {
		t.Errorf("role %q, want ExecRole", role)
	}
	if got := slices.Sorted(maps.Keys(policies)); !slices.Equal(got, []string{"ExecPolicy"}) {
		t.Errorf("policies %v, want [ExecPolicy]", got)
	}

	delete(resources, "Pipeline")
	if role, policies := ExecutionRole(resources); role != "" || policies != nil {
		t.Errorf("without a pipeline: %q %v, want none", role, policies)
	}
}

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
