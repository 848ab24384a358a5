package matcher

import (
	"slices"
	"testing"

	"github.com/peermatch/peermatch/data"
)

// TestReadLimits: refusals and ages as people write them, and the look-alikes
// that must rule nothing out (a search for AA is not a refusal of it; a
// child's age is not the writer's).
func TestReadLimits(t *testing.T) {
	const (
		steps = data.ExcludeTwelveStep
		faith = data.ExcludeFaith
		line  = data.ExcludeHelpline
	)
	cases := []struct {
		text    string
		exclude []string
		age     int
	}{
		{"I want to quit drinking, NOT doing AA", []string{steps}, 0},
		{"no AA please", []string{steps}, 0},
		{"i dont want the whole 12 step thing", []string{steps}, 0},
		{"AA didn't work for me", []string{steps}, 0},
		{"tried na, it's not for me", []string{steps}, 0},
		{"looking for a non 12-step program", []string{steps}, 0},
		{"alternatives to AA?", []string{steps}, 0},
		{"no quiero ir a AA", []string{steps}, 0},
		{"algo que no sea alcohólicos anónimos", []string{steps}, 0},
		{"secular recovery group", []string{faith, steps}, 0},
		{"my wife died, I'm not religious, no church", []string{faith}, 0},
		{"I'm an atheist", []string{faith}, 0},
		// The steps rest on a higher power: refusing it refuses them too.
		{"atheist, no higher power stuff, i drink too much", []string{faith, steps}, 0},
		{"bebo demasiado, soy ateo, sin poder superior", []string{faith, steps}, 0},
		{"alcool, je suis athée, pas de puissance supérieure", []string{faith, steps}, 0},
		{"nothing religious please", []string{faith}, 0},
		{"no soy religiosa", []string{faith}, 0},
		{"sin iglesia por favor", []string{faith}, 0},
		{"not a hotline, an actual group", []string{line}, 0},
		{"i don't want to call anyone", []string{line}, 0},
		{"I'm 16 and need a teen chat", nil, 16},
		{"im 68 and lonely", nil, 68},
		{"I am 72 years old", nil, 72},
		{"17 year old girl, anxiety", nil, 17},
		{"tengo 15 años y estoy triste", nil, 15},
		{"I'm in my 70s and my wife died", nil, 75},
		{"stroke survivor, 63, want to meet others", nil, 63},
		{"transgender woman, 45, looking for community", nil, 45},
		{"32f, anxiety", nil, 32},
		// Look-alikes: nothing ruled out, no age.
		{"my son, 16, is drinking", nil, 0},
		{"grief group, 2 hours away is fine", nil, 0},
		{"sober 10 years, 3 months", nil, 0},
		{"where can I find an AA meeting", nil, 0},
		{"I can't find an AA meeting near me", nil, 0},
		{"never been to AA before, is it scary", nil, 0},
		{"grief group at a church is fine", nil, 0},
		{"my son is 4 and was just diagnosed with autism", nil, 0},
		{"my 16 year old is using drugs", nil, 0},
		{"I'm 30 days sober", nil, 0},
		{"im 5 minutes from downtown", nil, 0},
		{"tengo 3 hijos", nil, 0},
		{"i need a helpline number", nil, 0},
	}
	for _, c := range cases {
		l, _ := readLimits(c.text)
		got := slices.Clone(l.Exclude)
		slices.Sort(got)
		want := slices.Clone(c.exclude)
		slices.Sort(want)
		if !slices.Equal(got, want) || l.Age != c.age {
			t.Errorf("%q: exclude %v age %d, want %v age %d", c.text, got, l.Age, want, c.age)
		}
	}
}

// TestRefusalIsNotATopic: "no AA" rules AA out; it is not a wish for it.
func TestRefusalIsNotATopic(t *testing.T) {
	_, words := readLimits("no AA please")
	for _, w := range rawTokens(words) {
		if w == "aa" {
			t.Fatalf("refused phrase still in the words: %q", words)
		}
	}
}
