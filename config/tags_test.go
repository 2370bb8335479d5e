package config

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/internal/jsontree"
)

// goldenTemplates is where the golden templates of config.Default() live.
const goldenTemplates = "../stacks/testdata"

// AddedTags lists exactly what the stacks add to an environment's tags:
// in the golden templates, every tagged resource carries its
// environment's Tags plus the keys of one AddedTags entry, and every
// entry's keys appear somewhere. So a construct that starts adding a tag
// fails here until AddedTags (and with it Validate's tag limit) counts it.
func TestAddedTagsAreWhatTheStacksAdd(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(goldenTemplates, "*.template.json"))
	if len(files) == 0 {
		t.Fatalf("no golden templates under %s", goldenTemplates)
	}
	app := Default()
	entries := map[string]bool{}
	for _, a := range AddedTags() {
		entries[strings.Join(a.Keys, ",")] = false
	}
	for _, file := range files {
		stack := strings.TrimSuffix(filepath.Base(file), ".template.json")
		var env *Environment
		for i := range app.Environments {
			n := app.NamesOf(app.Environments[i])
			for _, role := range StackRoles {
				if n.Stack(role) == stack {
					env = &app.Environments[i]
				}
			}
		}
		if env == nil {
			t.Fatalf("%s is no stack of config.Default()", file)
		}
		var template map[string]any
		readJSON(t, file, false, &template)
		for id, r := range template["Resources"].(map[string]any) {
			for _, tags := range tagSets(r) {
				var extra []string
				for _, k := range tags {
					if _, own := env.Tags[k]; !own {
						extra = append(extra, k)
					}
				}
				sort.Strings(extra)
				if _, listed := entries[strings.Join(extra, ",")]; !listed {
					t.Errorf("%s %s carries %v besides the environment's tags: no AddedTags entry lists exactly these", stack, id, extra)
				} else {
					entries[strings.Join(extra, ",")] = true
				}
				for k := range env.Tags {
					if !slices.Contains(tags, k) {
						t.Errorf("%s %s lacks the environment's tag %s", stack, id, k)
					}
				}
			}
		}
	}
	for keys, seen := range entries {
		if !seen {
			t.Errorf("AddedTags lists %q, which no resource of the golden templates carries", keys)
		}
	}
	if _, err := os.Stat(filepath.Join(goldenTemplates, "golden-fleet-dev-network.template.json")); err != nil {
		t.Errorf("no template of a created VPC to check: %v", err)
	}
}

// tagSets returns the tag keys of every tag list or map of a resource:
// Tags, TagSpecifications[].Tags, AmiTags, ResourceTags.
func tagSets(v any) [][]string {
	var out [][]string
	jsontree.Walk(v, func(path []string, v any) bool {
		if n := len(path); n > 0 && (path[n-1] == "Tags" || path[n-1] == "AmiTags" || path[n-1] == "ResourceTags") {
			if keys := tagKeys(v); keys != nil {
				out = append(out, keys)
				return false
			}
		}
		return true
	})
	return out
}

func tagKeys(v any) []string {
	keys := []string{}
	switch x := v.(type) {
	case map[string]any:
		for k := range x {
			keys = append(keys, k)
		}
	case []any:
		for _, e := range x {
			k, ok := jsontree.Dig(e, "Key").(string)
			if !ok {
				return nil
			}
			keys = append(keys, k)
		}
	default:
		return nil
	}
	return keys
}

// The limit an environment's tags must keep is the tightest of the
// places they reach, less what is added there.
// Today the build instances' 30 bind: every other place takes 50, less
// at most the 9 tags a promoted AMI carries besides the environment's
// (the two of the promotion's distribution, the five of fleetctl's
// record, the two lifecycle marks).
func TestTagLimitCountsWhatTheAppAdds(t *testing.T) {
	for _, created := range []bool{true, false} {
		limit, why := tagLimit(created)
		if limit != 30 || !strings.Contains(why, "ResourceTags") {
			t.Errorf("created VPC %v: tagLimit = %d (%s), want 30 (Image Builder's ResourceTags)", created, limit, why)
		}
	}
	most := 0
	for _, a := range AddedTags() {
		if a.Limit == MaxTags {
			most = max(most, len(a.Keys)+len(a.Later))
		}
	}
	if most != 9 || MaxTags-most <= MaxImageBuilderResourceTags {
		t.Errorf("the app, CDK and fleetctl add at most %d tags where %d are allowed; want 9 (a promoted AMI's environment, source, record and lifecycle marks)", most, MaxTags)
	}
}
