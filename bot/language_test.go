package bot

import (
	"errors"
	"maps"
	"slices"
	"testing"
)

// TestDecideOrder holds the one language decision to its order: the
// language written, then the person's choice, then the platform locale,
// then the default; regional tags find their catalog.
func TestDecideOrder(t *testing.T) {
	cs, err := loadCatalogs("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		choice, written, locale, want string
	}{
		{"", "", "", cs.def},
		{"", "", "es-MX", "es"},
		{"", "", "fr_CA", "fr"},
		{"", "", "pt-BR", cs.def},      // no catalog: the default, not a guess
		{"", "", "not a tag!", cs.def}, // malformed: the default
		{"fr", "", "es-MX", "fr"},      // the person's choice beats the app's locale
		{"fr", "es", "en-US", "es"},    // the words written beat the choice
		{"es", "de", "", "es"},         // a written language without a catalog falls through
		{"", "", "en-GB", "en"},
	} {
		if got := cs.decide(tc.choice, tc.written, tc.locale).Lang; got != tc.want {
			t.Errorf("decide(%q, %q, %q) = %q, want %q", tc.choice, tc.written, tc.locale, got, tc.want)
		}
		if got := ChooseLanguage(tc.choice, tc.written, tc.locale); got != cs.decide(tc.choice, tc.written, tc.locale).Lang {
			t.Errorf("ChooseLanguage(%q, %q, %q) = %q, differs from the engine's decision", tc.choice, tc.written, tc.locale, got)
		}
	}
}

// TestCatalogsHaveSameKeys: every catalog has every key of every other, in
// every section, and at least three languages are there.
func TestCatalogsHaveSameKeys(t *testing.T) {
	cs, err := loadCatalogs("")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.byLang) < 3 {
		t.Fatalf("%d catalogs, want en, es and fr at least", len(cs.byLang))
	}
	for _, lang := range Languages() {
		c := cs.byLang[lang]
		for other, o := range cs.byLang {
			for name, pair := range map[string][2]map[string]string{
				"text": {c.Text, o.Text}, "labels": {c.Labels, o.Labels}, "topics": {c.Topics, o.Topics}, "formats": {c.Formats, o.Formats},
			} {
				for _, k := range slices.Sorted(maps.Keys(pair[1])) {
					if pair[0][k] == "" {
						t.Errorf("%s.json: %s %q is missing (%s.json has it)", lang, name, k, other)
					}
				}
			}
			for k := range o.Words {
				if len(c.Words[k]) == 0 {
					t.Errorf("%s.json: words %q is missing (%s.json has it)", lang, k, other)
				}
			}
		}
	}
}

// TestSameKeysCatchesAGap: the loader's own check fails on a catalog
// missing a key.
func TestSameKeysCatchesAGap(t *testing.T) {
	cs, err := loadCatalogs("")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs.byLang {
		delete(c.Text, "hello")
		break
	}
	if err := cs.sameKeys(); !errors.Is(err, errMissingKey) {
		t.Fatalf("sameKeys with a gap = %v, want errMissingKey", err)
	}
}

// TestNamedLanguage: typing a language's name switches to it.
func TestNamedLanguage(t *testing.T) {
	cs, err := loadCatalogs("")
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"espanol": "es", "english": "en", "francais": "fr", "french": "fr"} {
		c := cs.named(in)
		if c == nil || c.Lang != want {
			t.Errorf("named(%q) = %v, want %s", in, c, want)
		}
	}
	if c := cs.named("grief"); c != nil {
		t.Errorf("named(grief) = %s, want none", c.Lang)
	}
}
