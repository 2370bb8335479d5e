package jsontree

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestWalkVisitsEveryNodeWithItsPathAndSkipsWhatVisitRefuses(t *testing.T) {
	var v any
	if err := json.Unmarshal([]byte(`{"a": [{"b": 1}, 2], "skip": {"c": 3}, "d": null}`), &v); err != nil {
		t.Fatal(err)
	}
	var got []string
	Walk(v, func(path []string, _ any) bool {
		got = append(got, "/"+strings.Join(path, "/"))
		return len(path) == 0 || path[0] != "skip"
	})
	slices.Sort(got)
	want := []string{"/", "/a", "/a/*", "/a/*", "/a/*/b", "/d", "/skip"}
	if !slices.Equal(got, want) {
		t.Errorf("visited %v, want %v", got, want)
	}
}

func TestWalkGivesEachVisitAPathOfItsOwn(t *testing.T) {
	var v any
	if err := json.Unmarshal([]byte(`{"a": {"b": {"c": {"w": 1, "x": 2, "y": 3, "z": 4}}}}`), &v); err != nil {
		t.Fatal(err)
	}
	var kept [][]string
	Walk(v, func(path []string, _ any) bool {
		kept = append(kept, path)
		return true
	})
	var leaves []string
	for _, p := range kept {
		if len(p) == 4 {
			leaves = append(leaves, strings.Join(p, "/"))
		}
	}
	slices.Sort(leaves)
	if want := []string{"a/b/c/w", "a/b/c/x", "a/b/c/y", "a/b/c/z"}; !slices.Equal(leaves, want) {
		t.Errorf("kept paths %v, want %v: a later visit changed a path kept earlier", leaves, want)
	}
}
