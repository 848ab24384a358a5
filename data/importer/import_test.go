package importer

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/data"
)

// TestLoadSourcesEveryFormat loads a folder holding a Meeting Guide feed,
// a plain CSV and a native file, plus an HSDS table folder, as the bot's
// --data does: every format, each file a source of its own.
func TestLoadSourcesEveryFormat(t *testing.T) {
	v := vocab(t)
	dir := t.TempDir()
	copyFile(t, sampleFeed, filepath.Join(dir, "feed.json"))
	copyFile(t, "testdata/import/groups.csv", filepath.Join(dir, "groups.csv"))
	native := `{"groups": [{"id": "native-one", "name": "Native One", "topics": ["grief"], "format": "online",
		"online": {"url": "https://meet.example/one"}, "source": "https://example.org", "last_verified": "2026-01-01"}]}`
	if err := os.WriteFile(filepath.Join(dir, "native.json"), []byte(native), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := ImportOptions{Gazetteer: testGazetteer()}
	d, ps, dups, err := LoadSources(context.Background(), v, []string{dir, "testdata/import/hsds-tables"}, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	// The table set has bad records on purpose; nothing else may.
	tables, tablePs, err := Import(v, "testdata/import/hsds-tables", opts)
	if err != nil || len(tables) == 0 {
		t.Fatalf("HSDS tables: %d groups, %v", len(tables), err)
	}
	if Rejected(ps) != Rejected(tablePs) || len(dups) != 0 {
		t.Errorf("problems %v, duplicates %v", ps, dups)
	}
	want := map[string]string{"after-work-topic-meeting": "feed.json", "oak-grief": "groups.csv", "native-one": "native.json"}
	for id, src := range want {
		g, ok := d.Group(id)
		if !ok {
			t.Errorf("%s (from %s) not loaded", id, src)
			continue
		}
		if filepath.Base(g.Origin().Source) != src {
			t.Errorf("%s loaded from %s, want %s", id, g.Origin().Source, src)
		}
	}
	if _, ok := d.Group(tables[0].ID); !ok {
		t.Errorf("HSDS table group %s not loaded", tables[0].ID)
	}
	// A source that cannot be read whole fails the load: serving half a
	// feed would hide meetings.
	broken := filepath.Join(t.TempDir(), "broken.json")
	if err := os.WriteFile(broken, []byte(`[{"name": "x", "slug": "x"`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := LoadSources(context.Background(), v, []string{dir, broken}, nil, opts); err == nil {
		t.Error("a truncated feed should fail the load")
	}
	if _, _, _, err := LoadSources(context.Background(), v, []string{"https://example.org/feed.json"}, nil, ImportOptions{}); err == nil {
		t.Error("a URL without a fetcher should fail, not reach the network")
	}
}

// TestLoadSourcesSharedIDs: two sources with the same id for different
// meetings keep both; the later is renamed after its source.
func TestLoadSourcesSharedIDs(t *testing.T) {
	v := vocab(t)
	a := writeMG(t, "north.json", good("lunch"))
	b := writeMG(t, "south.json", with(good("lunch"), "name", "Lunch Bunch South", "day", 4))
	d, ps, dups, err := LoadSources(context.Background(), v, []string{a, b}, nil, ImportOptions{})
	if err != nil || len(dups) != 0 {
		t.Fatal(err, dups)
	}
	if len(d.Groups) != 2 {
		t.Fatalf("%d groups, want both", len(d.Groups))
	}
	g, ok := d.Group("south.lunch")
	if !ok || g.Name != "Lunch Bunch South" {
		t.Errorf("the later listing should be served as south.lunch: %v", d.Groups)
	}
	if len(ps) != 1 || !IsWarning(ps[0]) || !strings.Contains(ps[0].Error(), `served as "south.lunch"`) {
		t.Errorf("problems %v, want one warning naming the new id", ps)
	}
}

func TestMergeDuplicates(t *testing.T) {
	v := vocab(t)
	zoom := "https://zoom.us/j/123?pwd=x"
	read := func(name string, recs ...any) SourceGroups {
		gs, ps, err := ImportReader(v, name, bytes.NewReader(feedOf(t, recs...)), ImportOptions{Format: SourceMeetingGuide})
		if err != nil || len(ps) != 0 {
			t.Fatal(err, ps)
		}
		return SourceGroups{Name: name, Groups: gs}
	}
	a := read("a.json",
		good("same-place"),
		with(good("zoom"), "conference_url", zoom, "formatted_address", nil, "latitude", nil, "longitude", nil),
		with(good("other-day"), "day", 5),
		with(good("in-a-twice"), "name", "Twice"), with(good("in-a-twice-2"), "name", "Twice", "types", []string{"O", "X"}))
	b := read("b.json",
		with(good("copy"), "latitude", 42.1004, "longitude", -72.5903, "types", []string{"O", "B"}, "conference_url", "https://meet.example/x",
			"url", "https://b.example/copy"),
		with(good("zoom-elsewhere"), "name", "Other Name", "conference_url", "http://www.zoom.us/j/123/?pwd=x", "formatted_address", nil, "latitude", nil, "longitude", nil),
		with(good("other-day-b"), "name", "Meeting other-day", "day", 6),
		with(good("zoom-other-time"), "conference_url", zoom, "time", "08:00", "formatted_address", nil, "latitude", nil, "longitude", nil))
	a.Groups[0].Name, b.Groups[0].Name = "Monday Serenity", "Monday  serenity!"
	gs, dups := MergeDuplicates([]SourceGroups{a, b})
	var ids []string
	for _, g := range gs {
		ids = append(ids, g.ID)
	}
	want := []string{"same-place", "zoom", "other-day", "in-a-twice", "in-a-twice-2", "other-day-b", "zoom-other-time"}
	if !slices.Equal(ids, want) {
		t.Errorf("kept %v, want %v", ids, want)
	}
	if len(dups) != 2 {
		t.Fatalf("duplicates %v, want 2", dups)
	}
	if d := dups[0]; d.Kept.ID != "same-place" || d.Merged.ID != "copy" || d.Kept.Source != "a.json" || d.Merged.Source != "b.json" ||
		d.Kept.Record != 1 || d.Merged.Record != 1 || d.Why != "same name, time and place" {
		t.Errorf("first duplicate %+v", d)
	}
	if d := dups[1]; d.Kept.ID != "zoom" || d.Merged.ID != "zoom-elsewhere" || d.Merged.Record != 2 || d.Why != "same conference link at the same time" {
		t.Errorf("second duplicate %+v", d)
	}
	kept := gs[0]
	if !slices.Equal(kept.AlsoListedBy, []string{"https://b.example/copy"}) || !slices.Equal(kept.Types, []string{"B", "O"}) ||
		kept.Format != data.FormatHybrid || kept.Online.URL != "https://meet.example/x" {
		t.Errorf("merged listing %+v: want b's source named, its codes and link added", kept)
	}
	if s := dups[0].String(); !strings.Contains(s, `a.json:2: record 1 (id "same-place") and b.json:2: record 1 (id "copy")`) {
		t.Errorf("String() = %q", s)
	}
}

func TestDupNorm(t *testing.T) {
	for _, c := range [][2]string{{"Monday  Serenity!", "mondayserenity"}, {"Reunión de la Mañana", "reuniondelamanana"}, {"12 & 12", "1212"}} {
		if got := dupNorm(c[0]); got != c[1] {
			t.Errorf("dupNorm(%q) = %q, want %q", c[0], got, c[1])
		}
	}
	if dupNorm("Reunión") != dupNorm("REUNION") {
		t.Error("accents and case should not tell two names apart")
	}
}

func writeMG(t *testing.T, name string, recs ...any) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, feedOf(t, recs...), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkLoad100k compares the loader every command now uses
// (LoadSources: format detection, the text reader, duplicate merging)
// with the native-only LoadDirectory it replaced, on a stored source of
// 100,000 meetings.
func BenchmarkLoad100k(b *testing.B) {
	v := vocab(b)
	dir := b.TempDir()
	feed := filepath.Join(dir, "feed.json")
	genFeed(b, feed, 100000)
	gs, _, err := Import(v, feed, ImportOptions{})
	if err != nil {
		b.Fatal(err)
	}
	store := SourceStore{Dir: filepath.Join(dir, "state")}
	if _, err := store.Put("feed", StoredSource{Source: feed, Format: SourceMeetingGuide}, gs, nil, false); err != nil {
		b.Fatal(err)
	}
	b.Run("LoadSources", func(b *testing.B) {
		for b.Loop() {
			d, ps, _, err := LoadSources(context.Background(), v, []string{store.Dir}, nil, ImportOptions{})
			if err != nil || len(ps) != 0 || len(d.Groups) != 100000 {
				b.Fatalf("%d groups, %d problems, %v", len(d.Groups), len(ps), err)
			}
		}
	})
	b.Run("LoadDirectory", func(b *testing.B) {
		for b.Loop() {
			d, ps, err := LoadDirectory(v, store.Dir)
			if err != nil || len(ps) != 0 || len(d.Groups) != 100000 {
				b.Fatalf("%d groups, %d problems, %v", len(d.Groups), len(ps), err)
			}
		}
	})
}
