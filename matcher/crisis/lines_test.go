package crisis

import (
	"slices"
	"testing"

	"github.com/peermatch/peermatch/data"
)

// Lines returns records, picked for the categories: the line made for the
// first category first, every category named gets one, at most four.
func TestLinesPicksForCategories(t *testing.T) {
	s := newTestScreener(t)
	c, ls, fallback := s.Lines("us", []string{data.CrisisSuicide, data.CrisisOverdose})
	if c == nil || c.Code != "US" || fallback || len(ls) == 0 || len(ls) > maxLinesShown {
		t.Fatalf("Lines(us) = %v, %d lines, fallback %v", c, len(ls), fallback)
	}
	if ls[0].Phone != "988" || !slices.ContainsFunc(ls, func(l data.CrisisLine) bool { return l.Phone == "1-800-222-1222" }) {
		t.Errorf("Lines(us, suicide+overdose) = %v, want 988 first and Poison Help", names(ls))
	}
	_, ls, _ = s.Lines("US", []string{data.CrisisDomesticViolence})
	if len(ls) == 0 || ls[0].Phone != "1-800-799-7233" {
		t.Errorf("Lines(US, domestic-violence) = %v, want the hotline first", names(ls))
	}
	if c, ls, _ := s.Lines("ZZ", nil); c != nil || ls != nil {
		t.Errorf("Lines(ZZ) = %v, %v; want nothing", c, ls)
	}
}

func TestMajorCountries(t *testing.T) {
	s := newTestScreener(t)
	for lang, want := range map[string][]string{"fr-CA": {"FR", "CA", "BE", "CH"}, "es": {"MX", "ES", "US"}, "xx": {"US", "CA", "GB", "IE", "AU"}} {
		if got := s.MajorCountries(lang); !slices.Equal(got, want) {
			t.Errorf("MajorCountries(%q) = %v, want %v", lang, got, want)
		}
	}
	if s.International().URL == "" {
		t.Error("International has no URL")
	}
}

// The hello's line is the first suicide line for everyone with a number of
// its own: not a youth line, not a menu choice behind another number.
func TestDangerLine(t *testing.T) {
	s := newTestScreener(t)
	for country, want := range map[string]string{"US": "988", "CA": "9-8-8", "FR": "3114", "BE": "0800 32 123", "CH": "143", "ES": "024"} {
		c, l := s.DangerLine(country)
		if c == nil || l == nil || l.Phone != want || len(l.Audiences) > 0 || l.Press != "" {
			t.Errorf("DangerLine(%s) = %v, %+v; want %s", country, c, l, want)
		}
	}
	if c, l := s.DangerLine("ZZ"); c != nil || l != nil {
		t.Errorf("DangerLine(ZZ) = %v, %v", c, l)
	}
}

func names(ls []data.CrisisLine) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Name)
	}
	return out
}
