package matcher_test

import (
	"bufio"
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data/schedule"

	"github.com/peermatch/peermatch/data/importer"
	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/index/indextest"
	"github.com/peermatch/peermatch/matcher"
)

var clock = func() time.Time { return time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC) }

func newMatcher(t testing.TB) *matcher.Matcher {
	t.Helper()
	v, err := data.DefaultVocabulary()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := importer.DefaultDirectory(v)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := index.Build(context.Background(), "", v, nil, index.Source{Name: "test", Groups: index.Slice(dir.Groups)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return matcher.New(idx, v, place.DefaultGazetteer(), nil, matcher.WithClock(clock))
}

// TestMatchQuality measures, over the labelled queries in
// testdata/queries.tsv, how often the expected topic is the top result's
// and among the top three results' topics.
func TestMatchQuality(t *testing.T) {
	m := newMatcher(t)
	f, err := os.Open("testdata/queries.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	var n, top1, top3 int
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 2 || strings.TrimSpace(cols[0]) == "" {
			continue
		}
		q, want := cols[0], cols[1]
		n++
		res, err := m.Find(context.Background(), m.Understand(q).Intake(q), 0, 5)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		in3 := false
		for i, r := range res[:min(3, len(res))] {
			if slices.Contains(r.Group.Topics, want) {
				in3 = true
				if i == 0 {
					top1++
				}
			}
		}
		if in3 {
			top3++
		} else {
			var got []string
			for _, r := range res[:min(3, len(res))] {
				got = append(got, strings.Join(r.Group.Topics, "+"))
			}
			t.Logf("miss: %q want %s, understood %v, got %v", q, want, m.Understand(q).Topics, got)
		}
	}
	if n < 150 {
		t.Fatalf("only %d labelled queries, want at least 150", n)
	}
	r1, r3 := float64(top1)/float64(n), float64(top3)/float64(n)
	t.Logf("match quality over %d queries: top-1 %.1f%%, top-3 %.1f%%", n, 100*r1, 100*r3)
	if r3 < 0.95 || r1 < 0.85 {
		t.Errorf("top-3 %.1f%% (want ≥ 95%%), top-1 %.1f%% (want ≥ 85%%)", 100*r3, 100*r1)
	}
}

// TestUnderstandParts checks the parts of an intake read from one message,
// including words that look like places but are not.
func TestUnderstandParts(t *testing.T) {
	m := newMatcher(t)
	cases := []struct {
		text                          string
		topic, format, place, country string
		audience, lang                string
	}{
		{"my wife died in March and I can't sleep", "grief", "", "", "", "", ""},
		// A place alone does not choose the format (rooms near it rank
		// first; online groups still show): issue 14.
		{"AA meetings in Austin, TX", "alcohol", "", "Austin, TX", "US", "", ""},
		{"in person AA meetings in Austin, TX", "alcohol", "in_person", "Austin, TX", "US", "", ""},
		{"social anxiety, can't do video calls, in person only, austin tx", "anxiety", "in_person", "Austin, TX", "US", "", ""},
		{"postpartum anxiety, online only pls, im in vancouver", "anxiety", "online", "Vancouver", "CA", "", ""},
		{"hearing voices group uk", "psychosis", "", "", "GB", "", ""},
		// "no" is a word in both languages: a refusal is not Spanish.
		{"no AA please", "", "", "", "", "", ""},
		{"vet with ptsd, evenings, online", "trauma-ptsd", "online", "", "", "veterans", ""},
		{"quiero dejar de beber", "alcohol", "", "", "", "", "es"},
		{"grief group near 78701", "grief", "", "78701", "US", "", ""},
		{"my husband drinks too much", "addiction-family", "", "", "", "", ""},
		{"murió mi hijo en mayo", "child-loss", "", "", "", "", "es"},
		{"AA meeting tonight", "alcohol", "", "", "", "", ""},
	}
	// The clock says Wednesday 25 November 2026, 15:00 UTC.
	if u := m.Understand("AA meeting tonight"); len(u.Days) != 1 || u.Days[0] != time.Wednesday || u.After != 17*60 {
		t.Errorf("tonight: days %v after %d, want Wednesday after 17:00", u.Days, u.After)
	}
	if u := m.Understand("grief group this weekend"); len(u.Days) != 2 {
		t.Errorf("this weekend: days %v", u.Days)
	}
	for _, c := range cases {
		u := m.Understand(c.text)
		top := ""
		if len(u.Topics) > 0 {
			top = u.Topics[0].Slug
		}
		if top != c.topic || u.Format != c.format || !strings.Contains(u.PlaceName, c.place) || u.Country != c.country ||
			u.Audience != c.audience || u.Language != c.lang || (c.place == "") != (u.Place == nil) {
			t.Errorf("Understand(%q) = topics %v format %q place %q (%v) country %q audience %q lang %q",
				c.text, u.Topics, u.Format, u.PlaceName, u.Place, u.Country, u.Audience, u.Language)
		}
	}
}

// TestTimeOfDayFilters: "after 6 pm" keeps groups that start then first,
// over the demo directory's rooms with real schedules.
func TestTimeOfDayFilters(t *testing.T) {
	v, err := data.DefaultVocabulary()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := importer.DemoDirectory(v)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := index.Build(context.Background(), "", v, nil, index.Source{Name: "test", Groups: index.Slice(dir.Groups)})
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	m := matcher.New(idx, v, place.DefaultGazetteer(), nil, matcher.WithClock(clock))
	for _, c := range []struct {
		text          string
		after, before int
	}{
		{"support group in Chicago after 6 pm", 18 * 60, 0},
		{"support group in Chicago in the morning", 0, 12 * 60},
	} {
		u := m.Understand(c.text)
		if u.After != c.after || u.Before != c.before {
			t.Fatalf("%q: after %d before %d, want %d %d", c.text, u.After, u.Before, c.after, c.before)
		}
		in := u.Intake(c.text)
		// Any topic, as a browse without words: the filter is what is
		// tested (words with no topic in them get only finders and
		// helplines).
		in.Topics, in.Words = nil, ""
		res, err := m.Find(context.Background(), in, 0, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(res) == 0 {
			t.Fatalf("%q: no results", c.text)
		}
		// Groups in the window come first; only when too few exist does
		// relaxing add others, after them.
		fits := func(g *data.Group) bool {
			return slices.ContainsFunc(schedule.StartMinutes(g), func(s int) bool { return s >= c.after && (c.before == 0 || s < c.before) })
		}
		if !fits(res[0].Group) {
			t.Errorf("%q: first result %s starts at %v", c.text, res[0].Group.ID, schedule.StartMinutes(res[0].Group))
		}
		for i := 1; i < len(res); i++ {
			if fits(res[i].Group) && !fits(res[i-1].Group) {
				t.Errorf("%q: %s fits the time but comes after %s, which does not", c.text, res[i].Group.ID, res[i-1].Group.ID)
			}
		}
	}
}

// TestGroupsByNameInALargeDirectory: past the scanning limit the index
// proposes the candidates, and the named group still comes first.
func TestGroupsByNameInALargeDirectory(t *testing.T) {
	v, err := data.DefaultVocabulary()
	if err != nil {
		t.Fatal(err)
	}
	gaz := place.DefaultGazetteer()
	dir := indextest.Synthetic(6000, 3, v, gaz)
	idx, err := index.Build(context.Background(), "", v, nil, index.Source{Name: "test", Groups: index.Slice(dir.Groups)})
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	m := matcher.New(idx, v, gaz, nil)
	for _, i := range []int{7, 2500, 5999} {
		want := dir.Groups[i]
		got := m.GroupsByName(want.Name)
		if len(got) == 0 || got[0].ID != want.ID {
			t.Errorf("GroupsByName(%q): got %d groups, first %v; want %s", want.Name, len(got), got, want.ID)
		}
	}
}

// TestEveryAudienceNamedCounts: "an LGBTQ group for teens" names two
// audiences; a listing for LGBTQ+ young people is theirs and comes first.
func TestEveryAudienceNamedCounts(t *testing.T) {
	m := newMatcher(t)
	q := "is there an lgbt group for teens"
	u := m.Understand(q)
	if u.Audience != "lgbtq" || !slices.Contains(u.Also, "youth") {
		t.Fatalf("audience %q also %v, want lgbtq and youth", u.Audience, u.Also)
	}
	res, err := m.Find(context.Background(), u.Intake(q), 0, 3)
	if err != nil || len(res) == 0 {
		t.Fatal(err, res)
	}
	if g := res[0].Group; !slices.Contains(g.Audiences, "youth") || !slices.Contains(g.Audiences, "lgbtq") {
		t.Errorf("first result %s for %v, want a listing for LGBTQ+ young people", g.ID, g.Audiences)
	}
}
