package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ibtypes "github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
)

const imageArn = "arn:aws:imagebuilder:eu-west-1:111111111111:image/golden-fleet-dev-golden-ami-0e0c3a78/1.0.0/3"

func builtImage(results *ec2types.ScanResults) *ec2types.Image {
	return &ec2types.Image{ImageId: aws.String(x), ScanResults: results,
		Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("golden")}, {Key: aws.String(imageBuilderArnTag), Value: aws.String(imageArn)}}}
}

func scanned(label ec2types.SeverityLabel) *ec2types.ScanResults {
	return &ec2types.ScanResults{FindingScanDate: aws.Time(time.Date(2026, 11, 2, 3, 4, 0, 0, time.UTC)), HighestFindingSeverityLabel: label}
}

func count(c, h, m, all int64) *ibtypes.SeverityCounts {
	return &ibtypes.SeverityCounts{Critical: &c, High: &h, Medium: &m, All: &all}
}

func runReport(t *testing.T, e *fakeEC2, ib *fakeImageBuilder, list bool) (string, error) {
	t.Helper()
	var out bytes.Buffer
	r := &scanReport{ec2: e, ib: ib, out: &out, list: list}
	err := r.report(context.Background(), x)
	return out.String(), err
}

func wantLines(t *testing.T, out string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(out, l) {
			t.Errorf("output lacks %q:\n%s", l, out)
		}
	}
}

func TestStatusReportsTheHighestSeverityOfBothSources(t *testing.T) {
	out, err := runReport(t, &fakeEC2{image: builtImage(scanned(ec2types.SeverityLabelHigh))},
		&fakeImageBuilder{state: &ibtypes.ImageScanState{Status: ibtypes.ImageScanStatusCompleted}, counts: count(0, 0, 1, 3)}, false)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, out,
		"vulnerability scan of the golden AMI "+x,
		"EC2: Amazon Inspector scanned the AMI on 2026-11-02 03:04 UTC: highest severity HIGH",
		"Image Builder: scan of "+imageArn+" completed: highest severity MEDIUM (0 critical, 0 high, 1 medium, 3 in all)",
		"highest severity found: HIGH")
}

func TestStatusSaysTheSeedImageWasNeitherBuiltNorScanned(t *testing.T) {
	seed := &ec2types.Image{ImageId: aws.String(x)}
	out, err := runReport(t, &fakeEC2{image: seed}, &fakeImageBuilder{err: errors.New("must not be called")}, false)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, out, "EC2: no scan results on the AMI", "Image Builder did not build it", "highest severity found: unknown (no completed scan)")
}

func TestAnUnfinishedScanNeverReadsAsNoFinding(t *testing.T) {
	ib := &fakeImageBuilder{state: &ibtypes.ImageScanState{Status: ibtypes.ImageScanStatusScanning}, counts: count(0, 0, 0, 0)}
	out, err := runReport(t, &fakeEC2{image: builtImage(nil)}, ib, false)
	if err != nil {
		t.Fatalf("status must not fail on an unfinished scan: %v", err)
	}
	wantLines(t, out, "scan status SCANNING: not finished yet", "highest severity found: unknown")
	if strings.Contains(out, "NONE") {
		t.Errorf("an unfinished scan reads as no finding:\n%s", out)
	}
	// --findings asks for the scan: then it is an error.
	if _, err := runReport(t, &fakeEC2{image: builtImage(nil)}, ib, true); err == nil || !strings.Contains(err.Error(), "not finished") {
		t.Errorf("--findings on an unfinished scan: got %v, want an error", err)
	}
}

func TestAnImageBuilderOutageIsPrintedByStatusAndFailsFindings(t *testing.T) {
	ib := &fakeImageBuilder{err: errors.New("UnknownOperationException")}
	out, err := runReport(t, &fakeEC2{image: builtImage(scanned(""))}, ib, false)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	wantLines(t, out, "Image Builder: image "+imageArn+": UnknownOperationException", "EC2: Amazon Inspector scanned the AMI", "highest severity found: NONE")
	if _, err := runReport(t, &fakeEC2{image: builtImage(scanned(""))}, ib, true); err == nil {
		t.Error("--findings: got nil, want the Image Builder error")
	}
	if _, err := runReport(t, &fakeEC2{}, ib, true); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("--findings on a missing AMI: got %v, want not found", err)
	}
}

func TestFindingsListsEveryFindingWorstFirst(t *testing.T) {
	e := &fakeEC2{image: builtImage(scanned(ec2types.SeverityLabelCritical)), findings: []ec2types.ImageFinding{
		{SeverityLabel: ec2types.SeverityLabelLow, Title: aws.String("CVE-2026-1000 - openssl"), FixAvailable: aws.Bool(true)},
		{SeverityLabel: ec2types.SeverityLabelCritical, Title: aws.String("CVE-2026-2000 - glibc")},
	}}
	ib := &fakeImageBuilder{state: &ibtypes.ImageScanState{Status: ibtypes.ImageScanStatusCompleted}, findings: []ibtypes.ImageScanFinding{
		{Severity: aws.String("MEDIUM"), Title: aws.String("CVE-2026-3000 - curl"), FixAvailable: aws.String("YES"),
			PackageVulnerabilityDetails: &ibtypes.PackageVulnerabilityDetails{VulnerabilityId: aws.String("CVE-2026-3000")}},
	}}
	out, err := runReport(t, e, ib, true)
	if err != nil {
		t.Fatal(err)
	}
	crit, med, low := strings.Index(out, "CVE-2026-2000"), strings.Index(out, "CVE-2026-3000 - curl"), strings.Index(out, "CVE-2026-1000")
	if crit < 0 || med < 0 || low < 0 || !(crit < med && med < low) {
		t.Errorf("findings not listed worst first (both EC2 pages and Image Builder's):\n%s", out)
	}
	wantLines(t, out, "SEVERITY", "CRITICAL", "fix available", "no fix available", "YES", "highest severity found: CRITICAL")
}
