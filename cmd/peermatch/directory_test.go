package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/data/importer"

	"github.com/peermatch/peermatch/data"
)

const sampleFeed = "../../data/importer/testdata/import/sample-meeting-guide-feed.json"

// geocodedFeed is the sample as our export writes it, with the ZIP
// centroids as coordinates, so tests that run many commands do not each
// load the gazetteer.
const geocodedFeed = "../../data/importer/testdata/import/sample-meeting-guide-feed-geocoded.json"

func runCmd(t *testing.T, getenv func(string) string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

// feedWithout writes the sample feed minus the meetings whose slugs are
// given, plus any extra meeting objects.
func feedWithout(t *testing.T, drop []string, extra ...map[string]any) string {
	t.Helper()
	b, err := os.ReadFile(geocodedFeed)
	if err != nil {
		t.Fatal(err)
	}
	var ms []map[string]any
	if err := json.Unmarshal(b, &ms); err != nil {
		t.Fatal(err)
	}
	var keep []map[string]any
	for _, m := range ms {
		if !contains(drop, m["slug"].(string)) {
			keep = append(keep, m)
		}
	}
	keep = append(keep, extra...)
	out, _ := json.Marshal(keep)
	p := filepath.Join(t.TempDir(), "feed.json")
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestValidateSampleFeed(t *testing.T) {
	out, errOut, err := runCmd(t, env(t), "validate", sampleFeed)
	if err != nil {
		t.Fatalf("validate: %v\n%s%s", err, out, errOut)
	}
	if !strings.Contains(out, "meeting-guide, 36 good, 0 rejected, 0 warnings") {
		t.Errorf("summary missing: %q", out)
	}
}

func TestValidateBadFeedJSON(t *testing.T) {
	bad := feedWithout(t, nil,
		map[string]any{"name": "Bad Day", "slug": "bad-day", "day": 9, "time": "19:00", "timezone": "America/Chicago", "conference_url": "https://zoom.example/j/1", "updated": "2025-01-01"},
		map[string]any{"name": "Odd Type", "slug": "odd-type", "day": 1, "time": "19:00", "timezone": "America/Chicago", "conference_url": "https://zoom.example/j/2", "updated": "2025-01-01", "types": []string{"QQ"}})
	out, _, err := runCmd(t, env(t), "validate", "--json", bad)
	if exitStatus(err) != 1 {
		t.Fatalf("validate of a feed with a rejected record: err %v, want exit status 1", err)
	}
	var rep struct {
		OK      bool `json:"ok"`
		Sources []struct {
			Groups, Rejected, Warnings int
			Problems                   []struct {
				Severity, Field, Reason string
				Record, Line            int
			}
		} `json:"sources"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	s := rep.Sources[0]
	if rep.OK || s.Groups != 37 || s.Rejected != 1 || s.Warnings != 1 || len(s.Problems) != 2 {
		t.Fatalf("report %+v", rep)
	}
	p := s.Problems[0]
	if p.Severity != "error" || p.Field != "day" || p.Record != 37 || !strings.Contains(p.Reason, "got 9") {
		t.Errorf("problem %+v: want record 37, field day, got 9", p)
	}
	if w := s.Problems[1]; w.Severity != "warning" || w.Field != "types" {
		t.Errorf("problem %+v: want a types warning", w)
	}
}

func TestImportIdempotentRemovalAndExport(t *testing.T) {
	getenv := env(t)
	state := getenv("PEERMATCH_STATE")
	out, errOut, err := runCmd(t, getenv, "import", "--name", "san-jose", "--source-url", "https://intergroup.example/feed", geocodedFeed)
	if err != nil {
		t.Fatalf("import: %v\n%s%s", err, out, errOut)
	}
	stored := filepath.Join(state, "directory", "san-jose.json")
	first, err := os.ReadFile(stored)
	if err != nil {
		t.Fatal(err)
	}
	st1, _ := os.Stat(stored)

	// The same input again: nothing changes, not even the file's time.
	out, _, err = runCmd(t, getenv, "import", "--name", "san-jose", "--source-url", "https://intergroup.example/feed", geocodedFeed)
	if err != nil || !strings.Contains(out, "unchanged as san-jose: 36 groups") {
		t.Fatalf("second import: %v %q", err, out)
	}
	again, _ := os.ReadFile(stored)
	st2, _ := os.Stat(stored)
	if !bytes.Equal(first, again) || !st1.ModTime().Equal(st2.ModTime()) {
		t.Error("importing identical input rewrote the stored file")
	}

	// A record removed from the source disappears.
	smaller := feedWithout(t, []string{"the-shared-gift"})
	if out, _, err = runCmd(t, getenv, "import", "--name", "san-jose", "--source-url", "https://intergroup.example/feed", smaller); err != nil {
		t.Fatalf("import smaller: %v %s", err, out)
	}
	v, _ := data.DefaultVocabulary()
	dir, problems, err := importer.SourceStore{Dir: filepath.Join(state, "directory")}.Load(v)
	if err != nil || len(problems) != 0 {
		t.Fatal(err, problems)
	}
	if _, ok := dir.Group("the-shared-gift"); ok || len(dir.Groups) != 35 {
		t.Errorf("after removing a record: %d groups, the-shared-gift still there: %v", len(dir.Groups), ok)
	}

	// A second source with the same slugs keeps its own ids.
	if out, _, err = runCmd(t, getenv, "import", "--name", "copy", geocodedFeed); err != nil {
		t.Fatalf("second source: %v %s", err, out)
	}
	if !strings.Contains(out, `35 ids prefixed with "copy."`) {
		t.Errorf("want 35 colliding ids prefixed, got %q", out)
	}
	dir, _, _ = importer.SourceStore{Dir: filepath.Join(state, "directory")}.Load(v)
	if len(dir.Groups) != 71 {
		t.Errorf("two sources: %d groups, want 35+36", len(dir.Groups))
	}
	if _, ok := dir.Group("copy.the-shared-gift"); ok {
		t.Error("the-shared-gift is only in the copy, so it keeps its id")
	}
	if _, ok := dir.Group("copy.after-work-topic-meeting"); !ok {
		t.Error("a colliding id should be prefixed with the source name")
	}

	out, _, err = runCmd(t, getenv, "import", "--list")
	if err != nil || !strings.Contains(out, "san-jose") || !strings.Contains(out, "copy") || !strings.Contains(out, "36") {
		t.Errorf("--list: %v %q", err, out)
	}
	if _, _, err = runCmd(t, getenv, "import", "--remove", "copy"); err != nil {
		t.Fatal(err)
	}
	if _, _, err = runCmd(t, getenv, "import", "--remove", "copy"); exitStatus(err) != 1 {
		t.Errorf("removing a missing source: %v, want exit 1", err)
	}

	// Export, then validate what we exported: a feed other tools can read.
	feed := filepath.Join(t.TempDir(), "out.json")
	if out, errOut, err = runCmd(t, getenv, "export", "--out", feed); err != nil {
		t.Fatalf("export: %v %s", err, errOut)
	}
	if !strings.Contains(errOut, "exported 35 meetings from 35 listings (0 left out)") {
		t.Errorf("export summary: %q", errOut)
	}
	if out, _, err = runCmd(t, getenv, "validate", feed); err != nil || !strings.Contains(out, "35 good, 0 rejected") {
		t.Errorf("validate the export: %v %q", err, out)
	}
	sheet := filepath.Join(t.TempDir(), "out.csv")
	if out, errOut, err = runCmd(t, getenv, "export", "--format", "csv", "--out", sheet); err != nil || !strings.Contains(errOut, "from 35 listings (0 left out)") {
		t.Fatalf("export --format csv: %v %s", err, errOut)
	}
	if out, _, err = runCmd(t, getenv, "validate", sheet); err != nil || !strings.Contains(out, "35 good, 0 rejected, 0 warnings") {
		t.Errorf("validate the CSV export: %v %q", err, out)
	}
}

func TestImportDifferentSourceSameName(t *testing.T) {
	getenv := env(t)
	dir1, dir2 := t.TempDir(), t.TempDir()
	b, _ := os.ReadFile(geocodedFeed)
	for _, d := range []string{dir1, dir2} {
		os.WriteFile(filepath.Join(d, "feed.json"), b, 0o644)
	}
	if _, _, err := runCmd(t, getenv, "import", filepath.Join(dir1, "feed.json")); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := runCmd(t, getenv, "import", filepath.Join(dir2, "feed.json"))
	if exitStatus(err) != 1 || !strings.Contains(errOut, "choose another --name") {
		t.Errorf("a second feed.json must not silently replace the first: %v %q", err, errOut)
	}
}

func TestImportBrokenSourceKeepsStored(t *testing.T) {
	getenv := env(t)
	if _, _, err := runCmd(t, getenv, "import", "--name", "feed", geocodedFeed); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(geocodedFeed)
	cut := filepath.Join(t.TempDir(), "cut.json")
	os.WriteFile(cut, b[:len(b)/2], 0o644)
	_, errOut, err := runCmd(t, getenv, "import", "--name", "feed", cut)
	if exitStatus(err) != 1 || !strings.Contains(errOut, "not stored") || !strings.Contains(errOut, "ends early") {
		t.Fatalf("truncated source: %v %q", err, errOut)
	}
	out, _, _ := runCmd(t, getenv, "import", "--list")
	if !strings.Contains(out, "36") {
		t.Errorf("a truncated download must leave the stored source whole: %q", out)
	}
}

func TestImportURL(t *testing.T) {
	b, err := os.ReadFile(geocodedFeed)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/meetings.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}))
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server at %s, want loopback", srv.URL)
	}
	getenv := env(t)
	out, errOut, err := runCmd(t, getenv, "import", srv.URL+"/meetings.json")
	if err != nil {
		t.Fatalf("import URL: %v %s %s", err, out, errOut)
	}
	if !strings.Contains(out, "stored as 127-0-0-1") || !strings.Contains(out, "36 groups") {
		t.Errorf("import URL: %q", out)
	}
	_, errOut, err = runCmd(t, getenv, "import", srv.URL+"/missing.json")
	if exitStatus(err) != 1 || !strings.Contains(errOut, "404") {
		t.Errorf("a 404 should fail the source: %v %q", err, errOut)
	}
}

func TestDirectoryCommandUsage(t *testing.T) {
	for _, args := range [][]string{{"validate"}, {"import"}, {"validate", "--format", "xml", geocodedFeed}} {
		_, _, err := runCmd(t, env(t), args...)
		var ec exitCode
		if !errors.As(err, &ec) || ec != 2 {
			t.Errorf("%v: err %v, want exit status 2", args, err)
		}
	}
}

// Issue 12: a cell a spreadsheet would run as a formula is a warning
// naming the record and field; an unterminated quote is an error, not a
// panic.
func TestValidateFormulaCellAndBrokenQuote(t *testing.T) {
	getenv := env(t)
	dir := t.TempDir()
	sheet := filepath.Join(dir, "sheet.csv")
	os.WriteFile(sheet, []byte("id,name,topics,format,online_url,timezone,day,time,source,last_verified\n"+
		"x,\"=HYPERLINK(\"\"http://evil.example\"\")\",grief,online,https://meet.example/x,America/Chicago,Monday,19:00,https://example.org,2026-01-01\n"), 0o644)
	out, _, err := runCmd(t, getenv, "validate", sheet)
	if err != nil || !strings.Contains(out, `warning: `+sheet+`:2: record 1 (id "x"): field name: starts with "="`) || !strings.Contains(out, "1 good, 0 rejected, 1 warnings") {
		t.Errorf("validate: %v %q", err, out)
	}
	broken := filepath.Join(dir, "broken.csv")
	os.WriteFile(broken, []byte("id,name,topics,format\n\"0000"), 0o644)
	out, _, err = runCmd(t, getenv, "validate", broken)
	if exitStatus(err) != 1 || !strings.Contains(out, broken+":2: record 1: malformed CSV") {
		t.Errorf("validate an unterminated quote: %v %q", err, out)
	}
}

func TestImportNotTwelveStep(t *testing.T) {
	getenv := env(t)
	feed := writeFeed(t, "secular.json", nycSaturday())
	if o, e, err := runCmd(t, getenv, "import", "--not-twelve-step", feed); err != nil {
		t.Fatalf("import: %v\n%s%s", err, o, e)
	}
	store, err := directoryStore(getenv)
	if err != nil {
		t.Fatal(err)
	}
	dir, _, err := store.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := dir.Group("midnight-oil")
	if !ok || g.TwelveStep {
		t.Errorf("imported with --not-twelve-step: %+v", g)
	}
}
