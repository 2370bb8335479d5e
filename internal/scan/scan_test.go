package scan

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ibtypes "github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	inspector "github.com/aws/aws-sdk-go-v2/service/inspector2/types"
)

func completedState() *ibtypes.ImageScanState {
	return &ibtypes.ImageScanState{Status: ibtypes.ImageScanStatusCompleted}
}

func finding(severity string) ibtypes.ImageScanFinding {
	return ibtypes.ImageScanFinding{Severity: aws.String(severity), Title: aws.String("CVE-2026-0001 - pkg")}
}

func counts(critical, high, medium, all int64) *ibtypes.SeverityCounts {
	return &ibtypes.SeverityCounts{Critical: &critical, High: &high, Medium: &medium, All: &all}
}

func TestFromImageBuilderReturnsTheHighestSeverity(t *testing.T) {
	for _, tc := range []struct {
		name     string
		counts   *ibtypes.SeverityCounts
		findings []ibtypes.ImageScanFinding
		want     Severity
	}{
		{"completed, nothing found", nil, nil, None},
		{"completed, zero counts", counts(0, 0, 0, 0), nil, None},
		{"one finding", nil, []ibtypes.ImageScanFinding{finding("MEDIUM")}, Medium},
		{"the worst of several findings", nil, []ibtypes.ImageScanFinding{finding("LOW"), finding("CRITICAL"), finding("HIGH")}, Critical},
		{"untriaged ranks below informational", nil, []ibtypes.ImageScanFinding{finding("UNTRIAGED")}, Untriaged},
		{"informational above untriaged", nil, []ibtypes.ImageScanFinding{finding("UNTRIAGED"), finding("INFORMATIONAL")}, Informational},
		{"critical count", counts(1, 2, 3, 10), nil, Critical},
		{"high count", counts(0, 2, 3, 10), nil, High},
		{"medium count", counts(0, 0, 3, 3), nil, Medium},
		{"only lower findings counted: reported as LOW, their upper bound", counts(0, 0, 0, 4), nil, Low},
		{"an exact finding below the counts' bound does not lower it", counts(0, 0, 0, 1), []ibtypes.ImageScanFinding{finding("INFORMATIONAL")}, Low},
		{"findings above the counts win", counts(0, 0, 1, 1), []ibtypes.ImageScanFinding{finding("HIGH")}, High},
	} {
		got, err := FromImageBuilder(completedState(), tc.counts, tc.findings)
		if err != nil || got != tc.want {
			t.Errorf("%s: got (%s, %v), want (%s, nil)", tc.name, got, err, tc.want)
		}
	}
}

func TestFromImageBuilderFailsClosedUnlessTheScanCompleted(t *testing.T) {
	bad := finding("CRITICAL")
	for _, tc := range []struct {
		name  string
		state *ibtypes.ImageScanState
		want  string
	}{
		{"no state", nil, "not scanned"},
		{"empty status", &ibtypes.ImageScanState{}, "not scanned"},
		{"pending", &ibtypes.ImageScanState{Status: ibtypes.ImageScanStatusPending}, "PENDING: not finished yet"},
		{"scanning", &ibtypes.ImageScanState{Status: ibtypes.ImageScanStatusScanning}, "SCANNING: not finished yet"},
		{"collecting", &ibtypes.ImageScanState{Status: ibtypes.ImageScanStatusCollecting}, "COLLECTING: not finished yet"},
		{"failed, with the reason", &ibtypes.ImageScanState{Status: ibtypes.ImageScanStatusFailed, Reason: aws.String("Inspector is not enabled")}, "FAILED (Inspector is not enabled): the scan gave no result"},
		{"abandoned", &ibtypes.ImageScanState{Status: ibtypes.ImageScanStatusAbandoned}, "ABANDONED"},
		{"timed out", &ibtypes.ImageScanState{Status: ibtypes.ImageScanStatusTimedOut}, "TIMED_OUT"},
		{"a status this SDK does not know", &ibtypes.ImageScanState{Status: "PAUSED"}, `unknown scan status "PAUSED"`},
	} {
		got, err := FromImageBuilder(tc.state, nil, []ibtypes.ImageScanFinding{bad})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got (%s, %v), want an error containing %q", tc.name, got, err, tc.want)
		}
	}
}

func TestFromImageBuilderHandlesEveryScanStatusTheSDKKnows(t *testing.T) {
	for _, s := range ibtypes.ImageScanStatus("").Values() {
		_, err := FromImageBuilder(&ibtypes.ImageScanState{Status: s}, nil, nil)
		if err != nil && strings.Contains(err.Error(), "unknown scan status") {
			t.Errorf("status %s is not handled: %v", s, err)
		}
	}
}

func TestFromImageBuilderRejectsUnknownSeveritiesAndBadCounts(t *testing.T) {
	if got, err := FromImageBuilder(completedState(), nil, []ibtypes.ImageScanFinding{finding("SEVERE")}); err == nil || !strings.Contains(err.Error(), `unknown severity "SEVERE"`) {
		t.Errorf("severity SEVERE: got (%s, %v), want an unknown-severity error", got, err)
	}
	if got, err := FromImageBuilder(completedState(), nil, []ibtypes.ImageScanFinding{{}}); err == nil {
		t.Errorf("finding without a severity: got %s, want an error", got)
	}
	if got, err := FromImageBuilder(completedState(), counts(2, 0, 0, 1), nil); err == nil || !strings.Contains(err.Error(), "inconsistent finding counts") {
		t.Errorf("total below critical: got (%s, %v), want an inconsistency error", got, err)
	}
}

func TestFromEC2ReadsTheAMIsScanResults(t *testing.T) {
	scanned := func(label ec2types.SeverityLabel) *ec2types.ScanResults {
		return &ec2types.ScanResults{FindingScanDate: aws.Time(time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)), HighestFindingSeverityLabel: label}
	}
	for _, tc := range []struct {
		name     string
		results  *ec2types.ScanResults
		findings []ec2types.ImageFinding
		want     Severity
	}{
		{"scanned, no finding", scanned(""), nil, None},
		{"highest label", scanned(ec2types.SeverityLabelHigh), nil, High},
		{"findings above the label win", scanned(ec2types.SeverityLabelLow), []ec2types.ImageFinding{{SeverityLabel: ec2types.SeverityLabelCritical}}, Critical},
		{"findings below the label do not lower it", scanned(ec2types.SeverityLabelMedium), []ec2types.ImageFinding{{SeverityLabel: ec2types.SeverityLabelInformational}}, Medium},
	} {
		got, err := FromEC2(tc.results, tc.findings)
		if err != nil || got != tc.want {
			t.Errorf("%s: got (%s, %v), want (%s, nil)", tc.name, got, err, tc.want)
		}
	}
	for name, r := range map[string]*ec2types.ScanResults{"no results": nil, "never scanned": {}} {
		if got, err := FromEC2(r, nil); err == nil || !strings.Contains(err.Error(), "has not scanned it") {
			t.Errorf("%s: got (%s, %v), want a not-scanned error", name, got, err)
		}
	}
	if got, err := FromEC2(scanned("severe"), nil); err == nil {
		t.Errorf("unknown label: got %s, want an error", got)
	}
}

func TestEveryEC2SeverityLabelIsKnown(t *testing.T) {
	for _, l := range ec2types.SeverityLabel("").Values() {
		if _, err := ParseSeverity(string(l)); err != nil {
			t.Errorf("EC2 severity label %q: %v", l, err)
		}
	}
}

func TestSeveritiesAreOrderedAndRoundTrip(t *testing.T) {
	all := Severities()
	if len(all) != 6 || all[0] != Untriaged || all[len(all)-1] != Critical {
		t.Fatalf("Severities() = %v, want UNTRIAGED … CRITICAL", all)
	}
	for i, s := range all {
		got, err := ParseSeverity(strings.ToLower(s.String()))
		if err != nil || got != s {
			t.Errorf("ParseSeverity(%q) = (%s, %v), want %s", strings.ToLower(s.String()), got, err, s)
		}
		if i > 0 && !s.Exceeds(all[i-1]) {
			t.Errorf("%s does not exceed %s", s, all[i-1])
		}
	}
	if None.Exceeds(Untriaged) || !Untriaged.Exceeds(None) {
		t.Error("NONE must rank below every finding")
	}
	if _, err := ParseSeverity("NONE"); err == nil {
		t.Error("NONE parsed as a finding's severity; no finding has it")
	}
}

// Every severity of Amazon Inspector's catalog (the SDK's enum) is a
// limit or UNTRIAGED; a new severity fails here until it is ranked.
func TestLimitsAreInspectorsRatedSeveritiesInOrder(t *testing.T) {
	var want []string
	for _, s := range inspector.Severity("").Values() {
		if s != inspector.SeverityUntriaged {
			want = append(want, string(s))
		}
	}
	var got []string
	for _, s := range Limits() {
		got = append(got, s.String())
	}
	slices.Sort(want)
	sorted := slices.Sorted(slices.Values(got))
	if !slices.Equal(sorted, want) {
		t.Errorf("Limits() = %v, want Inspector's rated severities %v", got, want)
	}
	for i := 1; i < len(Limits()); i++ {
		if !Limits()[i].Exceeds(Limits()[i-1]) {
			t.Errorf("Limits() not lowest first: %v", got)
		}
	}
}

func TestParseLimitTakesTheConfigurationsSpelling(t *testing.T) {
	for label, ok := range map[string]bool{"MEDIUM": true, "CRITICAL": true, "INFORMATIONAL": true, "medium": false, "UNTRIAGED": false, "SEVERE": false, "": false} {
		if _, err := ParseLimit(label); (err == nil) != ok {
			t.Errorf("ParseLimit(%q) = %v, want ok %v", label, err, ok)
		}
	}
}

func TestAnUntriagedFindingExceedsEveryLimit(t *testing.T) {
	for _, l := range Limits() {
		if !Untriaged.ExceedsLimit(l) {
			t.Errorf("UNTRIAGED within %s: want it above every limit", l)
		}
	}
	if High.ExceedsLimit(High) || !Critical.ExceedsLimit(High) || None.ExceedsLimit(Informational) {
		t.Error("ExceedsLimit: want a severity above the limit only when worse")
	}
}
