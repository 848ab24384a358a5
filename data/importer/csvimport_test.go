package importer

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/data"
)

func TestCSVImport(t *testing.T) {
	gs, ps, err := Import(vocab(t), "testdata/import/groups.csv", ImportOptions{})
	if err != nil || len(ps) != 0 {
		t.Fatalf("err %v problems %v", err, ps)
	}
	if len(gs) != 2 {
		t.Fatalf("%d groups, want 2", len(gs))
	}
	oak := gs[0]
	if len(oak.Meetings) != 2 || oak.Meetings[0].RRule != "FREQ=WEEKLY;BYDAY=TH" || oak.Meetings[0].Start != "19:00" || oak.Meetings[0].Duration != 90 ||
		oak.Meetings[1].RRule != "FREQ=MONTHLY;BYDAY=1SA" || oak.Location.Point == nil || oak.Cost != "free" {
		t.Errorf("oak-grief: %+v", oak)
	}
	on := gs[1]
	if !slices.Equal(on.Topics, []string{"caregivers", "dementia"}) || !slices.Equal(on.Languages, []string{"en", "es"}) ||
		on.Meetings[0].RRule != "FREQ=WEEKLY;BYDAY=MO,WE" || on.Online.URL != "https://meet.example/care" {
		t.Errorf("online-caregivers: %+v", on)
	}
}

func TestCSVBadRows(t *testing.T) {
	const header = "id,name,topics,format,latitude,longitude,online_url,timezone,day,time,source,last_verified\n"
	const goodRow = "ok-%d,Good,grief,online,,,https://meet.example/x,America/Chicago,Monday,19:00,https://example.org,2026-01-01\n"
	cases := []struct{ name, row, field, reason string }{
		{"missing name", "x,,grief,online,,,https://meet.example/x,America/Chicago,Monday,19:00,https://example.org,2026-01-01", "name", "expected a name"},
		{"unknown topic", "x,X,griefs,online,,,https://meet.example/x,America/Chicago,Monday,19:00,https://example.org,2026-01-01", "topics", `unknown topic "griefs"`},
		{"bad day", "x,X,grief,online,,,https://meet.example/x,America/Chicago,Someday,19:00,https://example.org,2026-01-01", "day", `got "Someday"`},
		{"time 25:00", "x,X,grief,online,,,https://meet.example/x,America/Chicago,Monday,25:00,https://example.org,2026-01-01", "time", `got "25:00"`},
		{"latitude 200", "x,X,grief,in_person,200,10,,America/Chicago,Monday,19:00,https://example.org,2026-01-01", "location.point.lat", "got 200"},
		{"unknown zone", "x,X,grief,online,,,https://meet.example/x,Mars/Base,Monday,19:00,https://example.org,2026-01-01", "timezone", `got "Mars/Base"`},
		{"short row", "x,X,grief", "", "expected 12 fields"},
		{"bad format", "x,X,grief,zoom,,,https://meet.example/x,America/Chicago,Monday,19:00,https://example.org,2026-01-01", "format", `got "zoom"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := header + strings.ReplaceAll(goodRow, "%d", "1") + c.row + "\n" + strings.ReplaceAll(goodRow, "%d", "2")
			gs, ps, err := ImportReader(vocab(t), "sheet.csv", strings.NewReader(in), ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(gs) != 2 {
				t.Errorf("%d good groups, want 2 (%v)", len(gs), ps)
			}
			var re *data.RecordError
			if len(ps) == 0 || !errors.As(ps[0], &re) || re.Line != 3 || re.Record != 2 || re.Field != c.field || !strings.Contains(re.Reason, c.reason) {
				t.Errorf("problems %v, want sheet.csv:3 record 2 field %q %q", ps, c.field, c.reason)
			}
		})
	}
}

func TestCSVMissingColumnAndEmpty(t *testing.T) {
	_, _, err := ImportReader(vocab(t), "sheet.csv", strings.NewReader("id,name,format\nx,X,online\n"), ImportOptions{})
	var re *data.RecordError
	if !errors.As(err, &re) || re.Field != "topics" || !strings.Contains(re.Reason, "missing column topics") {
		t.Errorf("missing column: %v", err)
	}
	_, _, err = ImportReader(vocab(t), "sheet.csv", strings.NewReader(""), ImportOptions{})
	if !errors.As(err, &re) || !strings.Contains(re.Reason, "empty file") {
		t.Errorf("empty CSV: %v", err)
	}
	_, ps, _ := ImportReader(vocab(t), "sheet.csv", strings.NewReader("id,name,topics,format,colour\n"), ImportOptions{})
	if len(ps) != 1 || !IsWarning(ps[0]) || !strings.Contains(ps[0].Error(), "unknown column") {
		t.Errorf("unknown column: %v", ps)
	}
}

// TestTSMLTemplateMatchesSampleFeed reads the 12 Step Meeting List CSV
// import template, which lists the same 36 meetings as the spec's sample
// feed: every row imports, and each meeting is what the feed says.
func TestTSMLTemplateMatchesSampleFeed(t *testing.T) {
	v := vocab(t)
	opts := ImportOptions{Gazetteer: testGazetteer()}
	csvGroups, ps, err := Import(v, "testdata/import/tsml-import-template.csv", opts)
	if err != nil || len(ps) != 0 {
		t.Fatalf("template: err %v, problems %v", err, ps)
	}
	feedGroups, _, err := Import(v, sampleFeed, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(csvGroups) != 36 || len(feedGroups) != 36 {
		t.Fatalf("%d meetings from the template, %d from the feed; want 36 each", len(csvGroups), len(feedGroups))
	}
	byID := map[string]*data.Group{}
	for _, g := range feedGroups {
		byID[g.ID] = g
	}
	for _, c := range csvGroups {
		f := byID[c.ID]
		if f == nil {
			t.Errorf("%s: not in the feed", c.ID)
			continue
		}
		if c.Name != f.Name || c.Format != f.Format || !slices.Equal(c.Types, f.Types) || !reflect.DeepEqual(c.Meetings, f.Meetings) ||
			c.TimeZone != f.TimeZone || c.Online != f.Online || *c.Location.Point != *f.Location.Point || c.Location.Address != f.Location.Address {
			t.Errorf("%s differs:\ncsv  %+v %v %+v\nfeed %+v %v %+v", c.ID, c, c.Types, c.Meetings, f, f.Types, f.Meetings)
		}
	}
}

func TestTSMLRowErrors(t *testing.T) {
	v := vocab(t)
	in := "Time,Day,Name,Address,Types,Timezone,Conference URL,Updated\n" +
		"7:00 PM,Monday,Good,\"1 Main St, Springfield, MA 01103, USA\",\"Open, Wheelchair Access\",America/New_York,,2025-01-01\n" +
		"7:00 PM,Funday,Bad Day,\"1 Main St, Springfield, MA 01103, USA\",Open,America/New_York,,2025-01-01\n" +
		"7:00 PM,Tuesday,Nowhere,\"Springfield, MA, USA\",Open,America/New_York,,2025-01-01\n" +
		"7:00 PM,Tuesday,Zoom,\"Springfield, MA, USA\",\"Open, Online Meeting, Mystery\",America/New_York,https://zoom.us/j/1,2025-01-01\n"
	gs, ps, err := ImportReader(v, "tsml.csv", strings.NewReader(in), ImportOptions{Gazetteer: testGazetteer()})
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 2 || gs[1].Format != data.FormatOnline || !slices.Equal(gs[0].Types, []string{"O", "X"}) {
		t.Fatalf("kept %d: %+v", len(gs), gs)
	}
	want := []struct {
		rec     int
		field   string
		reason  string
		warning bool
	}{
		{2, "day", `got "Funday"`, false},
		{3, "formatted_address", "approximate location", false},
		{4, "types", `unknown type code "Mystery"`, true},
	}
	if len(ps) != len(want) {
		t.Fatalf("problems %v, want %d", ps, len(want))
	}
	for i, w := range want {
		var re *data.RecordError
		if !errors.As(ps[i], &re) || re.Record != w.rec || re.Line != w.rec+1 || re.Field != w.field || !strings.Contains(re.Reason, w.reason) || IsWarning(ps[i]) != w.warning {
			t.Errorf("problem %d: %v, want record %d field %s %q", i, ps[i], w.rec, w.field, w.reason)
		}
	}
}
