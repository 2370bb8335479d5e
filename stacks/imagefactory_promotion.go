package stacks

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/immutable-server/golden-fleet/config"
	"github.com/immutable-server/golden-fleet/constructs/promotion"
	"github.com/immutable-server/golden-fleet/internal/stackarn"
)

// A promotion source's pieces in its image-factory stack (promotion.go says
// which pieces go where).

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
			sameAccount = append(sameAccount, stackarn.Format(stack, awscdk.ArnComponents{Service: jsii.String("ssm"), Region: jsii.String(t.Region),
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
