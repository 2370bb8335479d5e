package cdktest

import (
	"encoding/json"
	"fmt"
	"os"
)

// SynthContext is the context `cdk synth` gives the app: the context block
// of cdk.json (feature flags, committed availability zones), which
// awscdk.NewApp(nil) would not load, plus what the CLI adds to every synth
// (with "versionReporting": false in cdk.json). An app built with it in a
// test writes the templates `cdk synth` writes.
func SynthContext(cdkJSON string) (map[string]any, error) {
	data, err := os.ReadFile(cdkJSON)
	if err != nil {
		return nil, err
	}
	var f struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", cdkJSON, err)
	}
	if f.Context == nil {
		f.Context = map[string]any{}
	}
	f.Context["aws:cdk:enable-path-metadata"] = true
	f.Context["aws:cdk:enable-asset-metadata"] = true
	f.Context["aws:cdk:version-reporting"] = false
	return f.Context, nil
}
