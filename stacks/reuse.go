package stacks

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/immutable-server/golden-fleet/components"
	"github.com/immutable-server/golden-fleet/config"
)

// A synthesis that changes nothing costs almost nothing (issue 18): when
// the output directory holds the cloud assembly that this very app binary
// synthesized from the same configuration, component documents, CDK
// context and environment, and nobody changed that assembly since, Run
// leaves it in place and starts no jsii at all.
//
// What decides (reuseKey): the executable's Go build ID (a hash of
// everything it was built from; its content hash when it has none), the
// configuration (JSON), every component document the source offers (name
// and bytes), the CDK context the CLI passed (cdk.json's and the command
// line's, JSON with sorted keys), the working directory, and every
// environment variable except the few that say where to write or where the
// CLI put the context (reuseIgnoredEnv). The stamp (reuseStamp, in the
// output directory) holds that key and a digest of every file of the
// assembly (assemblyDigest): an edited, added or removed file of the
// assembly is a change too. Anything that cannot be read makes the run a
// plain synthesis.
//
// GOLDEN_FLEET_REUSE=0 turns it off. stacks/reuse_test.go changes each
// input in turn and checks that the assembly is synthesized again, and
// identical to a synthesis from scratch.

// reuseStamp is the file in the output directory that says which inputs
// synthesized the assembly there; clearAssembly removes it with the
// assembly (assemblyFiles).
const reuseStamp = ".golden-fleet-inputs"

// ReuseEnv set to 0 turns the reuse off.
const ReuseEnv = "GOLDEN_FLEET_REUSE"

// reuseIgnoredEnv are the environment variables that do not change what
// is synthesized: where the CLI asks for the assembly, and the names under
// which it passes the context (the context itself is part of the key).
var reuseIgnoredEnv = map[string]bool{
	OutdirEnv:                       true,
	"CDK_CONTEXT_JSON":              true,
	"CONTEXT_OVERFLOW_LOCATION_ENV": true,
	"OLDPWD":                        true,
	"_":                             true,
}

// reuseKey hashes every input of the synthesis; ok is false when one of
// them cannot be read (then nothing is reused).
func reuseKey(cfg config.App, docs components.Source, cdkContext config.Context) (key string, ok bool) {
	if os.Getenv(ReuseEnv) == "0" {
		return "", false
	}
	h := sha256.New()
	field := func(name string, value []byte) {
		fmt.Fprintf(h, "%s %d\n", name, len(value))
		h.Write(value)
		h.Write([]byte{'\n'})
	}
	exe, err := executableID()
	if err != nil {
		return "", false
	}
	field("executable", []byte(exe))
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return "", false
	}
	field("config", cfgJSON)
	named, ok := docs.(interface{ Names() []string })
	if !ok {
		return "", false
	}
	for _, name := range named.Names() {
		doc, err := docs.Document(name)
		if err != nil {
			field("component "+name+" error", []byte(err.Error()))
			continue
		}
		field("component "+name, doc.Data)
	}
	ctxJSON, err := json.Marshal(cdkContext)
	if err != nil {
		return "", false
	}
	field("context", ctxJSON)
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	field("dir", []byte(wd))
	environ := os.Environ()
	sort.Strings(environ)
	for _, kv := range environ {
		if name, _, _ := strings.Cut(kv, "="); !reuseIgnoredEnv[name] {
			field("env", []byte(kv))
		}
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// executableID identifies the running binary: its Go build ID (the
// linker's hash of everything it was built from, and of the result), else
// a hash of its content.
func executableID() (string, error) {
	path, err := os.Executable()
	if err != nil {
		return "", err
	}
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		if s := f.Section(".note.go.buildid"); s != nil {
			if data, err := s.Data(); err == nil && len(data) > 16 {
				return "go build ID " + string(bytes.TrimRight(data[16:], "\x00")), nil
			}
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return "sha256 " + hex.EncodeToString(h.Sum(nil)), nil
}

// assemblyDigest hashes every file of the assembly in dir (the entries of
// assemblyFiles, recursively, the stamp excepted): paths and bytes.
func assemblyDigest(dir string) (string, error) {
	var paths []string
	for _, pattern := range assemblyFiles {
		matches, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return "", err
		}
		for _, m := range matches {
			if strings.HasPrefix(filepath.Base(m), reuseStamp) {
				continue
			}
			err := filepath.WalkDir(m, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				paths = append(paths, p)
				return nil
			})
			if err != nil {
				return "", err
			}
		}
	}
	if len(paths) == 0 {
		return "", fmt.Errorf("no assembly in %s", dir)
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, p := range paths {
		info, err := os.Lstat(p)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s %v %d\n", rel, info.Mode(), info.Size())
		if info.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return "", err
			}
			h.Write(data)
		} else if info.Mode()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				return "", err
			}
			h.Write([]byte(target))
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// reusable says whether the assembly in outdir was synthesized from key
// and is untouched since.
func reusable(outdir, key string) bool {
	stamp, err := os.ReadFile(filepath.Join(outdir, reuseStamp))
	if err != nil {
		return false
	}
	wantKey, wantDigest, _ := strings.Cut(strings.TrimSpace(string(stamp)), "\n")
	if wantKey != key {
		return false
	}
	digest, err := assemblyDigest(outdir)
	return err == nil && digest == wantDigest
}

// stampAssembly records that the assembly now in outdir was synthesized
// from key. A failure to write it only costs the next run its reuse.
func stampAssembly(outdir, key string) {
	digest, err := assemblyDigest(outdir)
	if err != nil {
		return
	}
	tmp := filepath.Join(outdir, reuseStamp+".tmp")
	if os.WriteFile(tmp, []byte(key+"\n"+digest+"\n"), 0o644) == nil {
		os.Rename(tmp, filepath.Join(outdir, reuseStamp))
	}
}
