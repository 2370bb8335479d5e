package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// lateParameter is a parameter that Parameter Store's check writes after
// some reads (never, when after is negative).
type lateParameter struct {
	before, after string
	reads, at     int
}

func (p *lateParameter) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	p.reads++
	v := p.before
	if p.at >= 0 && p.reads > p.at {
		v = p.after
	}
	if v == "" {
		return nil, &ssmtypes.ParameterNotFound{Message: aws.String(aws.ToString(in.Name))}
	}
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: aws.String(v)}}, nil
}

func shortWaits(t *testing.T) {
	interval, timeout := parameterPollInterval, parameterWaitTimeout
	parameterPollInterval, parameterWaitTimeout = time.Millisecond, 50*time.Millisecond
	t.Cleanup(func() { parameterPollInterval, parameterWaitTimeout = interval, timeout })
}

// A write of an aws:ec2:image value is done when a read shows it: the new
// parameter is not found, or the old value read, until the check passed.
func TestAWriteIsDoneWhenParameterStoreShowsIt(t *testing.T) {
	shortWaits(t)
	for _, before := range []string{"", "ami-0000000000000000a"} {
		p := &lateParameter{before: before, after: "ami-0000000000000000b", at: 3}
		if err := waitForParameterValue(context.Background(), p, "/imagebuilder/x/golden-ami", "ami-0000000000000000b"); err != nil {
			t.Fatalf("before %q: %v", before, err)
		}
		if p.reads != 4 {
			t.Errorf("before %q: %d reads, want 4 (three before the check passed)", before, p.reads)
		}
	}
}

// A check that fails leaves the parameter as it was: the wait ends with
// an error naming the parameter, the value and what the check needs.
func TestAWriteWhoseCheckFailsIsReported(t *testing.T) {
	shortWaits(t)
	p := &lateParameter{before: "ami-0000000000000000a", at: -1}
	err := waitForParameterValue(context.Background(), p, "/imagebuilder/x/golden-ami", "ami-0000000000000000b")
	if err == nil {
		t.Fatal("no error for a value that never appeared")
	}
	for _, want := range []string{"/imagebuilder/x/golden-ami", "ami-0000000000000000b", "ec2:DescribeImages"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %s", err, want)
		}
	}
}
