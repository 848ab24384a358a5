package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/schedule"
)

// Fuzz targets for every importer and for schedules (issue 12). Each one
// fails on a panic and also on a panic the importers recovered from (a
// problem whose reason is internalError), since recovery hides a bug from
// the operator as much as it protects the bot. Crashers found are kept in
// testdata/fuzz as regression seeds. Run one for minutes with
//
//	go test -run '^$' -fuzz FuzzImportCSV -fuzztime 3m ./data/

// The two inputs that panicked before issue 12.
const (
	panicCSVQuote = "id,name,topics,format\n\"0000"
	panicYear0CSV = "id,name,topics,format,online_url,timezone,rrule,time,valid_from,source,last_verified\n" +
		"y,Y,grief,online,https://meet.example/x,America/Chicago,FREQ=WEEKLY;BYDAY=TH,19:00,0000-01-01,https://example.org,2026-01-01\n"
)

func seedFiles(f *testing.F, glob string) {
	f.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds %s: %v", glob, err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// checkImport fails on a recovered panic and on results that break the
// importer's contract (a good group that does not validate).
func checkImport(t *testing.T, v *data.Vocabulary, gs []*data.Group, ps []error, err error) {
	t.Helper()
	for _, p := range append(ps, err) {
		if p != nil && strings.Contains(p.Error(), internalError) {
			t.Fatalf("recovered panic: %v", p)
		}
	}
	for _, g := range gs {
		if errs := g.Validate(v, schedule.Validate); len(errs) > 0 {
			t.Fatalf("group %q returned as good does not validate: %v", g.ID, errs)
		}
	}
}

func fuzzReader(f *testing.F, format SourceFormat, name string) {
	v := vocab(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		gs, ps, err := ImportReader(v, name, bytes.NewReader(in), ImportOptions{Format: format, MaxRecordBytes: 64 << 10})
		checkImport(t, v, gs, ps, err)
	})
}

func FuzzImportCSV(f *testing.F) {
	seedFiles(f, "testdata/import/*.csv")
	f.Add([]byte(panicCSVQuote))
	f.Add([]byte(panicYear0CSV))
	fuzzReader(f, SourceCSV, "sheet.csv")
}

func FuzzImportMeetingGuide(f *testing.F) {
	seedFiles(f, "testdata/import/*meeting-guide*.json")
	// Small records mutate faster than the sample feeds.
	f.Add([]byte(`[{"name":"x","slug":"x","day":0,"time":"19:00","timezone":"America/New_York","conference_url":"https://meet.example/x","updated":"0000-01-01"}]`))
	f.Add([]byte(`[{"name":"A","slug":"a","day":[1,3],"time":"23:30","end_time":"00:30","timezone":"America/Los_Angeles","formatted_address":"2634 Union Ave, San Jose, CA 95124, USA","types":["O","W","S","TC","AL-AN"],"entity":"Narcotics Anonymous","updated":"2020-04-04 16:50:58"}]`))
	f.Add([]byte(`[{"name":"B","slug":"b","time":"7:00","postal_code":"78701","country":"US","latitude":"30.2","longitude":-97.7,"conference_phone":"+1 555 010 0199","types":"ONL","url":"https://example.org","updated":"2026-01-01"},{"slug":"b"}]`))
	fuzzReader(f, SourceMeetingGuide, "feed.json")
}

func FuzzImportHSDSJSON(f *testing.F) {
	seedFiles(f, "testdata/import/hsds-example/*.json")
	seedFiles(f, "testdata/import/hsds-services.json")
	f.Add([]byte(`{"id":"s","name":"S","url":"https://example.org","schedules":[{"freq":"WEEKLY","byday":"TH","opens_at":"19:00","valid_from":"0000-01-01"}]}`))
	f.Add([]byte(`[{"id":"s","name":"S","url":"https://example.org","status":"active","assured_date":"2026-10-01","languages":[{"code":"spa"}],"cost_options":[{"amount":5}],"attributes":[{"taxonomy_term":{"code":"grief"}}],"service_at_locations":[{"id":"l","location":{"location_type":"physical","latitude":30.2,"longitude":-97.7,"addresses":[{"address_1":"1 St","postal_code":"78701","country":"US"}]},"schedules":[{"freq":"MONTHLY","interval":2,"byday":"1SA","bymonthday":"","count":3,"wkst":"MO","dtstart":"2026-01-03","until":"2027-01-01","opens_at":"10:00Z","closes_at":"11:30"}]}]}]`))
	f.Add([]byte(`{"contents":[{"id":"o","name":"O","services":[{"id":"s","name":"S","schedules":[{"freq":"YEARLY","byweekno":"20","byyearday":"-1","opens_at":"09:00"}]}]}]}`))
	fuzzReader(f, SourceHSDS, "hsds.json")
}

// FuzzImportNative reads our own format through the streaming parser and
// its line tracker.
func FuzzImportNative(f *testing.F) {
	f.Add([]byte(`{"groups": [{"id": "a", "name": "A", "topics": ["grief"], "format": "online", "source": "https://example.org", "last_verified": "2026-11-25"},` + "\n\n" + `{"id": "b"}]}`))
	f.Add([]byte(`{"note": [1, {"x": "]"}], "groups": [], "more": "groups"}`))
	f.Add([]byte(`{"groups": [{"id": "a", "meetings": [{"rrule": "FREQ=WEEKLY;BYDAY=TH", "start": "19:00", "timezone": "America/Chicago"}]}`))
	fuzzReader(f, SourceNative, "groups.json")
}

// FuzzImportHSDSTables varies the two tables most parsing happens in,
// services.csv and schedules.csv, next to the example's other tables.
func FuzzImportHSDSTables(f *testing.F) {
	const dir = "testdata/import/hsds-tables"
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	services, schedules := read("services.csv"), read("schedules.csv")
	f.Add(services, schedules)
	f.Add(services, []byte("freq,service_id,valid_from,opens_at\nWEEKLY,svc-grief,0000-01-01,19:00\n"))
	f.Add([]byte(panicCSVQuote), schedules)
	f.Add(services, []byte("freq,byday\n\"0000"))
	others, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil {
		f.Fatal(err)
	}
	v := vocab(f)
	// One folder per fuzzing process: the other tables are written once,
	// the two fuzzed ones on every input.
	tmp := f.TempDir()
	for _, p := range others {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, filepath.Base(p)), b, 0o644); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, services, schedules []byte) {
		for name, b := range map[string][]byte{"services.csv": services, "schedules.csv": schedules} {
			if err := os.WriteFile(filepath.Join(tmp, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		gs, ps, err := Import(v, tmp, ImportOptions{Format: SourceHSDSTables, TimeZone: "America/Chicago"})
		checkImport(t, v, gs, ps, err)
	})
}

// FuzzTextReader checks the encoding layer every importer reads through:
// what it yields is valid UTF-8, and UTF-8 text comes back unchanged.
func FuzzTextReader(f *testing.F) {
	f.Add([]byte("id,name\nx,Café\n"))
	f.Add([]byte("\xef\xbb\xbfid,name\nx,Caf\xc3\xa9\n"))
	f.Add([]byte("id,name\nx,Caf\xe9\n"))
	f.Add([]byte("\xff\xfei\x00d\x00"))
	f.Add([]byte("\xfe\xff\x00i\x00d"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := io.ReadAll(newTextReader(bytes.NewReader(in)))
		if !utf8.Valid(out) {
			t.Fatalf("invalid UTF-8 out: %q", out)
		}
		if err != nil && !errors.Is(err, ErrEncoding) {
			t.Fatalf("error %v does not wrap ErrEncoding", err)
		}
		plain := bytes.TrimPrefix(in, []byte("\xef\xbb\xbf"))
		if utf8.Valid(plain) && bytes.IndexByte(plain, 0) < 0 && !bytes.HasPrefix(in, []byte{0xff, 0xfe}) && !bytes.HasPrefix(in, []byte{0xfe, 0xff}) &&
			(err != nil || !bytes.Equal(out, plain)) {
			t.Fatalf("UTF-8 input %q came back as %q, %v", in, out, err)
		}
	})
}

// FuzzSplitObject holds the lean record reader to encoding/json: what it
// accepts is valid JSON and reads as encoding/json reads it (a repeated
// key's last value counts); what it declines goes to encoding/json.
func FuzzSplitObject(f *testing.F) {
	for _, s := range []string{
		`{}`, ` { "a" : 1 , "b" : [1, {"c": null}] } `, `{"a": "x\"y", "a": "z"}`, `{"a": 1,}`, `{"a" 1}`,
		`{"a": 01}`, `{"a": -0.5e+3}`, `{"a": "\u00e9\ud800"}`, `{"é": 1}`, `{"a\n": 1}`, `[1]`, `null`,
		`{"a": tru}`, `{"a": "x` + "\x01" + `"}`, `{"a": [}`, `{"a": {"b": {"c": [[[]]]}}}`, `{"a": 1} x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fs, ok := splitObject(raw, nil)
		var m map[string]json.RawMessage
		err := json.Unmarshal(raw, &m)
		if !ok {
			if len(fs) != 0 {
				t.Fatalf("declined %q but returned %v", raw, fs)
			}
			return
		}
		if err != nil || m == nil {
			t.Fatalf("accepted %q, which encoding/json refuses (%v)", raw, err)
		}
		got := map[string]json.RawMessage{}
		for _, f := range fs {
			got[f.key] = f.val
		}
		if len(got) != len(m) {
			t.Fatalf("%q: %d keys, encoding/json %d", raw, len(got), len(m))
		}
		for k, v := range m {
			if !bytes.Equal(got[k], v) {
				t.Fatalf("%q: key %q is %q, encoding/json %q", raw, k, got[k], v)
			}
		}
		for _, f := range fs {
			if s, ok := plainString(f.val); ok {
				var want string
				if json.Unmarshal(f.val, &want) != nil || s != want {
					t.Fatalf("plainString(%q) = %q, encoding/json %q", f.val, s, want)
				}
			}
			if x, ok := jsonNumber(f.val); ok {
				var want float64
				if json.Unmarshal(f.val, &want) != nil || x != want {
					t.Fatalf("jsonNumber(%q) = %v, encoding/json %v", f.val, x, want)
				}
			}
			if ss, ok := plainStrings(f.val); ok {
				var want []string
				if json.Unmarshal(f.val, &want) != nil || !slices.Equal(ss, want) {
					t.Fatalf("plainStrings(%q) = %q, encoding/json %q", f.val, ss, want)
				}
			}
		}
	})
}

// nativeRecords are the records of the embedded directories, as the
// native reader sees them.
func nativeRecords(tb testing.TB) [][]byte {
	tb.Helper()
	files, err := filepath.Glob("../directory/*/*.json")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no directory files: %v", err)
	}
	var out [][]byte
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		var d struct{ Groups []json.RawMessage }
		if err := json.Unmarshal(b, &d); err != nil {
			tb.Fatalf("%s: %v", p, err)
		}
		for _, r := range d.Groups {
			out = append(out, r)
		}
	}
	return out
}

// decodeStrict is the reference decodeGroup answers to.
func decodeStrict(raw []byte) (data.Group, error) {
	var g data.Group
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	err := d.Decode(&g)
	return g, err
}

// Every record of the embedded directories reads the same through
// decodeGroup as through encoding/json, and decodeGroup takes on nearly
// all of them (else the fast path is dead code).
func TestDecodeGroupMatchesEncodingJSON(t *testing.T) {
	recs := nativeRecords(t)
	fast := 0
	for _, raw := range recs {
		var g data.Group
		if _, ok := decodeGroup(raw, &g, nil); !ok {
			continue
		}
		fast++
		want, err := decodeStrict(raw)
		if err != nil || !reflect.DeepEqual(g, want) {
			t.Fatalf("%s:\ndecodeGroup  %+v\nencoding/json %+v (%v)", raw, g, want, err)
		}
	}
	if fast < len(recs)*9/10 {
		t.Errorf("decodeGroup took %d of %d records", fast, len(recs))
	}
}

func FuzzDecodeGroup(f *testing.F) {
	for i, r := range nativeRecords(f) {
		if i%10 == 0 {
			f.Add(r)
		}
	}
	for _, s := range []string{
		`{"id": "a", "ID": "b"}`, `{"age_min": 1.0}`, `{"age_min": 1e2}`, `{"name": "\ud83d\ude00 \u00e9 \"q\" \\ \/ \b\f\n\r\t"}`,
		`{"name": "\ud800"}`, `{"topics": []}`, `{"meetings": []}`, `{"location": null}`, `{"location": {"point": {"lat": 1, "lon": -2.5e1}}}`,
		`{"contact": {"url": "x"}, "contact": {"phone": "y"}}`, `{"demo": true, "faith_based": false}`, `{"age_max": 99999999999999999999}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var g data.Group
		if _, ok := decodeGroup(raw, &g, nil); !ok {
			return
		}
		want, err := decodeStrict(raw)
		if err != nil || !reflect.DeepEqual(g, want) {
			t.Fatalf("%q:\ndecodeGroup   %+v\nencoding/json %+v (%v)", raw, g, want, err)
		}
	})
}

// hsdsRecords are the HSDS objects of the sample files: services and
// organizations.
func hsdsRecords(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, p := range []string{"testdata/import/hsds-services.json", "testdata/import/hsds-example/service_full.json", "testdata/import/hsds-example/organization_full.json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
		var org struct{ Services []json.RawMessage }
		json.Unmarshal(b, &org)
		for _, s := range org.Services {
			out = append(out, s)
		}
	}
	return out
}

// The HSDS sample objects read the same through the reflection-free
// decoders as through encoding/json, and the decoders take them on.
func TestHSDSDecodeMatchesEncodingJSON(t *testing.T) {
	for _, raw := range hsdsRecords(t) {
		var s, ws hsdsService
		var o, wo hsdsOrg
		if !hsdsDecodeService(raw, &s) || !hsdsDecodeOrg(raw, &o) {
			t.Errorf("declined %.60s...", raw)
			continue
		}
		if err := json.Unmarshal(raw, &ws); err != nil || !reflect.DeepEqual(s, ws) {
			t.Errorf("service %.60s...:\nfast          %+v\nencoding/json %+v (%v)", raw, s, ws, err)
		}
		if err := json.Unmarshal(raw, &wo); err != nil || !reflect.DeepEqual(o, wo) {
			t.Errorf("organization %.60s...: fast %+v, encoding/json %+v (%v)", raw, o, wo, err)
		}
	}
}

func FuzzHSDSDecode(f *testing.F) {
	for _, r := range hsdsRecords(f) {
		f.Add(r)
	}
	for _, s := range []string{
		`{"ID": "a", "id": "b"}`, `{"Name": " x ", "phones": [{"number": 5}, {"NUMBER": true}]}`, `{"organization": null}`,
		`{"schedules": null, "languages": []}`, `{"attributes": [{"taxonomy_term": null, "value": "\u00e9"}]}`,
		`{"name": {"a": 1}}`, `{"phones": [null]}`, `{"service_at_locations": [{"location": {"addresses": [{"city": "A"}]}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var s, ws hsdsService
		if hsdsDecodeService(raw, &s) {
			if err := json.Unmarshal(raw, &ws); err != nil || !reflect.DeepEqual(s, ws) {
				t.Fatalf("service %q:\nfast          %+v\nencoding/json %+v (%v)", raw, s, ws, err)
			}
		}
		var o, wo hsdsOrg
		if hsdsDecodeOrg(raw, &o) {
			if err := json.Unmarshal(raw, &wo); err != nil || !reflect.DeepEqual(o, wo) {
				t.Fatalf("organization %q:\nfast          %+v\nencoding/json %+v (%v)", raw, o, wo, err)
			}
		}
	})
}
