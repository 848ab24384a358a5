package importer

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/place"
)

// testGazetteer is shared by the tests: building it takes a second (more
// under -race).
var testGazetteer = sync.OnceValue(place.DefaultGazetteer)

func findProblem(problems []error, field, reason string) bool {
	for _, p := range problems {
		var re *data.RecordError
		if errors.As(p, &re) && re.Field == field && strings.Contains(re.Reason, reason) {
			return true
		}
	}
	return false
}

func TestHSDSJSONOrganization(t *testing.T) {
	gs, ps, err := Import(vocab(t), "testdata/import/hsds-services.json", ImportOptions{TimeZone: "America/Chicago"})
	if err != nil || len(ps) != 0 {
		t.Fatalf("err %v problems %v", err, ps)
	}
	if len(gs) != 2 {
		t.Fatalf("%d groups, want 2", len(gs))
	}
	c := gs[0]
	if c.ID != "grief-circle" || c.Format != data.FormatInPerson || c.Organization != "Example Grief Network" ||
		!slices.Equal(c.Topics, []string{"grief"}) || !slices.Equal(c.Languages, []string{"en", "es"}) ||
		c.Location.City != "Austin" || c.Location.Point == nil || c.LastVerified != "2026-10-01" || c.Source != "https://grief-network.example/circle" {
		t.Errorf("circle mapped wrong: %+v", c)
	}
	if len(c.Meetings) != 2 || c.Meetings[0].RRule != "FREQ=WEEKLY;BYDAY=TH" || c.Meetings[0].Start != "19:00" || c.Meetings[0].Duration != 90 ||
		c.Meetings[1].RRule != "FREQ=MONTHLY;BYDAY=1SA" || c.Meetings[1].ValidFrom != "2026-01-03" {
		t.Errorf("circle meetings: %+v", c.Meetings)
	}
	o := gs[1]
	if o.Format != data.FormatOnline || o.Online.URL != "https://meet.example/grief" || !slices.Equal(o.Audiences, []string{"seniors"}) ||
		o.Meetings[0].RRule != "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU" || o.LastVerified != "2026-09-15" {
		t.Errorf("online group mapped wrong: %+v", o)
	}
	// Without a zone, meetings cannot be placed in time: each service says so.
	_, ps, _ = Import(vocab(t), "testdata/import/hsds-services.json", ImportOptions{})
	if !findProblem(ps, "service_at_locations[0].schedules[0].timezone", "--timezone") {
		t.Errorf("no time zone: problems %v", ps)
	}
	// With the gazetteer, the postal code gives the zone.
	gs, ps, _ = Import(vocab(t), "testdata/import/hsds-services.json", ImportOptions{Gazetteer: testGazetteer()})
	if len(gs) != 1 || gs[0].TimeZone != "America/Chicago" || !findProblem(ps, "service_at_locations[0].schedules[0].timezone", "") {
		t.Errorf("gazetteer zone: %d groups %v", len(gs), ps)
	}
}

func TestHSDSTables(t *testing.T) {
	gs, ps, err := Import(vocab(t), "testdata/import/hsds-tables", ImportOptions{Gazetteer: testGazetteer()})
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 1 || gs[0].ID != "svc-grief" || len(gs[0].Meetings) != 2 || gs[0].TimeZone != "America/Chicago" || gs[0].Meetings[0].Start != "19:00" {
		t.Fatalf("groups %+v", gs)
	}
	want := []struct {
		line          int
		field, reason string
		warning       bool
	}{
		{3, "service_at_locations[0].schedules[0].opens_at", `got "25:00"`, false},
		{4, "status", "defunct", true},
		{5, "topics", "--topic", false},
	}
	if len(ps) != len(want) {
		t.Fatalf("problems %v", ps)
	}
	for i, w := range want {
		var re *data.RecordError
		if !errors.As(ps[i], &re) || re.Line != w.line || re.Field != w.field || !strings.Contains(re.Reason, w.reason) ||
			IsWarning(ps[i]) != w.warning || !strings.HasSuffix(re.Source, "services.csv") {
			t.Errorf("problem %d = %v, want services.csv:%d field %s %q", i, ps[i], w.line, w.field, w.reason)
		}
	}
	// --topic fills the topic-less service.
	gs, _, _ = Import(vocab(t), "testdata/import/hsds-tables", ImportOptions{Gazetteer: testGazetteer(), Topics: []string{"caregivers"}})
	if len(gs) != 2 {
		t.Errorf("with --topic: %d groups, want 2", len(gs))
	}
}

func TestHSDSTablesMissingColumn(t *testing.T) {
	dir := t.TempDir()
	src := "testdata/import/hsds-tables"
	entries, _ := os.ReadDir(src)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(src, e.Name()))
		if e.Name() == "schedules.csv" {
			b = []byte(strings.Replace(string(b), ",freq,", ",frequency,", 1))
		}
		os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644)
	}
	_, _, err := Import(vocab(t), dir, ImportOptions{})
	var re *data.RecordError
	if !errors.As(err, &re) || re.Field != "freq" || !strings.Contains(re.Reason, "missing column freq") || !strings.HasSuffix(re.Source, "schedules.csv") {
		t.Errorf("err = %v, want schedules.csv missing column freq", err)
	}
}

// The specification's own examples are placeholders (latitude 100,
// longitude 101, "timezone": 3): they must be reported, not crash.
func TestHSDSSpecExamples(t *testing.T) {
	for _, f := range []string{"service_full.json", "organization_full.json"} {
		gs, ps, err := Import(vocab(t), filepath.Join("testdata/import/hsds-example", f), ImportOptions{Topics: []string{"anxiety"}, TimeZone: "Europe/London"})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(gs) != 0 || !findProblem(ps, "service_at_locations[0].location.latitude", "between -90 and 90, got 100") {
			t.Errorf("%s: %d groups, problems %v", f, len(gs), ps)
		}
	}
}
