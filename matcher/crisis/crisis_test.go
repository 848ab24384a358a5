package crisis

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/peermatch/peermatch/data"
)

func has(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// The context rules of issue 4, one case each.
func TestContextRules(t *testing.T) {
	s := newTestScreener(t)
	cases := []struct {
		text   string
		level  data.CrisisLevel
		cat    string // a category that must be present ("" = none)
		signal string // a signal that must be present ("" = any)
	}{
		{"I'm not suicidal but I'd like to not exist", data.LevelConcern, data.CrisisSuicide, ""},
		{"i'm not suicidal, just tired", data.LevelNone, "", SignalNegated},
		{"this workout is killing me", data.LevelNone, "", ""},
		{"dying to meet you", data.LevelNone, "", ""},
		{"my phone died", data.LevelNone, "", ""},
		{"I could kill for a coffee", data.LevelNone, "", ""},
		{"the song goes 'i want to die'", data.LevelNone, "", SignalFiction},
		{"I was suicidal years ago, now I'm doing well", data.LevelNone, "", SignalResolved},
		{"i tried to kill myself years ago", data.LevelConcern, data.CrisisSuicide, SignalPast},
		{"my wife died in March", data.LevelNone, "", "info.loss"},
		{"my son killed himself last year", data.LevelNone, "", "info.loss"},
		{"my friend says she wants to die", data.LevelUrgent, data.CrisisThirdParty, SignalThirdPerson},
		{"i want to die", data.LevelConcern, data.CrisisSuicide, "si.passive.wish_dead"},
		{"i want to kill myself", data.LevelUrgent, data.CrisisSuicide, "si.active.kill_self"},
		{"i want to kill myself tonight", data.LevelEmergency, data.CrisisSuicide, SignalMeans},
		{"i want to die, i have the pills right here", data.LevelEmergency, data.CrisisSuicide, ""},
		{"i took 40 pills", data.LevelEmergency, data.CrisisSuicide, SignalTookPills},
		{"i take 2 pills a day for my heart", data.LevelNone, "", ""},
		{"i want to die lol", data.LevelConcern, data.CrisisSuicide, ""},
		{"kms lol", data.LevelConcern, data.CrisisSuicide, SignalFlippant},
		{"he said he's going to kill me", data.LevelEmergency, data.CrisisDomesticViolence, ""},
		{"i think i overdosed", data.LevelEmergency, data.CrisisOverdose, ""},
		{"kys", data.LevelNone, "", "info.harassment"},
		{"looking for a suicide loss support group", data.LevelNone, "", ""},
		{"me quiero matar", data.LevelUrgent, data.CrisisSuicide, ""},
		{"mi amiga quiere suicidarse", data.LevelUrgent, data.CrisisThirdParty, ""},
		{"me muero de risa", data.LevelNone, "", ""},
	}
	for _, c := range cases {
		a := s.Screen(c.text)
		if a.Level != c.level || (c.cat != "" && !has(a.Categories, c.cat)) || (c.signal != "" && !has(a.Signals, c.signal)) {
			t.Errorf("Screen(%q) = %v %v %v; want level %v, category %q, signal %q", c.text, a.Level, a.Categories, a.Signals, c.level, c.cat, c.signal)
		}
		if c.level == data.LevelNone && len(a.Categories) != 0 {
			t.Errorf("Screen(%q): categories %v at level none", c.text, a.Categories)
		}
	}
}

func TestNormalization(t *testing.T) {
	s := newTestScreener(t)
	for in, want := range map[string]string{
		"ｋｉｌｌ ｍｙｓｅｌｆ":            "kil myself",
		"k1ll mys3lf":            "kil myself",
		"ki11 myself":            "kil myself",
		"$uicide":                "suicide",
		"diiiiiie":               "die",
		"s u i c i d e":          "suicide",
		"i w a n t to die":       "i want to die",
		"sui\u200bci\u202ede":    "suicide",
		"ѕuісіdе":                "suicide",
		"sewerslide":             "suicide",
		"i wanna unalive myself": "i want to kil myself",
		"800mg":                  "800mg",
		"i can't":                "i can not",
		"ESTÁ BIEN":              "esta bien",
		"killmyself":             "kil myself",
		"#wanttodie":             "want to die",
		"suicdie":                "suicide",
		"i'll off myself":        "i wil kil myself",
		"the 2nd time at 10pm":   "the 2nd time at 10pm",
	} {
		var ws []string
		for _, tk := range s.tokens(in) {
			ws = append(ws, tk.w)
		}
		if got := strings.Join(ws, " "); got != want {
			t.Errorf("tokens(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEscalate(t *testing.T) {
	a := data.Assessment{Level: data.LevelConcern, Categories: []string{data.CrisisSuicide}, Signals: []string{"si.burden"}}
	if got := Escalate(a, 1); got.Level != data.LevelConcern {
		t.Errorf("Escalate(concern, 1) = %v, want concern", got.Level)
	}
	got := Escalate(a, 2)
	if got.Level != data.LevelUrgent || !has(got.Signals, SignalEscalated) {
		t.Errorf("Escalate(concern, 2) = %+v, want urgent with %s", got, SignalEscalated)
	}
	if len(a.Signals) != 1 {
		t.Error("Escalate modified its argument")
	}
	if got := Escalate(data.Assessment{}, 10); got.Level != data.LevelNone {
		t.Errorf("Escalate(none, 10) = %v", got.Level)
	}
	if got := Escalate(data.Assessment{Level: data.LevelEmergency}, 5); got.Level != data.LevelEmergency {
		t.Errorf("Escalate(emergency) = %v", got.Level)
	}
}

func TestCountry(t *testing.T) {
	for in, want := range map[string]string{"en-GB": "GB", "es-MX": "MX", "es": "", "pt_BR": "BR", "zh-Hant-TW": "TW", "es-419": "", "": "", "en-US-u-ca-gregory": "US", "xx-ZZ": ""} {
		if got := CountryFromLocale(in); got != want {
			t.Errorf("CountryFromLocale(%q) = %q, want %q", in, got, want)
		}
	}
	s := newTestScreener(t)
	for in, want := range map[string]string{"I'm in Canada": "CA", "UK": "GB", "España": "ES", "vivo en méxico": "MX", "northern ireland": "GB",
		"ireland": "IE", "gb": "GB", "i live in the us": "US", "tell us more": "", "i am in Italy": "", "south africa": "ZA", "Brasil": "BR"} {
		if got := s.CountryFromText(in); got != want {
			t.Errorf("CountryFromText(%q) = %q, want %q", in, got, want)
		}
	}
}

// Bad data fails New with a wrapped error that names the file and never
// contains message text.
func TestNewRejectsBadData(t *testing.T) {
	good := data.CrisisFS()
	read := func(name string) []byte {
		b, err := fstestRead(good, name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	fsys := fstest.MapFS{
		data.CrisisLexiconFile: {Data: []byte(`{"version":"1","rules":{},"entries":[{"id":"x","category":"suicide","tier":"passive","lang":"en","phrases":["(a|b) (c|(d|e))"]}]}`)},
		data.CrisisLinesFile:   {Data: read(data.CrisisLinesFile)},
	}
	_, err := New(WithData(fsys))
	if !errors.Is(err, data.ErrInvalidCrisisData) || !strings.Contains(err.Error(), "lexicon.json") {
		t.Errorf("New(bad lexicon) err = %v", err)
	}
}

// Screening never puts message text in its output: signals are ids.
func TestNoTextInAssessment(t *testing.T) {
	s := newTestScreener(t)
	const canary = "zqxcanary"
	for _, text := range []string{"i want to die " + canary, canary + " took 40 pills", "kill " + canary + "myself"} {
		a := s.Screen(text)
		for _, sig := range append(a.Signals, a.Categories...) {
			if strings.Contains(sig, canary) {
				t.Errorf("assessment of %q carries message text: %v", text, a)
			}
		}
	}
}

func TestLongMessageCapped(t *testing.T) {
	s := newTestScreener(t)
	filler := strings.Repeat("we talked about the weather and the garden. ", 5000) // ~220 KB
	if a := s.Screen(filler + "i want to kill myself"); a.Level < data.LevelUrgent {
		t.Errorf("signal at the end of a long message missed: %v", a.Level)
	}
	if a := s.Screen("i want to kill myself. " + filler); a.Level < data.LevelUrgent {
		t.Errorf("signal at the start of a long message missed: %v", a.Level)
	}
}
