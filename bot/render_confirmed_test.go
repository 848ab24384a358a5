package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data"
)

// TestTimesLastConfirmed: a schedule taken from a page more than a year old
// is shown with the month and year the times were last confirmed, in the
// person's language; fresh, undated or schedule-less listings say nothing.
func TestTimesLastConfirmed(t *testing.T) {
	cs, err := loadCatalogs("en")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	meets := []data.Meeting{{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "19:00"}}
	for _, c := range []struct {
		name, lang, sourceDate string
		meetings               []data.Meeting
		want                   string // "" = no line
	}{
		{"old, English", "en", "2022-01-07", meets, "Times last confirmed January 2022"},
		{"old, Spanish", "es", "2022-01-07", meets, "Horarios confirmados por última vez en enero de 2022"},
		{"month only", "en", "2025-03", meets, "Times last confirmed March 2025"},
		{"year only", "en", "2024", meets, "Times last confirmed 2024;"},
		{"exactly a year", "en", "2025-12-04", meets, ""},
		{"a year and a day", "en", "2025-12-03", meets, "Times last confirmed December 2025"},
		{"month not yet a year past its end", "en", "2025-12", meets, ""},
		{"this year, year only", "en", "2026", meets, ""},
		{"recent", "en", "2026-10-01", meets, ""},
		{"undated", "en", "", meets, ""},
		{"no schedule", "en", "2019-05-01", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := &data.Group{ID: "x", Name: "X", SourceDate: c.sourceDate, Meetings: c.meetings}
			got := cs.byLang[c.lang].timesConfirmed(g, now)
			if c.want == "" && got != "" {
				t.Errorf("got %q, want no line", got)
			}
			if c.want != "" && !strings.HasPrefix(got, c.want) {
				t.Errorf("got %q, want it to start with %q", got, c.want)
			}
		})
	}
}
