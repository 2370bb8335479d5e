package cdktest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// Resource is one resource of one stack's template.
type Resource struct {
	Stack, LogicalID, Type string
	// Properties is the resource's Properties block; nil when it has none.
	Properties map[string]any
}

// String is "<stack>/<logical id>", for messages.
func (r Resource) String() string { return r.Stack + "/" + r.LogicalID }

// Resources lists every resource of type typ in stacks, sorted by stack
// and logical id. This is the one way the tests list resources.
func Resources(typ string, stacks ...Stack) []Resource {
	var out []Resource
	for _, s := range stacks {
		all, _ := s.Template["Resources"].(map[string]any)
		for id, v := range all {
			if ValueAt(v, "Type") != typ {
				continue
			}
			props, _ := ValueAt(v, "Properties").(map[string]any)
			out = append(out, Resource{Stack: s.Name, LogicalID: id, Type: typ, Properties: props})
		}
	}
	slices.SortFunc(out, func(a, b Resource) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// RequireResources is Resources that fails the test when there is none:
// a check over no resource would pass without checking anything.
func RequireResources(t testing.TB, typ string, stacks ...Stack) []Resource {
	t.Helper()
	out := Resources(typ, stacks...)
	if len(out) == 0 {
		names := make([]string, len(stacks))
		for i, s := range stacks {
			names[i] = s.Name
		}
		t.Fatalf("no %s in stacks %v: the test would check nothing", typ, names)
	}
	return out
}

// OnlyResource returns the single resource of type typ in stack and fails
// the test when there is not exactly one.
func OnlyResource(t testing.TB, typ string, stack Stack) Resource {
	t.Helper()
	rs := Resources(typ, stack)
	if len(rs) != 1 {
		t.Fatalf("%s: want exactly one %s, got %d", stack.Name, typ, len(rs))
	}
	return rs[0]
}

// ValueAt walks a parsed JSON value: a string key indexes an object, an
// int index a list. It returns nil where the path does not exist.
func ValueAt(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k < 0 || k >= len(l) {
				return nil
			}
			v = l[k]
		default:
			return nil
		}
	}
	return v
}

// AsList reads a CloudFormation property that may be one value or a list
// of them (Action, Resource, Statement…) as a list; nil is an empty list.
func AsList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}

// CompactJSON is v as one line of JSON, with object keys sorted, for
// comparing values and printing them in messages.
func CompactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "(not JSON: " + err.Error() + ")"
	}
	return string(b)
}

// Ref is the template's {"Ref": logicalID}.
func Ref(logicalID string) map[string]any { return map[string]any{"Ref": logicalID} }

// GetAtt is the template's {"Fn::GetAtt": [logicalID, attribute]}.
func GetAtt(logicalID, attribute string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{logicalID, attribute}}
}
