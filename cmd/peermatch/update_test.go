package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/index/indextest"
)

// writeSources writes the groups as native files of per groups each under
// dir, and returns the file names.
func writeSources(tb testing.TB, dir string, groups []*data.Group, per int) []string {
	tb.Helper()
	var files []string
	for i := 0; i < len(groups); i += per {
		f := filepath.Join(dir, fmt.Sprintf("source-%03d.json", i/per))
		b, err := json.Marshal(map[string]any{"groups": groups[i:min(len(groups), i+per)]})
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(f, b, 0o600); err != nil {
			tb.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// editSource renames the first half of a source's listings, so a reload
// has real changes to apply, and returns the id of the first.
func editSource(tb testing.TB, file string, round int) string {
	tb.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	var src struct{ Groups []*data.Group }
	if err := json.Unmarshal(b, &src); err != nil {
		tb.Fatal(err)
	}
	for _, g := range src.Groups[:len(src.Groups)/2] {
		g.Name = "Round " + strconv.Itoa(round) + " " + g.Name
	}
	if b, err = json.Marshal(map[string]any{"groups": src.Groups}); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	return src.Groups[0].ID
}

func synthetic(tb testing.TB, n int) []*data.Group {
	tb.Helper()
	v, err := data.DefaultVocabulary()
	if err != nil {
		tb.Fatal(err)
	}
	return indextest.Synthetic(n, 3, v, place.DefaultGazetteer()).Groups
}

// TestReloadUpdatesInPlace: a change to one source of a directory big
// enough to live on disk is applied to the index in use (no second index
// is built beside it), and a restart finds that index again instead of
// rebuilding.
func TestReloadUpdatesInPlace(t *testing.T) {
	dir := t.TempDir()
	files := writeSources(t, dir, synthetic(t, 6000), 1000)
	getenv := env(t)
	a, err := newApp(context.Background(), getenv, io.Discard, dir)
	if err != nil {
		t.Fatal(err)
	}
	path := a.idxPath
	if path == "" {
		t.Fatal("a 6,000-listing directory should be indexed on disk")
	}
	time.Sleep(20 * time.Millisecond)
	edited := editSource(t, files[2], 1)
	before := a.idx
	if err := a.reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if a.idxPath != path {
		t.Errorf("reload built a new index at %s; want the one at %s updated", a.idxPath, path)
	}
	if _, ok := before.(*index.Bleve); !ok || a.idx == before {
		t.Errorf("reload did not swap in the updated index")
	}
	g, ok := a.live.Group(edited)
	if !ok || g.Name[:7] != "Round 1" {
		t.Errorf("the edited listing is not served: %+v", g)
	}
	a.Close()

	b, err := newApp(context.Background(), getenv, io.Discard, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.idxPath != path || index.BuiltFor(path) != b.dir.Hash() {
		t.Errorf("restart opened %s (built for %q); want the updated index at %s", b.idxPath, index.BuiltFor(b.idxPath), path)
	}
}

// BenchmarkReloadOneSource measures a reload after one source of 1,000
// listings changed, in a directory of PEERMATCH_BENCH_N listings (default
// 100,000) in sources of 1,000: reading the sources (only the changed one
// is parsed), comparing, and updating the index in place (issue 14: ≤ 5 s
// at 100,000).
// Run: go test ./cmd/peermatch -run XXX -bench ReloadOneSource -benchtime 3x
func BenchmarkReloadOneSource(b *testing.B) {
	n := 100_000
	if s := os.Getenv("PEERMATCH_BENCH_N"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	files := writeSources(b, dir, synthetic(b, n), 1000)
	state := b.TempDir()
	a, err := newApp(context.Background(), func(k string) string {
		if k == "PEERMATCH_STATE" {
			return state
		}
		return ""
	}, io.Discard, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		time.Sleep(10 * time.Millisecond) // a modification time the cache can tell apart
		editSource(b, files[i%len(files)], i)
		b.StartTimer()
		start := time.Now()
		if err := a.reload(context.Background()); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/reload")
}
