// Package badinput holds the CLI-level bad-input check (build tag e2e; the
// README's and docs/'s commands and links are checked without it): the
// real `cdk synth`, with the app reading its configuration from JSON
// (cmd/configapp), given bad configurations and a broken component
// document, must fail cleanly. Run with
//
//	go test -tags e2e ./badinput/
package badinput
