package imagebuilder

import (
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/internal/awsfacts"
	"github.com/immutable-server/golden-fleet/internal/constructcheck"
)

// ImageScanningProps configures the vulnerability scan of every image a
// pipeline builds
// (https://docs.aws.amazon.com/imagebuilder/latest/userguide/integ-inspector.html).
type ImageScanningProps struct {
	// Type is one of Image Builder's scan types (awsfacts.ScanTypes):
	// ON_DEMAND_AMI_CVE (Amazon Inspector scans the output AMI; Inspector
	// need not be activated in the account) or TEST_INSTANCE_CVE
	// (Inspector scans the test instance; Inspector's EC2 scanning must be
	// activated). Required.
	Type string
	// MaxSeverity fails the image when a counted finding is above it (one
	// of awsfacts.MaxSeverities: INFORMATIONAL, LOW, MEDIUM or HIGH; a
	// counted CRITICAL finding always fails). Only with
	// ON_DEMAND_AMI_CVE. Default: findings never fail the image.
	MaxSeverity string
	// CountUnfixed counts findings without an available fix toward
	// MaxSeverity too. Default: only findings with a fix available count.
	CountUnfixed bool
}

// ScanImages turns on Image Builder's vulnerability scan of every image
// the pipeline builds (the pipeline's ImageScanningConfiguration:
// ImageScanningEnabled, ImageScanningTypes and, with MaxSeverity, a
// ScanResultCondition). Without a call, images are not scanned. Props
// Image Builder does not take fail the pipeline's validation.
func (p *ImagePipeline) ScanImages(props ImageScanningProps) {
	if !slices.Contains(awsfacts.ScanTypes, props.Type) {
		constructcheck.Fail(p, "image pipeline %s: scan Type got %q: want one of %s", p.name, props.Type, strings.Join(awsfacts.ScanTypes, ", "))
		return
	}
	cfg := &awsimagebuilder.CfnImagePipeline_ImageScanningConfigurationProperty{
		ImageScanningEnabled: jsii.Bool(true),
		ImageScanningTypes:   jsii.Strings(props.Type),
	}
	switch {
	case props.MaxSeverity == "" && props.CountUnfixed:
		constructcheck.Fail(p, "image pipeline %s: CountUnfixed got true without MaxSeverity: want MaxSeverity set, CountUnfixed only widens what it counts", p.name)
		return
	case props.MaxSeverity == "":
	case !slices.Contains(awsfacts.MaxSeverities, props.MaxSeverity):
		constructcheck.Fail(p, "image pipeline %s: MaxSeverity got %q: want one of %s", p.name, props.MaxSeverity, strings.Join(awsfacts.MaxSeverities, ", "))
		return
	case props.Type != awsfacts.ScanOnDemandAMI:
		constructcheck.Fail(p, "image pipeline %s: MaxSeverity got %q with scan Type %s: want it only with %s", p.name, props.MaxSeverity, props.Type, awsfacts.ScanOnDemandAMI)
		return
	default:
		cfg.ScanResultCondition = &awsimagebuilder.CfnImagePipeline_ScanResultConditionProperty{
			MaximumSeverityLabel: jsii.String(props.MaxSeverity),
			FixAvailable:         jsii.Bool(!props.CountUnfixed),
		}
	}
	p.Resource.SetImageScanningConfiguration(cfg)
	// aws-cdk-lib's own L1 has these properties, but the schemas its
	// built-in CloudFormation validation bundles predate them (as do
	// cfn-lint 1.51.0's: scripts/cfn-lint-overrides.json adds them there).
	awscdk.Validations_Of(p.Resource).Acknowledge(&awscdk.Acknowledgment{
		Id: jsii.String("CloudFormation-Validate::F3002"),
		Reason: jsii.String("ImageScanningConfiguration.ImageScanningTypes and ScanResultCondition are documented CloudFormation properties " +
			"(aws-properties-imagebuilder-imagepipeline-imagescanningconfiguration) that the bundled validation schema predates"),
	})
}
