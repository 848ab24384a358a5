package crisis

import (
	"strings"
	"testing"

	"github.com/peermatch/peermatch/data"
)

// The hello's danger clause comes from the line data: the country's
// emergency number and its first suicide line, in the reply's language.
func TestDangerLineFromData(t *testing.T) {
	s := newTestScreener(t)
	for _, tc := range []struct{ country, lang, want string }{
		{"US", "en", "call 911, or call or text 988"},
		{"ES", "es", "llama al 112, o al 024"},
		{"ES", "en", "call 112, or call 024"},
		{"FR", "fr", "le 3114"},
		{"CA", "fr-CA", "textez le 9-8-8"},
		{"", "en", ""},
		{"ZZ", "en", ""},
	} {
		got := s.DangerLine(tc.country, tc.lang)
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("DangerLine(%q, %q) = %q, want %q", tc.country, tc.lang, got, tc.want)
		}
	}
	// The numbers are the data's, not copies: change the data, the clause follows.
	s.country("US").Emergency = "000-TEST"
	if got := s.DangerLine("US", "en"); !strings.Contains(got, "000-TEST") {
		t.Errorf("DangerLine after the data changed = %q", got)
	}
}

// A French crisis message gets a French reply with the country's lines.
func TestFrenchReply(t *testing.T) {
	s := newTestScreener(t)
	a := s.Screen("je vais me tuer ce soir")
	if a.Level < data.LevelUrgent {
		t.Fatalf("level %s", a.Level)
	}
	for country, want := range map[string]string{"FR": "3114", "CA": "9-8-8"} {
		got := s.Reply(a, country, "fr", false)
		if !strings.Contains(got, want) || !strings.Contains(got, "appelez le") || !strings.Contains(got, "Êtes-vous en sécurité") {
			t.Errorf("%s: French reply lacks %q or French words:\n%s", country, want, got)
		}
	}
}

// A text keyword is said in the reply's language: the data's "text HOME to
// 741741" keeps its keyword and number, not its English.
func TestTextKeywordInReplyLanguage(t *testing.T) {
	s := newTestScreener(t)
	for lang, want := range map[string]string{"en": "text HOME to 741741", "es": "envía HOME al 741741", "fr": "textez HOME au 741741"} {
		if got := s.LinesReply("US", lang); !strings.Contains(got, want) {
			t.Errorf("%s: LinesReply(US) lacks %q:\n%s", lang, want, got)
		}
	}
}

// BenchmarkReply: the crisis reply is built from static data on the
// message's path, before any store I/O; it must stay cheap.
func BenchmarkReply(b *testing.B) {
	s := newTestScreener(b)
	a := s.Screen("me quiero matar esta noche")
	for _, tc := range []struct{ name, country, lang string }{{"es-unknown-country", "", "es"}, {"fr-CA", "CA", "fr"}, {"en-US", "US", "en"}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if s.Reply(a, tc.country, tc.lang, false) == "" {
					b.Fatal("empty reply")
				}
			}
		})
	}
}
