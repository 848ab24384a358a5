package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data"
)

// A cancelled context stops a read between two records, with ctx's error:
// SIGTERM during a long load ends it.
func TestStreamCancelStopsBetweenRecords(t *testing.T) {
	v := vocab(t)
	path := filepath.Join(t.TempDir(), "feed.json")
	genFeed(t, path, 2000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	err := Stream(ctx, v, path, ImportOptions{}, func(*data.Group) bool {
		if n++; n == 10 {
			cancel()
		}
		return true
	}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if n != 10 {
		t.Errorf("%d groups after cancelling at the 10th", n)
	}
}

// Records yields the groups in order, stops when the consumer breaks,
// and ends with one error when the source breaks off; record problems go
// to the problem callback, never into the sequence.
func TestRecords(t *testing.T) {
	v := vocab(t)
	path := writeMG(t, "feed.json", good("a"), with(good("b"), "day", 9), good("c"), good("d"))
	var ids []string
	var problems []error
	for g, err := range Records(context.Background(), v, path, ImportOptions{}, func(err error) { problems = append(problems, err) }) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, g.ID)
		if len(ids) == 2 {
			break
		}
	}
	if strings.Join(ids, ",") != "a,c" || len(problems) != 1 {
		t.Errorf("ids %v, problems %v; want a,c and b's day", ids, problems)
	}

	b, err := os.ReadFile(writeMG(t, "whole.json", good("a"), good("b"), good("c")))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.json")
	os.WriteFile(cut, b[:len(b)*2/3], 0o644)
	var got []string
	var last error
	for g, err := range Records(context.Background(), v, cut, ImportOptions{}, nil) {
		if last != nil {
			t.Fatal("the sequence went on after its error")
		}
		if err != nil {
			last = err
			continue
		}
		got = append(got, g.ID)
	}
	var re *data.RecordError
	if !errors.As(last, &re) || !strings.Contains(re.Reason, "ends early") || len(got) == 0 || len(got) > 2 {
		t.Errorf("groups %v, last error %v; want the first records then an 'ends early' error", got, last)
	}
}

// A native file is streamed with the right line for a bad record deep in
// it, whatever the layout, and every good record kept.
func TestNativeStreamLines(t *testing.T) {
	v := vocab(t)
	var b strings.Builder
	b.WriteString("{\n  \"note\": {\"a\": [1, 2]},\n  \"groups\": [\n")
	wantLine := 0
	const n = 3000
	for i := range n {
		if i > 0 {
			b.WriteString(",")
			if i%3 == 0 {
				b.WriteString("\n\n")
			}
		}
		line := strings.Count(b.String(), "\n") + 1
		name := fmt.Sprintf("Group %d", i)
		if i == n-7 {
			name, wantLine = "", line
		}
		fmt.Fprintf(&b, `{"id": "g-%d",`+"\n"+` "name": %q, "topics": ["grief"], "format": "online", "source": "https://example.org", "last_verified": "2026-11-25"}`, i, name)
	}
	b.WriteString("\n]}\n")
	gs, ps := ParseGroups("big.json", []byte(b.String()), v)
	var re *data.RecordError
	if len(gs) != n-1 || len(ps) != 1 || !errors.As(ps[0], &re) {
		t.Fatalf("%d groups, problems %v", len(gs), ps)
	}
	if re.Line != wantLine || re.Record != n-6 || re.Field != "name" {
		t.Errorf("problem %v, want line %d record %d field name", re, wantLine, n-6)
	}
}

// Stream and Import agree on every sample source.
func TestStreamEqualsImport(t *testing.T) {
	v := vocab(t)
	for _, src := range []string{"testdata/import/sample-meeting-guide-feed.json", "testdata/import/groups.csv", "testdata/import/hsds-services.json", "testdata/import/hsds-tables", "testdata/metro-feed.json"} {
		gs, ps, err := Import(v, src, ImportOptions{TimeZone: "America/Chicago"})
		var sg []*data.Group
		var sp []error
		serr := Stream(context.Background(), v, src, ImportOptions{TimeZone: "America/Chicago"}, func(g *data.Group) bool { sg = append(sg, g); return true }, func(e error) { sp = append(sp, e) })
		if fmt.Sprint(err) != fmt.Sprint(serr) || len(gs) != len(sg) || len(ps) != len(sp) {
			t.Errorf("%s: Import %d groups %d problems %v; Stream %d, %d, %v", src, len(gs), len(ps), err, len(sg), len(sp), serr)
			continue
		}
		for i := range gs {
			if gs[i].ID != sg[i].ID {
				t.Errorf("%s: group %d is %s, streamed %s", src, i, gs[i].ID, sg[i].ID)
				break
			}
		}
	}
}

func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feed.json")
	os.WriteFile(path, []byte(`[{"slug": "a"}]`), 0o644)
	fp, err := Fingerprint(path)
	if err != nil {
		t.Fatal(err)
	}
	if cur, same, err := Check(path, fp); err != nil || !same || cur != fp {
		t.Errorf("untouched: %s %v %v", cur, same, err)
	}
	later := time.Now().Add(time.Hour)
	os.Chtimes(path, later, later) // touched, same content
	cur, same, err := Check(path, fp)
	if err != nil || !same || cur == fp {
		t.Errorf("touched: %s %v %v; want unchanged with a new fingerprint", cur, same, err)
	}
	os.WriteFile(path, []byte(`[{"slug": "b"}]`), 0o644) // same size, new content (and time)
	if _, same, err := Check(path, cur); err != nil || same {
		t.Errorf("changed content of the same size: same %v, %v", same, err)
	}
	// A folder: a file added changes it.
	os.WriteFile(filepath.Join(dir, "b.csv"), []byte("id\n"), 0o644)
	fd, _ := Fingerprint(dir)
	os.WriteFile(filepath.Join(dir, "c.json"), []byte("[]"), 0o644)
	if _, same, err := Check(dir, fd); err != nil || same {
		t.Errorf("folder with a file added: same %v, %v", same, err)
	}
	if _, err := Fingerprint("https://example.org/feed.json"); err == nil {
		t.Error("a URL has a fingerprint")
	}
	if _, _, err := Check(filepath.Join(dir, "gone.json"), fp); err == nil {
		t.Error("a missing file checks")
	}
}

// Every format that can be one big file stops between two groups when
// its context is cancelled mid-file, and says so with ctx's error.
func TestStreamCancelEveryFormat(t *testing.T) {
	dir := t.TempDir()
	feed := filepath.Join(dir, "feed.json")
	genFeed(t, feed, 300)
	native, sheet, hsds := filepath.Join(dir, "groups.json"), filepath.Join(dir, "groups.csv"), filepath.Join(dir, "services.json")
	writeNative(t, feed, native)
	writeCSV(t, feed, sheet)
	genHSDS(t, hsds, 300)
	v := vocab(t)
	for _, path := range []string{feed, native, sheet, hsds} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n := 0
			err := Stream(ctx, v, path, ImportOptions{TimeZone: "America/Chicago"}, func(*data.Group) bool {
				if n++; n == 10 {
					cancel()
				}
				return true
			}, func(err error) { t.Errorf("problem %v", err) })
			if !errors.Is(err, context.Canceled) || n != 10 {
				t.Errorf("%d groups, err %v; want 10 then context.Canceled", n, err)
			}
		})
	}
}

// A native file streamed with a bad record in it and cut off at the end:
// the good records around the bad one are handed over, the bad one is
// one problem naming the file, record, line and field, and the cut is the
// error (so the caller knows the source is incomplete).
func TestStreamNativeBadRecordAndTruncation(t *testing.T) {
	rec := func(id, tz string) string {
		return `{"id": "` + id + `", "name": "Group ` + id + `", "topics": ["grief"], "format": "online",
  "online": {"url": "https://meet.example/` + id + `"}, "timezone": "` + tz + `",
  "meetings": [{"rrule": "FREQ=WEEKLY;BYDAY=TH", "start": "19:00"}],
  "source": "https://example.org", "last_verified": "2026-01-01"}`
	}
	whole := "{\"groups\": [\n" + rec("a", "America/Chicago") + ",\n" + rec("b", "Mars/Olympus") + ",\n" +
		rec("c", "America/Denver") + ",\n" + rec("d", "America/Chicago") + "\n]}\n"
	cut := whole[:strings.Index(whole, `"id": "d"`)+20]
	path := filepath.Join(t.TempDir(), "groups.json")
	os.WriteFile(path, []byte(cut), 0o644)
	var ids []string
	var problems []error
	err := Stream(context.Background(), vocab(t), path, ImportOptions{}, func(g *data.Group) bool {
		ids = append(ids, g.ID)
		return true
	}, func(err error) { problems = append(problems, err) })
	if strings.Join(ids, ",") != "a,c" {
		t.Errorf("groups %v, want a,c", ids)
	}
	var re *data.RecordError
	zone := false
	for _, p := range problems {
		if !errors.As(p, &re) || re.Source != path || re.Record != 2 || re.Line != 6 || re.ID != "b" {
			t.Errorf("problem %v, want %s record 2 (id b) at line 6", p, path)
		}
		zone = zone || re.Field == "timezone" && strings.Contains(re.Reason, "Mars/Olympus")
	}
	if !zone {
		t.Errorf("problems %v, want one for field timezone naming the zone", problems)
	}
	if !errors.As(err, &re) || re.Source != path || re.Record != 4 {
		t.Errorf("err %v, want %s record 4 cut off", err, path)
	}
}

// A byte that is not UTF-8 in one record of a UTF-8 feed makes the
// whole feed suspect (its other accented letters may be wrong too), so
// the read stops there with an error naming the file and the line; the
// groups before it were handed over, and the error says the source is
// incomplete.
func TestStreamInvalidUTF8InOneRecord(t *testing.T) {
	// Past the first 64 KB, which are sniffed for the format before any
	// record is read.
	recs := []any{with(good("a"), "name", "Café")}
	for i := range 400 {
		recs = append(recs, good(fmt.Sprint("b", i)))
	}
	recs = append(recs, with(good("c"), "name", "Caf#"), good("d"))
	b := feedOf(t, recs...)
	b = bytes.Replace(b, []byte("Caf#"), []byte("Caf\xe9"), 1) // Latin-1 é: json.Marshal would have mended it
	path := filepath.Join(t.TempDir(), "feed.json")
	os.WriteFile(path, b, 0o644)
	var ids []string
	err := Stream(context.Background(), vocab(t), path, ImportOptions{}, func(g *data.Group) bool {
		ids = append(ids, g.ID)
		return true
	}, func(err error) { t.Errorf("problem %v", err) })
	var ee *EncodingError
	wantLine := bytes.Count(b[:bytes.IndexByte(b, 0xe9)], []byte{'\n'}) + 1
	if !errors.As(err, &ee) || !errors.Is(err, ErrEncoding) || ee.Line != wantLine || !strings.Contains(err.Error(), path) {
		t.Errorf("err %v, want an encoding error naming %s, line %d", err, path, wantLine)
	}
	if len(ids) != 401 || ids[0] != "a" || ids[400] != "b399" {
		t.Errorf("%d groups before the bad byte, want the 401 before it", len(ids))
	}
}

// Check takes a fingerprint whose size and time agree at its word: the
// file is not read (a restart on an unchanged 500,000-group file costs a
// stat, not a hash of 150 MB).
func TestCheckDoesNotReadAnUnchangedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feed.json")
	os.WriteFile(path, []byte(`[{"slug": "a"}]`), 0o644)
	fp, err := Fingerprint(path)
	if err != nil {
		t.Fatal(err)
	}
	size, mod, _, ok := parseFingerprint(fp)
	if !ok {
		t.Fatalf("fingerprint %q does not parse", fp)
	}
	forged := fmt.Sprintf("%d:%d:%s", size, mod, strings.Repeat("0", 32))
	if cur, same, err := Check(path, forged); err != nil || !same || cur != forged {
		t.Errorf("Check(%q) = %q, %v, %v: it hashed a file whose size and time are unchanged", forged, cur, same, err)
	}
}

// A native record that is not JSON costs that record only when its
// brackets balance: the records after it are read, as are the keys after
// the groups array, which must still be JSON.
func TestNativeMalformedRecordAndKeysAfterGroups(t *testing.T) {
	rec := func(id string) string {
		return `{"id": "` + id + `", "name": "G", "topics": ["grief"], "format": "online", "online": {"url": "https://meet.example/x"}, "source": "https://example.org", "last_verified": "2026-01-01"}`
	}
	in := "{\"note\": [1, {\"a\": \"]\"}],\n\"groups\": [" + rec("a") + ",\n{\"id\": \"b\" \"name\": 1},\n" + rec("c") + "\n], \"after\": {\"x\": [2]}}\n"
	gs, ps := ParseGroups("groups.json", []byte(in), vocab(t))
	var re *data.RecordError
	if len(gs) != 2 || gs[0].ID != "a" || gs[1].ID != "c" || len(ps) != 1 || !errors.As(ps[0], &re) ||
		re.Record != 2 || re.Line != 3 || !strings.Contains(re.Reason, "malformed JSON") {
		t.Errorf("groups %d, problems %v; want a and c kept, record 2 (line 3) malformed", len(gs), ps)
	}
	_, ps = ParseGroups("groups.json", []byte(strings.Replace(in, `"x": [2]`, `"x": [2}`, 1)), vocab(t))
	if len(ps) != 2 || !strings.Contains(ps[1].Error(), "groups.json: malformed JSON") {
		t.Errorf("broken JSON after the groups: problems %v", ps)
	}
}
