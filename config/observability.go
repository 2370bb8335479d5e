package config

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/immutable-server/golden-fleet/internal/telemetry"
)

// Observability is what an environment reports and to whom: the CloudWatch
// agent's logs and metrics of the fleet, the fleet's alarms, build results
// and the vulnerability scan of every image. Every field is optional.
type Observability struct {
	// NotificationEmail is subscribed (SNS e-mail protocol; the recipient
	// confirms the subscription) to the build results topic and to the
	// fleet's alarm topic. Default: no subscription; both topics exist and
	// can be subscribed to by other means.
	NotificationEmail string
	// LogRetentionDays keeps the fleet's log groups (system log, web
	// server access and error logs, build and launch events) this many
	// days: one of CloudWatch Logs' retention periods. Default: 90
	// (DefaultLogRetentionDays).
	LogRetentionDays int
	// BelowDesiredMinutes is how long the group may have fewer instances
	// in service than its desired capacity before the alarm fires (1 to
	// 1440 minutes: a CloudWatch alarm evaluates at most one day). It
	// should cover a normal replacement, launch and boot included.
	// Default: 15 (DefaultBelowDesiredMinutes).
	BelowDesiredMinutes int
	// Scanning of every image the pipeline builds.
	Scanning Scanning
}

// Scanning configures Image Builder's vulnerability scan of each image
// (the pipeline's ImageScanningConfiguration).
type Scanning struct {
	// Disabled turns image scanning off. Default: every image is scanned.
	Disabled bool
	// Type is Image Builder's scan type (ScanTypes): ON_DEMAND_AMI_CVE
	// (Amazon Inspector scans the output AMI during the test phase; no
	// account-wide Inspector activation needed) or TEST_INSTANCE_CVE
	// (Inspector scans the test instance; needs Inspector's EC2 scanning
	// activated in the account). Default: ON_DEMAND_AMI_CVE
	// (DefaultScanType).
	Type string
	// MaxSeverity fails the image when the on-demand AMI scan finds a
	// vulnerability with a fix available above this severity
	// (MaxSeverities: INFORMATIONAL, LOW, MEDIUM or HIGH; a counted
	// CRITICAL finding always fails). Only with ON_DEMAND_AMI_CVE.
	// Default: findings never fail a build; they are reported (fleetctl
	// status) and gate promotion.
	MaxSeverity string
	// CountUnfixed makes findings without an available fix count toward
	// MaxSeverity too. Default: only findings with a fix available count
	// (Image Builder's default), so an unfixable finding in the parent
	// image cannot block every build.
	CountUnfixed bool
}

// maxEmailLength is the longest e-mail address (RFC 5321's 256-character
// path, less its angle brackets).
const maxEmailLength = 254

// observability checks the environment's Observability. The room the boot
// script that starts the CloudWatch agent takes in the user data is
// checked with Fleet.UserData (userData).
func (e *envCheck) observability() {
	raw, o := e.raw.Observability, e.env.Observability
	const path = "Observability"
	if a := o.NotificationEmail; a != "" {
		if msg := checkEmail(a); msg != "" {
			e.add(path+".NotificationEmail", "got %s: want %s", q(a), msg)
		}
	}
	if !slices.Contains(LogRetentionDays, o.LogRetentionDays) {
		e.add(path+".LogRetentionDays", "got %d: want one of CloudWatch Logs' retention periods %v", o.LogRetentionDays, LogRetentionDays)
	}
	if maxMinutes := int(MaxAlarmEvaluationTime / time.Minute); o.BelowDesiredMinutes < 1 || o.BelowDesiredMinutes > maxMinutes {
		e.add(path+".BelowDesiredMinutes", "got %d: want 1 to %d minutes (one-minute periods; a CloudWatch alarm evaluates at most one day)", o.BelowDesiredMinutes, maxMinutes)
	}
	s := o.Scanning
	sp := path + ".Scanning"
	switch {
	case s.Disabled && raw.Scanning.Type != "":
		e.add(sp+".Type", "got %s with Disabled set: want no Type when scanning is disabled", q(raw.Scanning.Type))
	case !s.Disabled && !slices.Contains(ScanTypes, s.Type):
		e.add(sp+".Type", "got %s: want one of %s (Image Builder's AMI scan types)", q(s.Type), strings.Join(ScanTypes, ", "))
	}
	switch {
	case s.MaxSeverity == "" && s.CountUnfixed:
		e.add(sp+".CountUnfixed", "got true without MaxSeverity: want MaxSeverity set, CountUnfixed only widens what it counts")
	case s.MaxSeverity == "":
	case !slices.Contains(MaxSeverities, s.MaxSeverity):
		e.add(sp+".MaxSeverity", "got %s: want one of %s (a counted CRITICAL finding always fails the image)", q(s.MaxSeverity), strings.Join(MaxSeverities, ", "))
	case s.Disabled || s.Type != ScanOnDemandAMI:
		e.add(sp+".MaxSeverity", "got %s with scan type %s: want it only with %s, the only scan type Image Builder checks against a scan result condition",
			q(s.MaxSeverity), q(scanTypeOrOff(s)), ScanOnDemandAMI)
	}
}

func scanTypeOrOff(s Scanning) string {
	if s.Disabled {
		return "disabled"
	}
	return s.Type
}

// checkEmail returns "" when addr is a bare e-mail address SNS can
// deliver to, else what is allowed.
func checkEmail(addr string) string {
	const want = "a bare e-mail address such as platform-alerts@example.com (no display name, a domain with a dot, at most %d characters)"
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Name != "" || a.Address != addr || len(addr) > maxEmailLength {
		return fmt.Sprintf(want, maxEmailLength)
	}
	at := strings.LastIndexByte(addr, '@')
	if domain := addr[at+1:]; !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return fmt.Sprintf(want, maxEmailLength)
	}
	return ""
}

// userData checks Fleet.UserData as the launch template carries it: after
// the boot script that starts the CloudWatch agent (telemetry.UserData),
// the whole within EC2's MaxUserDataBytes.
func (e *envCheck) userData() {
	const path = "Fleet.UserData"
	ud := e.env.Fleet.UserData
	if len(ud) > MaxUserDataBytes {
		e.add(path, "got %d bytes: want at most %d (EC2's limit before base64)", len(ud), MaxUserDataBytes)
		return
	}
	boot := BootScript(Names{Prefix: e.prefix, Env: e.env.Name}, e.env.Region)
	all, err := telemetry.UserData(boot, ud)
	switch {
	case err != nil:
		e.add(path, "got a script containing %s, the MIME boundary that separates it from the boot script that starts the CloudWatch agent: want a script without it",
			q(telemetry.MIMEBoundary))
	case len(all) > MaxUserDataBytes:
		e.add(path, "got %d bytes: want at most %d; with the boot script that starts the CloudWatch agent (%d bytes), as MIME multi-part, the user data is %d bytes, and EC2 takes at most %d before base64",
			len(ud), MaxUserDataBytes-(len(all)-len(ud)), len(boot), len(all), MaxUserDataBytes)
	}
}

// BootScript is the boot script of the environment named n in region:
// what every fleet instance runs first (telemetry.BootScript).
func BootScript(n Names, region string) string {
	return telemetry.BootScript(n.AgentParameter(), n.MetricNamespace(), region)
}

// AgentConfig is the CloudWatch agent's configuration of the environment
// named n (telemetry.AgentConfig).
func AgentConfig(n Names) string {
	return telemetry.AgentConfig(telemetry.Destinations{
		Namespace: n.MetricNamespace(),
		SystemLog: n.SystemLogGroup(),
		AccessLog: n.AccessLogGroup(),
		ErrorLog:  n.ErrorLogGroup(),
	})
}
