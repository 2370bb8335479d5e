// The imagebuilder copy method: Image Builder's DistributeImage with the
// promotion's distribution configuration, then wait for its AMI.

package main

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	ibtypes "github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"

	"github.com/immutable-server/golden-fleet/config"
)

func (p *promoter) distribute(ctx context.Context, plan plan, wait time.Duration) (string, error) {
	part := config.Partition(p.source.Region)
	dist := arn.ARN{Partition: part, Service: "imagebuilder", Region: p.source.Region, AccountID: p.source.Account,
		Resource: config.DistributionConfigurationResource(p.names.Distribution)}
	role := arn.ARN{Partition: part, Service: "iam", AccountID: p.source.Account, Resource: "role/" + p.names.ExecutionRole}
	out, err := p.src.ib.DistributeImage(ctx, &imagebuilder.DistributeImageInput{
		SourceImage: &plan.SourceAMI, DistributionConfigurationArn: aws.String(dist.String()), ExecutionRole: aws.String(role.String()),
		ClientToken: aws.String(clientToken(plan)),
	})
	if err != nil {
		return "", fmt.Errorf("imagebuilder:DistributeImage %s: %w; nothing changed", plan.SourceAMI, err)
	}
	arnOut := aws.ToString(out.ImageBuildVersionArn)
	fmt.Fprintf(p.out, "Image Builder distributes %s as %s …\n", plan.SourceAMI, arnOut)
	deadline := p.now().Add(wait)
	for {
		img, err := p.src.ib.GetImage(ctx, &imagebuilder.GetImageInput{ImageBuildVersionArn: &arnOut})
		if err != nil {
			return "", fmt.Errorf("distribution %s: %w", arnOut, err)
		}
		status, why := ibtypes.ImageStatus(""), ""
		if img.Image != nil && img.Image.State != nil {
			status, why = img.Image.State.Status, aws.ToString(img.Image.State.Reason)
		}
		switch status {
		case ibtypes.ImageStatusAvailable:
			id, ok := distributedAMI(img.Image, p.source.Account, p.target.Account, p.target.Region)
			if !ok {
				return "", fmt.Errorf("distribution %s is AVAILABLE but lists no AMI in %s/%s", arnOut, p.target.Account, p.target.Region)
			}
			fmt.Fprintf(p.out, "%s is available in %s/%s\n", id, p.target.Account, p.target.Region)
			return id, nil
		case ibtypes.ImageStatusFailed, ibtypes.ImageStatusCancelled, ibtypes.ImageStatusDeleted:
			return "", fmt.Errorf("distribution %s ended %s%s; check %s", arnOut, status, reason(why), plan.TargetParameter)
		}
		if p.now().After(deadline) {
			return "", fmt.Errorf("distribution %s still %s after %s; it may yet complete and write %s", arnOut, status, wait, plan.TargetParameter)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(p.pollEvery):
		}
	}
}

// DistributedAMI finds the AMI a distribution made in the target's
// account and region. An output AMI without an account id is in the
// source's own account.
func distributedAMI(img *ibtypes.Image, sourceAccount, account, region string) (string, bool) {
	if img == nil || img.OutputResources == nil {
		return "", false
	}
	for _, a := range img.OutputResources.Amis {
		owner := aws.ToString(a.AccountId)
		if owner == "" {
			owner = sourceAccount
		}
		if aws.ToString(a.Region) == region && owner == account && a.Image != nil {
			return *a.Image, true
		}
	}
	return "", false
}
