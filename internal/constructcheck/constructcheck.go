// Package constructcheck reports a construct's bad props the CDK way:
// through the construct's node validation (Node().AddValidation), so that
// synthesis stops with every error and the path of the construct that
// made it, instead of a panic half-way through building the app.
package constructcheck

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Fail makes c fail validation with the message format and args make:
// say which prop was wrong, the value received and what is allowed.
func Fail(c constructs.IConstruct, format string, args ...any) {
	c.Node().AddValidation(&failure{message: fmt.Sprintf(format, args...)})
}

// failure is a validation that always fails with its message.
type failure struct{ message string }

func (f *failure) Validate() *[]*string { return &[]*string{jsii.String(f.message)} }
