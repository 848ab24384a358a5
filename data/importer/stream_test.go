package importer

import (
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
