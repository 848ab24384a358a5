package matcher

import (
	"slices"
	"testing"
)

// TestReadSpecifics: what people ask of a meeting, and look-alikes that ask
// nothing ("Pueblo, CA" is a state; "open to anything" is not an open
// meeting).
func TestReadSpecifics(t *testing.T) {
	cases := []struct {
		text, fellowship string
		types            []string
		via              string
		audienceOnly     bool
	}{
		{"NA meeting tonight", "na", nil, "", false},
		{"aa meetings near me", "aa", nil, "", false},
		{"cocaine anonymous meeting", "ca", nil, "", false},
		{"reunión de AA en español", "aa", nil, "", false},
		{"busco grupo de narcóticos anónimos", "na", nil, "", false},
		{"online Al-Anon", "al-anon", nil, "", false},
		{"alateen for my daughter", "al-anon", nil, "", false},
		{"AA speaker meeting", "aa", []string{"SP"}, "", false},
		{"NA step study", "na", []string{"ST"}, "", false},
		{"wheelchair accessible AA meeting", "aa", []string{"X"}, "", false},
		{"AA meditation meeting", "aa", []string{"MED|11"}, "", false},
		{"closed AA meeting", "aa", []string{"C"}, "", false},
		{"AA meeting by phone", "aa", nil, "phone", false},
		{"hybrid AA meeting", "aa", nil, "hybrid", false},
		{"women's AA meeting", "aa", nil, "", true},
		{"meeting for seniors", "", nil, "", true},
		{"reunión de mujeres", "", nil, "", true},
		// Look-alikes.
		{"grief group in Pueblo, CA", "", nil, "", false},
		{"I'm a woman with anxiety", "", nil, "", false},
		{"im open to anything", "", nil, "", false},
		{"my husband is in AA", "", nil, "", false},
	}
	for _, c := range cases {
		s := readSpecifics(c.text, false)
		if s.Fellowship != c.fellowship || !slices.Equal(s.Types, c.types) || s.Via != c.via || s.AudienceOnly != c.audienceOnly {
			t.Errorf("%q: %+v, want fellowship %q types %v via %q audience only %v", c.text, s, c.fellowship, c.types, c.via, c.audienceOnly)
		}
	}
}
