// The target's retention of promoted copies: promoted copies are EC2
// copies, which no Image Builder lifecycle policy selects, so promote
// retires the old ones itself after each promotion.

package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/marks"
)

// copiesToRetire picks, among the target's promoted copies, those past
// the keep newest that no fleet runs or may roll back to (no lifecycle
// retain mark) and that are not the copy just promoted.
func copiesToRetire(copies []ec2types.Image, keep int, promoted string) []ec2types.Image {
	sorted := append([]ec2types.Image(nil), copies...)
	sort.SliceStable(sorted, func(a, b int) bool {
		return aws.ToString(sorted[a].CreationDate) > aws.ToString(sorted[b].CreationDate)
	})
	var out []ec2types.Image
	for i, c := range sorted {
		if i < keep || aws.ToString(c.ImageId) == promoted || tagMap(c.Tags)[marks.RetainKey] == marks.RetainValue {
			continue
		}
		out = append(out, c)
	}
	return out
}

// retireCopies deregisters the promoted copies copiesToRetire picks, and
// deletes their snapshots. A failure is reported, never returned: the
// promotion itself is done.
func (p *promoter) retireCopies(ctx context.Context, promoted string) {
	keep := p.target.Promotion.KeepCopies
	out, err := p.dst.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"},
		Filters: []ec2types.Filter{{Name: aws.String("tag-key"), Values: []string{config.PromotedFromAMITagKey}}}})
	if err != nil {
		fmt.Fprintf(p.out, "WARNING: listing the promoted copies in %s to retire the old ones: %v\n", p.target.Name, err)
		return
	}
	for _, c := range copiesToRetire(out.Images, keep, promoted) {
		id := aws.ToString(c.ImageId)
		if _, err := p.dst.ec2.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: &id}); err != nil {
			fmt.Fprintf(p.out, "WARNING: retiring %s: %v\n", id, err)
			continue
		}
		for _, b := range c.BlockDeviceMappings {
			if b.Ebs == nil || b.Ebs.SnapshotId == nil {
				continue
			}
			if _, err := p.dst.ec2.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: b.Ebs.SnapshotId}); err != nil {
				fmt.Fprintf(p.out, "WARNING: deleting snapshot %s of %s: %v\n", aws.ToString(b.Ebs.SnapshotId), id, err)
			}
		}
		fmt.Fprintf(p.out, "retired %s (a promoted copy of %s, created %s): beyond the %d newest, and no fleet runs or may roll back to it\n",
			id, tagMap(c.Tags)[config.PromotedFromAMITagKey], aws.ToString(c.CreationDate), keep)
	}
}
