package telemetry

import (
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/internal/telemetry/telemetrytest"
)

// dev are destinations shaped like config.Names spells them.
var dev = Destinations{
	Namespace: "golden-fleet/dev",
	SystemLog: "/golden-fleet/dev/fleet/system",
	AccessLog: "/golden-fleet/dev/fleet/nginx-access",
	ErrorLog:  "/golden-fleet/dev/fleet/nginx-error",
}

func TestTheAgentConfigurationReportsMemoryDiskAndTheThreeLogs(t *testing.T) {
	n := dev
	text := AgentConfig(n)
	cfg, err := telemetrytest.ParseAgentConfig(text)
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, text)
	}
	m := cfg.Metrics
	if m.Namespace != n.Namespace {
		t.Errorf("namespace %q, want %q", m.Namespace, n.Namespace)
	}
	if got := m.Collected["mem"].Measurement; len(got) != 1 || got[0] != "used_percent" {
		t.Errorf("mem measurements %v, want [used_percent] (%s)", got, MemoryUsedPercent)
	}
	if got := m.Collected["disk"]; len(got.Measurement) != 1 || got.Measurement[0] != "used_percent" || len(got.Resources) != 1 || got.Resources[0] != "/" {
		t.Errorf("disk %+v, want used_percent of / (%s)", got, DiskUsedPercent)
	}
	// The fleet-wide roll-up the dashboard reads.
	rolledUp := false
	for _, a := range m.Aggregation {
		rolledUp = rolledUp || len(a) == 0
	}
	if !rolledUp {
		t.Errorf("aggregation_dimensions %v has no [] roll-up over the fleet", m.Aggregation)
	}
	// Only dimensions from the instance metadata: no ec2:DescribeTags.
	for k, v := range m.AppendDimensions {
		if v != "${aws:InstanceId}" && v != "${aws:ImageId}" {
			t.Errorf("append dimension %s=%s needs more than the instance metadata", k, v)
		}
	}
	want := map[string]string{SystemLogFile: n.SystemLog, AccessLogFile: n.AccessLog, ErrorLogFile: n.ErrorLog}
	files := cfg.Logs.Collected.Files.List
	if len(files) != len(want) {
		t.Fatalf("collects %d files, want %d: %v", len(files), len(want), files)
	}
	for _, f := range files {
		if want[f["file_path"]] != f["log_group_name"] {
			t.Errorf("file %s goes to %q, want %q", f["file_path"], f["log_group_name"], want[f["file_path"]])
		}
	}
}

func TestTheBootScriptStartsTheAgentFromTheEnvironmentsParameter(t *testing.T) {
	const param, namespace = "/golden-fleet/prod/cloudwatch-agent", "golden-fleet/prod"
	s := BootScript(param, namespace, "eu-west-1")
	for _, want := range []string{
		"amazon-cloudwatch-agent-ctl\nif", "-a fetch-config -m ec2 -s -c ssm:" + param,
		"--namespace " + namespace + " --metric-name " + AmiCreationTime, "--region eu-west-1",
		"systemctl enable --now golden-fleet-ami-age.timer",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("boot script lacks %q", want)
		}
	}
	if left := regexp.MustCompile(`@[A-Z]+@`).FindString(s); left != "" {
		t.Errorf("boot script keeps the placeholder %s", left)
	}
	if !strings.HasPrefix(s, "#!/bin/bash\n") {
		t.Error("boot script does not start with #!/bin/bash")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("no bash to check the boot script's syntax with: %v", err)
	}
	cmd := exec.Command(bash, "-n")
	cmd.Stdin = strings.NewReader(s)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("bash -n: %v\n%s", err, out)
	}
}

func TestUserDataIsTheBootScriptAloneWithoutAConfiguredScript(t *testing.T) {
	got, err := UserData("#!/bin/bash\necho boot\n", "")
	if err != nil || got != "#!/bin/bash\necho boot\n" {
		t.Errorf("got (%q, %v), want the boot script unchanged", got, err)
	}
}

func TestUserDataRunsTheBootScriptThenTheConfiguredOne(t *testing.T) {
	boot := "#!/bin/bash\necho boot\n"
	for _, tc := range []struct{ configured, kind string }{
		{"#!/bin/bash\necho mine", "text/x-shellscript"},
		{"#cloud-config\npackages: [jq]\n", "text/cloud-config"},
	} {
		got, err := UserData(boot, tc.configured)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(strings.NewReader(got))
		if err != nil {
			t.Fatalf("not a MIME document: %v\n%s", err, got)
		}
		media, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if err != nil || media != "multipart/mixed" {
			t.Fatalf("Content-Type %q (%v), want multipart/mixed", msg.Header.Get("Content-Type"), err)
		}
		r := multipart.NewReader(msg.Body, params["boundary"])
		var kinds, bodies []string
		for {
			p, err := r.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(p)
			kind, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			kinds, bodies = append(kinds, kind), append(bodies, string(body))
		}
		if len(bodies) != 2 || strings.TrimSpace(bodies[0]) != strings.TrimSpace(boot) || strings.TrimSpace(bodies[1]) != strings.TrimSpace(tc.configured) {
			t.Errorf("parts %q, want the boot script then %q", bodies, tc.configured)
		}
		if len(kinds) == 2 && (kinds[0] != "text/x-shellscript" || kinds[1] != tc.kind) {
			t.Errorf("part types %v, want text/x-shellscript then %s", kinds, tc.kind)
		}
	}
}

// The size is the caller's to check (config.Validate, against EC2's
// limit); the MIME framing is UserData's.
func TestUserDataRefusesAScriptHoldingItsMIMEBoundary(t *testing.T) {
	boot := BootScript("/p/e/cloudwatch-agent", "p/e", "eu-west-1")
	if _, err := UserData(boot, "echo "+MIMEBoundary); err == nil || !strings.Contains(err.Error(), "boundary") {
		t.Errorf("user data with the boundary: got %v, want an error", err)
	}
	if strings.Contains(boot, MIMEBoundary) {
		t.Error("the boot script holds the MIME boundary")
	}
}
