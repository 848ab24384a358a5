package schedule

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the machine's zoneinfo

	"github.com/peermatch/peermatch/data"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// at parses "2006-01-02 15:04" in loc.
func at(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMeetingNext(t *testing.T) {
	ny := "America/New_York"
	tests := []struct {
		name  string
		m     data.Meeting
		after string // local time in the meeting's zone
		want  []string
	}{
		{
			name:  "2nd and 4th Thursday across US spring forward",
			m:     data.Meeting{RRule: "FREQ=MONTHLY;BYDAY=2TH,4TH", Start: "19:00", Duration: 90, TimeZone: ny},
			after: "2026-02-01 00:00",
			want:  []string{"2026-02-12 19:00 EST", "2026-02-26 19:00 EST", "2026-03-12 19:00 EDT", "2026-03-26 19:00 EDT"},
		},
		{
			name:  "last Friday of the month",
			m:     data.Meeting{RRule: "FREQ=MONTHLY;BYDAY=-1FR", Start: "18:30", TimeZone: ny},
			after: "2026-01-01 00:00",
			want:  []string{"2026-01-30 18:30 EST", "2026-02-27 18:30 EST", "2026-03-27 18:30 EDT", "2026-04-24 18:30 EDT"},
		},
		{
			name:  "every other Tuesday, phase from valid_from",
			m:     data.Meeting{RRule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", Start: "10:00", TimeZone: ny, ValidFrom: "2026-01-06"},
			after: "2026-01-10 00:00",
			want:  []string{"2026-01-20 10:00 EST", "2026-02-03 10:00 EST", "2026-02-17 10:00 EST"},
		},
		{
			name:  "every other Tuesday, the other phase",
			m:     data.Meeting{RRule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", Start: "10:00", TimeZone: ny, ValidFrom: "2026-01-13"},
			after: "2026-01-10 00:00",
			want:  []string{"2026-01-13 10:00 EST", "2026-01-27 10:00 EST", "2026-02-10 10:00 EST"},
		},
		{
			name:  "every other week, valid_from mid-week keeps its week's phase",
			m:     data.Meeting{RRule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", Start: "10:00", TimeZone: ny, ValidFrom: "2026-01-07"},
			after: "2026-01-01 00:00",
			want:  []string{"2026-01-08 10:00 EST", "2026-01-19 10:00 EST", "2026-01-22 10:00 EST", "2026-02-02 10:00 EST"},
		},
		{
			name:  "monthly on the first Saturday",
			m:     data.Meeting{RRule: "FREQ=MONTHLY;BYDAY=1SA", Start: "11:00", TimeZone: ny},
			after: "2026-01-01 00:00",
			want:  []string{"2026-01-03 11:00 EST", "2026-02-07 11:00 EST", "2026-03-07 11:00 EST", "2026-04-04 11:00 EDT"},
		},
		{
			name:  "exception dates are skipped",
			m:     data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "19:00", TimeZone: ny, ExDates: []string{"2026-02-19", "2026-03-05"}},
			after: "2026-02-10 00:00",
			want:  []string{"2026-02-12 19:00 EST", "2026-02-26 19:00 EST", "2026-03-12 19:00 EDT"},
		},
		{
			name:  "valid_until is inclusive and ends the series",
			m:     data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "19:00", TimeZone: ny, ValidUntil: "2026-02-19"},
			after: "2026-02-10 00:00",
			want:  []string{"2026-02-12 19:00 EST", "2026-02-19 19:00 EST"},
		},
		{
			name:  "valid_from starts the series",
			m:     data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "19:00", TimeZone: ny, ValidFrom: "2026-03-01"},
			after: "2026-02-10 00:00",
			want:  []string{"2026-03-05 19:00 EST", "2026-03-12 19:00 EDT"},
		},
		{
			name:  "COUNT counts from valid_from",
			m:     data.Meeting{RRule: "FREQ=WEEKLY;COUNT=3;BYDAY=WE", Start: "12:00", TimeZone: ny, ValidFrom: "2026-01-01"},
			after: "2026-01-10 00:00",
			want:  []string{"2026-01-14 12:00 EST", "2026-01-21 12:00 EST"},
		},
		{
			name:  "US fall back: Sunday evening keeps its wall time",
			m:     data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=SU", Start: "19:00", TimeZone: ny},
			after: "2026-10-20 00:00",
			want:  []string{"2026-10-25 19:00 EDT", "2026-11-01 19:00 EST", "2026-11-08 19:00 EST"},
		},
		{
			name:  "US spring forward: Sunday morning keeps its wall time",
			m:     data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=SU", Start: "08:00", TimeZone: ny},
			after: "2026-03-01 09:00",
			want:  []string{"2026-03-08 08:00 EDT", "2026-03-15 08:00 EDT"},
		},
		{
			name:  "EU spring forward and fall back in London",
			m:     data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=SU", Start: "19:00", TimeZone: "Europe/London"},
			after: "2026-03-22 20:00",
			want:  []string{"2026-03-29 19:00 BST", "2026-04-05 19:00 BST"},
		},
		{
			name:  "EU fall back in Berlin",
			m:     data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=SU", Start: "19:00", TimeZone: "Europe/Berlin"},
			after: "2026-10-19 00:00",
			want:  []string{"2026-10-25 19:00 CET", "2026-11-01 19:00 CET"},
		},
		{
			name:  "meeting zone defaults to the group's",
			m:     data.Meeting{RRule: "FREQ=DAILY", Start: "07:15"},
			after: "2026-05-01 08:30",
			want:  []string{"2026-05-02 07:15 CDT", "2026-05-03 07:15 CDT"},
		},
		{
			name:  "yearly rule",
			m:     data.Meeting{RRule: "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24", Start: "18:00", TimeZone: ny},
			after: "2026-12-25 00:00",
			want:  []string{"2027-12-24 18:00 EST", "2028-12-24 18:00 EST"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustLoc(t, cmpOr(tc.m.TimeZone, "America/Chicago"))
			if err := Validate(&tc.m, "America/Chicago"); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			got, err := Next(&tc.m, at(t, loc, tc.after), len(tc.want), "America/Chicago")
			if err != nil {
				t.Fatal(err)
			}
			var gs []string
			for _, o := range got {
				gs = append(gs, o.Start.Format("2006-01-02 15:04 MST"))
				if o.Start.Location().String() != loc.String() {
					t.Errorf("start in %s, want the meeting's zone %s", o.Start.Location(), loc)
				}
				if o.Meeting != &tc.m {
					t.Errorf("occurrence does not point at its meeting")
				}
			}
			if !slices.Equal(gs, tc.want) {
				t.Errorf("got  %q\nwant %q", gs, tc.want)
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// The UTC instants move by an hour across the change, the wall time does not.
func TestDSTInstants(t *testing.T) {
	m := data.Meeting{RRule: "FREQ=MONTHLY;BYDAY=2TH,4TH", Start: "19:00", TimeZone: "America/New_York"}
	got, err := Next(&m, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), 4, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-02-13T00:00:00Z", "2026-02-27T00:00:00Z", "2026-03-12T23:00:00Z", "2026-03-26T23:00:00Z"}
	for i, o := range got {
		if s := o.Start.UTC().Format(time.RFC3339); s != want[i] {
			t.Errorf("occurrence %d = %s, want %s", i, s, want[i])
		}
	}
}

func TestFallBackDurationIsElapsedTime(t *testing.T) {
	// 01:00 EDT on 2026-11-01, 90 minutes: the clock goes back at 02:00, so
	// it ends at 01:30 EST, 90 real minutes later.
	m := data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=SU", Start: "00:30", Duration: 90, TimeZone: "America/New_York"}
	got, err := Next(&m, time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC), 1, "")
	if err != nil {
		t.Fatal(err)
	}
	o := got[0]
	if s, e := o.Start.Format("15:04 MST"), o.End.Format("15:04 MST"); s != "00:30 EDT" || e != "01:00 EST" {
		t.Errorf("got %s–%s, want 00:30 EDT–01:00 EST", s, e)
	}
	if d := o.End.Sub(o.Start); d != 90*time.Minute {
		t.Errorf("duration %v", d)
	}
}

func TestInProgressGrace(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	m := data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "19:00", Duration: 60, TimeZone: "America/New_York"}
	tests := []struct {
		now, want, describe string
	}{
		{"2026-02-12 18:59", "2026-02-12 19:00", "Thu 12 Feb, 7:00 pm EST"},
		{"2026-02-12 19:00", "2026-02-12 19:00", "in progress, just started"},
		{"2026-02-12 19:10", "2026-02-12 19:00", "in progress, started 10 minutes ago"},
		{"2026-02-12 19:59", "2026-02-12 19:00", "in progress, started 59 minutes ago"},
		{"2026-02-12 20:00", "2026-02-19 19:00", "Thu 19 Feb, 7:00 pm EST"},
	}
	for _, tc := range tests {
		now := at(t, ny, tc.now)
		got, err := Next(&m, now, 1, "")
		if err != nil {
			t.Fatal(err)
		}
		if s := got[0].Start.Format("2006-01-02 15:04"); s != tc.want {
			t.Errorf("at %s next = %s, want %s", tc.now, s, tc.want)
		}
		if d := got[0].Describe(now, ny, "en"); d != tc.describe {
			t.Errorf("at %s Describe = %q, want %q", tc.now, d, tc.describe)
		}
	}
	long := data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "19:00", Duration: 120, TimeZone: "America/New_York"}
	now := at(t, ny, "2026-02-12 20:05")
	got, _ := Next(&long, now, 1, "")
	if d := got[0].Describe(now, ny, "en"); d != "in progress, started 1 hour 5 minutes ago" {
		t.Errorf("Describe = %q", d)
	}
	if d := got[0].Describe(now, ny, "es"); d != "en curso, empezó hace 1 hora y 5 minutos" {
		t.Errorf("Describe es = %q", d)
	}
	now = at(t, ny, "2026-02-12 19:10")
	got, _ = Next(&m, now, 1, "")
	if d := got[0].Describe(now, ny, "es"); d != "en curso, empezó hace 10 minutos" {
		t.Errorf("Describe es = %q", d)
	}
}

func TestDescribeViewers(t *testing.T) {
	thu := data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "19:00", TimeZone: "America/New_York"}
	late := data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "19:30", Duration: 90, TimeZone: "America/New_York"}
	london := data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "19:00", TimeZone: "Europe/London"}
	now := time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		m      *data.Meeting
		now    time.Time
		viewer string
		lang   string
		want   string
	}{
		{"same zone", &thu, now, "America/New_York", "en", "Thu 12 Feb, 7:00 pm EST"},
		{"Los Angeles", &thu, now, "America/Los_Angeles", "en", "Thu 12 Feb, 7:00 pm EST (4:00 pm PST your time)"},
		{"London, next day", &thu, now, "Europe/London", "en", "Thu 12 Feb, 7:00 pm EST (Fri 13 Feb, 12:00 am GMT your time)"},
		{"Sydney, next day", &thu, now, "Australia/Sydney", "en", "Thu 12 Feb, 7:00 pm EST (Fri 13 Feb, 11:00 am AEDT your time)"},
		{"crosses midnight in London", &late, now, "Europe/London", "en", "Thu 12 Feb, 7:30 pm EST (Fri 13 Feb, 12:30 am GMT your time)"},
		{"Spanish, Madrid", &thu, now, "Europe/Madrid", "es", "jue 12 feb, 19:00 EST (vie 13 feb, 01:00 CET en tu hora)"},
		{"Spanish, Mexico City", &thu, now, "America/Mexico_City", "es-MX", "jue 12 feb, 19:00 EST (18:00 CST en tu hora)"},
		// Between the US (8 Mar) and EU (29 Mar) changes London is 4 hours
		// ahead of New York, not 5.
		{"London meeting seen from NY in the gap weeks", &london, time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), "America/New_York", "en", "Thu 12 Mar, 7:00 pm GMT (3:00 pm EDT your time)"},
		{"London meeting seen from NY after EU change", &london, time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC), "America/New_York", "en", "Thu 2 Apr, 7:00 pm BST (2:00 pm EDT your time)"},
		{"nil viewer", &thu, now, "", "en", "Thu 12 Feb, 7:00 pm EST"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var viewer *time.Location
			if tc.viewer != "" {
				viewer = mustLoc(t, tc.viewer)
			}
			got, err := Next(tc.m, tc.now, 1, "")
			if err != nil {
				t.Fatal(err)
			}
			if d := got[0].Describe(tc.now, viewer, tc.lang); d != tc.want {
				t.Errorf("got  %q\nwant %q", d, tc.want)
			}
		})
	}
}

func TestCrossesMidnightInProgress(t *testing.T) {
	// A Los Angeles meeting 23:30–00:30 is still in progress at 00:10 the
	// next day, and a viewer in New York sees it on Friday at 2:30 am.
	la := mustLoc(t, "America/Los_Angeles")
	m := data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "23:30", Duration: 60, TimeZone: "America/Los_Angeles"}
	now := at(t, la, "2026-02-13 00:10")
	got, err := Next(&m, now, 2, "")
	if err != nil {
		t.Fatal(err)
	}
	if s := got[0].Start.Format("Mon 2006-01-02 15:04"); s != "Thu 2026-02-12 23:30" {
		t.Errorf("first = %s, want the one in progress", s)
	}
	if e := got[0].End.Format("Mon 15:04"); e != "Fri 00:30" {
		t.Errorf("end = %s", e)
	}
	if d := got[0].Describe(now, mustLoc(t, "America/New_York"), "en"); d != "in progress, started 40 minutes ago" {
		t.Errorf("Describe = %q", d)
	}
	if d := got[1].Describe(now, mustLoc(t, "America/New_York"), "en"); d != "Thu 19 Feb, 11:30 pm PST (Fri 20 Feb, 2:30 am EST your time)" {
		t.Errorf("Describe = %q", d)
	}
}

func TestNextMeetingsMergesZones(t *testing.T) {
	g := &data.Group{ID: "g", TimeZone: "America/New_York", Meetings: []data.Meeting{
		{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "19:00"},                             // 00:00Z Fri
		{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "17:00", TimeZone: "America/Denver"}, // 00:00Z Fri too... one hour later: 19:00 EST = 17:00 MST
		{RRule: "FREQ=WEEKLY;BYDAY=FR", Start: "09:00", TimeZone: "Europe/London"},  // 09:00Z Fri
		{RRule: "FREQ=MONTHLY;BYDAY=1MO", Start: "12:00"},
	}}
	got, err := NextMeetings(g, time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC), 5)
	if err != nil {
		t.Fatal(err)
	}
	var gs []string
	for _, o := range got {
		gs = append(gs, o.Start.UTC().Format("Mon 01-02 15:04")+" "+o.Start.Location().String())
	}
	want := []string{
		"Fri 02-13 00:00 America/New_York",
		"Fri 02-13 00:00 America/Denver",
		"Fri 02-13 09:00 Europe/London",
		"Fri 02-20 00:00 America/New_York",
		"Fri 02-20 00:00 America/Denver",
	}
	if !slices.Equal(gs, want) {
		t.Errorf("got  %q\nwant %q", gs, want)
	}
	if got[1].Meeting != &g.Meetings[1] {
		t.Error("occurrence must point into the group's meetings")
	}

	// A bad meeting is reported, and the good ones still come back.
	g.Meetings = append(g.Meetings, data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=XX", Start: "10:00"})
	got, err = NextMeetings(g, time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC), 2)
	if !errors.Is(err, data.ErrSchedule) || !strings.Contains(err.Error(), "meetings[4]") || len(got) != 2 {
		t.Errorf("got %d occurrences, err %v", len(got), err)
	}
}

func TestValidate(t *testing.T) {
	ok := data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "19:00"}
	with := func(f func(m *data.Meeting)) data.Meeting { m := ok; f(&m); return m }
	tests := []struct {
		name    string
		m       data.Meeting
		groupTZ string
		field   string // "" = valid
	}{
		{"valid", ok, "America/New_York", ""},
		{"RRULE: prefix accepted", with(func(m *data.Meeting) { m.RRule = "RRULE:FREQ=WEEKLY;BYDAY=TH" }), "UTC", ""},
		{"lower case accepted", with(func(m *data.Meeting) { m.RRule = "freq=weekly;byday=th" }), "UTC", ""},
		{"no zone anywhere", ok, "", "timezone"},
		{"unknown zone", with(func(m *data.Meeting) { m.TimeZone = "Mars/Olympus" }), "UTC", "timezone"},
		{"Local is not a place", ok, "Local", "timezone"},
		{"start 25:00", with(func(m *data.Meeting) { m.Start = "25:00" }), "UTC", "start"},
		{"start 7pm", with(func(m *data.Meeting) { m.Start = "7pm" }), "UTC", "start"},
		{"start empty", with(func(m *data.Meeting) { m.Start = "" }), "UTC", "start"},
		{"negative duration", with(func(m *data.Meeting) { m.Duration = -5 }), "UTC", "duration_min"},
		{"empty rrule", with(func(m *data.Meeting) { m.RRule = "" }), "UTC", "rrule"},
		{"bad day", with(func(m *data.Meeting) { m.RRule = "FREQ=WEEKLY;BYDAY=XY" }), "UTC", "rrule"},
		{"no FREQ", with(func(m *data.Meeting) { m.RRule = "BYDAY=TH" }), "UTC", "rrule"},
		{"hourly", with(func(m *data.Meeting) { m.RRule = "FREQ=HOURLY" }), "UTC", "rrule"},
		{"BYHOUR", with(func(m *data.Meeting) { m.RRule = "FREQ=WEEKLY;BYDAY=TH;BYHOUR=19" }), "UTC", "rrule"},
		{"DTSTART inside", with(func(m *data.Meeting) { m.RRule = "DTSTART:20260101T190000\nRRULE:FREQ=WEEKLY" }), "UTC", "rrule"},
		{"out of bounds", with(func(m *data.Meeting) { m.RRule = "FREQ=MONTHLY;BYMONTHDAY=32" }), "UTC", "rrule"},
		{"never happens", with(func(m *data.Meeting) { m.RRule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30" }), "UTC", "rrule"},
		{"interval needs valid_from", with(func(m *data.Meeting) { m.RRule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH" }), "UTC", "valid_from"},
		{"monthly without day needs valid_from", with(func(m *data.Meeting) { m.RRule = "FREQ=MONTHLY" }), "UTC", "valid_from"},
		{"bad valid_from", with(func(m *data.Meeting) { m.ValidFrom = "2026-13-01" }), "UTC", "valid_from"},
		{"until before from", with(func(m *data.Meeting) { m.ValidFrom = "2026-03-01"; m.ValidUntil = "2026-02-01" }), "UTC", "valid_until"},
		{"bad exdate", with(func(m *data.Meeting) { m.ExDates = []string{"2026-02-12", "12/02/2026"} }), "UTC", "exdates[1]"},
		{"no meeting between the dates", with(func(m *data.Meeting) { m.ValidFrom = "2026-02-13"; m.ValidUntil = "2026-02-18" }), "UTC", "rrule"},
		// Issue 12: these reached rrule-go and panicked, or made it spin.
		{"valid_from in year 0", with(func(m *data.Meeting) { m.ValidFrom = "0000-01-01" }), "UTC", "valid_from"},
		{"valid_from in 1899", with(func(m *data.Meeting) { m.ValidFrom = "1899-12-31" }), "UTC", "valid_from"},
		{"valid_from in 1900", with(func(m *data.Meeting) { m.ValidFrom = "1900-01-01"; m.ValidUntil = "1900-12-31" }), "UTC", ""},
		{"valid_until in 2201", with(func(m *data.Meeting) { m.ValidUntil = "2201-01-01" }), "UTC", "valid_until"},
		{"valid_until in 2200", with(func(m *data.Meeting) { m.ValidFrom = "2200-01-01"; m.ValidUntil = "2200-12-31" }), "UTC", ""},
		{"exdate in year 0", with(func(m *data.Meeting) { m.ExDates = []string{"0000-02-12"} }), "UTC", "exdates[0]"},
		{"UNTIL in year 2", with(func(m *data.Meeting) { m.RRule = "FREQ=WEEKLY;BYDAY=TH;UNTIL=00020101T000000Z" }), "UTC", "rrule"},
		{"huge interval", with(func(m *data.Meeting) { m.RRule = "FREQ=DAILY;INTERVAL=100000000"; m.ValidFrom = "2026-01-01" }), "UTC", "rrule"},
		{"yearly interval 11", with(func(m *data.Meeting) { m.RRule = "FREQ=YEARLY;INTERVAL=11"; m.ValidFrom = "2026-01-01" }), "UTC", "rrule"},
		{"yearly interval 10", with(func(m *data.Meeting) { m.RRule = "FREQ=YEARLY;INTERVAL=10"; m.ValidFrom = "2026-01-01" }), "UTC", ""},
		{"huge count", with(func(m *data.Meeting) { m.RRule = "FREQ=WEEKLY;BYDAY=TH;COUNT=100000000"; m.ValidFrom = "2026-01-01" }), "UTC", "rrule"},
		{"negative count", with(func(m *data.Meeting) { m.RRule = "FREQ=WEEKLY;BYDAY=TH;COUNT=-3"; m.ValidFrom = "2026-01-01" }), "UTC", "rrule"},
		{"BYWEEKNO with MONTHLY", with(func(m *data.Meeting) { m.RRule = "FREQ=MONTHLY;BYWEEKNO=20;BYDAY=TH" }), "UTC", "rrule"},
		{"BYYEARDAY with WEEKLY", with(func(m *data.Meeting) { m.RRule = "FREQ=WEEKLY;BYYEARDAY=100" }), "UTC", "rrule"},
		{"BYMONTHDAY with WEEKLY", with(func(m *data.Meeting) { m.RRule = "FREQ=WEEKLY;BYMONTHDAY=3" }), "UTC", "rrule"},
		{"6th Thursday of a month", with(func(m *data.Meeting) { m.RRule = "FREQ=MONTHLY;BYDAY=6TH" }), "UTC", "rrule"},
		{"2nd Thursday of a week", with(func(m *data.Meeting) { m.RRule = "FREQ=WEEKLY;BYDAY=2TH" }), "UTC", "rrule"},
		{"20th Thursday of a year", with(func(m *data.Meeting) { m.RRule = "FREQ=YEARLY;BYDAY=20TH" }), "UTC", ""},
		{"BYEASTER far off", with(func(m *data.Meeting) { m.RRule = "FREQ=YEARLY;BYEASTER=100000" }), "UTC", "rrule"},
		{"rule too long", with(func(m *data.Meeting) { m.RRule = "FREQ=WEEKLY;BYDAY=TH" + strings.Repeat(",TH", 200) }), "UTC", "rrule"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(&tc.m, tc.groupTZ)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if !errors.Is(err, data.ErrSchedule) {
				t.Fatalf("err = %v, want ErrSchedule", err)
			}
			var se *data.ScheduleError
			if !errors.As(err, &se) || se.Field != tc.field || se.Expected == "" {
				t.Fatalf("err = %#v, want field %s", err, tc.field)
			}
			if !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), "expected") {
				t.Errorf("message %q should name the field and what was expected", err)
			}
			if _, err := Next(&tc.m, time.Now(), 1, tc.groupTZ); err == nil && tc.field != "rrule" {
				t.Errorf("Next accepted an invalid meeting")
			}
		})
	}
}

func TestWeeklyMeeting(t *testing.T) {
	m := WeeklyMeeting(time.Thursday, "19:30", 90, "America/Chicago")
	if m.RRule != "FREQ=WEEKLY;BYDAY=TH" || m.Start != "19:30" || m.Duration != 90 || m.TimeZone != "America/Chicago" {
		t.Fatalf("%+v", m)
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		m := WeeklyMeeting(d, "08:00", 60, "UTC")
		occ, err := Next(&m, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 1, "")
		if err != nil || occ[0].Start.Weekday() != d {
			t.Errorf("day %v: %v %v", d, occ, err)
		}
	}
}

func TestDaysAndStartMinutes(t *testing.T) {
	g := &data.Group{Meetings: []data.Meeting{
		{RRule: "FREQ=WEEKLY;BYDAY=MO,FR", Start: "19:30"},
		{RRule: "FREQ=MONTHLY;BYDAY=2TH,-1TH", Start: "07:15"},
		{RRule: "FREQ=MONTHLY;BYMONTHDAY=15", Start: "19:30"},
		{RRule: "FREQ=WEEKLY;INTERVAL=2", Start: "12:00", ValidFrom: "2026-01-03"}, // a Saturday
	}}
	if d := Days(g); !slices.Equal(d, []time.Weekday{time.Monday, time.Thursday, time.Friday, time.Saturday}) {
		t.Errorf("Days = %v", d)
	}
	if m := StartMinutes(g); !slices.Equal(m, []int{7*60 + 15, 12 * 60, 19*60 + 30}) {
		t.Errorf("StartMinutes = %v", m)
	}
	daily := &data.Group{Meetings: []data.Meeting{{RRule: "FREQ=DAILY", Start: "07:00"}}}
	if d := Days(daily); len(d) != 7 {
		t.Errorf("daily Days = %v", d)
	}
	if d := Days((&data.Group{})); d != nil {
		t.Errorf("no meetings: %v", d)
	}
}

func TestParseWhen(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	now := at(t, ny, "2026-02-11 15:00") // a Wednesday
	day := func(s string) time.Time { return at(t, ny, s+" 00:00") }
	wd := func(d ...time.Weekday) []time.Weekday { return d }
	tests := []struct {
		text string
		want When
		ok   bool
	}{
		{"anything on Sunday?", When{Days: wd(time.Sunday)}, true},
		{"hay algo el domingo?", When{Days: wd(time.Sunday)}, true},
		{"Tuesdays or Thursdays", When{Days: wd(time.Tuesday, time.Thursday)}, true},
		{"el miércoles o el sábado", When{Days: wd(time.Wednesday, time.Saturday)}, true},
		{"tonight", When{After: 17 * 60, From: day("2026-02-11"), To: day("2026-02-12")}, true},
		{"algo esta noche", When{After: 17 * 60, From: day("2026-02-11"), To: day("2026-02-12")}, true},
		{"this weekend", When{Days: wd(time.Saturday, time.Sunday), From: day("2026-02-14"), To: day("2026-02-16")}, true},
		{"este fin de semana", When{Days: wd(time.Saturday, time.Sunday), From: day("2026-02-14"), To: day("2026-02-16")}, true},
		{"weekends", When{Days: wd(time.Saturday, time.Sunday)}, true},
		{"after 6 pm", When{After: 18 * 60}, true},
		{"after 6pm please", When{After: 18 * 60}, true},
		{"after 6:30 p.m.", When{After: 18*60 + 30}, true},
		{"after 18:00", When{After: 18 * 60}, true},
		{"after 6", When{After: 18 * 60}, true},
		{"después de las 6", When{After: 18 * 60}, true},
		{"después de las 7 de la tarde", When{After: 19 * 60}, true},
		{"a partir de las 20:30", When{After: 20*60 + 30}, true},
		{"before 10 am", When{Before: 10 * 60}, true},
		{"antes de las 9 de la mañana", When{Before: 9 * 60}, true},
		{"evenings", When{After: 17 * 60}, true},
		{"por las noches", When{After: 17 * 60}, true},
		{"mornings", When{Before: 12 * 60}, true},
		{"por la mañana", When{Before: 12 * 60}, true},
		{"mañana", When{From: day("2026-02-12"), To: day("2026-02-13")}, true},
		{"mañana por la mañana", When{Before: 12 * 60, From: day("2026-02-12"), To: day("2026-02-13")}, true},
		{"tomorrow evening", When{After: 17 * 60, From: day("2026-02-12"), To: day("2026-02-13")}, true},
		{"Sunday evenings after 7pm", When{Days: wd(time.Sunday), After: 19 * 60}, true},
		{"weekday afternoons", When{Days: wd(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday), After: 12 * 60, Before: 17 * 60}, true},
		{"I lost my husband last year", When{}, false},
		{"grief group online", When{}, false},
	}
	for _, tc := range tests {
		got, ok := ParseWhen(tc.text, now, ny)
		if ok != tc.ok || !slices.Equal(got.Days, tc.want.Days) || got.After != tc.want.After || got.Before != tc.want.Before ||
			!got.From.Equal(tc.want.From) || !got.To.Equal(tc.want.To) {
			t.Errorf("ParseWhen(%q) = %+v, %v\nwant %+v, %v", tc.text, got, ok, tc.want, tc.ok)
		}
	}
	// On a Sunday, "this weekend" is just today.
	sun := at(t, ny, "2026-02-15 10:00")
	got, _ := ParseWhen("this weekend", sun, ny)
	if !got.From.Equal(day("2026-02-15")) || !got.To.Equal(day("2026-02-16")) {
		t.Errorf("Sunday this weekend = %v..%v", got.From, got.To)
	}
}

func TestWhenMatch(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	la := mustLoc(t, "America/Los_Angeles")
	w, _ := ParseWhen("after 6 pm on thursday", time.Now(), ny)
	thu7pm := at(t, ny, "2026-02-12 19:00")
	if !w.Match(thu7pm, ny) {
		t.Error("7 pm Thursday should match after 6 pm Thursday")
	}
	// Seen from Los Angeles it is 4 pm: too early for "after 6 pm".
	if w.Match(thu7pm, la) {
		t.Error("4 pm in LA should not match after 6 pm")
	}
	late := at(t, la, "2026-02-12 22:00") // Friday 1 am in New York
	if w.Match(late, ny) || !w.Match(late, la) {
		t.Error("the weekday is judged in the viewer's zone")
	}
}
