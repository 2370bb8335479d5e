package main

import (
	"strings"
	"testing"
	"time"

	"github.com/immutable-server/golden-fleet/config"
)

func TestOriginSaysWhereTheGoldenAMICameFrom(t *testing.T) {
	for _, tc := range []struct {
		tags map[string]string
		want string
	}{
		{map[string]string{config.PromotedFromAMITagKey: x, config.PromotedFromEnvironmentTagKey: "dev", config.PromotedAtTagKey: "2025-03-10T12:00:00Z"},
			"promoted from dev " + x + " at 2025-03-10T12:00:00Z"},
		{map[string]string{config.PromotedFromAMITagKey: x, config.PromotedFromEnvironmentTagKey: "dev", config.PromotionOverrideTagKey: "soak skipped: hotfix"},
			"promoted from dev " + x + " (override: soak skipped: hotfix)"},
		{map[string]string{"Ec2ImageBuilderArn": ibArn}, "built here (" + ibArn + ")"},
		{map[string]string{}, "neither built nor promoted: the seed image, or written by hand"},
	} {
		if got := originOf(tc.tags); got != tc.want {
			t.Errorf("Origin(%v) = %q, want %q", tc.tags, got, tc.want)
		}
	}
}

func TestCountInstancesSeparatesTheGoldenAMIFromOlderOnes(t *testing.T) {
	on, older, images := countInstances(y, []groupInstance{
		{id: "i-1", lifecycle: "InService", image: y}, {id: "i-2", lifecycle: "InService", image: x},
		{id: "i-3", lifecycle: "InService", image: seed}, {id: "i-4", lifecycle: "InService", image: x},
		{id: "i-5", lifecycle: "Terminating", image: x},
	})
	if on != 1 || older != 3 || strings.Join(images, ",") != seed+","+x {
		t.Errorf("got %d golden, %d older %v; want 1 golden, 3 older [%s %s] (terminating instances not counted)", on, older, images, seed, x)
	}
}

func TestStatusReachesASourceThroughTheAccessRole(t *testing.T) {
	cfg := config.Default()
	dev, _ := cfg.Environment("dev")
	prod, _ := cfg.Environment("prod")
	local, _ := cfg.Environment("local")
	for _, tc := range []struct {
		env    config.Environment
		caller string
		role   string
		ok     bool
	}{
		{prod, prod.Account, "", true},
		{dev, prod.Account, "golden-fleet-dev-promote-to-prod", true},
		{dev, dev.Account, "", true},
		{prod, dev.Account, "", false}, // nothing in prod trusts dev
		{local, prod.Account, "", false},
	} {
		role, ok := reachVia(cfg, tc.env, tc.caller)
		if role != tc.role || ok != tc.ok {
			t.Errorf("%s from account %s: (%q, %v), want (%q, %v)", tc.env.Name, tc.caller, role, ok, tc.role, tc.ok)
		}
	}
}

func TestEnvStatusTableHasOneLinePerEnvironment(t *testing.T) {
	now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	text := formatEnvStatus([]envRow{
		{Env: "dev", Account: "111111111111", Region: "eu-west-1", Golden: x, Origin: "built here (arn)", Created: now.Add(-50 * time.Hour), OnGolden: 2},
		{Env: "prod", Account: "222222222222", Region: "eu-west-1", Golden: y, Origin: "promoted from dev " + x, Created: now.Add(-90 * time.Minute),
			OnGolden: 1, Older: 2, OlderImages: []string{seed}},
		{Env: "local", Account: "123456789012", Region: "us-east-1", Problem: "not reachable with credentials of account 222222222222"},
	}, now)
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want a header and 3 environments:\n%s", len(lines), text)
	}
	for i, want := range [][]string{
		{"ENVIRONMENT", "GOLDEN AMI", "AGE", "INSTANCES", "ORIGIN"},
		{"dev", x, "2d02h", "2 golden, 0 older", "built here"},
		{"prod", y, "1h30m", "1 golden, 2 older (" + seed + ")", "promoted from dev " + x},
		{"local", "not reachable"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d %q lacks %q", i, lines[i], w)
			}
		}
	}
}
