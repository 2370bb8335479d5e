package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	ibtypes "github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/scan"
)

// Pure gate logic: no AWS calls, table-tested in gates_test.go. Each gate
// turns the evidence promote.go collected into a verdict and the lines
// that justify it.

// GateResult is one gate's verdict with its evidence.
type gateResult struct {
	Name     string
	Passed   bool
	Evidence []string
	// Overridden is set when the gate failed and --override skipped it.
	Overridden bool
}

// Outcome is "passed", "failed" or "overridden".
func (g gateResult) Outcome() string {
	switch {
	case g.Passed:
		return "passed"
	case g.Overridden:
		return "overridden"
	default:
		return "failed"
	}
}

// ImageRecord is what Image Builder says about the image behind an AMI.
type imageRecord struct {
	// Arn is the AMI's Ec2ImageBuilderArn tag; empty when it has none (the
	// seed image, an AMI made by hand).
	Arn string
	// Err is why GetImage failed, if it did.
	Err error
	// Status and Reason are the image's state.
	Status, Reason string
	// TestsEnabled says the image's tests ran before distribution.
	TestsEnabled bool
	// ScanState is how far the image's scan got (Image Builder's copy of
	// a test-instance scan).
	ScanState *ibtypes.ImageScanState
}

// ImageTestsGate passes when the AMI is an Image Builder image whose
// tests were enabled and which ended AVAILABLE: Image Builder marks an
// image whose tests fail FAILED and does not distribute it.
func imageTestsGate(ami string, r imageRecord) gateResult {
	g := gateResult{Name: config.GateImageTests}
	switch {
	case r.Arn == "":
		g.Evidence = []string{fmt.Sprintf("%s has no Ec2ImageBuilderArn tag: not an Image Builder image (a seed or hand-made AMI), so no test ran on it", ami)}
	case r.Err != nil:
		g.Evidence = []string{fmt.Sprintf("%s is Image Builder image %s, which could not be read: %v", ami, r.Arn, r.Err)}
	case !r.TestsEnabled:
		g.Evidence = []string{fmt.Sprintf("%s is Image Builder image %s, built with image tests disabled", ami, r.Arn)}
	case r.Status != "AVAILABLE":
		g.Evidence = []string{fmt.Sprintf("%s is Image Builder image %s, status %s%s: only an AVAILABLE image passed its tests", ami, r.Arn, r.Status, reason(r.Reason))}
	default:
		g.Passed = true
		g.Evidence = []string{fmt.Sprintf("%s is Image Builder image %s: AVAILABLE, image tests enabled (an image whose tests fail ends FAILED)", ami, r.Arn)}
	}
	return g
}

func reason(r string) string {
	if r == "" {
		return ""
	}
	return " (" + r + ")"
}

// scanEvidence is what the vulnerabilities gate weighs: the scan the
// source's scan type writes, read where it writes it (internal/scan).
type scanEvidence struct {
	// Type is the source environment's scan type; empty when its
	// configuration turns image scanning off.
	Type string
	// Where says what was read ("EC2's scan results of ami-…").
	Where string
	// Highest is the highest severity the scan found.
	Highest scan.Severity
	// Findings are the findings read, when the source lists them (Image
	// Builder's copy does; EC2's scan results give the highest only).
	Findings []finding
	// Err is why there is no verdict: not scanned, scan unfinished, or
	// the results could not be read.
	Err error
}

// VulnerabilitiesGate passes when the source's configuration turns
// scanning off (nothing to check), or when the scan completed and found
// nothing above limit. An UNTRIAGED finding always fails: its severity is
// unknown.
func vulnerabilitiesGate(ev scanEvidence, limit scan.Severity) gateResult {
	g := gateResult{Name: config.GateVulnerabilities}
	switch {
	case ev.Type == "":
		g.Passed = true
		g.Evidence = []string{"image scanning is off in the source's configuration: no finding to check"}
		return g
	case ev.Err != nil:
		g.Evidence = []string{fmt.Sprintf("%s: %v", ev.Where, ev.Err)}
		return g
	}
	var above []finding
	for _, f := range ev.Findings {
		if f.Severity.ExceedsLimit(limit) {
			above = append(above, f)
		}
	}
	g.Evidence = []string{fmt.Sprintf("%s: highest severity %s%s, allowed up to %s", ev.Where, ev.Highest, findingCounts(ev.Findings), limit)}
	if len(above) == 0 && !ev.Highest.ExceedsLimit(limit) {
		g.Passed = true
		return g
	}
	if len(above) == 0 {
		g.Evidence = append(g.Evidence, fmt.Sprintf("%s is above %s", ev.Highest, limit))
		return g
	}
	slices.SortStableFunc(above, func(a, b finding) int { return int(b.Severity - a.Severity) })
	for i, f := range above {
		if i == 5 {
			g.Evidence = append(g.Evidence, fmt.Sprintf("… and %d more above %s", len(above)-5, limit))
			break
		}
		g.Evidence = append(g.Evidence, fmt.Sprintf("%s: %s", f.Severity, f.Title))
	}
	return g
}

// findingCounts is " (2 findings: 1 CRITICAL, 1 LOW)", worst first, or
// "" when no finding was listed.
func findingCounts(fs []finding) string {
	if len(fs) == 0 {
		return ""
	}
	counts := map[scan.Severity]int{}
	for _, f := range fs {
		counts[f.Severity]++
	}
	var parts []string
	all := scan.Severities()
	slices.Reverse(all)
	for _, s := range all {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	noun := "findings"
	if len(fs) == 1 {
		noun = "finding"
	}
	return fmt.Sprintf(" (%d %s: %s)", len(fs), noun, strings.Join(parts, ", "))
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// FleetInstance is one instance of the source's Auto Scaling group.
type fleetInstance struct {
	ID, Lifecycle, Health, Image string
	Launched                     time.Time
}

// Alarm is one CloudWatch alarm of the source's fleet.
type alarm struct {
	Name, State string
}

// FleetSample is the source fleet as the soak gate sees it.
type fleetSample struct {
	Group     string
	Instances []fleetInstance
	Alarms    []alarm
	// Err is why the group, its instances or its alarms could not be read.
	Err error
}

// SoakGate passes when the AMI has run in the source fleet for at least
// soak (the oldest in-service instance running it was launched that long
// ago), every instance of the group is InService and Healthy, and no
// alarm of the fleet is in ALARM.
func soakGate(ami string, soak time.Duration, now time.Time, f fleetSample) gateResult {
	g := gateResult{Name: config.GateSoak}
	if f.Err != nil {
		g.Evidence = []string{fmt.Sprintf("the fleet could not be read: %v", f.Err)}
		return g
	}
	var oldest time.Time
	running, unhealthy := 0, []string{}
	for _, i := range f.Instances {
		if i.Lifecycle != "InService" || i.Health != "Healthy" {
			unhealthy = append(unhealthy, fmt.Sprintf("%s %s/%s", i.ID, i.Lifecycle, i.Health))
		}
		if i.Image == ami && i.Lifecycle == "InService" {
			running++
			if oldest.IsZero() || i.Launched.Before(oldest) {
				oldest = i.Launched
			}
		}
	}
	var alarming, alarmNames []string
	for _, a := range f.Alarms {
		alarmNames = append(alarmNames, a.Name)
		if a.State == "ALARM" {
			alarming = append(alarming, a.Name)
		}
	}
	ranFor := now.Sub(oldest)
	okRun := running > 0 && ranFor >= soak
	switch {
	case running == 0:
		g.Evidence = append(g.Evidence, fmt.Sprintf("no in-service instance of %s runs %s: it has not run in the fleet", f.Group, ami))
	default:
		g.Evidence = append(g.Evidence, fmt.Sprintf("%d of %d instances of %s run %s, the oldest since %s: %s, soak time %s",
			running, len(f.Instances), f.Group, ami, oldest.UTC().Format(time.RFC3339), ranFor.Truncate(time.Second), soak))
	}
	if len(unhealthy) == 0 {
		g.Evidence = append(g.Evidence, fmt.Sprintf("all %d instances InService and Healthy", len(f.Instances)))
	} else {
		g.Evidence = append(g.Evidence, "not InService and Healthy: "+strings.Join(unhealthy, ", "))
	}
	switch {
	case len(f.Alarms) == 0:
		g.Evidence = append(g.Evidence, "the fleet has no alarm")
	case len(alarming) == 0:
		g.Evidence = append(g.Evidence, fmt.Sprintf("none of its %d alarms in ALARM (%s)", len(f.Alarms), strings.Join(alarmNames, ", ")))
	default:
		g.Evidence = append(g.Evidence, "in ALARM: "+strings.Join(alarming, ", "))
	}
	g.Passed = okRun && len(unhealthy) == 0 && len(alarming) == 0
	return g
}

// ApplyOverrides marks the failed gates named in overrides as overridden
// and returns the names of the gates that still fail, and notes on
// overrides that were not needed.
func applyOverrides(gates []gateResult, overrides []string) (refused []string, notes []string) {
	for k := range gates {
		g := &gates[k]
		if !slices.Contains(overrides, g.Name) {
			if !g.Passed {
				refused = append(refused, g.Name)
			}
			continue
		}
		if g.Passed {
			notes = append(notes, fmt.Sprintf("--override %s: the gate passed; nothing skipped", g.Name))
			continue
		}
		g.Overridden = true
	}
	return refused, notes
}

// CheckOverrides validates --override and --reason before anything runs.
func checkOverrides(overrides []string, reason string) error {
	for _, o := range overrides {
		if !slices.Contains(config.Gates, o) {
			return fmt.Errorf("--override %q: want one of %s", o, strings.Join(config.Gates, ", "))
		}
	}
	if len(overrides) > 0 && strings.TrimSpace(reason) == "" {
		return fmt.Errorf("--override %s needs --reason TEXT: say why the gate is skipped; it is recorded on the promoted AMI", strings.Join(overrides, ","))
	}
	if len(overrides) == 0 && reason != "" {
		return fmt.Errorf("--reason %q without --override: want --override GATE with it, or no --reason", reason)
	}
	return nil
}
