// Command fleetctl operates a deployed golden fleet.
//
//	fleetctl rollback  --stack golden-fleet-<env>-fleet [--to ami-…] [--roll]
//	fleetctl roll      --stack golden-fleet-<env>-fleet [refresh preferences] [--no-wait]
//	fleetctl status    --stack golden-fleet-<env>-fleet [--require-golden] [--findings]
//	fleetctl status    [--env <env>]... [--config FILE]
//	fleetctl promote   --from <env> --to <env> [--dry-run] [--override GATE --reason TEXT] …
//	fleetctl resources --stack <any stack>
//	fleetctl help [command]
//
// Every command also takes --region and --endpoint-url; credentials,
// region and endpoint otherwise come from the AWS SDK's usual sources
// (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, …). `fleetctl help`,
// `fleetctl --help` and `fleetctl <command> --help` print the usage and
// exit 0.
//
// Each command lives in a file of its own (rollback.go, roll.go,
// status.go with envstatus.go and the vulnerability scan in findings.go,
// promote.go with gates.go, resources.go) and is listed in commands below;
// what they share is below and in clients.go (the AWS clients). The tests'
// fakes of AWS are in fakes_test.go.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go/logging"

	"github.com/immutable-server/golden-fleet/config"
)

// command is one fleetctl subcommand.
type command struct {
	name string
	// synopsis is what follows the name on the usage line: the command's
	// own flags (--region and --endpoint-url are everyone's).
	synopsis string
	// summary says what the command does, a few lines for the usage text.
	summary string
	// required are flags that must be set.
	required []string
	// declare declares the command's flags on fs and returns what runs the
	// command once fs is parsed.
	declare func(fs *flag.FlagSet) runFunc
}

// runFunc runs a command with the AWS configuration, writing to out.
type runFunc func(ctx context.Context, cfg aws.Config, out io.Writer) error

// commands lists every subcommand, in the order the usage shows them. A
// new command goes in a file of its own and one line here.
var commands = []command{
	rollbackCommand,
	rollCommand,
	statusCommand,
	promoteCommand,
	resourcesCommand,
}

// usageError is a command's complaint about its flags, found after they
// were parsed: run adds the command's usage to it.
type usageError string

func (e usageError) Error() string { return string(e) }

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fleetctl:", err)
		os.Exit(1)
	}
}

// run runs the command args name. Help goes to out and is no error; a
// usage error carries the usage text.
func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("want a command\n" + usage())
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := lookupCommand(args[1]); ok {
				fs, _, _, _ := c.flags()
				fmt.Fprint(out, c.usage(fs))
				return nil
			}
			return fmt.Errorf("help %s: no such command\n%s", args[1], usage())
		}
		fmt.Fprint(out, usage())
		return nil
	}
	c, ok := lookupCommand(args[0])
	if !ok {
		return fmt.Errorf("%q is not a command\n%s", args[0], usage())
	}
	fs, runCommand, region, endpoint := c.flags()
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(out, c.usage(fs))
			return nil
		}
		return fmt.Errorf("%s: %v\n%s", c.name, err, c.usage(fs))
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: got %q: want no positional arguments\n%s", c.name, fs.Args(), c.usage(fs))
	}
	for _, name := range c.required {
		if fs.Lookup(name).Value.String() == "" {
			return fmt.Errorf("%s: --%s is required\n%s", c.name, name, c.usage(fs))
		}
	}
	// The SDK's log (its only output is warnings such as "falling back to
	// IMDSv1" while it looks for credentials) stays off the terminal:
	// fleetctl says what went wrong itself.
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithLogger(logging.Nop{})}
	if *region != "" {
		opts = append(opts, awsconfig.WithRegion(*region))
	}
	if *endpoint != "" {
		opts = append(opts, awsconfig.WithBaseEndpoint(*endpoint))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fmt.Errorf("AWS configuration: %w", err)
	}
	err = explainCredentials(runCommand(ctx, withCredentialsCheck(cfg), out))
	var bad usageError
	if errors.As(err, &bad) {
		return fmt.Errorf("%s: %v\n%s", c.name, bad, c.usage(fs))
	}
	return err
}

func lookupCommand(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// flags is c's flag set with every flag declared, c's own and everyone's,
// and what runs c once the set is parsed. The set prints nothing: run
// prints help and errors itself.
func (c command) flags() (fs *flag.FlagSet, runCommand runFunc, region, endpoint *string) {
	fs = flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	runCommand = c.declare(fs)
	region = fs.String("region", "", "AWS region (default: the SDK's, e.g. AWS_REGION)")
	endpoint = fs.String("endpoint-url", "", "AWS endpoint URL (default: the SDK's, e.g. AWS_ENDPOINT_URL)")
	return fs, runCommand, region, endpoint
}

// usage is the usage text of every command.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: fleetctl <command> [flags] [--region R] [--endpoint-url URL]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.synopsis)
		for _, line := range strings.Split(c.summary, "\n") {
			fmt.Fprintf(&b, "  %-10s %s\n", "", line)
		}
	}
	b.WriteString("\nCredentials, region and endpoint come from the AWS SDK's usual sources\n" +
		"(AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL); --region and --endpoint-url override them.\n" +
		"fleetctl help <command> or fleetctl <command> --help describes one command.\n")
	return b.String()
}

// usage is the usage text of c, with the flags of fs (from c.flags).
func (c command) usage(fs *flag.FlagSet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: fleetctl %s %s [--region R] [--endpoint-url URL]\n\n%s\n\nflags:\n", c.name, c.synopsis, c.summary)
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	return b.String()
}

// --- what the commands share -----------------------------------------------

// newTable starts one of fleetctl's tables on out, header first: columns
// two spaces apart, written when the caller flushes it.
func newTable(out io.Writer, header string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	return tw
}

type cfnAPI interface {
	DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

type asgAPI interface {
	DescribeAutoScalingGroups(context.Context, *autoscaling.DescribeAutoScalingGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error)
}

// stackOutputs reads the fleet stack's outputs fleetctl needs.
func stackOutputs(ctx context.Context, cfn cfnAPI, stack string) (fleetOutputs, error) {
	kv, err := stackOutputValues(ctx, cfn, stack)
	if err != nil {
		return fleetOutputs{}, err
	}
	return parseFleetOutputs(stack, kv)
}

// stackOutputValues reads every output of stack, by key.
func stackOutputValues(ctx context.Context, cfn cfnAPI, stack string) (map[string]string, error) {
	st, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &stack})
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", stack, err)
	}
	if len(st.Stacks) != 1 {
		return nil, fmt.Errorf("stack %s: found %d stacks", stack, len(st.Stacks))
	}
	kv := map[string]string{}
	for _, o := range st.Stacks[0].Outputs {
		kv[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return kv, nil
}

// fleetOutputs are the fleet stack's outputs fleetctl needs.
type fleetOutputs struct {
	goldenAmiParameter   string
	launchTemplateID     string
	autoScalingGroupName string
}

// parseFleetOutputs picks the fleet stack's outputs out of key/value pairs.
func parseFleetOutputs(stack string, kv map[string]string) (fleetOutputs, error) {
	o := fleetOutputs{
		goldenAmiParameter:   kv[config.GoldenAmiParameterOutput],
		launchTemplateID:     kv[config.LaunchTemplateIDOutput],
		autoScalingGroupName: kv[config.AutoScalingGroupNameOutput],
	}
	var missing []string
	if o.goldenAmiParameter == "" {
		missing = append(missing, config.GoldenAmiParameterOutput)
	}
	if o.launchTemplateID == "" {
		missing = append(missing, config.LaunchTemplateIDOutput)
	}
	if o.autoScalingGroupName == "" {
		missing = append(missing, config.AutoScalingGroupNameOutput)
	}
	if len(missing) > 0 {
		return o, fmt.Errorf("stack %s has no output %s: is it a golden-fleet fleet stack (golden-fleet-<env>-fleet)?",
			stack, strings.Join(missing, ", "))
	}
	return o, nil
}

// isAMIID reports whether s has the shape of an AMI id (config.IsAmiID).
func isAMIID(s string) bool { return config.IsAmiID(s) }

// launchTemplateVersions lists every version of the launch template id.
func launchTemplateVersions(ctx context.Context, client ec2.DescribeLaunchTemplateVersionsAPIClient, id string) ([]launchTemplateVersion, error) {
	var versions []launchTemplateVersion
	p := ec2.NewDescribeLaunchTemplateVersionsPaginator(client, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: &id})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("launch template %s: %w", id, err)
		}
		for _, v := range page.LaunchTemplateVersions {
			version := launchTemplateVersion{
				number:      aws.ToInt64(v.VersionNumber),
				isDefault:   aws.ToBool(v.DefaultVersion),
				description: aws.ToString(v.VersionDescription),
			}
			if d := v.LaunchTemplateData; d != nil {
				version.imageID = aws.ToString(d.ImageId)
				version.instanceType = string(d.InstanceType)
			}
			versions = append(versions, version)
		}
	}
	return versions, nil
}

// describeGroup reads the Auto Scaling group called name.
func describeGroup(ctx context.Context, client asgAPI, name string) (asgtypes.AutoScalingGroup, error) {
	g, err := client.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		return asgtypes.AutoScalingGroup{}, fmt.Errorf("group %s: %w", name, err)
	}
	if len(g.AutoScalingGroups) != 1 {
		return asgtypes.AutoScalingGroup{}, fmt.Errorf("group %s: found %d groups of that name, want 1", name, len(g.AutoScalingGroups))
	}
	return g.AutoScalingGroups[0], nil
}
