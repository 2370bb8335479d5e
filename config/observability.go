package config

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"

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
	// days: one of CloudWatch Logs' retention periods. Default: 90.
	LogRetentionDays int
	// BelowDesiredMinutes is how long the group may have fewer instances
	// in service than its desired capacity before the alarm fires (1 to
	// 1440 minutes: CloudWatch evaluates at most one day of one-minute
	// periods). It should cover a normal replacement, launch and boot
	// included. Default: 15.
	BelowDesiredMinutes int
	// Scanning of every image the pipeline builds.
	Scanning Scanning
}

// Scanning configures Image Builder's vulnerability scan of each image
// (the pipeline's ImageScanningConfiguration).
type Scanning struct {
	// Disabled turns image scanning off. Default: every image is scanned.
	Disabled bool
	// Type is Image Builder's scan type: ON_DEMAND_AMI_CVE (Amazon
	// Inspector scans the output AMI during the test phase; no account-wide
	// Inspector activation needed) or TEST_INSTANCE_CVE (Inspector scans
	// the test instance; needs Inspector's EC2 scanning activated in the
	// account). Default: ON_DEMAND_AMI_CVE.
	Type string
	// MaxSeverity fails the image when the on-demand AMI scan finds a
	// vulnerability with a fix available above this severity
	// (INFORMATIONAL, LOW, MEDIUM or HIGH; a counted CRITICAL finding
	// always fails). Only with ON_DEMAND_AMI_CVE. Default: findings never
	// fail a build; they are reported (fleetctl status) and gate
	// promotion.
	MaxSeverity string
	// CountUnfixed makes findings without an available fix count toward
	// MaxSeverity too. Default: only findings with a fix available count
	// (Image Builder's default), so an unfixable finding in the parent
	// image cannot block every build.
	CountUnfixed bool
}

// Defaults of Observability, each documented on its field.
const (
	DefaultObservabilityLogRetentionDays = 90
	DefaultBelowDesiredMinutes           = 15
	DefaultScanType                      = ScanOnDemandAMI
)

// Image Builder's AMI scan types, from the CloudFormation property
// AWS::ImageBuilder::ImagePipeline ImageScanningConfiguration
// ImageScanningTypes ("Specify a single value"):
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-imagebuilder-imagepipeline-imagescanningconfiguration.html
const (
	ScanOnDemandAMI    = "ON_DEMAND_AMI_CVE"
	ScanTestInstance   = "TEST_INSTANCE_CVE"
	maxBelowDesiredMin = 24 * 60
	maxEmailLength     = 254
)

// ScanTypes are the scan types Image Builder offers for AMIs.
var ScanTypes = []string{ScanOnDemandAMI, ScanTestInstance}

// MaxSeverities are the values Image Builder accepts as a scan result
// condition's MaximumSeverityLabel (ScanResultCondition: "Valid values are
// INFORMATIONAL, LOW, MEDIUM, and HIGH. A CRITICAL finding that counts
// always fails the image"), lowest first.
var MaxSeverities = []string{"INFORMATIONAL", "LOW", "MEDIUM", "HIGH"}

// LogRetentionPeriods returns the retention periods, in days, that
// CloudWatch Logs accepts (AWS::Logs::LogGroup RetentionInDays).
func LogRetentionPeriods() []int { return slices.Clone(logRetentionDays) }

// WithDefaults returns a copy of o with every zero-valued optional field
// set to its documented default.
func (o Observability) WithDefaults() Observability {
	if o.LogRetentionDays == 0 {
		o.LogRetentionDays = DefaultObservabilityLogRetentionDays
	}
	if o.BelowDesiredMinutes == 0 {
		o.BelowDesiredMinutes = DefaultBelowDesiredMinutes
	}
	if !o.Scanning.Disabled && o.Scanning.Type == "" {
		o.Scanning.Type = DefaultScanType
	}
	return o
}

// validateObservability checks one environment's Observability, and that
// its Fleet.UserData leaves room for the boot script that starts the
// CloudWatch agent; path names the environment ("Environments[dev]").
func validateObservability(p *problems, path, prefix string, env Environment) {
	if ud := env.Fleet.UserData; len(ud) <= telemetry.MaxUserDataBytes {
		boot := telemetry.BootScript(telemetry.NamesFor(prefix, env.Name), env.Region)
		if _, err := telemetry.UserData(boot, ud); err != nil {
			p.add(path+".Fleet.UserData", "got %d bytes: %v; the boot script that starts the CloudWatch agent takes %d bytes of it", len(ud), err, len(boot))
		}
	}
	raw := env.Observability
	path += ".Observability"
	o := raw.WithDefaults()
	if e := o.NotificationEmail; e != "" {
		if msg := checkEmail(e); msg != "" {
			p.add(path+".NotificationEmail", "got %q: want %s", e, msg)
		}
	}
	if !slices.Contains(logRetentionDays, o.LogRetentionDays) {
		p.add(path+".LogRetentionDays", "got %d: want one of CloudWatch Logs' retention periods %v", o.LogRetentionDays, logRetentionDays)
	}
	if o.BelowDesiredMinutes < 1 || o.BelowDesiredMinutes > maxBelowDesiredMin {
		p.add(path+".BelowDesiredMinutes", "got %d: want 1 to %d minutes (one-minute periods, at most one day)", o.BelowDesiredMinutes, maxBelowDesiredMin)
	}
	s := o.Scanning
	sp := path + ".Scanning"
	switch {
	case s.Disabled && raw.Scanning.Type != "":
		p.add(sp+".Type", "got %q with Disabled set: want no Type when scanning is disabled", raw.Scanning.Type)
	case !s.Disabled && !slices.Contains(ScanTypes, s.Type):
		p.add(sp+".Type", "got %q: want one of %s (Image Builder's AMI scan types)", s.Type, strings.Join(ScanTypes, ", "))
	}
	if s.MaxSeverity != "" {
		switch {
		case !slices.Contains(MaxSeverities, s.MaxSeverity):
			p.add(sp+".MaxSeverity", "got %q: want one of %s (a counted CRITICAL finding always fails the image)", s.MaxSeverity, strings.Join(MaxSeverities, ", "))
		case s.Disabled || s.Type != ScanOnDemandAMI:
			p.add(sp+".MaxSeverity", "got %q with scan type %q: want it only with %s, the only scan type Image Builder checks against a scan result condition", s.MaxSeverity, scanTypeOrOff(s), ScanOnDemandAMI)
		}
	} else if s.CountUnfixed {
		p.add(sp+".CountUnfixed", "got true without MaxSeverity: want MaxSeverity set, CountUnfixed only widens what it counts")
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
