package config

import (
	"fmt"
	"strings"
)

// fieldTarget is a configuration field of an environment whose value
// CDK writes unchanged into properties of the resources it creates.
type fieldTarget struct {
	// Field is the path under the environment ("Image.TestTimeoutMinutes").
	Field string
	Props []CfnProperty
	// Values returns the values the field puts in a template, given the
	// environment with its defaults applied: none when the resources are
	// not created (an environment that promotes bakes nothing).
	Values func(env Environment) []any
}

func baked(f func(env Environment) any) func(Environment) []any {
	return func(env Environment) []any {
		if env.Promotion != nil {
			return nil
		}
		return []any{f(env)}
	}
}

func policy(f func(l Lifecycle) any) func(Environment) []any {
	return func(env Environment) []any {
		if env.Promotion != nil || env.Lifecycle.Disabled {
			return nil
		}
		return []any{f(env.Lifecycle)}
	}
}

// envFieldTargets are the fields Validate checks against the resource
// schemas besides the tags (envTagTargets). A test reads the golden
// templates and shows each value lands where it is said to.
var envFieldTargets = []fieldTarget{
	{
		Field:  "Image.TestTimeoutMinutes",
		Props:  []CfnProperty{{"AWS::ImageBuilder::ImagePipeline", "ImageTestsConfiguration/TimeoutMinutes"}},
		Values: baked(func(env Environment) any { return env.Image.TestTimeoutMinutes }),
	},
	{
		Field:  "Image.WorkingDirectory",
		Props:  []CfnProperty{{"AWS::ImageBuilder::ImageRecipe", "WorkingDirectory"}},
		Values: baked(func(env Environment) any { return env.Image.WorkingDirectory }),
	},
	{
		Field:  "Image.RootVolumeGiB",
		Props:  []CfnProperty{{"AWS::ImageBuilder::ImageRecipe", "BlockDeviceMappings/*/Ebs/VolumeSize"}},
		Values: baked(func(env Environment) any { return env.Image.RootVolumeGiB }),
	},
	{
		Field:  "Image.Schedule",
		Props:  []CfnProperty{{"AWS::ImageBuilder::ImagePipeline", "Schedule/ScheduleExpression"}},
		Values: baked(func(env Environment) any { return env.Image.Schedule }),
	},
	{
		Field:  "Image.StartCondition",
		Props:  []CfnProperty{{"AWS::ImageBuilder::ImagePipeline", "Schedule/PipelineExecutionStartCondition"}},
		Values: baked(func(env Environment) any { return env.Image.StartCondition }),
	},
	{
		Field:  "Lifecycle.KeepLatest",
		Props:  []CfnProperty{{"AWS::ImageBuilder::LifecyclePolicy", "PolicyDetails/*/Filter/RetainAtLeast"}},
		Values: policy(func(l Lifecycle) any { return l.KeepLatest }),
	},
	{
		Field:  "Lifecycle.DeprecateAfterDays",
		Props:  []CfnProperty{{"AWS::ImageBuilder::LifecyclePolicy", "PolicyDetails/*/Filter/Value"}},
		Values: policy(func(l Lifecycle) any { return l.DeprecateAfterDays }),
	},
	{
		Field:  "Lifecycle.DeleteAfterDays",
		Props:  []CfnProperty{{"AWS::ImageBuilder::LifecyclePolicy", "PolicyDetails/*/Filter/Value"}},
		Values: policy(func(l Lifecycle) any { return l.DeleteAfterDays }),
	},
	{
		Field: "Network.Create.FlowLogRetentionDays",
		Props: []CfnProperty{{"AWS::Logs::LogGroup", "RetentionInDays"}},
		Values: func(env Environment) []any {
			if env.Network.Create == nil {
				return nil
			}
			return []any{env.Network.Create.FlowLogRetentionDays}
		},
	},
	{
		Field:  "Observability.LogRetentionDays",
		Props:  []CfnProperty{{"AWS::Logs::LogGroup", "RetentionInDays"}},
		Values: func(env Environment) []any { return []any{env.Observability.LogRetentionDays} },
	},
	{
		Field: "Fleet.IngressPorts",
		Props: []CfnProperty{
			{"AWS::EC2::SecurityGroup", "SecurityGroupIngress/*/FromPort"},
			{"AWS::EC2::SecurityGroup", "SecurityGroupIngress/*/ToPort"},
		},
		Values: func(env Environment) []any {
			var vs []any
			for _, p := range env.Fleet.IngressPorts {
				vs = append(vs, p)
			}
			return vs
		},
	},
}

// schemaFieldProblems returns, for each field of envFieldTargets, what
// the schemas of the properties it reaches refuse of its value in env:
// field path under the environment → messages.
func schemaFieldProblems(env Environment) map[string][]string {
	out := map[string][]string{}
	for _, ft := range envFieldTargets {
		for _, v := range ft.Values(env) {
			byWant := map[string][]string{}
			var wants []string
			for _, p := range ft.Props {
				c, ok := cfnSchemas[p]
				if !ok {
					continue // TestEveryCheckedPropertyIsInTheTable
				}
				var w string
				switch v := v.(type) {
				case string:
					w = c.RefusesString(v)
				case int:
					if c.JSONType == "string" {
						w = c.RefusesString(fmt.Sprint(v))
					} else {
						w = c.RefusesNumber(float64(v))
						if w == "" && len(c.Enum) > 0 {
							w = c.RefusesString(fmt.Sprint(v))
						}
					}
				}
				if w == "" {
					continue
				}
				if _, seen := byWant[w]; !seen {
					wants = append(wants, w)
				}
				byWant[w] = append(byWant[w], p.String())
			}
			got := fmt.Sprint(v)
			if s, ok := v.(string); ok {
				got = q(s)
			}
			for _, w := range wants {
				out[ft.Field] = append(out[ft.Field], fmt.Sprintf("got %s: want %s, what the CloudFormation schema of %s allows",
					got, w, strings.Join(byWant[w], ", ")))
			}
		}
	}
	return out
}

// schemaFields reports what schemaFieldProblems finds, for the fields
// that have no problem yet: a value the hand-written checks already
// refused is not refused twice.
func (e *envCheck) schemaFields() {
	problems := schemaFieldProblems(e.env)
	for _, ft := range envFieldTargets {
		msgs := problems[ft.Field]
		if len(msgs) == 0 || e.reported(ft.Field) {
			continue
		}
		for _, m := range msgs {
			e.add(ft.Field, "%s", m)
		}
	}
}

// reported reports whether a problem of field (or of an element of it)
// was already recorded.
func (e *envCheck) reported(field string) bool {
	path := e.path + "." + field
	for _, err := range e.p.errs {
		s := err.Error()
		if strings.HasPrefix(s, path+":") || strings.HasPrefix(s, path+"[") {
			return true
		}
	}
	return false
}
