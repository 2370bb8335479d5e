// Package configtest holds configurations for tests: config.Default() with
// environments added the way docs/adding-an-environment.md says, so that
// the checks that once named the shipped environments run on any
// configuration. Only tests import it.
package configtest

import (
	"maps"

	"github.com/immutable-server/golden-fleet/config"
)

// Added are the environments WithAddedEnvironments adds: one of each kind,
// named so as not to collide with one a reader adds (the guide's examples
// are sandbox and staging).
const (
	// AddedBaking bakes its own images: a copy of the first baking
	// environment of config.Default(), with its own name, tags, network
	// range and schedule.
	AddedBaking = "fixture-bakes"
	// AddedPromoting promotes from the first baking environment of
	// config.Default(), in an account of its own, with no image settings
	// and no schedule.
	AddedPromoting = "fixture-promotes"
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

	for _, e := range app.Environments {
		if e.Name == AddedBaking || e.Name == AddedPromoting {
			panic("configtest: config.Default() already has an environment called " + e.Name)
		}
	}

	bakes := *baking
	bakes.Name = AddedBaking
	bakes.Tags = maps.Clone(baking.Tags)
	bakes.Tags["environment"] = AddedBaking
	created := *baking.Network.Create
	created.Cidr = "10.99.0.0/16"
	bakes.Network = config.Network{Create: &created}
	bakes.Image.Schedule = "cron(0 5 ? * TUE *)"

	promotes := *promoting
	promotes.Name = AddedPromoting
	promotes.Account = "333333333333"
	promotes.Tags = maps.Clone(promoting.Tags)
	promotes.Tags["environment"] = AddedPromoting
	promotes.Promotion = &config.Promotion{From: baking.Name}
	promotes.Observability.NotificationEmail = ""

	app.Environments = append(app.Environments, bakes, promotes)
	return app
}
