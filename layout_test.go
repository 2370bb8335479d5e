package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuncLines is the length past which a function says why it is long
// (issue 17): a table or a sequence read top to bottom may be, logic is
// split.
const maxFuncLines = 80

// Every function of the module (tests too) is at most maxFuncLines long,
// or its comment says why in a sentence starting "It is long because".
func TestNoFunctionIsLongWithoutAReason(t *testing.T) {
	fset := token.NewFileSet()
	long := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch name := d.Name(); {
			case path != "." && strings.HasPrefix(name, "."), name == "tools", name == "node_modules", strings.HasPrefix(name, "cdk.out"), name == "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			lines := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
			if lines <= maxFuncLines {
				continue
			}
			long++
			if fn.Doc == nil || !strings.Contains(fn.Doc.Text(), "It is long because") {
				t.Errorf("%s: %s is %d lines: split it, or say in its comment why it is long (\"It is long because …\")", fset.Position(fn.Pos()), fn.Name.Name, lines)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d functions over %d lines, each with its reason", long, maxFuncLines)
}
