package schedule_test

// An external test, so that it can load the embedded directory with the
// importer (which imports schedule).

import (
	"testing"
	"time"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/importer"
	"github.com/peermatch/peermatch/data/schedule"
)

// Every meeting in the embedded directory passes the full schedule check
// and has a next meeting.
func TestDefaultDirectorySchedules(t *testing.T) {
	v, err := data.DefaultVocabulary()
	if err != nil {
		t.Fatal(err)
	}
	d, err := importer.DefaultDirectory(v)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range d.Groups {
		for i := range g.Meetings {
			n++
			if err := schedule.Validate(&g.Meetings[i], g.TimeZone); err != nil {
				t.Errorf("%s meetings[%d]: %v", g.ID, i, err)
			}
		}
		if len(g.Meetings) > 0 {
			if occ, err := schedule.NextMeetings(g, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), 1); err != nil || len(occ) != 1 {
				t.Errorf("%s: next meeting %v, %v", g.ID, occ, err)
			}
		}
	}
	t.Logf("%d meetings in %d groups checked", n, len(d.Groups))
}
