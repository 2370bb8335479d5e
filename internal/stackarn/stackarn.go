// Package stackarn builds ARNs in Go the way aws-cdk-lib's Stack.formatArn
// (Arn.format) builds them, from the stack's partition, region and
// account read once per stack: Arn.format is a plain string join, so the
// same parts give the same string (the same template), without a jsii
// call per ARN. Partition, region and account are the stack's (tokens
// such as ${Token[AWS.Partition.8]} unless the stack pins them), never a
// literal partition.
package stackarn

import (
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// parts are a stack's partition, region and account.
type parts struct {
	partition, region, account string
}

var (
	mu     sync.Mutex
	stacks = map[awscdk.Stack]parts{}
)

func of(stack awscdk.Stack) parts {
	mu.Lock()
	defer mu.Unlock()
	p, ok := stacks[stack]
	if !ok {
		// A stack's partition, region and account are fixed when it is
		// created (Stack.partition depends only on its region and the
		// feature flags).
		p = parts{partition: *stack.Partition(), region: *stack.Region(), account: *stack.Account()}
		stacks[stack] = p
	}
	return p
}

// Format is stack.FormatArn(&c): the ARN of c in stack's partition,
// region and account, each replaced by c's when c sets it ("" included).
func Format(stack awscdk.Stack, c awscdk.ArnComponents) *string {
	s := format(of(stack), c)
	return &s
}

// format is Arn.format of aws-cdk-lib 2.276.0 (core/lib/arn.js).
func format(p parts, c awscdk.ArnComponents) string {
	partition, region, account := p.partition, p.region, p.account
	if c.Partition != nil {
		partition = *c.Partition
	}
	if c.Region != nil {
		region = *c.Region
	}
	if c.Account != nil {
		account = *c.Account
	}
	// The Go ArnComponents has no (deprecated) Sep.
	sep := "/"
	if c.ArnFormat == awscdk.ArnFormat_COLON_RESOURCE_NAME {
		sep = ":"
	}
	s := "arn:" + partition + ":" + str(c.Service) + ":" + region + ":" + account + ":"
	if c.ArnFormat == awscdk.ArnFormat_SLASH_RESOURCE_SLASH_RESOURCE_NAME {
		s += "/"
	}
	s += str(c.Resource)
	if c.ResourceName != nil {
		s += sep + *c.ResourceName
	}
	return s
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
