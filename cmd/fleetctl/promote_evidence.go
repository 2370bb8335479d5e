// The evidence promote reads before it decides: the source's golden AMI,
// the copies already in the target, and what each gate weighs (Image
// Builder's record of the image, the AMI's scan, the source fleet).

package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	ibtypes "github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/scan"
)

// sourceImage is the source's golden AMI as DescribeImages returns it.
type sourceImage struct {
	id, name  string
	created   string
	tags      map[string]string
	snapshots []string
	// scan is EC2's scan results of the AMI (on-demand AMI scan).
	scan *ec2types.ScanResults
}

func tagMap(tags []ec2types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func parameterValue(ctx context.Context, c ssmGetAPI, name string) (string, error) {
	out, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: &name})
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return aws.ToString(out.Parameter.Value), nil
}

func (p *promoter) describeSource(ctx context.Context, ami string) (sourceImage, error) {
	out, err := p.src.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami}})
	if err != nil {
		return sourceImage{}, fmt.Errorf("source golden AMI %s: %w", ami, err)
	}
	if len(out.Images) != 1 || out.Images[0].State != ec2types.ImageStateAvailable {
		state := "not found"
		if len(out.Images) == 1 {
			state = string(out.Images[0].State)
		}
		return sourceImage{}, fmt.Errorf("source golden AMI %s is %s: nothing to promote; nothing changed", ami, state)
	}
	i := out.Images[0]
	s := sourceImage{id: ami, name: aws.ToString(i.Name), created: aws.ToString(i.CreationDate), tags: tagMap(i.Tags), scan: i.ScanResults}
	for _, b := range i.BlockDeviceMappings {
		if b.Ebs != nil && b.Ebs.SnapshotId != nil {
			s.snapshots = append(s.snapshots, *b.Ebs.SnapshotId)
		}
	}
	return s, nil
}

// copiesInTarget lists the target's available AMIs copied from ami,
// newest first.
func (p *promoter) copiesInTarget(ctx context.Context, ami string) ([]string, error) {
	out, err := p.dst.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{
		Owners:  []string{"self"},
		Filters: []ec2types.Filter{{Name: aws.String("tag:" + config.PromotedFromAMITagKey), Values: []string{ami}}},
	})
	if err != nil {
		return nil, fmt.Errorf("target %s: copies of %s: %w", p.target.Name, ami, err)
	}
	var imgs []ec2types.Image
	for _, i := range out.Images {
		if i.State == ec2types.ImageStateAvailable && tagMap(i.Tags)[config.PromotedFromAMITagKey] == ami {
			imgs = append(imgs, i)
		}
	}
	sort.Slice(imgs, func(a, b int) bool { return aws.ToString(imgs[a].CreationDate) > aws.ToString(imgs[b].CreationDate) })
	var ids []string
	for _, i := range imgs {
		ids = append(ids, aws.ToString(i.ImageId))
	}
	return ids, nil
}

// checkGates collects each gate's evidence from the source account.
func (p *promoter) checkGates(ctx context.Context, ami string, img sourceImage, group string) []gateResult {
	rec := p.imageRecord(ctx, img.tags[imageBuilderArnTag])
	promo := p.target.Promotion
	var vulnerabilities gateResult
	if limit, err := scan.ParseLimit(promo.MaxFindingSeverity); err != nil {
		vulnerabilities = gateResult{Name: config.GateVulnerabilities, Evidence: []string{"MaxFindingSeverity " + err.Error()}}
	} else {
		vulnerabilities = vulnerabilitiesGate(p.readScan(ctx, img, rec), limit)
	}
	return []gateResult{
		imageTestsGate(ami, rec),
		soakGate(ami, promo.SoakTime, p.now(), p.sampleFleet(ctx, group)),
		vulnerabilities,
	}
}

// imageRecord reads Image Builder's image arn (none when arn is empty).
func (p *promoter) imageRecord(ctx context.Context, arn string) imageRecord {
	rec := imageRecord{Arn: arn}
	if arn == "" {
		return rec
	}
	out, err := p.src.ib.GetImage(ctx, &imagebuilder.GetImageInput{ImageBuildVersionArn: &rec.Arn})
	switch {
	case err != nil:
		rec.Err = err
	case out.Image == nil:
		rec.Err = errors.New("GetImage returned no image")
	default:
		i := out.Image
		if i.State != nil {
			rec.Status, rec.Reason = string(i.State.Status), aws.ToString(i.State.Reason)
		}
		rec.TestsEnabled = i.ImageTestsConfiguration != nil && aws.ToBool(i.ImageTestsConfiguration.ImageTestsEnabled)
		rec.ScanState = i.ScanState
	}
	return rec
}

// readScan reads the AMI's vulnerability scan where the source's scan
// type writes it (internal/scan's package comment has the sources):
// ON_DEMAND_AMI_CVE in EC2's scan results of the AMI, TEST_INSTANCE_CVE
// in Image Builder's copy of the scan of the test instance.
func (p *promoter) readScan(ctx context.Context, img sourceImage, rec imageRecord) scanEvidence {
	s := p.source.Observability.Scanning
	if s.Disabled {
		return scanEvidence{}
	}
	ev := scanEvidence{Type: s.Type}
	switch s.Type {
	case config.ScanOnDemandAMI:
		ev.Where = fmt.Sprintf("EC2's scan results of %s (scan type %s)", img.id, s.Type)
		ev.Highest, ev.Err = scan.FromEC2(img.scan, nil)
		if ev.Err == nil {
			ev.Where = fmt.Sprintf("EC2's scan results of %s (scan type %s, Amazon Inspector scanned it %s)", img.id, s.Type,
				aws.ToTime(img.scan.FindingScanDate).UTC().Format(time.RFC3339))
		}
	case config.ScanTestInstance:
		ev.Where = fmt.Sprintf("Image Builder's copy of the scan of %s (scan type %s)", or(rec.Arn, img.id), s.Type)
		switch {
		case rec.Arn == "":
			ev.Err = fmt.Errorf("the AMI has no %s tag: not an Image Builder image, so Image Builder kept no scan of it", imageBuilderArnTag)
		case rec.Err != nil:
			ev.Err = fmt.Errorf("the image could not be read: %w", rec.Err)
		default:
			var raw []ibtypes.ImageScanFinding
			if raw, ev.Err = p.imageScanFindings(ctx, rec.Arn); ev.Err == nil {
				ev.Highest, ev.Err = scan.FromImageBuilder(rec.ScanState, nil, raw)
				ev.Findings = imageBuilderFindings(raw)
			}
		}
	default:
		ev.Err = fmt.Errorf("unknown scan type %q: want %s or %s", s.Type, config.ScanOnDemandAMI, config.ScanTestInstance)
	}
	return ev
}

// imageScanFindings lists Image Builder's copy of the findings of image
// arn.
func (p *promoter) imageScanFindings(ctx context.Context, arn string) ([]ibtypes.ImageScanFinding, error) {
	var out []ibtypes.ImageScanFinding
	pg := imagebuilder.NewListImageScanFindingsPaginator(p.src.ib, &imagebuilder.ListImageScanFindingsInput{
		Filters: []ibtypes.ImageScanFindingsFilter{{Name: aws.String("imageBuildVersionArn"), Values: []string{arn}}},
	})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("findings: %w", err)
		}
		out = append(out, page.Findings...)
	}
	return out, nil
}

// sampleFleet reads the source group's instances (health, AMI, launch
// time) and the fleet's alarms: those that watch the group
// (AutoScalingGroupName dimension) or whose name starts with
// "<prefix>-<env>-".
func (p *promoter) sampleFleet(ctx context.Context, group string) fleetSample {
	f := fleetSample{Group: group}
	g, err := p.src.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{group}})
	switch {
	case err != nil:
		f.Err = fmt.Errorf("group %s: %w", group, err)
		return f
	case len(g.AutoScalingGroups) != 1:
		f.Err = fmt.Errorf("group %s not found", group)
		return f
	}
	instances, err := instancesOf(ctx, p.src.ec2, g.AutoScalingGroups[0])
	if err != nil {
		f.Err = err
		return f
	}
	for _, i := range instances {
		f.Instances = append(f.Instances, fleetInstance{ID: i.id, Lifecycle: i.lifecycle, Health: i.health, Image: i.image, Launched: i.launched})
	}
	prefix := p.cfg.Prefix + "-" + p.source.Name + "-"
	pg := cloudwatch.NewDescribeAlarmsPaginator(p.src.cw, &cloudwatch.DescribeAlarmsInput{
		AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm},
	})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			f.Err = fmt.Errorf("alarms: %w", err)
			return f
		}
		for _, a := range page.MetricAlarms {
			watches := false
			for _, d := range a.Dimensions {
				watches = watches || aws.ToString(d.Name) == "AutoScalingGroupName" && aws.ToString(d.Value) == group
			}
			if watches || strings.HasPrefix(aws.ToString(a.AlarmName), prefix) {
				f.Alarms = append(f.Alarms, alarm{Name: aws.ToString(a.AlarmName), State: string(a.StateValue)})
			}
		}
		for _, a := range page.CompositeAlarms {
			if strings.HasPrefix(aws.ToString(a.AlarmName), prefix) {
				f.Alarms = append(f.Alarms, alarm{Name: aws.ToString(a.AlarmName), State: string(a.StateValue)})
			}
		}
	}
	return f
}
