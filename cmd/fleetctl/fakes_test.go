package main

// The fakes of AWS the command tests run against: fakeAWS, a fleet's
// account as status, roll and rollback read and change it; fakeAccount, an
// account as promote sees it (promote_test.go sets up two, dev and prod);
// fakeEC2 and fakeImageBuilder, the two sources of an AMI's vulnerability
// scan (findings_test.go).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	ibtypes "github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/immutable-server/golden-fleet/internal/marks"
	"github.com/immutable-server/golden-fleet/internal/marks/markstest"
)

// fakeAWS answers the calls fleetctl makes with canned data.
type fakeAWS struct {
	outputs   map[string]string
	versions  []ec2types.LaunchTemplateVersion
	groups    []asgtypes.AutoScalingGroup
	groupErr  error
	images    []ec2types.Image
	modified  []string // default versions set
	parameter []string // values put
	// account holds the AMIs the lifecycle marks go on (DescribeImages
	// with filters, CreateTags, DeleteTags); nil: an account with none.
	account *markstest.FakeEC2
	// golden is the golden parameter as GetParameter returns it, written
	// at goldenWritten; instanceImages the AMI of each instance
	// (DescribeInstances); refresh a scripted instance refresh (roll_test.go).
	golden         string
	goldenWritten  time.Time
	instanceImages map[string]string
	refresh        refreshScript
}

// deployedFleet is a fleet whose stack outputs parameter (the golden
// parameter), launch template lt-1 and group, and whose group launches
// version 1 of lt-1, resolve:ssm: of parameter. Versions 2, 3, … launch
// amis, the AMIs of earlier builds; the last is the default version.
func deployedFleet(parameter, group string, amis ...string) *fakeAWS {
	f := &fakeAWS{
		outputs: map[string]string{"GoldenAmiParameter": parameter, "LaunchTemplateId": "lt-1", "AutoScalingGroupName": group},
		versions: []ec2types.LaunchTemplateVersion{
			{VersionNumber: aws.Int64(1), LaunchTemplateData: &ec2types.ResponseLaunchTemplateData{ImageId: aws.String("resolve:ssm:" + parameter)}},
		},
		groups: []asgtypes.AutoScalingGroup{{LaunchTemplate: &asgtypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String("lt-1"), Version: aws.String("1")}}},
	}
	for i, ami := range amis {
		f.versions = append(f.versions, ec2types.LaunchTemplateVersion{VersionNumber: aws.Int64(int64(i + 2)), DefaultVersion: aws.Bool(i == len(amis)-1),
			LaunchTemplateData: &ec2types.ResponseLaunchTemplateData{ImageId: aws.String(ami)}})
	}
	return f
}

func (f *fakeAWS) DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	var outs []cfntypes.Output
	for k, v := range f.outputs {
		outs = append(outs, cfntypes.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{{Outputs: outs}}}, nil
}

func (f *fakeAWS) DescribeLaunchTemplateVersions(context.Context, *ec2.DescribeLaunchTemplateVersionsInput, ...func(*ec2.Options)) (*ec2.DescribeLaunchTemplateVersionsOutput, error) {
	return &ec2.DescribeLaunchTemplateVersionsOutput{LaunchTemplateVersions: f.versions}, nil
}

func (f *fakeAWS) DescribeAutoScalingGroups(context.Context, *autoscaling.DescribeAutoScalingGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error) {
	return &autoscaling.DescribeAutoScalingGroupsOutput{AutoScalingGroups: f.groups}, f.groupErr
}

// DescribeImages answers fleetctl's own look-up of an AMI (ImageIds) with
// images, and the marks' searches (filters) from account.
func (f *fakeAWS) DescribeImages(ctx context.Context, in *ec2.DescribeImagesInput, opts ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
	if len(in.Filters) > 0 {
		if f.account == nil {
			return &ec2.DescribeImagesOutput{}, nil
		}
		return f.account.DescribeImages(ctx, in, opts...)
	}
	return &ec2.DescribeImagesOutput{Images: f.images}, nil
}

func (f *fakeAWS) CreateTags(ctx context.Context, in *ec2.CreateTagsInput, opts ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error) {
	if f.account == nil {
		return nil, errors.New("fake: no AMI to tag")
	}
	return f.account.CreateTags(ctx, in, opts...)
}

func (f *fakeAWS) DeleteTags(ctx context.Context, in *ec2.DeleteTagsInput, opts ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error) {
	if f.account == nil {
		return nil, errors.New("fake: no AMI to untag")
	}
	return f.account.DeleteTags(ctx, in, opts...)
}

func (f *fakeAWS) ModifyLaunchTemplate(_ context.Context, in *ec2.ModifyLaunchTemplateInput, _ ...func(*ec2.Options)) (*ec2.ModifyLaunchTemplateOutput, error) {
	f.modified = append(f.modified, aws.ToString(in.DefaultVersion))
	return &ec2.ModifyLaunchTemplateOutput{}, nil
}

// refreshScript plays an instance refresh: each DescribeInstanceRefreshes
// of one refresh returns the next state of script (the last one repeats);
// the Successful state moves every instance onto the golden AMI.
type refreshScript struct {
	startErr error
	started  *autoscaling.StartInstanceRefreshInput
	running  []asgtypes.InstanceRefresh // listed without ids (an in-progress start)
	script   []asgtypes.InstanceRefresh
	calls    int
}

func (f *fakeAWS) GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Value: aws.String(f.golden), Version: 3, LastModifiedDate: aws.Time(f.goldenWritten)}}, nil
}

func (f *fakeAWS) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	var res ec2types.Reservation
	for _, id := range in.InstanceIds {
		res.Instances = append(res.Instances, ec2types.Instance{InstanceId: aws.String(id), ImageId: aws.String(f.instanceImages[id])})
	}
	return &ec2.DescribeInstancesOutput{Reservations: []ec2types.Reservation{res}}, nil
}

func (f *fakeAWS) StartInstanceRefresh(_ context.Context, in *autoscaling.StartInstanceRefreshInput, _ ...func(*autoscaling.Options)) (*autoscaling.StartInstanceRefreshOutput, error) {
	f.refresh.started = in
	if f.refresh.startErr != nil {
		return nil, f.refresh.startErr
	}
	return &autoscaling.StartInstanceRefreshOutput{InstanceRefreshId: aws.String("r-1")}, nil
}

func (f *fakeAWS) DescribeInstanceRefreshes(_ context.Context, in *autoscaling.DescribeInstanceRefreshesInput, _ ...func(*autoscaling.Options)) (*autoscaling.DescribeInstanceRefreshesOutput, error) {
	r := &f.refresh
	if len(in.InstanceRefreshIds) == 0 {
		return &autoscaling.DescribeInstanceRefreshesOutput{InstanceRefreshes: r.running}, nil
	}
	st := r.script[min(r.calls, len(r.script)-1)]
	r.calls++
	if st.Status == asgtypes.InstanceRefreshStatusSuccessful {
		for id := range f.instanceImages {
			f.instanceImages[id] = f.golden
		}
	}
	st.InstanceRefreshId = aws.String(in.InstanceRefreshIds[0])
	return &autoscaling.DescribeInstanceRefreshesOutput{InstanceRefreshes: []asgtypes.InstanceRefresh{st}}, nil
}

func (f *fakeAWS) GetParameterHistory(context.Context, *ssm.GetParameterHistoryInput, ...func(*ssm.Options)) (*ssm.GetParameterHistoryOutput, error) {
	var history []ssmtypes.ParameterHistory
	for i, v := range append([]string{seed, x, y}, f.parameter...) {
		history = append(history, ssmtypes.ParameterHistory{Version: int64(i + 1), Value: aws.String(v)})
	}
	return &ssm.GetParameterHistoryOutput{Parameters: history}, nil
}

func (f *fakeAWS) PutParameter(_ context.Context, in *ssm.PutParameterInput, _ ...func(*ssm.Options)) (*ssm.PutParameterOutput, error) {
	f.parameter = append(f.parameter, aws.ToString(in.Value))
	f.golden = aws.ToString(in.Value) // what a read shows once Parameter Store's check passed
	return &ssm.PutParameterOutput{Version: int64(3 + len(f.parameter))}, nil
}

// fakeAccount is one AWS account and region as promote sees it: enough
// of CloudFormation, SSM, EC2, Auto Scaling, CloudWatch and Image
// Builder, recording every call that changes something.
type fakeAccount struct {
	id        string
	outputs   map[string]map[string]string // stack -> outputs
	params    map[string]string
	images    map[string]ec2types.Image
	instances map[string]ec2types.Instance
	group     asgtypes.AutoScalingGroup
	alarms    []cwtypes.MetricAlarm
	ib        map[string]*ibtypes.Image
	findings  []ibtypes.ImageScanFinding
	// source is the account a CopyImage copies from.
	source *fakeAccount
	// distribute is what DistributeImage does (writes of the target).
	distribute func(in *imagebuilder.DistributeImageInput) string
	writes     []string
	n          int
	// tagErr makes CreateTags fail.
	tagErr error
	// history of each parameter before its current value, oldest first.
	history map[string][]string
	// marked records the lifecycle marks set and removed (internal/marks),
	// apart from writes.
	marked []string
}

func (f *fakeAccount) write(format string, args ...any) {
	f.writes = append(f.writes, fmt.Sprintf(format, args...))
}

func (f *fakeAccount) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	outs, ok := f.outputs[aws.ToString(in.StackName)]
	if !ok {
		return nil, fmt.Errorf("Stack with id %s does not exist", aws.ToString(in.StackName))
	}
	st := cfntypes.Stack{StackName: in.StackName}
	for k, v := range outs {
		st.Outputs = append(st.Outputs, cfntypes.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cfntypes.Stack{st}}, nil
}

func (f *fakeAccount) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	v, ok := f.params[aws.ToString(in.Name)]
	if !ok {
		return nil, fmt.Errorf("ParameterNotFound: %s", aws.ToString(in.Name))
	}
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: aws.String(v), Version: 1}}, nil
}

func (f *fakeAccount) GetParameterHistory(_ context.Context, in *ssm.GetParameterHistoryInput, _ ...func(*ssm.Options)) (*ssm.GetParameterHistoryOutput, error) {
	name := aws.ToString(in.Name)
	var out []ssmtypes.ParameterHistory
	for i, v := range append(slices.Clone(f.history[name]), f.params[name]) {
		out = append(out, ssmtypes.ParameterHistory{Name: in.Name, Version: int64(i + 1), Value: aws.String(v)})
	}
	return &ssm.GetParameterHistoryOutput{Parameters: out}, nil
}

func (f *fakeAccount) PutParameter(_ context.Context, in *ssm.PutParameterInput, _ ...func(*ssm.Options)) (*ssm.PutParameterOutput, error) {
	f.write("PutParameter %s=%s %s", aws.ToString(in.Name), aws.ToString(in.Value), aws.ToString(in.DataType))
	if f.history == nil {
		f.history = map[string][]string{}
	}
	f.history[aws.ToString(in.Name)] = append(f.history[aws.ToString(in.Name)], f.params[aws.ToString(in.Name)])
	f.params[aws.ToString(in.Name)] = aws.ToString(in.Value)
	return &ssm.PutParameterOutput{Version: 2}, nil
}

func (f *fakeAccount) DescribeImages(_ context.Context, in *ec2.DescribeImagesInput, _ ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
	var out []ec2types.Image
	for id, img := range f.images {
		if len(in.ImageIds) > 0 && !slices.Contains(in.ImageIds, id) {
			continue
		}
		ok := true
		for _, flt := range in.Filters {
			switch name := aws.ToString(flt.Name); name {
			case "image-id":
				ok = ok && slices.Contains(flt.Values, id)
			case "tag-key":
				_, has := tagMap(img.Tags)[flt.Values[0]]
				ok = ok && len(flt.Values) == 1 && has
			default:
				key, _ := strings.CutPrefix(name, "tag:")
				ok = ok && slices.Contains(flt.Values, tagMap(img.Tags)[key])
			}
		}
		if ok {
			out = append(out, img)
		}
	}
	return &ec2.DescribeImagesOutput{Images: out}, nil
}

func (f *fakeAccount) DescribeInstances(_ context.Context, in *ec2.DescribeInstancesInput, _ ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	var r ec2types.Reservation
	for _, id := range in.InstanceIds {
		r.Instances = append(r.Instances, f.instances[id])
	}
	return &ec2.DescribeInstancesOutput{Reservations: []ec2types.Reservation{r}}, nil
}

func (f *fakeAccount) ModifyImageAttribute(_ context.Context, in *ec2.ModifyImageAttributeInput, _ ...func(*ec2.Options)) (*ec2.ModifyImageAttributeOutput, error) {
	for _, p := range in.LaunchPermission.Add {
		f.write("ModifyImageAttribute %s launch +%s", aws.ToString(in.ImageId), aws.ToString(p.UserId))
	}
	return &ec2.ModifyImageAttributeOutput{}, nil
}

func (f *fakeAccount) ModifySnapshotAttribute(_ context.Context, in *ec2.ModifySnapshotAttributeInput, _ ...func(*ec2.Options)) (*ec2.ModifySnapshotAttributeOutput, error) {
	for _, u := range in.UserIds {
		f.write("ModifySnapshotAttribute %s %s %s %s", aws.ToString(in.SnapshotId), in.Attribute, in.OperationType, u)
	}
	return &ec2.ModifySnapshotAttributeOutput{}, nil
}

func (f *fakeAccount) CopyImage(_ context.Context, in *ec2.CopyImageInput, _ ...func(*ec2.Options)) (*ec2.CopyImageOutput, error) {
	if _, ok := f.source.images[aws.ToString(in.SourceImageId)]; !ok {
		return nil, fmt.Errorf("InvalidAMIID.NotFound: %s", aws.ToString(in.SourceImageId))
	}
	f.n++
	id := fmt.Sprintf("ami-c0c0c0c0c0c0c0c0%d", f.n)
	f.write("CopyImage %s from %s encrypted=%v kms=%s", aws.ToString(in.SourceImageId), aws.ToString(in.SourceRegion), aws.ToBool(in.Encrypted), aws.ToString(in.KmsKeyId))
	f.images[id] = ec2types.Image{ImageId: aws.String(id), State: ec2types.ImageStateAvailable, Name: in.Name,
		CreationDate: aws.String("2025-03-10T12:00:00.000Z")} // the world's now
	return &ec2.CopyImageOutput{ImageId: aws.String(id)}, nil
}

func (f *fakeAccount) CreateTags(_ context.Context, in *ec2.CreateTagsInput, _ ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error) {
	if f.tagErr != nil {
		return nil, f.tagErr
	}
	lifecycleMarks := true
	for _, t := range in.Tags {
		lifecycleMarks = lifecycleMarks && (aws.ToString(t.Key) == marks.RetainKey || strings.HasPrefix(aws.ToString(t.Key), marks.RoleKeyPrefix))
	}
	for _, r := range in.Resources {
		img := f.images[r]
		for _, t := range in.Tags { // CreateTags overwrites a tag's value
			img.Tags = slices.DeleteFunc(img.Tags, func(o ec2types.Tag) bool { return aws.ToString(o.Key) == aws.ToString(t.Key) })
			img.Tags = append(img.Tags, t)
		}
		f.images[r] = img
		if lifecycleMarks {
			for _, t := range in.Tags {
				f.marked = append(f.marked, fmt.Sprintf("%s %s=%s", r, aws.ToString(t.Key), aws.ToString(t.Value)))
			}
			continue
		}
		f.write("CreateTags %s", r)
	}
	return &ec2.CreateTagsOutput{}, nil
}

func (f *fakeAccount) DeregisterImage(_ context.Context, in *ec2.DeregisterImageInput, _ ...func(*ec2.Options)) (*ec2.DeregisterImageOutput, error) {
	f.write("DeregisterImage %s", aws.ToString(in.ImageId))
	delete(f.images, aws.ToString(in.ImageId))
	return &ec2.DeregisterImageOutput{}, nil
}

func (f *fakeAccount) DeleteSnapshot(_ context.Context, in *ec2.DeleteSnapshotInput, _ ...func(*ec2.Options)) (*ec2.DeleteSnapshotOutput, error) {
	f.write("DeleteSnapshot %s", aws.ToString(in.SnapshotId))
	return &ec2.DeleteSnapshotOutput{}, nil
}

func (f *fakeAccount) DeleteTags(_ context.Context, in *ec2.DeleteTagsInput, _ ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error) {
	for _, r := range in.Resources {
		img := f.images[r]
		for _, t := range in.Tags {
			img.Tags = slices.DeleteFunc(img.Tags, func(o ec2types.Tag) bool { return aws.ToString(o.Key) == aws.ToString(t.Key) })
			f.marked = append(f.marked, fmt.Sprintf("%s -%s", r, aws.ToString(t.Key)))
		}
		f.images[r] = img
	}
	return &ec2.DeleteTagsOutput{}, nil
}

func (f *fakeAccount) DescribeAutoScalingGroups(_ context.Context, in *autoscaling.DescribeAutoScalingGroupsInput, _ ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error) {
	if !slices.Contains(in.AutoScalingGroupNames, aws.ToString(f.group.AutoScalingGroupName)) {
		return &autoscaling.DescribeAutoScalingGroupsOutput{}, nil
	}
	return &autoscaling.DescribeAutoScalingGroupsOutput{AutoScalingGroups: []asgtypes.AutoScalingGroup{f.group}}, nil
}

func (f *fakeAccount) DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	return &cloudwatch.DescribeAlarmsOutput{MetricAlarms: f.alarms}, nil
}

func (f *fakeAccount) GetImage(_ context.Context, in *imagebuilder.GetImageInput, _ ...func(*imagebuilder.Options)) (*imagebuilder.GetImageOutput, error) {
	img, ok := f.ib[aws.ToString(in.ImageBuildVersionArn)]
	if !ok {
		return nil, fmt.Errorf("ResourceNotFoundException: %s", aws.ToString(in.ImageBuildVersionArn))
	}
	return &imagebuilder.GetImageOutput{Image: img}, nil
}

func (f *fakeAccount) ListImageScanFindings(context.Context, *imagebuilder.ListImageScanFindingsInput, ...func(*imagebuilder.Options)) (*imagebuilder.ListImageScanFindingsOutput, error) {
	return &imagebuilder.ListImageScanFindingsOutput{Findings: f.findings}, nil
}

func (f *fakeAccount) DistributeImage(_ context.Context, in *imagebuilder.DistributeImageInput, _ ...func(*imagebuilder.Options)) (*imagebuilder.DistributeImageOutput, error) {
	f.write("DistributeImage %s %s role=%s", aws.ToString(in.SourceImage), aws.ToString(in.DistributionConfigurationArn), aws.ToString(in.ExecutionRole))
	return &imagebuilder.DistributeImageOutput{ImageBuildVersionArn: aws.String(f.distribute(in))}, nil
}

type fakeEC2 struct {
	image    *ec2types.Image
	findings []ec2types.ImageFinding
}

func (f *fakeEC2) DescribeImages(_ context.Context, in *ec2.DescribeImagesInput, _ ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
	if f.image == nil || in.ImageIds[0] != aws.ToString(f.image.ImageId) {
		return &ec2.DescribeImagesOutput{}, nil
	}
	return &ec2.DescribeImagesOutput{Images: []ec2types.Image{*f.image}}, nil
}

func (f *fakeEC2) GetImageFindings(_ context.Context, in *ec2.GetImageFindingsInput, _ ...func(*ec2.Options)) (*ec2.GetImageFindingsOutput, error) {
	// Two pages, to check the paginator is followed.
	if in.NextToken == nil && len(f.findings) > 1 {
		return &ec2.GetImageFindingsOutput{ImageFindings: f.findings[:1], NextToken: aws.String("2")}, nil
	}
	if in.NextToken != nil {
		return &ec2.GetImageFindingsOutput{ImageFindings: f.findings[1:]}, nil
	}
	return &ec2.GetImageFindingsOutput{ImageFindings: f.findings}, nil
}

type fakeImageBuilder struct {
	state    *ibtypes.ImageScanState
	counts   *ibtypes.SeverityCounts
	findings []ibtypes.ImageScanFinding
	err      error
}

func (f *fakeImageBuilder) GetImage(_ context.Context, in *imagebuilder.GetImageInput, _ ...func(*imagebuilder.Options)) (*imagebuilder.GetImageOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &imagebuilder.GetImageOutput{Image: &ibtypes.Image{Arn: in.ImageBuildVersionArn, ScanState: f.state}}, nil
}

func (f *fakeImageBuilder) ListImageScanFindingAggregations(_ context.Context, in *imagebuilder.ListImageScanFindingAggregationsInput, _ ...func(*imagebuilder.Options)) (*imagebuilder.ListImageScanFindingAggregationsOutput, error) {
	if aws.ToString(in.Filter.Name) != "imageBuildVersionArn" || in.Filter.Values[0] != imageArn {
		return nil, errors.New("unexpected filter")
	}
	var out []ibtypes.ImageScanFindingAggregation
	if f.counts != nil {
		out = append(out, ibtypes.ImageScanFindingAggregation{ImageAggregation: &ibtypes.ImageAggregation{ImageBuildVersionArn: aws.String(imageArn), SeverityCounts: f.counts}})
	}
	return &imagebuilder.ListImageScanFindingAggregationsOutput{Responses: out}, nil
}

func (f *fakeImageBuilder) ListImageScanFindings(_ context.Context, in *imagebuilder.ListImageScanFindingsInput, _ ...func(*imagebuilder.Options)) (*imagebuilder.ListImageScanFindingsOutput, error) {
	if aws.ToString(in.Filters[0].Name) != "imageBuildVersionArn" || in.Filters[0].Values[0] != imageArn {
		return nil, errors.New("unexpected filter")
	}
	return &imagebuilder.ListImageScanFindingsOutput{Findings: f.findings}, nil
}

// historySSM is a golden parameter's history, for markGolden.
type historySSM []ssmtypes.ParameterHistory

func (h historySSM) GetParameterHistory(context.Context, *ssm.GetParameterHistoryInput, ...func(*ssm.Options)) (*ssm.GetParameterHistoryOutput, error) {
	return &ssm.GetParameterHistoryOutput{Parameters: h}, nil
}

// failingEC2 is an account whose tags cannot be changed.
type failingEC2 struct{ *markstest.FakeEC2 }

func (failingEC2) CreateTags(context.Context, *ec2.CreateTagsInput, ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error) {
	return nil, errors.New("UnauthorizedOperation")
}
