// Command cfnschemagen writes config/cfnschema_gen.json from the
// CloudFormation resource schemas of the installed cfn-lint (go generate
// ./config). config's tests fail when the committed file differs from what
// it would write.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/internal/cfnlint"
	"github.com/immutable-server/golden-fleet/internal/cfnschemagen"
)

func main() {
	out := flag.String("o", "config/cfnschema_gen.json", "the file to write")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "cfnschemagen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	dir, err := cfnlint.Dir()
	if err != nil {
		return err
	}
	src, err := cfnschemagen.Generate(dir, config.CfnSchemaProperties())
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}
