package observability

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/internal/telemetry"
)

// newDashboard makes the environment's dashboard: desired versus
// in-service instances, the AMI age of the fleet, the last builds, memory
// and disk use, launch failures and the alarms.
//
// The AMI age is computed from AmiCreationTime, which every instance
// publishes every 5 minutes (telemetry.BootScript): CloudWatch's EPOCH()
// is each data point's own time, so EPOCH(t) - t is the age of the AMI at
// that moment
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html).
// The minimum creation time is the oldest AMI in service, the maximum the
// newest. Instances running an image without the boot script publish
// nothing.
func newDashboard(c constructs.Construct, props FleetMonitoringProps, m *FleetMonitoring, asgMetric func(name, statistic string) awscloudwatch.Metric) awscloudwatch.Dashboard {
	n := props.Names
	five := awscdk.Duration_Minutes(jsii.Number(5))
	created := func(statistic string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String(n.MetricNamespace()), MetricName: jsii.String(telemetry.AmiCreationTime),
			Statistic: jsii.String(statistic), Period: five,
		})
	}
	age := func(id, statistic, label string) awscloudwatch.MathExpression {
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression:   jsii.String("(EPOCH(" + id + ") - " + id + ") / 86400"),
			UsingMetrics: &map[string]awscloudwatch.IMetric{id: created(statistic)},
			Label:        jsii.String(label),
			Period:       five,
		})
	}
	agent := func(name, label string) awscloudwatch.Metric {
		// The fleet-wide roll-up (aggregation dimension []): no dimension.
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String(n.MetricNamespace()), MetricName: jsii.String(name),
			Statistic: jsii.String("Maximum"), Period: five, Label: jsii.String(label),
		})
	}
	d := awscloudwatch.NewDashboard(c, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String(n.Dashboard()),
		DefaultInterval: awscdk.Duration_Days(jsii.Number(7)),
	})
	// CloudFormation takes dashboard tags in some regions only (cfn-lint's
	// schema of us-east-1, the local environment's region, has none): the environment's
	// tags are not applied to the dashboard.
	d.Node().DefaultChild().(awscdk.CfnResource).AddPropertyDeletionOverride(jsii.String("Tags"))
	d.AddWidgets(
		awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String("Instances: desired vs in service"),
			Left: &[]awscloudwatch.IMetric{
				asgMetric("GroupDesiredCapacity", "Maximum").With(&awscloudwatch.MetricOptions{Label: jsii.String("desired")}),
				asgMetric("GroupInServiceInstances", "Minimum").With(&awscloudwatch.MetricOptions{Label: jsii.String("in service")}),
			},
			LeftYAxis: &awscloudwatch.YAxisProps{Min: jsii.Number(0)},
			Width:     jsii.Number(12), Height: jsii.Number(6),
		}),
		awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String("AMI age of the fleet (days)"),
			Left: &[]awscloudwatch.IMetric{
				age("oldest", "Minimum", "oldest AMI in service"),
				age("newest", "Maximum", "newest AMI in service"),
			},
			LeftYAxis: &awscloudwatch.YAxisProps{Min: jsii.Number(0)},
			Width:     jsii.Number(12), Height: jsii.Number(6),
		}),
	)
	d.AddWidgets(
		lastEvents("Last builds", n.EventLogGroup(), "aws.imagebuilder", "detail.state.status as status, resources.0 as image", 6),
		awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String("Memory and root disk used (%, worst instance)"),
			Left: &[]awscloudwatch.IMetric{
				agent(telemetry.MemoryUsedPercent, "memory"),
				agent(telemetry.DiskUsedPercent, "root disk"),
			},
			LeftYAxis: &awscloudwatch.YAxisProps{Min: jsii.Number(0), Max: jsii.Number(100)},
			Width:     jsii.Number(12), Height: jsii.Number(6),
		}),
	)
	d.AddWidgets(
		awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
			Title: jsii.String("Fleet alarms"),
			// By ARN, built from the names: a Fn::GetAtt on an alarm would
			// fail the stack on moto, which skips alarms.
			Alarms: &[]interfacesawscloudwatch.IAlarmRef{
				awscloudwatch.Alarm_FromAlarmArn(c, jsii.String("LaunchFailuresByArn"), alarmArn(awscdk.Stack_Of(c), n.LaunchFailures())),
				awscloudwatch.Alarm_FromAlarmArn(c, jsii.String("BelowDesiredByArn"), alarmArn(awscdk.Stack_Of(c), n.BelowDesiredAlarm())),
			},
			Width: jsii.Number(12), Height: jsii.Number(3),
		}),
		lastEvents("Last launch failures", n.EventLogGroup(), "aws.autoscaling", "detail.StatusMessage as reason", 3),
	)
	return d
}

// lastEvents is a table of the five newest events of source in logGroup,
// with their time and fields.
func lastEvents(title, logGroup, source, fields string, height float64) awscloudwatch.LogQueryWidget {
	return awscloudwatch.NewLogQueryWidget(&awscloudwatch.LogQueryWidgetProps{
		Title:         jsii.String(title),
		LogGroupNames: jsii.Strings(logGroup),
		QueryLines: jsii.Strings(
			`filter source = "`+source+`"`,
			"fields @timestamp as time, "+fields,
			"sort @timestamp desc",
			"limit 5",
		),
		View:  awscloudwatch.LogQueryVisualizationType_TABLE,
		Width: jsii.Number(12), Height: jsii.Number(height),
	})
}
