package indextest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/place"
	"github.com/peermatch/peermatch/index"
)

// Varied is Synthetic with the attributes it leaves out set at random on
// some listings (countries, Meeting Guide types, fellowships, Twelve Step
// and faith flags, age ranges, several audiences and languages, finders and
// helplines, dial-ins, many start times, daily and monthly rules), so a
// compact implementation meets every case Accept decides.
func Varied(n int, seed uint64, v *data.Vocabulary, gaz *place.Gazetteer) *data.Directory {
	r := rand.New(rand.NewPCG(seed, 99))
	dir := Synthetic(n, seed, v, gaz)
	types := []string{"O", "C", "B", "X", "SP", "ST", "MED", "11", "W", "M", "BE", "TC"}
	fellowships := []string{"aa", "na", "ca", "al-anon"}
	out := make([]*data.Group, 0, len(dir.Groups))
	for _, g0 := range dir.Groups {
		g := *g0
		g.Languages = slices.Clone(g.Languages)
		if r.IntN(6) == 0 {
			g.Countries = [][]string{{"US"}, {"GB"}, {"US", "CA"}, {"MX"}}[r.IntN(4)]
		}
		if r.IntN(4) == 0 {
			g.Types = nil
			for range 1 + r.IntN(3) {
				if t := types[r.IntN(len(types))]; !slices.Contains(g.Types, t) {
					g.Types = append(g.Types, t)
				}
			}
		}
		if r.IntN(5) == 0 {
			g.TwelveStep = true
			if r.IntN(2) == 0 {
				g.Fellowship = fellowships[r.IntN(len(fellowships))]
			}
		}
		g.FaithBased = r.IntN(7) == 0
		switch r.IntN(10) {
		case 0:
			g.AgeMin = 18
		case 1:
			g.AgeMin, g.AgeMax = 13, 19
		}
		if r.IntN(10) == 0 {
			g.Audiences = []string{data.Audiences[r.IntN(len(data.Audiences))], data.Audiences[r.IntN(len(data.Audiences))]}
			if g.Audiences[0] == g.Audiences[1] {
				g.Audiences = g.Audiences[:1]
			}
		}
		if r.IntN(12) == 0 {
			g.Languages = append(g.Languages, []string{"es", "fr", "vi", "zh"}[r.IntN(4)])
		}
		switch r.IntN(30) {
		case 0:
			g.Kind = data.KindFinder
			g.Meetings = nil
		case 1:
			g.Kind = data.KindHelpline
			g.Meetings = nil
		case 2:
			g.Kind = ""
		}
		if r.IntN(15) == 0 {
			g.Online.Phone = "+1 555 0100"
		}
		if r.IntN(10) == 0 && len(g.Meetings) > 0 {
			ms := slices.Clone(g.Meetings)
			for range 1 + r.IntN(5) {
				ms = append(ms, data.Meeting{RRule: []string{"FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=MONTHLY;BYMONTHDAY=15"}[r.IntN(3)],
					Start: fmt.Sprintf("%02d:%02d", 6+r.IntN(16), 15*r.IntN(4)), Duration: 60})
			}
			g.Meetings = ms
		}
		if r.IntN(40) == 0 && g.Format == data.FormatInPerson {
			g.Location = nil // a locator of rooms with no place of its own
		}
		out = append(out, &g)
	}
	return data.NewDirectory(out)
}

// RandomQueries are queries over every hard constraint, at random, with
// Size large enough that an answer is its whole set.
func RandomQueries(n int, seed uint64, v *data.Vocabulary, gaz *place.Gazetteer) []index.Query {
	r := rand.New(rand.NewPCG(seed, 5))
	zips := gaz.ZIPPlaces()
	slugs := v.Slugs()
	words := []string{"", "grief", "i cry every day and don't know why", "wine every night and i can't stop",
		"social anxiety makes it hard to leave home", "support group meeting", "duelo", "+topic:x -y \"("}
	out := make([]index.Query, 0, n)
	for range n {
		q := index.Query{Words: words[r.IntN(len(words))], Size: 5000} // more than the test directories hold
		for range r.IntN(3) {
			q.Topics = append(q.Topics, slugs[r.IntN(len(slugs))])
		}
		switch r.IntN(4) {
		case 0:
			q.Remote = true
		case 1:
			p := zips[r.IntN(len(zips))].Point
			q.Near, q.RadiusKm = &p, []float64{0, 10, 40, 150, 600}[r.IntN(5)]
		case 2:
			p := zips[r.IntN(len(zips))].Point
			q.Near, q.Remote = &p, true
		}
		if r.IntN(4) == 0 {
			q.Days = []time.Weekday{time.Weekday(r.IntN(7))}
		}
		if r.IntN(5) == 0 {
			q.After = 60 * (12 + r.IntN(8))
		}
		if r.IntN(6) == 0 {
			q.Before = 60 * (10 + r.IntN(10))
		}
		if r.IntN(4) == 0 {
			q.Audience = data.Audiences[r.IntN(len(data.Audiences))]
		}
		if r.IntN(6) == 0 {
			q.Speaks = []string{"en", "es", "fr", "de"}[r.IntN(4)]
		}
		if r.IntN(5) == 0 {
			q.Country = []string{"US", "GB", "MX", "FR"}[r.IntN(4)]
		}
		if r.IntN(8) == 0 {
			q.Kinds = []data.Kind{[]data.Kind{data.KindGroup, data.KindFinder, data.KindHelpline, ""}[r.IntN(4)]}
		}
		if r.IntN(5) == 0 {
			q.Exclude = []string{[]string{data.ExcludeTwelveStep, data.ExcludeFaith, data.ExcludeHelpline}[r.IntN(3)]}
		}
		if r.IntN(5) == 0 {
			q.Age = []int{12, 16, 22, 40, 70}[r.IntN(5)]
		}
		switch r.IntN(12) {
		case 0:
			q.Fellowship = []string{"aa", "na", "al-anon", "gam-anon"}[r.IntN(4)]
		case 1:
			q.Types = []string{[]string{"O", "MED|11", "X", "ZZ"}[r.IntN(4)]}
		case 2:
			q.Via = []string{"phone", "hybrid"}[r.IntN(2)]
		case 3:
			q.AudienceOnly = true
		case 4:
			q.Spoken = []string{"es", "vi"}[r.IntN(2)]
		}
		if r.IntN(15) == 0 {
			from := time.Date(2026, 12, 3+r.IntN(7), 17, 0, 0, 0, time.UTC)
			q.Window = data.Window{From: from, To: from.Add(5 * time.Hour), Floating: r.IntN(2) == 0}
		}
		if r.IntN(5) == 0 {
			q.Language = []string{"en", "es"}[r.IntN(2)]
		}
		out = append(out, q)
	}
	return out
}

// Equal checks that idx answers every query with the oracle's set of ids
// and distances (order may differ: only the oracle's ranking is a
// specification of the set, not of scores).
func Equal(t *testing.T, oracle, idx index.Index, queries []index.Query) {
	t.Helper()
	ctx := context.Background()
	fails := 0
	for i, q := range queries {
		want, err := oracle.Search(ctx, q)
		if err != nil {
			t.Fatalf("oracle query %d: %v", i, err)
		}
		got, err := idx.Search(ctx, q)
		if err != nil {
			t.Fatalf("query %d (%+v): %v", i, q, err)
		}
		if d := diff(want, got); d != "" {
			fails++
			if fails <= 5 {
				t.Errorf("query %d %s: %s", i, describe(q), d)
			}
		}
	}
	if fails > 5 {
		t.Errorf("%d of %d queries differ", fails, len(queries))
	}
}

func diff(want, got []index.Hit) string {
	dist := func(hs []index.Hit) map[string]float64 {
		m := make(map[string]float64, len(hs))
		for _, h := range hs {
			m[h.ID] = h.DistanceKm
		}
		return m
	}
	w, g := dist(want), dist(got)
	var missing, extra, far []string
	for id, d := range w {
		gd, ok := g[id]
		switch {
		case !ok:
			missing = append(missing, id)
		case math.Abs(gd-d) > 1e-6:
			far = append(far, fmt.Sprintf("%s %.3f≠%.3f", id, gd, d))
		}
	}
	for id := range g {
		if _, ok := w[id]; !ok {
			extra = append(extra, id)
		}
	}
	if len(missing)+len(extra)+len(far) == 0 {
		return ""
	}
	slices.Sort(missing)
	slices.Sort(extra)
	cut := func(s []string) string {
		if len(s) > 4 {
			return strings.Join(s[:4], ",") + fmt.Sprintf("…(%d)", len(s))
		}
		return strings.Join(s, ",")
	}
	return fmt.Sprintf("%d wanted, %d got; missing %s; extra %s; distance %s", len(want), len(got), cut(missing), cut(extra), cut(far))
}

func describe(q index.Query) string {
	near := ""
	if q.Near != nil {
		near = fmt.Sprintf(" near=%.3f,%.3f r=%v", q.Near.Lat, q.Near.Lon, q.RadiusKm)
	}
	return fmt.Sprintf("{words=%q topics=%v remote=%v%s aud=%q days=%v after=%d before=%d speaks=%q country=%q kinds=%v limits=%+v specifics=%+v window=%v}",
		q.Words, q.Topics, q.Remote, near, q.Audience, q.Days, q.After, q.Before, q.Speaks, q.Country, q.Kinds, q.Limits, q.Specifics, !q.Window.IsZero())
}
