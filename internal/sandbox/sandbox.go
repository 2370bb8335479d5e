// Package sandbox checks the rollout invariants of one baking environment
// by observing its account: a build reaches the golden parameter, a
// replaced instance runs it, a redeploy keeps it.
//
// A Target is where the environment runs. Two implement it: the emulator
// (the playground of make local-up; the build is internal/imagebuild.Run),
// which CI runs, and a real sandbox account (the build is an Image Builder
// pipeline execution), which only a person runs, after confirming on a
// terminal (see AWS). Everything that observes and asserts is here, shared
// by both: Check.
package sandbox

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/immutable-server/golden-fleet/config"
)

// Clients are what Check observes the account with.
type Clients struct {
	EC2 *ec2.Client
	ASG *autoscaling.Client
	SSM *ssm.Client
	CFN *cloudformation.Client
}

// NewClients builds the clients on cfg.
func NewClients(cfg aws.Config) Clients {
	return Clients{EC2: ec2.NewFromConfig(cfg), ASG: autoscaling.NewFromConfig(cfg), SSM: ssm.NewFromConfig(cfg), CFN: cloudformation.NewFromConfig(cfg)}
}

// Target is one deployed baking environment.
type Target interface {
	// Name says where it runs, for the log.
	Name() string
	Names() config.Names
	Clients() Clients
	// Build runs one build and returns the AMI it made.
	Build(ctx context.Context) (string, error)
	// Redeploy deploys the environment's stacks again, unchanged.
	Redeploy(ctx context.Context) error
	// ReplaceTimeout bounds the wait for a replacement instance.
	ReplaceTimeout() time.Duration
}

// World is what the account holds for the environment.
type World struct {
	Golden string            // the golden parameter's value
	Images map[string]string // InService instance -> its AMI
}

// Check runs the three invariants against t and returns every violation
// it saw, or nil.
func Check(ctx context.Context, t Target, logf func(string, ...any)) error {
	c, n := t.Clients(), t.Names()
	group, err := Output(ctx, c.CFN, n.Stack(config.FleetStack), config.AutoScalingGroupNameOutput)
	if err != nil {
		return err
	}
	var bad []string
	// The instances from before the build: the checks after the redeploy
	// look at those launched since (on AWS the automatic rollout may
	// replace instances, the replacement too, while this runs).
	pre, err := Observe(ctx, c, n.GoldenParameter(), group)
	if err != nil {
		return err
	}
	// 1. A real build reaches the parameter.
	start := time.Now()
	ami, err := t.Build(ctx)
	if err != nil {
		return fmt.Errorf("%s: the build: %w", t.Name(), err)
	}
	logf("%s: the build made %s (%s)", t.Name(), ami, time.Since(start).Round(time.Second))
	w, err := Observe(ctx, c, n.GoldenParameter(), group)
	if err != nil {
		return err
	}
	if w.Golden != ami {
		bad = append(bad, fmt.Sprintf("after the build, %s holds %s, want the build's %s", n.GoldenParameter(), w.Golden, ami))
	}
	// 2. A replaced instance runs it.
	id, image, err := ReplaceOne(ctx, c, group, t.ReplaceTimeout())
	if err != nil {
		return fmt.Errorf("%s: %w", t.Name(), err)
	}
	logf("%s: the replacement %s runs %s", t.Name(), id, image)
	if image != ami {
		bad = append(bad, fmt.Sprintf("the replacement %s runs %s, want the build's %s", id, image, ami))
	}
	// 3. A redeploy keeps it.
	if err := t.Redeploy(ctx); err != nil {
		return fmt.Errorf("%s: the redeploy: %w", t.Name(), err)
	}
	w, err = Observe(ctx, c, n.GoldenParameter(), group)
	if err != nil {
		return err
	}
	logf("%s: after the redeploy %s holds %s", t.Name(), n.GoldenParameter(), w.Golden)
	if w.Golden != ami {
		bad = append(bad, fmt.Sprintf("after the redeploy, %s holds %s, want the build's %s", n.GoldenParameter(), w.Golden, ami))
	}
	launched := 0
	for i, image := range w.Images {
		if _, old := pre.Images[i]; old {
			continue
		}
		launched++
		if image != ami {
			bad = append(bad, fmt.Sprintf("after the redeploy, %s (launched since the build) runs %s, want the build's %s", i, image, ami))
		}
	}
	if launched == 0 {
		bad = append(bad, fmt.Sprintf("after the redeploy, no instance launched since the build is in service (the replacement was %s; in service: %v)", id, w.Images))
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s:\n  %s", t.Name(), strings.Join(bad, "\n  "))
	}
	return nil
}

// Output reads one output of a deployed stack.
func Output(ctx context.Context, cfn *cloudformation.Client, stack, key string) (string, error) {
	st, err := cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	if err != nil {
		return "", fmt.Errorf("describe %s: %w", stack, err)
	}
	for _, o := range st.Stacks[0].Outputs {
		if aws.ToString(o.OutputKey) == key {
			return aws.ToString(o.OutputValue), nil
		}
	}
	return "", fmt.Errorf("%s has no %s output", stack, key)
}

// Observe reads the golden parameter and the AMI of every InService
// instance of group.
func Observe(ctx context.Context, c Clients, parameter, group string) (World, error) {
	p, err := c.SSM.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(parameter)})
	if err != nil {
		return World{}, fmt.Errorf("%s: %w", parameter, err)
	}
	w := World{Golden: aws.ToString(p.Parameter.Value), Images: map[string]string{}}
	ids, err := inService(ctx, c.ASG, group)
	if err != nil || len(ids) == 0 {
		return w, err
	}
	out, err := c.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
	if err != nil {
		return w, fmt.Errorf("the instances of %s: %w", group, err)
	}
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			w.Images[aws.ToString(i.InstanceId)] = aws.ToString(i.ImageId)
		}
	}
	return w, nil
}

func inService(ctx context.Context, c *autoscaling.Client, group string) ([]string, error) {
	g, err := c.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{group}})
	if err != nil {
		return nil, fmt.Errorf("group %s: %w", group, err)
	}
	if len(g.AutoScalingGroups) != 1 {
		return nil, fmt.Errorf("group %s: not found", group)
	}
	var ids []string
	for _, i := range g.AutoScalingGroups[0].Instances {
		if i.LifecycleState == "InService" {
			ids = append(ids, aws.ToString(i.InstanceId))
		}
	}
	return ids, nil
}

// ReplaceOne terminates one InService instance of group, keeping the
// desired capacity, and waits (at most timeout) for an instance the group
// did not have to be InService; it returns that instance and its AMI.
func ReplaceOne(ctx context.Context, c Clients, group string, timeout time.Duration) (string, string, error) {
	before, err := inService(ctx, c.ASG, group)
	if err != nil {
		return "", "", err
	}
	if len(before) == 0 {
		return "", "", fmt.Errorf("group %s has no instance in service to replace", group)
	}
	if _, err := c.ASG.TerminateInstanceInAutoScalingGroup(ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{
		InstanceId: aws.String(before[0]), ShouldDecrementDesiredCapacity: aws.Bool(false)}); err != nil {
		return "", "", fmt.Errorf("terminate %s: %w", before[0], err)
	}
	deadline := time.Now().Add(timeout)
	for {
		now, err := inService(ctx, c.ASG, group)
		if err != nil {
			return "", "", err
		}
		for _, id := range now {
			if !slices.Contains(before, id) {
				out, err := c.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
				if err != nil || len(out.Reservations) == 0 || len(out.Reservations[0].Instances) == 0 {
					return "", "", fmt.Errorf("the replacement %s: %v", id, err)
				}
				return id, aws.ToString(out.Reservations[0].Instances[0].ImageId), nil
			}
		}
		if time.Now().After(deadline) {
			return "", "", fmt.Errorf("no replacement for %s in service after %s", before[0], timeout)
		}
		select {
		case <-ctx.Done():
			return "", "", ctx.Err()
		case <-time.After(min(15*time.Second, timeout/10+time.Millisecond)):
		}
	}
}

// CDK runs the pinned CDK CLI of root (tools/cdk) with env.
func CDK(ctx context.Context, root string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, root+"/tools/cdk/node_modules/.bin/cdk", args...)
	cmd.Dir, cmd.Env = root, env
	cmd.Stdin = nil
	out, err := cmd.CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
		if len(lines) > 30 {
			lines = lines[len(lines)-30:]
		}
		return fmt.Errorf("cdk %s: %w\n%s", strings.Join(args, " "), err, strings.Join(lines, "\n"))
	}
	return nil
}

// Environ is os.Environ with the variables of set replaced.
func Environ(set ...string) []string {
	env := os.Environ()
	for _, kv := range set {
		k, _, _ := strings.Cut(kv, "=")
		env = slices.DeleteFunc(env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
	}
	return append(env, set...)
}
