package stacks_test

import (
	"strings"
	"testing"
)

// TestEveryStackPassesAwsSolutionsChecks fails on any cdk-nag
// AwsSolutions error or warning that is not suppressed, in every stack of
// every environment, and prints each finding: rule, resource path and
// message.
func TestEveryStackPassesAwsSolutionsChecks(t *testing.T) {
	findings := 0
	for _, m := range synthesized.assembly.Messages {
		if m.Level == "info" || !strings.HasPrefix(m.Text, "AwsSolutions-") {
			continue
		}
		findings++
		rule, text, _ := strings.Cut(m.Text, ": ")
		line, _, _ := strings.Cut(text, "\n")
		t.Errorf("%s %s\n    %s\n    %s", m.Level, rule, m.Path, line)
	}
	if findings > 0 {
		t.Logf("%d unsuppressed cdk-nag findings: fix the resource, or suppress the rule next to it (cdknag.NagSuppressions_AddResourceSuppressions in the construct that creates it) with a specific reason", findings)
	}
}

// TestCdkNagCheckedEveryStack guards against a vacuous pass: cdk-nag wrote
// a report for every stack, and none of its rows is non-compliant.
func TestCdkNagCheckedEveryStack(t *testing.T) {
	for _, s := range synthesized.assembly.Stacks {
		if len(s.NagReport) == 0 {
			t.Errorf("%s: no cdk-nag report, or an empty one", s.Name)
		}
		for _, r := range s.NagReport {
			if r.Compliance == "Non-Compliant" {
				t.Errorf("%s: %s %s non-compliant: %s", s.Name, r.Level, r.Rule, r.Resource)
			}
		}
	}
}

// TestTheAppSynthesizes fails when synthesis reported an error, such as
// an error annotation or a CloudFormation validation error.
func TestTheAppSynthesizes(t *testing.T) {
	if synthesized.synthFailure != nil {
		t.Fatal(synthesized.synthFailure)
	}
}
