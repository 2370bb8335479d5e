package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets a test run fleetctl's main in a child process (the test
// binary itself, FLEETCTL_TEST_MAIN=1, arguments after "--"), to see
// exactly what reaches the terminal and the exit status.
func TestMain(m *testing.M) {
	if os.Getenv("FLEETCTL_TEST_MAIN") == "1" {
		for i, a := range os.Args {
			if a == "--" {
				os.Args = append([]string{"fleetctl"}, os.Args[i+1:]...)
				break
			}
		}
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fleetctlWithoutCredentials runs fleetctl args with no credentials
// anywhere: no keys or profile in the environment, empty config files,
// and an instance metadata service that refuses as it does off EC2 (403
// on the IMDSv2 token, which is what makes the SDK warn that it falls
// back to IMDSv1; then 403 on the role).
func fleetctlWithoutCredentials(t *testing.T, args ...string) (stdout, stderr string, exitCode int) {
	t.Helper()
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	defer imds.Close()
	dir := t.TempDir()
	for _, f := range []string{"config", "credentials"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = []string{
		"FLEETCTL_TEST_MAIN=1",
		"HOME=" + dir,
		"PATH=" + os.Getenv("PATH"),
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "credentials"),
		"AWS_REGION=eu-west-1",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + imds.URL,
		// Nothing is listening here: a call that slipped past the check
		// would fail with a connection error, not reach AWS.
		"AWS_ENDPOINT_URL=http://127.0.0.1:9",
	}
	cmd.Dir = filepath.Join("..", "..") // the repository's root, where cdk.json is
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestWithoutCredentialsFleetctlSaysSoInOneLineAndExitsNonZero(t *testing.T) {
	for _, args := range [][]string{
		{"status", "--stack", "golden-fleet-dev-fleet"},
		{"status", "--env", "dev"},
		{"promote", "--from", "dev", "--to", "prod", "--dry-run"},
		{"roll", "--stack", "golden-fleet-dev-fleet"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stdout, stderr, code := fleetctlWithoutCredentials(t, args...)
			if code == 0 {
				t.Errorf("exit status 0, want non-zero")
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if len(lines) != 1 {
				t.Fatalf("stderr has %d lines, want 1 (no SDK warning, no error chain):\n%s", len(lines), stderr)
			}
			for _, want := range []string{"no AWS credentials", "AWS_PROFILE", "source .local/env"} {
				if !strings.Contains(lines[0], want) {
					t.Errorf("stderr %q does not say %q", lines[0], want)
				}
			}
			for _, leak := range []string{"WARN", "IMDS", "operation error"} {
				if strings.Contains(stderr, leak) {
					t.Errorf("stderr %q leaks the SDK's %q", stderr, leak)
				}
			}
		})
	}
}
