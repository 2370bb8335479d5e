package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"deploy"},
		{"rollback"},
		// status without --stack shows every environment; --require-golden
		// checks one fleet, and --env picks environments, not a stack.
		{"status", "--require-golden"},
		{"status", "--stack", "s", "--env", "dev"},
		{"promote"},
		{"promote", "--from", "dev"},
		{"resources", "--to", "ami-12345678"},
		{"rollback", "--stack", "s", "extra"},
		{"help", "deploy"},
	} {
		var out strings.Builder
		err := run(context.Background(), args, &out)
		if err == nil {
			t.Errorf("%q: want an error", args)
			continue
		}
		if !strings.Contains(err.Error(), "usage: fleetctl") {
			t.Errorf("%q: error %q lacks the usage", args, err)
		}
		if out.Len() > 0 {
			t.Errorf("%q: wrote %q to the output, want the usage in the error only", args, out.String())
		}
	}
}

// `fleetctl --help`, `fleetctl help` and `fleetctl <command> --help` print
// the usage to the output and succeed, without reading any AWS
// configuration.
func TestHelpPrintsTheUsageAndSucceeds(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent/fleetctl-test")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"usage: fleetctl <command>", "rollback", "roll", "status", "promote", "resources"}},
		{[]string{"-h"}, []string{"usage: fleetctl <command>"}},
		{[]string{"help"}, []string{"usage: fleetctl <command>", "fleetctl help <command>"}},
		{[]string{"help", "status"}, []string{"usage: fleetctl status --stack <fleet stack> [--require-golden]", "-require-golden"}},
		{[]string{"rollback", "--help"}, []string{"usage: fleetctl rollback --stack <fleet stack> [--to ami-…] [--roll]", "-to string", "-roll", "-endpoint-url string"}},
		{[]string{"roll", "--help"}, []string{"usage: fleetctl roll --stack <fleet stack>", "-min-healthy-percentage value", "-checkpoints value", "-alarm value", "-no-wait"}},
		{[]string{"resources", "-h"}, []string{"usage: fleetctl resources --stack <any stack>", "-stack string"}},
		{[]string{"status", "--stack", "s", "--help"}, []string{"usage: fleetctl status"}},
		{[]string{"help", "promote"}, []string{"usage: fleetctl promote --from <env> --to <env>", "-override value", "-cdk-json string"}},
	} {
		var out strings.Builder
		if err := run(context.Background(), tc.args, &out); err != nil {
			t.Errorf("%q: %v, want no error", tc.args, err)
			continue
		}
		for _, want := range tc.want {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%q: output lacks %q:\n%s", tc.args, want, out.String())
			}
		}
	}
}

func TestEveryCommandIsInTheUsage(t *testing.T) {
	text := usage()
	for _, c := range commands {
		if !strings.Contains(text, "  "+c.name+" ") || !strings.Contains(text, c.synopsis) {
			t.Errorf("the usage lacks command %s %s:\n%s", c.name, c.synopsis, text)
		}
	}
}

func TestParseFleetOutputsNamesWhatIsMissing(t *testing.T) {
	o, err := parseFleetOutputs("s", map[string]string{"GoldenAmiParameter": "/p", "LaunchTemplateId": "lt-1", "AutoScalingGroupName": "g"})
	if err != nil || o != (fleetOutputs{"/p", "lt-1", "g"}) {
		t.Errorf("got (%+v, %v)", o, err)
	}
	_, err = parseFleetOutputs("golden-fleet-dev-network", map[string]string{"GoldenAmiParameter": "/p"})
	if err == nil || !strings.Contains(err.Error(), "LaunchTemplateId, AutoScalingGroupName") {
		t.Errorf("got %v, want an error naming both missing outputs", err)
	}
}

// A version without launch template data (EC2 may omit it) lists with an
// empty image rather than stopping the command.
func TestLaunchTemplateVersionsReadsVersionsWithoutData(t *testing.T) {
	fake := &fakeAWS{versions: []ec2types.LaunchTemplateVersion{
		{VersionNumber: aws.Int64(1), DefaultVersion: aws.Bool(true), LaunchTemplateData: &ec2types.ResponseLaunchTemplateData{ImageId: aws.String("resolve:ssm:/p"), InstanceType: "t3.micro"}},
		{VersionNumber: aws.Int64(2), VersionDescription: aws.String("no data")},
	}}
	got, err := launchTemplateVersions(context.Background(), fake, "lt-1")
	want := []launchTemplateVersion{
		{number: 1, imageID: "resolve:ssm:/p", isDefault: true, instanceType: "t3.micro"},
		{number: 2, description: "no data"},
	}
	if err != nil || len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got (%+v, %v), want %+v", got, err, want)
	}
}

func TestDescribeGroupSaysWhatWentWrong(t *testing.T) {
	for name, tc := range map[string]struct {
		fake *fakeAWS
		want string
	}{
		"no such group": {&fakeAWS{}, "group g: found 0 groups of that name, want 1"},
		"a call error":  {&fakeAWS{groupErr: errors.New("throttled")}, "group g: throttled"},
	} {
		_, err := describeGroup(context.Background(), tc.fake, "g")
		if err == nil || err.Error() != tc.want || strings.Contains(err.Error(), "<nil>") {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
}
