package stacks

import (
	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/constructs/promotion"
)

// Promotion pieces, each in the stack of the account it belongs to:
//
//	source account, image-factory stack: the AMI key the recipe encrypts
//	  with; per target, the distribution configuration DistributeImage
//	  uses; the execution role it runs with
//	source account, fleet stack: per target in another account, the
//	  access role that account assumes (gates, sharing, DistributeImage)
//	target account, fleet stack of its first promoting environment:
//	  EC2ImageBuilderDistributionCrossAccountRole, for every environment
//	  of the account that promotes from another account
//
// A promoting environment has no image-factory stack.

// PromotionPieces says which promotion constructs an environment's stacks
// hold; promotionPieces computes them from the whole configuration.
type PromotionPieces struct {
	// Cfg is the whole configuration, for the names.
	Cfg config.App
	// Targets promote from this environment. Default: none.
	Targets []config.Environment
	// CrossAccount lists the environments of this environment's account
	// that promote from another account, when this environment's fleet
	// stack holds the account's cross-account distribution role (the
	// first promoting environment of each account holds it). Default:
	// none, no role.
	CrossAccount []promotion.Promoted
}

// promotionPieces computes every environment's pieces; cfg is what
// config.Validate returned (defaults applied).
func promotionPieces(cfg config.App) map[string]PromotionPieces {
	out := map[string]PromotionPieces{}
	host := map[string]string{} // account -> environment holding its role
	for _, env := range cfg.Environments {
		out[env.Name] = PromotionPieces{Cfg: cfg, Targets: cfg.PromotesTo(env.Name)}
	}
	for _, p := range cfg.Promotions() {
		source, env := p.Source, p.Target
		if source.Account == env.Account {
			continue // no cross-account distribution
		}
		h, ok := host[env.Account]
		if !ok {
			h, host[env.Account] = env.Name, env.Name
		}
		pieces := out[h]
		pieces.CrossAccount = append(pieces.CrossAccount, promotion.Promoted{
			Region:        env.Region,
			ParameterName: cfg.NamesOf(env).GoldenParameter(),
			KmsKeyArn:     env.Fleet.KmsKeyArn,
			From:          promotion.Source{Account: source.Account, Region: source.Region},
		})
		out[h] = pieces
	}
	return out
}
