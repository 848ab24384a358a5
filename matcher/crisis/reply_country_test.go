package crisis

import (
	"strings"
	"testing"

	"github.com/peermatch/peermatch/data"
)

// With no known country the first reply already lists lines to call in the
// main countries of the person's language, then asks the country.
func TestReplyUnknownCountryListsLinesFirst(t *testing.T) {
	s := newTestScreener(t)
	cases := []struct {
		text  string
		wants []string
	}{
		{"i want to kill myself tonight", []string{"988", "116 123", "13 11 14", "findahelpline.com", "Which country"}},
		{"me quiero matar esta noche", []string{"800 911 2000", "024", "988", "¿En qué país"}},
		{"je vais me tuer ce soir", []string{"3114", "9-8-8"}},
		{"ich will mich umbringen", []string{"0800 111 0 111"}},
	}
	for _, c := range cases {
		a := s.Screen(c.text)
		if a.Level < data.LevelUrgent {
			t.Fatalf("%q: level %s", c.text, a.Level)
		}
		got := s.Reply(a, "", a.Lang, false)
		for _, w := range c.wants {
			if !strings.Contains(got, w) {
				t.Errorf("%q (lang %q): reply lacks %q:\n%s", c.text, a.Lang, w, got)
			}
		}
		if strings.Index(got, "Which country") >= 0 && strings.Index(got, "Which country") < strings.Index(got, "116 123") {
			t.Errorf("%q: the question comes before the lines", c.text)
		}
	}
}

// Pills taken in a quantity name overdose too, so Poison Help is shown with
// the suicide line.
func TestReplyOverdoseShowsPoisonHelp(t *testing.T) {
	s := newTestScreener(t)
	a := s.Screen("I took 30 tylenol")
	got := s.Reply(a, "US", "en", false)
	for _, w := range []string{"988", "1-800-222-1222", "911"} {
		if !strings.Contains(got, w) {
			t.Errorf("reply lacks %q: %v\n%s", w, a.Categories, got)
		}
	}
}

// A country with no line for the category says so rather than passing
// another category's line off as that one.
func TestReplySaysWhenCountryHasNoLineForCategory(t *testing.T) {
	s := newTestScreener(t)
	var country string
	for _, c := range s.lines.Countries {
		if !slicesAny(c.Lines, data.CrisisSexualAssault) {
			country = c.Code
			break
		}
	}
	if country == "" {
		t.Skip("every country has a sexual-assault line")
	}
	a := data.Assessment{Level: data.LevelUrgent, Categories: []string{data.CrisisSexualAssault}}
	got := s.Reply(a, country, "en", false)
	if !strings.Contains(got, "I don't have a line just for this in") {
		t.Errorf("%s: reply does not say the line is a general one:\n%s", country, got)
	}
}

func slicesAny(ls []data.CrisisLine, cat string) bool {
	for _, l := range ls {
		if serves(l, cat) {
			return true
		}
	}
	return false
}
