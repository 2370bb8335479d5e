package configjson

import (
	"strings"
	"testing"

	"github.com/immutable-server/golden-fleet/config"
)

// A type error does not hide the file's other problems: the validation
// runs on what could be decoded, and keeps quiet about the field that
// failed to decode.
func TestATypeErrorDoesNotHideTheOtherProblems(t *testing.T) {
	ctx, err := config.CDKJSONContext("../../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	doc := defaultJSON(t)
	doc = replaceFirst(doc, `"MinCapacity": 2,`, `"MinCapacity": "two",`, // a type error
		`"From": "dev"`, `"From": "stage"`) // a validation problem elsewhere
	if !strings.Contains(doc, `"two"`) || !strings.Contains(doc, `"stage"`) {
		t.Fatalf("the document was not broken as meant:\n%s", doc)
	}
	_, problems := DecodeAndValidate([]byte(doc), nil, ctx)
	text := strings.Join(problems, "\n")
	for _, want := range []string{`.Fleet.MinCapacity: got the string "two"`, `Environments[prod].Promotion.From: got "stage"`} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}
	if len(problems) != 2 {
		t.Errorf("%d problems, want the type error and the bad From only (nothing about the MinCapacity that failed to decode):\n%s", len(problems), text)
	}
}
