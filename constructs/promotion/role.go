package promotion

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
)

// roleConstruct is what each role construct of the package (AccessRole,
// CrossAccountRole) exposes: the L2 role, its L1, its name and ARN.
type roleConstruct struct {
	constructs.Construct
	// Resource is the L1 role, the escape hatch.
	Resource awsiam.CfnRole
	// Role is the L2 role.
	Role awsiam.Role
}

func newRoleConstruct(c constructs.Construct, role awsiam.Role) roleConstruct {
	return roleConstruct{Construct: c, Resource: role.Node().DefaultChild().(awsiam.CfnRole), Role: role}
}

// Name of the role.
func (r *roleConstruct) Name() *string { return r.Role.RoleName() }

// Arn of the role.
func (r *roleConstruct) Arn() *string { return r.Role.RoleArn() }
