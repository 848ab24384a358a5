package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/data"
)

// metroFeed is a Denver-area Meeting Guide feed as the 12 Step Meeting
// List plugin exports it (data/importer/testdata/gen-metro-feed.go).
const metroFeed = "../../data/importer/testdata/metro-feed.json"

// feedMeeting is what a query's check reads of a raw feed record: the
// feed's own words, not our import of them.
type feedMeeting struct {
	Slug       string   `json:"slug"`
	Name       string   `json:"name"`
	Day        int      `json:"day"`
	Time       string   `json:"time"`
	Types      []string `json:"types"`
	Address    string   `json:"formatted_address"`
	Approx     string   `json:"approximate"`
	Lat        *float64 `json:"latitude"`
	Lon        *float64 `json:"longitude"`
	URL        string   `json:"conference_url"`
	Phone      string   `json:"conference_phone"`
	Attendance string   `json:"attendance_option"`
	Entity     string   `json:"entity"`
}

func (m feedMeeting) has(code string) bool { return slices.Contains(m.Types, code) }

// fellowship is the feed's fellowship of the meeting: AA, NA, Al-Anon or CA.
func (m feedMeeting) fellowship() string {
	for word, f := range map[string]string{"Alcoholics": "AA", "Narcotics": "NA", "Al-Anon": "Al-Anon", "Cocaine": "CA"} {
		if strings.Contains(m.Entity, word) {
			return f
		}
	}
	return ""
}

// room: people can walk in (a street address, the room not closed);
// remote: a link or a phone. As the feed says, read by the spec's rules.
func (m feedMeeting) room() bool {
	street := m.Approx != "yes" && strings.ContainsAny(strings.Split(m.Address, ",")[0], "0123456789")
	return street && !m.has("TC") && m.Attendance != "online" && m.Attendance != "inactive"
}

func (m feedMeeting) remote() bool {
	return (m.URL != "" || m.Phone != "") && m.Attendance != "in_person" && m.Attendance != "inactive"
}

func (m feedMeeting) minutes() int {
	var h, mi int
	fmt.Sscanf(m.Time, "%d:%d", &h, &mi)
	return h*60 + mi
}

// feedQuery is one thing a person would type, with the search flags a
// front end would set from it, and what the feed's data says fits.
type feedQuery struct {
	words string
	near  string // a ZIP or "City, ST"; in-person meetings must be within 40 km
	flags []string
	fits  func(m feedMeeting) bool
}

func fellow(f string) func(feedMeeting) bool {
	return func(m feedMeeting) bool { return m.fellowship() == f }
}

func all(ps ...func(feedMeeting) bool) func(feedMeeting) bool {
	return func(m feedMeeting) bool {
		for _, p := range ps {
			if !p(m) {
				return false
			}
		}
		return true
	}
}

func code(c string) func(feedMeeting) bool { return func(m feedMeeting) bool { return m.has(c) } }
func day(d int) func(feedMeeting) bool     { return func(m feedMeeting) bool { return m.Day == d } }
func remoteOnly(m feedMeeting) bool        { return m.remote() }
func roomOnly(m feedMeeting) bool          { return m.room() }
func phoneOnly(m feedMeeting) bool         { return m.Phone != "" && m.remote() }
func hybrid(m feedMeeting) bool            { return m.room() && m.remote() }
func morning(m feedMeeting) bool           { return m.minutes() < 12*60 }
func evening(m feedMeeting) bool           { return m.minutes() >= 17*60 }
func lgbtq(m feedMeeting) bool {
	return slices.ContainsFunc(m.Types, func(c string) bool { return slices.Contains([]string{"LGBTQ", "G", "L", "BI", "T", "NB"}, c) })
}

// feedQueries are 30 queries a person would type to a bot serving the
// metro feed (issue 14's bar).
var feedQueries = []feedQuery{
	{"AA meeting", "80203", nil, fellow("AA")},
	{"women's AA meeting", "80203", nil, all(fellow("AA"), code("W"))},
	{"Spanish speaking NA Saturday", "", nil, all(fellow("NA"), code("S"), day(6))},
	{"online Al-Anon", "", nil, all(fellow("Al-Anon"), remoteOnly)},
	{"NA meeting", "80012", nil, fellow("NA")},
	{"cocaine anonymous meeting", "80210", nil, fellow("CA")},
	{"men's AA meeting", "80302", nil, all(fellow("AA"), code("M"))},
	{"young people's AA meeting", "", nil, all(fellow("AA"), code("Y"))},
	{"LGBTQ AA meeting online", "", nil, all(fellow("AA"), lgbtq, remoteOnly)},
	{"AA meeting on Sunday", "80210", nil, all(fellow("AA"), day(0))},
	{"Al-Anon meeting Monday", "80220", nil, all(fellow("Al-Anon"), day(1))},
	{"reunión de AA en español", "80219", nil, all(fellow("AA"), code("S"))},
	{"AA big book study", "80203", nil, all(fellow("AA"), func(m feedMeeting) bool { return m.has("B") || strings.Contains(m.Name, "Big Book") })},
	{"wheelchair accessible AA meeting", "80203", nil, all(fellow("AA"), code("X"), roomOnly)},
	{"AA meeting for seniors", "", nil, all(fellow("AA"), code("SEN"))},
	{"NA meeting in person", "80002", []string{"--format", "in_person"}, all(fellow("NA"), roomOnly)},
	{"online NA meeting on Tuesday", "", nil, all(fellow("NA"), remoteOnly, day(2))},
	{"AA meeting by phone", "", nil, all(fellow("AA"), phoneOnly)},
	{"women's Al-Anon meeting", "", nil, all(fellow("Al-Anon"), code("W"))},
	{"NA step study", "", nil, all(fellow("NA"), code("ST"))},
	{"AA speaker meeting", "80401", nil, all(fellow("AA"), code("SP"))},
	{"AA meeting Saturday morning", "80203", nil, all(fellow("AA"), day(6), morning)},
	{"AA meeting Friday evening", "80012", nil, all(fellow("AA"), day(5), evening)},
	{"hybrid AA meeting", "80206", nil, all(fellow("AA"), hybrid)},
	{"CA meeting online", "", nil, all(fellow("CA"), remoteOnly)},
	{"closed AA meeting", "80205", nil, all(fellow("AA"), code("C"))},
	{"open AA meeting", "80304", nil, all(fellow("AA"), code("O"))},
	{"AA meeting", "Boulder, CO", nil, fellow("AA")},
	{"NA meeting", "Aurora, CO", nil, fellow("NA")},
	{"AA meditation meeting", "", nil, all(fellow("AA"), func(m feedMeeting) bool { return m.has("11") || m.has("MED") })},
}

// feedQueriesFloor is how many of feedQueries must pass: all of them
// (issue 14's bar). It was 13 when the test was written, before the matcher
// held fellowships, type codes, "a women's meeting" and a stated language
// as requirements and ranked local rooms and the person's language first.
const feedQueriesFloor = 30

// TestFeedQueries runs `peermatch search` (its flags and its search, on
// one app loaded with --data metro-feed.json) for each
// query and checks the top five against the feed's own data: every result
// fits (its fellowship, codes, day and time, attendance, and for a room
// the 40 km around the place), and there are as many results as the feed
// has fitting meetings, up to five.
func TestFeedQueries(t *testing.T) {
	if len(feedQueries) < 30 {
		t.Fatalf("%d queries, want 30", len(feedQueries))
	}
	b, err := os.ReadFile(metroFeed)
	if err != nil {
		t.Fatal(err)
	}
	var feed []feedMeeting
	if err := json.Unmarshal(b, &feed); err != nil {
		t.Fatal(err)
	}
	bySlug := map[string]feedMeeting{}
	for _, m := range feed {
		bySlug[m.Slug] = m
	}
	gaz := place.DefaultGazetteer()
	// The search command's own code on one app: loading the feed and
	// building its index once, not thirty times, keeps the test quick.
	a, err := newApp(context.Background(), env(t), io.Discard, metroFeed)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	const limit = 5
	passed := 0
	for _, q := range feedQueries {
		var at *data.Point
		if q.near != "" {
			p, ok := gaz.Lookup(q.near)
			if !ok {
				t.Fatalf("%q: the gazetteer does not know %q", q.words, q.near)
			}
			at = &p.Point
		}
		inPerson := slices.Contains(q.flags, "in_person")
		fits := func(m feedMeeting) bool {
			if !q.fits(m) || !m.room() && !m.remote() {
				return false
			}
			if at == nil && !inPerson && !m.remote() {
				// A person who named no place is offered what they can
				// join from anywhere; rooms come once they say where.
				return false
			}
			if at != nil && m.room() && !m.remote() && m.Lat != nil {
				return data.DistanceKm(*at, data.Point{Lat: *m.Lat, Lon: *m.Lon}) <= 40
			}
			return true
		}
		want := 0
		for _, m := range feed {
			if fits(m) {
				want++
			}
		}
		args := []string{"--json", "--limit", fmt.Sprint(limit)}
		if q.near != "" {
			args = append(args, "--near", q.near)
		}
		args = append(append(args, q.flags...), strings.Fields(q.words)...)
		var out, errOut bytes.Buffer
		sa, err := parseSearch(args, &errOut)
		if err == nil {
			err = a.search(context.Background(), sa, &out, &errOut)
		}
		if err != nil {
			t.Errorf("%q: search failed: %v\n%s", q.words, err, errOut.String())
			continue
		}
		var res struct{ Results []struct{ ID, Name string } }
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%q: not JSON: %v", q.words, err)
		}
		var wrong []string
		for _, r := range res.Results {
			if m, ok := bySlug[r.ID]; !ok || !fits(m) {
				wrong = append(wrong, fmt.Sprintf("%s (%s)", r.ID, strings.Join(m.Types, ",")))
			}
		}
		switch {
		case want == 0:
			t.Errorf("%q near %q: the feed has no fitting meeting; the query checks nothing", q.words, q.near)
		case len(wrong) > 0:
			t.Logf("FAIL %q near %q: %d of %d results do not fit: %s", q.words, q.near, len(wrong), len(res.Results), strings.Join(wrong, "; "))
		case len(res.Results) < min(limit, want):
			t.Logf("FAIL %q near %q: %d results, the feed has %d fitting meetings", q.words, q.near, len(res.Results), want)
		default:
			passed++
		}
	}
	t.Logf("feed queries: %d of %d pass", passed, len(feedQueries))
	if passed < feedQueriesFloor {
		t.Errorf("feed queries: %d of %d pass, fewer than the %d that passed before", passed, len(feedQueries), feedQueriesFloor)
	}
}
