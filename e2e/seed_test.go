//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// seedWriterStack is a stack holding only the seed writer as the fleet
// stack has it: the inline handler of constructs/fleet/seed_handler.py, a
// role that may write the parameter and describe images, and
// Custom::GoldenAmiSeed.
func seedWriterStack(t *testing.T, name, value string) string {
	t.Helper()
	code, err := os.ReadFile(filepath.Join(root, "constructs", "fleet", "seed_handler.py"))
	if err != nil {
		t.Fatal(err)
	}
	tpl := map[string]any{"Resources": map[string]any{
		"Role": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": map[string]any{"Service": "lambda.amazonaws.com"}}}},
			"Policies": []any{map[string]any{"PolicyName": "seed", "PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{
				map[string]any{"Effect": "Allow", "Action": []any{"ssm:PutParameter", "ssm:GetParameter"}, "Resource": "*"},
				map[string]any{"Effect": "Allow", "Action": "ec2:DescribeImages", "Resource": "*"}}}}},
		}},
		"Writer": map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{
			"Runtime": "python3.14", "Handler": "index.handler", "Timeout": 60,
			"Role": map[string]any{"Fn::GetAtt": []any{"Role", "Arn"}}, "Code": map[string]any{"ZipFile": string(code)}}},
		"Seed": map[string]any{"Type": "Custom::GoldenAmiSeed", "Properties": map[string]any{
			"ServiceToken": map[string]any{"Fn::GetAtt": []any{"Writer", "Arn"}}, "Name": name, "Value": value}},
	}}
	b, err := json.Marshal(tpl)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// createStack creates a stack from body and returns its final status and
// the reasons of its failed resources. moto creates a stack within
// CreateStack and fails the call when a resource fails: that is a failed
// create too, its error the reason.
func createStack(ctx context.Context, t *testing.T, stack, body string) (cfntypes.StackStatus, string) {
	t.Helper()
	t.Cleanup(func() {
		_, _ = aws_.cfn.DeleteStack(context.Background(), &cloudformation.DeleteStackInput{StackName: aws.String(stack)})
	})
	if _, err := aws_.cfn.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(stack), TemplateBody: aws.String(body),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}}); err != nil {
		return cfntypes.StackStatusCreateFailed, err.Error()
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		out, err := aws_.cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
		if err != nil {
			t.Fatal(err)
		}
		st := out.Stacks[0]
		if !strings.HasSuffix(string(st.StackStatus), "_IN_PROGRESS") {
			var reasons []string
			ev, _ := aws_.cfn.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String(stack)})
			for _, e := range ev.StackEvents {
				if r := aws.ToString(e.ResourceStatusReason); r != "" {
					reasons = append(reasons, r)
				}
			}
			return st.StackStatus, strings.Join(reasons, "; ") + aws.ToString(st.StackStatusReason)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still %s after 3 minutes", stack, st.StackStatus)
		}
		time.Sleep(time.Second)
	}
}

// The seed writer answers CloudFormation only when Parameter Store has
// created the parameter (S13: after PutParameter answered), so the stack's
// create succeeds with the parameter in place; with a seed AMI that does
// not exist, Parameter Store's check fails, the parameter is never
// created, and neither is the stack, with the reason.
func TestTheSeedWriterAnswersOnlyWhenTheParameterExists(t *testing.T) {
	ctx := context.Background()
	seedAMI, err := aws_.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")})
	if err != nil {
		t.Fatal(err)
	}
	good := "/imagebuilder/e2e/seed-writer/exists"
	status, reason := createStack(ctx, t, "e2e-seed-writer-exists", seedWriterStack(t, good, aws.ToString(seedAMI.Parameter.Value)))
	if status != cfntypes.StackStatusCreateComplete {
		t.Fatalf("seed of an available AMI: stack %s (%s), want CREATE_COMPLETE", status, reason)
	}
	// No wait here: the stack's completion is the wait.
	p, err := aws_.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(good)})
	if err != nil || aws.ToString(p.Parameter.Value) != aws.ToString(seedAMI.Parameter.Value) {
		t.Errorf("stack created, but %s reads %v (%v), want %s at once", good, p, err, aws.ToString(seedAMI.Parameter.Value))
	}

	bad := "/imagebuilder/e2e/seed-writer/missing"
	status, reason = createStack(ctx, t, "e2e-seed-writer-missing", seedWriterStack(t, bad, "ami-0000000000000dead"))
	if status == cfntypes.StackStatusCreateComplete {
		t.Errorf("seed of a missing AMI: stack %s, want its create to fail", status)
	}
	if !strings.Contains(reason, "ami-0000000000000dead") {
		t.Errorf("failure reasons %q do not name the seed AMI", reason)
	}
	time.Sleep(4 * time.Second) // longer than the delayed check (S13)
	if _, err := aws_.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(bad)}); err == nil {
		t.Errorf("%s exists: Parameter Store's check of a missing AMI must not create it", bad)
	}
}
