// Package jsontree walks and digs into a value encoding/json decoded into an any (maps,
// lists and scalars), for the tests that search synthesized templates.
package jsontree

// Walk calls visit with every node of v, v first, and the path to it: an
// object's member by its key, a list's item as "*" (CloudFormation
// schemas' spelling, as in "Tags/*/Key"). It descends into a node's
// children only when visit returns true. A path is visit's to keep.
func Walk(v any, visit func(path []string, v any) bool) {
	walk(v, nil, visit)
}

func walk(v any, path []string, visit func([]string, any) bool) {
	if !visit(path, v) {
		return
	}
	switch n := v.(type) {
	case map[string]any:
		for k, child := range n {
			walk(child, append(path[:len(path):len(path)], k), visit)
		}
	case []any:
		for _, child := range n {
			walk(child, append(path[:len(path):len(path)], "*"), visit)
		}
	}
}

// Dig walks nested objects of v by key: nil when a key is missing or a
// value on the way is not an object.
func Dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
