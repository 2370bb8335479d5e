// Package telemetry holds what a fleet instance runs to report, as plain
// Go (no CDK, no configuration): the CloudWatch agent configuration, and
// the boot script that starts the agent and publishes the AMI's creation
// time. The names it reports to come from config.Names (config.AgentConfig,
// config.BootScript); constructs/observability puts both into the
// templates.
//
// The agent configuration lives in an SSM parameter of the environment,
// not in the image: the same golden AMI runs in several environments
// (promotion), and each must report under its own namespace and log
// groups. The boot script (launch template user data, also per
// environment) tells the agent which parameter to read.
package telemetry

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Destinations are where an environment's agent reports: the metric
// namespace and the log group of each file it ships. config.Names spells
// them (config.AgentConfig); every one holds the prefix and the
// environment, so that environments sharing an account never mix.
type Destinations struct {
	// Namespace of the agent's metrics.
	Namespace string
	// SystemLog, AccessLog and ErrorLog are the log groups of
	// SystemLogFile, AccessLogFile and ErrorLogFile.
	SystemLog, AccessLog, ErrorLog string
}

// Files the agent ships, and where they come from: the system log is
// written by rsyslog (components/system-log.yaml; Amazon Linux 2023 logs
// only to the journal otherwise, which the agent cannot read), the web
// server's logs by nginx (components/web-server.yaml).
const (
	SystemLogFile = "/var/log/messages"
	AccessLogFile = "/var/log/nginx/access.log"
	ErrorLogFile  = "/var/log/nginx/error.log"
)

// Metric names in the environment's namespace.
const (
	// MemoryUsedPercent and DiskUsedPercent are the agent's mem and disk
	// plugins' names for used_percent.
	MemoryUsedPercent = "mem_used_percent"
	DiskUsedPercent   = "disk_used_percent"
	// AmiCreationTime is the creation time of an instance's AMI, in
	// seconds since the epoch, published every 5 minutes by the boot
	// script's timer.
	AmiCreationTime = "AmiCreationTime"
)

// AgentConfig returns the CloudWatch agent configuration of an
// environment (schema: the agent's translator/config/schema.json, fields
// described in
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html):
//
//   - memory and root disk use, every minute, per instance (dimensions
//     InstanceId, ImageId), per AMI and rolled up over the fleet
//     (aggregation_dimensions [["ImageId"], []]);
//   - the system log and nginx's access and error logs, each into its own
//     log group, one stream per instance.
//
// No dimension needs ec2:DescribeTags: InstanceId and ImageId come from
// the instance metadata.
func AgentConfig(d Destinations) string {
	file := func(path, group string) map[string]any {
		return map[string]any{"file_path": path, "log_group_name": group, "log_stream_name": "{instance_id}", "timezone": "UTC"}
	}
	cfg := map[string]any{
		"agent": map[string]any{
			"metrics_collection_interval": 60,
			// root reads /var/log/messages and nginx's logs.
			"run_as_user": "root",
		},
		"metrics": map[string]any{
			"namespace":              d.Namespace,
			"append_dimensions":      map[string]any{"InstanceId": "${aws:InstanceId}", "ImageId": "${aws:ImageId}"},
			"aggregation_dimensions": [][]string{{"ImageId"}, {}},
			"metrics_collected": map[string]any{
				"mem":  map[string]any{"measurement": []string{"used_percent"}},
				"disk": map[string]any{"measurement": []string{"used_percent"}, "resources": []string{"/"}, "drop_device": true},
			},
		},
		"logs": map[string]any{
			"logs_collected": map[string]any{
				"files": map[string]any{"collect_list": []any{
					file(SystemLogFile, d.SystemLog),
					file(AccessLogFile, d.AccessLog),
					file(ErrorLogFile, d.ErrorLog),
				}},
			},
		},
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		panic(err) // only maps, slices, strings and numbers
	}
	return string(data)
}

// BootScript is the shell script every fleet instance runs at first boot
// (cloud-init user data): it starts the CloudWatch agent with the
// configuration in the SSM parameter agentParameter, and installs a
// systemd timer that publishes the AMI's creation time to namespace every
// 5 minutes (from ec2:DescribeImages once, then cached), from which the
// dashboard computes the fleet's AMI age. An image without the agent (the
// seed image, before the first build) boots normally and says so in the
// boot log.
func BootScript(agentParameter, namespace, region string) string {
	return strings.NewReplacer("@PARAM@", agentParameter, "@NS@", namespace, "@REGION@", region, "@METRIC@", AmiCreationTime).Replace(bootScript)
}

const bootScript = `#!/bin/bash
# golden-fleet: CloudWatch agent and AMI age (README: "The CloudWatch agent reports").
ctl=/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl
if [ -x "$ctl" ]; then
  "$ctl" -a fetch-config -m ec2 -s -c ssm:@PARAM@ || echo "golden-fleet: the CloudWatch agent did not start" >&2
else
  echo "golden-fleet: no CloudWatch agent in this image (the seed image?): no memory, disk or log reports" >&2
fi
mkdir -p /usr/local/sbin
cat > /usr/local/sbin/golden-fleet-ami-age <<'SCRIPT'
#!/bin/bash
# Publishes this instance's AMI creation time (seconds since the epoch).
set -euo pipefail
cache=/var/lib/golden-fleet/ami-creation-time
if [ ! -s "$cache" ]; then
  token=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)
  ami=$(curl -fsS -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/ami-id)
  created=$(aws ec2 describe-images --region @REGION@ --image-ids "$ami" --query 'Images[0].CreationDate' --output text)
  mkdir -p "${cache%/*}"
  date -u -d "$created" +%s > "$cache"
fi
aws cloudwatch put-metric-data --region @REGION@ --namespace @NS@ --metric-name @METRIC@ --unit Seconds --value "$(cat "$cache")"
SCRIPT
chmod 0755 /usr/local/sbin/golden-fleet-ami-age
cat > /etc/systemd/system/golden-fleet-ami-age.service <<'UNIT'
[Unit]
Description=Publish this instance's AMI creation time to CloudWatch (golden-fleet)
Wants=network-online.target
After=network-online.target
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/golden-fleet-ami-age
UNIT
cat > /etc/systemd/system/golden-fleet-ami-age.timer <<'UNIT'
[Unit]
Description=Publish the AMI creation time every 5 minutes (golden-fleet)
[Timer]
OnBootSec=1min
OnUnitActiveSec=5min
[Install]
WantedBy=timers.target
UNIT
systemctl daemon-reload
systemctl enable --now golden-fleet-ami-age.timer
`

// MIMEBoundary separates the parts of a combined user data. It cannot
// occur in BootScript; UserData refuses a configured script containing
// it.
const MIMEBoundary = "==golden-fleet-user-data=="

// UserData returns the launch template's user data: the boot script
// alone, or, when the environment configures a first-boot script of its
// own, a MIME multi-part document that cloud-init runs part by part, the
// boot script first (https://cloudinit.readthedocs.io/en/latest/explanation/format.html).
// A configured script starting with #cloud-config is passed as
// cloud-config, anything else as a shell script.
//
// The caller checks the size: EC2 takes at most config.MaxUserDataBytes,
// which config.Validate checks for every environment.
func UserData(boot, configured string) (string, error) {
	if configured == "" {
		return boot, nil
	}
	if strings.Contains(configured, MIMEBoundary) {
		return "", fmt.Errorf("user data contains %q, the boundary that separates it from the boot script: want user data without it", MIMEBoundary)
	}
	kind := "text/x-shellscript"
	if strings.HasPrefix(configured, "#cloud-config") {
		kind = "text/cloud-config"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\nMIME-Version: 1.0\n\n", MIMEBoundary)
	for _, part := range []struct{ kind, body string }{{"text/x-shellscript", boot}, {kind, configured}} {
		fmt.Fprintf(&b, "--%s\nContent-Type: %s; charset=\"utf-8\"\n\n%s", MIMEBoundary, part.kind, part.body)
		if !strings.HasSuffix(part.body, "\n") {
			b.WriteString("\n")
		}
	}
	fmt.Fprintf(&b, "--%s--\n", MIMEBoundary)
	return b.String(), nil
}
