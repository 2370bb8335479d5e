package telemetry

import (
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

func TestNamesKeepEnvironmentsApart(t *testing.T) {
	seen := map[string]string{}
	for _, pe := range [][2]string{{"golden-fleet", "dev"}, {"golden-fleet", "prod"}, {"other", "dev"}} {
		n := NamesFor(pe[0], pe[1])
		for _, name := range []string{n.Namespace, n.AgentParameter, n.SystemLog(), n.AccessLog(), n.ErrorLog(), n.EventLog(),
			n.LaunchFailures(), n.BelowDesired(), n.BuildResults(), n.Dashboard()} {
			if !strings.Contains(name, pe[0]) || !strings.Contains(name, pe[1]) {
				t.Errorf("%s/%s: name %q lacks the prefix or the environment", pe[0], pe[1], name)
			}
			if other, dup := seen[name]; dup {
				t.Errorf("name %q is used by %s and %s/%s", name, other, pe[0], pe[1])
			}
			seen[name] = pe[0] + "/" + pe[1]
		}
		if strings.HasPrefix(n.Namespace, "AWS/") {
			t.Errorf("namespace %q is reserved for AWS", n.Namespace)
		}
	}
}

func TestTheAgentConfigurationReportsMemoryDiskAndTheThreeLogs(t *testing.T) {
	n := NamesFor("golden-fleet", "dev")
	text := AgentConfig(n)
	if len(text) > MaxAgentConfigBytes {
		t.Errorf("configuration is %d bytes, more than a standard SSM parameter holds (%d)", len(text), MaxAgentConfigBytes)
	}
	var cfg struct {
		Metrics struct {
			Namespace        string            `json:"namespace"`
			AppendDimensions map[string]string `json:"append_dimensions"`
			Aggregation      [][]string        `json:"aggregation_dimensions"`
			Collected        map[string]struct {
				Measurement []string `json:"measurement"`
				Resources   []string `json:"resources"`
			} `json:"metrics_collected"`
		} `json:"metrics"`
		Logs struct {
			Collected struct {
				Files struct {
					List []map[string]string `json:"collect_list"`
				} `json:"files"`
			} `json:"logs_collected"`
		} `json:"logs"`
	}
	if err := json.Unmarshal([]byte(text), &cfg); err != nil {
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
	want := map[string]string{SystemLogFile: n.SystemLog(), AccessLogFile: n.AccessLog(), ErrorLogFile: n.ErrorLog()}
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
	n := NamesFor("golden-fleet", "prod")
	s := BootScript(n, "eu-west-1")
	for _, want := range []string{
		"amazon-cloudwatch-agent-ctl\nif", "-a fetch-config -m ec2 -s -c ssm:" + n.AgentParameter,
		"--namespace " + n.Namespace + " --metric-name " + AmiCreationTime, "--region eu-west-1",
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
		t.Skip("no bash to check the syntax with")
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

func TestUserDataRefusesWhatEC2OrTheMIMEFramingCannotTake(t *testing.T) {
	boot := BootScript(NamesFor("golden-fleet", "dev"), "eu-west-1")
	if _, err := UserData(boot, strings.Repeat("#", MaxUserDataBytes-len(boot))); err == nil || !strings.Contains(err.Error(), "want at most 16384") {
		t.Errorf("oversized user data: got %v, want a size error", err)
	}
	if _, err := UserData(boot, "echo "+mimeBoundary); err == nil || !strings.Contains(err.Error(), "boundary") {
		t.Errorf("user data with the boundary: got %v, want an error", err)
	}
}
