// This file only fences tools/cdk off from the app's Go module, so that
// `go build ./...` and `go test ./...` do not walk node_modules.
module tools/cdk

go 1.26
