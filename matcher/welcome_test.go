package matcher

import (
	"testing"

	"github.com/peermatch/peermatch/data"
)

// TestWelcomesAllies: a listing says in any language's words that allies
// and everyone are welcome; a listing only for LGBTQ+ people does not.
func TestWelcomesAllies(t *testing.T) {
	for _, c := range []struct {
		name, summary string
		want          bool
	}{
		{"Trans and Allies Al-Anon", "", true},
		{"Rainbow circle", "A group for LGBTQ+ people. Everyone welcome.", true},
		{"Grupo arcoíris", "Para personas LGBTQ+ y sus aliados.", true},
		{"Cercle arc-en-ciel", "Pour les personnes LGBTQ+ et leurs alliés.", true},
		{"Rainbow circle", "A group for LGBTQ+ people only.", false},
		{"Cercle arc-en-ciel", "Pour les personnes LGBTQ+ seulement.", false},
	} {
		if got := welcomesAllies(&data.Group{Name: c.name, Summary: c.summary}); got != c.want {
			t.Errorf("%q / %q: %v, want %v", c.name, c.summary, got, c.want)
		}
	}
}
