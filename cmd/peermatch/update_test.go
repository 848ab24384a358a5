package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/data"
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

// logTo is env with the logs at info level going to w.
func logTo(t testing.TB, state string) func(string) string {
	return func(k string) string {
		switch k {
		case "PEERMATCH_STATE":
			return state
		case "PEERMATCH_LOG_FORMAT":
			return "json"
		}
		return ""
	}
}

// TestReloadUpdatesInPlace: a change to one source of a directory with
// files in it is applied to the index in use as a difference (no index is
// built), a restart on unchanged sources reopens the index without reading
// a source, and a restart after a source changed applies only that one.
func TestReloadUpdatesInPlace(t *testing.T) {
	dir := t.TempDir()
	files := writeSources(t, dir, synthetic(t, 6000), 1000)
	getenv := logTo(t, t.TempDir())
	var logs syncBuffer
	a, err := newApp(context.Background(), getenv, &logs, dir)
	if err != nil {
		t.Fatal(err)
	}
	path, idx := a.idxPath, a.idx
	if path == "" {
		t.Fatal("a directory of files should be indexed on disk")
	}
	if !strings.Contains(logs.String(), `"msg":"search index built"`) {
		t.Errorf("first start: no build logged:\n%s", logs.String())
	}
	time.Sleep(20 * time.Millisecond)
	edited := editSource(t, files[2], 1)
	logs.Reset()
	if err := a.reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if a.idxPath != path || a.idx != idx {
		t.Errorf("reload replaced the index (%s); want the one at %s updated", a.idxPath, path)
	}
	if g, ok := a.live.Group(edited); !ok || !strings.HasPrefix(g.Name, "Round 1") {
		t.Errorf("the edited listing is not served: %+v", g)
	}
	applied := func(l string) []string {
		var out []string
		for _, line := range strings.Split(l, "\n") {
			var rec struct{ Msg, Source string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "directory source applied" {
				out = append(out, filepath.Base(rec.Source))
			}
		}
		return out
	}
	if got := applied(logs.String()); len(got) != 1 || got[0] != "source-002.json" || !strings.Contains(logs.String(), `"changed":500`) {
		t.Errorf("reload applied %v, want only source-002.json with its 500 changes:\n%s", got, logs.String())
	}
	a.Close()

	logs.Reset()
	b, err := newApp(context.Background(), getenv, &logs, dir)
	if err != nil {
		t.Fatal(err)
	}
	if b.idxPath != path || strings.Contains(logs.String(), "search index built") || len(applied(logs.String())) > 0 {
		t.Errorf("restart on unchanged sources should reopen %s and read nothing:\n%s", path, logs.String())
	}
	if g, ok := b.live.Group(edited); !ok || !strings.HasPrefix(g.Name, "Round 1") || b.idx.Count() != 6000 {
		t.Errorf("after restart: %+v, %d listings", g, b.idx.Count())
	}
	b.Close()

	time.Sleep(20 * time.Millisecond)
	edited = editSource(t, files[4], 2)
	logs.Reset()
	c, err := newApp(context.Background(), getenv, &logs, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := applied(logs.String()); strings.Contains(logs.String(), "search index built") || len(got) != 1 || got[0] != "source-004.json" {
		t.Errorf("restart after one source changed applied %v, want source-004.json alone, no build:\n%s", got, logs.String())
	}
	if g, ok := c.live.Group(edited); !ok || !strings.HasPrefix(g.Name, "Round 2") {
		t.Errorf("the listing edited while stopped is not served: %+v", g)
	}
}

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
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
