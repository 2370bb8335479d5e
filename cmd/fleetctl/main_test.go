package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/immutable-server/golden-fleet/internal/marks/markstest"
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

// fakeAWS answers the calls fleetctl makes with canned data.
type fakeAWS struct {
	outputs   map[string]string
	versions  []ec2types.LaunchTemplateVersion
	groups    []asgtypes.AutoScalingGroup
	groupErr  error
	images    []ec2types.Image
	modified  []string // default versions set
	parameter []string // values put
	// account holds the AMIs the lifecycle marks go on (DescribeImages
	// with filters, CreateTags, DeleteTags); nil: an account with none.
	account *markstest.FakeEC2
	// golden is the golden parameter as GetParameter returns it, written
	// at goldenWritten; instanceImages the AMI of each instance
	// (DescribeInstances); refresh a scripted instance refresh (roll_test.go).
	golden         string
	goldenWritten  time.Time
	instanceImages map[string]string
	refresh        refreshScript
}

func (f *fakeAWS) DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	var outs []cfntypes.Output
	for k, v := range f.outputs {
		outs = append(outs, cfntypes.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{{Outputs: outs}}}, nil
}

func (f *fakeAWS) DescribeLaunchTemplateVersions(context.Context, *ec2.DescribeLaunchTemplateVersionsInput, ...func(*ec2.Options)) (*ec2.DescribeLaunchTemplateVersionsOutput, error) {
	return &ec2.DescribeLaunchTemplateVersionsOutput{LaunchTemplateVersions: f.versions}, nil
}

func (f *fakeAWS) DescribeAutoScalingGroups(context.Context, *autoscaling.DescribeAutoScalingGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error) {
	return &autoscaling.DescribeAutoScalingGroupsOutput{AutoScalingGroups: f.groups}, f.groupErr
}

// DescribeImages answers fleetctl's own look-up of an AMI (ImageIds) with
// images, and the marks' searches (filters) from account.
func (f *fakeAWS) DescribeImages(ctx context.Context, in *ec2.DescribeImagesInput, opts ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
	if len(in.Filters) > 0 {
		if f.account == nil {
			return &ec2.DescribeImagesOutput{}, nil
		}
		return f.account.DescribeImages(ctx, in, opts...)
	}
	return &ec2.DescribeImagesOutput{Images: f.images}, nil
}

func (f *fakeAWS) CreateTags(ctx context.Context, in *ec2.CreateTagsInput, opts ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error) {
	if f.account == nil {
		return nil, errors.New("fake: no AMI to tag")
	}
	return f.account.CreateTags(ctx, in, opts...)
}

func (f *fakeAWS) DeleteTags(ctx context.Context, in *ec2.DeleteTagsInput, opts ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error) {
	if f.account == nil {
		return nil, errors.New("fake: no AMI to untag")
	}
	return f.account.DeleteTags(ctx, in, opts...)
}

func (f *fakeAWS) ModifyLaunchTemplate(_ context.Context, in *ec2.ModifyLaunchTemplateInput, _ ...func(*ec2.Options)) (*ec2.ModifyLaunchTemplateOutput, error) {
	f.modified = append(f.modified, aws.ToString(in.DefaultVersion))
	return &ec2.ModifyLaunchTemplateOutput{}, nil
}
