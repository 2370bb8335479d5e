package config

import (
	"encoding/json"
	"fmt"
	"os"
)

// Context is the CDK context the app is synthesized with: the "context"
// of cdk.json (feature flags, committed lookups), cdk.context.json and
// -c values, as the CDK CLI hands them to the app. Validate reads the
// availability zones of each created VPC from it.
type Context map[string]any

// AvailabilityZonesKey is the context key holding the availability zones
// of an account and region: CDK reads a created VPC's zones from it, and
// without it falls back to a lookup (which needs credentials) or, run
// without the CLI, to placeholder zones (dummy1a, dummy1b, dummy1c).
func AvailabilityZonesKey(account, region string) string {
	return fmt.Sprintf("availability-zones:account=%s:region=%s", account, region)
}

// Environment variables through which the CDK CLI passes the context to
// the app (aws-cdk's cx-api: CONTEXT_ENV, and CONTEXT_OVERFLOW_LOCATION_ENV
// naming a file with what did not fit into the environment).
const (
	contextEnv         = "CDK_CONTEXT_JSON"
	contextOverflowEnv = "CONTEXT_OVERFLOW_LOCATION_ENV"
)

// CLIContext is the context the CDK CLI passed to this process, read the
// way the CDK's App reads it; empty when the app runs without the CLI.
func CLIContext() (Context, error) {
	ctx := Context{}
	if text := os.Getenv(contextEnv); text != "" {
		if err := json.Unmarshal([]byte(text), &ctx); err != nil {
			return nil, fmt.Errorf("%s is not a JSON object: %w", contextEnv, err)
		}
	}
	if file := os.Getenv(contextOverflowEnv); file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("the CDK context that overflowed %s: %w", contextEnv, err)
		}
		var more Context
		if err := json.Unmarshal(data, &more); err != nil {
			return nil, fmt.Errorf("the CDK context that overflowed %s, %s, is not a JSON object: %w", contextEnv, file, err)
		}
		for k, v := range more {
			ctx[k] = v
		}
	}
	return ctx, nil
}

// CDKJSONContext is the "context" object of a cdk.json file.
func CDKJSONContext(path string) (Context, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct {
		Context Context `json:"context"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if f.Context == nil {
		f.Context = Context{}
	}
	return f.Context, nil
}

// availabilityZones returns the zones the context holds for account and
// region, and whether the key is there at all. ok with zones nil means
// the value is not a list of strings.
func (c Context) availabilityZones(account, region string) (zones []string, present bool) {
	v, present := c[AvailabilityZonesKey(account, region)]
	if !present {
		return nil, false
	}
	list, isList := v.([]any)
	if !isList {
		return nil, true
	}
	for _, z := range list {
		s, isString := z.(string)
		if !isString {
			return nil, true
		}
		zones = append(zones, s)
	}
	if zones == nil {
		zones = []string{}
	}
	return zones, true
}
