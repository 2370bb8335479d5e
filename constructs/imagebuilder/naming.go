// Package imagebuilder holds EC2 Image Builder constructs built on the
// stable L1 resources (awsimagebuilder.Cfn*), shaped after the CDK team's
// aws-imagebuilder-alpha module: one file per resource, IMDSv2 and
// terminate-on-failure by default, generated roles, deterministic names.
//
// Components and recipes are immutable in CloudFormation: most property
// changes replace them, and a replacement with the same name and version
// fails with "already exists". Their names therefore end with a hash of
// every create-only property, so a change makes a new name (and a new
// image version line) and unchanged inputs give byte-identical templates.
package imagebuilder

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/immutable-server/golden-fleet/config"
)

// contentName returns base + "-" + the first config.HashLength hex digits
// of the SHA-256 of the JSON encoding of spec. spec must hold plain Go
// values only (no CDK tokens), so the hash is the same on every synth.
func contentName(base string, spec any) string {
	return base + "-" + contentHash(spec)
}

// contentHash is the first config.HashLength hex digits of the SHA-256 of
// the JSON encoding of spec. config.ContentNameLength, which Validate
// checks names with, counts them.
func contentHash(spec any) string {
	data, err := json.Marshal(spec)
	if err != nil {
		panic(fmt.Sprintf("imagebuilder: cannot hash %T: %v", spec, err))
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:config.HashLength]
}
