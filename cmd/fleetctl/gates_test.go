package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/scan"
)

const ibArn = "arn:aws:imagebuilder:eu-west-1:111111111111:image/golden-fleet-dev-golden-ami-060a02a4/1.0.0/4"

func evidence(g gateResult) string { return strings.Join(g.Evidence, " | ") }

func TestImageTestsGate(t *testing.T) {
	good := imageRecord{Arn: ibArn, Status: "AVAILABLE", TestsEnabled: true}
	for _, tc := range []struct {
		name   string
		rec    func(r *imageRecord)
		pass   bool
		saying string
	}{
		{"an available image with tests", func(*imageRecord) {}, true, "AVAILABLE, image tests enabled"},
		{"no Image Builder tag (the seed)", func(r *imageRecord) { *r = imageRecord{} }, false, "no Ec2ImageBuilderArn tag"},
		{"GetImage fails", func(r *imageRecord) { r.Err = errors.New("AccessDenied") }, false, "could not be read: AccessDenied"},
		{"tests disabled", func(r *imageRecord) { r.TestsEnabled = false }, false, "image tests disabled"},
		{"tests failed", func(r *imageRecord) { r.Status, r.Reason = "FAILED", "test phase failed" }, false, "status FAILED (test phase failed)"},
		{"still testing", func(r *imageRecord) { r.Status = "TESTING" }, false, "status TESTING"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good
			tc.rec(&r)
			g := imageTestsGate(x, r)
			if g.Passed != tc.pass || !strings.Contains(evidence(g), tc.saying) || g.Name != "image-tests" {
				t.Errorf("%s: passed %v (%s), want passed %v saying %q", g.Name, g.Passed, evidence(g), tc.pass, tc.saying)
			}
		})
	}
}

func TestVulnerabilitiesGate(t *testing.T) {
	where := "EC2's scan results of " + x
	f := func(s scan.Severity, title string) finding { return finding{Severity: s, Title: title} }
	for _, tc := range []struct {
		name   string
		ev     scanEvidence
		limit  scan.Severity
		pass   bool
		saying string
	}{
		{"scanning off: nothing to check", scanEvidence{}, scan.Medium, true, "image scanning is off"},
		{"no finding", scanEvidence{Type: config.ScanOnDemandAMI, Where: where}, scan.Medium, true, where + ": highest severity NONE, allowed up to MEDIUM"},
		{"the highest at the limit", scanEvidence{Type: config.ScanOnDemandAMI, Where: where, Highest: scan.Medium}, scan.Medium, true, "highest severity MEDIUM"},
		// EC2's scan results give the highest severity only: it decides.
		{"a CRITICAL on the AMI above HIGH", scanEvidence{Type: config.ScanOnDemandAMI, Where: where, Highest: scan.Critical}, scan.High, false, "CRITICAL is above HIGH"},
		{"findings up to the limit", scanEvidence{Type: config.ScanTestInstance, Where: "copy", Highest: scan.Medium,
			Findings: []finding{f(scan.Medium, "CVE-1"), f(scan.Low, "CVE-2")}}, scan.Medium, true, "(2 findings: 1 MEDIUM, 1 LOW)"},
		{"a CRITICAL above HIGH, listed first", scanEvidence{Type: config.ScanTestInstance, Where: "copy", Highest: scan.Critical,
			Findings: []finding{f(scan.High, "h"), f(scan.Critical, "c")}}, scan.Medium, false, "allowed up to MEDIUM | CRITICAL: c | HIGH: h"},
		{"an untriaged finding always fails", scanEvidence{Type: config.ScanTestInstance, Where: "copy", Highest: scan.Low,
			Findings: []finding{f(scan.Untriaged, "u"), f(scan.Low, "l")}}, scan.Critical, false, "UNTRIAGED: u"},
		{"not scanned", scanEvidence{Type: config.ScanOnDemandAMI, Where: where, Err: errors.New("no scan results on the AMI")}, scan.Critical, false, where + ": no scan results"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := vulnerabilitiesGate(tc.ev, tc.limit)
			if g.Passed != tc.pass || !strings.Contains(evidence(g), tc.saying) {
				t.Errorf("passed %v (%s), want passed %v saying %q", g.Passed, evidence(g), tc.pass, tc.saying)
			}
		})
	}
}

func TestVulnerabilitiesGateListsAtMostFiveFindings(t *testing.T) {
	var fs []finding
	for i := 0; i < 8; i++ {
		fs = append(fs, finding{Severity: scan.High, Title: "CVE"})
	}
	g := vulnerabilitiesGate(scanEvidence{Type: config.ScanTestInstance, Where: "copy", Highest: scan.High, Findings: fs}, scan.Low)
	if len(g.Evidence) != 7 || !strings.Contains(g.Evidence[6], "and 3 more above LOW") {
		t.Errorf("evidence %q, want the summary, 5 findings and a count of the rest", g.Evidence)
	}
}

func TestSoakGate(t *testing.T) {
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	soak := 48 * time.Hour
	healthy := func(id, ami string, age time.Duration) fleetInstance {
		return fleetInstance{ID: id, Lifecycle: "InService", Health: "Healthy", Image: ami, Launched: now.Add(-age)}
	}
	for _, tc := range []struct {
		name   string
		fleet  fleetSample
		pass   bool
		saying string
	}{
		{"ran long enough, healthy, quiet", fleetSample{Group: "g", Instances: []fleetInstance{healthy("i-1", x, 50*time.Hour), healthy("i-2", x, 3*time.Hour)},
			Alarms: []alarm{{"golden-fleet-dev-cpu", "OK"}}}, true, "2 of 2 instances of g run " + x + ", the oldest since 2025-03-08T10:00:00Z: 50h0m0s, soak time 48h0m0s"},
		{"exactly the soak time", fleetSample{Group: "g", Instances: []fleetInstance{healthy("i-1", x, 48*time.Hour)}}, true, "the fleet has no alarm"},
		{"not long enough", fleetSample{Group: "g", Instances: []fleetInstance{healthy("i-1", x, 47*time.Hour)}}, false, "47h0m0s, soak time 48h0m0s"},
		{"the AMI never ran", fleetSample{Group: "g", Instances: []fleetInstance{healthy("i-1", y, 90*time.Hour)}}, false, "no in-service instance of g runs " + x},
		{"an unhealthy instance", fleetSample{Group: "g", Instances: []fleetInstance{healthy("i-1", x, 50*time.Hour),
			{ID: "i-2", Lifecycle: "InService", Health: "Unhealthy", Image: x, Launched: now}}}, false, "not InService and Healthy: i-2 InService/Unhealthy"},
		{"an instance still pending", fleetSample{Group: "g", Instances: []fleetInstance{healthy("i-1", x, 50*time.Hour),
			{ID: "i-3", Lifecycle: "Pending", Health: "Healthy", Image: x}}}, false, "i-3 Pending/Healthy"},
		{"an alarm in ALARM", fleetSample{Group: "g", Instances: []fleetInstance{healthy("i-1", x, 50*time.Hour)},
			Alarms: []alarm{{"golden-fleet-dev-5xx", "ALARM"}, {"cpu", "OK"}}}, false, "in ALARM: golden-fleet-dev-5xx"},
		{"the fleet could not be read", fleetSample{Group: "g", Err: errors.New("AccessDenied")}, false, "could not be read: AccessDenied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := soakGate(x, soak, now, tc.fleet)
			if g.Passed != tc.pass || !strings.Contains(evidence(g), tc.saying) || g.Name != "soak" {
				t.Errorf("passed %v (%s), want passed %v saying %q", g.Passed, evidence(g), tc.pass, tc.saying)
			}
		})
	}
}

func TestOverridesSkipOnlyFailedGatesAndNeedAReason(t *testing.T) {
	gates := []gateResult{{Name: "image-tests"}, {Name: "soak", Passed: true}, {Name: "vulnerabilities"}}
	refused, notes := applyOverrides(gates, []string{"image-tests", "soak"})
	if len(refused) != 1 || refused[0] != "vulnerabilities" {
		t.Errorf("refused %v, want [vulnerabilities]", refused)
	}
	if !gates[0].Overridden || gates[1].Overridden || gates[2].Overridden {
		t.Errorf("overridden: %v %v %v, want only image-tests", gates[0].Overridden, gates[1].Overridden, gates[2].Overridden)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "--override soak: the gate passed") {
		t.Errorf("notes %q, want one saying soak passed", notes)
	}
	if o := []string{gates[0].Outcome(), gates[1].Outcome(), gates[2].Outcome()}; strings.Join(o, " ") != "overridden passed failed" {
		t.Errorf("outcomes %v", o)
	}

	for _, tc := range []struct {
		overrides []string
		reason    string
		saying    string
	}{
		{[]string{"soak"}, "", "--override soak needs --reason TEXT"},
		{[]string{"soak"}, "  ", "needs --reason"},
		{[]string{"tests"}, "why", `--override "tests": want one of image-tests, soak, vulnerabilities`},
		{nil, "why", "--reason \"why\" without --override"},
	} {
		if err := checkOverrides(tc.overrides, tc.reason); err == nil || !strings.Contains(err.Error(), tc.saying) {
			t.Errorf("CheckOverrides(%v, %q) = %v, want an error saying %q", tc.overrides, tc.reason, err, tc.saying)
		}
	}
	if err := checkOverrides([]string{"soak", "vulnerabilities"}, "hotfix for CVE-2025-1, approved by sec"); err != nil {
		t.Errorf("a valid override: %v", err)
	}
}
