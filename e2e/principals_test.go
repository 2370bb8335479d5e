//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/imagebuild"
)

// Principals of the calls the harness makes on an AWS service's behalf.
// With authorization on (e2e/moto_authz.py), moto evaluates every call
// under the principal that signed it; the harness's own keys are the
// operator (administrator). A call that AWS makes as a role is made here
// with that role's credentials, obtained the way the service obtains them:
// sts:AssumeRole as the service principal, which the role's trust policy
// must allow (moto_authz_principals.py P2; the X-Golden-Fleet-As-Service
// header tells the emulator which service the harness plays).

// serviceClients are clients acting as a role a service assumed.
type serviceClients struct {
	roleArn string
	ec2     *ec2.Client
	ssm     *ssm.Client
}

// asService assumes roleArn as service (for example
// imagebuilder.amazonaws.com) and returns clients with its credentials.
func asService(t *testing.T, service, roleArn, session string) serviceClients {
	t.Helper()
	ctx := context.Background()
	stsClient := sts.NewFromConfig(baseAWSConfig(t, operatorCreds),
		func(o *sts.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue("X-Golden-Fleet-As-Service", service))
		})
	out, err := stsClient.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleArn), RoleSessionName: aws.String(session)})
	if err != nil {
		t.Fatalf("%s assumes %s: %v", service, roleArn, err)
	}
	cfg := baseAWSConfig(t, sessionCreds(out.Credentials))
	return serviceClients{roleArn: roleArn, ec2: ec2.NewFromConfig(cfg), ssm: ssm.NewFromConfig(cfg)}
}

var ibOnce struct {
	sync.Once
	roleArn string
	err     error
}

// imageBuilder returns clients acting as the image pipeline's execution
// role, assumed as imagebuilder.amazonaws.com. The image factory stack is
// not deployed (moto has no Image Builder), so the harness deploys its
// execution role alone, as the factory's template defines it (trust
// policy, managed policy ARNs, the AWS::IAM::Policy resources attached to
// it), once per run.
func imageBuilder(t *testing.T) serviceClients {
	t.Helper()
	ibOnce.Do(func() { ibOnce.roleArn, ibOnce.err = deployExecutionRole() })
	if ibOnce.err != nil {
		t.Fatalf("the image pipeline's execution role: %v", ibOnce.err)
	}
	return asService(t, "imagebuilder.amazonaws.com", ibOnce.roleArn, "ImageBuilderDistribution")
}

func deployExecutionRole() (string, error) {
	tpl, err := imagebuild.ReadTemplate(assembly, names.Stack(config.ImageFactoryStack))
	if err != nil {
		return "", err
	}
	resources, _ := tpl["Resources"].(map[string]any)
	role, part := imagebuild.ExecutionRole(resources)
	if role == "" {
		return "", fmt.Errorf("the image pipeline has no execution role in %s", names.Stack(config.ImageFactoryStack))
	}
	part[role] = resources[role]
	body, _ := json.Marshal(map[string]any{"Resources": part})
	stack := names.Stack(config.ImageFactoryStack) + "-execution-role"
	ctx := context.Background()
	if _, err := aws_.cfn.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName: aws.String(stack), TemplateBody: aws.String(string(body)),
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam},
	}); err != nil {
		return "", fmt.Errorf("deploying %s: %w", stack, err)
	}
	res, err := aws_.cfn.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{
		StackName: aws.String(stack), LogicalResourceId: aws.String(role)})
	if err != nil {
		return "", err
	}
	logf("image pipeline execution role %s deployed alone (stack %s)", aws.ToString(res.StackResourceDetail.PhysicalResourceId), stack)
	return "arn:aws:iam::" + account + ":role/" + aws.ToString(res.StackResourceDetail.PhysicalResourceId), nil
}
