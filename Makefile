# The two commands of the README:
#   make synth   synthesize every stack of every environment into cdk.out/
#   make test    the whole test suite (what CI runs)
# Both install what they need first (the pinned CDK CLI and Node.js from
# npm, the Go modules), so they work on a fresh machine.

SHELL := /bin/bash
CDK_DIR := tools/cdk
BIN := $(CURDIR)/$(CDK_DIR)/node_modules/.bin
export PATH := $(BIN):$(PATH)
# jsii inside the Go app and the CLI both run on the pinned Node 22.

.PHONY: synth test deps unit synth-check e2e fuzz lint local-deploy clean

synth: deps
	cdk synth --quiet

deps: $(CDK_DIR)/node_modules/.installed
	@go mod download

$(CDK_DIR)/node_modules/.installed: $(CDK_DIR)/package.json $(CDK_DIR)/package-lock.json
	cd $(CDK_DIR) && npm ci --no-audit --no-fund --loglevel=error
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

# Tests that start moto or the CDK CLI: the rollout against moto (e2e/)
# and bad input through the real `cdk synth` (badinput/).
# AWS leaves two behaviours the rollout could depend on undocumented: when
# CloudFormation resolves a {{resolve:ssm}} reference again, and which
# launch template version Image Builder copies. The whole e2e suite runs
# under one combination; the update matrix, the rollbacks and the
# emulator's own test run again under the others in the same process
# (e2e/variants_test.go, e2e/moto_server.py S2).
# E2E_FLAGS: more go test flags (scripts/bench passes -v to time each test).
# The timeout only bounds a hang: the suite's waits end on what the
# emulator did, not on the clock, and on a saturated 2-core machine the
# whole run took 58 minutes (issue 18): 30 would fail it by load.
e2e:
	go test -tags e2e -count=1 -timeout 120m $(E2E_FLAGS) ./e2e/ ./badinput/

# Deploy the local environment to moto, check it, diff, destroy.
local-deploy: deps
	scripts/local-deploy

fuzz:
	scripts/fuzz 20000x

clean:
	rm -rf cdk.out
