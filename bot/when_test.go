package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/schedule"
)

// TestDescribeViewers: the meeting's own time, and the viewer's when their
// zone differs, in English and Spanish as the schedule code said them
// before it moved here (cases from data/schedule's tests).
func TestDescribeViewers(t *testing.T) {
	cs, err := loadCatalogs("")
	if err != nil {
		t.Fatal(err)
	}
	thu := data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "19:00", TimeZone: "America/New_York"}
	late := data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "19:30", Duration: 90, TimeZone: "America/New_York"}
	london := data.Meeting{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "19:00", TimeZone: "Europe/London"}
	now := time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name         string
		m            *data.Meeting
		now          time.Time
		viewer, lang string
		want         string
	}{
		{"same zone", &thu, now, "America/New_York", "en", "Thu 12 Feb, 7:00 pm EST"},
		{"Los Angeles", &thu, now, "America/Los_Angeles", "en", "Thu 12 Feb, 7:00 pm EST (4:00 pm PST your time)"},
		{"London, next day", &thu, now, "Europe/London", "en", "Thu 12 Feb, 7:00 pm EST (Fri 13 Feb, 12:00 am GMT your time)"},
		{"Sydney, next day", &thu, now, "Australia/Sydney", "en", "Thu 12 Feb, 7:00 pm EST (Fri 13 Feb, 11:00 am AEDT your time)"},
		{"crosses midnight in London", &late, now, "Europe/London", "en", "Thu 12 Feb, 7:30 pm EST (Fri 13 Feb, 12:30 am GMT your time)"},
		{"Spanish, Madrid", &thu, now, "Europe/Madrid", "es", "jue 12 feb, 19:00 EST (vie 13 feb, 01:00 CET en tu hora)"},
		{"Spanish, Mexico City", &thu, now, "America/Mexico_City", "es-MX", "jue 12 feb, 19:00 EST (18:00 CST en tu hora)"},
		{"French, Montreal", &thu, now, "America/Toronto", "fr-CA", "jeu. 12 févr., 19 h 00 EST"},
		// Between the US (8 Mar) and EU (29 Mar) changes London is 4 hours
		// ahead of New York, not 5.
		{"London from NY in the gap weeks", &london, time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), "America/New_York", "en", "Thu 12 Mar, 7:00 pm GMT (3:00 pm EDT your time)"},
		{"London from NY after the EU change", &london, time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC), "America/New_York", "en", "Thu 2 Apr, 7:00 pm BST (2:00 pm EDT your time)"},
		{"nil viewer", &thu, now, "", "en", "Thu 12 Feb, 7:00 pm EST"},
	} {
		var viewer *time.Location
		if tc.viewer != "" {
			if viewer, err = time.LoadLocation(tc.viewer); err != nil {
				t.Fatal(err)
			}
		}
		occ, err := schedule.Next(tc.m, tc.now, 1, "")
		if err != nil || len(occ) == 0 {
			t.Fatalf("%s: Next = %v, %v", tc.name, occ, err)
		}
		if got := cs.decide("", "", tc.lang).describe(occ[0], tc.now, viewer); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// TestDescribeInProgress: a meeting that has started says so, with the
// language's plural forms and joining word.
func TestDescribeInProgress(t *testing.T) {
	cs, err := loadCatalogs("")
	if err != nil {
		t.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 2, 12, 19, 0, 0, 0, ny)
	o := schedule.Occurrence{Start: start, End: start.Add(2 * time.Hour)}
	for _, tc := range []struct {
		lang  string
		after time.Duration
		want  string
	}{
		{"en", 0, "in progress, just started"},
		{"en", 10 * time.Minute, "in progress, started 10 minutes ago"},
		{"en", 59 * time.Minute, "in progress, started 59 minutes ago"},
		{"en", 65 * time.Minute, "in progress, started 1 hour 5 minutes ago"},
		{"es", 65 * time.Minute, "en curso, empezó hace 1 hora y 5 minutos"},
		{"es", 10 * time.Minute, "en curso, empezó hace 10 minutos"},
		{"fr", 0, "en cours, vient de commencer"},
	} {
		if got := cs.byLang[tc.lang].describe(o, start.Add(tc.after), ny); got != tc.want {
			t.Errorf("%s after %v: %q, want %q", tc.lang, tc.after, got, tc.want)
		}
	}
}

// TestDescribeFrench: French day and month names, the 24-hour "19 h 00"
// clock and French plural forms (1 heure, 2 heures).
func TestDescribeFrench(t *testing.T) {
	cs, err := loadCatalogs("")
	if err != nil {
		t.Fatal(err)
	}
	fr := cs.byLang["fr"]
	mtl, err := time.LoadLocation("America/Toronto")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 2, 12, 19, 0, 0, 0, mtl)
	o := schedule.Occurrence{Start: start, End: start.Add(2 * time.Hour)}
	if got, want := fr.describe(o, start.Add(-48*time.Hour), nil), "jeu. 12 févr., 19 h 00 EST"; got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
	for d, want := range map[time.Duration]string{
		65 * time.Minute:  "il y a 1 heure et 5 minutes",
		61 * time.Minute:  "il y a 1 heure et 1 minute",
		119 * time.Minute: "il y a 1 heure et 59 minutes",
	} {
		if got := fr.describe(o, start.Add(d), nil); !strings.HasSuffix(got, want) {
			t.Errorf("after %v: %q, want …%q", d, got, want)
		}
	}
	o.End = start.Add(3 * time.Hour)
	if got := fr.describe(o, start.Add(2*time.Hour), nil); !strings.HasSuffix(got, "il y a 2 heures") {
		t.Errorf("after 2h: %q", got)
	}
}
