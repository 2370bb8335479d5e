//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/imagebuild"
)

// Least privilege, shown. With authorization on, the emulator records
// every call it allowed with the statements that allowed it
// (E2E_AUTHZ_RECORD, e2e/moto_authz.py). After a whole run of the suite,
// leastPrivilege lists, for every statement of every identity policy the
// run deployed, the recorded calls that needed it. A statement that no
// call needed fails the run unless notExercised gives the reason it stays
// (a call the emulator cannot make); a reason for a statement that calls
// did need fails it too (stale). Removing a statement that calls need is
// caught by the enforcement itself: the call is denied and its test fails.

// notExercised: policy name (as synthesized) + "/" + Sid (or the
// statement's 1-based index) -> why no e2e call needs it.
var notExercised = map[string]string{
	"MonitoringInstancePolicy/ReadAgentConfiguration": "run by the CloudWatch agent on the instances; moto's instances run no software",
	"MonitoringInstancePolicy/ShipLogs":               "run by the CloudWatch agent on the instances; moto's instances run no software",
	"MonitoringInstancePolicy/PublishMetrics":         "run by the CloudWatch agent on the instances; moto's instances run no software",
	"MonitoringInstancePolicy/ReadAmiCreationDate":    "run by the instances' boot script; moto's instances run no software",
	"VpcAllIAMRoleDefaultPolicy/1":                    "VPC Flow Logs delivery; moto delivers no flow logs",
	"GoldenAmiMarkerRoleDefaultPolicy/1":              "Step Functions' log delivery (CDK's logging grant); moto's Step Functions delivers no execution logs",
	"AutomaticRolloutRoleDefaultPolicy/2":             "Step Functions' log delivery (CDK's logging grant); moto's Step Functions delivers no execution logs",
	// Auto Scaling checks that the caller of StartInstanceRefresh may use
	// the group's launch template (launch, tag, pass its role); the
	// emulator does not model that check.
	"AutomaticRolloutRoleDefaultPolicy/LaunchFromTheFleetLaunchTemplate": "Auto Scaling's launch template permission check on StartInstanceRefresh is not modelled",
	"AutomaticRolloutRoleDefaultPolicy/TagWhatItLaunches":                "Auto Scaling's launch template permission check on StartInstanceRefresh is not modelled",
	"AutomaticRolloutRoleDefaultPolicy/PassTheInstanceRole":              "Auto Scaling's launch template permission check on StartInstanceRefresh is not modelled",
	// The marker tags the Image Builder image resource of an AMI that
	// carries an Ec2ImageBuilderArn tag of its own account: moto has no
	// Image Builder, and the simulated builds' AMIs carry no such tag.
	"GoldenAmiMarkerRoleDefaultPolicy/WriteOnlyTheMarksOnImageResources": "moto has no Image Builder: no image resource to tag (the simulated builds' AMIs carry no Ec2ImageBuilderArn tag)",
	"PipelineExecutionRoleDefaultPolicy/ReadLaunchTemplates":             "the simulated distribution reads the launch template's versions as the harness (internal/imagebuild sourceVersion), not as this role",
}

// authzRecord is where moto_authz.py writes what it allowed.
func authzRecord() string { return envOr("E2E_AUTHZ_RECORD", filepath.Join(workDir, "authz.jsonl")) }

// statementKey drops CDK's 8-hex-digit hash from a synthesized policy name
// so that notExercised reads like the construct tree.
func statementKey(policy, id string) string {
	if n := len(policy); n > 8 && strings.Trim(policy[n-8:], "0123456789ABCDEF") == "" {
		policy = policy[:n-8]
	}
	return policy + "/" + id
}

type recorded struct {
	Principal   string `json:"principal"`
	Action      string `json:"action"`
	Resource    string `json:"resource"`
	Via         string `json:"via"`
	Denied      string `json:"denied"`
	KnownDenied string `json:"knownDenied"`
	Statements  []struct {
		Policy *string `json:"policy"`
		Sid    *string `json:"sid"`
		Side   string  `json:"side"`
	} `json:"statements"`
}

// deployedStatements lists every statement of every identity policy in
// the templates this run deployed (each assembly's network and fleet
// stacks, and the image pipeline's execution role, principals_test.go).
func deployedStatements() (map[string]string, error) {
	out := map[string]string{}
	dirs, _ := filepath.Glob(filepath.Join(workDir, "cdk.out-*"))
	for _, dir := range dirs {
		for _, stack := range []string{netName, fleetName, names.Stack(config.ImageFactoryStack)} {
			b, err := os.ReadFile(filepath.Join(dir, stack+".template.json"))
			if err != nil {
				continue
			}
			var tpl map[string]any
			if err := json.Unmarshal(b, &tpl); err != nil {
				return nil, err
			}
			for id, r := range tpl["Resources"].(map[string]any) {
				if stack == names.Stack(config.ImageFactoryStack) && !executionRoleOnly(tpl, id) {
					continue
				}
				var docs [][2]any
				switch dig(r, "Type") {
				case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
					name, _ := dig(r, "Properties", "PolicyName").(string)
					if name == "" {
						name = id
					}
					docs = append(docs, [2]any{name, dig(r, "Properties", "PolicyDocument")})
				case "AWS::IAM::Role":
					pols, _ := dig(r, "Properties", "Policies").([]any)
					for _, p := range pols {
						docs = append(docs, [2]any{dig(p, "PolicyName"), dig(p, "PolicyDocument")})
					}
				}
				for _, d := range docs {
					sts, _ := dig(d[1], "Statement").([]any)
					for i, st := range sts {
						sid, _ := dig(st, "Sid").(string)
						if sid == "" {
							sid = fmt.Sprint(i + 1)
						}
						out[statementKey(fmt.Sprint(d[0]), sid)] = fmt.Sprintf("%s %v", stack, dig(st, "Action"))
					}
				}
			}
		}
	}
	return out, nil
}

// executionRoleOnly: of the image factory stack, the harness deploys only
// the pipeline's execution role and its policies.
func executionRoleOnly(tpl map[string]any, id string) bool {
	role, policies := imagebuild.ExecutionRole(tpl["Resources"].(map[string]any))
	_, policy := policies[id]
	return role != "" && (id == role || policy)
}

// leastPrivilege prints the report and returns an error when a statement
// is neither needed nor reasoned, or a reason is stale. It runs only after
// the whole suite with authorization on.
func leastPrivilege() error {
	if os.Getenv("E2E_AUTHZ") == "off" {
		return nil
	}
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() != "" {
		logf("least-privilege report skipped: only part of the suite ran (-run %s)", f.Value.String())
		return nil
	}
	statements, err := deployedStatements()
	if err != nil {
		return err
	}
	records := []string{authzRecord()}
	for _, v := range variantRuns { // variants_test.go: their emulators' records
		records = append(records, v.record)
	}
	needed, denials, knownHit, err := readAuthzRecords(records)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(statements))
	for k := range statements {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var problems []string
	var b strings.Builder
	b.WriteString("least privilege: every statement of the deployed identity policies, and the calls that needed it\n")
	for _, k := range keys {
		calls := needed[k]
		reason, reasoned := notExercised[k]
		switch {
		case len(calls) > 0:
			fmt.Fprintf(&b, "  %s (%s): %d distinct calls\n", k, statements[k], len(calls))
			list := make([]string, 0, len(calls))
			for c, n := range calls {
				list = append(list, fmt.Sprintf("      %s (x%d)", c, n))
			}
			sort.Strings(list)
			if len(list) > 5 {
				list = append(list[:5], fmt.Sprintf("      … %d more", len(list)-5))
			}
			b.WriteString(strings.Join(list, "\n") + "\n")
			if reasoned {
				problems = append(problems, fmt.Sprintf("%s: listed as not exercised (%s) but %d calls needed it: delete the reason", k, reason, len(calls)))
			}
		case reasoned:
			fmt.Fprintf(&b, "  %s (%s): no call in the emulator: %s\n", k, statements[k], reason)
		default:
			fmt.Fprintf(&b, "  %s (%s): NO CALL NEEDED IT\n", k, statements[k])
			problems = append(problems, fmt.Sprintf("%s (%s): no e2e call needed it: remove it, or say in notExercised why it stays", k, statements[k]))
		}
	}
	// Denied calls a service makes asynchronously (an Auto Scaling
	// notification, a state machine's task) fail nothing else: each is a
	// problem here. A denied API call fails the test that made it (or is
	// what the test wants, TestTheEmulatorEnforcesTrustAndIdentityPolicies).
	for _, d := range uniq(denials) {
		problems = append(problems, "denied: "+d)
	}
	known, err := knownDenied()
	if err != nil {
		return err
	}
	for _, e := range known {
		fmt.Fprintf(&b, "  known denied (let through): %s %s %s: %s\n", e.Role, e.Action, e.Resource, e.Issue)
		if !knownHit[e.Action+" "+e.Issue] {
			problems = append(problems, fmt.Sprintf("e2e/authz_known_denied.json: %s %s %s (%s) was not denied in this run: the fix merged? delete the entry", e.Role, e.Action, e.Resource, e.Issue))
		}
	}
	logf("%s", b.String())
	if len(problems) > 0 {
		return fmt.Errorf("least privilege:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// readAuthzRecords reads the authorization model's records of the run
// (this process's emulator's and those of the runs under the other
// behaviours): for each statement key the distinct calls it allowed, the
// denied calls services made asynchronously, and the known denials that
// occurred.
func readAuthzRecords(paths []string) (needed map[string]map[string]int, denials []string, knownHit map[string]bool, err error) {
	needed, knownHit = map[string]map[string]int{}, map[string]bool{}
	for _, path := range paths {
		if denials, err = readAuthzRecord(path, needed, denials, knownHit); err != nil {
			return nil, nil, nil, err
		}
	}
	return needed, denials, knownHit, nil
}

// readAuthzRecord adds one record's decisions to needed, denials and
// knownHit.
func readAuthzRecord(path string, needed map[string]map[string]int, denials []string, knownHit map[string]bool) ([]string, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("the authorization record: %w", err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r recorded
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			continue
		}
		if r.KnownDenied != "" {
			knownHit[r.Action+" "+r.KnownDenied] = true
			continue
		}
		if r.Denied != "" {
			if r.Via != "api" {
				denials = append(denials, fmt.Sprintf("%s %s %s (%s, via %s)", r.Principal, r.Action, r.Resource, r.Denied, r.Via))
			}
			continue
		}
		for _, s := range r.Statements {
			if s.Policy == nil || s.Sid == nil {
				continue
			}
			policy := *s.Policy
			if i := strings.LastIndex(policy, "/"); i >= 0 {
				policy = policy[i+1:] // role/policy name
			}
			k := statementKey(policy, *s.Sid)
			if needed[k] == nil {
				needed[k] = map[string]int{}
			}
			needed[k][fmt.Sprintf("%s %s %s", r.Principal[strings.LastIndex(r.Principal, "/")+1:], r.Action, r.Resource)]++
		}
	}
	return denials, sc.Err()
}

type knownDenial struct {
	Role, Action, Resource, Issue string
}

// knownDenied reads e2e/authz_known_denied.json (the emulator reads it
// too, e2e/moto_authz.py known_denied).
func knownDenied() ([]knownDenial, error) {
	b, err := os.ReadFile(filepath.Join(root, "e2e", "authz_known_denied.json"))
	if err != nil {
		return nil, err
	}
	var f struct {
		Entries []knownDenial `json:"entries"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("e2e/authz_known_denied.json: %w", err)
	}
	return f.Entries, nil
}

func uniq(list []string) []string {
	sort.Strings(list)
	out := list[:0]
	for i, s := range list {
		if i == 0 || s != list[i-1] {
			out = append(out, s)
		}
	}
	return out
}
