package imagebuilder

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/jsii-runtime-go"
)

// Image Builder's AMI scan types
// (https://docs.aws.amazon.com/imagebuilder/latest/userguide/integ-inspector.html).
const (
	// ScanOnDemandAMI: Amazon Inspector scans the output AMI during the
	// test phase; Inspector need not be activated in the account.
	ScanOnDemandAMI = "ON_DEMAND_AMI_CVE"
	// ScanTestInstance: Inspector scans the test instance; Inspector's
	// EC2 scanning must be activated in the account.
	ScanTestInstance = "TEST_INSTANCE_CVE"
)

// ImageScanningProps configures the vulnerability scan of every image a
// pipeline builds.
type ImageScanningProps struct {
	// Type is ScanOnDemandAMI or ScanTestInstance.
	Type string
	// MaxSeverity fails the image when a counted finding is above it
	// (INFORMATIONAL, LOW, MEDIUM or HIGH; a counted CRITICAL finding
	// always fails). Only with ScanOnDemandAMI. Default: findings never
	// fail the image.
	MaxSeverity string
	// CountUnfixed counts findings without an available fix toward
	// MaxSeverity too. Default: only findings with a fix available count.
	CountUnfixed bool
}

// ScanImages turns on Image Builder's vulnerability scan of every image
// the pipeline builds (the pipeline's ImageScanningConfiguration:
// ImageScanningEnabled, ImageScanningTypes and, with MaxSeverity, a
// ScanResultCondition). Without a call, images are not scanned.
func (p *ImagePipeline) ScanImages(props ImageScanningProps) {
	if !slices.Contains([]string{ScanOnDemandAMI, ScanTestInstance}, props.Type) {
		panic(fmt.Sprintf("image pipeline %s: scan type %q: want %s or %s", *p.Node().Path(), props.Type, ScanOnDemandAMI, ScanTestInstance))
	}
	cfg := &awsimagebuilder.CfnImagePipeline_ImageScanningConfigurationProperty{
		ImageScanningEnabled: jsii.Bool(true),
		ImageScanningTypes:   jsii.Strings(props.Type),
	}
	if props.MaxSeverity != "" {
		if props.Type != ScanOnDemandAMI {
			panic(fmt.Sprintf("image pipeline %s: a maximum severity needs scan type %s, got %s", *p.Node().Path(), ScanOnDemandAMI, props.Type))
		}
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
