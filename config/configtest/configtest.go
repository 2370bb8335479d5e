// Package configtest holds configurations for tests: config.Default() with
// environments added the way docs/adding-an-environment.md says, so that
// the checks that once named the shipped environments run on any
// configuration. Only tests import it.
package configtest

import (
	"maps"

	"github.com/immutable-server/golden-fleet/config"
)

// Added are the environments WithAddedEnvironments adds: one of each kind.
const (
	// AddedBaking bakes its own images: a copy of the first baking
	// environment of config.Default(), with its own name, tags, network
	// range and schedule.
	AddedBaking = "sandbox"
	// AddedPromoting promotes from the first baking environment of
	// config.Default(), in an account of its own, with no image settings
	// and no schedule.
	AddedPromoting = "staging"
)

// WithAddedEnvironments is config.Default() plus AddedBaking and
// AddedPromoting, appended as docs/adding-an-environment.md says.
func WithAddedEnvironments() config.App {
	app := config.Default()
	var baking, promoting *config.Environment
	for i := range app.Environments {
		e := &app.Environments[i]
		if e.Promotion == nil && baking == nil {
			baking = e
		}
		if e.Promotion != nil && e.Network.Existing != nil && promoting == nil {
			promoting = e
		}
	}
	if baking == nil || promoting == nil {
		panic("configtest: config.Default() has no baking environment, or no promoting one in an existing VPC, to copy")
	}

	sandbox := *baking
	sandbox.Name = AddedBaking
	sandbox.Tags = maps.Clone(baking.Tags)
	sandbox.Tags["environment"] = AddedBaking
	created := *baking.Network.Create
	created.Cidr = "10.99.0.0/16"
	sandbox.Network = config.Network{Create: &created}
	sandbox.Image.Schedule = "cron(0 5 ? * TUE *)"

	staging := *promoting
	staging.Name = AddedPromoting
	staging.Account = "333333333333"
	staging.Tags = maps.Clone(promoting.Tags)
	staging.Tags["environment"] = AddedPromoting
	staging.Promotion = &config.Promotion{From: baking.Name}
	staging.Observability.NotificationEmail = ""

	app.Environments = append(app.Environments, sandbox, staging)
	return app
}
