// The promotion's plan: what it will do, printed before anything
// changes, and the record it leaves on the copy.

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/immutable-server/golden-fleet/config"
)

// GateReport formats the gates, one block per gate.
func gateReport(gates []gateResult) string {
	var b strings.Builder
	for _, g := range gates {
		verdict := map[string]string{"passed": "PASS", "failed": "FAIL", "overridden": "FAIL, OVERRIDDEN"}[g.Outcome()]
		fmt.Fprintf(&b, "  %-16s %s\n", g.Name, verdict)
		for _, e := range g.Evidence {
			fmt.Fprintf(&b, "      %s\n", e)
		}
	}
	return b.String()
}

// PromotionTags are the tags of the promoted copy: the target's own tags,
// the environment it serves, and the record of the promotion.
func promotionTags(target config.Environment, sourceEnv, sourceAMI string, gates []gateResult, at time.Time, by, reason string) map[string]string {
	tags := map[string]string{}
	for k, v := range target.Tags {
		tags[k] = v
	}
	var outcomes, skipped []string
	for _, g := range gates {
		outcomes = append(outcomes, g.Name+"="+g.Outcome())
		if g.Overridden {
			skipped = append(skipped, g.Name)
		}
	}
	tags[config.EnvironmentTagKey] = target.Name
	tags[config.PromotedFromAMITagKey] = sourceAMI
	tags[config.PromotedFromEnvironmentTagKey] = sourceEnv
	tags[config.PromotionGatesTagKey] = strings.Join(outcomes, " ")
	tags[config.PromotedAtTagKey] = at.UTC().Format(time.RFC3339)
	tags[config.PromotedByTagKey] = truncate(by, 256)
	if len(skipped) > 0 {
		tags[config.PromotionOverrideTagKey] = truncate(strings.Join(skipped, ",")+" skipped: "+reason, 256)
	}
	return tags
}

// truncate cuts s to at most n runes (EC2 tag values: 256 Unicode
// characters).
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// PlanInput is what PlanPromotion needs.
type planInput struct {
	Cfg                            config.App
	Source, Target                 config.Environment
	SourceAMI                      string
	Snapshots                      []string
	TargetParameter, TargetCurrent string
	CopyWith                       string
	// Existing is a copy of SourceAMI already in the target, reused
	// instead of copying again.
	Existing string
	Wait     time.Duration
	Tags     map[string]string
}

// Plan is a promotion's steps, printed before anything changes.
type plan struct {
	planInput
	CrossAccount bool
	// CopyName names a new copy (EC2 path).
	CopyName string
	Steps    []string
}

// PlanPromotion lists what the promotion will do, in order.
func planPromotion(in planInput) plan {
	p := plan{planInput: in, CrossAccount: in.Source.Account != in.Target.Account}
	names := in.Cfg.PromotionNames(in.Source.Name, in.Target.Name)
	key := "the target account's default EBS key"
	if in.Target.Fleet.KmsKeyArn != "" {
		key = in.Target.Fleet.KmsKeyArn
	}
	where := fmt.Sprintf("%s/%s", in.Target.Account, in.Target.Region)
	switch {
	case in.Existing != "":
		p.Steps = append(p.Steps, fmt.Sprintf("reuse %s, a copy of %s already in %s", in.Existing, in.SourceAMI, where))
	case in.CopyWith == copyWithImageBuilder:
		p.Steps = append(p.Steps, fmt.Sprintf("imagebuilder:DistributeImage %s in %s/%s with distribution configuration %s and execution role %s: "+
			"Image Builder copies it into %s, encrypted with %s, and writes %s; wait up to %s",
			in.SourceAMI, in.Source.Account, in.Source.Region, names.Distribution, names.ExecutionRole, where, key, in.TargetParameter, in.Wait))
	default:
		if p.CrossAccount {
			p.Steps = append(p.Steps, fmt.Sprintf("share %s with account %s: launch permission, and create-volume permission on %s (as %s)",
				in.SourceAMI, in.Target.Account, strings.Join(in.Snapshots, ", "), names.AccessRole))
		}
		p.CopyName = fmt.Sprintf("%s-%s-%s-%s", in.Cfg.Prefix, in.Target.Name, in.SourceAMI, in.Tags[config.PromotedAtTagKey])
		p.CopyName = strings.NewReplacer(":", "").Replace(p.CopyName)
		p.Steps = append(p.Steps, fmt.Sprintf("ec2:CopyImage %s from %s/%s into %s as %s, encrypted with %s; wait up to %s for it to be available",
			in.SourceAMI, in.Source.Account, in.Source.Region, where, p.CopyName, key, in.Wait))
	}
	keys := make([]string, 0, len(in.Tags))
	for k := range in.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var tags []string
	for _, k := range keys {
		tags = append(tags, k+"="+in.Tags[k])
	}
	p.Steps = append(p.Steps, "tag the copy: "+strings.Join(tags, ", "))
	p.Steps = append(p.Steps, fmt.Sprintf("write the copy into %s (now %s): every instance %s launches from then on runs it; running instances are unchanged",
		in.TargetParameter, in.TargetCurrent, in.Target.Name))
	return p
}

// clientToken makes a retried copy of the same promotion idempotent (at
// most 64 characters).
func clientToken(plan plan) string {
	sum := sha256.Sum256([]byte(plan.SourceAMI + "|" + plan.Target.Account + "|" + plan.Target.Region + "|" + plan.Tags[config.PromotedAtTagKey]))
	return "fleetctl-" + hex.EncodeToString(sum[:])[:32]
}
