package config

import "fmt"

// nameTarget is a physical name the app builds from Prefix and an
// environment's Name (config/names.go), and the properties it lands in.
type nameTarget struct {
	// What names it: the Names method.
	What  string
	Name  func(Names) string
	Props []CfnProperty
}

// envNameTargets are the names Validate checks against the resource
// schemas. A test shows each lands where it says in the golden templates.
var envNameTargets = []nameTarget{
	{"Pipeline", Names.Pipeline, []CfnProperty{{"AWS::ImageBuilder::ImagePipeline", "Name"}}},
	{"Distribution", Names.Distribution, []CfnProperty{{"AWS::ImageBuilder::DistributionConfiguration", "Name"}}},
	{"Infrastructure", Names.Infrastructure, []CfnProperty{{"AWS::ImageBuilder::InfrastructureConfiguration", "Name"}}},
	{"LifecyclePolicy", Names.LifecyclePolicy, []CfnProperty{{"AWS::ImageBuilder::LifecyclePolicy", "Name"}}},
	{"RolloutStateMachine", Names.RolloutStateMachine, []CfnProperty{{"AWS::StepFunctions::StateMachine", "StateMachineName"}}},
	{"MarkerStateMachine", Names.MarkerStateMachine, []CfnProperty{{"AWS::StepFunctions::StateMachine", "StateMachineName"}}},
	{"AgentParameter", Names.AgentParameter, []CfnProperty{{"AWS::SSM::Parameter", "Name"}}},
	{"SystemLogGroup", Names.SystemLogGroup, []CfnProperty{{"AWS::Logs::LogGroup", "LogGroupName"}}},
	{"AccessLogGroup", Names.AccessLogGroup, []CfnProperty{{"AWS::Logs::LogGroup", "LogGroupName"}}},
	{"ErrorLogGroup", Names.ErrorLogGroup, []CfnProperty{{"AWS::Logs::LogGroup", "LogGroupName"}}},
	{"EventLogGroup", Names.EventLogGroup, []CfnProperty{{"AWS::Logs::LogGroup", "LogGroupName"}}},
	{"LaunchFailures", Names.LaunchFailures, []CfnProperty{{"AWS::Events::Rule", "Name"}, {"AWS::CloudWatch::Alarm", "AlarmName"}}},
	{"BelowDesiredAlarm", Names.BelowDesiredAlarm, []CfnProperty{{"AWS::CloudWatch::Alarm", "AlarmName"}}},
	{"BuildResultsRule", Names.BuildResultsRule, []CfnProperty{{"AWS::Events::Rule", "Name"}}},
	{"PromotionExecutionRole", Names.PromotionExecutionRole, []CfnProperty{{"AWS::IAM::Role", "RoleName"}}},
}

// schemaNameProblems returns what the schemas refuse of the names built
// from n, one message each.
func schemaNameProblems(n Names) []string {
	var out []string
	for _, t := range envNameTargets {
		name := t.Name(n)
		for _, w := range schemaRefusals(name, t.Props) {
			out = append(out, fmt.Sprintf("Names.%s gives %s: %s", t.What, q(name), w))
		}
	}
	return out
}

// schemaNames reports, under the environment's Name, what the schemas
// refuse of the names built from the prefix and the name, when both are
// valid and nothing was reported of the name yet.
func (e *envCheck) schemaNames(nameOK bool) {
	if !nameOK || !e.prefixOK || e.reported("Name") {
		return
	}
	for _, m := range schemaNameProblems(Names{Prefix: e.prefix, Env: e.env.Name}) {
		e.add("Name", "got %s with the prefix %s: %s", q(e.env.Name), q(e.prefix), m)
	}
}
