package index

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/schedule"
)

// TestRowWindowEqualsFits: for the rules a row holds (weekly, daily,
// monthly by week of the month, several meetings, several zones), a window
// search decided on the row agrees with schedule.Fits on the listing, over
// windows around daylight-saving changes and month ends, floating or not;
// and the rules a row cannot hold send the search to the listing.
func TestRowWindowEqualsFits(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	zones := []string{"America/New_York", "America/Los_Angeles", "Europe/Paris", "Australia/Sydney", "Asia/Kolkata", "UTC"}
	rules := []string{"FREQ=WEEKLY;BYDAY=TH", "FREQ=WEEKLY;BYDAY=MO,WE,FR", "FREQ=DAILY", "FREQ=DAILY;BYDAY=SA,SU",
		"FREQ=MONTHLY;BYDAY=2TH", "FREQ=MONTHLY;BYDAY=1TU,3TU", "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=5SU",
		"FREQ=MONTHLY;BYDAY=1MO,3MO,1WE,3WE", "RRULE:FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=SU", "FREQ=MONTHLY;BYDAY=TU"}
	slow := []data.Meeting{
		{RRule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", Start: "19:00", ValidFrom: "2026-01-06"},
		{RRule: "FREQ=MONTHLY;BYMONTHDAY=15", Start: "19:00"},
		{RRule: "FREQ=MONTHLY;BYDAY=1TU,3TH", Start: "19:00"},
		{RRule: "FREQ=WEEKLY;BYDAY=TU", Start: "19:00", ExDates: []string{"2026-12-08"}},
		{RRule: "FREQ=WEEKLY;BYDAY=TU", Start: "25:00"},
		{RRule: "FREQ=WEEKLY;BYDAY=TU", Start: "19:00", TimeZone: "Mars/Olympus"},
	}
	// Around the changes of 2026 (US 8 March and 1 November, Europe 29
	// March and 25 October, Sydney 5 April and 4 October) and month ends.
	anchors := []time.Time{
		time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 10, 24, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 4, 4, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 28, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 29, 0, 0, 0, 0, time.UTC),
	}
	syms := &symbols{}
	checked, onRow := 0, 0
	for i := range 3000 {
		g := &data.Group{ID: fmt.Sprintf("g%d", i), Topics: []string{"grief"}, Format: data.FormatOnline, TimeZone: zones[r.IntN(len(zones))]}
		for range 1 + r.IntN(3) {
			m := data.Meeting{RRule: rules[r.IntN(len(rules))], Start: fmt.Sprintf("%02d:%02d", []int{0, 1, 2, 3, 9, 19, 23}[r.IntN(7)], 30*r.IntN(2)), Duration: 60}
			if r.IntN(20) == 0 {
				m = slow[r.IntN(len(slow))]
			}
			if r.IntN(15) == 0 {
				m.TimeZone = zones[r.IntN(len(zones))]
			}
			g.Meetings = append(g.Meetings, m)
		}
		row := makeRec(g, syms)
		for range 20 {
			from := anchors[r.IntN(len(anchors))].Add(time.Duration(r.IntN(4*24*60)) * time.Minute)
			w := data.Window{From: from, To: from.Add(time.Duration([]int{15, 60, 5 * 60, 26 * 60, 9 * 24 * 60, 40 * 24 * 60}[r.IntN(6)]) * time.Minute), Floating: r.IntN(2) == 0}
			if r.IntN(20) == 0 {
				w.To = time.Time{}
			}
			q := &Query{Window: w}
			ok, _, full := compile(q, syms).accept(&row)
			want := schedule.Fits(w, g)
			checked++
			if full {
				continue
			}
			onRow++
			if ok != want {
				t.Fatalf("%s meetings %+v window %v..%v floating %v: row says %v, Fits %v", g.TimeZone, g.Meetings, w.From, w.To, w.Floating, ok, want)
			}
		}
	}
	if onRow < checked*3/4 {
		t.Errorf("only %d of %d window checks were decided on the row", onRow, checked)
	}
	for _, m := range slow {
		g := &data.Group{ID: "s", Topics: []string{"grief"}, Format: data.FormatOnline, TimeZone: "America/Chicago", Meetings: []data.Meeting{m}}
		row := makeRec(g, syms)
		if _, _, full := compile(&Query{Window: data.Window{From: anchors[0], To: anchors[1]}}, syms).accept(&row); !full {
			t.Errorf("rule %+v is decided on the row; it should be read from the listing", m)
		}
	}
}
