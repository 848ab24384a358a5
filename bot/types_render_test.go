package bot

import (
	"strings"
	"testing"

	"github.com/peermatch/peermatch/data"
)

// TestFactsNameMeetingTypes: a feed's type codes reach the person as the
// specification's labels in their language, without repeating what the
// format and access already say.
func TestFactsNameMeetingTypes(t *testing.T) {
	cs, err := loadCatalogs("en")
	if err != nil {
		t.Fatal(err)
	}
	g := &data.Group{Format: data.FormatHybrid, Kind: data.KindGroup, Access: "closed", Types: []string{"B", "C", "ONL", "X"}}
	for _, c := range []struct{ lang, want, not string }{
		{"en", "Big Book", "Online"},
		{"es", "Libro Grande", "En línea"},
	} {
		tr := &turn{c: cs.decide("", "", c.lang)}
		got := tr.facts(g)
		if !strings.Contains(got, c.want) || strings.Contains(got, c.not) || strings.Count(got, "losed") > 1 {
			t.Errorf("%s: facts %q, want %q once and not %q", c.lang, got, c.want, c.not)
		}
	}
}
