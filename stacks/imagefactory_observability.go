package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/constructs/imagebuilder"
)

// The image factory's part of observability: scanning, build notifications.

// observeBuilds turns on the vulnerability scan of every image and
// subscribes the notification address to the build results topic, to
// which Image Builder publishes every image that becomes AVAILABLE or
// FAILED (https://docs.aws.amazon.com/imagebuilder/latest/userguide/integ-sns.html).
func observeBuilds(s *ImageFactoryStack, env config.Environment) {
	o := env.Observability
	if !o.Scanning.Disabled {
		s.Pipeline.ScanImages(imagebuilder.ImageScanningProps{
			Type:         o.Scanning.Type,
			MaxSeverity:  o.Scanning.MaxSeverity,
			CountUnfixed: o.Scanning.CountUnfixed,
		})
	}
	if o.NotificationEmail != "" {
		s.Infrastructure.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(o.NotificationEmail), nil))
	}
	output(s.Stack, config.BuildTopicArnOutput, s.Infrastructure.Topic.TopicArn(), "SNS topic Image Builder publishes every build result to")
}
