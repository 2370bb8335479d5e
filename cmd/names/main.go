// Command names prints what an environment of config.Default() is called
// and where it deploys, one key=value line each, for scripts that would
// otherwise spell the names a second time (scripts/local-deploy):
//
//	go run ./cmd/names local
//
//	account=123456789012
//	region=us-east-1
//	network_stack=golden-fleet-local-network   (empty for an existing VPC)
//	fleet_stack=golden-fleet-local-fleet
//	image_factory_stack=golden-fleet-local-image-factory   (empty for an environment that promotes)
//	golden_parameter=/imagebuilder/golden-fleet/local/golden-ami
//	pipeline=golden-fleet-local-golden-ami   (empty for an environment that promotes)
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/immutable-server/golden-fleet/config"
)

func main() {
	if err := run(config.Default(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "names:", err)
		os.Exit(1)
	}
}

// run prints the names of the environment of app named by args.
func run(app config.App, args []string, out io.Writer) error {
	var known []string
	for _, env := range app.Environments {
		known = append(known, env.Name)
	}
	if len(args) != 1 {
		return fmt.Errorf("got %d arguments: want the name of one environment of config.Default() (%s)", len(args), strings.Join(known, ", "))
	}
	for _, env := range app.Environments {
		if env.Name != args[0] {
			continue
		}
		n := app.NamesOf(env)
		network := ""
		if env.Network.Create != nil {
			network = n.Stack(config.NetworkStack)
		}
		factory, pipeline := "", ""
		if env.Promotion == nil { // an environment that promotes bakes nothing
			factory, pipeline = n.Stack(config.ImageFactoryStack), n.Pipeline()
		}
		_, err := fmt.Fprintf(out, "account=%s\nregion=%s\nnetwork_stack=%s\nfleet_stack=%s\nimage_factory_stack=%s\ngolden_parameter=%s\npipeline=%s\n",
			env.Account, env.Region, network, n.Stack(config.FleetStack), factory, n.GoldenParameter(), pipeline)
		return err
	}
	return fmt.Errorf("got %q: want an environment of config.Default() (%s)", args[0], strings.Join(known, ", "))
}
