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
	"encoding/json"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/immutable-server/golden-fleet/internal/constructcheck"
	"github.com/immutable-server/golden-fleet/internal/contenthash"
)

// contentName returns base + "-" + the first contenthash.Length hex digits of the
// SHA-256 of the JSON encoding of spec. spec must hold plain Go values
// only (no CDK tokens), so the hash is the same on every synth; one that
// cannot be encoded fails c's validation.
func contentName(c constructs.IConstruct, base string, spec any) string {
	data, err := json.Marshal(spec)
	if err != nil {
		constructcheck.Fail(c, "%s: cannot hash %T for its name: %v", *c.Node().Path(), spec, err)
	}
	return base + "-" + contenthash.Prefix(data)
}
