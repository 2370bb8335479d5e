package main

import (
	"context"
	"strings"
	"testing"
)

// Before it calls AWS, localbuild refuses an environment it cannot build
// for, naming the value and what is allowed.
func TestLocalbuildRefusesAnEnvironmentItCannotBuildFor(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want []string
	}{
		{"no-such-env", []string{`--env: got "no-such-env"`, "want an environment of config/environments.go", "local"}},
		{"local-prod", []string{`--env: got "local-prod", which promotes from local and builds nothing`, "want a baking environment"}},
	} {
		var out, log strings.Builder
		err := run(context.Background(), []string{"--env", tc.env}, &out, &log)
		if err == nil {
			t.Fatalf("--env %s: no error", tc.env)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("--env %s: error %q lacks %q", tc.env, err, w)
			}
		}
		if out.Len() > 0 {
			t.Errorf("--env %s printed %q", tc.env, out.String())
		}
	}
}
