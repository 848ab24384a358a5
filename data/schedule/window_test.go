package schedule

import (
	"testing"
	"time"

	"github.com/peermatch/peermatch/data"
)

// TestWindowFits: "now" includes a meeting in progress for at most
// InProgress and one starting within the hour; a floating "tonight" is
// read on each meeting's own clock.
func TestWindowFits(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	la, _ := time.LoadLocation("America/Los_Angeles")
	g := &data.Group{ID: "sat-late", TimeZone: "America/New_York", Meetings: []data.Meeting{WeeklyMeeting(time.Saturday, "23:30", 60, "America/New_York")}}
	sat := func(h, m int, loc *time.Location) time.Time { return time.Date(2026, 12, 5, h, m, 0, 0, loc) }
	now := func(at time.Time) data.Window {
		w, ok := ParseWhen("any meetings right now", at, at.Location())
		if !ok || !w.Now {
			t.Fatalf("ParseWhen did not read now: %+v", w)
		}
		return data.Window{From: w.From, To: w.To}
	}
	cases := []struct {
		name string
		w    data.Window
		want bool
	}{
		{"started 10 min ago", now(sat(23, 40, ny)), true},
		{"started 20 min ago", now(sat(23, 50, ny)), false},
		{"starts in 45 min", now(sat(22, 45, ny)), true},
		{"starts in 2 hours", now(sat(21, 30, ny)), false},
		{"now, seen from LA (20:35 PT = 23:35 ET)", now(sat(20, 35, la)), true},
		{"tonight floating: 17:00-24:00 on the meeting's clock", data.Window{From: sat(17, 0, time.UTC), To: sat(24, 0, time.UTC), Floating: true}, true},
		{"tonight in LA: 17:00-24:00 PT is 20:00-03:00 ET", data.Window{From: sat(17, 0, la), To: sat(24, 0, la)}, true},
		{"this morning in LA", data.Window{From: sat(6, 0, la), To: sat(12, 0, la)}, false},
		{"no window", data.Window{}, true},
	}
	for _, c := range cases {
		if got := Fits(c.w, g); got != c.want {
			t.Errorf("%s: Fits = %v, want %v", c.name, got, c.want)
		}
	}
	if !Fits(data.Window{From: sat(6, 0, la), To: sat(7, 0, la)}, &data.Group{ID: "forum"}) {
		t.Error("a group without meeting times must fit any window")
	}
}
