//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/immutable-server/golden-fleet/config"
)

// redeploy is one kind of stack update: a change of the configuration,
// extra `cdk deploy` arguments, and whether the deploy is made to fail
// part-way (the emulator fails the update of that resource type, and
// CloudFormation rolls the stack back).
type redeploy struct {
	name   string
	change func(c *config.Environment)
	args   []string
	failAt string
	// edit changes the fleet stack's template before the deploy: what a
	// new version of the app would synthesize.
	edit func([]byte) []byte
}

func withTags(c *config.Environment, edit func(map[string]string)) {
	c.Tags = maps.Clone(c.Tags)
	edit(c.Tags)
}

// Issue 8: after a build, no kind of redeploy writes the golden parameter,
// and a replacement instance launches the built AMI. A new kind of update
// is one row.
var redeploys = []redeploy{
	{name: "unchanged", change: func(c *config.Environment) {}},
	{name: "environment tag added", change: func(c *config.Environment) { withTags(c, func(t map[string]string) { t["cost-centre"] = "e2e-1" }) }},
	{name: "environment tag changed", change: func(c *config.Environment) { withTags(c, func(t map[string]string) { t["cost-centre"] = "e2e-2" }) }},
	{name: "environment tag removed", change: func(c *config.Environment) { withTags(c, func(t map[string]string) { delete(t, "cost-centre") }) }},
	{name: "stack-level tags on the command line", change: func(c *config.Environment) {}, args: []string{"--tags", "deployed-by=e2e"}},
	{name: "stack-level tags removed", change: func(c *config.Environment) {}},
	{name: "seed image changed", change: func(c *config.Environment) { c.Fleet.SeedImage = "ami-0fedcba9876543210" }},
	{name: "seed image back to an SSM parameter", change: func(c *config.Environment) { c.Fleet.SeedImage = config.DefaultSeedImage }},
	{name: "instance type changed", change: func(c *config.Environment) { c.Fleet.InstanceType = "t3.small" }},
	{name: "user data changed", change: func(c *config.Environment) { c.Fleet.UserData = "#!/bin/bash\necho matrix" }},
	{name: "a description change of the parameter (a new app version)", change: func(c *config.Environment) {}, edit: func(b []byte) []byte {
		// The seed writer's Description property: CloudFormation sends an
		// Update to its handler, which makes no call (S12).
		return bytes.Replace(b, []byte(`Current golden AMI. Written by`), []byte(`The current golden AMI. Written by`), 1)
	}},
	{name: "a deploy that fails part-way", change: func(c *config.Environment) {
		c.Fleet.InstanceType = "t3.medium"
		c.Fleet.SeedImage = "ami-0123456789abcdef0"
	}, failAt: "AWS::AutoScaling::AutoScalingGroup"},
}

func TestNoRedeployWritesTheGoldenParameterAfterABuild(t *testing.T) {
	for _, row := range redeploys {
		t.Run(row.name, func(t *testing.T) {
			ctx := context.Background()
			x, _ := build(t)
			_, version := goldenValue(t)
			before := outputs(t)

			cfg := deployed
			cfg.Environments = append([]config.Environment(nil), deployed.Environments...)
			row.change(&cfg.Environments[0])
			if row.failAt != "" {
				if err := writeFile(failFile(), row.failAt); err != nil {
					t.Fatal(err)
				}
				keep := deployed
				if err := deployWith(cfg, true, row.args); err == nil {
					t.Fatalf("the deploy succeeded: the emulator did not fail %s", row.failAt)
				}
				deployed = keep
				st, err := aws_.cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(fleetName)})
				if err != nil || st.Stacks[0].StackStatus != cfntypes.StackStatusUpdateRollbackComplete {
					t.Fatalf("after the failed deploy the stack is %v (%v), want UPDATE_ROLLBACK_COMPLETE", st, err)
				}
			} else if err := deployEdited(cfg, true, row.args, row.edit); err != nil {
				t.Fatal(err)
			}

			if got, v := goldenValue(t); got != x || v != version {
				t.Errorf("golden parameter holds %s (version %d) after the deploy, want %s (version %d): the deploy wrote it", got, v, x, version)
			}
			after := outputs(t)
			def := defaultVersion(t, after.launchTemplate)
			if def.imageID != x && def.imageID != "resolve:ssm:"+golden {
				t.Errorf("launch template %s default version %d launches %s, want %s or the parameter", after.launchTemplate, def.number, def.imageID, x)
			}
			wantType := deployed.Environments[0].Fleet.InstanceType
			r := replaceOne(t, after.group)
			if r.image != x || r.instanceType != wantType {
				t.Errorf("replacement after the deploy runs %s on %s, want %s on %s", r.image, r.instanceType, x, wantType)
			}
			if row.failAt != "" && after.launchTemplate != before.launchTemplate {
				t.Errorf("the rolled-back stack names launch template %s, want the one before the deploy, %s", after.launchTemplate, before.launchTemplate)
			}
			if len(row.args) > 0 {
				// Stack-level tags reach the resources, as CloudFormation
				// propagates them (the emulator's S8).
				g := groupTags(t, after.group)
				if !strings.Contains(strings.Join(row.args, " "), "deployed-by=e2e") || g["deployed-by"] != "e2e" {
					t.Errorf("group tags %v: want deployed-by=e2e from the stack", g)
				}
			}
		})
	}
	t.Run("the parameter's tags are its creation's", func(t *testing.T) {
		tags, err := aws_.ssm.ListTagsForResource(context.Background(), &ssm.ListTagsForResourceInput{ResourceId: aws.String(golden), ResourceType: "Parameter"})
		if err != nil {
			t.Fatal(err)
		}
		got := tagMap(tags.TagList, func(t ssmtypes.Tag) (key, value *string) { return t.Key, t.Value })
		if !maps.Equal(got, baseConfig().Environments[0].Tags) {
			t.Errorf("golden parameter tags %v, want the environment's tags at creation %v", got, baseConfig().Environments[0].Tags)
		}
	})
}

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o644) }

func groupTags(t *testing.T, group string) map[string]string {
	t.Helper()
	out, err := aws_.asg.DescribeAutoScalingGroups(context.Background(), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{group}})
	if err != nil || len(out.AutoScalingGroups) != 1 {
		t.Fatalf("describe group %s: %v", group, err)
	}
	return tagMap(out.AutoScalingGroups[0].Tags, func(t asgtypes.TagDescription) (key, value *string) { return t.Key, t.Value })
}

// Deleting the fleet stack leaves the golden parameter and its history;
// deploying the stack again keeps its value (docs/design.md, "The parameter
// outlives the stack"). It runs last: it deletes the fleet.
func TestTheGoldenParameterOutlivesTheFleetStack(t *testing.T) {
	ctx := context.Background()
	x, _ := build(t)
	_, version := goldenValue(t)
	// The build's parameter update starts the marker; deleting the stack
	// while that execution runs deletes its role under it, and Step
	// Functions' AssumeRole of a deleted role fails on AWS as it does here.
	// That is no policy gap, so the test lets it finish first, and the
	// least-privilege report's asynchronous denials stay policy gaps only.
	waitIdle(t)
	if out, err := runIn(root, nil, cdk, "destroy", fleetName, "--app", assembly, "--force", "--no-notices"); err != nil {
		t.Fatalf("cdk destroy %s: %v\n%s", fleetName, err, out)
	}
	if got, v := goldenValue(t); got != x || v != version {
		t.Fatalf("after deleting the stack the parameter holds %s (version %d), want %s (version %d)", got, v, x, version)
	}
	if err := deploy(deployed, true); err != nil {
		t.Fatal(err)
	}
	if got, v := goldenValue(t); got != x || v != version {
		t.Errorf("after deploying the stack again the parameter holds %s (version %d), want %s (version %d): the seed overwrote it", got, v, x, version)
	}
	var history int64
	for p := ssm.NewGetParameterHistoryPaginator(aws_.ssm, &ssm.GetParameterHistoryInput{Name: aws.String(golden)}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("parameter history: %v", err)
		}
		history += int64(len(page.Parameters))
	}
	if history != version {
		t.Errorf("parameter history has %d versions, want all %d", history, version)
	}
	if r := replaceOne(t, outputs(t).group); r.image != x {
		t.Errorf("a replacement in the new stack runs %s, want %s", r.image, x)
	}
}
