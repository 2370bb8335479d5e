//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// The emulator's AWS::SSM::Parameter updates do what the provider's
// UpdateHandler does (moto_server.py S5), so the e2e tests would see a
// design that lets CloudFormation own the golden parameter fail. This is
// that design: a plain parameter whose value is a dynamic reference to a
// seed, written by a "build" and then redeployed.
//
// It is long because it is one sequence of deploys and builds, each
// starting from the state the one before left.
func TestTheEmulatorUpdatesAnSsmParameterAsItsProviderDoes(t *testing.T) {
	ctx := context.Background()
	stack := "emulator-ssm-parameter"
	seed, param := "/e2e/emulator/seed", "/e2e/emulator/golden"
	put := func(name, value string) {
		t.Helper()
		if _, err := aws_.ssm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value),
			Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
	}
	get := func() (string, int64) {
		t.Helper()
		p, err := aws_.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(param)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(p.Parameter.Value), p.Parameter.Version
	}
	template := func(description, tag string) string {
		return fmt.Sprintf(`{"Resources": {"P": {"Type": "AWS::SSM::Parameter", "Properties": {
			"Name": %q, "Type": "String", "Value": "{{resolve:ssm:%s}}", "Description": %q, "Tags": {"t": %q}}}}}`,
			param, seed, description, tag)
	}
	apply := func(body string, create bool) {
		t.Helper()
		var err error
		if create {
			_, err = aws_.cfn.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(stack), TemplateBody: aws.String(body)})
		} else {
			_, err = aws_.cfn.UpdateStack(ctx, &cloudformation.UpdateStackInput{StackName: aws.String(stack), TemplateBody: aws.String(body)})
		}
		if err != nil {
			t.Fatal(err)
		}
		var status cfntypes.StackStatus
		eventually(t, "stack "+stack, func() (bool, string) {
			st, err := aws_.cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
			if err != nil {
				return false, fmt.Sprintf("it is not described: %v", err)
			}
			status = st.Stacks[0].StackStatus
			return !strings.HasSuffix(string(status), "IN_PROGRESS"), fmt.Sprintf("it is still %s", status)
		})
		if status != cfntypes.StackStatusCreateComplete && status != cfntypes.StackStatusUpdateComplete {
			t.Fatalf("stack %s: %s", stack, status)
		}
	}
	put(seed, "ami-00000000000000001")
	apply(template("golden", "a"), true)
	t.Cleanup(func() { aws_.cfn.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(stack)}) })
	if v, _ := get(); v != "ami-00000000000000001" {
		t.Fatalf("created with %s, want the seed", v)
	}
	put(param, "ami-0000000000000b11d") // a build
	put(seed, "ami-00000000000000002")  // the seed moves on (a newer public AMI)

	// A tag-only change: the handler re-tags, and calls PutParameter only
	// if the model without tags differs. Unless CloudFormation resolves
	// only the references of changed properties, the reference resolves
	// anew, the model differs, and the seed's value is put back.
	apply(template("golden", "b"), false)
	got, _ := get()
	want := map[string]string{"property-change": "ami-0000000000000b11d", "resource-update": "ami-00000000000000002", "every-update": "ami-00000000000000002"}[emulator.dynamicReferences]
	if got != want {
		t.Errorf("after a tag-only update (dynamic references %s) the parameter holds %s, want %s", emulator.dynamicReferences, got, want)
	}
	tags, err := aws_.ssm.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceId: aws.String(param), ResourceType: "Parameter"})
	if err != nil || len(tags.TagList) != 1 || aws.ToString(tags.TagList[0].Value) != "b" {
		t.Errorf("tags after the update: %+v, %v; want t=b", tags, err)
	}

	// A description change: PutParameter with the template's value,
	// resolved (anew, or as at the last update): what a build wrote is gone.
	put(param, "ami-0000000000000b11d")
	_, version := get()
	apply(template("golden, described anew", "b"), false)
	want = map[string]string{"property-change": "ami-00000000000000001", "resource-update": "ami-00000000000000002", "every-update": "ami-00000000000000002"}[emulator.dynamicReferences]
	if got, v := get(); got != want || v != version+1 {
		t.Errorf("after a description change the parameter holds %s (version %d), want the seed's value %s put again as version %d", got, v, want, version+1)
	}
}
