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
	c, ls, fallback := s.Lines("us", []string{data.CrisisSuicide, data.CrisisOverdose}, "en")
	if c == nil || c.Code != "US" || fallback || len(ls) == 0 || len(ls) > maxLinesShown {
		t.Fatalf("Lines(us) = %v, %d lines, fallback %v", c, len(ls), fallback)
	}
	if ls[0].Phone != "988" || !slices.ContainsFunc(ls, func(l data.CrisisLine) bool { return l.Phone == "1-800-222-1222" }) {
		t.Errorf("Lines(us, suicide+overdose) = %v, want 988 first and Poison Help", names(ls))
	}
	_, ls, _ = s.Lines("US", []string{data.CrisisDomesticViolence}, "en")
	if len(ls) == 0 || ls[0].Phone != "1-800-799-7233" {
		t.Errorf("Lines(US, domestic-violence) = %v, want the hotline first", names(ls))
	}
	if c, ls, _ := s.Lines("ZZ", nil, ""); c != nil || ls != nil {
		t.Errorf("Lines(ZZ) = %v, %v; want nothing", c, ls)
	}
}

// Lines in the reader's language come first: a French reader in Canada
// gets the Quebec line, not the English-only ones; an English reader the
// data's order.
func TestLinesPreferTheReadersLanguage(t *testing.T) {
	s := newTestScreener(t)
	_, fr, _ := s.Lines("CA", []string{data.CrisisSuicide}, "fr-CA")
	_, en, _ := s.Lines("CA", []string{data.CrisisSuicide}, "en")
	for _, l := range fr {
		if !slices.Contains(l.Languages, "fr") {
			t.Errorf("fr: %q does not speak French: %v", l.Name, names(fr))
		}
	}
	if !slices.ContainsFunc(fr, func(l data.CrisisLine) bool { return l.Phone == "1-866-277-3553" }) {
		t.Errorf("fr: no 1 866 APPELLE among %v", names(fr))
	}
	if len(en) != maxLinesShown || en[0].Phone != "9-8-8" || en[3].Name != "Trans Lifeline (Canada)" {
		t.Errorf("en: %v, want the data's order", names(en))
	}
	_, es, _ := s.Lines("US", []string{data.CrisisSuicide}, "es")
	if es[0].Phone != "988" {
		t.Errorf("es: %v, want 988 first", names(es))
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
