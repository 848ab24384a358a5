package index

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/schedule"
)

// A window search ("now", "tonight") asks whether a meeting starts in a
// span of time. Answering it from the listing means reading it from disk
// and expanding its rules, for every candidate; the rows carry instead,
// for each distinct start time, the weekdays it falls on and which weeks of
// the month (every week, or the 1st..5th or last), in the listing's one
// zone, which decides schedule.Fits exactly for the rules people write
// (weekly, daily, "the 2nd and 4th Thursday"). Rules the row cannot hold
// (exception dates, validity dates, intervals, several zones) flag the
// row, and only those are read back.

// Week bits of a start time's slot.
const (
	everyWeek uint8 = 1 << 0
	lastWeek  uint8 = 1 << 6 // BYDAY=-1TH
	// bits 1..5: the 1st..5th such weekday of the month
)

// slots derives the rows' schedule: the zone all meetings are read in, and
// per start time (as schedule.StartMinutes orders them) the weekdays and
// weeks it meets. ok is false when a meeting's rule is not one a row
// holds; the row is then flagged and a window search reads the listing.
func slots(g *data.Group, starts []int) (zone string, days, weeks [maxStarts]uint8, ok bool) {
	if len(g.Meetings) == 0 || len(starts) > maxStarts {
		return "", days, weeks, len(g.Meetings) == 0
	}
	for i := range g.Meetings {
		m := &g.Meetings[i]
		z := m.Zone(g.TimeZone)
		if z == "" || z == "Local" || (zone != "" && z != zone) {
			return "", days, weeks, false
		}
		if _, err := data.LoadZone(z); err != nil {
			return "", days, weeks, false
		}
		zone = z
		if m.ValidFrom != "" || m.ValidUntil != "" || len(m.ExDates) > 0 || m.Duration < 0 || m.Duration > 24*60 {
			return "", days, weeks, false
		}
		h, mi, clock := schedule.ParseClock(m.Start)
		if !clock {
			return "", days, weeks, false
		}
		d, w, simple := rule(m.RRule)
		if !simple {
			return "", days, weeks, false
		}
		k := slices.Index(starts, h*60+mi)
		if k < 0 {
			return "", days, weeks, false
		}
		// Two rules at one time combine only when the result is still a
		// set of days times a set of weeks.
		switch {
		case days[k] == 0:
			days[k], weeks[k] = d, w
		case weeks[k] == w:
			days[k] |= d
		case days[k] == d:
			weeks[k] |= w
		default:
			return "", days, weeks, false
		}
	}
	return zone, days, weeks, true
}

// rule reads the RRULEs a row can hold: FREQ=WEEKLY or DAILY with plain
// BYDAY days (or none, for DAILY), and FREQ=MONTHLY with BYDAY entries
// that are a set of weeks times a set of days; INTERVAL=1 and WKST are
// allowed, anything else is not.
func rule(s string) (days, weeks uint8, ok bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "RRULE:")
	if strings.ContainsAny(s, "\n\r") {
		return 0, 0, false
	}
	var freq, byday string
	seen := map[string]bool{}
	for _, p := range strings.Split(strings.ToUpper(s), ";") {
		k, v, found := strings.Cut(p, "=")
		if !found || seen[k] {
			return 0, 0, false
		}
		seen[k] = true
		switch k {
		case "FREQ":
			freq = v
		case "BYDAY":
			byday = v
		case "INTERVAL":
			if v != "1" {
				return 0, 0, false
			}
		case "WKST":
			if !slices.Contains(schedule.RRuleDays[:], v) {
				return 0, 0, false
			}
		default:
			return 0, 0, false
		}
	}
	entries := 0
	var nths uint8
	if byday != "" {
		for _, e := range strings.Split(byday, ",") {
			if len(e) < 2 {
				return 0, 0, false
			}
			d := slices.Index(schedule.RRuleDays[:], e[len(e)-2:])
			if d < 0 {
				return 0, 0, false
			}
			days |= 1 << d
			entries++
			switch n := e[:len(e)-2]; n {
			case "":
				nths |= everyWeek
			case "-1":
				nths |= lastWeek
			default:
				v, err := strconv.Atoi(strings.TrimPrefix(n, "+"))
				if err != nil || v < 1 || v > 5 {
					return 0, 0, false
				}
				nths |= 1 << v
			}
		}
	}
	switch freq {
	case "DAILY", "WEEKLY":
		if byday == "" {
			if freq == "WEEKLY" {
				return 0, 0, false // its day comes from valid_from
			}
			days = 0x7f
		}
		if nths&^everyWeek != 0 {
			return 0, 0, false
		}
		return days, everyWeek, true
	case "MONTHLY":
		// "1TH,3TU" is not {1st, 3rd} x {TH, TU}: only a full cross
		// product is held. A plain day in a monthly rule is every such
		// day of the month, which is every week.
		if byday == "" || entries != popcount(days)*popcount(nths) || (nths&everyWeek != 0 && nths != everyWeek) {
			return 0, 0, false
		}
		return days, nths, true
	}
	return 0, 0, false
}

func popcount(b uint8) int {
	n := 0
	for ; b != 0; b &= b - 1 {
		n++
	}
	return n
}

// fitsWindow is schedule.Fits on a row whose schedule the row holds:
// whether one of its meetings starts within the query's window.
func (c *cquery) fitsWindow(r *rec) bool {
	loc := c.zone(r.zone)
	if loc == nil {
		return false // Fits skips a meeting whose zone does not load
	}
	w := c.q.Window
	from, to := w.From, w.To
	if w.Floating {
		from, to = wallIn(from, loc), wallIn(to, loc)
	}
	if to.IsZero() {
		return true // every rule a row holds meets again
	}
	f := from.In(loc)
	last := to.In(loc)
	// From the day before (a start before midnight in another zone's
	// reading) to the window's last day. Every rule a row holds meets
	// within a year (a 5th Thursday comes several times in one), so a
	// longer window holds a meeting.
	for d := -1; d < 370; d++ {
		day := time.Date(f.Year(), f.Month(), f.Day()+d, 12, 0, 0, 0, loc)
		if day.Year() > last.Year() || (day.Year() == last.Year() && day.YearDay() > last.YearDay()) {
			return false
		}
		wd := day.Weekday()
		week := everyWeek | 1<<((day.Day()-1)/7+1)
		if day.Day()+7 > daysIn(day.Month(), day.Year()) {
			week |= lastWeek
		}
		for i := range int(r.nstarts) {
			if r.sdays[i]&(1<<wd) == 0 || r.sweeks[i]&week == 0 {
				continue
			}
			m := int(r.starts[i])
			s := time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, loc)
			if !s.Before(from) && s.Before(to) {
				return true
			}
		}
	}
	return true
}

func daysIn(m time.Month, y int) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// zone is the location of a row's zone symbol, loaded once per query.
func (c *cquery) zone(i uint8) *time.Location {
	if int(i) >= len(c.zoneNames) {
		return nil
	}
	if c.zones == nil {
		c.zones = make(map[uint8]*time.Location)
	}
	if loc, ok := c.zones[i]; ok {
		return loc
	}
	loc, err := data.LoadZone(c.zoneNames[i])
	if err != nil {
		loc = nil
	}
	c.zones[i] = loc
	return loc
}

// wallIn is the same wall-clock time as t, in loc (as schedule.Fits reads a
// floating window).
func wallIn(t time.Time, loc *time.Location) time.Time {
	if t.IsZero() {
		return t
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc)
}
