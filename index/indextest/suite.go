// Package indextest is the conformance suite every index.Index
// implementation must pass: hard constraints always hold, paging is
// consistent, text ranks relevant listings first, and a closed index fails
// cleanly.
package indextest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/index"
)

// Factory builds an implementation over dir.
type Factory func(t *testing.T, dir *data.Directory) index.Index

func pt(lat, lon float64) *data.Point { return &data.Point{Lat: lat, Lon: lon} }

func grp(id, name, summary string, topics []string, f data.Format, p *data.Point, mods ...func(*data.Group)) *data.Group {
	g := &data.Group{ID: id, Name: name, Summary: summary, Topics: topics, Format: f, Kind: data.KindGroup,
		Languages: []string{"en"}, TimeZone: "America/Chicago", Source: "https://example.org", LastVerified: "2026-11-25"}
	if p != nil {
		g.Location = &data.Location{Point: p}
	}
	for _, m := range mods {
		m(g)
	}
	return g
}

var (
	austin  = pt(30.2672, -97.7431)
	roundRk = pt(30.5083, -97.6789) // Round Rock, 27 km from Austin
	sanAnt  = pt(29.4241, -98.4936) // San Antonio, 118 km
	denver  = pt(39.7392, -104.9903)
)

// Fixture is the suite's directory.
func Fixture() *data.Directory {
	weekly := func(day string) func(*data.Group) {
		return func(g *data.Group) { g.Meetings = []data.Meeting{{RRule: "FREQ=WEEKLY;BYDAY=" + day, Start: "19:00"}} }
	}
	aud := func(a ...string) func(*data.Group) { return func(g *data.Group) { g.Audiences = a } }
	lang := func(l ...string) func(*data.Group) { return func(g *data.Group) { g.Languages = l } }
	only := func(c ...string) func(*data.Group) { return func(g *data.Group) { g.Countries = c } }
	steps := func(g *data.Group) { g.TwelveStep = true }
	faith := func(g *data.Group) { g.FaithBased = true }
	adults := func(g *data.Group) { g.AgeMin = 18 }
	return data.NewDirectory([]*data.Group{
		grp("grief-online", "Online Grief Circle", "For widows and widowers after a death.", []string{"grief"}, data.FormatOnline, nil, weekly("TH")),
		grp("grief-austin", "Austin Grief Group", "Bereavement support in a church hall.", []string{"grief"}, data.FormatInPerson, austin, weekly("MO"), faith),
		grp("grief-roundrock", "Round Rock Loss Circle", "After the loss of a spouse.", []string{"grief"}, data.FormatInPerson, roundRk, weekly("TU")),
		grp("grief-sa", "San Antonio Grief Circle", "Grief support.", []string{"grief"}, data.FormatInPerson, sanAnt, weekly("WE")),
		grp("grief-denver-hybrid", "Denver Grief Hybrid", "Grief support, in the room or on Zoom.", []string{"grief"}, data.FormatHybrid, denver, weekly("SU")),
		grp("grief-vets", "Veterans Grief Circle", "For veterans who lost a comrade.", []string{"grief", "trauma-ptsd"}, data.FormatOnline, nil, aud("veterans"), weekly("SA")),
		grp("grief-women", "Women's Grief Circle", "For women who lost a partner.", []string{"grief"}, data.FormatOnline, nil, aud("women"), weekly("FR"), adults),
		grp("grief-es", "Círculo de duelo", "Grupo de duelo en español.", []string{"grief"}, data.FormatOnline, nil, lang("es"), weekly("TH")),
		grp("grief-uk", "UK Bereavement Line", "Peer support for bereaved people in the UK.", []string{"grief"}, data.FormatPhone, nil, only("GB"),
			func(g *data.Group) { g.Kind = data.KindHelpline }),
		grp("aa-online", "Online AA meeting", "Alcoholics Anonymous: a drinking problem, sobriety.", []string{"alcohol"}, data.FormatOnline, nil, weekly("SU"), steps,
			func(g *data.Group) { g.Fellowship, g.Types = "aa", []string{"O", "SP"} }),
		grp("aa-austin", "Austin AA", "Alcoholics Anonymous meeting.", []string{"alcohol"}, data.FormatInPerson, austin, weekly("SU"), steps,
			func(g *data.Group) { g.Fellowship, g.Types = "aa", []string{"B", "X"} }),
		grp("alanon-online", "Al-Anon online", "For families of alcoholics.", []string{"addiction-family"}, data.FormatOnline, nil, steps),
		grp("aa-finder", "Find an AA meeting", "Locates meetings near you.", []string{"alcohol"}, data.FormatOnline, nil,
			func(g *data.Group) { g.Kind = data.KindFinder }),
		grp("alanon-rooms-finder", "Al-Anon groups near you", "Local family groups across the US.", []string{"addiction-family"}, data.FormatInPerson, nil,
			only("US"), steps, func(g *data.Group) { g.Kind = data.KindFinder }),
	})
}

// Run runs the suite against the implementation built by f.
func Run(t *testing.T, f Factory) {
	dir := Fixture()
	idx := f(t, dir)
	ctx := context.Background()
	search := func(t *testing.T, q index.Query) []index.Hit {
		t.Helper()
		hits, err := idx.Search(ctx, q)
		if err != nil {
			t.Fatalf("Search(%+v): %v", q, err)
		}
		return hits
	}
	ids := func(hits []index.Hit) []string {
		out := make([]string, len(hits))
		for i, h := range hits {
			out[i] = h.ID
		}
		slices.Sort(out)
		return out
	}
	same := func(t *testing.T, got []index.Hit, want ...string) {
		t.Helper()
		slices.Sort(want)
		if g := ids(got); !slices.Equal(g, want) {
			t.Errorf("got %v, want %v", g, want)
		}
	}

	t.Run("Count", func(t *testing.T) {
		if n := idx.Count(); n != len(dir.Groups) {
			t.Errorf("Count = %d, want %d", n, len(dir.Groups))
		}
	})
	t.Run("RemoteTopicFilter", func(t *testing.T) {
		same(t, search(t, index.Query{Topics: []string{"grief"}, Remote: true, Size: 50}),
			"grief-online", "grief-denver-hybrid", "grief-vets", "grief-women", "grief-es", "grief-uk")
	})
	t.Run("NearWithinRadius", func(t *testing.T) {
		hits := search(t, index.Query{Topics: []string{"grief"}, Near: austin, RadiusKm: 40, Size: 50})
		same(t, hits, "grief-austin", "grief-roundrock")
		for _, h := range hits {
			g, _ := dir.Group(h.ID)
			if d := data.DistanceKm(*austin, *g.Location.Point); h.DistanceKm < d-0.5 || h.DistanceKm > d+0.5 {
				t.Errorf("%s: distance %.1f, want %.1f", h.ID, h.DistanceKm, d)
			}
		}
	})
	t.Run("WiderRadius", func(t *testing.T) {
		same(t, search(t, index.Query{Topics: []string{"grief"}, Near: austin, RadiusKm: 150, Size: 50}),
			"grief-austin", "grief-roundrock", "grief-sa")
	})
	t.Run("NearOrRemote", func(t *testing.T) {
		same(t, search(t, index.Query{Topics: []string{"alcohol"}, Near: austin, Remote: true, Size: 50}), "aa-austin", "aa-online", "aa-finder")
	})
	t.Run("FarAwayRoomIsNoMatch", func(t *testing.T) {
		same(t, search(t, index.Query{Topics: []string{"grief"}, Near: pt(47.6, -122.3), Size: 50}))
	})
	t.Run("HybridCountsAsRoomNearby", func(t *testing.T) {
		hits := search(t, index.Query{Topics: []string{"grief"}, Near: denver, Size: 50})
		same(t, hits, "grief-denver-hybrid")
		if len(hits) == 1 && hits[0].DistanceKm < 0 {
			t.Errorf("hybrid group near the person should carry its distance, got %v", hits[0].DistanceKm)
		}
	})
	t.Run("Audience", func(t *testing.T) {
		same(t, search(t, index.Query{Topics: []string{"grief"}, Remote: true, Audience: "veterans", Size: 50}),
			"grief-online", "grief-denver-hybrid", "grief-vets", "grief-es", "grief-uk")
	})
	t.Run("Days", func(t *testing.T) {
		same(t, search(t, index.Query{Topics: []string{"grief"}, Remote: true, Days: []time.Weekday{time.Thursday}, Size: 50}),
			"grief-online", "grief-es", "grief-uk")
	})
	t.Run("TimeOfDay", func(t *testing.T) {
		// Every fixture meeting starts at 19:00; groups without times pass.
		same(t, search(t, index.Query{Topics: []string{"grief"}, Remote: true, After: 17 * 60, Days: []time.Weekday{time.Thursday}, Size: 50}),
			"grief-online", "grief-es", "grief-uk")
		same(t, search(t, index.Query{Topics: []string{"grief"}, Remote: true, Before: 12 * 60, Days: []time.Weekday{time.Thursday}, Size: 50}),
			"grief-uk")
	})
	t.Run("Country", func(t *testing.T) {
		same(t, search(t, index.Query{Topics: []string{"grief"}, Remote: true, Country: "US", Days: []time.Weekday{time.Thursday}, Size: 50}),
			"grief-online", "grief-es")
	})
	t.Run("Kinds", func(t *testing.T) {
		same(t, search(t, index.Query{Remote: true, Kinds: []data.Kind{data.KindFinder}, Size: 50}), "aa-finder")
		same(t, search(t, index.Query{Topics: []string{"alcohol"}, Remote: true, Kinds: []data.Kind{data.KindGroup}, Size: 50}), "aa-online")
	})
	t.Run("Limits", func(t *testing.T) {
		noSteps := data.Limits{Exclude: []string{data.ExcludeTwelveStep}}
		same(t, search(t, index.Query{Topics: []string{"alcohol", "addiction-family"}, Remote: true, Near: austin, Limits: noSteps, Size: 50}), "aa-finder")
		same(t, search(t, index.Query{Topics: []string{"grief"}, Near: austin, Limits: data.Limits{Exclude: []string{data.ExcludeFaith}}, Size: 50}), "grief-roundrock")
		same(t, search(t, index.Query{Topics: []string{"grief"}, Remote: true, Audience: "women", Limits: data.Limits{Age: 16}, Size: 50}),
			"grief-online", "grief-denver-hybrid", "grief-es", "grief-uk")
		same(t, search(t, index.Query{Topics: []string{"grief"}, Remote: true, Days: []time.Weekday{time.Thursday},
			Limits: data.Limits{Exclude: []string{data.ExcludeHelpline}}, Size: 50}), "grief-online", "grief-es")
	})
	t.Run("Specifics", func(t *testing.T) {
		near := func(sp data.Specifics) index.Query {
			return index.Query{Topics: []string{"alcohol", "addiction-family", "grief"}, Remote: true, Near: austin, Specifics: sp, Size: 50}
		}
		same(t, search(t, near(data.Specifics{Fellowship: "aa"})), "aa-online", "aa-austin")
		same(t, search(t, near(data.Specifics{Fellowship: "al-anon"})), "alanon-online", "alanon-rooms-finder")
		same(t, search(t, near(data.Specifics{Types: []string{"X"}})), "aa-austin")
		same(t, search(t, near(data.Specifics{Types: []string{"MED|SP"}})), "aa-online")
		same(t, search(t, near(data.Specifics{Types: []string{"O", "B"}})))
		same(t, search(t, near(data.Specifics{Via: "phone"})), "grief-uk")
		same(t, search(t, near(data.Specifics{Via: "hybrid"})), "grief-denver-hybrid")
		women := near(data.Specifics{AudienceOnly: true})
		women.Audience = "women"
		same(t, search(t, women), "grief-women")
	})
	t.Run("LocatorOfRooms", func(t *testing.T) {
		// A national finder of local rooms covers a place in its country
		// when remote listings are welcome, and never as an online group.
		same(t, search(t, index.Query{Topics: []string{"addiction-family"}, Near: austin, Remote: true, Size: 50}), "alanon-online", "alanon-rooms-finder")
		same(t, search(t, index.Query{Topics: []string{"addiction-family"}, Near: austin, Remote: true, Country: "GB", Size: 50}), "alanon-online")
		same(t, search(t, index.Query{Topics: []string{"addiction-family"}, Remote: true, Size: 50}), "alanon-online")
	})
	t.Run("Speaks", func(t *testing.T) {
		same(t, search(t, index.Query{Topics: []string{"grief"}, Remote: true, Speaks: "es", Size: 50}), "grief-es")
		same(t, search(t, index.Query{Topics: []string{"grief"}, Speaks: "es", Size: 50}), "grief-es")
	})
	t.Run("WordsRank", func(t *testing.T) {
		hits := search(t, index.Query{Words: "widows", Topics: []string{"grief"}, Remote: true, Size: 3})
		if len(hits) == 0 || hits[0].ID != "grief-online" {
			t.Errorf("words 'widows': top hit %v, want grief-online", ids(hits))
		}
	})
	t.Run("LanguageRanks", func(t *testing.T) {
		hits := search(t, index.Query{Words: "duelo", Topics: []string{"grief"}, Remote: true, Language: "es", Size: 3})
		if len(hits) == 0 || hits[0].ID != "grief-es" {
			t.Errorf("Spanish: top hit %v, want grief-es", ids(hits))
		}
	})
	t.Run("QuerySyntaxIsJustText", func(t *testing.T) {
		for _, w := range []string{`+topic:alcohol -grief`, `"unbalanced`, `name:*`, `(((`, `\`, "0x00 \x00"} {
			hits := search(t, index.Query{Words: w, Topics: []string{"grief"}, Remote: true, Size: 50})
			for _, h := range hits {
				if g, _ := dir.Group(h.ID); !slices.Contains(g.Topics, "grief") {
					t.Errorf("words %q let %s through", w, h.ID)
				}
			}
		}
	})
	t.Run("Paging", func(t *testing.T) {
		all := search(t, index.Query{Topics: []string{"grief"}, Remote: true, Words: "grief", Size: 50})
		var paged []index.Hit
		for from := 0; from < len(all)+2; from += 2 {
			paged = append(paged, search(t, index.Query{Topics: []string{"grief"}, Remote: true, Words: "grief", Size: 2, From: from})...)
		}
		if fmt.Sprint(ids(paged)) != fmt.Sprint(ids(all)) {
			t.Errorf("pages %v != all %v", ids(paged), ids(all))
		}
	})
	t.Run("HardConstraintsAlwaysHold", func(t *testing.T) {
		queries := []index.Query{
			{Words: "loss", Topics: []string{"grief", "alcohol"}, Near: austin, Remote: true, Size: 50},
			{Words: "support", Audience: "women", Remote: true, Size: 50},
			{Topics: []string{"grief"}, Near: sanAnt, RadiusKm: 10, Size: 50},
			{Words: "meeting", Size: 50},
		}
		for _, q := range queries {
			for _, h := range search(t, q) {
				g, _ := dir.Group(h.ID)
				if ok, _ := index.Accept(g, &q); !ok {
					t.Errorf("%+v returned %s, which breaks a hard constraint", q, h.ID)
				}
			}
		}
	})
	t.Run("GroupReadsBack", func(t *testing.T) {
		g, err := idx.Group(ctx, "grief-es")
		want, _ := dir.Group("grief-es")
		if err != nil || g.Name != want.Name || !slices.Equal(g.Languages, want.Languages) || len(g.Meetings) != len(want.Meetings) {
			t.Errorf("Group(grief-es) = %+v, %v; want %+v", g, err, want)
		}
		if _, err := idx.Group(ctx, "no-such-listing"); !errors.Is(err, index.ErrNotFound) {
			t.Errorf("Group of an unknown id: %v, want ErrNotFound", err)
		}
	})
	t.Run("ListingsInIDOrder", func(t *testing.T) {
		var got []string
		for g, err := range idx.Listings(ctx) {
			if err != nil {
				t.Fatalf("Listings: %v", err)
			}
			want, ok := dir.Group(g.ID)
			if !ok || g.Name != want.Name || !slices.Equal(g.Topics, want.Topics) {
				t.Errorf("Listings gave %+v, want %+v", g, want)
			}
			got = append(got, g.ID)
		}
		var want []string
		for _, g := range dir.Groups {
			want = append(want, g.ID)
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("Listings gave ids %v, want %v", got, want)
		}
		n := 0
		for range idx.Listings(ctx) {
			if n++; n == 2 {
				break // stopping early must not panic or block
			}
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		var last error
		for _, err := range idx.Listings(cancelled) {
			last = err
		}
		if !errors.Is(last, context.Canceled) {
			t.Errorf("Listings on a cancelled context ended with %v, want context.Canceled", last)
		}
	})
	t.Run("IndexAndDelete", func(t *testing.T) {
		n := idx.Count()
		added := grp("grief-added", "Evening Grief Circle", "For people after a loss.", []string{"grief"}, data.FormatOnline, nil)
		if err := idx.Index(ctx, added); err != nil {
			t.Fatal(err)
		}
		if idx.Count() != n+1 {
			t.Errorf("Count after Index = %d, want %d", idx.Count(), n+1)
		}
		q := index.Query{Topics: []string{"grief"}, Remote: true, Size: 50}
		if !slices.Contains(ids(search(t, q)), "grief-added") {
			t.Errorf("an indexed listing is not found")
		}
		moved := *added
		moved.Topics = []string{"alcohol"}
		if err := idx.Index(ctx, &moved); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(ids(search(t, q)), "grief-added") || !slices.Contains(ids(search(t, index.Query{Topics: []string{"alcohol"}, Remote: true, Size: 50})), "grief-added") {
			t.Errorf("a replaced listing is found under its old topic, or not under its new one")
		}
		if g, err := idx.Group(ctx, "grief-added"); err != nil || !slices.Equal(g.Topics, []string{"alcohol"}) {
			t.Errorf("Group after replace = %+v, %v", g, err)
		}
		if err := idx.Delete(ctx, "grief-added", "never-there"); err != nil {
			t.Fatal(err)
		}
		if idx.Count() != n {
			t.Errorf("Count after Delete = %d, want %d", idx.Count(), n)
		}
		if _, err := idx.Group(ctx, "grief-added"); !errors.Is(err, index.ErrNotFound) {
			t.Errorf("Group after Delete: %v, want ErrNotFound", err)
		}
		if slices.Contains(ids(search(t, index.Query{Topics: []string{"alcohol"}, Remote: true, Size: 50})), "grief-added") {
			t.Errorf("a deleted listing is still found")
		}
	})
	t.Run("Closed", func(t *testing.T) {
		if err := idx.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := idx.Search(ctx, index.Query{Remote: true}); !errors.Is(err, index.ErrClosed) {
			t.Errorf("search after Close: %v, want ErrClosed", err)
		}
		for _, err := range idx.Listings(ctx) {
			if !errors.Is(err, index.ErrClosed) {
				t.Errorf("Listings after Close: %v, want ErrClosed", err)
			}
		}
	})
}
