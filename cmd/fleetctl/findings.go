package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	ibtypes "github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/scan"
)

// The vulnerability scan of the golden AMI, as `fleetctl status` reports
// it: one line per source (Image Builder's copy of the scan, the AMI's
// own scan results in EC2), the highest severity found, and with
// --findings every finding. See internal/scan for which scan type fills
// which source.

// imageBuilderArnTag is the tag Image Builder puts on every AMI it
// creates, holding the image's build version ARN.
const imageBuilderArnTag = config.ImageBuilderArnTagKey

type ec2ScanAPI interface {
	DescribeImages(context.Context, *ec2.DescribeImagesInput, ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error)
	ec2.GetImageFindingsAPIClient
}

type imageScanAPI interface {
	GetImage(context.Context, *imagebuilder.GetImageInput, ...func(*imagebuilder.Options)) (*imagebuilder.GetImageOutput, error)
	imagebuilder.ListImageScanFindingAggregationsAPIClient
	imagebuilder.ListImageScanFindingsAPIClient
}

// scanReport reads and prints the scan of one AMI.
type scanReport struct {
	ec2 ec2ScanAPI
	ib  imageScanAPI
	out io.Writer
	// list prints every finding and makes a failed lookup an error.
	list bool
}

// finding is one vulnerability finding, from either source.
type finding struct {
	Severity scan.Severity
	ID       string
	Title    string
	Fix      string
}

// report prints the scan of ami. Without list, a lookup that fails (for
// example against an emulator without Image Builder) is printed, never
// returned: status reports the fleet first.
func (r *scanReport) report(ctx context.Context, ami string) error {
	fmt.Fprintf(r.out, "vulnerability scan of the golden AMI %s:\n", ami)
	fail := func(format string, args ...any) error {
		err := fmt.Errorf(format, args...)
		fmt.Fprintf(r.out, "  %v\n", err)
		if r.list {
			return err
		}
		return nil
	}
	img, err := r.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami}})
	if err != nil || len(img.Images) != 1 {
		return fail("AMI %s: not found (%v)", ami, err)
	}
	image := img.Images[0]
	var highest []scan.Severity
	var findings []finding

	// The AMI's own scan results (on-demand AMI scan).
	var ec2Findings []ec2types.ImageFinding
	if r.list && image.ScanResults != nil {
		p := ec2.NewGetImageFindingsPaginator(r.ec2, &ec2.GetImageFindingsInput{ImageId: &ami})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return fail("findings of %s: %v", ami, err)
			}
			ec2Findings = append(ec2Findings, page.ImageFindings...)
		}
	}
	if s, err := scan.FromEC2(image.ScanResults, ec2Findings); err != nil {
		fmt.Fprintf(r.out, "  EC2: %v\n", err)
	} else {
		highest = append(highest, s)
		fmt.Fprintf(r.out, "  EC2: Amazon Inspector scanned the AMI on %s: highest severity %s\n",
			aws.ToTime(image.ScanResults.FindingScanDate).UTC().Format("2006-01-02 15:04 MST"), s)
		for _, f := range ec2Findings {
			sev, _ := scan.ParseSeverity(string(f.SeverityLabel))
			fix := "no fix available"
			if aws.ToBool(f.FixAvailable) {
				fix = "fix available"
			}
			findings = append(findings, finding{Severity: sev, Title: aws.ToString(f.Title), Fix: fix})
		}
	}

	// Image Builder's copy of the scan (test-instance scan), found
	// through the tag Image Builder puts on its AMIs.
	arn := ""
	for _, t := range image.Tags {
		if aws.ToString(t.Key) == imageBuilderArnTag {
			arn = aws.ToString(t.Value)
		}
	}
	if arn == "" {
		fmt.Fprintf(r.out, "  Image Builder: the AMI has no %s tag: Image Builder did not build it (the seed image?)\n", imageBuilderArnTag)
	} else if s, fs, err := r.imageBuilder(ctx, arn); err != nil {
		if e := fail("Image Builder: image %s: %v", arn, err); e != nil {
			return e
		}
	} else {
		highest = append(highest, s)
		findings = append(findings, fs...)
	}

	if len(highest) == 0 {
		fmt.Fprintln(r.out, "  highest severity found: unknown (no completed scan)")
	} else {
		fmt.Fprintf(r.out, "  highest severity found: %s\n", slices.Max(highest))
	}
	if r.list {
		printFindings(r.out, findings)
	}
	return nil
}

// imageBuilder reads the scan Image Builder saved with image arn.
func (r *scanReport) imageBuilder(ctx context.Context, arn string) (scan.Severity, []finding, error) {
	img, err := r.ib.GetImage(ctx, &imagebuilder.GetImageInput{ImageBuildVersionArn: &arn})
	if err != nil {
		return scan.None, nil, err
	}
	var state *ibtypes.ImageScanState
	if img.Image != nil {
		state = img.Image.ScanState
	}
	var counts *ibtypes.SeverityCounts
	ap := imagebuilder.NewListImageScanFindingAggregationsPaginator(r.ib, &imagebuilder.ListImageScanFindingAggregationsInput{
		Filter: &ibtypes.Filter{Name: aws.String("imageBuildVersionArn"), Values: []string{arn}},
	})
	for ap.HasMorePages() {
		page, err := ap.NextPage(ctx)
		if err != nil {
			return scan.None, nil, fmt.Errorf("finding counts: %w", err)
		}
		for _, a := range page.Responses {
			if a.ImageAggregation != nil && aws.ToString(a.ImageAggregation.ImageBuildVersionArn) == arn {
				counts = a.ImageAggregation.SeverityCounts
			}
		}
	}
	var raw []ibtypes.ImageScanFinding
	if r.list {
		fp := imagebuilder.NewListImageScanFindingsPaginator(r.ib, &imagebuilder.ListImageScanFindingsInput{
			Filters: []ibtypes.ImageScanFindingsFilter{{Name: aws.String("imageBuildVersionArn"), Values: []string{arn}}},
		})
		for fp.HasMorePages() {
			page, err := fp.NextPage(ctx)
			if err != nil {
				return scan.None, nil, fmt.Errorf("findings: %w", err)
			}
			raw = append(raw, page.Findings...)
		}
	}
	s, err := scan.FromImageBuilder(state, counts, raw)
	if err != nil {
		return scan.None, nil, err
	}
	fmt.Fprintf(r.out, "  Image Builder: scan of %s completed: highest severity %s%s\n", arn, s, countsText(counts))
	return s, imageBuilderFindings(raw), nil
}

// imageBuilderFindings are Image Builder's findings as the report and the
// vulnerabilities gate show them. A severity internal/scan does not know
// reads as Untriaged, which no limit allows (scan.FromImageBuilder
// refuses it too).
func imageBuilderFindings(raw []ibtypes.ImageScanFinding) []finding {
	var out []finding
	for _, f := range raw {
		sev, err := scan.ParseSeverity(aws.ToString(f.Severity))
		if err != nil {
			sev = scan.Untriaged
		}
		id := ""
		if f.PackageVulnerabilityDetails != nil {
			id = aws.ToString(f.PackageVulnerabilityDetails.VulnerabilityId)
		}
		out = append(out, finding{Severity: sev, ID: id, Title: aws.ToString(f.Title), Fix: aws.ToString(f.FixAvailable)})
	}
	return out
}

func countsText(c *ibtypes.SeverityCounts) string {
	if c == nil {
		return ""
	}
	return fmt.Sprintf(" (%d critical, %d high, %d medium, %d in all)",
		aws.ToInt64(c.Critical), aws.ToInt64(c.High), aws.ToInt64(c.Medium), aws.ToInt64(c.All))
}

// printFindings prints findings worst first.
func printFindings(out io.Writer, findings []finding) {
	if len(findings) == 0 {
		fmt.Fprintln(out, "  no findings listed")
		return
	}
	slices.SortStableFunc(findings, func(a, b finding) int {
		if a.Severity != b.Severity {
			return int(b.Severity - a.Severity)
		}
		return strings.Compare(a.ID+a.Title, b.ID+b.Title)
	})
	tw := newTable(out, "  SEVERITY\tVULNERABILITY\tFIX\tTITLE")
	for _, f := range findings {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", f.Severity, orDash(f.ID), orDash(f.Fix), f.Title)
	}
	tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
