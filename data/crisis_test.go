package data

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
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
	// 988 must be the current number, not the stale 10-digit one.
	us := d.Countries[0]
	if us.Code != "US" || us.Lines[0].Phone != "988" {
		t.Errorf("first US line = %+v, want 988", us.Lines[0])
	}
	// Its Spanish is data: press 2 or text AYUDA (988lifeline.org).
	if o := us.Lines[0].LanguageOptions["es"]; o.Press != "2" || o.Text != "AYUDA" {
		t.Errorf("988 Spanish options = %+v, want press 2, text AYUDA", o)
	}
	// No line keeps English hours a French or Spanish reader would see.
	for _, c := range d.Countries {
		for _, l := range c.Lines {
			for _, lang := range []string{"en", "es", "fr"} {
				if len(l.HoursText) > 0 && l.HoursText[lang] == "" {
					t.Errorf("%s %q: hours_text has no %q", c.Code, l.Name, lang)
				}
			}
		}
	}
}

func TestCrisisValidationErrors(t *testing.T) {
	lexicon := func(f fstest.MapFS) error { _, err := LoadCrisisLexicon(f, "l.json"); return err }
	lines := func(f fstest.MapFS) error { _, err := LoadCrisisLines(f, "c.json"); return err }
	cases := []struct {
		name, file, body, want string
		load                   func(fstest.MapFS) error
	}{
		{"duplicate id", "l.json", `{"version":"1","rules":{},"entries":[{"id":"a","category":"suicide","tier":"passive","lang":"en","phrases":["x"]},{"id":"a","category":"suicide","tier":"passive","lang":"en","phrases":["y"]}]}`, "id", lexicon},
		{"bad category", "l.json", `{"version":"1","rules":{},"entries":[{"id":"a","category":"sadness","tier":"passive","lang":"en","phrases":["x"]}]}`, "category", lexicon},
		{"unbalanced", "l.json", `{"version":"1","rules":{},"entries":[{"id":"a","category":"suicide","tier":"passive","lang":"en","phrases":["(x|y"]}]}`, "parentheses", lexicon},
		{"no source", "c.json", lineJSON(`"source":""`), "source", lines},
		{"source not a URL", "c.json", lineJSON(`"source":"the 2019 annual report"`), "source", lines},
		{"bad date", "c.json", lineJSON(`"last_verified":"last week"`), "last_verified", lines},
		{"letters in phone", "c.json", lineJSON(`"phone":"1-800-799-SAFE"`), "phone", lines},
		{"words in phone", "c.json", lineJSON(`"phone":"call 116 123"`), "phone", lines},
		{"hash in phone", "c.json", lineJSON(`"phone":"#8891"`), "phone", lines},
		{"bad sms", "c.json", lineJSON(`"sms":"text help"`), "sms", lines},
		{"chat not a URL", "c.json", lineJSON(`"chat":"www.example.org/chat"`), "chat", lines},
		{"url with space", "c.json", lineJSON(`"url":"https://example.org/a b"`), "url", lines},
		{"no categories", "c.json", lineJSON(`"categories":[]`), "categories", lines},
		{"unknown category", "c.json", lineJSON(`"categories":["sadness"]`), "categories", lines},
		{"repeated category", "c.json", lineJSON(`"categories":["suicide","suicide"]`), "categories", lines},
		{"unknown audience", "c.json", lineJSON(`"audiences":["teens"]`), "audiences", lines},
		{"no languages", "c.json", lineJSON(`"languages":[]`), "languages", lines},
		{"bad language", "c.json", lineJSON(`"languages":["English"]`), "languages", lines},
		{"no contact", "c.json", lineJSON(`"name":"n"`, "phone", "sms", "chat", "url"), "phone/sms/chat/url", lines},
		{"emergency source not a URL", "c.json", strings.Replace(lineJSON(`"name":"n"`), `"emergency_source":"https://example.org/911"`, `"emergency_source":"a shop"`, 1), "emergency_source", lines},
		{"emergency in words", "c.json", strings.Replace(lineJSON(`"name":"n"`), `"emergency":"911"`, `"emergency":"112 (police 101)"`, 1), "emergency", lines},
		{"emergency service without code", "c.json", strings.Replace(lineJSON(`"name":"n"`), `"emergency":"911"`, `"emergency":"112","emergency_services":[{"n":"101","for":"cops"}]`, 1), "emergency_services", lines},
		{"unknown field", "c.json", `{"version":"1","bogus":1}`, "unknown field", lines},
		{"worded phone", "c.json", lineJSON(`"phone":"988, then press 1"`), "phone", lines},
		{"hours in words", "c.json", lineJSON(`"hours":"24/7, free"`), "hours", lines},
		{"hours text without English", "c.json", lineJSON(`"hours_text":{"fr":"lun.-ven. 9 h-17 h"}`), "hours_text", lines},
		{"hours and hours text", "c.json", lineJSON(`"hours":"24/7","hours_text":{"en":"Mon-Fri"}`), "hours_text", lines},
		{"local name without language", "c.json", lineJSON(`"local_names":{"French":"n"}`), "local_names", lines},
		{"press without phone", "c.json", lineJSON(`"press":"1"`, "phone"), "press", lines},
		{"press in words", "c.json", lineJSON(`"press":"one"`), "press", lines},
		{"language option keyword lower case", "c.json", lineJSON(`"language_options":{"es":{"text":"ayuda"}}`), "language_options", lines},
		{"language option empty", "c.json", lineJSON(`"language_options":{"es":{}}`), "language_options", lines},
		{"language option press without phone", "c.json", lineJSON(`"language_options":{"es":{"press":"2"}}`, "phone"), "language_options", lines},
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
	// The base line of the cases above is valid, so each case fails for its own field.
	if err := lines(fstest.MapFS{"c.json": {Data: []byte(lineJSON(`"name":"n"`))}}); err != nil {
		t.Fatalf("valid line rejected: %v", err)
	}
	for _, f := range []string{`"hours_text":{"en":"Mon-Fri 10:00-18:00","fr":"lun.-ven. 10 h-18 h"}`, `"press":"1"`,
		`"language_options":{"es":{"press":"2","text":"AYUDA"}}`, `"hours":"24/7"`} {
		if err := lines(fstest.MapFS{"c.json": {Data: []byte(lineJSON(f))}}); err != nil {
			t.Errorf("valid line with %s rejected: %v", f, err)
		}
	}
}

// lineJSON is a valid one-country registry whose only line has the field
// of repl (a `"key":value` pair) replaced by it and the drop fields removed.
func lineJSON(repl string, drop ...string) string {
	fields := map[string]string{
		"name": `"name":"n"`, "phone": `"phone":"988"`, "sms": `"sms":"text HOME to 741741"`,
		"chat": `"chat":"https://example.org/chat"`, "url": `"url":"https://example.org"`,
		"languages": `"languages":["en","es"]`, "audiences": `"audiences":["youth"]`,
		"categories": `"categories":["suicide"]`, "source": `"source":"https://example.org/about"`,
		"last_verified": `"last_verified":"2026-01-01"`,
	}
	key := repl[1 : strings.Index(repl[1:], `"`)+1]
	fields[key] = repl
	order := []string{"name", "phone", "sms", "chat", "url", "languages", "audiences", "categories", "source", "last_verified"}
	if !slices.Contains(order, key) {
		order = append(order, key) // an optional field the base line leaves out
	}
	var parts []string
	for _, k := range order {
		if !slices.Contains(drop, k) {
			parts = append(parts, fields[k])
		}
	}
	return `{"version":"1","international":{"name":"x","url":"https://example.org","source":"https://example.org/s","last_verified":"2026-01-01"},` +
		`"countries":[{"code":"US","name":"x","names":[],"emergency":"911","emergency_source":"https://example.org/911","lines":[{` +
		strings.Join(parts, ",") + `}]}],"by_language":{"en":["US"]}}`
}

func TestCrisisLinesCheckNotFuture(t *testing.T) {
	d, err := LoadCrisisLines(fstest.MapFS{"c.json": {Data: []byte(lineJSON(`"last_verified":"2026-12-05"`))}}, "c.json")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	if err := d.CheckNotFuture(utc("2026-12-05T00:00:00Z")); err != nil {
		t.Errorf("date of today rejected: %v", err)
	}
	err = d.CheckNotFuture(utc("2026-12-04T23:59:59Z"))
	if !errors.Is(err, ErrInvalidCrisisData) || !strings.Contains(err.Error(), "2026-12-05") {
		t.Errorf("future date: err = %v, want ErrInvalidCrisisData naming the date", err)
	}
}

// The 18 countries of the registry: reference/crisis.md section 2 and the
// Philippines (issue 13).
var crisisCountries = strings.Fields("US CA GB IE AU NZ IN DE FR NL ES JP KR BR MX ZA SG PH BE CH")

// TestEmbeddedCrisisLinesCoverage keeps the registry's promise: every
// country routes suicide, domestic violence and child abuse to lines made
// for them, and the US and Canada also have LGBTQ and poison/overdose lines.
func TestEmbeddedCrisisLinesCoverage(t *testing.T) {
	d, err := LoadCrisisLines(CrisisFS(), CrisisLinesFile)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing was checked on a day that has not come (the wall clock is fine
	// here: the data only has to be older than the test run).
	if err := d.CheckNotFuture(time.Now()); err != nil {
		t.Error(err)
	}
	byCode := map[string]CrisisCountry{}
	for _, c := range d.Countries {
		byCode[c.Code] = c
	}
	if len(byCode) != len(crisisCountries) {
		t.Errorf("registry has %d countries, want %d", len(byCode), len(crisisCountries))
	}
	serves := func(c CrisisCountry, cat, audience string) bool {
		for _, l := range c.Lines {
			if l.Country != c.Code {
				t.Errorf("%s line %q country = %q", c.Code, l.Name, l.Country)
			}
			if slices.Contains(l.Categories, cat) && (audience == "" || slices.Contains(l.Audiences, audience)) {
				return true
			}
		}
		return false
	}
	for _, cc := range crisisCountries {
		c, ok := byCode[cc]
		if !ok {
			t.Errorf("country %s missing", cc)
			continue
		}
		for _, cat := range []string{CrisisSuicide, CrisisDomesticViolence, CrisisChildAbuse} {
			if !serves(c, cat, "") {
				t.Errorf("%s has no line for %s", cc, cat)
			}
		}
	}
	for _, cc := range []string{"US", "CA"} {
		if !serves(byCode[cc], CrisisSuicide, "lgbtq") {
			t.Errorf("%s has no LGBTQ line", cc)
		}
		if !serves(byCode[cc], CrisisOverdose, "") {
			t.Errorf("%s has no poison/overdose line", cc)
		}
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
