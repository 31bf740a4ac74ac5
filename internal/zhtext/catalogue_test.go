package zhtext

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestCataloguesUseFullWidthPunctuation scans every text a student or a
// school can read, wherever it is written: the Go string literals of the
// product (error tables, check messages, specs, the demo, exports), the
// pages' script and markup, and the JSON documents served (OpenAPI). Each
// ASCII , : ; ? ! ( ) next to a Chinese character fails, with its place.
func TestCataloguesUseFullWidthPunctuation(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	var bad []string
	report := func(where string, text string) {
		for _, m := range ASCIIPunct(text) {
			bad = append(bad, fmt.Sprintf("%s: %q in …%s… (use %q)", where, m.Mark, m.Near, m.Want))
		}
	}
	fset := token.NewFileSet()
	jsComment := regexp.MustCompile(`(?s)/\*.*?\*/|(?m)^\s*//.*$`)
	walked := 0
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			switch ext := filepath.Ext(path); {
			case ext == ".go" && !strings.HasSuffix(path, "_test.go"):
				f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
				if err != nil {
					return err
				}
				ast.Inspect(f, func(n ast.Node) bool {
					if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if s, err := strconv.Unquote(lit.Value); err == nil {
							report(fmt.Sprintf("%s:%d", rel, fset.Position(lit.Pos()).Line), s)
						}
					}
					return true
				})
			case ext == ".js" || ext == ".html" || ext == ".tmpl" || ext == ".sql":
				b, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				text := string(b)
				if ext == ".js" {
					text = jsComment.ReplaceAllString(text, "")
				}
				for i, line := range strings.Split(text, "\n") {
					report(fmt.Sprintf("%s:%d", rel, i+1), line)
				}
			case ext == ".json":
				b, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				var v any
				if json.Unmarshal(b, &v) != nil {
					return nil // not a document we serve
				}
				walkJSON(v, func(s string) { report(rel, s) })
			default:
				return nil
			}
			walked++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if walked < 50 {
		t.Fatalf("only %d files scanned: is the tree where the test expects it?", walked)
	}
	if len(bad) > 0 {
		t.Errorf("%d ASCII punctuation marks in Chinese text:\n%s", len(bad), strings.Join(bad, "\n"))
	}
}

func walkJSON(v any, fn func(string)) {
	switch v := v.(type) {
	case string:
		fn(v)
	case []any:
		for _, x := range v {
			walkJSON(x, fn)
		}
	case map[string]any:
		for k, x := range v {
			fn(k)
			walkJSON(x, fn)
		}
	}
}
