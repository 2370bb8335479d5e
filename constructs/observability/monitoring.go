// Package observability makes an environment's fleet report: the
// CloudWatch agent's configuration, log groups and key, the permissions
// the instances need to report, the fleet's alarms and their topic, a
// record of build results and launch failures, and a dashboard.
package observability

import (
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/immutable-server/golden-fleet/internal/awsfacts"
	"github.com/immutable-server/golden-fleet/internal/constructcheck"
	"github.com/immutable-server/golden-fleet/internal/stackarn"
	"github.com/immutable-server/golden-fleet/internal/telemetry"
)

// Names are the physical names of what FleetMonitoring creates and
// watches. The app's naming rule (config.Names) is one; another app
// brings its own. Every alarm name starts with Base() + "-" (the alarm
// topic accepts the alarms named so), every log group name with
// LogGroupPrefix() + "/" (the log key serves those).
type Names interface {
	// Base names the fleet in descriptions.
	Base() string
	// LogGroupPrefix starts every log group's name.
	LogGroupPrefix() string
	// SystemLogGroup, AccessLogGroup and ErrorLogGroup receive the
	// agent's log files; EventLogGroup the build results and launch
	// failures.
	SystemLogGroup() string
	AccessLogGroup() string
	ErrorLogGroup() string
	EventLogGroup() string
	// AgentParameter holds the CloudWatch agent's configuration.
	AgentParameter() string
	// MetricNamespace of the agent's metrics.
	MetricNamespace() string
	// LaunchFailures names the rule and the alarm on failed launches;
	// BelowDesiredAlarm the alarm on missing instances; BuildResultsRule
	// the rule that records builds.
	LaunchFailures() string
	BelowDesiredAlarm() string
	BuildResultsRule() string
	// Dashboard is the dashboard's name.
	Dashboard() string
}

// FleetMonitoringProps configures FleetMonitoring.
type FleetMonitoringProps struct {
	// Names of the environment's log groups, namespace, parameter, alarms,
	// rules and dashboard. Required.
	Names Names
	// Group is the fleet's Auto Scaling group. It is made to depend on the
	// agent's configuration, log groups and permissions, so that no
	// instance boots before it can report.
	Group awsautoscaling.IAutoScalingGroup
	// InstanceRole is the fleet instances' role. It gets exactly what the
	// CloudWatch agent and the boot script call: ssm:GetParameter on the
	// agent configuration, logs:CreateLogStream and logs:PutLogEvents on
	// the three log groups, cloudwatch:PutMetricData in the environment's
	// namespace, ec2:DescribeImages (the AMI's creation date).
	InstanceRole awsiam.IRole
	// LogRetention keeps every log group's events this long: one of the
	// periods CloudWatch Logs offers, in whole days. Default: 90 days.
	LogRetention time.Duration
	// BelowDesiredFor is how long the group may have fewer instances in
	// service than desired before the alarm fires: whole minutes, at most
	// one day (awsfacts.MaxAlarmEvaluationTime). Default: 15 minutes.
	BelowDesiredFor time.Duration
	// ImageArnPrefix selects the Image Builder images whose terminal state
	// changes (AVAILABLE, FAILED, CANCELLED) are recorded in the event log
	// group: "arn:…:image/<recipe name without its hash>". Recipes are
	// renamed when their content changes; the prefix survives that.
	ImageArnPrefix *string
	// NotificationEmail is subscribed to the alarm topic. Default: no
	// subscription.
	NotificationEmail string
}

// FleetMonitoring is what makes the fleet report and what watches it.
type FleetMonitoring struct {
	constructs.Construct
	// LogKey encrypts every log group.
	LogKey awskms.Key
	// SystemLog, AccessLog and ErrorLog receive the agent's log files;
	// EventLog the build results and the group's launch failures.
	SystemLog, AccessLog, ErrorLog, EventLog awslogs.LogGroup
	// AgentConfig is the CloudWatch agent configuration the instances read
	// at boot.
	AgentConfig awsssm.StringParameter
	// InstancePolicy is what the instance role gets.
	InstancePolicy awsiam.Policy
	// AlarmTopic receives every alarm's state changes (ALARM and OK).
	AlarmTopic awssns.Topic
	// LaunchFailures fires when the group fails to launch an instance;
	// BelowDesired when fewer instances than desired are in service.
	LaunchFailures, BelowDesired awscloudwatch.Alarm
	// Dashboard of the environment.
	Dashboard awscloudwatch.Dashboard

	alarmNames [2]string
	names      Names
}

// Alarms are the fleet's alarms, the ones a rollout watches.
func (m *FleetMonitoring) Alarms() []awscloudwatch.IAlarm {
	return []awscloudwatch.IAlarm{m.LaunchFailures, m.BelowDesired}
}

// AlarmNames are the physical names of Alarms, in the same order.
func (m *FleetMonitoring) AlarmNames() []string {
	return []string{m.alarmNames[0], m.alarmNames[1]}
}

// The defaults of FleetMonitoringProps.
const (
	defaultLogRetention    = 90 * 24 * time.Hour
	defaultBelowDesiredFor = 15 * time.Minute
)

// NewFleetMonitoring creates the fleet's telemetry, alarms and dashboard.
func NewFleetMonitoring(scope constructs.Construct, id string, props FleetMonitoringProps) *FleetMonitoring {
	c := constructs.NewConstruct(scope, &id)
	n := props.Names
	retention := props.LogRetention
	if retention == 0 {
		retention = defaultLogRetention
	}
	days := int(retention / (24 * time.Hour))
	if retention%(24*time.Hour) != 0 || !slices.Contains(awsfacts.LogRetentionDays, days) {
		constructcheck.Fail(c, "fleet monitoring %s: LogRetention got %s: want one of CloudWatch Logs' retention periods, in days %v", *c.Node().Path(), retention, awsfacts.LogRetentionDays)
	}
	belowFor := props.BelowDesiredFor
	if belowFor == 0 {
		belowFor = defaultBelowDesiredFor
	}
	if belowFor < time.Minute || belowFor > awsfacts.MaxAlarmEvaluationTime || belowFor%time.Minute != 0 {
		constructcheck.Fail(c, "fleet monitoring %s: BelowDesiredFor got %s: want whole minutes from 1m0s to %s (one-minute periods; a CloudWatch alarm evaluates at most one day)",
			*c.Node().Path(), belowFor, awsfacts.MaxAlarmEvaluationTime)
	}
	m := &FleetMonitoring{Construct: c, names: n}
	m.addLogGroups(days)
	m.addAgent(props)
	m.addEventRules(props)
	asgMetric := m.addAlarms(props, belowFor)
	m.Dashboard = newDashboard(c, props, m, asgMetric)
	return m
}

// addLogGroups adds the log groups and their key.
func (m *FleetMonitoring) addLogGroups(days int) {
	c := m.Construct
	stack := awscdk.Stack_Of(m.Construct)
	n := m.names
	m.LogKey = awskms.NewKey(c, jsii.String("LogKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the log groups of " + n.Base()),
		EnableKeyRotation: jsii.Bool(true),
	})
	// CloudWatch Logs uses the key for this environment's log groups only
	// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
	m.LogKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsEncrypts"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"ArnLike": map[string]interface{}{"kms:EncryptionContext:aws:logs:arn": logGroupArn(stack, n.LogGroupPrefix()+"/*")},
		},
	}), jsii.Bool(false))
	logGroup := func(id, name string) awslogs.LogGroup {
		// Deleted with the stack: their names are fixed, and a log
		// group kept after the stack would make creating the stack again
		// fail (CloudFormation creates no resource whose name exists).
		// The fleet stack may be deleted and created again: the golden
		// AMI parameter outlives it (constructs/fleet/golden.go).
		g := awslogs.NewLogGroup(c, jsii.String(id), &awslogs.LogGroupProps{
			LogGroupName:  jsii.String(name),
			EncryptionKey: m.LogKey,
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		})
		// The retention in days, set on the L1: the L2 takes only its
		// RetentionDays enum, which would spell awsfacts.LogRetentionDays a
		// second time.
		g.Node().DefaultChild().(awslogs.CfnLogGroup).SetRetentionInDays(jsii.Number(float64(days)))
		return g
	}
	m.SystemLog = logGroup("SystemLog", n.SystemLogGroup())
	m.AccessLog = logGroup("AccessLog", n.AccessLogGroup())
	m.ErrorLog = logGroup("ErrorLog", n.ErrorLogGroup())
	m.EventLog = logGroup("EventLog", n.EventLogGroup())
}

// addAgent adds the agent's configuration and the instances' permissions
// to report.
func (m *FleetMonitoring) addAgent(props FleetMonitoringProps) {
	c := m.Construct
	n := m.names
	m.AgentConfig = awsssm.NewStringParameter(c, jsii.String("AgentConfig"), &awsssm.StringParameterProps{
		ParameterName: jsii.String(n.AgentParameter()),
		StringValue: jsii.String(telemetry.AgentConfig(telemetry.Destinations{
			Namespace: n.MetricNamespace(), SystemLog: n.SystemLogGroup(), AccessLog: n.AccessLogGroup(), ErrorLog: n.ErrorLogGroup(),
		})),
		Description: jsii.String("CloudWatch agent configuration of " + n.Base() + "'s fleet, read at every boot"),
		Tier:        awsssm.ParameterTier_STANDARD,
	})
	m.InstancePolicy = awsiam.NewPolicy(c, jsii.String("InstancePolicy"), &awsiam.PolicyProps{
		Roles: &[]awsiam.IRole{props.InstanceRole},
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ReadAgentConfiguration"),
				Actions:   jsii.Strings("ssm:GetParameter"),
				Resources: jsii.Strings(*m.AgentConfig.ParameterArn()),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ShipLogs"),
				Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
				Resources: jsii.Strings(*m.SystemLog.LogGroupArn(), *m.AccessLog.LogGroupArn(), *m.ErrorLog.LogGroupArn()),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:        jsii.String("PublishMetrics"),
				Actions:    jsii.Strings("cloudwatch:PutMetricData"),
				Resources:  jsii.Strings("*"),
				Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"cloudwatch:namespace": n.MetricNamespace()}},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ReadAmiCreationDate"),
				Actions:   jsii.Strings("ec2:DescribeImages"),
				Resources: jsii.Strings("*"),
			}),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(m.InstancePolicy, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("cloudwatch:PutMetricData and ec2:DescribeImages have no resource-level permissions (PutMetricData is " +
			"limited to the environment's namespace by condition); log streams are named by instance id, so the log writes name " +
			"each of the three log groups with its streams (log-group:<name>:*)"),
		AppliesTo: &[]interface{}{"Resource::*", &cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<[A-Za-z0-9]*(SystemLog|AccessLog|ErrorLog)[A-F0-9]{8}\.Arn>$/`)}},
	}}, jsii.Bool(false))
	// No instance boots before it can report.
	group := props.Group.Node()
	for _, d := range []constructs.IConstruct{m.AgentConfig, m.InstancePolicy, m.SystemLog, m.AccessLog, m.ErrorLog} {
		group.AddDependency(d)
	}
}

// addEventRules adds the record of build results and launch failures in
// the event log group.
func (m *FleetMonitoring) addEventRules(props FleetMonitoringProps) {
	c := m.Construct
	stack := awscdk.Stack_Of(m.Construct)
	n := m.names
	m.EventLog.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("EventBridgeWrites"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
		Actions:    jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources:  jsii.Strings(*m.EventLog.LogGroupArn()),
	}))
	eventTarget := &[]interface{}{&awsevents.CfnRule_TargetProperty{
		Id:  jsii.String("EventLog"),
		Arn: logGroupArn(stack, n.EventLogGroup()),
	}}
	// record adds an enabled rule that writes the events of pattern into
	// the event log group.
	record := func(id, name, description string, pattern map[string]interface{}) {
		awsevents.NewCfnRule(c, jsii.String(id), &awsevents.CfnRuleProps{
			Name:         jsii.String(name),
			Description:  jsii.String(description),
			EventPattern: pattern,
			State:        jsii.String("ENABLED"),
			Targets:      eventTarget,
		})
	}
	// Image Builder's image state changes
	// (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-imagebuilder.html).
	record("BuildResultsRule", n.BuildResultsRule(), "Records every build of "+n.Base()+"'s golden AMI that ends: available, failed or cancelled",
		map[string]interface{}{
			"source":      []string{"aws.imagebuilder"},
			"detail-type": []string{"EC2 Image Builder Image State Change"},
			"resources":   []interface{}{map[string]interface{}{"prefix": props.ImageArnPrefix}},
			"detail":      map[string]interface{}{"state": map[string]interface{}{"status": []string{"AVAILABLE", "FAILED", "CANCELLED"}}},
		})
	// Auto Scaling's "EC2 Instance Launch Unsuccessful"
	// (https://docs.aws.amazon.com/autoscaling/ec2/userguide/prepare-for-lifecycle-notifications.html#instance-launch-unsuccessful).
	record("LaunchFailuresRule", n.LaunchFailures(), "Records every instance "+n.Base()+"'s Auto Scaling group fails to launch",
		map[string]interface{}{
			"source":      []string{"aws.autoscaling"},
			"detail-type": []string{"EC2 Instance Launch Unsuccessful"},
			"detail":      map[string]interface{}{"AutoScalingGroupName": []interface{}{props.Group.AutoScalingGroupName()}},
		})
}

// addAlarmTopic adds the topic every alarm notifies, its key, and the
// e-mail subscription; it returns the alarms' action.
func (m *FleetMonitoring) addAlarmTopic(props FleetMonitoringProps) awscloudwatch.IAlarmAction {
	c := m.Construct
	stack := awscdk.Stack_Of(m.Construct)
	n := m.names
	alarmKey := awskms.NewKey(c, jsii.String("AlarmKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the alarm topic of " + n.Base()),
		EnableKeyRotation: jsii.Bool(true),
	})
	// CloudWatch publishes alarm notifications to the encrypted topic
	// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
	alarmKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchPublishes"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
	}), jsii.Bool(false))
	m.AlarmTopic = awssns.NewTopic(c, jsii.String("AlarmTopic"), &awssns.TopicProps{
		MasterKey:  alarmKey,
		EnforceSSL: jsii.Bool(true),
	})
	m.AlarmTopic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*m.AlarmTopic.TopicArn()),
		Conditions: &map[string]interface{}{
			"ArnLike":      map[string]interface{}{"aws:SourceArn": alarmArn(stack, n.Base()+"-*")},
			"StringEquals": map[string]interface{}{"aws:SourceAccount": stack.Account()},
		},
	}))
	if props.NotificationEmail != "" {
		m.AlarmTopic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(props.NotificationEmail), nil))
	}
	return awscloudwatchactions.NewSnsAction(m.AlarmTopic)
}

// addAlarms adds the fleet's alarms and their topic; it returns the Auto
// Scaling group metrics the dashboard shows too.
func (m *FleetMonitoring) addAlarms(props FleetMonitoringProps, belowFor time.Duration) func(name, statistic string) awscloudwatch.Metric {
	c := m.Construct
	n := m.names
	action := m.addAlarmTopic(props)

	groupName := props.Group.AutoScalingGroupName()
	oneMinute := awscdk.Duration_Minutes(jsii.Number(1)) // one jsii object for every metric
	// Metrics are immutable: the alarms and the dashboard share them.
	asgMetrics := map[[2]string]awscloudwatch.Metric{}
	asgMetric := func(name, statistic string) awscloudwatch.Metric {
		key := [2]string{name, statistic}
		if metric, ok := asgMetrics[key]; ok {
			return metric
		}
		metric := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String("AWS/AutoScaling"),
			MetricName:    jsii.String(name),
			DimensionsMap: &map[string]*string{"AutoScalingGroupName": groupName},
			Statistic:     jsii.String(statistic),
			Period:        oneMinute,
		})
		asgMetrics[key] = metric
		return metric
	}
	// TriggeredRules counts, per rule, the events it matched
	// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html).
	launchFailures := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String("AWS/Events"),
		MetricName:    jsii.String("TriggeredRules"),
		DimensionsMap: &map[string]*string{"RuleName": jsii.String(n.LaunchFailures())},
		Statistic:     jsii.String("Sum"),
		Period:        awscdk.Duration_Minutes(jsii.Number(5)),
	})
	m.LaunchFailures = awscloudwatch.NewAlarm(c, jsii.String("LaunchFailures"), &awscloudwatch.AlarmProps{
		AlarmName:          jsii.String(n.LaunchFailures()),
		AlarmDescription:   jsii.String(fmt.Sprintf("%s's Auto Scaling group failed to launch an instance; the reasons are in %s", n.Base(), n.EventLogGroup())),
		Metric:             launchFailures,
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	// GroupDesiredCapacity and GroupInServiceInstances need the group's
	// metrics collection, which fleet.Group turns on
	// (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-metrics.html).
	minutes := int(belowFor / time.Minute)
	missing := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String("desired - inService"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{
			"desired":   asgMetric("GroupDesiredCapacity", "Maximum"),
			"inService": asgMetric("GroupInServiceInstances", "Minimum"),
		},
		Label:  jsii.String("instances missing"),
		Period: oneMinute,
	})
	m.BelowDesired = awscloudwatch.NewAlarm(c, jsii.String("BelowDesired"), &awscloudwatch.AlarmProps{
		AlarmName:          jsii.String(n.BelowDesiredAlarm()),
		AlarmDescription:   jsii.String(fmt.Sprintf("%s has had fewer instances in service than desired for %d minutes", n.Base(), minutes)),
		Metric:             missing,
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(float64(minutes)),
		DatapointsToAlarm:  jsii.Number(float64(minutes)),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	for _, a := range []awscloudwatch.Alarm{m.LaunchFailures, m.BelowDesired} {
		a.AddAlarmAction(action)
		a.AddOkAction(action)
	}
	m.alarmNames = [2]string{n.LaunchFailures(), n.BelowDesiredAlarm()}
	return asgMetric
}

// logGroupArn is the ARN of the log group name (a pattern with *) in
// stack's account and region.
func logGroupArn(stack awscdk.Stack, name string) *string {
	return colonArn(stack, "logs", "log-group", name)
}

// alarmArn is the ARN of the CloudWatch alarm name (or pattern).
func alarmArn(stack awscdk.Stack, name string) *string {
	return colonArn(stack, "cloudwatch", "alarm", name)
}

// colonArn is the ARN of a service's resource whose name follows a colon
// (arn:…:service:region:account:resource:name).
func colonArn(stack awscdk.Stack, service, resource, name string) *string {
	return stackarn.Format(stack, awscdk.ArnComponents{
		Service:      jsii.String(service),
		Resource:     jsii.String(resource),
		ResourceName: jsii.String(name),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
}
