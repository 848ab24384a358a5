package importer

import (
	"errors"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/data"
)

func vocab(t testing.TB) *data.Vocabulary {
	t.Helper()
	v, err := data.DefaultVocabulary()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDefaultDirectory(t *testing.T) {
	v := vocab(t)
	d, err := DefaultDirectory(v)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.Groups); n < 80 {
		t.Errorf("default directory has %d listings, want at least 80", n)
	}
	covered := map[string]int{}
	for _, g := range d.Groups {
		if g.Demo {
			t.Errorf("%s: the default directory holds real listings only", g.ID)
		}
		if !strings.HasPrefix(g.Source, "https://") && !strings.HasPrefix(g.Source, "http://") {
			t.Errorf("%s: source %q is not a URL", g.ID, g.Source)
		}
		for _, tp := range g.Topics {
			covered[tp]++
		}
	}
	for _, s := range v.Slugs() {
		if covered[s] == 0 {
			t.Errorf("topic %s has no real listing", s)
		}
	}
	t.Logf("%d listings; per topic: %v", len(d.Groups), covered)
}

func TestBadRecordsAreReportedOneEachAndGoodOnesKept(t *testing.T) {
	v := vocab(t)
	src := `{"groups": [
  {"id": "good-1", "name": "Good", "topics": ["grief"], "format": "online", "source": "https://example.org", "last_verified": "2026-11-25"},
  {"id": "no-name", "topics": ["grief"], "format": "online", "source": "https://example.org", "last_verified": "2026-11-25"},
  {"id": "bad-topic", "name": "X", "topics": ["griefs"], "format": "online", "source": "https://example.org", "last_verified": "2026-11-25"},
  {"id": "bad-tz", "name": "X", "topics": ["grief"], "format": "online", "timezone": "Mars/Olympus", "source": "https://example.org", "last_verified": "2026-11-25"},
  {"id": "bad-point", "name": "X", "topics": ["grief"], "format": "in_person", "location": {"point": {"lat": 200, "lon": 10}}, "source": "https://example.org", "last_verified": "2026-11-25"},
  {"id": "bad-type", "name": "X", "topics": "grief", "format": "online", "source": "https://example.org", "last_verified": "2026-11-25"},
  {"id": "bad-time", "name": "X", "topics": ["grief"], "format": "online", "timezone": "America/Chicago", "meetings": [{"rrule": "FREQ=WEEKLY;BYDAY=TH", "start": "25:00"}], "source": "https://example.org", "last_verified": "2026-11-25"},
  {"id": "bad-rule", "name": "X", "topics": ["grief"], "format": "online", "timezone": "America/Chicago", "meetings": [{"rrule": "FREQ=SOMETIMES", "start": "19:00"}], "source": "https://example.org", "last_verified": "2026-11-25"},
  {"id": "good-2", "name": "Good too", "topics": ["alcohol"], "format": "online", "source": "https://example.org", "last_verified": "2026-11-25"}
]}`
	gs, problems := ParseGroups("groups.json", []byte(src), v)
	if len(gs) != 2 || gs[0].ID != "good-1" || gs[1].ID != "good-2" {
		t.Fatalf("kept %d groups, want good-1 and good-2", len(gs))
	}
	want := []struct {
		line          int
		field, reason string
	}{
		{3, "name", "expected a name"},
		{4, "topics", `unknown topic "griefs"`},
		{5, "timezone", "expected an IANA time zone"},
		{6, "location.point.lat", "between -90 and 90"},
		{7, "topics", "expected []string"},
		{8, "meetings[0].start", `got "25:00"`},
		{9, "meetings[0].rrule", `got "FREQ=SOMETIMES"`},
	}
	if len(problems) != len(want) {
		t.Fatalf("got %d problems, want %d: %v", len(problems), len(want), problems)
	}
	for i, w := range want {
		var re *data.RecordError
		if !errors.As(problems[i], &re) || !errors.Is(problems[i], data.ErrInvalid) {
			t.Fatalf("problem %d is %T, want *RecordError", i, problems[i])
		}
		if re.Source != "groups.json" || re.Line != w.line || re.Field != w.field || !strings.Contains(re.Reason, w.reason) {
			t.Errorf("problem %d = %q; want line %d field %s reason ~%q", i, re.Error(), w.line, w.field, w.reason)
		}
	}
}

func TestTruncatedAndEmptyFiles(t *testing.T) {
	v := vocab(t)
	for name, src := range map[string]string{"empty": "", "truncated": `{"groups": [{"id": "a", "name": "A"`, "array": `[1,2]`} {
		gs, problems := ParseGroups(name+".json", []byte(src), v)
		if len(gs) != 0 || len(problems) != 1 {
			t.Errorf("%s: %d groups, problems %v; want one file-level problem", name, len(gs), problems)
		}
	}
}
