package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data/schedule"
)

// TestDescribeSameAsScheduleCode: for English and Spanish the catalog
// renderer says exactly what the schedule code's Describe said, over a
// spread of times, zones and meetings in progress (no behaviour change).
func TestDescribeSameAsScheduleCode(t *testing.T) {
	cs, err := loadCatalogs("")
	if err != nil {
		t.Fatal(err)
	}
	zones := []string{"America/New_York", "America/Los_Angeles", "Europe/Madrid", "Asia/Kolkata", "UTC"}
	var locs []*time.Location
	for _, z := range zones {
		l, err := time.LoadLocation(z)
		if err != nil {
			t.Fatal(err)
		}
		locs = append(locs, l)
	}
	base := time.Date(2026, 2, 12, 19, 0, 0, 0, locs[0])
	n := 0
	for _, lang := range []string{"en", "es"} {
		c := cs.byLang[lang]
		for i := 0; i < 200; i++ {
			start := base.Add(time.Duration(i*97) * time.Minute).In(locs[i%len(locs)])
			o := schedule.Occurrence{Start: start, End: start.Add(90 * time.Minute)}
			for _, now := range []time.Time{start.Add(-26 * time.Hour), start, start.Add(time.Duration(i%89) * time.Minute)} {
				for _, viewer := range append([]*time.Location{nil}, locs...) {
					want := o.Describe(now, viewer, lang)
					if got := c.describe(o, now, viewer); got != want {
						t.Fatalf("%s at %v, now %v, viewer %v: got %q, want %q", lang, start, now, viewer, got, want)
					}
					n++
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d cases compared", n)
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
