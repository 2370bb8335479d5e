// Package cfnschemagen writes config/cfnschema_gen.json: the constraints
// the CloudFormation resource schemas that cfn-lint ships put on the
// properties a configuration value reaches (config.CfnSchemaProperties).
// It reads the schemas of us-east-1 from cfn-lint's package data
// (internal/cfnlint); the app never needs Python, only this generator and
// config's drift test do.
package cfnschemagen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/cfnlint"
)

// Generate returns config/cfnschema_gen.json, read from the cfnlint
// package in cfnlintDir, for props: a config.CfnSchemaFile, one property
// a line, in the order of props.
func Generate(cfnlintDir string, props []config.CfnProperty) ([]byte, error) {
	version, err := cfnlint.Version(cfnlintDir)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	header, err := json.Marshal(fmt.Sprintf("by cmd/cfnschemagen from cfn-lint %s's CloudFormation resource schemas (us-east-1); do not edit", version))
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&b, "{\n\t\"Generated\": %s,\n\t\"Properties\": [", header)
	loaded := map[string]map[string]any{}
	var problems []string
	for _, p := range props {
		schema, ok := loaded[p.Type]
		if !ok {
			if err := cfnlint.ReadSchema(cfnlintDir, p.Type, &schema); err != nil {
				return nil, err
			}
			loaded[p.Type] = schema
		}
		c, err := constraint(schema, p.Path)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", p, err))
			continue
		}
		line, err := json.Marshal(config.CfnSchemaEntry{CfnProperty: p, Constraint: c})
		if err != nil {
			return nil, err
		}
		if b.Bytes()[b.Len()-1] != '[' {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "\n\t\t%s", line)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	b.WriteString("\n\t]\n}\n")
	return b.Bytes(), nil
}

// resolve follows $ref to the schema's definitions.
func resolve(schema map[string]any, node any) (map[string]any, error) {
	for range 20 {
		n, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("got %T, not a schema", node)
		}
		ref, ok := n["$ref"].(string)
		if !ok {
			return n, nil
		}
		name, ok := strings.CutPrefix(ref, "#/definitions/")
		if !ok {
			return nil, fmt.Errorf("unsupported $ref %s", ref)
		}
		node = schema["definitions"].(map[string]any)[name]
	}
	return nil, fmt.Errorf("$ref too deep")
}

// constraint walks path (config.CfnProperty's syntax) in schema.
func constraint(schema map[string]any, path string) (config.CfnConstraint, error) {
	node := map[string]any{"properties": schema["properties"]}
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		var next any
		switch seg {
		case "*":
			if items, ok := node["items"]; ok {
				next = items
			} else if ap, ok := node["additionalProperties"].(map[string]any); ok {
				next = ap
			} else if pp, ok := node["patternProperties"].(map[string]any); ok && len(pp) == 1 {
				for _, v := range pp {
					next = v
				}
			} else {
				return config.CfnConstraint{}, fmt.Errorf("%s is neither an array nor a map", strings.Join(segs[:i], "/"))
			}
		case "<key>":
			if i != len(segs)-1 {
				return config.CfnConstraint{}, fmt.Errorf("<key> must end the path")
			}
			return keyConstraint(schema, node)
		default:
			props, _ := node["properties"].(map[string]any)
			p, ok := props[seg]
			if !ok {
				return config.CfnConstraint{}, fmt.Errorf("no property %s", strings.Join(segs[:i+1], "/"))
			}
			next = p
		}
		n, err := resolve(schema, next)
		if err != nil {
			return config.CfnConstraint{}, fmt.Errorf("%s: %v", strings.Join(segs[:i+1], "/"), err)
		}
		node = n
	}
	return scalar(node)
}

// keyConstraint is what a map's keys must be: its propertyNames, or the
// pattern of its only patternProperties.
func keyConstraint(schema, node map[string]any) (config.CfnConstraint, error) {
	if pn, ok := node["propertyNames"]; ok {
		n, err := resolve(schema, pn)
		if err != nil {
			return config.CfnConstraint{}, err
		}
		return scalar(n)
	}
	c := config.CfnConstraint{JSONType: "string"}
	if pp, ok := node["patternProperties"].(map[string]any); ok {
		if len(pp) != 1 {
			return c, fmt.Errorf("%d patternProperties, want one", len(pp))
		}
		for k := range pp {
			c.Pattern = goPattern(k)
		}
		if _, err := regexp.Compile(c.Pattern); err != nil {
			return c, fmt.Errorf("the key pattern does not compile in Go: %v", err)
		}
	}
	return c, nil
}

func scalar(n map[string]any) (config.CfnConstraint, error) {
	var c config.CfnConstraint
	if t, ok := n["type"].(string); ok {
		c.JSONType = t
	}
	if v, ok := n["minLength"].(float64); ok {
		c.MinLength = int(v)
	}
	if v, ok := n["maxLength"].(float64); ok {
		c.MaxLength = int(v)
	}
	if v, ok := n["pattern"].(string); ok {
		c.Pattern = goPattern(v)
		if _, err := regexp.Compile(c.Pattern); err != nil {
			return c, fmt.Errorf("the pattern does not compile in Go: %v", err)
		}
	}
	if vs, ok := n["enum"].([]any); ok {
		for _, v := range vs {
			c.Enum = append(c.Enum, fmt.Sprint(v))
		}
	}
	if v, ok := n["minimum"].(float64); ok {
		c.HasMinimum, c.Minimum = true, v
	}
	if v, ok := n["maximum"].(float64); ok {
		c.HasMaximum, c.Maximum = true, v
	}
	return c, nil
}

// goPattern spells a schema pattern in Go's syntax.
func goPattern(p string) string { return strings.ReplaceAll(p, `\Z`, `\z`) }
