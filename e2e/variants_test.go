//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// AWS leaves three behaviours the rollout could depend on undocumented:
// when CloudFormation resolves a {{resolve:ssm}} reference again
// (moto_server.py S2), which launch template version Image Builder
// copies (internal/imagebuild), and how long after PutParameter Parameter
// Store checks an aws:ec2:image value, with how long an AMI stays pending
// (S13, S14). The whole suite runs under the run's values
// (property-change, default and immediate unless E2E_DYNAMIC_REFERENCES,
// E2E_SOURCE_VERSION and E2E_AMI_PARAMETER_CHECK say otherwise); the
// checks that depend on them run again under each other combination
// below.
//
// Each other combination is this test binary run again, with the
// combination's values and only its checks (-test.run), in a process of
// its own with an emulator of its own, from a first deploy of its own.
// TestMain starts them before the suite, so that they run beside it (the
// suite leaves one of the two cores idle on average, issue 18), and
// TestUnderTheOtherUndocumentedBehaviours waits for each and reports it.
// Their emulators record every authorization decision into this run's
// work directory, so the least-privilege report (leastprivilege_test.go)
// covers their calls too. Set E2E_VARIANTS=off to leave them out.
var otherBehaviours = []struct {
	dynamicReferences, sourceVersion, amiParameterCheck string
	tests                                               []string
}{
	{"resource-update", "latest", "delayed", []string{
		"TestTheSeedWriterAnswersOnlyWhenTheParameterExists",
		"TestTheEmulatorUpdatesAnSsmParameterAsItsProviderDoes",
		"TestRollbackPointsReplacementsBackAtThePreviousGoldenAMI",
		"TestRollbackRollPutsThePreviousAMIBackOnEveryInstance",
		"TestRollbackToTheSeedRollsEveryInstanceBackOnIt",
		"TestNoRedeployWritesTheGoldenParameterAfterABuild",
	}},
	{"every-update", "default", "immediate", []string{
		"TestTheEmulatorUpdatesAnSsmParameterAsItsProviderDoes",
		"TestNoRedeployWritesTheGoldenParameterAfterABuild",
	}},
}

// variantChildEnv marks a process started for one other combination.
const variantChildEnv = "E2E_VARIANT_CHILD"

// variantRun is one other combination's process.
type variantRun struct {
	name   string
	record string // its emulator's authorization record
	out    bytes.Buffer
	done   chan error
}

var variantRuns []*variantRun

// startOtherBehaviours starts a process for each other combination when
// TestUnderTheOtherUndocumentedBehaviours is selected and this process
// is not itself one of them. stop kills those still running.
func startOtherBehaviours() (stop func(), err error) {
	stop = func() {}
	if os.Getenv(variantChildEnv) != "" || os.Getenv("E2E_VARIANTS") == "off" || !selected("TestUnderTheOtherUndocumentedBehaviours") {
		return stop, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	for i, b := range otherBehaviours {
		if b.dynamicReferences == emulator.dynamicReferences && b.sourceVersion == emulator.sourceVersion && b.amiParameterCheck == emulator.amiParameterCheck {
			continue // the whole suite runs under it
		}
		v := &variantRun{
			name:   "dynamic references " + b.dynamicReferences + ", source version " + b.sourceVersion + ", aws:ec2:image check " + b.amiParameterCheck,
			record: filepath.Join(workDir, fmt.Sprintf("authz-variant-%d.jsonl", i)),
			done:   make(chan error, 1),
		}
		args := []string{"-test.run", "^(" + strings.Join(b.tests, "|") + ")$", "-test.count=1", "-test.v"}
		if f := flag.Lookup("test.timeout"); f != nil {
			args = append(args, "-test.timeout="+f.Value.String())
		}
		cmd := exec.CommandContext(ctx, os.Args[0], args...)
		cmd.Dir, _ = os.Getwd()
		cmd.Env = append(os.Environ(), variantChildEnv+"=1", "E2E_AUTHZ_RECORD="+v.record,
			"E2E_DYNAMIC_REFERENCES="+b.dynamicReferences, "E2E_SOURCE_VERSION="+b.sourceVersion, "E2E_AMI_PARAMETER_CHECK="+b.amiParameterCheck)
		cmd.Stdout, cmd.Stderr = &v.out, &v.out
		// The child, and with it its emulator, ends with this process.
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			cancel()
			return stop, fmt.Errorf("starting the run under %s: %w", v.name, err)
		}
		go func() { v.done <- cmd.Wait() }()
		logf("started the run under %s (pid %d) beside this one", v.name, cmd.Process.Pid)
		variantRuns = append(variantRuns, v)
	}
	return cancel, nil
}

// selected says whether go test's -run and -skip select the top-level
// test name.
func selected(name string) bool {
	match := func(flagName string) (set, matches bool) {
		f := flag.Lookup(flagName)
		if f == nil || f.Value.String() == "" {
			return false, false
		}
		re, err := regexp.Compile(strings.Split(f.Value.String(), "/")[0])
		return true, err == nil && re.MatchString(name)
	}
	if set, m := match("test.run"); set && !m {
		return false
	}
	_, skipped := match("test.skip")
	return !skipped
}

// passLine is go test -v's verdict line of a test or subtest.
var passLine = regexp.MustCompile(`^\s*--- (PASS|FAIL|SKIP): `)

func TestUnderTheOtherUndocumentedBehaviours(t *testing.T) {
	if len(variantRuns) == 0 {
		t.Fatal("no run under the other behaviours was started (TestMain starts them unless E2E_VARIANTS=off)")
	}
	for _, v := range variantRuns {
		t.Run(v.name, func(t *testing.T) {
			err := <-v.done
			sc := bufio.NewScanner(bytes.NewReader(v.out.Bytes()))
			for sc.Scan() {
				if passLine.MatchString(sc.Text()) {
					t.Log(sc.Text())
				}
			}
			if err != nil || strings.Contains(v.out.String(), "--- FAIL") {
				t.Errorf("the run under %s failed (%v):\n%s", v.name, err, v.out.String())
			}
		})
	}
}
