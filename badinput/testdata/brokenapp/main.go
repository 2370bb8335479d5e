// Command brokenapp does not compile, on purpose: the app a Go compile
// error leaves (badinput's TestAnAppThatDoesNotCompileLeavesNoTemplatesBehind).
// It lives under testdata/, which ./... and go vet skip.
package main

var notANumber int = "a compile error"

func main() {}
