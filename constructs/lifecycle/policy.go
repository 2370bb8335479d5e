// Package lifecycle retires old golden AMIs without ever stranding a
// fleet: an Image Builder lifecycle policy that deprecates, then deletes,
// an environment's old images with their AMIs and snapshots (Policy), and
// the marker that tags the AMIs the fleets run or may roll back to,
// which every rule of the policy excludes (Marker; tag keys in
// internal/marks).
package lifecycle

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/immutable-server/golden-fleet/internal/constructcheck"
	"github.com/immutable-server/golden-fleet/internal/marks"
)

// PolicyProps configures Policy.
type PolicyProps struct {
	// Name of the policy.
	Name string
	// ImageTags select the images the policy acts on: the tags the
	// pipeline gives every image it builds (config.PipelineTagKey). At
	// least one.
	ImageTags map[string]string
	// KeepLatest newest images are never deleted, whatever their age
	// (1 to 10, the delete rule's RetainAtLeast); they are deprecated
	// with the others.
	KeepLatest int
	// DeprecateAfterDays and DeleteAfterDays: older images are deprecated,
	// then deleted with their AMIs and snapshots.
	DeprecateAfterDays, DeleteAfterDays int
	// Tags on the policy. Default: none, the policy is untagged.
	Tags map[string]string
}

// Policy is an AMI image lifecycle policy with its execution role. Both of
// its rules exclude the image resources and AMIs marked with
// marks.RetainKey.
type Policy struct {
	constructs.Construct
	// Resource is the L1 lifecycle policy, the escape hatch.
	Resource awsimagebuilder.CfnLifecyclePolicy
	// ExecutionRole is the role Image Builder runs the policy with.
	ExecutionRole awsiam.Role
	name          string
}

// Exclusion is the exclusion rule of every rule of the policy: image
// resources and AMIs that carry the retain mark are skipped. Both are
// needed (Image Builder API reference, LifecyclePolicyDetailExclusionRules
// and LifecyclePolicyDetailExclusionRulesAmis; cfn-lint's schema of
// AWS::ImageBuilder::LifecyclePolicy ExclusionRules and AmiExclusionRules):
// TagMap holds "tags that Image Builder uses to skip lifecycle actions for
// Image Builder image resources that have them", Amis.TagMap "tags that
// should be excluded from lifecycle actions for the AMIs that have them".
// An AMI exclusion alone keeps the AMI but lets the rules deprecate and
// delete its image resource, which promotion's image-tests gate reads.
// internal/marks puts the mark on both.
func Exclusion() *awsimagebuilder.CfnLifecyclePolicy_ExclusionRulesProperty {
	return &awsimagebuilder.CfnLifecyclePolicy_ExclusionRulesProperty{
		TagMap: &map[string]*string{marks.RetainKey: jsii.String(marks.RetainValue)},
		Amis: &awsimagebuilder.CfnLifecyclePolicy_AmiExclusionRulesProperty{
			TagMap: &map[string]*string{marks.RetainKey: jsii.String(marks.RetainValue)},
		},
	}
}

// NewPolicy creates the policy.
func NewPolicy(scope constructs.Construct, id string, props PolicyProps) *Policy {
	c := constructs.NewConstruct(scope, &id)
	if len(props.ImageTags) == 0 {
		constructcheck.Fail(c, "lifecycle policy %s: ImageTags got none: want at least one tag to select the pipeline's images by", props.Name)
	}
	role := awsiam.NewRole(c, jsii.String("ExecutionRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("imagebuilder.amazonaws.com"), nil),
		Description: jsii.String("Image Builder lifecycle policy " + props.Name),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/EC2ImageBuilderLifecycleExecutionPolicy")),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM4"),
		Reason: jsii.String("EC2ImageBuilderLifecycleExecutionPolicy is the policy AWS maintains for lifecycle policies " +
			"(deprecate, disable, deregister, delete snapshots, find images by tag)"),
		AppliesTo: &[]interface{}{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy"},
	}}, jsii.Bool(true))

	// RetainAtLeast is documented for age-based DELETE rules only ("the
	// number of resources to keep on hand after the lifecycle DELETE
	// action is applied", LifecyclePolicyDetailFilter), so only the delete
	// rule carries it.
	rule := func(action string, days int, snapshots bool) interface{} {
		filter := &awsimagebuilder.CfnLifecyclePolicy_FilterProperty{
			Type: jsii.String("AGE"), Value: jsii.Number(float64(days)), Unit: jsii.String("DAYS"),
		}
		if action == "DELETE" {
			filter.RetainAtLeast = jsii.Number(float64(props.KeepLatest))
		}
		return &awsimagebuilder.CfnLifecyclePolicy_PolicyDetailProperty{
			Action: &awsimagebuilder.CfnLifecyclePolicy_ActionProperty{
				Type: jsii.String(action),
				IncludeResources: &awsimagebuilder.CfnLifecyclePolicy_IncludeResourcesProperty{
					Amis: jsii.Bool(true), Snapshots: jsii.Bool(snapshots),
				},
			},
			Filter:         filter,
			ExclusionRules: Exclusion(),
		}
	}
	selection := map[string]*string{}
	for k, v := range props.ImageTags {
		selection[k] = jsii.String(v)
	}
	var tags *map[string]*string
	if len(props.Tags) > 0 {
		t := map[string]*string{}
		for k, v := range props.Tags {
			t[k] = jsii.String(v)
		}
		tags = &t
	}
	res := awsimagebuilder.NewCfnLifecyclePolicy(c, jsii.String("Resource"), &awsimagebuilder.CfnLifecyclePolicyProps{
		Name: jsii.String(props.Name),
		Description: jsii.String(fmt.Sprintf("Deprecates images older than %d days, deletes them with their AMIs and snapshots after %d; "+
			"never deletes the %d newest nor any image or AMI tagged %s=%s", props.DeprecateAfterDays, props.DeleteAfterDays, props.KeepLatest,
			marks.RetainKey, marks.RetainValue)),
		ResourceType:      jsii.String("AMI_IMAGE"),
		ExecutionRole:     role.RoleArn(),
		Status:            jsii.String("ENABLED"),
		ResourceSelection: &awsimagebuilder.CfnLifecyclePolicy_ResourceSelectionProperty{TagMap: &selection},
		PolicyDetails: &[]interface{}{
			rule("DEPRECATE", props.DeprecateAfterDays, false),
			rule("DELETE", props.DeleteAfterDays, true),
		},
		Tags: tags,
	})
	return &Policy{Construct: c, Resource: res, ExecutionRole: role, name: props.Name}
}

// Name of the policy.
func (p *Policy) Name() *string { return jsii.String(p.name) }

// Arn of the policy.
func (p *Policy) Arn() *string { return p.Resource.AttrArn() }
