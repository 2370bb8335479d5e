package sandbox

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/imagebuilder"
	ibtypes "github.com/aws/aws-sdk-go-v2/service/imagebuilder/types"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	pricingtypes "github.com/aws/aws-sdk-go-v2/service/pricing/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go/logging"

	"github.com/immutable-server/golden-fleet/config"
)

// The variables that choose and confirm the real-account target.
const (
	TargetVar  = "GOLDEN_FLEET_TARGET"      // "aws"; anything else or unset: the emulator
	AccountVar = "GOLDEN_FLEET_AWS_ACCOUNT" // the sandbox account's id, to confirm
	ProfileVar = "GOLDEN_FLEET_AWS_PROFILE" // the profile whose credentials act in it
	RegionVar  = "GOLDEN_FLEET_AWS_REGION"  // the region, to confirm
	EnvVar     = "GOLDEN_FLEET_ENV"         // the baking environment of config/environments.go
)

// Settings say which account, profile, region and environment the AWS
// target acts in.
type Settings struct {
	Account, Profile, Region string
	Env                      config.Environment
}

// WantsAWS: getenv asks for the real-account target.
func WantsAWS(getenv func(string) string) bool { return getenv(TargetVar) == "aws" }

// SettingsFrom reads the AWS target's settings, and refuses under CI, on
// a missing variable, on an environment that is unknown or promotes, and
// on an account or region other than the environment's.
func SettingsFrom(getenv func(string) string, app config.App) (Settings, error) {
	if ci := getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		return Settings{}, fmt.Errorf("%s=aws: refused under CI=%s: the real-account target creates billed resources and runs only from a person's terminal", TargetVar, ci)
	}
	s := Settings{Account: getenv(AccountVar), Profile: getenv(ProfileVar), Region: getenv(RegionVar)}
	var missing []string
	for _, v := range []struct{ name, value string }{{AccountVar, s.Account}, {ProfileVar, s.Profile}, {RegionVar, s.Region}, {EnvVar, getenv(EnvVar)}} {
		if v.value == "" {
			missing = append(missing, v.name)
		}
	}
	if len(missing) > 0 {
		return Settings{}, fmt.Errorf("%s=aws: set %s (the sandbox account's id, the profile that acts in it, its region, and the baking environment of config/environments.go that lives there)", TargetVar, strings.Join(missing, ", "))
	}
	env, ok := app.Environment(getenv(EnvVar))
	if !ok {
		var known []string
		for _, e := range app.Environments {
			known = append(known, e.Name)
		}
		return Settings{}, fmt.Errorf("%s: got %q: want an environment of config/environments.go (%s)", EnvVar, getenv(EnvVar), strings.Join(known, ", "))
	}
	if env.Promotion != nil {
		return Settings{}, fmt.Errorf("%s: got %q, which promotes from %s and builds nothing: want a baking environment", EnvVar, env.Name, env.Promotion.From)
	}
	if env.Account != s.Account {
		return Settings{}, fmt.Errorf("%s: got %s, but %s lives in account %s: the two must agree (set the environment's account in config/environments.go, or name another environment)", AccountVar, s.Account, env.Name, env.Account)
	}
	if env.Region != s.Region {
		return Settings{}, fmt.Errorf("%s: got %s, but %s lives in region %s: the two must agree", RegionVar, s.Region, env.Name, env.Region)
	}
	s.Env = env
	return s, nil
}

// Hours the estimate assumes each thing runs.
const (
	fleetHours = 2.0 // deploy, build, replacement, redeploy, destroy
	buildHours = 1.0 // one Image Builder build (build, then test instance)
)

// PriceFunc looks up the on-demand Linux price of an instance type in a
// region, in USD an hour.
type PriceFunc func(ctx context.Context, instanceType, region string) (float64, error)

// Plan is what the AWS target will create, and its rough cost.
type Plan struct {
	Settings
	Stacks        []string
	Pipeline      string
	GoldenParam   string
	FleetType     string
	Desired       int
	BuildType     string
	Prices        map[string]float64
	PriceFailures map[string]error
}

// NewPlan describes what Run creates for s, with the prices price finds.
func NewPlan(ctx context.Context, s Settings, app config.App, price PriceFunc) Plan {
	n := app.NamesOf(s.Env)
	p := Plan{Settings: s, Pipeline: n.Pipeline(), GoldenParam: n.GoldenParameter(),
		FleetType: s.Env.Fleet.InstanceType, Desired: s.Env.Fleet.DesiredCapacity,
		Prices: map[string]float64{}, PriceFailures: map[string]error{}}
	for _, r := range config.StackRoles {
		if r == config.NetworkStack && s.Env.Network.Existing != nil {
			continue
		}
		p.Stacks = append(p.Stacks, n.Stack(r))
	}
	if len(s.Env.Image.BuildInstanceTypes) > 0 {
		p.BuildType = s.Env.Image.BuildInstanceTypes[0]
	} else {
		p.BuildType = p.FleetType
	}
	for _, t := range []string{p.FleetType, p.BuildType} {
		if _, done := p.Prices[t]; done {
			continue
		}
		if v, err := price(ctx, t, s.Region); err != nil {
			p.PriceFailures[t] = err
		} else {
			p.Prices[t] = v
		}
	}
	return p
}

// Phrase is what the person types to go on.
func (p Plan) Phrase() string { return "create in " + p.Account }

// String is the plan as printed before the confirmation.
func (p Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "The rollout invariants against a real account: %s (account %s, region %s, profile %s).\n", p.Env.Name, p.Account, p.Region, p.Profile)
	fmt.Fprintf(&b, "It will create, then destroy:\n")
	fmt.Fprintf(&b, "  - the stacks %s (cdk deploy; cdk destroy at the end)\n", strings.Join(p.Stacks, ", "))
	fmt.Fprintf(&b, "  - the instances of the group: %d x %s, and one replacement\n", p.Desired, p.FleetType)
	fmt.Fprintf(&b, "  - one Image Builder build of %s on a %s build instance (then a test instance), and the AMI and snapshots it makes (deregistered and deleted at the end)\n", p.Pipeline, p.BuildType)
	fmt.Fprintf(&b, "  - the golden parameter %s (deleted at the end)\n", p.GoldenParam)
	fmt.Fprintf(&b, "Rough cost (on-demand Linux prices of %s looked up now with the AWS Price List API; prices vary by region and change):\n", p.Region)
	total, known := 0.0, true
	line := func(what, t string, count, hours float64) {
		if v, ok := p.Prices[t]; ok {
			fmt.Fprintf(&b, "  - %s: %g x %s x %gh at %.4f USD/h = %.2f USD\n", what, count, t, hours, v, count*hours*v)
			total += count * hours * v
			return
		}
		known = false
		fmt.Fprintf(&b, "  - %s: %g x %s x %gh: price not found (%v)\n", what, count, t, hours, p.PriceFailures[t])
	}
	line("fleet", p.FleetType, float64(p.Desired+1), fleetHours)
	line("build (the build instance, then the test instance)", p.BuildType, 2, buildHours)
	if known {
		fmt.Fprintf(&b, "  about %.2f USD for the instances", total)
	} else {
		fmt.Fprintf(&b, "  the instances' total is unknown (a price was not found)")
	}
	fmt.Fprintf(&b, ", assuming the run takes %gh and the build %gh; not counted (not looked up): the network stack's NAT gateway(s), EBS volumes and snapshots, KMS keys, logs, data transfer. Image Builder itself has no charge beyond the resources it uses.\n", fleetHours, buildHours)
	return b.String()
}

// Confirm prints the plan to out and asks for the phrase on the terminal
// tty opens; no terminal, or anything but the phrase, refuses.
func Confirm(p Plan, out io.Writer, tty func() (io.ReadWriteCloser, error)) error {
	fmt.Fprint(out, p.String())
	t, err := tty()
	if err != nil {
		return fmt.Errorf("%s=aws: refused: no terminal to confirm on (%v); the real-account target runs only when a person types the confirmation", TargetVar, err)
	}
	defer t.Close()
	fmt.Fprintf(t, "Type %q to go on, anything else to stop: ", p.Phrase())
	line, err := bufio.NewReader(t).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s=aws: refused: reading the confirmation: %v", TargetVar, err)
	}
	if got := strings.TrimSpace(line); got != p.Phrase() {
		return fmt.Errorf("%s=aws: refused: typed %q, not %q; nothing was created", TargetVar, got, p.Phrase())
	}
	return nil
}

// Terminal opens the controlling terminal.
func Terminal() (io.ReadWriteCloser, error) { return os.OpenFile("/dev/tty", os.O_RDWR, 0) }

// PriceList looks prices up with the AWS Price List API (pricing:GetProducts,
// served in us-east-1) with cfg's credentials.
func PriceList(cfg aws.Config) PriceFunc {
	c := pricing.NewFromConfig(cfg, func(o *pricing.Options) { o.Region = "us-east-1" })
	return func(ctx context.Context, instanceType, region string) (float64, error) {
		f := func(k, v string) pricingtypes.Filter {
			return pricingtypes.Filter{Type: pricingtypes.FilterTypeTermMatch, Field: aws.String(k), Value: aws.String(v)}
		}
		out, err := c.GetProducts(ctx, &pricing.GetProductsInput{ServiceCode: aws.String("AmazonEC2"), Filters: []pricingtypes.Filter{
			f("instanceType", instanceType), f("regionCode", region), f("operatingSystem", "Linux"),
			f("tenancy", "Shared"), f("preInstalledSw", "NA"), f("capacitystatus", "Used")}})
		if err != nil {
			return 0, err
		}
		for _, doc := range out.PriceList {
			if v, err := OnDemandUSD(doc); err == nil {
				return v, nil
			}
		}
		return 0, fmt.Errorf("no on-demand price for %s in %s", instanceType, region)
	}
}

// OnDemandUSD reads the hourly on-demand USD price of one Price List
// product document.
func OnDemandUSD(doc string) (float64, error) {
	var d struct {
		Terms struct {
			OnDemand map[string]struct {
				PriceDimensions map[string]struct {
					Unit         string            `json:"unit"`
					PricePerUnit map[string]string `json:"pricePerUnit"`
				} `json:"priceDimensions"`
			} `json:"OnDemand"`
		} `json:"terms"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return 0, err
	}
	for _, term := range d.Terms.OnDemand {
		for _, dim := range term.PriceDimensions {
			if s, ok := dim.PricePerUnit["USD"]; ok && dim.Unit == "Hrs" {
				return strconv.ParseFloat(s, 64)
			}
		}
	}
	return 0, errors.New("no hourly USD on-demand price in the document")
}

// ImageGetter is the part of Image Builder a build waits with.
type ImageGetter interface {
	GetImage(context.Context, *imagebuilder.GetImageInput, ...func(*imagebuilder.Options)) (*imagebuilder.GetImageOutput, error)
}

// WaitImage polls GetImage every poll until the image is AVAILABLE
// (its AMI in region), FAILED or CANCELLED, at most timeout.
func WaitImage(ctx context.Context, c ImageGetter, arn, region string, timeout, poll time.Duration, logf func(string, ...any)) (string, error) {
	start := time.Now()
	last := ibtypes.ImageStatus("")
	for {
		out, err := c.GetImage(ctx, &imagebuilder.GetImageInput{ImageBuildVersionArn: aws.String(arn)})
		if err != nil {
			return "", fmt.Errorf("GetImage %s: %w", arn, err)
		}
		var status ibtypes.ImageStatus
		var reason string
		if out.Image != nil && out.Image.State != nil {
			status, reason = out.Image.State.Status, aws.ToString(out.Image.State.Reason)
		}
		if status != last {
			logf("image %s: %s after %s", arn, status, time.Since(start).Round(time.Second))
			last = status
		}
		switch status {
		case ibtypes.ImageStatusAvailable:
			if out.Image.OutputResources != nil {
				for _, a := range out.Image.OutputResources.Amis {
					if aws.ToString(a.Region) == region {
						return aws.ToString(a.Image), nil
					}
				}
			}
			return "", fmt.Errorf("image %s is available but made no AMI in %s", arn, region)
		case ibtypes.ImageStatusFailed, ibtypes.ImageStatusCancelled, ibtypes.ImageStatusDeprecated, ibtypes.ImageStatusDeleted:
			return "", fmt.Errorf("image %s: %s: %s", arn, status, reason)
		}
		if time.Since(start) >= timeout {
			return "", fmt.Errorf("image %s still %s after %s (the wait's bound)", arn, status, timeout)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(poll):
		}
	}
}

// Cleaner is what the clean-up calls.
type Cleaner struct {
	// PipelineAMIs lists the AMIs of every image the pipeline made (a
	// scheduled build's too), before the stacks go.
	PipelineAMIs    func(ctx context.Context) ([]string, error)
	Destroy         func(ctx context.Context) error // cdk destroy of the stacks
	DescribeImages  func(context.Context, *ec2.DescribeImagesInput, ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error)
	DeregisterImage func(context.Context, *ec2.DeregisterImageInput, ...func(*ec2.Options)) (*ec2.DeregisterImageOutput, error)
	DeleteSnapshot  func(context.Context, *ec2.DeleteSnapshotInput, ...func(*ec2.Options)) (*ec2.DeleteSnapshotOutput, error)
	DeleteParameter func(context.Context, *ssm.DeleteParameterInput, ...func(*ssm.Options)) (*ssm.DeleteParameterOutput, error)
}

// Clean destroys the stacks, deregisters amis and deletes their snapshots,
// and deletes the golden parameter; it tries every step whatever failed
// before and returns what it could not clean.
func (c Cleaner) Clean(ctx context.Context, stacks, amis []string, parameter string) []string {
	var left []string
	if more, err := c.PipelineAMIs(ctx); err != nil {
		left = append(left, fmt.Sprintf("any AMI the pipeline made besides %v (could not list its images: %v)", amis, err))
	} else {
		for _, a := range more {
			if !slices.Contains(amis, a) {
				amis = append(amis, a)
			}
		}
	}
	if err := c.Destroy(ctx); err != nil {
		left = append(left, fmt.Sprintf("the stacks %s: %v", strings.Join(stacks, ", "), err))
	}
	for _, ami := range amis {
		img, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami}})
		if err != nil || len(img.Images) == 0 {
			left = append(left, fmt.Sprintf("AMI %s and its snapshots (not found: %v)", ami, err))
			continue
		}
		if _, err := c.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(ami)}); err != nil {
			left = append(left, fmt.Sprintf("AMI %s: %v", ami, err))
		}
		for _, m := range img.Images[0].BlockDeviceMappings {
			if m.Ebs == nil || m.Ebs.SnapshotId == nil {
				continue
			}
			if _, err := c.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: m.Ebs.SnapshotId}); err != nil {
				left = append(left, fmt.Sprintf("snapshot %s of %s: %v", aws.ToString(m.Ebs.SnapshotId), ami, err))
			}
		}
	}
	if _, err := c.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(parameter)}); err != nil {
		var nf *ssmtypes.ParameterNotFound
		if !errors.As(err, &nf) {
			left = append(left, fmt.Sprintf("parameter %s: %v", parameter, err))
		}
	}
	return left
}

// AWS is the real-account target.
type AWS struct {
	Root    string // the repository, for the CDK CLI and the app
	Plan    Plan
	App     config.App
	Timeout time.Duration // the build's bound
	Logf    func(string, ...any)
	cfg     aws.Config
	clients Clients
	ib      *imagebuilder.Client
	amis    []string
}

// LoadConfig loads the profile's configuration for the settings' region.
func LoadConfig(ctx context.Context, s Settings) (aws.Config, error) {
	return awsconfig.LoadDefaultConfig(ctx, awsconfig.WithSharedConfigProfile(s.Profile), awsconfig.WithRegion(s.Region), awsconfig.WithLogger(logging.Nop{}))
}

// NewAWS makes the target from a confirmed plan.
func NewAWS(root string, app config.App, p Plan, cfg aws.Config, logf func(string, ...any)) *AWS {
	return &AWS{Root: root, App: app, Plan: p, cfg: cfg, Logf: logf, Timeout: 90 * time.Minute,
		clients: NewClients(cfg),
		ib:      imagebuilder.NewFromConfig(cfg)}
}

func (a *AWS) Name() string {
	return fmt.Sprintf("%s in account %s (%s)", a.Plan.Env.Name, a.Plan.Account, a.Plan.Region)
}
func (a *AWS) Names() config.Names           { return a.App.NamesOf(a.Plan.Env) }
func (a *AWS) Clients() Clients              { return a.clients }
func (a *AWS) ReplaceTimeout() time.Duration { return 20 * time.Minute }
func (a *AWS) cdk(ctx context.Context, args ...string) error {
	return CDK(ctx, a.Root, Environ("AWS_PROFILE="+a.Plan.Profile, "AWS_REGION="+a.Plan.Region, "CDK_DISABLE_CLI_TELEMETRY=true"), args...)
}

// Deploy deploys the plan's stacks.
func (a *AWS) Deploy(ctx context.Context) error {
	return a.cdk(ctx, append(append([]string{"deploy"}, a.Plan.Stacks...), "--require-approval", "never", "--no-notices")...)
}

func (a *AWS) Redeploy(ctx context.Context) error { return a.Deploy(ctx) }

// Build starts the pipeline and waits for its image.
func (a *AWS) Build(ctx context.Context) (string, error) {
	arn, err := Output(ctx, a.clients.CFN, a.Names().Stack(config.ImageFactoryStack), "PipelineArn")
	if err != nil {
		return "", err
	}
	out, err := a.ib.StartImagePipelineExecution(ctx, &imagebuilder.StartImagePipelineExecutionInput{ImagePipelineArn: aws.String(arn)})
	if err != nil {
		return "", fmt.Errorf("StartImagePipelineExecution %s: %w", arn, err)
	}
	ami, err := WaitImage(ctx, a.ib, aws.ToString(out.ImageBuildVersionArn), a.Plan.Region, a.Timeout, 30*time.Second, a.Logf)
	if ami != "" {
		a.amis = append(a.amis, ami)
	}
	return ami, err
}

// pipelineAMIs lists the AMIs, in the region, of the pipeline's images.
func (a *AWS) pipelineAMIs(ctx context.Context) ([]string, error) {
	arn, err := Output(ctx, a.clients.CFN, a.Names().Stack(config.ImageFactoryStack), "PipelineArn")
	if err != nil {
		return nil, err
	}
	var amis []string
	p := imagebuilder.NewListImagePipelineImagesPaginator(a.ib, &imagebuilder.ListImagePipelineImagesInput{ImagePipelineArn: aws.String(arn)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return amis, err
		}
		for _, img := range page.ImageSummaryList {
			if img.OutputResources == nil {
				continue
			}
			for _, m := range img.OutputResources.Amis {
				if aws.ToString(m.Region) == a.Plan.Region && m.Image != nil {
					amis = append(amis, aws.ToString(m.Image))
				}
			}
		}
	}
	return amis, nil
}

// Clean removes what the run created and returns what it could not.
func (a *AWS) Clean(ctx context.Context) []string {
	e := a.clients.EC2
	c := Cleaner{
		PipelineAMIs: a.pipelineAMIs,
		Destroy: func(ctx context.Context) error {
			return a.cdk(ctx, append(append([]string{"destroy"}, a.Plan.Stacks...), "--force", "--no-notices")...)
		},
		DescribeImages: e.DescribeImages, DeregisterImage: e.DeregisterImage, DeleteSnapshot: e.DeleteSnapshot,
		DeleteParameter: a.clients.SSM.DeleteParameter,
	}
	return c.Clean(ctx, a.Plan.Stacks, a.amis, a.Plan.GoldenParam)
}
