package stacks

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

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
	for _, env := range cfg.Environments {
		if env.Promotion == nil {
			continue
		}
		source, _ := cfg.Environment(env.Promotion.From)
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

// addPromotionSourceToFactory adds to s, when env is a promotion source,
// the AMI key (returned: the recipe encrypts with it), the execution role
// and one distribution configuration per target. It returns nil when env
// is no promotion source.
func addPromotionSourceToFactory(s *ImageFactoryStack, names config.Names, env config.Environment, pieces PromotionPieces) awskms.IKey {
	if len(pieces.Targets) == 0 {
		return nil
	}
	stack := s.Stack
	var accounts []string
	var sameAccount []*string
	for _, t := range pieces.Targets {
		if t.Account != env.Account {
			accounts = append(accounts, t.Account)
		} else {
			sameAccount = append(sameAccount, stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ssm"), Region: jsii.String(t.Region),
				Resource: jsii.String("parameter"), ResourceName: jsii.String(strings.TrimPrefix(pieces.Cfg.NamesOf(t).GoldenParameter(), "/"))}))
		}
	}
	s.AmiKey = promotion.NewAmiKey(stack, "AmiKey", promotion.AmiKeyProps{Alias: names.AmiKeyAlias(), TargetAccounts: accounts})
	s.PromotionExecutionRole = promotion.NewExecutionRole(stack, "PromotionExecutionRole", promotion.ExecutionRoleProps{
		RoleName:              names.PromotionExecutionRole(),
		SameAccountParameters: sameAccount,
	})
	for _, t := range pieces.Targets {
		tags := map[string]string{config.EnvironmentTagKey: t.Name, config.PromotedFromEnvironmentTagKey: env.Name}
		for k, v := range t.Tags {
			tags[k] = v
		}
		target := pieces.Cfg.NamesOf(t)
		d := promotion.NewDistribution(stack, "PromoteTo-"+t.Name, promotion.DistributionProps{
			Name:    names.PromotionDistribution(t.Name),
			AmiName: target.AMI(),
			Target: promotion.Target{Name: t.Name, Account: t.Account, Region: t.Region,
				ParameterName: target.GoldenParameter(), KmsKeyArn: t.Fleet.KmsKeyArn, AmiTags: tags},
		})
		s.PromotionDistributions = append(s.PromotionDistributions, d)
	}
	return s.AmiKey.Key
}

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

// promotionSourceFields are the ImageFactoryStack fields
// addPromotionSourceToFactory fills; nil unless the environment is a
// promotion source.
type promotionSourceFields struct {
	// AmiKey encrypts the AMIs the recipe builds.
	AmiKey *promotion.AmiKey
	// PromotionExecutionRole is the role DistributeImage runs with.
	PromotionExecutionRole awsiam.Role
	// PromotionDistributions, one per target, in configuration order.
	PromotionDistributions []*promotion.Distribution
}
