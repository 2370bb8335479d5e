package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/internal/telemetry"
)

func TestValidateRejectsBadObservability(t *testing.T) {
	const path = "Environments[dev].Observability"
	cases := []struct {
		name            string
		o               Observability
		path, got, want string
	}{
		{"display name in the e-mail", Observability{NotificationEmail: "Ops <ops@example.com>"},
			".NotificationEmail", `got "Ops <ops@example.com>"`, "a bare e-mail address"},
		{"no @", Observability{NotificationEmail: "ops.example.com"}, ".NotificationEmail", `got "ops.example.com"`, "a bare e-mail address"},
		{"domain without a dot", Observability{NotificationEmail: "ops@localhost"}, ".NotificationEmail", `got "ops@localhost"`, "a domain with a dot"},
		{"domain ending with a dot", Observability{NotificationEmail: "ops@example."}, ".NotificationEmail", `got "ops@example."`, "a bare e-mail address"},
		{"spaces around", Observability{NotificationEmail: " ops@example.com"}, ".NotificationEmail", `got " ops@example.com"`, "a bare e-mail address"},
		{"too long", Observability{NotificationEmail: strings.Repeat("a", 250) + "@example.com"}, ".NotificationEmail", "got \"aaa", "at most 254 characters"},
		{"retention not a CloudWatch Logs period", Observability{LogRetentionDays: 10}, ".LogRetentionDays", "got 10", "want one of CloudWatch Logs' retention periods [1 3 5 7 14"},
		{"negative retention", Observability{LogRetentionDays: -1}, ".LogRetentionDays", "got -1", "retention periods"},
		{"below-desired window negative", Observability{BelowDesiredMinutes: -5}, ".BelowDesiredMinutes", "got -5", "want 1 to 1440 minutes"},
		{"below-desired window over a day", Observability{BelowDesiredMinutes: 1441}, ".BelowDesiredMinutes", "got 1441", "want 1 to 1440 minutes"},
		{"unknown scan type", Observability{Scanning: Scanning{Type: "ENHANCED"}}, ".Scanning.Type", `got "ENHANCED"`, "want one of ON_DEMAND_AMI_CVE, TEST_INSTANCE_CVE"},
		{"lower-case scan type", Observability{Scanning: Scanning{Type: "on_demand_ami_cve"}}, ".Scanning.Type", `got "on_demand_ami_cve"`, "ON_DEMAND_AMI_CVE"},
		{"a type while disabled", Observability{Scanning: Scanning{Disabled: true, Type: ScanTestInstance}}, ".Scanning.Type", `got "TEST_INSTANCE_CVE" with Disabled set`, "want no Type"},
		{"critical is not a maximum", Observability{Scanning: Scanning{MaxSeverity: "CRITICAL"}}, ".Scanning.MaxSeverity", `got "CRITICAL"`, "want one of INFORMATIONAL, LOW, MEDIUM, HIGH"},
		{"lower-case severity", Observability{Scanning: Scanning{MaxSeverity: "high"}}, ".Scanning.MaxSeverity", `got "high"`, "want one of INFORMATIONAL, LOW, MEDIUM, HIGH"},
		{"condition on a test-instance scan", Observability{Scanning: Scanning{Type: ScanTestInstance, MaxSeverity: "HIGH"}}, ".Scanning.MaxSeverity",
			`got "HIGH" with scan type "TEST_INSTANCE_CVE"`, "want it only with ON_DEMAND_AMI_CVE"},
		{"condition with scanning off", Observability{Scanning: Scanning{Disabled: true, MaxSeverity: "HIGH"}}, ".Scanning.MaxSeverity",
			`got "HIGH" with scan type "disabled"`, "want it only with ON_DEMAND_AMI_CVE"},
		{"count unfixed without a condition", Observability{Scanning: Scanning{CountUnfixed: true}}, ".Scanning.CountUnfixed", "got true without MaxSeverity", "want MaxSeverity set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := validApp()
			app.Environments[0].Observability = tc.o
			_, err := Validate(app, nil, testContext())
			if err == nil {
				t.Fatal("Validate returned nil")
			}
			lines := checkLines(t, err)
			if len(lines) != 1 {
				t.Errorf("want exactly one problem, got %d:\n%s", len(lines), err)
			}
			prefix := path + tc.path + ": " + tc.got
			for _, line := range lines {
				if strings.HasPrefix(line, prefix) && strings.Contains(line, tc.want) {
					return
				}
			}
			t.Errorf("no line starts with %q and contains %q; got:\n%s", prefix, tc.want, err)
		})
	}
}

func TestValidateAcceptsEveryDocumentedObservabilitySetting(t *testing.T) {
	for _, o := range []Observability{
		{},
		{NotificationEmail: "platform-alerts@example.com", LogRetentionDays: 3653, BelowDesiredMinutes: 1440},
		{BelowDesiredMinutes: 1, LogRetentionDays: 1},
		{Scanning: Scanning{Type: ScanTestInstance}},
		{Scanning: Scanning{Disabled: true}},
		{Scanning: Scanning{MaxSeverity: "INFORMATIONAL", CountUnfixed: true}},
		{Scanning: Scanning{Type: ScanOnDemandAMI, MaxSeverity: "HIGH"}},
	} {
		app := validApp()
		app.Environments[0].Observability = o
		if _, err := Validate(app, nil, testContext()); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

func TestWithDefaultsFillsEveryObservabilityDefault(t *testing.T) {
	got := validApp().Environments[0].WithDefaults().Observability
	want := Observability{LogRetentionDays: 90, BelowDesiredMinutes: 15, Scanning: Scanning{Type: "ON_DEMAND_AMI_CVE"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	// Disabled scanning gets no type: the pipeline then has no scanning
	// configuration at all.
	env := validApp().Environments[0]
	env.Observability.Scanning.Disabled = true
	if got := env.WithDefaults().Observability.Scanning.Type; got != "" {
		t.Errorf("disabled scanning defaulted its type to %q, want none", got)
	}
	// Set fields are kept.
	set := Observability{NotificationEmail: "a@example.com", LogRetentionDays: 7, BelowDesiredMinutes: 30, Scanning: Scanning{Type: ScanTestInstance}}
	env.Observability = set
	if got := env.WithDefaults().Observability; !reflect.DeepEqual(got, set) {
		t.Errorf("WithDefaults changed set fields: got %+v, want %+v", got, set)
	}
}

// EC2 takes at most MaxUserDataBytes of user data, and the launch template
// carries the boot script that starts the CloudWatch agent before
// Fleet.UserData: Validate counts both.
func TestValidateLeavesRoomInTheUserDataForTheAgentBootScript(t *testing.T) {
	app := validApp()
	n := app.NamesOf(app.Environments[0])
	boot := BootScript(n, app.Environments[0].Region)
	// The largest script that fits with the boot script, found by its
	// framed size; one byte more does not fit.
	framed, err := telemetry.UserData(boot, "#!/bin/bash\n")
	if err != nil {
		t.Fatal(err)
	}
	room := MaxUserDataBytes - (len(framed) - len("#!/bin/bash\n"))
	fits := "#!/bin/bash\n" + strings.Repeat("#", room-len("#!/bin/bash\n")-1) + "\n"
	app.Environments[0].Fleet.UserData = fits
	if _, err := Validate(app, nil, testContext()); err != nil {
		t.Errorf("a script of %d bytes, exactly the room the boot script leaves: %v", len(fits), err)
	}
	app.Environments[0].Fleet.UserData = "#" + fits
	_, err = Validate(app, nil, testContext())
	if err == nil {
		t.Fatalf("a script of %d bytes, one more than the room the boot script leaves: Validate returned nil", len(fits)+1)
	}
	lines := checkLines(t, err)
	want := fmt.Sprintf("Environments[dev].Fleet.UserData: got %d bytes: want at most %d;", len(fits)+1, room)
	if len(lines) != 1 || !strings.HasPrefix(lines[0], want) || !strings.Contains(lines[0], "the boot script that starts the CloudWatch agent") {
		t.Errorf("want one problem starting %q and naming the boot script, got:\n%s", want, err)
	}
	// Over EC2's limit on its own: said so, once.
	app.Environments[0].Fleet.UserData = strings.Repeat("#", MaxUserDataBytes+1)
	if _, err := Validate(app, nil, testContext()); err == nil {
		t.Error("a script over EC2's limit on its own: Validate returned nil")
	} else if lines := checkLines(t, err); len(lines) != 1 || !strings.Contains(lines[0], "want at most 16384 (EC2's limit before base64)") {
		t.Errorf("want only the script's own size problem, got %q", lines)
	}
	// A script that holds the MIME boundary would break the framing.
	app.Environments[0].Fleet.UserData = "#!/bin/bash\necho " + telemetry.MIMEBoundary + "\n"
	if _, err := Validate(app, nil, testContext()); err == nil {
		t.Error("a script holding the MIME boundary: Validate returned nil")
	} else if lines := checkLines(t, err); len(lines) != 1 || !strings.Contains(lines[0], "Fleet.UserData: got a script containing") {
		t.Errorf("want one Fleet.UserData problem naming the boundary, got %q", lines)
	}
}
