# The two commands of the README:
#   make synth   synthesize every stack of every environment into cdk.out/
#   make test    the whole test suite (what CI runs)
# Both install what they need first (the pinned CDK CLI and Node.js from
# npm, the Go modules), so they work on a fresh machine.

SHELL := /bin/bash
CDK_DIR := tools/cdk
IAMSIM_DIR := tools/iamsim
BIN := $(CURDIR)/$(CDK_DIR)/node_modules/.bin
export PATH := $(BIN):$(PATH)
# jsii inside the Go app and the CLI both run on the pinned Node 22.

.PHONY: synth test deps unit synth-check e2e fuzz lint local-deploy local-up local-down local-build clean

synth: deps
	cdk synth --quiet

deps: $(CDK_DIR)/node_modules/.installed $(IAMSIM_DIR)/node_modules/.installed
	@go mod download

$(CDK_DIR)/node_modules/.installed: $(CDK_DIR)/package.json $(CDK_DIR)/package-lock.json
	cd $(CDK_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The e2e emulator's authorization model (e2e/moto_authz.py): the pinned
# IAM policy simulator and the Service Authorization Reference data.
$(IAMSIM_DIR)/node_modules/.installed: $(IAMSIM_DIR)/package.json $(IAMSIM_DIR)/package-lock.json $(CDK_DIR)/node_modules/.installed
	cd $(IAMSIM_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Everything, in order of speed: unit and snapshot tests, the real CLI
# synth with CloudFormation validation and cfn-lint, then the tests that
# start moto or the CLI.
test: deps lint unit synth-check e2e fuzz

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...

unit:
	go test ./...

# The real `cdk synth`, with the built-in CloudFormation validation on;
# its templates must be the golden ones the unit tests checked, and clean
# under cfn-lint.
synth-check:
	rm -rf cdk.out
	CDK_VALIDATION=true cdk synth --quiet
	@for f in stacks/testdata/*.template.json; do cmp -s "$$f" "cdk.out/$$(basename $$f)" || { echo "cdk synth differs from $$f: see the diff with go test ./stacks -run TestGoldenTemplates, accept it with go test ./stacks -run TestGoldenTemplates -update"; exit 1; }; done
	@echo "cdk synth: templates identical to stacks/testdata/"
	scripts/cfn-lint cdk.out

# Tests that start moto or the CDK CLI: the rollout against moto (e2e/),
# the Day 2 guide and the rollout invariants (on the emulator here; the
# real-account target is opt-in and refuses under CI) against playgrounds
# of their own (e2e/playground/) and bad input through the real `cdk synth` (badinput/).
# AWS leaves three behaviours the rollout could depend on undocumented: when
# CloudFormation resolves a {{resolve:ssm}} reference again, which
# launch template version Image Builder copies, and how long after
# PutParameter Parameter Store checks an aws:ec2:image value (S13). The
# whole e2e suite runs under one combination; the update matrix, the
# rollbacks, the seed writer and the emulator's own test run again under
# the others, each in a process of its own with its own emulator, started
# by the suite beside it (e2e/variants_test.go; E2E_VARIANTS=off leaves
# them out).
# E2E_FLAGS: more go test flags (scripts/bench passes -v to time each test).
# The timeout only bounds a hang: the suite's waits end on what the
# emulator did, not on the clock, and on a saturated 2-core machine the
# whole run took 58 minutes (issue 18): 30 would fail it by load.
e2e:
	go test -tags e2e -count=1 -timeout 120m $(E2E_FLAGS) ./e2e/ ./e2e/playground/ ./badinput/

# Deploy the local environment to moto, check it, diff, destroy.
local-deploy: deps
	scripts/local-deploy

# The local playground (docs/day2-on-your-laptop.md): local-up starts moto
# and leaves it running with the local and local-prod environments
# deployed, and writes .local/env (source it); local-build runs one build
# of local and prints the new AMI; local-down stops it all.
local-up: deps
	scripts/local-up

local-build:
	@env=$${GOLDEN_FLEET_LOCAL_DIR:-.local}/env; test -f $$env || { echo "no playground ($$env is missing): make local-up first"; exit 1; }; \
	  . $$env && AWS_PROFILE=local go run ./cmd/localbuild

local-down:
	@scripts/local-down

fuzz:
	scripts/fuzz 20000x

clean:
	rm -rf cdk.out
