package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// Parameter Store checks an aws:ec2:image value after PutParameter has
// answered, and writes the parameter only if the check passes (SSM API
// reference, PutParameter, DataType): a write is done when a read shows
// it, not when the call returns.
var (
	parameterPollInterval = 2 * time.Second
	parameterWaitTimeout  = 5 * time.Minute
)

// waitForParameterValue waits until name holds value. It fails after
// parameterWaitTimeout, saying what Parameter Store's check needs.
func waitForParameterValue(ctx context.Context, c ssmGetAPI, name, value string) error {
	deadline := time.Now().Add(parameterWaitTimeout)
	for {
		out, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: &name})
		var notFound *ssmtypes.ParameterNotFound
		switch {
		case err == nil && aws.ToString(out.Parameter.Value) == value:
			return nil
		case err != nil && !errors.As(err, &notFound):
			return fmt.Errorf("reading %s back: %w", name, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s does not hold %s %s after PutParameter: Parameter Store's check of the AMI failed "+
				"(the AMI is missing or not available, or the writer may not ec2:DescribeImages; see the parameter's "+
				"Parameter Store Change events)", name, value, parameterWaitTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(parameterPollInterval):
		}
	}
}
