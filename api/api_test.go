// Package api holds the golden files of the exported API and the test
// that compares the code with them.
package api

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updateAPI = flag.Bool("update-api", false, "rewrite the API golden files")

// TestAPI renders the exported API of every package a product can import
// (all but internal/, examples/, bench/ and testdata) in the spirit of Go's own
// api/*.txt files, and compares it with the committed api/<package>.txt, so
// that every API change is a visible, reviewed diff. After a deliberate
// change: go test ./api -update-api
func TestAPI(t *testing.T) {
	pkgs := map[string][]string{} // api file name → lines
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch base := d.Name(); {
			case path == "..":
			case base == "internal" || base == "examples" || base == "bench" || base == "testdata" || base == "api" || strings.HasPrefix(base, "."):
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		name := "scim"
		if dir, _ := filepath.Rel("..", filepath.Dir(path)); dir != "." {
			name = strings.ReplaceAll(filepath.ToSlash(dir), "/", "_")
		}
		lines, err := apiOf(path)
		if err != nil {
			return err
		}
		pkgs[name] = append(pkgs[name], lines...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, lines := range pkgs {
		slices.Sort(lines)
		got := strings.Join(slices.Compact(lines), "\n") + "\n"
		file := name + ".txt"
		if *updateAPI {
			if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("%s: %v (run go test ./api -update-api after reviewing the API)", file, err)
			continue
		}
		if diff := cmp.Diff(string(want), got); diff != "" {
			t.Errorf("the exported API of %s changed (-%s +code); if deliberate, run go test ./api -update-api\n%s", name, file, diff)
		}
	}
}

// apiOf lists the exported declarations of one Go file, a line each.
func apiOf(path string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			sig := strings.TrimPrefix(types.ExprString(d.Type), "func")
			if d.Recv == nil {
				add("func %s%s", d.Name, sig)
				continue
			}
			recv := types.ExprString(d.Recv.List[0].Type)
			if base, _, _ := strings.Cut(strings.TrimPrefix(recv, "*"), "["); !ast.IsExported(base) {
				continue
			}
			add("method (%s) %s%s", recv, d.Name, sig)
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() {
						lines = append(lines, apiOfType(s)...)
					}
				case *ast.ValueSpec:
					for i, n := range s.Names {
						if !n.IsExported() {
							continue
						}
						line := d.Tok.String() + " " + n.Name
						if s.Type != nil {
							line += " " + types.ExprString(s.Type)
						}
						if d.Tok == token.CONST && i < len(s.Values) {
							line += " = " + types.ExprString(s.Values[i])
						}
						lines = append(lines, line)
					}
				}
			}
		}
	}
	return lines, nil
}

func apiOfType(s *ast.TypeSpec) []string {
	name := s.Name.Name
	if s.TypeParams != nil {
		name += types.ExprString(&ast.IndexListExpr{X: ast.NewIdent(""), Indices: fieldTypes(s.TypeParams)})
	}
	if s.Assign.IsValid() {
		return []string{"type " + name + " = " + types.ExprString(s.Type)}
	}
	switch t := s.Type.(type) {
	case *ast.StructType:
		lines := []string{"type " + name + " struct"}
		for _, f := range t.Fields.List {
			typ := types.ExprString(f.Type)
			if len(f.Names) == 0 { // embedded
				if base := strings.TrimPrefix(typ, "*"); ast.IsExported(base[strings.LastIndex(base, ".")+1:]) {
					lines = append(lines, "type "+name+" struct, embedded "+typ)
				}
			}
			for _, n := range f.Names {
				if n.IsExported() {
					lines = append(lines, "type "+name+" struct, "+n.Name+" "+typ)
				}
			}
		}
		return lines
	case *ast.InterfaceType:
		lines := []string{"type " + name + " interface"}
		for _, m := range t.Methods.List {
			if len(m.Names) == 0 {
				lines = append(lines, "type "+name+" interface, "+types.ExprString(m.Type))
			}
			for _, n := range m.Names {
				if n.IsExported() {
					lines = append(lines, "type "+name+" interface, "+n.Name+strings.TrimPrefix(types.ExprString(m.Type), "func"))
				}
			}
		}
		return lines
	default:
		return []string{"type " + name + " " + types.ExprString(s.Type)}
	}
}

func fieldTypes(fl *ast.FieldList) []ast.Expr {
	var out []ast.Expr
	for _, f := range fl.List {
		for _, n := range f.Names {
			out = append(out, &ast.BinaryExpr{X: n, Op: token.ILLEGAL, Y: f.Type})
		}
	}
	return out
}
