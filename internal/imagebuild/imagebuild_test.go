package imagebuild

import (
	"maps"
	"slices"
	"testing"
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
