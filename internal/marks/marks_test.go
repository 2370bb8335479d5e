package marks

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/immutable-server/golden-fleet/internal/marks/markstest"
)

const (
	fleet = "gf-dev"
	a     = "ami-0aaaaaaaaaaaaaaaa"
	b     = "ami-0bbbbbbbbbbbbbbbb"
	c     = "ami-0cccccccccccccccc"
	d     = "ami-0dddddddddddddddd"
	seed  = "ami-0eeeeeeeeeeeeeeee" // Amazon's, not the account's
)

func role(r string) map[string]string {
	return map[string]string{RoleKey(fleet): r, RetainKey: RetainValue}
}

func TestPlanMarksTheGoldenAMIAndItsRollbackTargetAndUnmarksTheRest(t *testing.T) {
	for _, tc := range []struct {
		name              string
		current, previous string
		owned, tagged     []Image
		want              []Change
	}{
		{name: "first build after the seed: the seed is not ours",
			current: a, previous: seed, owned: []Image{{ID: a}},
			want: []Change{{ImageID: a, Set: role(Current)}}},
		{name: "a build: the old golden AMI becomes the rollback target, the old target loses its mark",
			current: c, previous: b, owned: []Image{{ID: b}, {ID: c}},
			tagged: []Image{{ID: a, Tags: role(Previous)}, {ID: b, Tags: role(Current)}},
			want: []Change{
				{ImageID: c, Set: role(Current)},
				{ImageID: b, Set: role(Previous)},
				{ImageID: a, Unset: []string{RoleKey(fleet), RetainKey}},
			}},
		{name: "a rollback swaps the roles and unmarks nothing",
			current: b, previous: c, owned: []Image{{ID: b}, {ID: c}},
			tagged: []Image{{ID: b, Tags: role(Previous)}, {ID: c, Tags: role(Current)}},
			want:   []Change{{ImageID: b, Set: role(Current)}, {ImageID: c, Set: role(Previous)}}},
		{name: "an AMI another fleet runs keeps its retain mark",
			current: c, previous: b, owned: []Image{{ID: b}, {ID: c}},
			tagged: []Image{{ID: a, Tags: map[string]string{RoleKey(fleet): Previous, RoleKey("gf-prod"): Current, RetainKey: RetainValue}}},
			want: []Change{
				{ImageID: c, Set: role(Current)},
				{ImageID: b, Set: role(Previous)},
				{ImageID: a, Unset: []string{RoleKey(fleet)}},
			}},
		{name: "a deregistered AMI is not marked",
			current: c, previous: b, owned: []Image{{ID: c}},
			want: []Change{{ImageID: c, Set: role(Current)}}},
		{name: "the image resources that built them are marked too, where they are in the AMI's account",
			current: c, previous: b,
			owned: []Image{{ID: b, Owner: markstest.FakeAccount, Tags: map[string]string{ImageBuilderArnTag: markstest.FakeImageArn(b)}},
				// a copy: its tag names the image resource of another account
				{ID: c, Owner: "444455556666", Tags: map[string]string{ImageBuilderArnTag: markstest.FakeImageArn(c)}}},
			tagged: []Image{{ID: a, Owner: markstest.FakeAccount, Tags: map[string]string{ImageBuilderArnTag: markstest.FakeImageArn(a), RoleKey(fleet): Current, RetainKey: RetainValue}}},
			want: []Change{
				{ImageID: c, Set: role(Current)},
				{ImageID: b, ImageArn: markstest.FakeImageArn(b), Set: role(Previous)},
				{ImageID: a, ImageArn: markstest.FakeImageArn(a), Unset: []string{RoleKey(fleet), RetainKey}},
			}},
		{name: "no rollback target",
			current: a, owned: []Image{{ID: a}},
			tagged: []Image{{ID: d, Tags: role(Current)}},
			want:   []Change{{ImageID: a, Set: role(Current)}, {ImageID: d, Unset: []string{RoleKey(fleet), RetainKey}}}},
	} {
		if got := Plan(fleet, tc.current, tc.previous, tc.owned, tc.tagged); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\ngot  %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestRolesAreTheNewestValueAndTheNewestDifferentOne(t *testing.T) {
	for _, tc := range []struct {
		name              string
		history           []Version
		current, previous string
	}{
		{"empty", nil, "", ""},
		{"only the seed", []Version{{1, seed}}, seed, ""},
		{"builds", []Version{{1, seed}, {2, a}, {3, b}}, b, a},
		{"the same AMI written twice", []Version{{1, seed}, {2, a}, {3, b}, {4, b}}, b, a},
		{"after a rollback", []Version{{1, a}, {2, b}, {3, a}}, a, b},
		{"out of order", []Version{{3, b}, {1, seed}, {2, a}}, b, a},
	} {
		cur, prev := Roles(tc.history)
		if cur != tc.current || prev != tc.previous {
			t.Errorf("%s: got (%s, %s), want (%s, %s)", tc.name, cur, prev, tc.current, tc.previous)
		}
	}
}

type history []ssmtypes.ParameterHistory

func (h history) GetParameterHistory(context.Context, *ssm.GetParameterHistoryInput, ...func(*ssm.Options)) (*ssm.GetParameterHistoryOutput, error) {
	return &ssm.GetParameterHistoryOutput{Parameters: h}, nil
}

func version(n int64, v string) ssmtypes.ParameterHistory {
	return ssmtypes.ParameterHistory{Version: n, Value: &v}
}

// A sequence of writes, each followed by Sync, leaves exactly the golden
// AMI and its rollback target marked, and the Image Builder image
// resources that built them (a, b, c; d was made by hand), whatever the
// history, and marking again changes nothing.
func TestSyncFollowsBuildsAndRollbacks(t *testing.T) {
	ctx := context.Background()
	account := markstest.NewFakeEC2(d)
	builder := markstest.NewFakeImageBuilder()
	for _, id := range []string{a, b, c} {
		account.AddBuilt(id, markstest.FakeImageArn(id))
		builder.Add(markstest.FakeImageArn(id))
	}
	var h history
	write := func(v string) {
		h = append(h, version(int64(len(h)+1), v))
		if _, err := Sync(ctx, h, account, builder, fleet, "/imagebuilder/gf/dev/golden-ami"); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step, current, previous string) {
		t.Helper()
		for _, id := range []string{a, b, c, d} {
			want := map[string]string{}
			switch id {
			case current:
				want = role(Current)
			case previous:
				want = role(Previous)
			}
			got := account.Tags(id)
			delete(got, ImageBuilderArnTag)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s has tags %v, want %v", step, id, got, want)
			}
			if id == d {
				continue
			}
			if got := builder.Tags(markstest.FakeImageArn(id)); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: the image resource of %s has tags %v, want %v", step, id, got, want)
			}
		}
	}
	write(seed)
	check("seed", "", "")
	write(a)
	check("build a", a, "")
	write(b)
	check("build b", b, a)
	write(c)
	check("build c", c, b)
	write(b)
	check("rollback to b", b, c)
	write(d)
	check("build d", d, b)
	write(a)
	check("rollback --to a", a, d)
	before := len(account.Calls)
	if changes, err := Sync(ctx, h, account, builder, fleet, "/imagebuilder/gf/dev/golden-ami"); err != nil {
		t.Fatal(err)
	} else if len(changes) != 2 || account.Calls[before:][0] != "tag "+a+" "+RoleKey(fleet)+"=current" {
		t.Errorf("marking again: changes %+v, calls %v; want only the two idempotent marks", changes, account.Calls[before:])
	}
	check("again", a, d)
}

type failingTags struct {
	*markstest.FakeEC2
	failOn string
}

func (f failingTags) DeleteTags(ctx context.Context, in *ec2.DeleteTagsInput, o ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error) {
	if in.Resources[0] == f.failOn {
		return nil, errors.New("throttled")
	}
	return f.FakeEC2.DeleteTags(ctx, in, o...)
}

// Marks are written before anything is unmarked: a failure keeps one AMI
// too many, never one too few.
func TestApplyMarksBeforeItUnmarks(t *testing.T) {
	account := markstest.NewFakeEC2(a, b, c)
	ctx := context.Background()
	if _, err := Apply(ctx, account, markstest.NewFakeImageBuilder(), fleet, b, a); err != nil {
		t.Fatal(err)
	}
	_, err := Apply(ctx, failingTags{account, a}, markstest.NewFakeImageBuilder(), fleet, c, b)
	if err == nil {
		t.Fatal("want the DeleteTags failure")
	}
	if account.Tags(c)[RoleKey(fleet)] != Current || account.Tags(b)[RoleKey(fleet)] != Previous || account.Tags(a)[RetainKey] != RetainValue {
		t.Errorf("after a failed unmark: a %v, b %v, c %v; want c current, b previous, a still retained", account.Tags(a), account.Tags(b), account.Tags(c))
	}
}
