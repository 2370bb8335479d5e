package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/configjson"
)

// configFlags are the flags of the commands that work from the app's
// configuration (promote, status without --stack): which configuration,
// and the cdk.json whose context validates it as `cdk synth` would.
type configFlags struct {
	path, cdkJSON *string
	fs            *flag.FlagSet
}

// defaultCDKJSON is the app's cdk.json, in the repository's root where
// fleetctl is run from.
const defaultCDKJSON = "cdk.json"

func declareConfigFlags(fs *flag.FlagSet) configFlags {
	return configFlags{
		path:    fs.String("config", "", "JSON-encoded config.App (default: the compiled-in config/environments.go)"),
		cdkJSON: fs.String("cdk-json", defaultCDKJSON, "the app's cdk.json: its context (availability zones of created VPCs) validates the configuration"),
		fs:      fs,
	}
}

// set reports whether either flag was given.
func (c configFlags) set() bool {
	given := false
	c.fs.Visit(func(f *flag.Flag) { given = given || f.Name == "config" || f.Name == "cdk-json" })
	return given
}

// load returns the configuration fleetctl works from: the file given
// (JSON, decoded strictly as the app decodes it) or the compiled-in one, validated as
// `cdk synth` validates it, with its defaults.
func (c configFlags) load() (config.App, error) {
	cfg := config.Default()
	var data []byte
	if *c.path != "" {
		var err error
		if data, err = os.ReadFile(*c.path); err != nil {
			return cfg, fmt.Errorf("--config: %w", err)
		}
	}
	ctx, err := config.CDKJSONContext(*c.cdkJSON)
	if err != nil {
		return cfg, fmt.Errorf("--cdk-json %s: %w: want the app's cdk.json (run fleetctl in the repository's root, or pass --cdk-json)", *c.cdkJSON, err)
	}
	if *c.path != "" {
		// The app's own decoder (internal/configjson): what the app
		// refuses, fleetctl refuses, every problem of the file at once.
		if _, problems := configjson.Decode(data); len(problems) > 0 {
			_, problems = configjson.DecodeAndValidate(data, nil, ctx)
			return cfg, fmt.Errorf("--config %s: not a valid JSON config.App:\n  %s", *c.path, strings.Join(problems, "\n  "))
		}
		cfg, _ = configjson.Decode(data)
	}
	valid, err := config.Validate(cfg, nil, ctx)
	if err != nil {
		return cfg, fmt.Errorf("the configuration is invalid:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	return valid, nil
}
