package config

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/immutable-server/golden-fleet/internal/jsontree"
)

// Each limit and pattern of awsfacts.go equals what the maintained
// catalogs say, so that an update of cfn-lint or botocore that changes one
// fails here.
//
// It is long because it is a list of independent comparisons, one per fact
// of awsfacts.go.
func TestAWSFactsMatchTheCatalogs(t *testing.T) {
	iamTag := jsontree.Dig(cfnSchema(t, "AWS::IAM::Role"), "definitions", "Tag", "properties")
	if got := text(t, jsontree.Dig(iamTag, "Value", "pattern"), "IAM tag value pattern"); got != IAMTagPattern {
		t.Errorf("AWS::IAM::Role Tag.Value pattern is %s, IAMTagPattern %s", got, IAMTagPattern)
	}
	if got := text(t, jsontree.Dig(iamTag, "Key", "pattern"), "IAM tag key pattern"); got != strings.Replace(IAMTagPattern, "]*$", "]+$", 1) {
		t.Errorf("AWS::IAM::Role Tag.Key pattern is %s, IAMTagPattern (one or more) %s", got, IAMTagPattern)
	}
	if k, v := number(t, jsontree.Dig(iamTag, "Key", "maxLength"), "IAM tag key length"), number(t, jsontree.Dig(iamTag, "Value", "maxLength"), "IAM tag value length"); k != MaxTagKeyLength || v != MaxTagValueLength {
		t.Errorf("IAM tag lengths %d/%d, MaxTagKeyLength/MaxTagValueLength %d/%d", k, v, MaxTagKeyLength, MaxTagValueLength)
	}
	if got := number(t, jsontree.Dig(cfnSchema(t, "AWS::IAM::Role"), "properties", "Tags", "maxItems"), "IAM role tags"); got != MaxTags {
		t.Errorf("AWS::IAM::Role takes %d tags, MaxTags %d", got, MaxTags)
	}
	if got := number(t, jsontree.Dig(cfnSchema(t, "AWS::IAM::Role"), "properties", "RoleName", "maxLength"), "IAM role name"); got != MaxRoleNameLength {
		t.Errorf("AWS::IAM::Role RoleName takes %d characters, MaxRoleNameLength %d", got, MaxRoleNameLength)
	}

	ib := serviceShapes(t, "imagebuilder")
	key := text(t, ib["TagKey"]["pattern"], "Image Builder TagKey pattern")
	if got := strings.Replace(key, "(?!aws:)", "", 1); got != ImageBuilderTagKeyPattern {
		t.Errorf("Image Builder's TagKey pattern is %s, ImageBuilderTagKeyPattern %s (with the look-ahead removed)", key, ImageBuilderTagKeyPattern)
	}
	if got := number(t, ib["TagKey"]["max"], "Image Builder TagKey max"); got != MaxTagKeyLength {
		t.Errorf("Image Builder tag keys take %d characters, MaxTagKeyLength %d", got, MaxTagKeyLength)
	}
	if got := number(t, ib["TagValue"]["max"], "Image Builder TagValue max"); got != MaxTagValueLength {
		t.Errorf("Image Builder tag values take %d characters, MaxTagValueLength %d", got, MaxTagValueLength)
	}
	if got := number(t, ib["TagMap"]["max"], "Image Builder TagMap max"); got != MaxTags {
		t.Errorf("Image Builder takes %d tags, MaxTags %d", got, MaxTags)
	}
	if got := number(t, ib["ResourceTagMap"]["max"], "Image Builder ResourceTagMap max"); got != MaxImageBuilderResourceTags {
		t.Errorf("Image Builder takes %d resource tags, MaxImageBuilderResourceTags %d", got, MaxImageBuilderResourceTags)
	}
	if got := text(t, ib["VersionNumber"]["pattern"], "Image Builder VersionNumber"); !regexpAccepts(got, "1.2.3") {
		t.Errorf("Image Builder's VersionNumber pattern %s refuses 1.2.3", got)
	}

	recipe := cfnSchema(t, "AWS::ImageBuilder::ImageRecipe")
	if got := number(t, jsontree.Dig(recipe, "definitions", "EbsInstanceBlockDeviceSpecification", "properties", "VolumeSize", "maximum"), "recipe volume"); got != MaxImageBuilderVolumeGiB {
		t.Errorf("an image recipe takes volumes up to %d GiB, MaxImageBuilderVolumeGiB %d", got, MaxImageBuilderVolumeGiB)
	}
	if got := number(t, jsontree.Dig(recipe, "properties", "WorkingDirectory", "maxLength"), "working directory"); got != MaxWorkingDirectoryLength {
		t.Errorf("a recipe's working directory takes %d characters, MaxWorkingDirectoryLength %d", got, MaxWorkingDirectoryLength)
	}
	for _, typ := range []string{"AWS::ImageBuilder::Component", "AWS::ImageBuilder::ImageRecipe", "AWS::ImageBuilder::ImagePipeline",
		"AWS::ImageBuilder::InfrastructureConfiguration", "AWS::ImageBuilder::DistributionConfiguration"} {
		pattern := text(t, jsontree.Dig(cfnSchema(t, typ), "properties", "Name", "pattern"), typ+" Name")
		if !regexpAccepts(pattern, strings.Repeat("a", MaxNameLength)) || regexpAccepts(pattern, strings.Repeat("a", MaxNameLength+1)) {
			t.Errorf("%s Name pattern %s does not take exactly MaxNameLength (%d) characters", typ, pattern, MaxNameLength)
		}
	}

	filter := jsontree.Dig(cfnSchema(t, "AWS::ImageBuilder::LifecyclePolicy"), "definitions", "Filter", "properties")
	if got := number(t, jsontree.Dig(filter, "RetainAtLeast", "maximum"), "lifecycle RetainAtLeast"); got != MaxLifecycleRetainAtLeast {
		t.Errorf("a lifecycle rule retains at most %d images, MaxLifecycleRetainAtLeast %d", got, MaxLifecycleRetainAtLeast)
	}
	if got := number(t, jsontree.Dig(filter, "Value", "maximum"), "lifecycle filter value"); got != MaxLifecycleAgeValue {
		t.Errorf("a lifecycle filter's value is at most %d, MaxLifecycleAgeValue %d", got, MaxLifecycleAgeValue)
	}
	if got := number(t, serviceShapes(t, "autoscaling")["CheckpointDelay"]["max"], "instance refresh CheckpointDelay"); time.Duration(got)*time.Second != MaxCheckpointDelay {
		t.Errorf("an instance refresh's CheckpointDelay is at most %ds, MaxCheckpointDelay %s", got, MaxCheckpointDelay)
	}

	if got := number(t, jsontree.Dig(cfnSchema(t, "AWS::StepFunctions::StateMachine"), "properties", "StateMachineName", "maxLength"), "state machine name"); got != MaxStateMachineNameLength {
		t.Errorf("a state machine name takes %d characters, MaxStateMachineNameLength %d", got, MaxStateMachineNameLength)
	}

	var days []int
	for _, d := range jsontree.Dig(cfnSchema(t, "AWS::Logs::LogGroup"), "properties", "RetentionInDays", "enum").([]any) {
		days = append(days, number(t, d, "retention"))
	}
	if !slices.Equal(days, LogRetentionDays) {
		t.Errorf("CloudWatch Logs retention periods %v, LogRetentionDays %v", days, LogRetentionDays)
	}

	// Auto Scaling sizes are 32-bit in the API model.
	for _, field := range []string{"MinSize", "MaxSize", "DesiredCapacity"} {
		f, ok := reflect.TypeFor[autoscaling.CreateAutoScalingGroupInput]().FieldByName(field)
		if !ok || f.Type != reflect.TypeFor[*int32]() || MaxAutoScalingSize != math.MaxInt32 {
			t.Errorf("CreateAutoScalingGroupInput.%s is %v, MaxAutoScalingSize %d", field, f.Type, MaxAutoScalingSize)
		}
	}
}

func regexpAccepts(pattern, s string) bool {
	re, err := compileJava(pattern)
	return err == nil && re.MatchString(s)
}

func TestIsAmiID(t *testing.T) {
	for s, want := range map[string]bool{
		"ami-0a1b2c3d": true, "ami-0a1b2c3d4e5f60718": true,
		"ami-0A1B2C3D": false, "ami-123": false, "ami-0a1b2c3d4e": false, "resolve:ssm:/p": false, "": false,
	} {
		if IsAmiID(s) != want {
			t.Errorf("IsAmiID(%q) = %v, want %v", s, !want, want)
		}
	}
}

func TestImageBuilderVersions(t *testing.T) {
	for v, want := range map[string]bool{
		"1.2.3": true, "1.2.x": true, "1.x.x": true, "x.x.x": true, "2023.6.20250115": true,
		"x.1.x": false, "x.x.1": false, "1.x.3": false, "x.2.3": false, "1.2": false, "1.2.3.4": false, "": false, "X.X.X": false,
	} {
		if versionRe.MatchString(v) != want {
			t.Errorf("version %q accepted = %v, want %v", v, !want, want)
		}
	}
}

// cfn-lint's schemas predate Image Builder's scan types and scan result
// condition; scripts/cfn-lint-overrides.json adds them from the
// CloudFormation reference, as ScanTypes and MaxSeverities do here. The
// two spellings must agree, or cfn-lint would pass a template Validate
// refuses, or the reverse.
func TestTheCfnLintOverridesSpellTheScanFactsAsConfigDoes(t *testing.T) {
	var overrides struct {
		Patches map[string][]struct {
			Op, Path string
			Value    map[string]any
		}
	}
	readJSON(t, "../scripts/cfn-lint-overrides.json", false, &overrides)
	enum := func(v any) []string {
		var out []string
		for _, x := range asSlice(v) {
			out = append(out, x.(string))
		}
		slices.Sort(out)
		return out
	}
	sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
	found := 0
	for _, p := range overrides.Patches["AWS::ImageBuilder::ImagePipeline"] {
		switch p.Path {
		case "/definitions/ImageScanningConfiguration/properties/ImageScanningTypes":
			found++
			if got := enum(jsontree.Dig(p.Value, "items", "enum")); !slices.Equal(got, sorted(ScanTypes)) {
				t.Errorf("the override's scan types %v, ScanTypes %v", got, ScanTypes)
			}
		case "/definitions/ScanResultCondition":
			found++
			if got := enum(jsontree.Dig(p.Value, "properties", "MaximumSeverityLabel", "enum")); !slices.Equal(got, sorted(MaxSeverities)) {
				t.Errorf("the override's severities %v, MaxSeverities %v", got, MaxSeverities)
			}
		}
	}
	if found != 2 {
		t.Errorf("found %d of the 2 patches (scan types, scan result condition) in scripts/cfn-lint-overrides.json", found)
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
