package config

import (
	"testing"

	"github.com/immutable-server/golden-fleet/components"
)

func TestDefaultIsValid(t *testing.T) {
	if err := Validate(Default(), components.Embedded()); err != nil {
		t.Fatal(err)
	}
}
