package schedule

import (
	"time"

	"github.com/peermatch/peermatch/data"
)

// Fits reports whether one of the group's meetings starts inside the
// window w. A group without meeting times (a forum, a helpline, a finder)
// fits: it is there whenever the person is.
func Fits(w data.Window, g *data.Group) bool {
	if w.IsZero() || len(g.Meetings) == 0 {
		return true
	}
	for i := range g.Meetings {
		m := &g.Meetings[i]
		from, to := w.From, w.To
		if w.Floating {
			loc, err := Location(m, g.TimeZone)
			if err != nil {
				continue
			}
			from, to = wallIn(from, loc), wallIn(to, loc)
		}
		// Occurrences that end after from (one in progress included);
		// the first that starts in the window decides.
		occ, err := Next(m, from, 4, g.TimeZone)
		if err != nil {
			continue
		}
		for _, o := range occ {
			if !o.Start.Before(from) && (to.IsZero() || o.Start.Before(to)) {
				return true
			}
		}
	}
	return false
}

// wallIn is the same wall-clock time as t, in loc.
func wallIn(t time.Time, loc *time.Location) time.Time {
	if t.IsZero() {
		return t
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc)
}
