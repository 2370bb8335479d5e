package cdktest

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestLineDiffShowsEachChangeWithItsContext(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10"
	b := "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n11"
	got := LineDiff(a, b, 1)
	want := "  4\n- 5\n+ five\n  6\n  ...\n  10\n+ 11\n"
	if got != want {
		t.Errorf("LineDiff =\n%s\nwant\n%s", got, want)
	}
	if got := LineDiff(a, a, 3); got != "" {
		t.Errorf("LineDiff of equal texts = %q, want nothing", got)
	}
}

func TestValueAtWalksObjectsAndListsAndStopsAtWhatIsMissing(t *testing.T) {
	v := map[string]any{"A": []any{map[string]any{"B": "x"}}}
	for _, tc := range []struct {
		keys []any
		want any
	}{
		{[]any{"A", 0, "B"}, "x"},
		{[]any{"A", 1, "B"}, nil},    // index past the end
		{[]any{"A", -1}, nil},        // negative index
		{[]any{"A", "B"}, nil},       // a key into a list
		{[]any{"A", 0, "B", 0}, nil}, // an index into a string
		{[]any{"C"}, nil},
	} {
		if got := ValueAt(v, tc.keys...); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ValueAt(%v) = %v, want %v", tc.keys, got, tc.want)
		}
	}
}

func TestAsListReadsOneValueOrAList(t *testing.T) {
	if got := AsList("s3:GetObject"); !reflect.DeepEqual(got, []any{"s3:GetObject"}) {
		t.Errorf("one value: %v", got)
	}
	if got := AsList([]any{"a", "b"}); len(got) != 2 {
		t.Errorf("a list: %v", got)
	}
	if got := AsList(nil); got != nil {
		t.Errorf("nil: %v", got)
	}
}

// A cloud assembly as synthesis writes it, reduced to what ReadAssembly
// reads: two stacks, one with a dependency, a cdk-nag report and an
// annotation in the manifest, one in the validation report.
func TestReadAssemblyReadsTemplatesReportsAndAnnotations(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"manifest.json": `{"artifacts": {
			"b-stack": {"type": "aws:cloudformation:stack", "dependencies": ["a-stack"], "properties": {"templateFile": "b-stack.template.json"},
				"metadata": {"/b-stack/Topic/Resource": [{"type": "aws:cdk:warning", "data": "AwsSolutions-SNS3: no TLS"}, {"type": "aws:cdk:logicalId", "data": "Topic"}]}},
			"a-stack": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "a-stack.template.json"}},
			"Tree": {"type": "cdk:tree"}}}`,
		"a-stack.template.json": `{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}`,
		"b-stack.template.json": `{"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t"}}, "A": {"Type": "AWS::SNS::Topic"}}}`,
		"AwsSolutions--b-stack-NagReport.csv": "Rule ID,Resource ID,Compliance,Exception Reason,Rule Level,Rule Info\n" +
			"AwsSolutions-SNS3,b-stack/Topic/Resource,Non-Compliant,N/A,Error,TLS\n",
		"validation-report.json": `{"pluginReports": [{"violations": [
			{"description": "an error annotation", "severity": "error", "ruleMetadata": {"cdk:annotation": "true"}, "violatingConstructs": [{"constructPath": "a-stack/Q"}]},
			{"description": "a CloudFormation schema finding", "severity": "error", "violatingConstructs": [{"constructPath": "a-stack/Q"}]}]}]}`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, err := ReadAssembly(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Stacks) != 2 || a.Stacks[0].Name != "a-stack" || a.Stacks[1].Name != "b-stack" {
		t.Fatalf("stacks %v, want a-stack and b-stack in that order", a.Stacks)
	}
	b, _ := a.Stack("b-stack")
	if !reflect.DeepEqual(b.Dependencies, []string{"a-stack"}) || string(b.Raw) != files["b-stack.template.json"] {
		t.Errorf("b-stack: dependencies %v, raw %q", b.Dependencies, b.Raw)
	}
	if want := []NagRow{{Rule: "AwsSolutions-SNS3", Resource: "b-stack/Topic/Resource", Compliance: "Non-Compliant", Level: "Error"}}; !reflect.DeepEqual(b.NagReport, want) {
		t.Errorf("nag report %v, want %v", b.NagReport, want)
	}
	wantMessages := []Message{
		{Level: "error", Path: "a-stack/Q", Text: "an error annotation"},
		{Level: "warning", Path: "b-stack/Topic/Resource", Text: "AwsSolutions-SNS3: no TLS"},
	}
	if !reflect.DeepEqual(a.Messages, wantMessages) {
		t.Errorf("messages %v, want %v", a.Messages, wantMessages)
	}
	topics := Resources("AWS::SNS::Topic", a.Stacks...)
	if len(topics) != 2 || topics[0].String() != "b-stack/A" || topics[1].Properties["TopicName"] != "t" {
		t.Errorf("topics %v, want b-stack/A then b-stack/Topic with its properties", topics)
	}
	if got := a.StacksEndingWith("-stack"); len(got) != 2 {
		t.Errorf("StacksEndingWith(-stack) = %d stacks, want 2", len(got))
	}
}
