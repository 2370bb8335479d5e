//go:build e2e

package e2e

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// The emulator's authorization model (e2e/moto_authz.py) refuses what the
// policies AWS evaluates do not allow, with the error AWS returns, and
// allows what they do. The seed writer's role (the custom resource's
// Lambda role) is the subject: its trust policy names only
// lambda.amazonaws.com, and its one statement allows ssm:PutParameter and
// ssm:AddTagsToResource on the golden parameter only.
func TestTheEmulatorEnforcesTrustAndIdentityPolicies(t *testing.T) {
	if os.Getenv("E2E_AUTHZ") == "off" {
		t.Skip("authorization is off (E2E_AUTHZ=off)")
	}
	ctx := context.Background()
	res, err := aws_.cfn.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{
		StackName: aws.String(fleetName), LogicalResourceId: aws.String("AWS679f53fac002430cb0da5b7982bd2287ServiceRoleC1EA0FF2")})
	if err != nil {
		t.Fatalf("the custom resource's Lambda role: %v", err)
	}
	role := "arn:aws:iam::" + account + ":role/" + aws.ToString(res.StackResourceDetail.PhysicalResourceId)

	// The trust policy: an administrator of the same account may not
	// assume a role whose trust policy does not name it.
	admin := sts.NewFromConfig(baseAWSConfig(t, credentials.NewStaticCredentialsProvider("testing", "testing", "")))
	_, err = admin.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("not-lambda")})
	wantAPIError(t, err, "AccessDenied", "the operator assumes a role that trusts lambda.amazonaws.com only")

	// As Lambda assumes it: allowed; then the identity policy decides.
	fn := asService(t, "lambda.amazonaws.com", role, "seed-writer")
	_, err = fn.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(golden)})
	wantAPIError(t, err, "AccessDeniedException", "the seed writer reads the golden parameter (it may only write it)")
	_, err = fn.ssm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(golden + "-not-golden"), Value: aws.String("x"), Type: "String"})
	wantAPIError(t, err, "AccessDeniedException", "the seed writer writes another parameter")
}

func wantAPIError(t *testing.T, err error, code, what string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) {
		t.Errorf("%s: got %v, want the error AWS returns (%s)", what, err, code)
		return
	}
	if api.ErrorCode() != code || !strings.Contains(api.ErrorMessage(), "is not authorized to perform") {
		t.Errorf("%s: got %s %q, want %s naming the principal and the action", what, api.ErrorCode(), api.ErrorMessage(), code)
	}
}
