// Package calendar exports a group's meetings as an iCalendar (.ics) file
// that calendar apps can import: one recurring VEVENT per meeting, in the
// meeting's own time zone.
package calendar

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/peermatch/peermatch/data/schedule"

	ics "github.com/arran4/golang-ical"

	"github.com/peermatch/peermatch/data"
)

// ProductID identifies the producer in PRODID.
const ProductID = "-//peermatch//peer support meetings//EN"

// ICS returns an iCalendar file for the group's meetings as of now (DTSTAMP
// and the first DTSTART of rules that float). Meetings whose series has
// ended are left out; an invalid meeting is an error naming it.
//
// DTSTART is always written as a local time with TZID, never in UTC:
// golang-ical's SetStartAt writes UTC, which would make a client evaluate
// "every Thursday" in UTC and shift the meeting across daylight-saving
// changes (or onto the wrong weekday).
//
// say writes the words of the entry from the bot's message catalog in the
// person's language (keys "calendar_*", and "results_footer" for the line
// that peer support is not care): this package holds no language.
func ICS(g *data.Group, now time.Time, say func(key string, kv ...string) string) ([]byte, error) {
	if g == nil {
		return nil, errors.New("calendar: nil group")
	}
	cal := ics.NewCalendarFor("peermatch")
	cal.SetProductId(ProductID)
	cal.SetMethod(ics.MethodPublish)
	cal.SetCalscale("GREGORIAN")
	cal.SetXWRCalName(g.Name)

	type zoneUse struct {
		loc      *time.Location
		from, to time.Time
	}
	var zones []*zoneUse
	var events []*ics.VEvent
	for i := range g.Meetings {
		m := &g.Meetings[i]
		rule, err := schedule.ICal(m, now, g.TimeZone)
		if errors.Is(err, schedule.ErrNoMeetings) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("calendar: group %s meetings[%d]: %w", g.ID, i, err)
		}
		ev := ics.NewEvent(fmt.Sprintf("%s-%d@peermatch", g.ID, i))
		ev.SetDtStampTime(now)
		tzid := ics.WithTZID(rule.Zone.String())
		ev.SetProperty(ics.ComponentPropertyDtStart, rule.Start.Format(localFormat), tzid)
		ev.SetProperty(ics.ComponentPropertyDuration, isoDuration(rule.Duration))
		ev.AddRrule(rule.RRule)
		for _, x := range rule.ExDates {
			ev.AddExdate(x.Format(localFormat), tzid)
		}
		summary := g.Name
		if m.Note != "" {
			summary += " (" + m.Note + ")"
		}
		ev.SetSummary(summary)
		ev.SetDescription(description(g, m, say))
		if u := link(g); u != "" {
			ev.SetURL(u)
		}
		if loc := location(g, say); loc != "" {
			ev.SetLocation(loc)
		}
		events = append(events, ev)

		idx := slices.IndexFunc(zones, func(z *zoneUse) bool { return z.loc.String() == rule.Zone.String() })
		if idx < 0 {
			zones = append(zones, &zoneUse{loc: rule.Zone, from: rule.Start, to: rule.Start})
		} else if rule.Start.Before(zones[idx].from) {
			zones[idx].from = rule.Start
		}
	}
	// RFC 5545 wants a VTIMEZONE for every TZID used, before the events.
	for _, z := range zones {
		cal.AddVTimezone(vtimezone(z.loc, z.from))
	}
	for _, ev := range events {
		cal.AddVEvent(ev)
	}
	// RFC 5545 lines end in CRLF; golang-ical defaults to a bare LF.
	return []byte(cal.Serialize(ics.WithNewLine("\r\n"))), nil
}

const localFormat = "20060102T150405"

// isoDuration writes an RFC 5545 dur-value such as PT1H30M.
func isoDuration(d time.Duration) string {
	mins := int(d / time.Minute)
	s := "PT"
	if h := mins / 60; h > 0 {
		s += fmt.Sprintf("%dH", h)
	}
	if m := mins % 60; m > 0 || mins == 0 {
		s += fmt.Sprintf("%dM", m)
	}
	return s
}

func link(g *data.Group) string {
	if g.Online.URL != "" {
		return g.Online.URL
	}
	return g.Contact.URL
}

func location(g *data.Group, say func(key string, kv ...string) string) string {
	if l := g.Location; l != nil && g.Format.InPerson() {
		var parts []string
		for _, p := range []string{l.Name, l.Address, l.City, strings.TrimSpace(l.Region + " " + l.PostalCode), l.Country} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, ", ")
		}
	}
	switch {
	case g.Online.URL != "":
		return g.Online.URL
	case g.Online.Phone != "":
		return say("calendar_phone", "n", g.Online.Phone)
	case g.Format.Remote():
		return say("calendar_online")
	}
	return ""
}

// description says what the group is and where the listing came from, so
// the calendar entry stays honest when read months later.
func description(g *data.Group, m *data.Meeting, say func(key string, kv ...string) string) string {
	var b strings.Builder
	if g.Demo {
		b.WriteString(say("calendar_demo") + "\n\n")
	}
	if g.Summary != "" {
		b.WriteString(g.Summary + "\n\n")
	}
	if m.Note != "" {
		b.WriteString(m.Note + "\n")
	}
	if g.Online.URL != "" {
		b.WriteString(say("calendar_join", "url", g.Online.URL) + "\n")
	}
	if g.Online.Phone != "" {
		b.WriteString(say("calendar_dial_in", "n", g.Online.Phone) + "\n")
	}
	if g.Contact.URL != "" && g.Contact.URL != g.Online.URL {
		b.WriteString(say("calendar_more", "url", g.Contact.URL) + "\n")
	}
	if g.Contact.Phone != "" {
		b.WriteString(say("calendar_phone", "n", g.Contact.Phone) + "\n")
	}
	if g.LastVerified != "" {
		if g.Source != "" {
			b.WriteString(say("calendar_verified_from", "date", g.LastVerified, "source", g.Source) + "\n")
		} else {
			b.WriteString(say("calendar_verified", "date", g.LastVerified) + "\n")
		}
	}
	b.WriteString(say("results_footer"))
	return b.String()
}
