//go:build e2e

// Package e2e deploys the app's local network and fleet stacks to moto
// through the real CDK CLI and proves the rollout invariants (issue 3: I1,
// I2, I4) against what moto then runs. Run with
//
//	go test -tags e2e ./e2e/
//
// TestMain starts moto (e2e/moto_server.py: moto's server plus the AWS
// behaviours the rollout relies on and moto lacks, each documented there)
// on a free 127.0.0.1 port, bootstraps, deploys once, runs the tests in
// order and stops moto, also when a test fails or panics.
package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/immutable-server/golden-fleet/config"
)

const (
	account = "123456789012"
	region  = "us-east-1"
	envName = "local"
)

var (
	root      string // repository root
	endpoint  string // http://localhost:PORT
	env       []string
	fleetctl  string // built binary
	configApp string // built binary of ./cmd/configapp, the app the deploys run
	cdk       string // the pinned CDK CLI
	workDir   string
	aws_      awsClients
	prefix    = config.Default().Prefix
	names     = config.Names{Prefix: config.Default().Prefix, Env: envName}
	fleetName = names.Stack(config.FleetStack)
	netName   = names.Stack(config.NetworkStack)
	golden    = names.GoldenParameter()
	logMu     sync.Mutex
)

type awsClients struct {
	ec2 *ec2.Client
	asg *autoscaling.Client
	ssm *ssm.Client
	cfn *cloudformation.Client
}

// operatorCreds are the operator's (an administrator of moto's default
// account), as AWS_ACCESS_KEY_ID=testing gives them to the CLI and fleetctl.
var operatorCreds = credentials.NewStaticCredentialsProvider("testing", "testing", "")

func clientsFor(cfg aws.Config) awsClients {
	return awsClients{ec2: ec2.NewFromConfig(cfg), asg: autoscaling.NewFromConfig(cfg), ssm: ssm.NewFromConfig(cfg), cfn: cloudformation.NewFromConfig(cfg)}
}

// awsConfig is an SDK configuration for the emulator acting with creds; no
// shared configuration or credentials file is read.
func awsConfig(ctx context.Context, creds aws.CredentialsProvider) (aws.Config, error) {
	return awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region), awsconfig.WithBaseEndpoint(endpoint),
		awsconfig.WithCredentialsProvider(creds), awsconfig.WithSharedConfigFiles(nil), awsconfig.WithSharedCredentialsFiles(nil))
}

// baseAWSConfig is awsConfig, or the test fails.
func baseAWSConfig(t *testing.T, creds aws.CredentialsProvider) aws.Config {
	t.Helper()
	cfg, err := awsConfig(context.Background(), creds)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// sessionCreds are the credentials an sts:AssumeRole answered.
func sessionCreds(c *ststypes.Credentials) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

func logf(format string, args ...any) {
	logMu.Lock()
	defer logMu.Unlock()
	fmt.Fprintf(os.Stderr, "e2e %s: %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func TestMain(m *testing.M) {
	// moto is started from this thread with Pdeathsig: the kernel kills it
	// when this thread ends, so moto never outlives the test binary, not
	// even after a panic or a -timeout. The main goroutine keeps the thread.
	runtime.LockOSThread()
	os.Exit(testMain(m))
}

// emulator holds the behaviours AWS leaves undocumented: the run's values
// (E2E_DYNAMIC_REFERENCES, E2E_SOURCE_VERSION, E2E_AMI_PARAMETER_CHECK);
// TestUnderTheOtherUndocumentedBehaviours (variants_test.go) runs the
// checks that depend on them under each other combination.
var emulator = struct {
	// dynamicReferences: when does CloudFormation resolve a
	// {{resolve:ssm:…}} reference again? property-change, resource-update
	// or every-update (moto_server.py --dynamic-references).
	dynamicReferences string
	// sourceVersion: which launch template version Image Builder bases the
	// version it adds on: default or latest.
	sourceVersion string
	// amiParameterCheck: when Parameter Store checks an aws:ec2:image
	// value after PutParameter answered: immediate or delayed
	// (moto_server.py --ami-parameter-check).
	amiParameterCheck string
}{envOr("E2E_DYNAMIC_REFERENCES", "property-change"), envOr("E2E_SOURCE_VERSION", "default"), envOr("E2E_AMI_PARAMETER_CHECK", "immediate")}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// failFile arms the emulator's fault injector: a resource type written
// there fails its next create or update (see moto_server.py).
func failFile() string { return filepath.Join(workDir, "emulator-fail") }

// inspectorScansFile is the emulator's stand-in for Amazon Inspector's
// scans of AMIs (S12, e2e/moto_inspector.py): the tests write it.
func inspectorScansFile() string { return filepath.Join(workDir, "inspector-scans.json") }

func testMain(m *testing.M) int {
	var err error
	if root, err = filepath.Abs(".."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if workDir, err = os.MkdirTemp("", "golden-fleet-e2e-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(workDir)
	logf("undocumented behaviours in this run: dynamic references resolved %s; Image Builder copies the %s launch template version; aws:ec2:image parameters checked %s",
		emulator.dynamicReferences, emulator.sourceVersion, emulator.amiParameterCheck)
	if !flag.Parsed() {
		flag.Parse() // -run and -skip decide whether the other behaviours run
	}
	stopVariants, err := startOtherBehaviours() // variants_test.go
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer stopVariants()

	stop, err := startMoto()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer stop()

	if err := setup(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	code := m.Run()
	if err := leastPrivilege(); code == 0 && err != nil { // leastprivilege_test.go
		fmt.Fprintln(os.Stderr, "e2e:", err)
		code = 1
	}
	return code
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startMoto runs e2e/moto_server.py on a free 127.0.0.1 port and waits
// until it answers. stop kills it and prints its log's last lines on
// request.
func startMoto() (stop func(), err error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(workDir, "moto.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("python3", filepath.Join(root, "e2e", "moto_server.py"), "--port", fmt.Sprint(port),
		"--dynamic-references", emulator.dynamicReferences, "--ami-parameter-check", emulator.amiParameterCheck)
	cmd.Env = append(os.Environ(), "GOLDEN_FLEET_EMULATOR_FAIL="+failFile(), "E2E_AUTHZ_RECORD="+authzRecord(),
		"GOLDEN_FLEET_INSPECTOR_SCANS="+inspectorScansFile())
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting moto: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop = func() {
		_ = cmd.Process.Kill()
		<-exited
		logFile.Close()
		logf("moto (pid %d) stopped; its log was %s", cmd.Process.Pid, logPath)
		if os.Getenv("E2E_MOTO_LOG") != "" {
			b, _ := os.ReadFile(logPath)
			os.Stderr.Write(b)
		}
	}
	endpoint = fmt.Sprintf("http://localhost:%d", port)
	// Until it answers or exits: a start on a busy machine is slow, not
	// failed; hangAfter only bounds a hang.
	deadline := time.Now().Add(hangAfter)
	for {
		select {
		case err := <-exited:
			b, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("moto exited (%v):\n%s", err, b)
		default:
		}
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/moto-api/", port))
		if err == nil {
			resp.Body.Close()
			logf("moto (pid %d) answers on 127.0.0.1:%d", cmd.Process.Pid, port)
			return stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("moto did not answer on port %d within %s", port, hangAfter)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func setup() error {
	bin := filepath.Join(root, "tools", "cdk", "node_modules", ".bin")
	cdk = filepath.Join(bin, "cdk")
	if _, err := os.Stat(cdk); err != nil {
		return fmt.Errorf("the pinned CDK CLI is missing (%v): run `cd tools/cdk && npm ci`", err)
	}
	env = append(os.Environ(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"AWS_ENDPOINT_URL="+endpoint,
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_SESSION_TOKEN=",
		"AWS_PROFILE=",
		"AWS_CONFIG_FILE="+filepath.Join(workDir, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(workDir, "no-aws-credentials"),
		"AWS_REGION="+region,
		"AWS_DEFAULT_REGION="+region,
		"CDK_DEFAULT_ACCOUNT="+account,
		"CDK_DEFAULT_REGION="+region,
		"CDK_DISABLE_CLI_TELEMETRY=true",
		"CI=true",
	)
	ctx := context.Background()
	cfg, err := awsConfig(ctx, operatorCreds)
	if err != nil {
		return err
	}
	aws_ = clientsFor(cfg)

	// Built once: `go run` re-checked the dependency graph and started a
	// linked binary on every deploy's synthesis (BENCHMARKS.md).
	// The build and the bootstrap need nothing of each other: they overlap.
	fleetctl, configApp = filepath.Join(workDir, "fleetctl"), filepath.Join(workDir, "configapp")
	built := make(chan error, 1)
	go func() {
		out, err := runIn(root, nil, "go", "build", "-o", workDir+string(os.PathSeparator), "./cmd/fleetctl", "./cmd/configapp")
		if err != nil {
			err = fmt.Errorf("building fleetctl and configapp: %v\n%s", err, out)
		}
		built <- err
	}()
	// The CLI synthesizes cdk.json's app before it bootstraps, into a
	// directory it locks: each run into its own, since the runs under the
	// other behaviours (variants_test.go) bootstrap beside this one. Not
	// named cdk.out-*: those are the deployed assemblies the
	// least-privilege report reads.
	out, err := runIn(root, nil, cdk, "bootstrap", "aws://"+account+"/"+region, "--output", filepath.Join(workDir, "bootstrap.out"))
	if buildErr := <-built; buildErr != nil {
		return buildErr
	}
	if err != nil {
		return fmt.Errorf("cdk bootstrap: %v\n%s", err, out)
	}
	logf("bootstrapped")
	if err := deploy(baseConfig(), false); err != nil {
		return err
	}
	return nil
}

// runIn runs a command with the e2e environment plus extra and returns its
// combined output.
func runIn(dir string, extra []string, name string, args ...string) (string, error) {
	start := time.Now()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, env...), extra...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	logf("%s %s (%.1fs)", filepath.Base(name), strings.Join(args, " "), time.Since(start).Seconds())
	trace(start, name, args, out.Bytes())
	return out.String(), err
}

// traceDir (E2E_TRACE_DIR, for measuring: BENCHMARKS.md) keeps every
// command's output there, the CDK CLI's with -vv (time-stamped lines).
var traceDir = os.Getenv("E2E_TRACE_DIR")

var traced atomic.Int32

func trace(start time.Time, name string, args []string, out []byte) {
	if traceDir == "" {
		return
	}
	n := traced.Add(1)
	head := start.UTC().Format("15:04:05.000") + " " + filepath.Base(name) + " " + strings.Join(args, " ") + "\n"
	if err := os.WriteFile(filepath.Join(traceDir, fmt.Sprintf("%03d-%s.log", n, filepath.Base(name))), append([]byte(head), out...), 0o644); err != nil {
		logf("E2E_TRACE_DIR: %v", err)
	}
}

// baseConfig is config.Default() with only the local environment.
func baseConfig() config.App {
	app := config.Default()
	for _, e := range app.Environments {
		if e.Name == envName {
			app.Environments = []config.Environment{e}
			return app
		}
	}
	panic("config.Default() has no local environment")
}

var (
	// edits counts the deploys of edited assemblies.
	edits int
	// deployed is the configuration of the last deploy.
	deployed config.App
)

// deploy runs the real `cdk deploy` of the local network and fleet stacks,
// with the app reading cfg from a JSON file.
func deploy(cfg config.App, update bool) error {
	return deployWith(cfg, update, nil)
}

// deployWith is deploy with extra CLI arguments (for example --tags).
func deployWith(cfg config.App, update bool, extra []string) error {
	return deployEdited(cfg, update, extra, nil)
}

// deployEdited deploys cfg; when edit is not nil, it first synthesizes,
// lets edit change the fleet stack's template (what another version of the
// app would synthesize), and deploys that assembly.
//
// One configuration has one configuration file and one output directory,
// named by its content: a configuration deployed again (the suite goes
// back to one many times) is synthesized again by the same app binary,
// with the same inputs, into the same directory, where the app's reuse
// (stacks/reuse.go; proven never stale by badinput's reuse test) finds
// its assembly and skips the synthesis. The CLI deploys as always.
func deployEdited(cfg config.App, update bool, extra []string, edit func([]byte) []byte) error {
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	id := hex.EncodeToString(sum[:6])
	cfgPath := filepath.Join(workDir, "config-"+id+".json")
	if err := os.WriteFile(cfgPath, data, 0o644); err != nil {
		return err
	}
	out := filepath.Join(workDir, "cdk.out-"+id)
	cfgEnv := []string{"GOLDEN_FLEET_CONFIG=" + cfgPath}
	app := configApp
	if edit != nil {
		o, err := runIn(root, cfgEnv, cdk, "synth", "--app", app, "--output", out, "--quiet", "--no-notices")
		if err != nil {
			return fmt.Errorf("cdk synth (config %s): %v\n%s", cfgPath, err, o)
		}
		logReuse(o, id)
		// The edit goes into a copy: the configuration's own assembly
		// stays what the app synthesized.
		edits++
		synthesized := out
		out = filepath.Join(workDir, fmt.Sprintf("cdk.out-%s-edit-%d", id, edits))
		if err := os.CopyFS(out, os.DirFS(synthesized)); err != nil {
			return fmt.Errorf("copying the assembly %s: %w", synthesized, err)
		}
		if err := editTemplate(out, fleetName, edit); err != nil {
			return err
		}
		app = out
	}
	args := []string{"deploy", netName, fleetName,
		"--app", app,
		"--output", out,
		"--method=direct", "--require-approval", "never", "--progress", "events", "--no-notices",
	}
	if traceDir != "" {
		args = append(args, "-vv")
	}
	if update {
		args = append(args, "--no-previous-parameters")
	}
	args = append(args, extra...)
	o, err := runIn(root, cfgEnv, cdk, args...)
	if err != nil {
		return fmt.Errorf("cdk deploy (config %s): %v\n%s", cfgPath, err, o)
	}
	if edit == nil {
		logReuse(o, id)
	}
	deployed = cfg
	assembly = out
	return nil
}

// logReuse says in the log when the app reused the assembly of
// configuration id (what stacks.Run prints then).
func logReuse(cliOutput, id string) {
	if strings.Contains(cliOutput, "nothing changed since the last synthesis") {
		logf("configuration %s: synthesized before, the app reused its assembly", id)
	}
}

// editTemplate rewrites stack's template in the assembly at dir, and the
// hash that names it in the asset and cloud assembly manifests (the CLI
// uploads the template under that name, and skips an upload whose name
// the bucket already has).
func editTemplate(dir, stack string, edit func([]byte) []byte) error {
	path := filepath.Join(dir, stack+".template.json")
	before, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	after := edit(before)
	if bytes.Equal(before, after) {
		return fmt.Errorf("the edit of %s changed nothing", path)
	}
	if err := os.WriteFile(path, after, 0o644); err != nil {
		return err
	}
	oldSum, newSum := sha256.Sum256(before), sha256.Sum256(after)
	oldHash, newHash := hex.EncodeToString(oldSum[:]), hex.EncodeToString(newSum[:])
	for _, name := range []string{stack + ".assets.json", "manifest.json"} {
		p := filepath.Join(dir, name)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.Contains(b, []byte(oldHash)) {
			return fmt.Errorf("%s does not name the template by its hash %s", p, oldHash)
		}
		if err := os.WriteFile(p, bytes.ReplaceAll(b, []byte(oldHash), []byte(newHash)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// assembly is the cloud assembly of the last successful deploy: what is
// deployed, and what the image factory's pipeline would use.
var assembly string

// fleet is what the fleet stack's outputs name.
type fleet struct {
	parameter, launchTemplate, group string
}

func outputs(t *testing.T) fleet {
	t.Helper()
	st, err := aws_.cfn.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String(fleetName)})
	if err != nil {
		t.Fatalf("describe %s: %v", fleetName, err)
	}
	kv := map[string]string{}
	for _, o := range st.Stacks[0].Outputs {
		kv[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	f := fleet{kv[config.GoldenAmiParameterOutput], kv[config.LaunchTemplateIDOutput], kv[config.AutoScalingGroupNameOutput]}
	if f.parameter != golden || f.launchTemplate == "" || f.group == "" {
		t.Fatalf("stack %s outputs %v: want GoldenAmiParameter=%s, LaunchTemplateId and AutoScalingGroupName", fleetName, kv, golden)
	}
	return f
}

func goldenValue(t *testing.T) (string, int64) {
	t.Helper()
	p, err := aws_.ssm.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(golden)})
	if err != nil {
		t.Fatalf("get %s: %v", golden, err)
	}
	return aws.ToString(p.Parameter.Value), p.Parameter.Version
}

type instance struct {
	id, image, instanceType, state string
}

func describeInstance(t *testing.T, id string) instance {
	t.Helper()
	out, err := aws_.ec2.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("describe instance %s: %v", id, err)
	}
	i := out.Reservations[0].Instances[0]
	return instance{id, aws.ToString(i.ImageId), string(i.InstanceType), string(i.State.Name)}
}

// groupInstances returns the ids of the group's InService instances.
func groupInstances(t *testing.T, group string) (ids []string, desired int32) {
	t.Helper()
	out, err := aws_.asg.DescribeAutoScalingGroups(context.Background(), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{group}})
	if err != nil || len(out.AutoScalingGroups) != 1 {
		t.Fatalf("describe group %s: %v (%d groups)", group, err, len(out.AutoScalingGroups))
	}
	g := out.AutoScalingGroups[0]
	for _, i := range g.Instances {
		if i.LifecycleState == "InService" {
			ids = append(ids, aws.ToString(i.InstanceId))
		}
	}
	return ids, aws.ToInt32(g.DesiredCapacity)
}

// waitForNew waits until the group has desired InService instances and
// returns those not in before.
func waitForNew(t *testing.T, group string, before []string) []instance {
	t.Helper()
	var fresh []instance
	eventually(t, "group "+group+": new instances in service", func() (bool, string) {
		ids, desired := groupInstances(t, group)
		fresh = nil
		for _, id := range ids {
			if !contains(before, id) {
				fresh = append(fresh, describeInstance(t, id))
			}
		}
		return int32(len(ids)) == desired && len(fresh) > 0, fmt.Sprintf("%d of %d instances in service, %d new", len(ids), desired, len(fresh))
	})
	return fresh
}

// eventually waits until done says the emulator did what a test waits
// for, and fails the test (Fatal) when the emulator has nothing left to
// do and done still says no: a verdict decided on what the emulator did,
// not on a wall-clock deadline that a busy machine can miss (issue 18).
// done returns whether it is done and, if not, what it saw. hangAfter
// only bounds a hang of the emulator itself.
func eventually(t *testing.T, what string, done func() (bool, string)) {
	t.Helper()
	if !settled(t, done) {
		_, saw := done()
		t.Fatalf("%s: the emulator has finished its work and %s", what, saw)
	}
}

// settled is eventually without the verdict: whether done said yes before
// the emulator ran out of work.
func settled(t *testing.T, done func() (bool, string)) bool {
	t.Helper()
	limit := time.Now().Add(hangAfter)
	for idle := 0; ; {
		if ok, _ := done(); ok {
			return true
		}
		busy := emulatorBusy(t)
		if len(busy) > 0 {
			idle = 0
		} else if idle++; idle == idleLooks {
			return false
		}
		if time.Now().After(limit) {
			t.Fatalf("the emulator is still busy after %s (%s): it hangs", hangAfter, strings.Join(busy, ", "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// idleLooks is how many looks in a row must find the emulator idle and
// done saying no before settled gives up: moto advances some states on
// the describe calls that look at them (its state manager counts calls),
// so a count of looks, not a time, is the budget.
const idleLooks = 5

// hangAfter is how long the emulator may stay busy before a wait calls it
// hung. It decides no verdict of the rollout: a test fails on it only when
// the emulator itself hangs.
const hangAfter = 15 * time.Minute

// waitIdle waits until the emulator has finished every asynchronous
// consequence of what the test did so far (a test that checks that
// something did NOT happen looks only then).
func waitIdle(t *testing.T) {
	t.Helper()
	settled(t, func() (bool, string) { return false, "" })
}

// emulatorBusy names the asynchronous work the emulator is doing (its
// test-only endpoint, moto_server.py): none when it is idle.
func emulatorBusy(t *testing.T) []string {
	t.Helper()
	resp, err := http.Get(endpoint + "/moto-api/golden-fleet/busy")
	if err != nil {
		t.Fatalf("asking the emulator what it is doing: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Busy []string `json:"busy"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("asking the emulator what it is doing: %s %v", resp.Status, err)
	}
	return out.Busy
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// replaceOne terminates one group instance the way a failed health check
// does (the desired capacity stays) and returns its replacement.
func replaceOne(t *testing.T, group string) instance {
	t.Helper()
	ids, _ := groupInstances(t, group)
	if len(ids) == 0 {
		t.Fatalf("group %s has no instance in service", group)
	}
	_, err := aws_.asg.TerminateInstanceInAutoScalingGroup(context.Background(), &autoscaling.TerminateInstanceInAutoScalingGroupInput{
		InstanceId: aws.String(ids[0]), ShouldDecrementDesiredCapacity: aws.Bool(false),
	})
	if err != nil {
		t.Fatalf("terminate %s: %v", ids[0], err)
	}
	fresh := waitForNew(t, group, ids)
	if len(fresh) != 1 {
		t.Fatalf("terminating %s brought %d new instances, want 1", ids[0], len(fresh))
	}
	logf("group %s: %s replaced by %s (%s, %s)", group, ids[0], fresh[0].id, fresh[0].image, fresh[0].instanceType)
	return fresh[0]
}

// scaleOut adds one instance to the group and returns it; the cleanup
// sets the desired capacity back.
func scaleOut(t *testing.T, group string) instance {
	t.Helper()
	ids, desired := groupInstances(t, group)
	set := func(n int32) {
		if _, err := aws_.asg.SetDesiredCapacity(context.Background(), &autoscaling.SetDesiredCapacityInput{
			AutoScalingGroupName: aws.String(group), DesiredCapacity: aws.Int32(n), HonorCooldown: aws.Bool(false),
		}); err != nil {
			t.Fatalf("set desired capacity of %s to %d: %v", group, n, err)
		}
	}
	set(desired + 1)
	t.Cleanup(func() { set(desired) })
	fresh := waitForNew(t, group, ids)
	if len(fresh) != 1 {
		t.Fatalf("scale-out by one brought %d new instances", len(fresh))
	}
	logf("group %s: scale-out launched %s (%s, %s)", group, fresh[0].id, fresh[0].image, fresh[0].instanceType)
	return fresh[0]
}

// ltVersion is a launch template version as EC2 returns it.
type ltVersion struct {
	number  int64
	def     bool
	data    *ec2types.ResponseLaunchTemplateData
	imageID string
}

func versions(t *testing.T, lt string) []ltVersion {
	t.Helper()
	out, err := aws_.ec2.DescribeLaunchTemplateVersions(context.Background(), &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(lt)})
	if err != nil {
		t.Fatalf("versions of %s: %v", lt, err)
	}
	var vs []ltVersion
	for _, v := range out.LaunchTemplateVersions {
		vs = append(vs, ltVersion{aws.ToInt64(v.VersionNumber), aws.ToBool(v.DefaultVersion), v.LaunchTemplateData, aws.ToString(v.LaunchTemplateData.ImageId)})
	}
	return vs
}

func defaultVersion(t *testing.T, lt string) ltVersion {
	t.Helper()
	for _, v := range versions(t, lt) {
		if v.def {
			return v
		}
	}
	t.Fatalf("launch template %s has no default version", lt)
	return ltVersion{}
}

// waitForParameter waits until Parameter Store shows name = value, as
// every writer of an aws:ec2:image value must: Parameter Store checks the
// AMI after PutParameter has answered (moto_server.py S13).
func waitForParameter(ctx context.Context, t *testing.T, name, value string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		p, err := aws_.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
		if err == nil && aws.ToString(p.Parameter.Value) == value {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("30s after PutParameter %s does not hold %s (last read: %v): Parameter Store's check failed", name, value, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitForImage waits until the AMI is available, as Image Builder does
// before it distributes an image: CreateImage answers with a pending AMI
// (moto_server.py S14).
func waitForImage(ctx context.Context, t *testing.T, id string) {
	t.Helper()
	w := ec2.NewImageAvailableWaiter(aws_.ec2, func(o *ec2.ImageAvailableWaiterOptions) { o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second })
	if err := w.Wait(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}}, 30*time.Second); err != nil {
		t.Fatalf("AMI %s not available after 30s: %v", id, err)
	}
}
