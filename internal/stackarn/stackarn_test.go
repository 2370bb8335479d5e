package stackarn

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// format follows Arn.format: arn:partition:service:region:account:resource,
// then the resource name after "/" (":" for COLON_RESOURCE_NAME); a
// component set in c, even "", replaces the stack's.
func TestFormatJoinsTheStacksPartsAsArnFormatDoes(t *testing.T) {
	p := parts{partition: "${Token[AWS.Partition.8]}", region: "eu-west-1", account: "111111111111"}
	for _, tc := range []struct {
		name string
		c    awscdk.ArnComponents
		want string
	}{
		{"slash resource name (the default)", awscdk.ArnComponents{Service: jsii.String("ssm"), Resource: jsii.String("parameter"), ResourceName: jsii.String("a/b")},
			"arn:${Token[AWS.Partition.8]}:ssm:eu-west-1:111111111111:parameter/a/b"},
		{"colon resource name", awscdk.ArnComponents{Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String("g"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME},
			"arn:${Token[AWS.Partition.8]}:logs:eu-west-1:111111111111:log-group:g"},
		{"slash resource slash resource name", awscdk.ArnComponents{Service: jsii.String("s"), Resource: jsii.String("r"), ResourceName: jsii.String("n"), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_SLASH_RESOURCE_NAME},
			"arn:${Token[AWS.Partition.8]}:s:eu-west-1:111111111111:/r/n"},
		{"no resource name", awscdk.ArnComponents{Service: jsii.String("sns"), Resource: jsii.String("topic")},
			"arn:${Token[AWS.Partition.8]}:sns:eu-west-1:111111111111:topic"},
		{"empty region and account replace the stack's", awscdk.ArnComponents{Service: jsii.String("ec2"), Region: jsii.String(""), Account: jsii.String(""), Resource: jsii.String("image"), ResourceName: jsii.String("*")},
			"arn:${Token[AWS.Partition.8]}:ec2:::image/*"},
		{"other region, account and partition", awscdk.ArnComponents{Partition: jsii.String("aws-cn"), Service: jsii.String("kms"), Region: jsii.String("us-east-1"), Account: jsii.String("222222222222"), Resource: jsii.String("key"), ResourceName: jsii.String("*")},
			"arn:aws-cn:kms:us-east-1:222222222222:key/*"},
	} {
		if got := format(p, tc.c); got != tc.want {
			t.Errorf("%s: format = %q, want %q", tc.name, got, tc.want)
		}
	}
}
