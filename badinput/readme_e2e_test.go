//go:build e2e

package badinput

import (
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/config"
)

// Every message the README quotes (a code block starting "golden-fleet:")
// is, word for word, what the real `cdk synth` prints for one of the
// inputs below, the inputs the README describes next to each quote.
func TestTheREADMEsQuotedMessagesAreWhatTheProgramPrints(t *testing.T) {
	inputs := map[string]func() config.App{
		"a five-field schedule": func() config.App {
			app := devOnly()
			app.Environments[0].Image.Schedule = "cron(0 3 * * MON)"
			return app
		},
		"a created VPC in an account whose zones cdk.json does not hold": func() config.App {
			app := devOnly()
			app.Environments[0].Account = "333333333333"
			return app
		},
	}
	var quoted []string
	for _, block := range codeBlocks(readme(t)) {
		if strings.HasPrefix(block, "golden-fleet:") {
			quoted = append(quoted, block)
		}
	}
	if len(quoted) == 0 {
		t.Fatal("the README quotes no message")
	}
	printed := map[string]string{}
	for name, input := range inputs {
		r := synth(t, input(), "")
		wantCleanFailure(t, r)
		printed[name] = r.stderr
	}
	for _, q := range quoted {
		found := false
		for _, stderr := range printed {
			found = found || strings.Contains(stderr, q+"\n")
		}
		if !found {
			t.Errorf("the README quotes a message no input prints (add its input here, or fix the quote):\n%s\n\nprinted:\n%v", q, printed)
		}
	}
}
