package stacks_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/jsontree"
	"github.com/immutable-server/golden-fleet/stacks/internal/cdktest"
)

// Intent tests of the composition (app.go): which stacks each environment
// gets, in which order they deploy, what they carry across.

func TestEachEnvironmentHasAFleetStackAnImageFactoryStackUnlessItPromotesAndANetworkStackOnlyForACreatedVpc(t *testing.T) {
	for _, env := range synthesized.cfg.Environments {
		if _, ok := stackOf(env, "fleet"); !ok {
			t.Errorf("environment %s has no fleet stack", env.Name)
		}
		// An environment that promotes bakes nothing (promotion_test.go).
		if _, ok := stackOf(env, "image-factory"); ok != (env.Promotion == nil) {
			t.Errorf("environment %s: image-factory stack present=%v, Promotion %+v: want one exactly when it bakes", env.Name, ok, env.Promotion)
		}
		if _, hasNetwork := stackOf(env, "network"); hasNetwork != (env.Network.Create != nil) {
			t.Errorf("environment %s: network stack present=%v, but the config creates a VPC=%v", env.Name, hasNetwork, env.Network.Create != nil)
		}
	}
}

func TestTheImageFactoryDeploysAfterTheFleetItDistributesTo(t *testing.T) {
	forEachBakingEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		if !slices.Contains(tpl.ImageFactory.Dependencies, tpl.Fleet.Name) {
			t.Errorf("%s depends on %v, want it to depend on %s", tpl.ImageFactory.Name, tpl.ImageFactory.Dependencies, tpl.Fleet.Name)
		}
	})
}

// moto has no Image Builder: it skips those resources, and a Ref or
// GetAtt of one fails the whole create. The fleet stack must deploy to
// moto.
func TestTheFleetStackReadsNoImageBuilderAttribute(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		imageBuilder := map[string]bool{}
		for id, r := range tpl.Fleet.Template["Resources"].(map[string]any) {
			if typ, _ := cdktest.ValueAt(r, "Type").(string); strings.HasPrefix(typ, "AWS::ImageBuilder::") {
				imageBuilder[id] = true
			}
		}
		for id := range referencedLogicalIDs(tpl.Fleet.Template) {
			if imageBuilder[id] {
				t.Errorf("%s refers to Image Builder resource %s", tpl.Fleet.Name, id)
			}
		}
	})
}

// referencedLogicalIDs collects the logical ids v refers to through Ref
// and Fn::GetAtt, at any depth.
func referencedLogicalIDs(v any) map[string]bool {
	out := map[string]bool{}
	jsontree.Walk(v, func(_ []string, v any) bool {
		if m, ok := v.(map[string]any); ok {
			if id, ok := m["Ref"].(string); ok {
				out[id] = true
			}
			if id, ok := cdktest.ValueAt(m, "Fn::GetAtt", 0).(string); ok {
				out[id] = true
			}
		}
		return true
	})
	return out
}

func TestEveryStackCarriesTheEnvironmentTags(t *testing.T) {
	forEachEnvironment(t, func(t *testing.T, env config.Environment, tpl environmentTemplates) {
		asg := cdktest.OnlyResource(t, "AWS::AutoScaling::AutoScalingGroup", tpl.Fleet)
		tags := map[string]any{}
		for _, tag := range cdktest.AsList(asg.Properties["Tags"]) {
			tags[cdktest.ValueAt(tag, "Key").(string)] = cdktest.ValueAt(tag, "Value")
			if cdktest.ValueAt(tag, "PropagateAtLaunch") != true {
				t.Errorf("group tag %v does not propagate to instances", cdktest.ValueAt(tag, "Key"))
			}
		}
		for k, v := range env.Tags {
			if tags[k] != v {
				t.Errorf("group tag %s = %v, want %q", k, tags[k], v)
			}
		}
		if env.Promotion != nil {
			return // no image factory
		}
		pipeline := cdktest.OnlyResource(t, "AWS::ImageBuilder::ImagePipeline", tpl.ImageFactory)
		for k, v := range env.Tags {
			if got := cdktest.ValueAt(pipeline.Properties, "Tags", k); got != v {
				t.Errorf("pipeline tag %s = %v, want %q", k, got, v)
			}
		}
	})
}
