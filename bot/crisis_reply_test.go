package bot

// The crisis replies' texts (moved here from matcher/crisis with the
// renderer): every level, category, language and country, the order of the
// paragraphs, the lines picked and how each is said.

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/matcher/crisis"
)

// noMatcher finds nothing: the crisis replies never ask the matcher.
type noMatcher struct{}

func (noMatcher) Understand(string) data.Understanding { return data.Understanding{} }
func (noMatcher) Find(context.Context, data.Intake, int, int) ([]data.Match, error) {
	return nil, nil
}
func (noMatcher) Group(string) (*data.Group, bool)  { return nil, false }
func (noMatcher) GroupsByName(string) []*data.Group { return nil }

var testCrisis = sync.OnceValues(func() (*crisis.Screener, error) { return crisis.New() })

// crisisEngine is an engine with the real screener (or sc when given).
func crisisEngine(t testing.TB, sc ...Screener) (*Engine, *crisis.Screener) {
	t.Helper()
	s, err := testCrisis()
	if err != nil {
		t.Fatal(err)
	}
	var screener Screener = s
	if len(sc) > 0 {
		screener = sc[0]
	}
	e, err := New(Config{Matcher: noMatcher{}, Crisis: screener})
	if err != nil {
		t.Fatal(err)
	}
	return e, s
}

func crisisDirectory(t testing.TB) *data.CrisisDirectory {
	t.Helper()
	d, err := data.LoadCrisisLines(data.CrisisFS(), data.CrisisLinesFile)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCrisisReplies(t *testing.T) {
	e, s := crisisEngine(t)
	levels := []data.CrisisLevel{data.LevelConcern, data.LevelUrgent, data.LevelEmergency}
	n := 0
	for _, lang := range []string{"en", "es", "es-MX", "fr"} {
		c := e.cats.decide("", lang, "")
		for _, country := range []string{"US", "GB", "MX", "ZA", "", "IT"} {
			cc, _, _ := s.Lines(country, nil, "")
			for _, lv := range levels {
				for _, cat := range data.CrisisCategories() {
					a := data.Assessment{Level: lv, Categories: []string{cat}}
					for _, mod := range []bool{false, true} {
						n++
						r := e.crisisReply(a, country, lang, mod)
						if r == "" || len(r) > maxCrisisReplyLen {
							t.Fatalf("crisisReply(%v,%s,%s,%s) length %d", lv, cat, country, lang, len(r))
						}
						if strings.ContainsAny(r, "*`#[]{}") {
							t.Errorf("reply has Markdown or a placeholder left: %q", r)
						}
						if mod != strings.Contains(r, c.crisisText("moderator")) {
							t.Errorf("crisisReply(notified=%v) moderator sentence mismatch", mod)
						}
						if !strings.HasSuffix(r, c.crisisText("closing")) {
							t.Errorf("reply does not end by keeping the conversation open: %q", r)
						}
						if cc == nil && !strings.Contains(r, "findahelpline.com") {
							t.Errorf("unknown country %q: no international fallback in %q", country, r)
						}
						if cc != nil && !strings.Contains(r, c.emergency(cc)) {
							t.Errorf("%s: emergency number missing in %q", country, r)
						}
					}
				}
			}
		}
	}
	if n != 1008 {
		t.Errorf("%d replies checked, want 1008", n)
	}
	// Lines come first for urgent and emergency replies; the emergency number first of all.
	r := e.crisisReply(data.Assessment{Level: data.LevelEmergency, Categories: []string{data.CrisisSuicide}}, "US", "en", false)
	if !strings.HasPrefix(r, "If you are in danger") || strings.Index(r, "988") > strings.Index(r, "Thank you for telling me") {
		t.Errorf("emergency reply order wrong:\n%s", r)
	}
	r = e.crisisReply(data.Assessment{Level: data.LevelUrgent, Categories: []string{data.CrisisDomesticViolence}}, "US", "en", false)
	if !strings.Contains(r, "1-800-799-7233") || strings.Index(r, "1-800-799-7233") > strings.Index(r, "not your fault") {
		t.Errorf("domestic-violence reply should show the hotline first:\n%s", r)
	}
	// Concern asks gently first, then the lines.
	r = e.crisisReply(data.Assessment{Level: data.LevelConcern, Categories: []string{data.CrisisSuicide}}, "US", "en", false)
	if !strings.HasPrefix(r, "It sounds like you're carrying a lot") || strings.Index(r, "988") < strings.Index(r, "thoughts of suicide") {
		t.Errorf("concern reply order wrong:\n%s", r)
	}
	if r := e.crisisReply(data.Assessment{Level: data.LevelUrgent, Categories: []string{data.CrisisSuicide}}, "", "es", false); !strings.Contains(r, "¿En qué país estás?") {
		t.Errorf("Spanish reply with unknown country does not ask for it:\n%s", r)
	}
	if r := e.crisisReply(data.Assessment{}, "US", "en", true); r != "" {
		t.Errorf("crisisReply(none) = %q, want empty", r)
	}
	if r := e.linesReply("US", "en"); !strings.Contains(r, "988") || !strings.Contains(r, "1-800-222-1222") || !strings.Contains(r, "911") {
		t.Errorf("linesReply(US) = %q", r)
	}
	if r := e.linesReply("", "en"); !strings.Contains(r, "findahelpline.com") || !strings.Contains(r, "emergency number where you are") {
		t.Errorf("linesReply(unknown) = %q", r)
	}
}

// Every country's /crisis list fits, in every language.
func TestCrisisLinesReplyEveryCountryFits(t *testing.T) {
	e, _ := crisisEngine(t)
	for _, cc := range crisisDirectory(t).Countries {
		for _, lang := range Languages() {
			r := e.linesReply(cc.Code, lang)
			c := e.cats.decide("", lang, "")
			if len(r) > maxCrisisReplyLen || !strings.Contains(r, c.emergency(&cc)) || strings.ContainsAny(r, "{}") {
				t.Errorf("%s/%s: linesReply (%d bytes) lacks the emergency number or fills no placeholder:\n%s", cc.Code, lang, len(r), r)
			}
			for _, l := range cc.Lines {
				name := l.Name
				if n := l.LocalNames[lang]; n != "" {
					name = n
				}
				if !strings.Contains(r, name) {
					t.Errorf("%s/%s: linesReply lacks %q", cc.Code, lang, l.Name)
				}
			}
		}
	}
}

// The length guard cuts at a line break, and inside a rune never.
func TestFitCrisis(t *testing.T) {
	long := strings.Repeat("- a line of some length, é\n", 200)
	got := fitCrisis(long)
	if len(got) > maxCrisisReplyLen || !strings.HasSuffix(got, "é") {
		t.Errorf("fitCrisis cut to %d bytes, ending %q", len(got), got[len(got)-5:])
	}
	one := strings.Repeat("é", maxCrisisReplyLen)
	if got := fitCrisis(one); len(got) > maxCrisisReplyLen || !strings.HasSuffix(got, "é") {
		t.Errorf("fitCrisis without a line break cut inside a rune: %d bytes", len(got))
	}
	if got := fitCrisis("short"); got != "short" {
		t.Errorf("fitCrisis(short) = %q", got)
	}
}

// With no known country the first reply already lists lines to call in the
// main countries of the person's language, then asks the country.
func TestCrisisReplyUnknownCountryListsLinesFirst(t *testing.T) {
	e, s := crisisEngine(t)
	cases := []struct {
		text  string
		wants []string
	}{
		{"i want to kill myself tonight", []string{"988", "116 123", "13 11 14", "findahelpline.com", "Which country"}},
		{"me quiero matar esta noche", []string{"800 911 2000", "024", "988", "¿En qué país"}},
		{"je vais me tuer ce soir", []string{"3114", "9-8-8", "0800 32 123", "143", "Dans quel pays"}},
		{"ich will mich umbringen", []string{"0800 111 0 111"}},
	}
	for _, c := range cases {
		a := s.Screen(c.text)
		if a.Level < data.LevelUrgent {
			t.Fatalf("%q: level %s", c.text, a.Level)
		}
		got := e.crisisReply(a, "", a.Lang, false)
		for _, w := range c.wants {
			if !strings.Contains(got, w) {
				t.Errorf("%q (lang %q): reply lacks %q:\n%s", c.text, a.Lang, w, got)
			}
		}
		if q := strings.Index(got, "Which country"); q >= 0 && q < strings.Index(got, "116 123") {
			t.Errorf("%q: the question comes before the lines", c.text)
		}
	}
}

// Pills taken in a quantity name overdose too, so Poison Help is shown with
// the suicide line.
func TestCrisisReplyOverdoseShowsPoisonHelp(t *testing.T) {
	e, s := crisisEngine(t)
	a := s.Screen("I took 30 tylenol")
	got := e.crisisReply(a, "US", "en", false)
	for _, w := range []string{"988", "1-800-222-1222", "911"} {
		if !strings.Contains(got, w) {
			t.Errorf("reply lacks %q: %v\n%s", w, a.Categories, got)
		}
	}
}

// A country with no line for the category says so rather than passing
// another category's line off as that one.
func TestCrisisReplySaysWhenCountryHasNoLineForCategory(t *testing.T) {
	e, _ := crisisEngine(t)
	var country string
	for _, c := range crisisDirectory(t).Countries {
		if !slices.ContainsFunc(c.Lines, func(l data.CrisisLine) bool { return slices.Contains(l.Categories, data.CrisisSexualAssault) }) {
			country = c.Code
			break
		}
	}
	if country == "" {
		t.Skip("every country has a sexual-assault line")
	}
	a := data.Assessment{Level: data.LevelUrgent, Categories: []string{data.CrisisSexualAssault}}
	got := e.crisisReply(a, country, "en", false)
	if !strings.Contains(got, "I don't have a line just for this in") {
		t.Errorf("%s: reply does not say the line is a general one:\n%s", country, got)
	}
}

// changedEmergency is the real screener with one country's emergency number
// changed, to show the hello takes its numbers from the data.
type changedEmergency struct {
	*crisis.Screener
	emergency string
}

func (c changedEmergency) DangerLine(country string) (*data.CrisisCountry, *data.CrisisLine) {
	cc, l := c.Screener.DangerLine(country)
	if cc != nil {
		cp := *cc
		cp.Emergency = c.emergency
		cc = &cp
	}
	return cc, l
}

// The hello's danger clause comes from the line data: the country's
// emergency number and its first suicide line, in the reply's language,
// with the line's way in that language when it has one.
func TestDangerClauseFromData(t *testing.T) {
	e, s := crisisEngine(t)
	cases := []struct{ country, lang, want string }{
		{"US", "en", "call 911, or call or text 988"},
		{"US", "es", "llama al 911, o llama o escribe al 988 (opción 2 en español, o envía AYUDA al 988)"},
		{"ES", "es", "llama al 112, o al 024"},
		{"ES", "en", "call 112, or call 024"},
		{"FR", "fr", "appelez le 112, ou le 3114"},
		{"GB", "fr", "appelez le 999 ou 112, ou le 116 123"},
		{"CA", "fr-CA", "appelez le 911, ou appelez ou textez le 9-8-8"},
		{"BE", "fr", "ou le 0800 32 123"},
		{"CH", "fr", "ou le 143"},
		{"", "en", "call the emergency number where you are"},
		{"ZZ", "es", "llama al número de emergencias de tu país"},
	}
	for _, tc := range cases {
		got := e.dangerClause(tc.country, e.cats.decide("", tc.lang, ""))
		if !strings.Contains(got, tc.want) {
			t.Errorf("dangerClause(%q, %q) = %q, want %q", tc.country, tc.lang, got, tc.want)
		}
	}
	// English and French readers are not told the Spanish menu.
	if got := e.dangerClause("US", e.cats.decide("", "en", "")); strings.Contains(got, "(") {
		t.Errorf("English US danger clause has a language option: %q", got)
	}
	// The numbers are the data's, not copies: change the data, the clause follows.
	e2, _ := crisisEngine(t, changedEmergency{s, "000-TEST"})
	if got := e2.dangerClause("US", e2.cats.decide("", "en", "")); !strings.Contains(got, "000-TEST") {
		t.Errorf("dangerClause after the data changed = %q", got)
	}
}

// A French crisis message gets a French reply with the country's lines.
func TestCrisisReplyFrench(t *testing.T) {
	e, s := crisisEngine(t)
	a := s.Screen("je vais me tuer ce soir")
	if a.Level < data.LevelUrgent {
		t.Fatalf("level %s", a.Level)
	}
	for country, want := range map[string]string{"FR": "3114", "CA": "9-8-8", "BE": "0800 32 123", "CH": "143"} {
		got := e.crisisReply(a, country, "fr", false)
		if !strings.Contains(got, want) || !strings.Contains(got, "appelez le") || !strings.Contains(got, "Êtes-vous en sécurité") {
			t.Errorf("%s: French reply lacks %q or French words:\n%s", country, want, got)
		}
	}
}

// A text keyword is said in the reply's language: the data's "text HOME to
// 741741" keeps its keyword and number, not its English.
func TestCrisisTextKeywordInReplyLanguage(t *testing.T) {
	e, _ := crisisEngine(t)
	for lang, want := range map[string]string{"en": "text HOME to 741741", "es": "envía HOME al 741741", "fr": "textez HOME au 741741"} {
		if got := e.linesReply("US", lang); !strings.Contains(got, want) {
			t.Errorf("%s: linesReply(US) lacks %q:\n%s", lang, want, got)
		}
	}
}

// Hours and menu choices are data said in the reader's words: a French or
// Spanish reader sees no English hours, and 988's Spanish option only in
// Spanish.
func TestCrisisLineHoursAndOptionsInEveryLanguage(t *testing.T) {
	e, _ := crisisEngine(t)
	for _, cc := range crisisDirectory(t).Countries {
		for _, l := range cc.Lines {
			for _, lang := range Languages() {
				c := e.cats.decide("", lang, "")
				if len(l.HoursText) > 0 && l.HoursText[lang] == "" {
					t.Errorf("%s %q: hours_text has no %q: a %s reader would see English", cc.Code, l.Name, lang, lang)
				}
				got := c.formatLine(l)
				if en := l.HoursText["en"]; lang != "en" && en != "" && en != l.HoursText[lang] && strings.Contains(got, en) {
					t.Errorf("%s/%s: English hours in %q", cc.Code, lang, got)
				}
				if lang != "en" && strings.Contains(got, "24/7, free") {
					t.Errorf("%s/%s: English hours in %q", cc.Code, lang, got)
				}
			}
		}
	}
	want := map[string]string{
		"en": "988 Suicide & Crisis Lifeline: call 988, text 988, chat https://988lifeline.org/chat (24/7)",
		"es": "988 Suicide & Crisis Lifeline: llama al 988, envía un mensaje al 988, chat https://988lifeline.org/chat (24/7) (opción 2 en español, o envía AYUDA al 988)",
		"fr": "988 Suicide & Crisis Lifeline : appelez le 988, textez le 988, clavardage https://988lifeline.org/chat (24 h/24, 7 j/7)",
	}
	for lang, w := range want {
		if got := e.linesReply("US", lang); !strings.Contains(got, "- "+w+"\n") {
			t.Errorf("%s: linesReply(US) lacks %q:\n%s", lang, w, got)
		}
	}
	// A line's own name in the reader's language.
	if got := e.linesReply("CA", "fr"); !strings.Contains(got, "- Jeunesse, J'écoute : appelez le 1-800-668-6868") || strings.Contains(got, "Kids Help Phone") {
		t.Errorf("fr: Kids Help Phone not under its French name:\n%s", got)
	}
	if got := e.linesReply("CA", "en"); !strings.Contains(got, "- Kids Help Phone: call 1-800-668-6868") {
		t.Errorf("en: Kids Help Phone not under its English name:\n%s", got)
	}
	// The veterans' menu key is said, not an English "then press 1".
	if got := e.linesReply("US", "fr"); !strings.Contains(got, "Veterans Crisis Line : appelez le 988, puis faites le 1") {
		t.Errorf("fr: the Veterans Crisis Line's menu key is not said in French:\n%s", got)
	}
	// Emergency numbers: the data's " or " and services in the reader's words.
	for _, tc := range []struct{ country, lang, want string }{
		{"GB", "es", "Emergencias: 999 o 112"},
		{"DE", "es", "Emergencias: 112, 110 (policía)"},
		{"AU", "fr", "Urgence : 000, 112 (d'un mobile)"},
		{"FR", "en", "Emergency: 112, 15 (medical help)"},
		{"ZA", "en", "Emergency: 10177, 112 (from a mobile), 10111 (police)"},
	} {
		if got := e.linesReply(tc.country, tc.lang); !strings.Contains(got, tc.want) {
			t.Errorf("%s/%s: linesReply lacks %q:\n%s", tc.country, tc.lang, tc.want, got)
		}
	}
	if got := e.linesReply("DE", "fr"); !strings.Contains(got, "0800 111 0 111 ou 0800 111 0 222") {
		t.Errorf("fr: DE phone alternatives not joined in French:\n%s", got)
	}
	if got := e.linesReply("CH", "fr"); !strings.Contains(got, "Pro Juventute 147 : appelez le 147, clavardage https://www.147.ch (24 h/24; WhatsApp 8 h 30-22 h 30)") {
		t.Errorf("fr: CH hours not in French:\n%s", got)
	}
}

// BenchmarkCrisisReply: the crisis reply is built from static data on the
// message's path, before any store I/O; it must stay cheap.
func BenchmarkCrisisReply(b *testing.B) {
	e, s := crisisEngine(b)
	a := s.Screen("me quiero matar esta noche")
	for _, tc := range []struct{ name, country, lang string }{{"es-unknown-country", "", "es"}, {"fr-CA", "CA", "fr"}, {"en-US", "US", "en"}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if e.crisisReply(a, tc.country, tc.lang, false) == "" {
					b.Fatal("empty reply")
				}
			}
		})
	}
}
