//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/imagebuild"
	"github.com/immutable-server/golden-fleet/internal/jsontree"
)

// A simulated Image Builder build. moto has no Image Builder, so build()
// does what the deployed distribution configuration tells Image Builder to
// do, read from the templates of the last deploy — nothing more: remove
// the distribution's launch template or SSM parameter configuration, or
// the execution role's permission for it, and the build no longer does it.
// The code lives in internal/imagebuild, which the playground's build
// command (cmd/localbuild) runs too.

var builds int

// build runs a simulated build: a new AMI from a group instance, then what
// the distribution says, with the permissions the execution role has. It
// returns the AMI and the launch template version it added (0 if the
// distribution adds none).
func build(t *testing.T) (ami string, version int64) {
	t.Helper()
	f := outputs(t)
	ib := imageBuilder(t) // the distribution's calls, as the pipeline's execution role
	builds++
	res, err := imagebuild.Run(context.Background(), imagebuild.Clients{EC2: aws_.ec2, ASG: aws_.asg, SSM: aws_.ssm, CFN: aws_.cfn,
		DistributionEC2: ib.ec2, DistributionSSM: ib.ssm}, imagebuild.Build{
		Assembly:      assembly,
		FleetStack:    fleetName,
		FactoryStack:  names.Stack(config.ImageFactoryStack),
		Region:        region,
		Account:       account,
		Group:         f.group,
		Name:          fmt.Sprintf("%s-%s-e2e-build-%d", prefix, envName, builds),
		Number:        builds,
		SourceVersion: emulator.sourceVersion,
		Logf:          logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.AMI, res.Version
}

// dig reads a nested value of a decoded template (jsontree.Dig).
func dig(v any, keys ...string) any { return jsontree.Dig(v, keys...) }
