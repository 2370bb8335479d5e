package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	ibtypes "github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/config/configtest"
)

// Nothing here talks to AWS: prices, the terminal, Image Builder and the
// clean-up's calls are fakes.

func fixture(t *testing.T) (config.App, config.Environment, config.Environment) {
	t.Helper()
	app := configtest.WithAddedEnvironments()
	bake, ok1 := app.Environment(configtest.AddedBaking)
	promote, ok2 := app.Environment(configtest.AddedPromoting)
	if !ok1 || !ok2 {
		t.Fatal("configtest adds no baking or no promoting environment")
	}
	return app, bake, promote
}

func vars(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func good(e config.Environment) map[string]string {
	return map[string]string{TargetVar: "aws", AccountVar: e.Account, ProfileVar: "sandbox", RegionVar: e.Region, EnvVar: e.Name}
}

func TestSettingsRefuseCIMissingVariablesAndDisagreements(t *testing.T) {
	app, bake, promote := fixture(t)
	if _, err := SettingsFrom(vars(good(bake)), app); err != nil {
		t.Fatalf("complete settings refused: %v", err)
	}
	for _, c := range []struct {
		name  string
		edit  func(m map[string]string)
		wants []string
	}{
		{"CI=true", func(m map[string]string) { m["CI"] = "true" }, []string{"CI=true", "refused"}},
		{"no account", func(m map[string]string) { delete(m, AccountVar) }, []string{AccountVar}},
		{"no profile", func(m map[string]string) { delete(m, ProfileVar) }, []string{ProfileVar}},
		{"no region", func(m map[string]string) { delete(m, RegionVar) }, []string{RegionVar}},
		{"no environment", func(m map[string]string) { delete(m, EnvVar) }, []string{EnvVar}},
		{"unknown environment", func(m map[string]string) { m[EnvVar] = "nowhere" }, []string{EnvVar, `"nowhere"`, bake.Name}},
		{"promoting environment", func(m map[string]string) {
			m[EnvVar], m[AccountVar], m[RegionVar] = promote.Name, promote.Account, promote.Region
		}, []string{promote.Name, "promotes", "baking"}},
		{"other account", func(m map[string]string) { m[AccountVar] = "999999999999" }, []string{AccountVar, "999999999999", bake.Account}},
		{"other region", func(m map[string]string) { m[RegionVar] = "xx-nowhere-1" }, []string{RegionVar, "xx-nowhere-1", bake.Region}},
	} {
		m := good(bake)
		c.edit(m)
		_, err := SettingsFrom(vars(m), app)
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		for _, w := range c.wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not name %q", c.name, err, w)
			}
		}
	}
	if WantsAWS(vars(map[string]string{})) || WantsAWS(vars(map[string]string{TargetVar: "emulator"})) || !WantsAWS(vars(map[string]string{TargetVar: "aws"})) {
		t.Error("only GOLDEN_FLEET_TARGET=aws chooses the real account")
	}
}

func plan(t *testing.T, price PriceFunc) Plan {
	t.Helper()
	app, bake, _ := fixture(t)
	s, err := SettingsFrom(vars(good(bake)), app)
	if err != nil {
		t.Fatal(err)
	}
	s.Env.Fleet.InstanceType, s.Env.Fleet.DesiredCapacity = "t3.micro", 2
	s.Env.Image.BuildInstanceTypes = []string{"m5.large"}
	return NewPlan(context.Background(), s, app, price)
}

func TestThePlanSaysWhatItCreatesAndRoughlyWhatItCosts(t *testing.T) {
	asked := map[string]string{}
	p := plan(t, func(_ context.Context, it, region string) (float64, error) {
		asked[it] = region
		return map[string]float64{"t3.micro": 0.0104, "m5.large": 0.096}[it], nil
	})
	app, _, _ := fixture(t)
	n := app.NamesOf(p.Env)
	if len(asked) != 2 || asked["t3.micro"] != p.Region || asked["m5.large"] != p.Region {
		t.Errorf("prices looked up %v, want the fleet's and the build's instance type in %s", asked, p.Region)
	}
	text := p.String()
	wants := []string{p.Account, p.Region, p.Profile, n.Pipeline(), n.GoldenParameter(), "2 x t3.micro", "m5.large",
		// fleet: 3 instances (2 + a replacement) x 2h x 0.0104; build: 2 x 1h x 0.096
		"= 0.06 USD", "= 0.19 USD", "about 0.25 USD", "prices vary by region", "assuming", "not counted", "NAT gateway"}
	for _, s := range p.Stacks {
		wants = append(wants, s)
	}
	if len(p.Stacks) < 2 {
		t.Errorf("stacks %v: want the environment's fleet and image factory at least", p.Stacks)
	}
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("the plan lacks %q:\n%s", w, text)
		}
	}
}

func TestThePlanSaysWhenAPriceIsNotFound(t *testing.T) {
	p := plan(t, func(_ context.Context, it, _ string) (float64, error) {
		if it == "m5.large" {
			return 0, errors.New("AccessDenied: pricing:GetProducts")
		}
		return 0.0104, nil
	})
	text := p.String()
	for _, w := range []string{"m5.large x 1h: price not found (AccessDenied: pricing:GetProducts)", "total is unknown"} {
		if !strings.Contains(text, w) {
			t.Errorf("the plan lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "about ") {
		t.Errorf("a total without every price:\n%s", text)
	}
}

type fakeTTY struct {
	io.Reader
	bytes.Buffer
}

func (f *fakeTTY) Read(p []byte) (int, error) { return f.Reader.Read(p) }
func (f *fakeTTY) Close() error               { return nil }

func TestConfirmationIsTypedOnATerminal(t *testing.T) {
	p := plan(t, func(context.Context, string, string) (float64, error) { return 0.01, nil })
	var out bytes.Buffer
	err := Confirm(p, &out, func() (io.ReadWriteCloser, error) { return nil, errors.New("open /dev/tty: no such device or address") })
	if err == nil || !strings.Contains(err.Error(), "no terminal") {
		t.Errorf("without a terminal: %v, want a refusal", err)
	}
	if !strings.Contains(out.String(), "It will create") {
		t.Errorf("the plan was not printed before the question:\n%s", out.String())
	}
	for _, typed := range []string{"", "yes\n", "y\n", "create in 000000000000\n"} {
		tty := &fakeTTY{Reader: strings.NewReader(typed)}
		if err := Confirm(p, io.Discard, func() (io.ReadWriteCloser, error) { return tty, nil }); err == nil {
			t.Errorf("typed %q: accepted", typed)
		}
	}
	tty := &fakeTTY{Reader: strings.NewReader(p.Phrase() + "\n")}
	if err := Confirm(p, io.Discard, func() (io.ReadWriteCloser, error) { return tty, nil }); err != nil {
		t.Errorf("typed the phrase: %v", err)
	}
	if !strings.Contains(tty.String(), p.Phrase()) || !strings.Contains(p.Phrase(), p.Account) {
		t.Errorf("the question %q does not show the phrase %q naming the account", tty.String(), p.Phrase())
	}
}

func TestOnDemandUSDReadsAPriceListDocument(t *testing.T) {
	// The shape of a pricing:GetProducts PriceList entry (AWS Price List
	// Query API), cut to what is read.
	doc := `{"product":{"attributes":{"instanceType":"t3.micro"}},"terms":{"OnDemand":{"X.JRTCKXETXF":{"priceDimensions":{"X.JRTCKXETXF.6YS6EN2CT7":{"unit":"Hrs","pricePerUnit":{"USD":"0.0104000000"}}}}},"Reserved":{}}}`
	v, err := OnDemandUSD(doc)
	if err != nil || v != 0.0104 {
		t.Errorf("got %v, %v; want 0.0104", v, err)
	}
	if _, err := OnDemandUSD(`{"terms":{"OnDemand":{}}}`); err == nil {
		t.Error("a document without an on-demand price gave one")
	}
}

type images []ibtypes.ImageState

func (s *images) GetImage(context.Context, *imagebuilder.GetImageInput, ...func(*imagebuilder.Options)) (*imagebuilder.GetImageOutput, error) {
	st := (*s)[0]
	if len(*s) > 1 {
		*s = (*s)[1:]
	}
	img := &ibtypes.Image{State: &st}
	if st.Status == ibtypes.ImageStatusAvailable {
		img.OutputResources = &ibtypes.OutputResources{Amis: []ibtypes.Ami{
			{Region: aws.String("us-west-2"), Image: aws.String("ami-other")}, {Region: aws.String("eu-west-1"), Image: aws.String("ami-0123")}}}
	}
	return &imagebuilder.GetImageOutput{Image: img}, nil
}

func TestWaitImage(t *testing.T) {
	ctx, logf := context.Background(), func(string, ...any) {}
	s := &images{{Status: ibtypes.ImageStatusBuilding}, {Status: ibtypes.ImageStatusTesting}, {Status: ibtypes.ImageStatusAvailable}}
	if ami, err := WaitImage(ctx, s, "arn", "eu-west-1", time.Minute, time.Millisecond, logf); err != nil || ami != "ami-0123" {
		t.Errorf("got %q, %v; want the region's ami-0123", ami, err)
	}
	s = &images{{Status: ibtypes.ImageStatusBuilding}, {Status: ibtypes.ImageStatusFailed, Reason: aws.String("component failed")}}
	if _, err := WaitImage(ctx, s, "arn", "eu-west-1", time.Minute, time.Millisecond, logf); err == nil || !strings.Contains(err.Error(), "component failed") {
		t.Errorf("a failed build: %v, want its reason", err)
	}
	s = &images{{Status: ibtypes.ImageStatusBuilding}}
	start := time.Now()
	_, err := WaitImage(ctx, s, "arn", "eu-west-1", 20*time.Millisecond, time.Millisecond, logf)
	if err == nil || !strings.Contains(err.Error(), "still BUILDING after 20ms") {
		t.Errorf("an endless build: %v, want the bound reported", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("the wait ran past its bound")
	}
}

func TestCleanTriesEverythingAndSaysWhatItLeft(t *testing.T) {
	var did []string
	snap := func(id string) ec2types.BlockDeviceMapping {
		return ec2types.BlockDeviceMapping{Ebs: &ec2types.EbsBlockDevice{SnapshotId: aws.String(id)}}
	}
	c := Cleaner{
		PipelineAMIs: func(context.Context) ([]string, error) { return []string{"ami-2", "ami-3"}, nil },
		Destroy:      func(context.Context) error { did = append(did, "destroy"); return errors.New("stack DELETE_FAILED") },
		DescribeImages: func(_ context.Context, in *ec2.DescribeImagesInput, _ ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
			return &ec2.DescribeImagesOutput{Images: []ec2types.Image{{ImageId: aws.String(in.ImageIds[0]),
				BlockDeviceMappings: []ec2types.BlockDeviceMapping{snap("snap-a-" + in.ImageIds[0]), snap("snap-b-" + in.ImageIds[0]), {}}}}}, nil
		},
		DeregisterImage: func(_ context.Context, in *ec2.DeregisterImageInput, _ ...func(*ec2.Options)) (*ec2.DeregisterImageOutput, error) {
			did = append(did, "deregister "+*in.ImageId)
			return &ec2.DeregisterImageOutput{}, nil
		},
		DeleteSnapshot: func(_ context.Context, in *ec2.DeleteSnapshotInput, _ ...func(*ec2.Options)) (*ec2.DeleteSnapshotOutput, error) {
			did = append(did, "delete "+*in.SnapshotId)
			if strings.HasPrefix(*in.SnapshotId, "snap-a-ami-2") {
				return nil, errors.New("InvalidSnapshot.InUse")
			}
			return &ec2.DeleteSnapshotOutput{}, nil
		},
		DeleteParameter: func(_ context.Context, in *ssm.DeleteParameterInput, _ ...func(*ssm.Options)) (*ssm.DeleteParameterOutput, error) {
			did = append(did, "delete "+*in.Name)
			return nil, &ssmtypes.ParameterNotFound{}
		},
	}
	// ami-3: a build the test did not start (the schedule's).
	left := c.Clean(context.Background(), []string{"s-fleet", "s-image-factory"}, []string{"ami-1", "ami-2"}, "/p")
	want := []string{"destroy", "deregister ami-1", "delete snap-a-ami-1", "delete snap-b-ami-1",
		"deregister ami-2", "delete snap-a-ami-2", "delete snap-b-ami-2",
		"deregister ami-3", "delete snap-a-ami-3", "delete snap-b-ami-3", "delete /p"}
	if fmt.Sprint(did) != fmt.Sprint(want) {
		t.Errorf("did %v, want %v", did, want)
	}
	// The parameter already gone is clean; the failed stack and snapshot are not.
	if len(left) != 2 || !strings.Contains(left[0], "s-fleet, s-image-factory") || !strings.Contains(left[0], "DELETE_FAILED") ||
		!strings.Contains(left[1], "snap-a-ami-2") || !strings.Contains(left[1], "InUse") {
		t.Errorf("left %q, want the stacks and snap-a-ami-2, each with why", left)
	}
}

// The guide's "Against a real sandbox account" shows the plan as printed:
// its block is what the code prints for its settings (prices aside).
func TestTheGuideShowsThePlanAsPrinted(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "day2-on-your-laptop.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(b), "```\nThe rollout invariants against a real account:")
	if !ok {
		t.Fatal("the guide shows no plan")
	}
	block, _, _ = strings.Cut("The rollout invariants against a real account:"+block, "\n```")
	app, bake, _ := fixture(t)
	env := bake
	env.Name, env.Account, env.Region = "sandbox", "111122223333", "eu-west-1"
	env.Fleet.InstanceType, env.Fleet.DesiredCapacity, env.Image.BuildInstanceTypes = "t3.micro", 2, []string{"t3.micro"}
	if env.Network.Existing != nil {
		t.Fatal("the fixture's environment has no network stack; the guide shows one")
	}
	p := NewPlan(context.Background(), Settings{Account: env.Account, Profile: "sandbox", Region: env.Region, Env: env}, app,
		func(context.Context, string, string) (float64, error) { return 0.0118, nil })
	got := regexp.MustCompile(`[0-9]+\.[0-9]+ USD`).ReplaceAllString(p.String(), "… USD") +
		fmt.Sprintf("Type %q to go on, anything else to stop: ", p.Phrase())
	if strings.TrimSpace(got) != strings.TrimSpace(block) {
		t.Errorf("the guide's plan differs from the printed one; printed (prices as …):\n%s\nthe guide:\n%s", got, block)
	}
}

func TestCleanSaysWhenItCannotListThePipelinesImages(t *testing.T) {
	ok := func(context.Context, *ec2.DescribeImagesInput, ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
		return &ec2.DescribeImagesOutput{Images: []ec2types.Image{{}}}, nil
	}
	c := Cleaner{
		PipelineAMIs:   func(context.Context) ([]string, error) { return nil, errors.New("AccessDenied") },
		Destroy:        func(context.Context) error { return nil },
		DescribeImages: ok,
		DeregisterImage: func(context.Context, *ec2.DeregisterImageInput, ...func(*ec2.Options)) (*ec2.DeregisterImageOutput, error) {
			return &ec2.DeregisterImageOutput{}, nil
		},
		DeleteParameter: func(context.Context, *ssm.DeleteParameterInput, ...func(*ssm.Options)) (*ssm.DeleteParameterOutput, error) {
			return &ssm.DeleteParameterOutput{}, nil
		},
	}
	left := c.Clean(context.Background(), []string{"s"}, []string{"ami-1"}, "/p")
	if len(left) != 1 || !strings.Contains(left[0], "AccessDenied") || !strings.Contains(left[0], "ami-1") {
		t.Errorf("left %q, want one line: the pipeline's other AMIs, unlisted, and why", left)
	}
}
