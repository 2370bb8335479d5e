package configjson

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/config"
)

// DecodeAndValidate decodes data strictly and validates it with
// config.Validate, and returns every problem of the file at once: a type
// error or an unknown key does not hide the validation's problems of the
// rest of the document. A field that failed to decode reads as absent
// (its default) to the validation, so the validation's problems at or
// under such a field are left out: the decoding's line says what is
// wrong there. valid is meaningful only when problems is empty.
func DecodeAndValidate(data []byte, docs components.Source, cdkContext config.Context) (valid config.App, problems []string) {
	app, decoding := Decode(data)
	valid, err := config.Validate(app, docs, cdkContext)
	if len(decoding) == 0 {
		if err != nil {
			return valid, strings.Split(err.Error(), "\n")
		}
		return valid, nil
	}
	problems = decoding
	if err == nil {
		return valid, problems
	}
	var failed []string
	for _, p := range decoding {
		path, msg, _ := strings.Cut(p, ": ")
		if strings.HasPrefix(msg, "got unknown field") || strings.Contains(msg, "want each key once") || strings.Contains(msg, "nothing after it") {
			continue // the path names the object around the problem, not a field left absent
		}
		failed = append(failed, validationPath(app, path))
	}
	for _, p := range strings.Split(err.Error(), "\n") {
		path, _, _ := strings.Cut(p, ": ")
		if !under(path, failed) {
			problems = append(problems, p)
		}
	}
	return valid, problems
}

var envIndex = regexp.MustCompile(`^Environments\[(\d+)\]`)

// validationPath writes a decoding path as config.Validate writes it: an
// environment by its name (Environments[dev]) when it has one.
func validationPath(app config.App, path string) string {
	m := envIndex.FindStringSubmatch(path)
	if m == nil {
		return path
	}
	i, err := strconv.Atoi(m[1])
	if err != nil || i >= len(app.Environments) || app.Environments[i].Name == "" {
		return path
	}
	return fmt.Sprintf("Environments[%s]", app.Environments[i].Name) + path[len(m[0]):]
}

// under reports whether path is one of roots or inside one of them.
func under(path string, roots []string) bool {
	for _, r := range roots {
		if path == r || strings.HasPrefix(path, r+".") || strings.HasPrefix(path, r+"[") {
			return true
		}
	}
	return false
}
