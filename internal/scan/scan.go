// Package scan reduces the vulnerability scan results of an image to the
// highest severity found, for `fleetctl status` and for the promotion gate.
// It is pure Go over the AWS SDK's types: no AWS calls.
//
// Where the results live depends on Image Builder's scan type
// (https://docs.aws.amazon.com/imagebuilder/latest/userguide/integ-inspector.html):
//
//   - TEST_INSTANCE_CVE: Amazon Inspector scans the test instance and
//     Image Builder saves a copy of the findings with the image
//     (GetImage's ImageScanState, ListImageScanFindings,
//     ListImageScanFindingAggregations): FromImageBuilder.
//   - ON_DEMAND_AMI_CVE: Inspector scans the output AMI; the results are
//     the AMI's (EC2 DescribeImages' ScanResults, GetImageFindings):
//     FromEC2. Image Builder's ImageScanState still says whether the scan
//     finished.
//
// Both fail closed: a scan that did not complete, or a severity this
// package does not know, is an error, never "no finding".
package scan

import (
	"fmt"
	"slices"
	"strings"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ibtypes "github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

// Severity is a finding's severity, ordered: a greater value is worse.
// The order is the one Image Builder's documentation lists Amazon
// Inspector's ratings in, lowest first: Untriaged, Informational, Low,
// Medium, High, Critical
// (https://docs.aws.amazon.com/imagebuilder/latest/userguide/image-security-findings.html).
// None means the scan completed and found nothing.
type Severity int

// Severities, lowest first.
const (
	None Severity = iota
	Untriaged
	Informational
	Low
	Medium
	High
	Critical
)

var names = [...]string{"NONE", "UNTRIAGED", "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

// String is the severity as Image Builder and Inspector spell it
// ("CRITICAL"), or NONE.
func (s Severity) String() string {
	if s < None || int(s) >= len(names) {
		return fmt.Sprintf("Severity(%d)", int(s))
	}
	return names[s]
}

// Exceeds reports whether s is worse than limit.
func (s Severity) Exceeds(limit Severity) bool { return s > limit }

// ParseSeverity reads a finding's severity: Image Builder's and
// Inspector's upper-case labels ("HIGH", "UNTRIAGED") or EC2's lower-case
// SeverityLabel ("high"). Anything else is an error: an unknown severity
// must not pass a gate as a low one.
func ParseSeverity(label string) (Severity, error) {
	for i, n := range names[Untriaged:] {
		if strings.EqualFold(label, n) {
			return Untriaged + Severity(i), nil
		}
	}
	return None, fmt.Errorf("unknown severity %q: want one of %s", label, strings.Join(names[Untriaged:], ", "))
}

// FromImageBuilder returns the highest severity Image Builder recorded
// for an image: state is GetImage's ImageScanState, counts the image's
// ListImageScanFindingAggregations SeverityCounts (nil when not asked),
// findings the image's ListImageScanFindings (nil when not asked).
//
// The scan must be COMPLETED. Findings give exact severities. The
// aggregation counts only critical, high and medium findings and the
// total: findings it counts beyond those are reported as Low, the
// highest severity they can have, so a gate reading only the
// aggregation errs on the safe side.
func FromImageBuilder(state *ibtypes.ImageScanState, counts *ibtypes.SeverityCounts, findings []ibtypes.ImageScanFinding) (Severity, error) {
	if err := completed(state); err != nil {
		return None, err
	}
	highest := None
	if counts != nil {
		c, h, m, all := deref(counts.Critical), deref(counts.High), deref(counts.Medium), deref(counts.All)
		if c < 0 || h < 0 || m < 0 || all < c+h+m {
			return None, fmt.Errorf("inconsistent finding counts: critical %d, high %d, medium %d, all %d: want non-negative counts whose total covers the others", c, h, m, all)
		}
		switch {
		case c > 0:
			highest = Critical
		case h > 0:
			highest = High
		case m > 0:
			highest = Medium
		case all > 0:
			highest = Low
		}
	}
	for i, f := range findings {
		s, err := ParseSeverity(deref(f.Severity))
		if err != nil {
			return None, fmt.Errorf("finding %d (%s): %w", i, deref(f.Title), err)
		}
		highest = max(highest, s)
	}
	return highest, nil
}

// completed returns nil when state says the scan finished.
func completed(state *ibtypes.ImageScanState) error {
	if state == nil || state.Status == "" {
		return fmt.Errorf("no scan state: the image was not scanned (scanning disabled when it was built?): want a completed scan")
	}
	reason := ""
	if state.Reason != nil && *state.Reason != "" {
		reason = " (" + *state.Reason + ")"
	}
	switch state.Status {
	case ibtypes.ImageScanStatusCompleted:
		return nil
	case ibtypes.ImageScanStatusPending, ibtypes.ImageScanStatusScanning, ibtypes.ImageScanStatusCollecting:
		return fmt.Errorf("scan status %s%s: not finished yet: want COMPLETED", state.Status, reason)
	case ibtypes.ImageScanStatusAbandoned, ibtypes.ImageScanStatusFailed, ibtypes.ImageScanStatusTimedOut:
		return fmt.Errorf("scan status %s%s: the scan gave no result: want COMPLETED", state.Status, reason)
	}
	known := make([]string, 0, len(state.Status.Values()))
	for _, v := range state.Status.Values() {
		known = append(known, string(v))
	}
	return fmt.Errorf("unknown scan status %q%s: want COMPLETED (known statuses: %s)", state.Status, reason, strings.Join(known, ", "))
}

// FromEC2 returns the highest severity of an AMI's Amazon Inspector scan
// as EC2 reports it: results is DescribeImages' Image.ScanResults,
// findings the AMI's GetImageFindings (nil when not asked). An AMI with
// no scan results (ScanResults or its FindingScanDate absent) is an
// error: it was not scanned.
func FromEC2(results *ec2types.ScanResults, findings []ec2types.ImageFinding) (Severity, error) {
	if results == nil || results.FindingScanDate == nil {
		return None, fmt.Errorf("no scan results on the AMI: Amazon Inspector has not scanned it: want an on-demand AMI scan (scan type ON_DEMAND_AMI_CVE)")
	}
	highest := None
	// HighestFindingSeverityLabel "is present only if the AMI has at
	// least one finding".
	if l := results.HighestFindingSeverityLabel; l != "" {
		s, err := ParseSeverity(string(l))
		if err != nil {
			return None, fmt.Errorf("highest finding severity: %w", err)
		}
		highest = s
	}
	for i, f := range findings {
		s, err := ParseSeverity(string(f.SeverityLabel))
		if err != nil {
			return None, fmt.Errorf("finding %d: %w", i, err)
		}
		highest = max(highest, s)
	}
	return highest, nil
}

// Limits are the severities a gate's limit takes, lowest first: every
// rated severity (Informational to Critical). Untriaged is no limit: its
// severity is unknown, so an untriaged finding exceeds every limit.
func Limits() []Severity {
	return slices.DeleteFunc(Severities(), func(s Severity) bool { return s == Untriaged })
}

// ParseLimit reads a gate's limit as the configuration spells it:
// upper case, one of Limits.
func ParseLimit(label string) (Severity, error) {
	s, err := ParseSeverity(label)
	if err != nil || s == Untriaged || label != s.String() {
		return None, fmt.Errorf("got %q: want one of Amazon Inspector's severities %s", label, strings.Join(labels(Limits()), ", "))
	}
	return s, nil
}

// ExceedsLimit reports whether a finding of severity s is above limit. An
// untriaged finding exceeds every limit: its severity is unknown.
func (s Severity) ExceedsLimit(limit Severity) bool { return s == Untriaged || s > limit }

func labels(ss []Severity) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.String()
	}
	return out
}

// Severities lists every severity a finding can have, lowest first.
func Severities() []Severity {
	out := make([]Severity, 0, len(names)-1)
	for s := Untriaged; s <= Critical; s++ {
		out = append(out, s)
	}
	return slices.Clip(out)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
