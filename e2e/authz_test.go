//go:build e2e

package e2e

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// The emulator's authorization model (e2e/moto_authz.py) refuses what the
// policies AWS evaluates do not allow, with the error AWS returns, and
// allows what they do. The seed writer's role (the custom resource's
// Lambda role) is the subject: its trust policy names only
// lambda.amazonaws.com, and it may put, read and tag the golden parameter
// only (and describe images, for Parameter Store's check).
func TestTheEmulatorEnforcesTrustAndIdentityPolicies(t *testing.T) {
	if os.Getenv("E2E_AUTHZ") == "off" {
		t.Skip("authorization is off (E2E_AUTHZ=off)")
	}
	ctx := context.Background()
	res, err := aws_.cfn.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String(fleetName)})
	if err != nil {
		t.Fatalf("the fleet stack's resources: %v", err)
	}
	var role string
	for _, r := range res.StackResources {
		if aws.ToString(r.ResourceType) == "AWS::IAM::Role" && strings.HasPrefix(aws.ToString(r.LogicalResourceId), "GoldenImageWriterServiceRole") {
			role = "arn:aws:iam::" + account + ":role/" + aws.ToString(r.PhysicalResourceId)
		}
	}
	if role == "" {
		t.Fatalf("the fleet stack has no seed writer role (GoldenImageWriterServiceRole…)")
	}

	// The trust policy: an administrator of the same account may not
	// assume a role whose trust policy does not name it.
	admin := sts.NewFromConfig(baseAWSConfig(t, operatorCreds))
	_, err = admin.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("not-lambda")})
	wantAPIError(t, err, "AccessDenied", "the operator assumes a role that trusts lambda.amazonaws.com only")

	// As Lambda assumes it: allowed; then the identity policy decides.
	fn := asService(t, "lambda.amazonaws.com", role, "seed-writer")
	_, err = fn.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(golden)})
	if err != nil {
		t.Errorf("the seed writer reads the golden parameter (it waits for it): %v", err)
	}
	_, err = fn.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(golden)})
	wantAPIError(t, err, "AccessDeniedException", "the seed writer deletes the golden parameter (it may only put, read and tag it)")
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
