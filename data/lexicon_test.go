package data

import (
	"strings"
	"testing"
)

func TestDefaultLexicons(t *testing.T) {
	ls, err := DefaultLexicons()
	if err != nil {
		t.Fatal(err)
	}
	langs := map[string]bool{}
	for _, l := range ls {
		langs[l.Lang] = true
		if len(l.Hints) == 0 || len(l.Function) == 0 || len(l.Limits.Refusal) == 0 || len(l.Age.Self) == 0 {
			t.Errorf("%s: hints, function words, refusals and age words must not be empty", l.Lang)
		}
	}
	for _, want := range []string{"en", "es", "fr"} {
		if !langs[want] {
			t.Errorf("no lexicon for %s", want)
		}
	}
	w, err := DefaultSharedWords()
	if err != nil {
		t.Fatal(err)
	}
	if len(w.FellowshipShorts) == 0 || len(w.RegionCodes) == 0 {
		t.Errorf("shared words: fellowship short names and region codes must not be empty")
	}
}

// TestFellowshipInText: a listing named in another language reads as its
// fellowship.
func TestFellowshipInText(t *testing.T) {
	for text, want := range map[string]string{
		"narcotiques anonymes au québec | narcotiques anonymes": "na",
		"alcooliques anonymes, région 87":                       "aa",
		"a peer support group":                                  "",
	} {
		if got := FellowshipInText(text); got != want {
			t.Errorf("FellowshipInText(%q) = %q, want %q", text, got, want)
		}
	}
}

// TestParseLexiconErrors: a broken lexicon names the file and the field.
func TestParseLexiconErrors(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"lexicon/fr.json", `{"lang": "fr", "hints": [`, "lexicon/fr.json"},
		{"lexicon/fr.json", `{"lang": "fr", "colour": []}`, "unknown field"},
		{"lexicon/fr.json", `{"hints": ["je"]}`, "field lang"},
		{"lexicon/fr.json", `{"lang": "de"}`, "as the file is named"},
		{"lexicon/fr.json", `{"lang": "fr", "ask": ["en (fran"]}`, "field ask"},
		{"lexicon/fr.json", `{"lang": "fr", "limits": {"faith": ["dieu["]}}`, "field limits.faith"},
		{"lexicon/fr.json", `{"lang": "fr", "audiences": [{"audience": "dads", "words": ["papas"]}]}`, "field audience"},
		{"lexicon/fr.json", `{"lang": "fr", "when": [["Ce Soir", "tonight"]]}`, "when[0]"},
		{"lexicon/fr.json", `{"lang": "fr", "format": {"housebound": ["sors pas"]}}`, "housebound_words"},
		{"lexicon/fr.json", `{"lang": "fr", "age": {"decades": ["dans la \\d0aine"]}}`, "age.decades[0]"},
		{"lexicon/fr.json", `{"lang": "fr", "age": {"decade_words": {"Quarantaine": 45}}}`, "age.decade_words"},
		{"lexicon/fr.json", `{"lang": "fr", "meeting": {"fellowships": [{"code": "xa", "words": ["x anonymes"]}]}}`, "meeting.fellowships[0]"},
		{"lexicon/fr.json", `{"lang": "fr", "meeting": {"via": [{"code": "fax", "words": ["par fax"]}]}}`, "meeting.via[0]"},
		{"lexicon/fr.json", `{"lang": "fr", "loss": {"lost_person": ["perdu (mon"]}}`, "field loss.lost_person"},
	}
	for _, c := range cases {
		_, err := ParseLexicon(c.name, []byte(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%s: error %v, want one naming %s and %q", c.body, err, c.name, c.want)
		}
	}
	if err := CheckLexicons([]Lexicon{{Lang: "en", Default: true}, {Lang: "en"}}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a language twice: %v", err)
	}
	if err := CheckLexicons([]Lexicon{{Lang: "en"}, {Lang: "fr"}}); err == nil || !strings.Contains(err.Error(), "default") {
		t.Errorf("no default: %v", err)
	}
}
