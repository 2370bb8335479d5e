// Package marks keeps the AMIs the fleets depend on out of reach of the
// Image Builder lifecycle policies.
//
// Lifecycle policies have no notion of "in use": an AMI in a golden AMI
// parameter is just an old image to them. So every AMI a fleet runs or may
// roll back to carries tags, set wherever a golden parameter is written,
// and every rule of every lifecycle policy of this app excludes them:
//
//	golden-fleet:retain = true                        every marked AMI; the policies' exclusion rule
//	golden-fleet:golden:<prefix>-<env> = current      the AMI in that fleet's golden parameter
//	golden-fleet:golden:<prefix>-<env> = previous     its rollback target (fleetctl rollback's default)
//
// The same tags go on the Image Builder image resource that built the AMI
// (its Ec2ImageBuilderArn tag), when that resource is in the AMI's
// account: the policies' rules act on image resources, and an exclusion
// by AMI tag (ExclusionRules.Amis.TagMap) keeps the AMI but not its image
// resource; ExclusionRules.TagMap, on the image resource's tags, keeps
// both (lifecycle.Exclusion).
//
// One AMI may carry several role tags (a dev AMI promoted to prod is
// current for both); it keeps golden-fleet:retain while it carries any.
//
// Who marks: the fleet stack's marker state machine on every change of the
// golden parameter (Image Builder's distribution writes it, and fleetctl
// promote the target's), and fleetctl rollback and fleetctl promote at
// once (Sync). Code that
// writes a golden parameter and wants the marks at once calls Sync, or
// Apply, with the EC2 client of the account and region that own the AMI. All of them apply the same rule,
// from the parameter's current state, so marking twice changes nothing.
package marks

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// The tag keys and values of the marks.
const (
	RetainKey     = "golden-fleet:retain"
	RetainValue   = "true"
	RoleKeyPrefix = "golden-fleet:golden:"
	Current       = "current"
	Previous      = "previous"
)

// RoleKey is the tag key that says which role an AMI has for fleet
// ("<prefix>-<env>", the app's config.Names.Base).
func RoleKey(fleet string) string { return RoleKeyPrefix + fleet }

// ImageBuilderArnTag is the tag Image Builder gives every AMI it
// creates: the ARN of its image resource.
const ImageBuilderArnTag = "Ec2ImageBuilderArn"

// Image is an AMI, its owner's account and its tags.
type Image struct {
	ID    string
	Owner string
	Tags  map[string]string
}

// BuiltHere returns the ARN of the Image Builder image resource that
// made the AMI (its ImageBuilderArnTag) when that resource is in the
// AMI's own account, "" otherwise: an AMI never built by Image Builder,
// or one whose tag names another account's image (a copy), whose tags
// that account's marker keeps.
func (im Image) BuiltHere() string {
	a, err := arn.Parse(im.Tags[ImageBuilderArnTag])
	if err != nil || a.Service != "imagebuilder" || a.AccountID != im.Owner || !strings.HasPrefix(a.Resource, "image/") {
		return ""
	}
	return a.String()
}

// Change is one AMI's tag change: Set, then Unset. The same change is
// made on ImageArn, the Image Builder image resource that built the AMI
// ("" for none in this account): the lifecycle policies' deprecate and
// delete rules act on image resources, and only ExclusionRules.TagMap,
// tags on the image resource, keeps them from it.
type Change struct {
	ImageID  string
	ImageArn string
	Set      map[string]string
	Unset    []string
}

// Plan returns the tag changes that make fleet's marks say: current is
// its golden AMI and previous its rollback target ("" for none). owned
// are the AMIs among current and previous that the account owns (an
// Amazon-owned seed image cannot be tagged and needs no mark); tagged are
// all the account's AMIs that carry RoleKey(fleet). Marks come first,
// removals last, so that a failure half-way keeps an AMI too many, never
// one too few. An AMI loses RetainKey only when no role tag of any fleet
// is left on it.
func Plan(fleet, current, previous string, owned, tagged []Image) []Change {
	key := RoleKey(fleet)
	var out []Change
	isOwned := map[string]*Image{}
	for i := range owned {
		isOwned[owned[i].ID] = &owned[i]
	}
	for _, r := range []struct{ id, role string }{{current, Current}, {previous, Previous}} {
		if r.id == "" || isOwned[r.id] == nil || (r.role == Previous && r.id == current) {
			continue
		}
		out = append(out, Change{ImageID: r.id, ImageArn: isOwned[r.id].BuiltHere(), Set: map[string]string{key: r.role, RetainKey: RetainValue}})
	}
	sorted := slices.Clone(tagged)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	for _, im := range sorted {
		if im.ID == current || im.ID == previous {
			continue
		}
		c := Change{ImageID: im.ID, ImageArn: im.BuiltHere(), Unset: []string{key}}
		if !otherRoles(im.Tags, key) {
			c.Unset = append(c.Unset, RetainKey)
		}
		out = append(out, c)
	}
	return out
}

func otherRoles(tags map[string]string, except string) bool {
	for k := range tags {
		if k != except && len(k) > len(RoleKeyPrefix) && k[:len(RoleKeyPrefix)] == RoleKeyPrefix {
			return true
		}
	}
	return false
}

// EC2 is what Apply needs of the EC2 API.
type EC2 interface {
	ec2.DescribeImagesAPIClient
	CreateTags(context.Context, *ec2.CreateTagsInput, ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error)
	DeleteTags(context.Context, *ec2.DeleteTagsInput, ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error)
}

// ImageBuilder is what Apply needs of the Image Builder API: tagging
// image resources (TagResource, UntagResource).
type ImageBuilder interface {
	TagResource(context.Context, *imagebuilder.TagResourceInput, ...func(*imagebuilder.Options)) (*imagebuilder.TagResourceOutput, error)
	UntagResource(context.Context, *imagebuilder.UntagResourceInput, ...func(*imagebuilder.Options)) (*imagebuilder.UntagResourceOutput, error)
}

// SSM is what Sync needs of the SSM API.
type SSM interface {
	ssm.GetParameterHistoryAPIClient
}

// Apply marks current and previous for fleet in the account and region of
// api, and the Image Builder image resources that built them (ib, same
// account and region), unmarks the AMIs and image resources that lost
// their role, and returns the changes it made.
func Apply(ctx context.Context, api EC2, ib ImageBuilder, fleet, current, previous string) ([]Change, error) {
	var ids []string
	for _, id := range []string{current, previous} {
		if id != "" {
			ids = append(ids, id)
		}
	}
	var owned []Image
	if len(ids) > 0 {
		var err error
		// A filter, not ImageIds: an AMI that is not ours (the seed) or no
		// longer exists is left out instead of failing the call.
		if owned, err = images(ctx, api, ec2types.Filter{Name: aws.String("image-id"), Values: ids}); err != nil {
			return nil, err
		}
	}
	tagged, err := images(ctx, api, ec2types.Filter{Name: aws.String("tag-key"), Values: []string{RoleKey(fleet)}})
	if err != nil {
		return nil, err
	}
	changes := Plan(fleet, current, previous, owned, tagged)
	for i, c := range changes {
		if len(c.Set) > 0 {
			var tags []ec2types.Tag
			for _, k := range slices.Sorted(maps.Keys(c.Set)) {
				tags = append(tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(c.Set[k])})
			}
			if _, err := api.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{c.ImageID}, Tags: tags}); err != nil {
				return changes[:i], fmt.Errorf("marking %s: %w", c.ImageID, err)
			}
			if c.ImageArn != "" {
				if _, err := ib.TagResource(ctx, &imagebuilder.TagResourceInput{ResourceArn: aws.String(c.ImageArn), Tags: c.Set}); err != nil {
					return changes[:i], fmt.Errorf("marking %s's image resource %s: %w", c.ImageID, c.ImageArn, err)
				}
			}
		}
		if len(c.Unset) > 0 {
			var tags []ec2types.Tag
			for _, k := range c.Unset {
				tags = append(tags, ec2types.Tag{Key: aws.String(k)})
			}
			if _, err := api.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{c.ImageID}, Tags: tags}); err != nil {
				return changes[:i], fmt.Errorf("unmarking %s: %w", c.ImageID, err)
			}
			if c.ImageArn != "" {
				if _, err := ib.UntagResource(ctx, &imagebuilder.UntagResourceInput{ResourceArn: aws.String(c.ImageArn), TagKeys: c.Unset}); err != nil {
					return changes[:i], fmt.Errorf("unmarking %s's image resource %s: %w", c.ImageID, c.ImageArn, err)
				}
			}
		}
	}
	return changes, nil
}

func images(ctx context.Context, api EC2, filter ec2types.Filter) ([]Image, error) {
	var out []Image
	p := ec2.NewDescribeImagesPaginator(api, &ec2.DescribeImagesInput{Owners: []string{"self"}, Filters: []ec2types.Filter{filter}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describing AMIs (%s %v): %w", aws.ToString(filter.Name), filter.Values, err)
		}
		for _, im := range page.Images {
			tags := map[string]string{}
			for _, t := range im.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			out = append(out, Image{ID: aws.ToString(im.ImageId), Owner: aws.ToString(im.OwnerId), Tags: tags})
		}
	}
	return out, nil
}

// Version is one version of a parameter's history.
type Version struct {
	Number int64
	Value  string
}

// Roles returns the golden AMI (the newest value) and the rollback target
// (the newest value that differs from it; "" if none) of a golden
// parameter's history, in any order.
func Roles(history []Version) (current, previous string) {
	h := slices.Clone(history)
	sort.Slice(h, func(i, j int) bool { return h[i].Number < h[j].Number })
	if len(h) == 0 {
		return "", ""
	}
	current = h[len(h)-1].Value
	for i := len(h) - 2; i >= 0; i-- {
		if h[i].Value != current {
			return current, h[i].Value
		}
	}
	return current, ""
}

// Sync reads the history of the golden parameter of fleet and applies its
// roles (Apply). Call it after writing the parameter.
func Sync(ctx context.Context, ssmAPI SSM, ec2API EC2, ib ImageBuilder, fleet, parameter string) ([]Change, error) {
	var history []Version
	p := ssm.NewGetParameterHistoryPaginator(ssmAPI, &ssm.GetParameterHistoryInput{Name: aws.String(parameter)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", parameter, err)
		}
		for _, v := range page.Parameters {
			history = append(history, versionOf(v))
		}
	}
	current, previous := Roles(history)
	if current == "" {
		return nil, fmt.Errorf("%s has no value", parameter)
	}
	return Apply(ctx, ec2API, ib, fleet, current, previous)
}

func versionOf(v ssmtypes.ParameterHistory) Version {
	return Version{Number: v.Version, Value: aws.ToString(v.Value)}
}
