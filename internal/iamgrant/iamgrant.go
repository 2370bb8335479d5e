// Package iamgrant builds the grants of this project's constructs.
package iamgrant

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// WithSid is awsiam.Grant_AddToPrincipal whose statement carries sid, so
// that a policy reads as the list of what its grants are for.
func WithSid(sid string, options *awsiam.GrantOnPrincipalOptions) awsiam.Grant {
	grant := awsiam.Grant_AddToPrincipal(options)
	for _, st := range *grant.PrincipalStatements() {
		st.SetSid(jsii.String(sid))
	}
	return grant
}
