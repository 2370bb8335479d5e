package stacks

import (
	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/constructs/promotion"
)

// The promotion pieces in the fleet stacks (promotion.go says which pieces
// go where).

// addPromotionToFleet adds the source's access roles and the target
// account's cross-account distribution role to a fleet stack.
func addPromotionToFleet(s *FleetStack, env config.Environment, pieces PromotionPieces) {
	names := pieces.Cfg.NamesOf(env)
	for _, t := range pieces.Targets {
		if t.Account == env.Account {
			continue // fleetctl uses the caller's own permissions
		}
		r := promotion.NewAccessRole(s.Stack, "PromotionAccess-"+t.Name, promotion.AccessRoleProps{
			RoleName:          names.PromotionAccessRole(t.Name),
			TargetAccount:     t.Account,
			FleetStackName:    names.Stack(config.FleetStack),
			ParameterName:     s.Golden.ParameterName(),
			AmiTag:            [2]string{config.EnvironmentTagKey, env.Name},
			Distribution:      names.PromotionDistribution(t.Name),
			ExecutionRoleName: names.PromotionExecutionRole(),
		})
		s.PromotionAccess = append(s.PromotionAccess, r)
	}
	if len(pieces.CrossAccount) > 0 {
		s.CrossAccountDistribution = promotion.NewCrossAccountRole(s.Stack, "CrossAccountDistribution", promotion.CrossAccountRoleProps{
			RoleName: config.ImageBuilderCrossAccountRoleName,
			Promoted: pieces.CrossAccount,
		})
	}
}

// promotionFields are the FleetStack fields addPromotionToFleet fills.
type promotionFields struct {
	// PromotionAccess are the access roles of the targets in other
	// accounts (source side), in configuration order.
	PromotionAccess []*promotion.AccessRole
	// CrossAccountDistribution is the account's
	// EC2ImageBuilderDistributionCrossAccountRole, or nil.
	CrossAccountDistribution *promotion.CrossAccountRole
}
