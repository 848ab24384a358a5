package importer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/schedule"
)

const sampleFeed = "testdata/import/sample-meeting-guide-feed.json"

func TestMeetingGuideTypesMatchSpec(t *testing.T) {
	// The code table is a copy of the spec's data files; fail when they drift.
	for _, f := range []string{"meeting-guide-types.json", "meeting-guide-proposed-types.json"} {
		b, err := os.ReadFile(filepath.Join("testdata/import", f))
		if err != nil {
			t.Fatal(err)
		}
		var spec map[string]map[string]string
		if err := json.Unmarshal(b, &spec); err != nil {
			t.Fatal(err)
		}
		for code, labels := range spec {
			if got := data.MeetingGuideTypes[code]; got != labels["en"] {
				t.Errorf("%s: code %s: label %q, spec says %q", f, code, got, labels["en"])
			}
			if strings.Contains(labels["en"], "Concurrent") || mgAudiences[code] != "" {
				continue
			}
		}
	}
	for code := range mgLanguages {
		if _, ok := data.MeetingGuideTypes[code]; !ok {
			t.Errorf("language code %s is not a type code", code)
		}
	}
}

func TestImportSampleFeedRoundTrip(t *testing.T) {
	v := vocab(t)
	opts := ImportOptions{Gazetteer: testGazetteer(), SourceURL: "https://intergroup.example/meetings.json"}
	first, problems, err := Import(v, sampleFeed, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 || len(first) != 36 {
		t.Fatalf("sample feed: %d groups, %d problems, want 36 and 0: %v", len(first), len(problems), errors.Join(problems...))
	}
	// Spot checks against the feed's own values.
	byID := map[string]*data.Group{}
	for _, g := range first {
		byID[g.ID] = g
	}
	shared := byID["the-shared-gift"]
	if shared == nil || shared.Access != "closed" || !slices.Equal(shared.Audiences, []string{"women"}) ||
		shared.Format != data.FormatInPerson || shared.Meetings[0].RRule != "FREQ=WEEKLY;BYDAY=MO" || shared.Meetings[0].Start != "19:30" ||
		shared.Location.City != "San Jose" || shared.Location.PostalCode != "95118" || shared.Location.Point == nil {
		t.Errorf("the-shared-gift mapped wrong: %+v", shared)
	}
	online := byID["underground-book-study"]
	if online == nil || online.Format != data.FormatOnline || online.Online.URL != "https://us04web.zoom.us/j/9999999999" {
		t.Errorf("the TC meeting with a Zoom link should be online: %+v", online)
	}
	var timed *data.Group
	for _, g := range first {
		if g.Meetings[0].Duration != 0 {
			timed = g
		}
	}
	if timed == nil || timed.Meetings[0].Duration != 60 {
		t.Errorf("end_time should become a 60-minute duration: %+v", timed)
	}
	spanish := 0
	for _, g := range first {
		if slices.Contains(g.Languages, "es") {
			spanish++
		}
	}
	if spanish != 1 {
		t.Errorf("%d Spanish meetings, the feed has 1 (type S)", spanish)
	}

	var feed bytes.Buffer
	n, eps, err := ExportMeetingGuide(&feed, first)
	if err != nil || len(eps) != 0 || n != 36 {
		t.Fatalf("export: %d meetings, problems %v, err %v", n, eps, err)
	}
	second, problems, err := ImportReader(v, "exported.json", bytes.NewReader(feed.Bytes()), ImportOptions{})
	if err != nil || len(problems) != 0 {
		t.Fatalf("re-import: %v %v", err, errors.Join(problems...))
	}
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(second)
	if !bytes.Equal(a, b) {
		t.Errorf("round trip changed the directory:\nfirst  %s\nsecond %s", a[:min(len(a), 600)], b[:min(len(b), 600)])
	}
	if data.NewDirectory(first).Hash() != data.NewDirectory(second).Hash() {
		t.Error("round trip changed the directory hash")
	}
}

func TestExportMultiDayAndNonWeekly(t *testing.T) {
	v := vocab(t)
	g := &data.Group{ID: "two-days", Name: "Two Days", Topics: []string{"grief"}, Format: data.FormatOnline, Online: data.Contact{URL: "https://meet.example/x"},
		TimeZone: "America/Chicago", Source: "https://example.org", LastVerified: "2026-01-02",
		Meetings: []data.Meeting{schedule.WeeklyMeeting(1, "19:00", 90, ""), schedule.WeeklyMeeting(4, "19:00", 90, ""),
			{RRule: "FREQ=MONTHLY;BYDAY=1SA", Start: "10:00"}}}
	g.Normalize()
	if errs := g.Validate(v, schedule.Validate); len(errs) > 0 {
		t.Fatal(errs)
	}
	var buf bytes.Buffer
	n, problems, err := ExportMeetingGuide(&buf, []*data.Group{g})
	if err != nil || n != 1 || len(problems) != 1 || !strings.Contains(problems[0].Error(), "weekly-only") {
		t.Fatalf("export: n=%d problems=%v err=%v", n, problems, err)
	}
	var out []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if d, _ := json.Marshal(out[0]["day"]); string(d) != "[1,4]" || out[0]["end_time"] != "20:30" {
		t.Errorf("want day [1,4] and end_time 20:30, got %s", buf.String())
	}
	back, ps, err := ImportReader(v, "x.json", &buf, ImportOptions{})
	if err != nil || len(ps) != 0 || len(back) != 1 || len(back[0].Meetings) != 2 || back[0].Meetings[1].RRule != "FREQ=WEEKLY;BYDAY=TH" {
		t.Errorf("re-import: %v %v %+v", err, ps, back)
	}
}

// good is a valid meeting; bad records are built from it.
func good(slug string) map[string]any {
	return map[string]any{"name": "Meeting " + slug, "slug": slug, "day": 2, "time": "19:00", "end_time": "20:00",
		"timezone": "America/New_York", "formatted_address": "1 Main St, Springfield, MA 01103, USA",
		"latitude": 42.1, "longitude": -72.59, "types": []string{"O"}, "updated": "2025-10-01 10:00:00"}
}

func with(m map[string]any, kv ...any) map[string]any {
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(m, kv[i].(string))
		} else {
			m[kv[i].(string)] = kv[i+1]
		}
	}
	return m
}

func feedOf(t testing.TB, records ...any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(records, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMeetingGuideBadRecords(t *testing.T) {
	v := vocab(t)
	cases := []struct {
		name    string
		bad     any
		field   string
		reason  string
		kept    int  // good records expected (2 unless the bad one is kept or doubles as good)
		warning bool // the problem is a warning
	}{
		{"missing name", with(good("x"), "name", nil), "name", "expected the meeting's name", 2, false},
		{"empty name", with(good("x"), "name", ""), "name", "expected the meeting's name", 2, false},
		{"missing slug", with(good("x"), "slug", nil), "slug", "unique slug", 2, false},
		{"day 9", with(good("x"), "day", 9), "day", "expected a day 0–6 (Sunday = 0), got 9", 2, false},
		{"day word", with(good("x"), "day", "monday"), "day", `got "monday"`, 2, false},
		{"day fraction", with(good("x"), "day", 1.5), "day", "got 1.5", 2, false},
		{"day empty list", with(good("x"), "day", []int{}), "day", "non-empty array", 2, false},
		{"time 25:00", with(good("x"), "time", "25:00"), "time", `got "25:00"`, 2, false},
		{"day without time", with(good("x"), "time", nil), "time", "start time", 2, false},
		{"end_time 7pm", with(good("x"), "end_time", "7pm"), "end_time", `got "7pm"`, 2, false},
		{"end equals start", with(good("x"), "end_time", "19:00"), "end_time", "after the start time", 2, false},
		{"unknown time zone", with(good("x"), "timezone", "Mars/Olympus"), "timezone", `got "Mars/Olympus"`, 2, false},
		{"missing time zone", with(good("x"), "timezone", nil, "formatted_address", "1 Main St, Dallas, TX 75201, USA"), "timezone", "expected an IANA time zone", 2, false},
		{"latitude 200", with(good("x"), "latitude", 200), "latitude", "between -90 and 90, got 200", 2, false},
		{"longitude text", with(good("x"), "longitude", "west"), "longitude", `expected a number, got "west"`, 2, false},
		{"latitude alone", with(good("x"), "longitude", nil), "latitude", "both latitude and longitude", 2, false},
		{"unknown type code", with(good("x"), "types", []string{"O", "ZZZ"}), "types", `unknown type code "ZZZ"`, 3, true},
		{"types not a list", with(good("x"), "types", "O"), "types", "expected an array of strings, got JSON string", 2, false},
		{"name is a number", with(good("x"), "name", 42), "name", "expected a string, got JSON number", 2, false},
		{"duplicate slug", good("a"), "slug", "duplicate slug, already used by record 1", 2, false},
		{"record not an object", "just a string", "", "expected a meeting object", 2, false},
		{"record is a number", 7, "", "got JSON number", 2, false},
		{"no address no link", with(good("x"), "formatted_address", nil, "latitude", nil, "longitude", nil), "formatted_address", "street address, or a conference_url", 2, false},
		{"ONL without link", with(good("x"), "formatted_address", nil, "latitude", nil, "longitude", nil, "types", []string{"ONL"}), "conference_url", "online (ONL) meeting", 2, false},
		{"conference_url not a link", with(good("x"), "conference_url", "zoom 123"), "conference_url", "https:// link", 2, false},
		{"updated not a date", with(good("x"), "updated", "yesterday"), "updated", `got "yesterday"`, 2, false},
		{"updated missing", with(good("x"), "updated", nil), "updated", "last updated", 2, false},
		{"temporarily closed", with(good("x"), "types", []string{"O", "TC"}), "types", "temporarily closed", 2, true},
		{"unknown topic", with(good("x"), "topics", []string{"griefs"}), "topics", `unknown topic "griefs"`, 2, false},
		{"in person without coordinates", with(good("x"), "latitude", nil, "longitude", nil, "formatted_address", "1 Nowhere Rd"), "location.point", "coordinates", 2, false},
		{"approximate, no link", with(good("x"), "formatted_address", "New York, NY, USA", "latitude", nil, "longitude", nil), "formatted_address", `"New York, NY, USA" is an approximate location (no street)`, 2, false},
		{"approximate yes, no link", with(good("x"), "approximate", "yes"), "formatted_address", "approximate location", 2, false},
		{"attendance_option unknown", with(good("x"), "attendance_option", "zoom"), "attendance_option", `expected in_person, online, hybrid or inactive, got "zoom"`, 2, false},
		{"attendance_option online, no link", with(good("x"), "attendance_option", "online"), "conference_url", "attendance_option is online", 2, false},
		{"attendance_option hybrid, no street", with(good("x"), "attendance_option", "hybrid", "formatted_address", "Denver, CO", "conference_url", "https://zoom.us/j/1"), "formatted_address", "attendance_option is hybrid", 2, false},
		{"attendance_option in_person, no street", with(good("x"), "attendance_option", "in_person", "formatted_address", "Denver, CO 80202, USA"), "formatted_address", "expected a street address", 2, false},
		{"attendance_option inactive", with(good("x"), "attendance_option", "inactive"), "attendance_option", "inactive", 2, true},
		{"twelve_step not a bool", with(good("x"), "twelve_step", "no"), "twelve_step", "expected true or false", 2, false},
		{"postal_code object", with(good("x"), "formatted_address", nil, "address", "1 Main St", "postal_code", map[string]int{"a": 1}), "postal_code", "got JSON object", 2, false},
	}
	if len(cases) < 20 {
		t.Fatalf("only %d kinds of bad records", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := feedOf(t, good("a"), c.bad, good("b"))
			gs, problems, err := ImportReader(v, "feed.json", bytes.NewReader(b), ImportOptions{Format: SourceMeetingGuide})
			if err != nil {
				t.Fatalf("a bad record must not fail the source: %v", err)
			}
			if len(gs) != c.kept {
				t.Errorf("kept %d groups, want %d (problems: %v)", len(gs), c.kept, problems)
			}
			var found bool
			for _, p := range problems {
				var re *data.RecordError
				if !errors.As(p, &re) || !errors.Is(p, data.ErrInvalid) {
					t.Errorf("problem %v is not a *RecordError", p)
					continue
				}
				if re.Source != "feed.json" || re.Record != 2 || re.Line != 17 {
					t.Errorf("problem %q: want source feed.json, record 2, line 17", p)
				}
				if re.Field == c.field && strings.Contains(re.Reason, c.reason) && IsWarning(p) == c.warning {
					found = true
				}
			}
			if !found {
				t.Errorf("no problem with field %q and reason %q (warning %v) among %v", c.field, c.reason, c.warning, problems)
			}
			wantRejected := 1
			if c.warning {
				wantRejected = 0
			}
			if got := Rejected(problems); got != wantRejected {
				t.Errorf("Rejected = %d, want %d", got, wantRejected)
			}
		})
	}
}

func TestMeetingGuideBrokenFiles(t *testing.T) {
	v := vocab(t)
	two := feedOf(t, good("a"), good("b"))
	cases := []struct {
		name   string
		input  []byte
		reason string
		kept   int
	}{
		{"empty file", nil, "empty file", 0},
		{"only spaces", []byte("  \n\t "), "empty file", 0},
		{"truncated JSON", two[:len(two)-40], "ends early", 1},
		{"cut after a comma", append(feedOf(t, good("a"))[:len(feedOf(t, good("a")))-2], []byte(",\n")...), "ends early", 1},
		{"an object, not an array", []byte(`{"meetings": []}`), "expected a JSON array of meetings", 0},
		{"garbage after the array", append(slices.Clone(two), []byte(" ]")...), "after the closing", 2},
		{"missing comma", []byte(`[{"name":"a"} {"name":"b"}]`), "expected ',' or ']'", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gs, _, err := ImportReader(v, "feed.json", bytes.NewReader(c.input), ImportOptions{Format: SourceMeetingGuide})
			var re *data.RecordError
			if !errors.As(err, &re) || !strings.Contains(re.Reason, c.reason) || re.Source != "feed.json" {
				t.Fatalf("err = %v, want a *RecordError saying %q", err, c.reason)
			}
			if len(gs) != c.kept {
				t.Errorf("kept %d groups read before the break, want %d", len(gs), c.kept)
			}
		})
	}
}

func TestMeetingGuideEmptyArray(t *testing.T) {
	gs, ps, err := ImportReader(vocab(t), "feed.json", strings.NewReader("[]"), ImportOptions{Format: SourceMeetingGuide})
	if err != nil || len(gs) != 0 || len(ps) != 0 {
		t.Errorf("an empty feed is valid and empty: %v %v %v", gs, ps, err)
	}
}

// TestMeetingGuide50MB streams a 50 MB feed whose middle record alone is
// 50 MB: it is reported and skipped, the others load, and the import
// allocates a small fraction of the file (a reader that held the file or
// the record would allocate more than 50 MB).
func TestMeetingGuide50MB(t *testing.T) {
	v := vocab(t)
	path := filepath.Join(t.TempDir(), "big.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	head := feedOf(t, good("a"))
	w.Write(head[:len(head)-2]) // without "\n]"
	w.WriteString(`,{"name": "huge", "slug": "huge", "notes": "`)
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	for range 50 {
		w.Write(chunk)
	}
	w.WriteString(`"},`)
	tail := feedOf(t, good("b"))
	w.Write(tail[1:])
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	gs, problems, err := Import(v, path, ImportOptions{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 2 || len(problems) != 1 || !strings.Contains(problems[0].Error(), "over the 1048576-byte limit") {
		t.Fatalf("got %d groups and problems %v; want 2 groups and the huge record reported", len(gs), problems)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("importing a 50 MB file allocated %d MB; it should stream", alloc>>20)
	}

	// A source over the size cap is refused as a whole.
	_, _, err = Import(v, path, ImportOptions{MaxBytes: 10 << 20})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the cap: err = %v, want ErrTooLarge", err)
	}
}

// TestMeetingGuideAsWritten reads records the way 12 Step Meeting List
// sites export them: approximate locations, attendance_option, TC, every
// kind of type code.
func TestMeetingGuideAsWritten(t *testing.T) {
	v := vocab(t)
	zoom := "https://zoom.us/j/81234567890"
	cases := []struct {
		name      string
		rec       map[string]any
		format    data.Format
		city      string
		audiences []string
		langs     []string
		types     []string
	}{
		{"approximate city with a link is online",
			with(good("a"), "formatted_address", "New York, NY, USA", "latitude", nil, "longitude", nil, "conference_url", zoom, "types", []string{"O", "ONL", "B"}),
			data.FormatOnline, "New York", nil, []string{"en"}, []string{"B", "O", "ONL"}},
		{"approximate ZIP with a phone is a phone meeting",
			with(good("b"), "formatted_address", "Denver, CO 80202, USA", "conference_phone", "+1 720 555 0100", "types", []string{"C", "W", "S"}),
			data.FormatPhone, "Denver", []string{"women"}, []string{"es"}, []string{"C", "S", "W"}},
		{"approximate yes with a street and a link",
			with(good("c"), "approximate", "yes", "conference_url", zoom), data.FormatOnline, "Springfield", nil, []string{"en"}, []string{"O"}},
		{"street and link is hybrid",
			with(good("d"), "conference_url", zoom, "types", []string{"O", "X", "XB", "ST", "BV-I", "D-HOH"}),
			data.FormatHybrid, "Springfield", nil, []string{"en"}, []string{"BV-I", "D-HOH", "O", "ST", "X", "XB"}},
		{"TC keeps the online part",
			with(good("e"), "conference_url", zoom, "types", []string{"O", "TC", "Y", "LGBTQ", "SEN", "M"}),
			data.FormatOnline, "Springfield", []string{"lgbtq", "men", "seniors", "youth"}, []string{"en"}, []string{"LGBTQ", "M", "O", "SEN", "TC", "Y"}},
		{"attendance_option in_person wins over a link",
			with(good("f"), "attendance_option", "in_person", "conference_url", zoom), data.FormatInPerson, "Springfield", nil, []string{"en"}, []string{"O"}},
		{"attendance_option online with a street",
			with(good("g"), "attendance_option", "online", "conference_url", zoom), data.FormatOnline, "Springfield", nil, []string{"en"}, []string{"O"}},
		{"attendance_option hybrid",
			with(good("h"), "attendance_option", "hybrid", "conference_url", zoom, "types", []string{"EN", "FR"}), data.FormatHybrid, "Springfield", nil, []string{"en", "fr"}, []string{"EN", "FR"}},
		{"no timezone, a one-zone state",
			with(good("j"), "timezone", nil), data.FormatInPerson, "Springfield", nil, []string{"en"}, []string{"O"}},
		{"a bare place name with a link is online",
			with(good("k"), "formatted_address", "Online", "latitude", nil, "longitude", nil, "conference_url", zoom), data.FormatOnline, "", nil, []string{"en"}, []string{"O"}},
		{"an unsplit street with a house number is a room",
			with(good("l"), "formatted_address", "Rm 4, 50 Oak Ave"), data.FormatInPerson, "", nil, []string{"en"}, []string{"O"}},
		{"separate address fields, no street, link",
			with(good("i"), "formatted_address", nil, "latitude", nil, "longitude", nil, "city", "Aurora", "state", "CO", "conference_url", zoom),
			data.FormatOnline, "Aurora", nil, []string{"en"}, []string{"O"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gs, ps, err := ImportReader(v, "f.json", bytes.NewReader(feedOf(t, c.rec)), ImportOptions{Format: SourceMeetingGuide})
			if err != nil || len(ps) != 0 || len(gs) != 1 {
				t.Fatalf("got %d groups, problems %v, err %v; want the meeting kept", len(gs), ps, err)
			}
			g := gs[0]
			if g.Format != c.format {
				t.Errorf("format %s, want %s", g.Format, c.format)
			}
			if g.Location == nil && c.city != "" || g.Location != nil && g.Location.City != c.city {
				t.Errorf("location %+v, want city %q", g.Location, c.city)
			}
			if !slices.Equal(g.Audiences, c.audiences) || !slices.Equal(g.Languages, c.langs) || !slices.Equal(g.Types, c.types) {
				t.Errorf("audiences %v languages %v types %v, want %v %v %v", g.Audiences, g.Languages, g.Types, c.audiences, c.langs, c.types)
			}
			if !g.TwelveStep {
				t.Error("a Meeting Guide meeting should be TwelveStep")
			}
		})
	}
}

func TestTypeLabel(t *testing.T) {
	b, err := os.ReadFile("testdata/import/meeting-guide-types.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]map[string]string
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	for code, labels := range spec {
		for lang, want := range labels {
			if got, ok := data.TypeLabel(code, lang); !ok || got != want {
				t.Errorf("TypeLabel(%q, %q) = %q, %v; want %q", code, lang, got, ok, want)
			}
		}
		if got, _ := data.TypeLabel(code, "es-MX"); got != labels["es"] {
			t.Errorf("TypeLabel(%q, es-MX) = %q, want the es label %q", code, got, labels["es"])
		}
		if got, _ := data.TypeLabel(code, "de"); got != labels["en"] {
			t.Errorf("TypeLabel(%q, de) = %q, want the English label %q", code, got, labels["en"])
		}
	}
	if _, ok := data.TypeLabel("ZZZ", "en"); ok {
		t.Error("TypeLabel knows ZZZ")
	}
	if got, _ := data.TypeLabel("ONL", "es"); got != "En línea" {
		t.Errorf("ONL in Spanish: %q", got)
	}
}

func TestTwelveStepOverride(t *testing.T) {
	v := vocab(t)
	b := feedOf(t, good("a"), with(good("b"), "twelve_step", false))
	gs, ps, err := ImportReader(v, "f.json", bytes.NewReader(b), ImportOptions{Format: SourceMeetingGuide})
	if err != nil || len(ps) != 0 || len(gs) != 2 {
		t.Fatal(err, ps)
	}
	if !gs[0].TwelveStep || gs[1].TwelveStep {
		t.Errorf("twelve_step: %v %v, want true false", gs[0].TwelveStep, gs[1].TwelveStep)
	}
	gs, _, _ = ImportReader(v, "f.json", bytes.NewReader(b), ImportOptions{Format: SourceMeetingGuide, NotTwelveStep: true})
	if gs[0].TwelveStep {
		t.Error("NotTwelveStep did not apply")
	}
	// Our export writes the override, so it survives a round trip.
	var out bytes.Buffer
	if _, _, err := ExportMeetingGuide(&out, gs); err != nil {
		t.Fatal(err)
	}
	again, _, _ := ImportReader(v, "f.json", &out, ImportOptions{Format: SourceMeetingGuide})
	if again[0].TwelveStep || again[1].TwelveStep {
		t.Errorf("after export and import: %v %v, want false false", again[0].TwelveStep, again[1].TwelveStep)
	}
}

func TestFellowshipFromNames(t *testing.T) {
	v := vocab(t)
	b := feedOf(t,
		with(good("a"), "entity", "Mile High Area of Narcotics Anonymous"),
		with(good("b"), "group", "Al-Anon Family Groups of Denver"),
		with(good("c"), "name", "CA: Hope Dealers"),
		with(good("d"), "name", "Cocaine Anonymous Sunday Step Study"),
		with(good("e"), "name", "Pueblo, CA Meeting", "entity", "District 12"))
	gs, ps, err := ImportReader(v, "f.json", bytes.NewReader(b), ImportOptions{Format: SourceMeetingGuide})
	if err != nil || len(ps) != 0 {
		t.Fatal(err, ps)
	}
	want := map[string][]string{"a": {"drugs"}, "b": {"addiction-family"}, "c": {"drugs"}, "d": {"drugs"}, "e": {"alcohol"}}
	for _, g := range gs {
		if !slices.Equal(g.Topics, want[g.ID]) {
			t.Errorf("%s: topics %v, want %v", g.ID, g.Topics, want[g.ID])
		}
	}
}

func TestFellowshipAndTopics(t *testing.T) {
	v := vocab(t)
	b := feedOf(t, good("a"), with(good("b"), "types", []string{"O", "AL-AN"}), with(good("c"), "entity", "Narcotics Anonymous"))
	gs, ps, err := ImportReader(v, "f.json", bytes.NewReader(b), ImportOptions{Format: SourceMeetingGuide})
	if err != nil || len(ps) != 0 {
		t.Fatal(err, ps)
	}
	want := [][]string{{"alcohol"}, {"alcohol", "addiction-family"}, {"drugs"}}
	for i, g := range gs {
		if !slices.Equal(g.Topics, want[i]) {
			t.Errorf("%s: topics %v, want %v", g.ID, g.Topics, want[i])
		}
	}
	gs, _, _ = ImportReader(v, "f.json", bytes.NewReader(b), ImportOptions{Format: SourceMeetingGuide, Fellowship: "na"})
	if !slices.Equal(gs[0].Topics, []string{"drugs"}) {
		t.Errorf("--fellowship na: %v", gs[0].Topics)
	}
	gs, _, _ = ImportReader(v, "f.json", bytes.NewReader(b), ImportOptions{Format: SourceMeetingGuide, Topics: []string{"gambling"}})
	for _, g := range gs {
		if !slices.Equal(g.Topics, []string{"gambling"}) {
			t.Errorf("--topic gambling: %s has %v", g.ID, g.Topics)
		}
	}
	if _, _, err := ImportReader(v, "f.json", bytes.NewReader(b), ImportOptions{Format: SourceMeetingGuide, Topics: []string{"nope"}}); err == nil {
		t.Error("an unknown --topic should fail the import")
	}
}

// genFeed writes a Meeting Guide feed of n meetings, a mix of in-person,
// hybrid and online ones across zones.
func genFeed(tb testing.TB, path string, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	zones := []string{"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"}
	types := [][]string{{"O"}, {"C", "W"}, {"O", "M", "X"}, {"O", "S"}, {"C", "LGBTQ", "B"}}
	w.WriteString("[")
	for i := range n {
		m := map[string]any{"name": fmt.Sprintf("Meeting %d", i), "slug": fmt.Sprintf("meeting-%d", i),
			"day": i % 7, "time": fmt.Sprintf("%02d:%02d", 6+i%16, (i%4)*15), "end_time": fmt.Sprintf("%02d:%02d", 7+i%16, (i%4)*15),
			"timezone": zones[i%4], "types": types[i%5], "updated": "2025-09-30 12:00:00",
			"location": "Hall", "notes": "Use the side door."}
		if i%10 != 0 {
			m["formatted_address"] = fmt.Sprintf("%d Main St, Town %d, TX 7%04d, USA", i, i%500, i%10000)
			m["latitude"] = 25 + float64(i%2000)/100
			m["longitude"] = -120 + float64(i%4000)/100
		}
		if i%10 == 0 || i%10 == 5 {
			m["conference_url"] = fmt.Sprintf("https://zoom.example/j/%d", i)
		}
		b, _ := json.Marshal(m)
		if i > 0 {
			w.WriteString(",\n")
		}
		w.Write(b)
	}
	w.WriteString("]\n")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

// BenchmarkImportMeetingGuide100k measures parse + validate + merge (the
// stored source file written) of a 100,000-meeting feed.
func BenchmarkImportMeetingGuide100k(b *testing.B) {
	v := vocab(b)
	dir := b.TempDir()
	path := filepath.Join(dir, "feed.json")
	genFeed(b, path, 100000)
	st, _ := os.Stat(path)
	store := SourceStore{Dir: filepath.Join(dir, "state")}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		gs, problems, err := Import(v, path, ImportOptions{})
		if err != nil || len(problems) != 0 || len(gs) != 100000 {
			b.Fatalf("%d groups, %d problems (%v), err %v", len(gs), len(problems), problems[:min(3, len(problems))], err)
		}
		if _, err := store.Put("feed", StoredSource{Source: path, Format: SourceMeetingGuide}, gs, nil, false); err != nil {
			b.Fatal(err)
		}
		store.Remove("feed") // so every round writes the file
	}
	b.ReportMetric(float64(st.Size())/(1<<20), "feed-MB")
	b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N), "s/import")
}

// TestMetroFeedImportsWithoutRejections is the feed bar: a metro area's
// feed as 12 Step Meeting List exports it (testdata/gen-metro-feed.go)
// and the spec's sample feed import with no record wrongly rejected. The
// only records left out are those the feed itself says do not meet: a
// temporarily closed room with no online option, or attendance_option
// "inactive".
func TestMetroFeedImportsWithoutRejections(t *testing.T) {
	v := vocab(t)
	b, err := os.ReadFile("testdata/metro-feed.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw []map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) < 300 {
		t.Fatalf("metro feed has %d meetings, want at least 300", len(raw))
	}
	gs, ps, err := ImportReader(v, "metro-feed.json", bytes.NewReader(b), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := Rejected(ps); n != 0 {
		t.Errorf("%d records rejected: %v", n, errors.Join(ps...))
	}
	byID := map[string]*data.Group{}
	for _, g := range gs {
		byID[g.ID] = g
	}
	seenTypes := map[string]bool{}
	formats := map[data.Format]int{}
	topics := map[string]int{}
	for i, m := range raw {
		slug := m["slug"].(string)
		types, _ := m["types"].([]any)
		has := func(code string) bool { return slices.Contains(types, any(code)) }
		link := m["conference_url"] != nil || m["conference_phone"] != nil
		g := byID[slug]
		closed := has("TC") && !link || m["attendance_option"] == "inactive"
		if closed {
			if g != nil {
				t.Errorf("record %d (%s): closed with no online option, but served as %s", i+1, slug, g.Format)
			}
			continue
		}
		if g == nil {
			t.Errorf("record %d (%s) is missing", i+1, slug)
			continue
		}
		formats[g.Format]++
		for _, tp := range g.Topics {
			topics[tp]++
		}
		for _, c := range types {
			seenTypes[c.(string)] = true
			if !slices.Contains(g.Types, c.(string)) {
				t.Errorf("%s: type %s dropped (kept %v)", slug, c, g.Types)
			}
		}
		approx := m["approximate"] == "yes" || !strings.ContainsAny(strings.Split(m["formatted_address"].(string), ",")[0], "0123456789")
		switch {
		case approx && g.Format.InPerson():
			t.Errorf("%s: approximate location %q served as %s", slug, m["formatted_address"], g.Format)
		case has("TC") && g.Format.InPerson():
			t.Errorf("%s: temporarily closed but served as %s", slug, g.Format)
		case !approx && !has("TC") && link && m["attendance_option"] != "online" && g.Format != data.FormatHybrid:
			t.Errorf("%s: street and conference link, served as %s", slug, g.Format)
		}
		if has("W") != slices.Contains(g.Audiences, "women") || has("S") != slices.Contains(g.Languages, "es") {
			t.Errorf("%s: types %v but audiences %v, languages %v", slug, types, g.Audiences, g.Languages)
		}
		if !g.TwelveStep {
			t.Errorf("%s: not marked TwelveStep", slug)
		}
		want := map[string]string{"Alcoholics": "alcohol", "Narcotics": "drugs", "Al-Anon": "addiction-family", "Cocaine": "drugs"}
		for word, topic := range want {
			if strings.Contains(m["entity"].(string), word) && !slices.Contains(g.Topics, topic) {
				t.Errorf("%s (%s): topics %v, want %s", slug, m["entity"], g.Topics, topic)
			}
		}
	}
	for code := range data.MeetingGuideTypes {
		if !seenTypes[code] {
			t.Errorf("type code %s is not in the served meetings", code)
		}
	}
	for _, f := range []data.Format{data.FormatInPerson, data.FormatHybrid, data.FormatOnline, data.FormatPhone} {
		if formats[f] == 0 {
			t.Errorf("no %s meeting served (formats %v)", f, formats)
		}
	}
	for _, tp := range []string{"alcohol", "drugs", "addiction-family"} {
		if topics[tp] == 0 {
			t.Errorf("no %s meeting (topics %v)", tp, topics)
		}
	}

	// The spec's sample feed, as shipped.
	gs, ps, err = Import(v, sampleFeed, ImportOptions{Gazetteer: testGazetteer()})
	if err != nil || Rejected(ps) != 0 || len(gs) != 36 {
		t.Errorf("sample feed: %d groups, %d rejected, err %v: %v", len(gs), Rejected(ps), err, errors.Join(ps...))
	}
}

func TestMeetingGuideTrailingCommaAndStateZone(t *testing.T) {
	in := `[{"name": "Sunday Serenity", "slug": "sunday-serenity", "day": 0, "time": "18:00",
	"formatted_address": "1 Main St, Springfield, MA 01103, USA", "latitude": 42.1, "longitude": -72.59,
	"notes": "a comma, then a brace: ,}", "types": ["O", "X",], "updated": "2025-01-01",
	}, ...]`
	gs, ps, err := ImportReader(vocab(t), "f.json", strings.NewReader(in), ImportOptions{Format: SourceMeetingGuide})
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 1 || !slices.Equal(gs[0].Types, []string{"O", "X"}) || gs[0].TimeZone != "America/New_York" || gs[0].Summary != "a comma, then a brace: ,}" {
		t.Fatalf("groups %+v, problems %v", gs, ps)
	}
	if len(ps) != 2 || !IsWarning(ps[0]) || !strings.Contains(ps[0].Error(), "comma before a closing") ||
		IsWarning(ps[1]) || !strings.Contains(ps[1].Error(), `record 2: expected a meeting object {"name": ..., "slug": ...}, got "..."`) {
		t.Errorf("problems %v, want a warning about the comma, then the placeholder rejected", ps)
	}
}
