package config

//go:generate go run ../cmd/cfnschemagen -o cfnschema_gen.json

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// What the CloudFormation resource schemas say about the properties a
// configuration value reaches. The constraints are not written here: they
// are generated (cfnschema_gen.json, by cmd/cfnschemagen) from the schemas
// cfn-lint ships, for the properties CfnSchemaProperties lists, and
// config's tests regenerate the table from the installed cfn-lint and fail
// when it differs. What is written here is where each configuration value
// lands: which resource types, which property.

// CfnProperty is a property of a CloudFormation resource type. Path walks
// the type's schema from its properties: names separated by "/", "*" for
// the items of an array or the values of a map, "<key>" for the keys of a
// map ("Tags/*/Value", "Tags/<key>").
type CfnProperty struct {
	Type string
	Path string
}

func (p CfnProperty) String() string {
	return p.Type + " " + strings.ReplaceAll(p.Path, "/", ".")
}

// CfnConstraint is what a resource schema allows for a property: the JSON
// schema keywords that bound a scalar. A zero field does not constrain
// (MaxLength 0 means no maximum).
type CfnConstraint struct {
	// JSONType is the schema's type ("string", "integer"), or "" when it
	// states none.
	JSONType  string `json:",omitempty"`
	MinLength int    `json:",omitempty"`
	MaxLength int    `json:",omitempty"`
	// Pattern is the schema's pattern in Go's syntax (Python's \Z spelled
	// \z); every pattern of the table compiles.
	Pattern string   `json:",omitempty"`
	Enum    []string `json:",omitempty"`
	// Minimum and Maximum bound a number when HasMinimum, HasMaximum.
	HasMinimum bool    `json:",omitempty"`
	Minimum    float64 `json:",omitempty"`
	HasMaximum bool    `json:",omitempty"`
	Maximum    float64 `json:",omitempty"`
}

// CfnSchemaFile is cfnschema_gen.json, the generated table: the
// constraint of every property CfnSchemaProperties lists.
type CfnSchemaFile struct {
	// Generated says what wrote the file, from which cfn-lint.
	Generated  string
	Properties []CfnSchemaEntry
}

// CfnSchemaEntry is one property of the table and its constraint.
type CfnSchemaEntry struct {
	CfnProperty
	Constraint CfnConstraint
}

//go:embed cfnschema_gen.json
var cfnSchemaJSON []byte

// cfnSchemas is the generated table by property.
var cfnSchemas = func() map[CfnProperty]CfnConstraint {
	var f CfnSchemaFile
	if err := json.Unmarshal(cfnSchemaJSON, &f); err != nil {
		panic("config/cfnschema_gen.json: " + err.Error()) // generated, and read by config's tests
	}
	out := make(map[CfnProperty]CfnConstraint, len(f.Properties))
	for _, e := range f.Properties {
		out[e.CfnProperty] = e.Constraint
	}
	return out
}()

var (
	patternsMu sync.Mutex
	patterns   = map[string]*regexp.Regexp{}
)

func compiled(pattern string) *regexp.Regexp {
	patternsMu.Lock()
	defer patternsMu.Unlock()
	re, ok := patterns[pattern]
	if !ok {
		re = regexp.MustCompile(pattern)
		patterns[pattern] = re
	}
	return re
}

// RefusesString returns what the constraint wants when it refuses s
// ("at least 1 character"), or "" when it accepts s.
func (c CfnConstraint) RefusesString(s string) string {
	n := utf8.RuneCountInString(s)
	switch {
	case n < c.MinLength:
		return fmt.Sprintf("at least %d %s", c.MinLength, plural(c.MinLength, "character"))
	case c.MaxLength > 0 && n > c.MaxLength:
		return fmt.Sprintf("at most %d %s", c.MaxLength, plural(c.MaxLength, "character"))
	case len(c.Enum) > 0 && !slices.Contains(c.Enum, s):
		return "one of " + strings.Join(c.Enum, ", ")
	case c.Pattern != "" && !compiled(c.Pattern).MatchString(s):
		return "a value matching " + c.Pattern
	}
	return ""
}

// RefusesNumber returns what the constraint wants when it refuses n, or
// "" when it accepts n.
func (c CfnConstraint) RefusesNumber(n float64) string {
	switch {
	case c.JSONType == "integer" && n != math.Trunc(n):
		return "a whole number"
	case c.HasMinimum && n < c.Minimum:
		return fmt.Sprintf("at least %v", c.Minimum)
	case c.HasMaximum && n > c.Maximum:
		return fmt.Sprintf("at most %v", c.Maximum)
	}
	return ""
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// CfnSchema returns the constraint of a property, and whether the table
// has it.
func CfnSchema(p CfnProperty) (CfnConstraint, bool) {
	c, ok := cfnSchemas[p]
	return c, ok
}

// tagTarget is where an environment's tags land on one resource type: the
// property of the key and the property of the value.
type tagTarget struct {
	Key, Value CfnProperty
	// KeyAt and ValueAt, when set, are where the templates hold the tags
	// when a custom resource hands them to the service whose schema Key
	// and Value name (the golden parameter's seed writer passes them to
	// PutParameter).
	KeyAt, ValueAt *CfnProperty
	// CreatedVPCOnly: the resource exists only when the app creates the
	// VPC (Network.Create).
	CreatedVPCOnly bool
}

func listTags(typ string) tagTarget {
	return tagTarget{Key: CfnProperty{typ, "Tags/*/Key"}, Value: CfnProperty{typ, "Tags/*/Value"}}
}

func mapTags(typ, path string) tagTarget {
	return tagTarget{Key: CfnProperty{typ, path + "/<key>"}, Value: CfnProperty{typ, path + "/*"}}
}

func networkTags(typ string) tagTarget {
	t := listTags(typ)
	t.CreatedVPCOnly = true
	return t
}

// envTagTargets are the properties an environment's Tags reach: the tags
// CDK puts on every taggable resource of the environment's stacks
// (stacks/app.go, Tags.of(stack)), the launch template's tag
// specifications, and the maps Image Builder takes (the resources' Tags,
// the build instances' ResourceTags, the AMIs' AmiTags).
var envTagTargets = []tagTarget{
	listTags("AWS::AutoScaling::AutoScalingGroup"),
	listTags("AWS::CloudWatch::Alarm"),
	listTags("AWS::Events::Rule"),
	listTags("AWS::IAM::Role"),
	listTags("AWS::KMS::Key"),
	listTags("AWS::Lambda::Function"),
	listTags("AWS::Logs::LogGroup"),
	listTags("AWS::S3::Bucket"),
	listTags("AWS::SNS::Topic"),
	listTags("AWS::StepFunctions::StateMachine"),
	listTags("AWS::EC2::SecurityGroup"),
	{
		Key:   CfnProperty{"AWS::EC2::LaunchTemplate", "TagSpecifications/*/Tags/*/Key"},
		Value: CfnProperty{"AWS::EC2::LaunchTemplate", "TagSpecifications/*/Tags/*/Value"},
	},
	{
		Key:   CfnProperty{"AWS::EC2::LaunchTemplate", "LaunchTemplateData/TagSpecifications/*/Tags/*/Key"},
		Value: CfnProperty{"AWS::EC2::LaunchTemplate", "LaunchTemplateData/TagSpecifications/*/Tags/*/Value"},
	},
	mapTags("AWS::SSM::Parameter", "Tags"),
	// Custom::GoldenAmiSeed: its handler puts the golden parameter with
	// these tags (constructs/fleet/seed_handler.py), so Parameter Store's
	// limits apply, as AWS::SSM::Parameter's schema states them.
	{
		Key: CfnProperty{"AWS::SSM::Parameter", "Tags/<key>"}, Value: CfnProperty{"AWS::SSM::Parameter", "Tags/*"},
		KeyAt: &CfnProperty{"Custom::GoldenAmiSeed", "Tags/*/Key"}, ValueAt: &CfnProperty{"Custom::GoldenAmiSeed", "Tags/*/Value"},
	},
	mapTags("AWS::ImageBuilder::Component", "Tags"),
	mapTags("AWS::ImageBuilder::ImageRecipe", "Tags"),
	mapTags("AWS::ImageBuilder::InfrastructureConfiguration", "Tags"),
	mapTags("AWS::ImageBuilder::InfrastructureConfiguration", "ResourceTags"),
	mapTags("AWS::ImageBuilder::DistributionConfiguration", "Tags"),
	mapTags("AWS::ImageBuilder::DistributionConfiguration", "Distributions/*/AmiDistributionConfiguration/AmiTags"),
	mapTags("AWS::ImageBuilder::ImagePipeline", "Tags"),
	mapTags("AWS::ImageBuilder::LifecyclePolicy", "Tags"),
	networkTags("AWS::EC2::VPC"),
	networkTags("AWS::EC2::Subnet"),
	networkTags("AWS::EC2::RouteTable"),
	networkTags("AWS::EC2::InternetGateway"),
	networkTags("AWS::EC2::NatGateway"),
	networkTags("AWS::EC2::EIP"),
	networkTags("AWS::EC2::FlowLog"),
}

// CfnSchemaProperties lists every property a configuration value reaches
// that Validate checks against the resource schemas: the input of
// cmd/cfnschemagen. Sorted, without repeats.
func CfnSchemaProperties() []CfnProperty {
	var ps []CfnProperty
	for _, t := range envTagTargets {
		ps = append(ps, t.Key, t.Value)
	}
	for _, f := range envFieldTargets {
		ps = append(ps, f.Props...)
	}
	for _, n := range envNameTargets {
		ps = append(ps, n.Props...)
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Type != ps[j].Type {
			return ps[i].Type < ps[j].Type
		}
		return ps[i].Path < ps[j].Path
	})
	return slices.Compact(ps)
}

// schemaRefusals checks value against the constraints of props and returns
// one sentence per rule it breaks, naming the properties that refuse it:
// "want at least 1 character (AWS::CloudWatch::Alarm Tags.*.Value, …)".
func schemaRefusals(value string, props []CfnProperty) []string {
	byWant := map[string][]string{}
	var wants []string
	for _, p := range props {
		c, ok := cfnSchemas[p]
		if !ok {
			// cfnschema_test.go shows every property is in the table.
			continue
		}
		if w := c.RefusesString(value); w != "" {
			if _, seen := byWant[w]; !seen {
				wants = append(wants, w)
			}
			byWant[w] = append(byWant[w], p.String())
		}
	}
	out := make([]string, 0, len(wants))
	for _, w := range wants {
		out = append(out, fmt.Sprintf("want %s, what the CloudFormation schema of %s allows", w, strings.Join(byWant[w], ", ")))
	}
	return out
}

// schemaTags checks an environment's tag against the resource schemas of
// every resource type the tag reaches. keyDone and valueDone say that the
// key or the value was already reported (by tags()), so that a value is
// not refused twice for the same reason.
func (e *envCheck) schemaTags(path, k, v string, keyDone, valueDone bool) {
	created := e.env.Network.Create != nil
	var keys, values []CfnProperty
	for _, t := range envTagTargets {
		if !t.CreatedVPCOnly || created {
			keys = append(keys, t.Key)
			values = append(values, t.Value)
		}
	}
	if !keyDone {
		for _, w := range schemaRefusals(k, keys) {
			e.add(path, "got key %s: %s", q(k), w)
		}
	}
	if !valueDone {
		for _, w := range schemaRefusals(v, values) {
			e.add(path, "got value %s: %s", q(v), w)
		}
	}
}
