package calendar

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/peermatch/peermatch/data/schedule"

	ics "github.com/arran4/golang-ical"
	"github.com/teambition/rrule-go"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/data"
)

func testGroup() *data.Group {
	return &data.Group{
		ID: "grief-circle-demo", Name: "Thursday grief circle", Summary: "A drop-in circle; newcomers welcome.",
		Format: data.FormatHybrid, TimeZone: "America/New_York", Demo: true,
		Contact:  data.Contact{URL: "https://example.org/grief"},
		Online:   data.Contact{URL: "https://example.org/join"},
		Location: &data.Location{Name: "St. Mark's hall", Address: "1 Main St", City: "Springfield", Region: "NY", PostalCode: "10001", Country: "US"},
		Source:   "https://example.org/grief", LastVerified: "2026-01-15",
		Meetings: []data.Meeting{
			{RRule: "FREQ=MONTHLY;BYDAY=2TH,4TH", Start: "19:00", Duration: 90, ExDates: []string{"2026-03-12", "2026-11-26"}, ValidUntil: "2026-12-31"},
			{RRule: "FREQ=MONTHLY;BYDAY=-1FR", Start: "18:30"},
			{RRule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", Start: "10:00", ValidFrom: "2026-01-13", Note: "newcomers"},
			{RRule: "FREQ=MONTHLY;BYDAY=1SA", Start: "11:00", Duration: 120, ValidFrom: "2026-04-01", ValidUntil: "2026-09-30"},
			{RRule: "FREQ=WEEKLY;BYDAY=SU", Start: "19:00", TimeZone: "Europe/London"},
			{RRule: "FREQ=WEEKLY;BYDAY=MO", Start: "09:30", TimeZone: "Australia/Sydney", Duration: 45},
			{RRule: "FREQ=WEEKLY;COUNT=10;BYDAY=WE", Start: "12:00", ValidFrom: "2026-01-01", ValidUntil: "2026-02-28"},
			{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "23:30", TimeZone: "America/Los_Angeles", ExDates: []string{"2026-04-02"}},
			{RRule: "FREQ=WEEKLY;BYDAY=FR", Start: "08:00", ValidUntil: "2025-12-31"}, // ended: left out
		},
	}
}

var durRE = regexp.MustCompile(`^PT(?:(\d+)H)?(?:(\d+)M)?$`)

func parseDuration(t *testing.T, s string) time.Duration {
	t.Helper()
	m := durRE.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("DURATION %q", s)
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	return time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute
}

func tzidOf(t *testing.T, p *ics.IANAProperty) *time.Location {
	t.Helper()
	tz := p.ICalParameters["TZID"]
	if len(tz) != 1 {
		t.Fatalf("%s %q has no TZID", p.IANAToken, p.Value)
	}
	loc, err := time.LoadLocation(tz[0])
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// expand re-reads each VEVENT the way a calendar client would: DTSTART in
// its TZID, the RRULE through rrule-go, EXDATEs removed.
func expand(t *testing.T, cal *ics.Calendar, from, to time.Time) []string {
	t.Helper()
	var out []string
	for _, ev := range cal.Events() {
		ds := ev.GetProperty(ics.ComponentPropertyDtStart)
		loc := tzidOf(t, ds)
		start, err := time.ParseInLocation(localFormat, ds.Value, loc)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ev.GetStartAt(); err != nil || !got.Equal(start) {
			t.Errorf("golang-ical reads DTSTART as %v (%v), want %v", got, err, start)
		}
		rr := ev.GetProperty(ics.ComponentPropertyRrule)
		opt, err := rrule.StrToROptionInLocation(rr.Value, loc)
		if err != nil {
			t.Fatalf("RRULE %q: %v", rr.Value, err)
		}
		if strings.Contains(rr.Value, "UNTIL=") && !strings.HasSuffix(opt.Until.Format(time.RFC3339), "Z") {
			t.Errorf("UNTIL must be UTC with a zoned DTSTART: %q", rr.Value)
		}
		if strings.Contains(rr.Value, "UNTIL=") && strings.Contains(rr.Value, "COUNT=") {
			t.Errorf("UNTIL and COUNT together: %q", rr.Value)
		}
		opt.Dtstart = start
		r, err := rrule.NewRRule(*opt)
		if err != nil {
			t.Fatal(err)
		}
		set := &rrule.Set{}
		set.RRule(r)
		for _, ex := range ev.GetProperties(ics.ComponentPropertyExdate) {
			x, err := time.ParseInLocation(localFormat, ex.Value, tzidOf(t, ex))
			if err != nil {
				t.Fatal(err)
			}
			set.ExDate(x)
		}
		dur := parseDuration(t, ev.GetProperty(ics.ComponentPropertyDuration).Value)
		for _, s := range set.Between(from, to, true) {
			if s.Before(to) {
				out = append(out, key(s, s.Add(dur)))
			}
		}
	}
	slices.Sort(out)
	return out
}

func key(start, end time.Time) string {
	return start.UTC().Format(time.RFC3339) + " " + start.Format("Mon 15:04 MST") + " " + end.Sub(start).String()
}

func TestICSParsesBackToNextMeetings(t *testing.T) {
	g := testGroup()
	now := time.Date(2026, 1, 20, 5, 0, 0, 0, time.UTC)
	horizon := now.AddDate(1, 0, 0)
	b, err := ICS(g, now, bot.Say("en"))
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, b)
	}
	if n := len(cal.Events()); n != len(g.Meetings)-1 {
		t.Fatalf("%d events, want %d (the ended meeting left out)", n, len(g.Meetings)-1)
	}

	occ, err := schedule.NextMeetings(g, now, 5000)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, o := range occ {
		if !o.Start.Before(now) && o.Start.Before(horizon) {
			want = append(want, key(o.Start, o.End))
		}
	}
	slices.Sort(want)
	got := expand(t, cal, now, horizon)
	if len(want) < 200 {
		t.Fatalf("only %d expected occurrences: the test group is too thin", len(want))
	}
	if !slices.Equal(got, want) {
		for i := 0; i < max(len(got), len(want)); i++ {
			var g, w string
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if g != w {
				t.Errorf("first difference at %d: ics %q, NextMeetings %q", i, g, w)
				break
			}
		}
		t.Fatalf("ics gives %d occurrences, NextMeetings %d", len(got), len(want))
	}
	t.Logf("%d occurrences over 12 months agree", len(got))
}

func TestICSText(t *testing.T) {
	g := testGroup()
	now := time.Date(2026, 1, 20, 5, 0, 0, 0, time.UTC)
	b, err := ICS(g, now, bot.Say("en"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n") {
		if strings.Contains(line, "\n") || len(line) > 75 {
			t.Fatalf("line %d is not a CRLF-terminated line of at most 75 octets: %q", i, line)
		}
	}
	text := strings.ReplaceAll(string(b), "\r\n ", "") // unfold
	for _, want := range []string{
		"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:" + ProductID,
		"UID:grief-circle-demo-0@peermatch",
		"DTSTAMP:20260120T050000Z",
		"DTSTART;TZID=America/New_York:20260122T190000",
		"RRULE:FREQ=MONTHLY;BYDAY=2TH,4TH;UNTIL=20270101T045959Z",
		"EXDATE;TZID=America/New_York:20260312T190000",
		"DURATION:PT1H30M",
		"DTSTART;TZID=America/New_York:20260113T100000", // every other Tuesday, anchored at valid_from
		"DTSTART;TZID=Europe/London:20260125T190000",
		"RRULE:FREQ=WEEKLY;BYDAY=WE;UNTIL=20260225T170000Z", // COUNT=10 cut by valid_until
		"TZID:Australia/Sydney",
		"SUMMARY:Thursday grief circle (newcomers)",
		"URL:https://example.org/join",
		"LOCATION:St. Mark's hall\\, 1 Main St\\, Springfield\\, NY 10001\\, US",
		"Example listing",
		"Last verified 2026-01-15",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q", want)
		}
	}
	// Never a UTC DTSTART on an event (the SetStartAt bug).
	if regexp.MustCompile(`(?m)^DTSTART:\d{8}T\d{6}Z`).MatchString(text) {
		t.Error("an event has a UTC DTSTART")
	}
	// Every TZID used has its VTIMEZONE.
	for _, m := range regexp.MustCompile(`TZID=([^:;]+)`).FindAllStringSubmatch(text, -1) {
		if !strings.Contains(text, "BEGIN:VTIMEZONE\r\nTZID:"+m[1]+"\r\n") {
			t.Errorf("no VTIMEZONE for %s", m[1])
		}
	}
	// UIDs are stable: another export later carries the same ones.
	b2, _ := ICS(g, now.Add(240*time.Hour), bot.Say("en"))
	uid := regexp.MustCompile(`UID:[^\r]+`)
	if !slices.Equal(uid.FindAllString(string(b), -1), uid.FindAllString(string(b2), -1)) {
		t.Error("UIDs changed between exports")
	}
}

// The generated VTIMEZONE rules must reproduce Go's own transitions.
func TestVTimezoneMatchesTZData(t *testing.T) {
	for _, name := range []string{"America/New_York", "Europe/London", "Europe/Berlin", "Australia/Sydney", "America/Sao_Paulo", "Asia/Tokyo", "America/Phoenix"} {
		t.Run(name, func(t *testing.T) {
			loc, _ := time.LoadLocation(name)
			from := time.Date(2026, 2, 1, 0, 0, 0, 0, loc)
			cal := ics.NewCalendar()
			cal.AddVTimezone(vtimezone(loc, from))
			parsed, err := ics.ParseCalendar(strings.NewReader(cal.Serialize()))
			if err != nil {
				t.Fatal(err)
			}
			tzs := parsed.Timezones()
			if len(tzs) != 1 {
				t.Fatalf("%d VTIMEZONEs", len(tzs))
			}
			lo, hi := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)
			var got []string
			for _, c := range tzs[0].Components {
				var cb *ics.ComponentBase
				switch o := c.(type) {
				case *ics.Standard:
					cb = &o.ComponentBase
				case *ics.Daylight:
					cb = &o.ComponentBase
				default:
					continue
				}
				fromOff := parseOffset(t, cb.GetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom)).Value)
				toOff := parseOffset(t, cb.GetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto)).Value)
				if fromOff == toOff {
					continue // not a change
				}
				// DTSTART is wall time in the offset before the change.
				fixed := time.FixedZone("before", fromOff)
				ds, err := time.ParseInLocation(localFormat, cb.GetProperty(ics.ComponentPropertyDtStart).Value, fixed)
				if err != nil {
					t.Fatal(err)
				}
				starts := []time.Time{ds}
				if rr := cb.GetProperty(ics.ComponentPropertyRrule); rr != nil {
					opt, err := rrule.StrToROptionInLocation(rr.Value, fixed)
					if err != nil {
						t.Fatal(err)
					}
					opt.Dtstart = ds
					r, _ := rrule.NewRRule(*opt)
					starts = r.Between(lo, hi, true)
				}
				for _, s := range starts {
					if !s.Before(lo) && s.Before(hi) {
						got = append(got, fmt.Sprintf("%s %d", s.UTC().Format(time.RFC3339), toOff))
					}
				}
			}
			var want []string
			for _, tr := range transitions(lo.In(loc), hi) {
				want = append(want, fmt.Sprintf("%s %d", tr.at.UTC().Format(time.RFC3339), tr.to))
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("VTIMEZONE transitions\n got %q\nwant %q", got, want)
			}
		})
	}
}

func parseOffset(t *testing.T, s string) int {
	t.Helper()
	if len(s) < 5 {
		t.Fatalf("offset %q", s)
	}
	h, _ := strconv.Atoi(s[1:3])
	m, _ := strconv.Atoi(s[3:5])
	sec := h*3600 + m*60
	if s[0] == '-' {
		sec = -sec
	}
	return sec
}

// TestICSTextInTheCatalogsLanguage: the entry's words come from the catalog
// of the person's language, none from this package.
func TestICSTextInTheCatalogsLanguage(t *testing.T) {
	g := testGroup()
	now := time.Date(2026, 1, 20, 5, 0, 0, 0, time.UTC)
	for _, c := range []struct{ lang, want, not string }{
		{"fr", "Vérifié le 2026-01-15", "Last verified"},
		{"es", "Revisado el 2026-01-15", "Last verified"},
		{"en", "Last verified 2026-01-15", "Vérifié"},
	} {
		b, err := ICS(g, now, bot.Say(c.lang))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), "\r\n ", "")
		if !strings.Contains(text, c.want) || strings.Contains(text, c.not) {
			t.Errorf("%s: want %q and not %q in:\n%s", c.lang, c.want, c.not, text)
		}
	}
}
