package main

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/marks"
	"github.com/immutable-server/golden-fleet/internal/marks/markstest"
)

// targetYear is a year of the promotion target's account: its golden
// parameter, marked after every write with marks.Sync as promote and
// rollback do, and its promoted copies, retired after every promotion by
// copiesToRetire (with KeepCopies keep). It records every day on which a
// copy the fleet runs, may roll back to, or has just received is gone.
type targetYear struct {
	account    *markstest.FakeEC2
	history    historySSM
	created    map[string]time.Time
	violations []string
	copies     int
	day        int
	start      time.Time
}

const (
	targetFleet = "gf-prod"
	targetSeed  = "ami-0aaaaaaaaaaaaaaa0" // Amazon's, never in the account
)

func (y *targetYear) write(ami string) {
	y.history = append(y.history, ssmtypes.ParameterHistory{Version: int64(len(y.history) + 1), Value: aws.String(ami)})
	if _, err := marks.Sync(context.Background(), y.history, y.account, markstest.NewFakeImageBuilder(), targetFleet, "/imagebuilder/golden-fleet/prod/golden-ami"); err != nil {
		y.violations = append(y.violations, fmt.Sprintf("day %d: marking: %v", y.day, err))
	}
}

func (y *targetYear) roles() (string, string) {
	var h []marks.Version
	for _, v := range y.history {
		h = append(h, marks.Version{Number: v.Version, Value: aws.ToString(v.Value)})
	}
	return marks.Roles(h)
}

// promote copies a new AMI into the target, writes it and retires with
// retire (copiesToRetire, or a variant).
func (y *targetYear) promote(keep int, retire func([]ec2types.Image, int, string) []ec2types.Image) string {
	y.copies++
	id := fmt.Sprintf("ami-%017x", y.copies)
	y.account.Add(id)
	if _, err := y.account.CreateTags(context.Background(), &ec2.CreateTagsInput{Resources: []string{id},
		Tags: []ec2types.Tag{{Key: aws.String(config.PromotedFromAMITagKey), Value: aws.String("ami-dev")}}}); err != nil {
		panic(err)
	}
	y.created[id] = y.start.Add(time.Duration(y.day)*24*time.Hour + time.Duration(y.copies)*time.Second)
	y.write(id)
	out, err := y.account.DescribeImages(context.Background(), &ec2.DescribeImagesInput{Owners: []string{"self"},
		Filters: []ec2types.Filter{{Name: aws.String("tag-key"), Values: []string{config.PromotedFromAMITagKey}}}})
	if err != nil {
		panic(err)
	}
	for i := range out.Images {
		out.Images[i].CreationDate = aws.String(y.created[aws.ToString(out.Images[i].ImageId)].Format("2006-01-02T15:04:05.000Z"))
	}
	for _, c := range retire(out.Images, keep, id) {
		y.account.Remove(aws.ToString(c.ImageId))
	}
	return id
}

func (y *targetYear) check(promoted string) {
	current, previous := y.roles()
	for _, r := range []struct{ ami, role string }{{current, "golden AMI"}, {previous, "rollback target"}, {promoted, "last promoted copy"}} {
		if r.ami != "" && r.ami != targetSeed && y.account.Tags(r.ami) == nil {
			y.violations = append(y.violations, fmt.Sprintf("day %d: its %s %s is gone", y.day, r.role, r.ami))
		}
	}
}

// oldestCopy is the oldest promoted copy still in the account.
func (y *targetYear) oldestCopy() string {
	oldest := ""
	for id, at := range y.created {
		if y.account.Tags(id) != nil && (oldest == "" || at.Before(y.created[oldest])) {
			oldest = id
		}
	}
	return oldest
}

// runTargetYear drives a year: a promotion every week, except from day
// 151, when the fleet rolls back --to its oldest copy still there, to day
// 300: it stays on that copy while the next promotions wait. It rolls
// back again on days 320 and 321 (back and forth).
func runTargetYear(keep int, retire func([]ec2types.Image, int, string) []ec2types.Image) *targetYear {
	y := &targetYear{account: markstest.NewFakeEC2(), created: map[string]time.Time{}, start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	y.write(targetSeed)
	var promoted string
	for ; y.day < 365; y.day++ {
		if y.day%7 == 0 && (y.day < 151 || y.day >= 300) {
			promoted = y.promote(keep, retire)
		}
		switch y.day {
		case 151:
			y.write(y.oldestCopy())
		case 320, 321:
			if _, previous := y.roles(); previous != "" {
				y.write(previous)
			}
		}
		y.check(promoted)
	}
	return y
}

// The target's retention (copiesToRetire, Promotion.KeepCopies) over a
// year of promotions and rollbacks keeps the copy the fleet runs, the one
// it may roll back to and the one just promoted, and retires the rest.
func TestAYearOfPromotionsKeepsTheTargetsCurrentPreviousAndPromotedCopies(t *testing.T) {
	keep := config.DefaultKeepCopies
	y := runTargetYear(keep, copiesToRetire)
	for _, v := range y.violations {
		t.Error(v)
	}
	out, _ := y.account.DescribeImages(context.Background(), &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if left := len(out.Images); left > keep+2 {
		t.Errorf("%d of %d promoted copies left after a year: want at most the %d newest and the two marked", left, y.copies, keep)
	}
}

// The year needs the marks: a retention that keeps only the newest
// copies retires the copy the fleet rolled back to and stays on.
func TestWithoutTheMarksTheTargetsRetentionWouldRetireWhatTheFleetRuns(t *testing.T) {
	unmarked := func(copies []ec2types.Image, keep int, promoted string) []ec2types.Image {
		var stripped []ec2types.Image
		for _, c := range copies {
			tags := tagMap(c.Tags)
			maps.DeleteFunc(tags, func(k, _ string) bool { return k == marks.RetainKey })
			c.Tags = nil
			for k, v := range tags {
				c.Tags = append(c.Tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
			}
			stripped = append(stripped, c)
		}
		return copiesToRetire(stripped, keep, promoted)
	}
	y := runTargetYear(config.DefaultKeepCopies, unmarked)
	if len(y.violations) == 0 {
		t.Error("without the retain marks no copy the fleet runs or may roll back to was retired: the simulated year does not exercise them")
	}
}
