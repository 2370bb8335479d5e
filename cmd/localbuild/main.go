// Command localbuild runs one build of a baking environment deployed to
// the local emulator (make local-up), where EC2 Image Builder does not
// run, and prints the new AMI:
//
//	go run ./cmd/localbuild [--env local] [--assembly .local/cdk.out]
//
// It does exactly what the synthesized pipeline and distribution say, with
// the permissions the execution role has, read from the templates of the
// last deploy (the assembly): an AMI made from one of the group's
// instances, tagged as the distribution tags it, a new launch template
// version, and the golden parameter. The code is internal/imagebuild, the
// same the e2e suite's builds run. Credentials must be the baking
// account's (after `source .local/env`: AWS_PROFILE=local).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/imagebuild"
	"github.com/immutable-server/golden-fleet/internal/sandbox"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "localbuild:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out, log io.Writer) error {
	fs := flag.NewFlagSet("localbuild", flag.ContinueOnError)
	fs.SetOutput(log)
	envName := fs.String("env", "local", "the baking environment of config/environments.go to build for")
	dir := ".local"
	if d := os.Getenv("GOLDEN_FLEET_LOCAL_DIR"); d != "" { // set by .local/env
		dir = d
	}
	assembly := fs.String("assembly", filepath.Join(dir, "cdk.out"), "the cloud assembly of the last deploy (make local-up writes .local/cdk.out)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	app := config.Default()
	env, ok := app.Environment(*envName)
	if !ok {
		var known []string
		for _, e := range app.Environments {
			known = append(known, e.Name)
		}
		return fmt.Errorf("--env: got %q: want an environment of config/environments.go (%s)", *envName, strings.Join(known, ", "))
	}
	if env.Promotion != nil {
		return fmt.Errorf("--env: got %q, which promotes from %s and builds nothing: want a baking environment (fleetctl promote brings it AMIs)", env.Name, env.Promotion.From)
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(env.Region), awsconfig.WithLogger(logging.Nop{}))
	if err != nil {
		return fmt.Errorf("AWS configuration: %w", err)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("no usable AWS credentials (source .local/env, then AWS_PROFILE=%s): %v", env.Name, err)
	}
	if got := aws.ToString(id.Account); got != env.Account {
		return fmt.Errorf("credentials of account %s: want those of %s's account %s (after source .local/env: AWS_PROFILE=%s)", got, env.Name, env.Account, env.Name)
	}
	names := app.NamesOf(env)
	c := imagebuild.Clients{EC2: ec2.NewFromConfig(cfg), ASG: autoscaling.NewFromConfig(cfg), SSM: ssm.NewFromConfig(cfg), CFN: cloudformation.NewFromConfig(cfg)}
	fleet := names.Stack(config.FleetStack)
	group, err := sandbox.Output(ctx, c.CFN, fleet, config.AutoScalingGroupNameOutput)
	if err != nil {
		return fmt.Errorf("%w (is it deployed? make local-up)", err)
	}
	// Builds are numbered by the AMIs earlier ones made.
	namePrefix := fmt.Sprintf("%s-%s-local-build-", app.Prefix, env.Name)
	imgs, err := c.EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"},
		Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{namePrefix + "*"}}}})
	if err != nil {
		return fmt.Errorf("earlier builds: %w", err)
	}
	n := len(imgs.Images) + 1
	res, err := imagebuild.Run(ctx, c, imagebuild.Build{
		Assembly:      *assembly,
		FleetStack:    fleet,
		FactoryStack:  names.Stack(config.ImageFactoryStack),
		Region:        env.Region,
		Account:       env.Account,
		Group:         group,
		Name:          fmt.Sprintf("%s%d", namePrefix, n),
		Number:        n,
		SourceVersion: "default",
		Logf:          func(format string, args ...any) { fmt.Fprintf(log, format+"\n", args...) },
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, res.AMI)
	return err
}
