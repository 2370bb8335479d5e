// Package markstest holds a fake of the EC2 calls the marks make, for the
// tests of code that marks (internal/marks' own, fleetctl's, the
// lifecycle simulation of internal/policymodel). No production code
// imports it.
package markstest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
)

// FakeAccount is the account FakeEC2 says owns its AMIs.
const FakeAccount = "111122223333"

// FakeImageArn is the ARN of the Image Builder image resource that the
// fakes take as having built ami, in FakeAccount.
func FakeImageArn(ami string) string {
	return "arn:aws:imagebuilder:eu-west-1:" + FakeAccount + ":image/fake/1.0.0/" + ami
}

// FakeEC2 is an in-memory account's AMIs for tests of code that marks
// (the marks' own tests, fleetctl's, the lifecycle simulation). It
// implements EC2 with DescribeImages' owner "self" and its image-id,
// tag-key and tag:<key> filters, as EC2 documents them.
type FakeEC2 struct {
	// tagged: id -> tags; Calls records every CreateTags and DeleteTags,
	// in order.
	tagged
}

// tagged is what both fakes keep: resources by id (an AMI id, an image
// ARN), each with its tags, and the tag calls made, in order.
type tagged struct {
	mu     sync.Mutex
	images map[string]map[string]string
	Calls  []string
}

// Add registers a resource, untagged (an AMI the account owns, an image
// resource).
func (f *tagged) Add(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.images[id] == nil {
		f.images[id] = map[string]string{}
	}
}

// Remove deletes a resource (deregisters an AMI, deletes an image
// resource).
func (f *tagged) Remove(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.images, id)
}

// Tags returns a copy of a resource's tags, nil if there is no such
// resource.
func (f *tagged) Tags(id string) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.images[id]
	if !ok {
		return nil
	}
	out := map[string]string{}
	for k, v := range t {
		out[k] = v
	}
	return out
}

// NewFakeEC2 returns an account that owns the AMIs ids, untagged.
func NewFakeEC2(ids ...string) *FakeEC2 {
	f := &FakeEC2{tagged{images: map[string]map[string]string{}}}
	for _, id := range ids {
		f.Add(id)
	}
	return f
}

// AddBuilt registers an AMI the account owns, built by the Image Builder
// image resource imageArn (its Ec2ImageBuilderArn tag).
func (f *FakeEC2) AddBuilt(id, imageArn string) {
	f.Add(id)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.images[id]["Ec2ImageBuilderArn"] = imageArn
}

// DescribeImages implements EC2.
func (f *FakeEC2) DescribeImages(_ context.Context, in *ec2.DescribeImagesInput, _ ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Equal(in.Owners, []string{"self"}) {
		return nil, fmt.Errorf("fake: want Owners [self], got %v", in.Owners)
	}
	ids := make([]string, 0, len(f.images))
	for id := range f.images {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := &ec2.DescribeImagesOutput{}
	for _, id := range ids {
		if len(in.ImageIds) > 0 && !slices.Contains(in.ImageIds, id) {
			continue
		}
		tags := f.images[id]
		ok := true
		for _, fl := range in.Filters {
			name := aws.ToString(fl.Name)
			switch {
			case name == "image-id":
				ok = ok && slices.Contains(fl.Values, id)
			case name == "tag-key":
				found := false
				for _, k := range fl.Values {
					_, has := tags[k]
					found = found || has
				}
				ok = ok && found
			case strings.HasPrefix(name, "tag:"):
				v, has := tags[strings.TrimPrefix(name, "tag:")]
				ok = ok && has && slices.Contains(fl.Values, v)
			default:
				return nil, fmt.Errorf("fake: filter %q not implemented", name)
			}
		}
		if !ok {
			continue
		}
		im := ec2types.Image{ImageId: aws.String(id), OwnerId: aws.String(FakeAccount), State: ec2types.ImageStateAvailable}
		for _, k := range sortedKeys(tags) {
			im.Tags = append(im.Tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
		}
		out.Images = append(out.Images, im)
	}
	return out, nil
}

// CreateTags implements EC2.
func (f *FakeEC2) CreateTags(_ context.Context, in *ec2.CreateTagsInput, _ ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error) {
	err := f.each(in.Resources, "InvalidAMIID.NotFound", func(id string, tags map[string]string) {
		for _, t := range in.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			f.Calls = append(f.Calls, fmt.Sprintf("tag %s %s=%s", id, aws.ToString(t.Key), aws.ToString(t.Value)))
		}
	})
	if err != nil {
		return nil, err
	}
	return &ec2.CreateTagsOutput{}, nil
}

// DeleteTags implements EC2 (a tag given without a value is deleted
// whatever its value).
func (f *FakeEC2) DeleteTags(_ context.Context, in *ec2.DeleteTagsInput, _ ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error) {
	err := f.each(in.Resources, "InvalidAMIID.NotFound", func(id string, tags map[string]string) {
		for _, t := range in.Tags {
			k := aws.ToString(t.Key)
			if t.Value == nil || tags[k] == aws.ToString(t.Value) {
				delete(tags, k)
				f.Calls = append(f.Calls, fmt.Sprintf("untag %s %s", id, k))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return &ec2.DeleteTagsOutput{}, nil
}

// each calls change with the tags of every resource of ids, in order,
// under the lock; it stops at the first id the account does not have,
// with the service's error code notFound (EC2's InvalidAMIID.NotFound,
// Image Builder's ResourceNotFoundException).
func (f *tagged) each(ids []string, notFound string, change func(id string, tags map[string]string)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range ids {
		tags, ok := f.images[id]
		if !ok {
			return fmt.Errorf("%s: %s", notFound, id)
		}
		change(id, tags)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// FakeImageBuilder is an in-memory account's Image Builder image
// resources and their tags. It implements ImageBuilder: TagResource and
// UntagResource fail for a resource it does not have, as Image Builder's
// do (ResourceNotFoundException).
type FakeImageBuilder struct {
	// tagged: arn -> tags; Calls records every TagResource and
	// UntagResource, in order.
	tagged
}

// NewFakeImageBuilder returns an account with the image resources arns,
// untagged.
func NewFakeImageBuilder(arns ...string) *FakeImageBuilder {
	f := &FakeImageBuilder{tagged{images: map[string]map[string]string{}}}
	for _, a := range arns {
		f.Add(a)
	}
	return f
}

// TagResource implements ImageBuilder.
func (f *FakeImageBuilder) TagResource(_ context.Context, in *imagebuilder.TagResourceInput, _ ...func(*imagebuilder.Options)) (*imagebuilder.TagResourceOutput, error) {
	err := f.each([]string{aws.ToString(in.ResourceArn)}, "ResourceNotFoundException", func(arn string, tags map[string]string) {
		for _, k := range sortedKeys(in.Tags) {
			tags[k] = in.Tags[k]
			f.Calls = append(f.Calls, fmt.Sprintf("tag %s %s=%s", arn, k, in.Tags[k]))
		}
	})
	if err != nil {
		return nil, err
	}
	return &imagebuilder.TagResourceOutput{}, nil
}

// UntagResource implements ImageBuilder.
func (f *FakeImageBuilder) UntagResource(_ context.Context, in *imagebuilder.UntagResourceInput, _ ...func(*imagebuilder.Options)) (*imagebuilder.UntagResourceOutput, error) {
	err := f.each([]string{aws.ToString(in.ResourceArn)}, "ResourceNotFoundException", func(arn string, tags map[string]string) {
		for _, k := range in.TagKeys {
			if _, has := tags[k]; has {
				delete(tags, k)
				f.Calls = append(f.Calls, fmt.Sprintf("untag %s %s", arn, k))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return &imagebuilder.UntagResourceOutput{}, nil
}
