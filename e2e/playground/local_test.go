//go:build e2e

package playground

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// localUp starts a playground of the test's own with scripts/local-up
// (GOLDEN_FLEET_LOCAL_DIR in a temporary directory, beside any playground
// of yours) and takes it down when the test ends (localDown). It returns
// the playground's directory, the environment the scripts run with and
// what local-up printed.
func localUp(t *testing.T, root string) (dir string, env []string, out []byte) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "local")
	env = append(os.Environ(), "GOLDEN_FLEET_LOCAL_DIR="+dir, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
	up := exec.Command(filepath.Join(root, "scripts", "local-up"))
	up.Dir, up.Env = root, env
	out, err := up.CombinedOutput()
	t.Cleanup(func() { localDown(t, root, dir, env) })
	if err != nil {
		t.Fatalf("scripts/local-up: %v\n%s", err, out)
	}
	return dir, env, out
}

// localDown runs scripts/local-down and checks that the emulator it
// started is gone.
func localDown(t *testing.T, root, dir string, env []string) {
	pidText, _ := os.ReadFile(filepath.Join(dir, "moto.pid"))
	down := exec.Command(filepath.Join(root, "scripts", "local-down"))
	down.Dir, down.Env = root, env
	if out, err := down.CombinedOutput(); err != nil {
		t.Errorf("scripts/local-down: %v\n%s", err, out)
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(pidText))); err == nil {
		if running(pid) {
			t.Errorf("moto (pid %d) still runs after scripts/local-down", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("%s is still there after scripts/local-down", dir)
	}
}

// running: pid is a process that runs (a zombie, which has stopped and
// waits for its new parent to reap it, does not).
func running(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil // no /proc: any process counts
	}
	// pid (comm) STATE …; comm may hold spaces and parentheses.
	rest := string(stat[bytes.LastIndexByte(stat, ')')+1:])
	fields := strings.Fields(rest)
	return len(fields) > 0 && fields[0] != "Z"
}

// envValue reads NAME=value from the export lines of the playground's env file.
func envValue(t *testing.T, file, name string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "export "+name+"="); ok {
			return v
		}
	}
	t.Fatalf("%s sets no %s", file, name)
	return ""
}
