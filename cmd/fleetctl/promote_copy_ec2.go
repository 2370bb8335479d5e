// The ec2 copy method: share the AMI and its snapshots with the target
// account, then ec2:CopyImage from there.

package main

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func (p *promoter) copyWithEC2(ctx context.Context, plan plan, wait time.Duration) (string, error) {
	if plan.CrossAccount {
		_, err := p.src.ec2.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{
			ImageId:          &plan.SourceAMI,
			LaunchPermission: &ec2types.LaunchPermissionModifications{Add: []ec2types.LaunchPermission{{UserId: &p.target.Account}}},
		})
		if err != nil {
			return "", fmt.Errorf("sharing %s with %s: %w; nothing changed", plan.SourceAMI, p.target.Account, err)
		}
		for _, snap := range plan.Snapshots {
			// The OperationType/UserIds form of the request (documented next
			// to CreateVolumePermission; the local emulator knows only it).
			_, err := p.src.ec2.ModifySnapshotAttribute(ctx, &ec2.ModifySnapshotAttributeInput{
				SnapshotId:    aws.String(snap),
				Attribute:     ec2types.SnapshotAttributeNameCreateVolumePermission,
				OperationType: ec2types.OperationTypeAdd,
				UserIds:       []string{p.target.Account},
			})
			if err != nil {
				return "", fmt.Errorf("sharing snapshot %s of %s with %s: %w; %s is shared with %s, %s is unchanged",
					snap, plan.SourceAMI, p.target.Account, err, plan.SourceAMI, p.target.Account, plan.TargetParameter)
			}
		}
		fmt.Fprintf(p.out, "shared %s and its snapshots with %s\n", plan.SourceAMI, p.target.Account)
	}
	in := &ec2.CopyImageInput{
		SourceImageId: &plan.SourceAMI, SourceRegion: &p.source.Region, Name: &plan.CopyName,
		Description: aws.String(fmt.Sprintf("Golden AMI %s of %s, promoted to %s", plan.SourceAMI, p.source.Name, p.target.Name)),
		Encrypted:   aws.Bool(true), ClientToken: aws.String(clientToken(plan)),
	}
	if p.target.Fleet.KmsKeyArn != "" {
		in.KmsKeyId = &p.target.Fleet.KmsKeyArn
	}
	out, err := p.dst.ec2.CopyImage(ctx, in)
	if err != nil {
		return "", fmt.Errorf("copying %s into %s: %w; %s is unchanged", plan.SourceAMI, p.target.Name, err, plan.TargetParameter)
	}
	id := aws.ToString(out.ImageId)
	fmt.Fprintf(p.out, "copying %s into %s as %s …\n", plan.SourceAMI, p.target.Name, id)
	w := ec2.NewImageAvailableWaiter(p.dst.ec2, func(o *ec2.ImageAvailableWaiterOptions) {
		if p.pollEvery < o.MinDelay {
			o.MinDelay = max(p.pollEvery, time.Millisecond)
		}
	})
	if err := w.Wait(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}}, wait); err != nil {
		return "", fmt.Errorf("waiting for %s to be available: %w; %s is unchanged", id, err, plan.TargetParameter)
	}
	fmt.Fprintf(p.out, "%s is available in %s/%s\n", id, p.target.Account, p.target.Region)
	return id, nil
}
