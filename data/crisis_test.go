package data

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func TestEmbeddedCrisisDataLoads(t *testing.T) {
	lx, err := LoadCrisisLexicon(CrisisFS(), CrisisLexiconFile)
	if err != nil {
		t.Fatal(err)
	}
	langs := map[string]int{}
	for _, e := range lx.Entries {
		langs[e.Lang]++
	}
	if langs["en"] == 0 || langs["es"] == 0 {
		t.Errorf("lexicon languages = %v, want en and es", langs)
	}
	d, err := LoadCrisisLines(CrisisFS(), CrisisLinesFile)
	if err != nil {
		t.Fatal(err)
	}
	// The 17 countries of reference/crisis.md section 2.
	for _, cc := range strings.Fields("US CA GB IE AU NZ IN DE FR NL ES JP KR BR MX ZA SG") {
		found := false
		for _, c := range d.Countries {
			if c.Code == cc {
				found = true
				for _, l := range c.Lines {
					if l.Country != cc {
						t.Errorf("%s line %q country = %q", cc, l.Name, l.Country)
					}
				}
			}
		}
		if !found {
			t.Errorf("country %s missing", cc)
		}
	}
	// 988 must be the current number, not the stale 10-digit one.
	us := d.Countries[0]
	if us.Code != "US" || us.Lines[0].Phone != "988" {
		t.Errorf("first US line = %+v, want 988", us.Lines[0])
	}
	r, err := LoadCrisisReplies(CrisisFS(), CrisisRepliesFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Languages["es"]; !ok {
		t.Error("Spanish replies missing")
	}
}

func TestCrisisValidationErrors(t *testing.T) {
	cases := []struct {
		name, file, body, want string
		load                   func(fstest.MapFS) error
	}{
		{"duplicate id", "l.json", `{"version":"1","rules":{},"entries":[{"id":"a","category":"suicide","tier":"passive","lang":"en","phrases":["x"]},{"id":"a","category":"suicide","tier":"passive","lang":"en","phrases":["y"]}]}`, "id",
			func(f fstest.MapFS) error { _, err := LoadCrisisLexicon(f, "l.json"); return err }},
		{"bad category", "l.json", `{"version":"1","rules":{},"entries":[{"id":"a","category":"sadness","tier":"passive","lang":"en","phrases":["x"]}]}`, "category",
			func(f fstest.MapFS) error { _, err := LoadCrisisLexicon(f, "l.json"); return err }},
		{"unbalanced", "l.json", `{"version":"1","rules":{},"entries":[{"id":"a","category":"suicide","tier":"passive","lang":"en","phrases":["(x|y"]}]}`, "parentheses",
			func(f fstest.MapFS) error { _, err := LoadCrisisLexicon(f, "l.json"); return err }},
		{"no source", "c.json", `{"version":"1","international":{"name":"x","url":"u","source":"s","last_verified":"2026-01-01"},"countries":[{"code":"US","name":"x","names":[],"emergency":"911","emergency_source":"s","lines":[{"name":"n","phone":"1","last_verified":"2026-01-01","source":""}]}]}`, "source",
			func(f fstest.MapFS) error { _, err := LoadCrisisLines(f, "c.json"); return err }},
		{"bad date", "c.json", `{"version":"1","international":{"name":"x","url":"u","source":"s","last_verified":"2026-01-01"},"countries":[{"code":"US","name":"x","names":[],"emergency":"911","emergency_source":"s","lines":[{"name":"n","phone":"1","last_verified":"last week","source":"s"}]}]}`, "last_verified",
			func(f fstest.MapFS) error { _, err := LoadCrisisLines(f, "c.json"); return err }},
		{"unknown field", "c.json", `{"version":"1","bogus":1}`, "unknown field",
			func(f fstest.MapFS) error { _, err := LoadCrisisLines(f, "c.json"); return err }},
		{"markdown reply", "r.json", `{"version":"1","languages":{"en":{"emergency_first":"**call**"}}}`, "",
			func(f fstest.MapFS) error { _, err := LoadCrisisReplies(f, "r.json"); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.load(fstest.MapFS{c.file: {Data: []byte(c.body)}})
			if !errors.Is(err, ErrInvalidCrisisData) {
				t.Fatalf("err = %v, want ErrInvalidCrisisData", err)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.file) {
				t.Errorf("err = %v, want it to name %q and the file", err, c.want)
			}
		})
	}
}

func TestParseCrisisLevel(t *testing.T) {
	for _, l := range []CrisisLevel{LevelNone, LevelConcern, LevelUrgent, LevelEmergency} {
		got, ok := ParseCrisisLevel(l.String())
		if !ok || got != l {
			t.Errorf("ParseCrisisLevel(%q) = %v, %v", l.String(), got, ok)
		}
	}
	if _, ok := ParseCrisisLevel("high"); ok {
		t.Error("ParseCrisisLevel(high) accepted")
	}
}
