// Package contenthash is the rule that names Image Builder components and
// recipes after their content (constructs/imagebuilder): the name is a
// base, a hyphen and the first Length hex digits of the SHA-256 of the
// content. The app's configuration checks that such names fit
// (config.ContentNameLength) with the same rule.
package contenthash

import (
	"crypto/sha256"
	"encoding/hex"
	"unicode/utf8"
)

// Length is the number of hex digits of the content hash that ends a
// content-named name.
const Length = 8

// Prefix is the first Length hex digits of the SHA-256 of data.
func Prefix(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:Length]
}

// NameLength is the length, in characters, of a name that ends with a
// content hash: base, "-" and Length hex digits.
func NameLength(base string) int { return utf8.RuneCountInString(base) + 1 + Length }
