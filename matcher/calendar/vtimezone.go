package calendar

import (
	"fmt"
	"time"

	ics "github.com/arran4/golang-ical"
)

// transition is one change of UTC offset in a zone.
type transition struct {
	at       time.Time // the instant of the change
	local    time.Time // wall time just before it, in the old offset (RFC 5545 DTSTART)
	from, to int       // offsets in seconds east of UTC
	name     string    // abbreviation after the change
	dst      bool
}

// observanceKey groups the transitions that one STANDARD or DAYLIGHT
// observance with a yearly RRULE could describe.
type observanceKey struct {
	dst      bool
	from, to int
	name     string
}

// scanYears is how far ahead the zone's transitions are read to learn its
// rules. Go's zone data extends the current rule indefinitely, as do yearly
// RRULEs, so a rule that holds for ten years is written as a rule.
const scanYears = 10

// vtimezone builds the VTIMEZONE for loc from Go's own tz data (the
// embedded tzdata in the binary), so calendars without the IANA name still
// get the offsets right. Regular yearly changes ("second Sunday of March")
// become RRULEs; anything irregular is listed change by change.
func vtimezone(loc *time.Location, from time.Time) *ics.VTimezone {
	tz := ics.NewTimezone(loc.String())
	start := time.Date(from.Year()-1, 1, 1, 0, 0, 0, 0, loc)
	end := time.Date(from.Year()+scanYears, 1, 1, 0, 0, 0, 0, loc)
	trs := transitions(start, end)
	if len(trs) == 0 {
		name, off := from.In(loc).Zone()
		tz.Components = append(tz.Components, observance(false, "19700101T000000", off, off, name, ""))
		return tz
	}
	var order []observanceKey
	groups := map[observanceKey][]transition{}
	for _, t := range trs {
		k := observanceKey{t.dst, t.from, t.to, t.name}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], t)
	}
	lastYear := trs[len(trs)-1].local.Year()
	for _, k := range order {
		g := groups[k]
		if rule, ok := yearlyRule(g, lastYear); ok {
			tz.Components = append(tz.Components, observance(k.dst, g[0].local.Format(localFormat), k.from, k.to, k.name, rule))
			continue
		}
		for _, t := range g {
			tz.Components = append(tz.Components, observance(k.dst, t.local.Format(localFormat), k.from, k.to, k.name, ""))
		}
	}
	return tz
}

// transitions lists the offset changes in [start, end).
func transitions(start, end time.Time) []transition {
	var out []transition
	for t := start; ; {
		_, next := t.ZoneBounds()
		if next.IsZero() || !next.Before(end) || !next.After(t) {
			return out
		}
		_, from := next.Add(-time.Second).Zone()
		name, to := next.Zone()
		local := next.UTC().Add(time.Duration(from) * time.Second)
		out = append(out, transition{at: next, local: local, from: from, to: to, name: name, dst: next.IsDST()})
		t = next
	}
}

var icsDays = [7]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// yearlyRule finds "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU" (or -1SU for "last")
// that yields exactly the given transitions, one a year without gaps up to
// lastYear, all at the same wall time.
func yearlyRule(g []transition, lastYear int) (string, bool) {
	if len(g) < 2 || g[len(g)-1].local.Year() != lastYear {
		return "", false
	}
	first := g[0].local
	nthOK, lastOK := true, true
	nth := (first.Day()-1)/7 + 1
	for i, t := range g {
		l := t.local
		if l.Year() != first.Year()+i || l.Month() != first.Month() || l.Weekday() != first.Weekday() ||
			l.Hour() != first.Hour() || l.Minute() != first.Minute() || l.Second() != first.Second() {
			return "", false
		}
		if (l.Day()-1)/7+1 != nth {
			nthOK = false
		}
		if l.Day()+7 <= daysIn(l.Year(), l.Month()) {
			lastOK = false
		}
	}
	day := icsDays[first.Weekday()]
	switch {
	case nthOK && nth < 5:
		return fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", first.Month(), nth, day), true
	case lastOK:
		return fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=-1%s", first.Month(), day), true
	}
	return "", false
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func observance(dst bool, dtstart string, from, to int, name, rrule string) ics.Component {
	var cb *ics.ComponentBase
	var c ics.Component
	if dst {
		d := &ics.Daylight{}
		cb, c = &d.ComponentBase, d
	} else {
		s := ics.NewStandard()
		cb, c = &s.ComponentBase, s
	}
	cb.SetProperty(ics.ComponentPropertyDtStart, dtstart)
	cb.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), offset(from))
	cb.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), offset(to))
	if name != "" {
		cb.SetProperty(ics.ComponentProperty(ics.PropertyTzname), name)
	}
	if rrule != "" {
		cb.AddRrule(rrule)
	}
	return c
}

// offset writes ±HHMM (±HHMMSS when there are seconds).
func offset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	s := fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}
