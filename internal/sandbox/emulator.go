package sandbox

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/imagebuild"
)

// Emulator is the playground of scripts/local-up (make local-up) in Dir:
// its baking environment, reached with the environment's profile of the
// playground's AWS config file. CI runs it.
type Emulator struct {
	Root, Dir, Endpoint string
	App                 config.App
	Env                 config.Environment
	Logf                func(string, ...any)
	clients             Clients
	builds              int
}

// NewEmulator makes the target for env of the playground in dir.
func NewEmulator(ctx context.Context, root, dir, endpoint string, app config.App, env config.Environment, logf func(string, ...any)) (*Emulator, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithSharedConfigFiles([]string{filepath.Join(dir, "aws-config")}),
		awsconfig.WithSharedCredentialsFiles(nil), awsconfig.WithSharedConfigProfile(env.Name),
		awsconfig.WithRegion(env.Region), awsconfig.WithBaseEndpoint(endpoint), awsconfig.WithLogger(logging.Nop{}))
	if err != nil {
		return nil, err
	}
	return &Emulator{Root: root, Dir: dir, Endpoint: endpoint, App: app, Env: env, Logf: logf,
		clients: NewClients(cfg)}, nil
}

func (e *Emulator) Name() string                  { return e.Env.Name + " on the emulator" }
func (e *Emulator) Names() config.Names           { return e.App.NamesOf(e.Env) }
func (e *Emulator) Clients() Clients              { return e.clients }
func (e *Emulator) ReplaceTimeout() time.Duration { return time.Minute }

// Build runs internal/imagebuild.Run, as make local-build does.
func (e *Emulator) Build(ctx context.Context) (string, error) {
	n := e.Names()
	group, err := Output(ctx, e.clients.CFN, n.Stack(config.FleetStack), config.AutoScalingGroupNameOutput)
	if err != nil {
		return "", err
	}
	e.builds++
	res, err := imagebuild.Run(ctx, imagebuild.Clients{EC2: e.clients.EC2, ASG: e.clients.ASG, SSM: e.clients.SSM, CFN: e.clients.CFN}, imagebuild.Build{
		Assembly: filepath.Join(e.Dir, "cdk.out"), FleetStack: n.Stack(config.FleetStack), FactoryStack: n.Stack(config.ImageFactoryStack),
		Region: e.Env.Region, Account: e.Env.Account, Group: group,
		Name: fmt.Sprintf("%s-invariants-build-%d", n.Base(), e.builds), Number: e.builds, SourceVersion: "default", Logf: e.Logf,
	})
	return res.AMI, err
}

// Redeploy deploys the stacks scripts/local-up deployed, as it does.
func (e *Emulator) Redeploy(ctx context.Context) error {
	n := e.Names()
	env := Environ("AWS_ENDPOINT_URL="+e.Endpoint, "AWS_CONFIG_FILE="+filepath.Join(e.Dir, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(e.Dir, "no-credentials"), "AWS_PROFILE="+e.Env.Name,
		"AWS_REGION="+e.Env.Region, "AWS_DEFAULT_REGION="+e.Env.Region, "CDK_DISABLE_CLI_TELEMETRY=true", "CI=true",
		"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=")
	return CDK(ctx, e.Root, env, "deploy", n.Stack(config.NetworkStack), n.Stack(config.FleetStack),
		"--output", filepath.Join(e.Dir, "cdk.out"), "--no-notices", "--method=direct", "--require-approval", "never")
}
