package importer

import (
	"errors"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/data"
)

// The inputs of issue 12 that panicked: each must now be one record's
// error (or the source's), with the file, line and field named.

const nativeYear0 = `{"groups": [
{"id": "ok", "name": "Good", "kind": "group", "topics": ["grief"], "format": "online", "online": {"url": "https://meet.example/x"},
 "timezone": "America/Chicago", "meetings": [{"rrule": "FREQ=WEEKLY;BYDAY=TH", "start": "19:00"}],
 "source": "https://example.org", "last_verified": "2026-01-01"},
{"id": "year0", "name": "Bad", "kind": "group", "topics": ["grief"], "format": "online", "online": {"url": "https://meet.example/x"},
 "timezone": "America/Chicago", "meetings": [{"rrule": "FREQ=WEEKLY;BYDAY=TH", "start": "19:00", "valid_from": "0000-01-01"}],
 "source": "https://example.org", "last_verified": "2026-01-01"}
]}`

func TestYear0ValidFromIsARecordError(t *testing.T) {
	gs, ps, err := ImportReader(vocab(t), "dir.json", strings.NewReader(nativeYear0), ImportOptions{Format: SourceNative})
	if err != nil {
		t.Fatal(err)
	}
	var re *data.RecordError
	if len(gs) != 1 || gs[0].ID != "ok" || len(ps) != 1 || !errors.As(ps[0], &re) ||
		re.Record != 2 || re.ID != "year0" || re.Field != "meetings[0].valid_from" || !strings.Contains(re.Reason, "1900") {
		t.Fatalf("groups %d, problems %v; want the good one kept and record 2 meetings[0].valid_from rejected", len(gs), ps)
	}

	const csvYear0 = "id,name,topics,format,online_url,timezone,rrule,time,valid_from,source,last_verified\n" +
		"ok,Good,grief,online,https://meet.example/x,America/Chicago,FREQ=WEEKLY;BYDAY=TH,19:00,,https://example.org,2026-01-01\n" +
		"year0,Bad,grief,online,https://meet.example/x,America/Chicago,FREQ=MONTHLY;BYDAY=1TH,19:00,0000-01-01,https://example.org,2026-01-01\n"
	gs, ps, err = ImportReader(vocab(t), "sheet.csv", strings.NewReader(csvYear0), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 1 || len(ps) != 1 || !errors.As(ps[0], &re) || re.Line != 3 || re.Field != "meetings[0].valid_from" {
		t.Fatalf("groups %d, problems %v; want sheet.csv:3 meetings[0].valid_from", len(gs), ps)
	}
}

func TestCSVUnterminatedQuoteIsAnError(t *testing.T) {
	for _, in := range []string{
		"id,name,topics,format\n\"0000",
		"id,name,topics,format\nok,Good,grief,online\n\"x,y\n",
		"\"id,name,topics,format\n",
	} {
		_, _, err := ImportReader(vocab(t), "sheet.csv", strings.NewReader(in), ImportOptions{Format: SourceCSV})
		var re *data.RecordError
		if !errors.As(err, &re) || re.Source != "sheet.csv" || re.Line < 1 || !strings.Contains(re.Reason, "malformed CSV") {
			t.Errorf("%q: err %v, want a malformed-CSV error naming sheet.csv and the line", in, err)
		}
	}
}

func TestGuardRecordTurnsAPanicIntoTheRecordsError(t *testing.T) {
	ps := guardRecord("feed.json", 7, 42, func() []error {
		var m map[string]int
		m["x"] = 1 // a nil-map write: a panic like one inside a parser
		return nil
	})
	var re *data.RecordError
	if len(ps) != 1 || !errors.As(ps[0], &re) || re.Source != "feed.json" || re.Record != 7 || re.Line != 42 || !errors.Is(ps[0], data.ErrInvalid) {
		t.Fatalf("problems %v, want feed.json:42 record 7", ps)
	}
	want := []error{errors.New("a")}
	if got := guardRecord("f", 1, 1, func() []error { return want }); len(got) != 1 || got[0] != want[0] {
		t.Errorf("without a panic the record's own problems pass through, got %v", got)
	}
}
