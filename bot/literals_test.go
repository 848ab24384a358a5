package bot

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// sentence is what a user-visible literal looks like: two words with a
// space between ("in person", "Find a meeting"). Codes ("fmt:online"),
// keys ("when_date"), layouts ("15:04") and single words are not.
var sentence = regexp.MustCompile(`\p{L}{2,}[,.:;!?]?\s+\p{L}{2,}`)

// wordReaders are files whose word literals are what people type, matched
// against their messages, never said back: the crisis screen's hand-written
// tiers and the English fellowship names that read English listings. The
// matcher's understanding and the gazetteer read their words from
// data/lexicon and data/place/words.json, so they are checked like the rest.
var wordReaders = []string{
	"matcher/crisis/screen.go", "matcher/crisis/normalize.go", "matcher/crisis/lexicon.go",
	"data/fellowships.go", // fellowship names looked up in the vocabulary
}

// operatorText are the importers and data validators: their messages go
// to the person running an import (cmd's reports), never to the person
// chatting, and are English by design (DESIGN: errors name file, record,
// field and what was expected). Prefixes, so the move into data/importer
// keeps them covered.
var operatorText = []string{
	"data/directory.go", "data/group.go", "data/crisis.go", "data/importer/",
}

// literalDebt is the sentence-like text left in Go outside the catalogs, by
// file, with the most literals each may keep: a ratchet, so the count only
// goes down. A file not listed may have none. None of it is said to a
// person; each entry says what it is.
var literalDebt = map[string]int{
	// The adapters' operation names and the platforms' error texts, for
	// operators' logs and error values ("send message", "rate limited",
	// Telegram's "chat not found", which the outbox matches): never shown in
	// a chat, whose words all come from the core's catalogs.
	"bot/discord/errors.go": 18, "bot/discord/events.go": 7, "bot/discord/discord.go": 3, "bot/discord/retry.go": 1,
	"bot/telegram/decode.go": 5, "bot/telegram/outbox.go": 3,
	"bot/telegram/telegram.go": 1, "bot/telegram/client.go": 1,
	// Rule and zone errors for operators (built with a helper the scan does
	// not know) and the day and time words ParseWhen reads: none is said to
	// a person (bot/when.go says times), so the count only keeps new text out.
	"data/schedule/": 70,
	// The calendar file's PRODID (RFC 5545: the producer's id, never shown);
	// its words come from the catalog.
	"matcher/calendar/calendar.go": 1,
}

// TestNoUserTextOutsideCatalogs walks the Go AST of the non-test files of
// bot (adapters included), matcher and data and fails on a string literal
// that reads like a sentence, outside: import paths, struct tags, log and
// error messages (operators read those, people never do), regular
// expressions, the word readers above and the debt table.
func TestNoUserTextOutsideCatalogs(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	examples := map[string]string{}
	fset := token.NewFileSet()
	files := 0
	for _, dir := range []string{"bot", "matcher", "data"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testdata" || d.Name() == "gen") {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			rel = filepath.ToSlash(rel)
			if hasPrefix(rel, wordReaders) || hasPrefix(rel, operatorText) {
				return nil
			}
			f, err := parser.ParseFile(fset, p, nil, 0)
			if err != nil {
				return err
			}
			files++
			key := rel // a directory's files share its entry ("data/schedule/")
			for k := range literalDebt {
				if strings.HasSuffix(k, "/") && strings.HasPrefix(rel, k) {
					key = k
				}
			}
			for _, lit := range userLiterals(f) {
				counts[key]++
				if examples[key] == "" {
					examples[key] = fset.Position(lit.Pos()).String() + " " + lit.Value
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 50 {
		t.Fatalf("only %d Go files read under %s", files, root)
	}
	for file, n := range counts {
		if n > literalDebt[file] {
			t.Errorf("%s: %d user-visible string literals, at most %d allowed (put the text in bot/messages/*.json); first: %s",
				file, n, literalDebt[file], examples[file])
		}
	}
	for file, max := range literalDebt {
		if counts[file] < max {
			t.Logf("%s: %d literals left, the table allows %d: lower it", file, counts[file], max)
		}
	}
}

// userLiterals are the sentence-like string literals of a file outside the
// allowed places.
func userLiterals(f *ast.File) []*ast.BasicLit {
	skip := map[*ast.BasicLit]bool{}
	skipAll := func(n ast.Node) {
		ast.Inspect(n, func(m ast.Node) bool {
			if l, ok := m.(*ast.BasicLit); ok {
				skip[l] = true
			}
			return true
		})
	}
	var out []*ast.BasicLit
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.ImportSpec:
			skip[x.Path] = true
		case *ast.Field:
			if x.Tag != nil {
				skip[x.Tag] = true
			}
		case *ast.CompositeLit:
			// &RecordError{...}, lineError{...}: errors for operators.
			if name := typeName(x.Type); strings.HasSuffix(strings.ToLower(name), "error") {
				skipAll(x)
			}
		case *ast.CallExpr:
			if operatorCall(x) {
				for _, a := range x.Args {
					skipAll(a)
				}
			}
		case *ast.BasicLit:
			if x.Kind != token.STRING || skip[x] {
				return true
			}
			if s, err := strconv.Unquote(x.Value); err == nil && sentence.MatchString(s) {
				out = append(out, x)
			}
		}
		return true
	})
	return out
}

// operatorCall reports whether a call's string arguments are for operators
// or machines: errors, logs, regular expressions, a validation failure.
func operatorCall(c *ast.CallExpr) bool {
	var pkg, name string
	switch fn := c.Fun.(type) {
	case *ast.SelectorExpr:
		name = fn.Sel.Name
		if id, ok := fn.X.(*ast.Ident); ok {
			pkg = id.Name
		}
	case *ast.Ident:
		name = fn.Name
	}
	switch pkg {
	case "errors", "slog", "regexp", "log":
		return true
	}
	switch name {
	case "Errorf", "Info", "Warn", "Error", "Debug", "LogAttrs", "Log", "With", "Fatal", "Fatalf",
		"bad", "fail", "invalid", "reject", "skip":
		return true
	}
	return strings.HasSuffix(name, "Error") || strings.HasSuffix(name, "Err")
}

func typeName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return t.Sel.Name
	}
	return ""
}

func hasPrefix(s string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(s, p) })
}

// TestUserLiteralsFinds: the scan flags a sentence said to a person and
// lets log, error and code strings through.
func TestUserLiteralsFinds(t *testing.T) {
	src := `package x
import "errors"
func f(log L) (string, error) {
	log.Info("session store failed", "err", "x")
	_ = "fmt:online"
	_ = "15:04"
	_ = &RecordError{Reason: "expected a name here"}
	if true { return "", errors.New("bad thing happened") }
	return "Find a meeting near you", nil
}`
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := userLiterals(f)
	if len(got) != 1 || got[0].Value != `"Find a meeting near you"` {
		var vs []string
		for _, l := range got {
			vs = append(vs, l.Value)
		}
		t.Fatalf("userLiterals = %q, want only the sentence", vs)
	}
}
