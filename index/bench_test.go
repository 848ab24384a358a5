package index_test

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/index/indextest"
)

// benchN is the synthetic directory size: PEERMATCH_BENCH_N (default
// 500,000, the national scale the product is sized for).
func benchN(b *testing.B) int {
	n := 500_000
	if s := os.Getenv("PEERMATCH_BENCH_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("PEERMATCH_BENCH_N: %v", err)
		}
		n = v
	}
	return n
}

// benchIndex opens (building once, under PEERMATCH_BENCH_DIR when set, so
// repeated runs reuse it) the synthetic index.
func benchIndex(b *testing.B) (*index.Bleve, []index.Query) {
	v, err := data.DefaultVocabulary()
	if err != nil {
		b.Fatal(err)
	}
	gaz := place.DefaultGazetteer()
	dir := indextest.Synthetic(benchN(b), 1, v, gaz)
	path := os.Getenv("PEERMATCH_BENCH_DIR")
	if path == "" {
		path = b.TempDir() + "/index"
	}
	idx, err := index.Open(context.Background(), path, dir, v, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { idx.Close() })
	return idx, indextest.IntakeQueries(500, 2, v, gaz)
}

// BenchmarkIntakeSearch measures a typical intake search (words + topic +
// in person near a ZIP or remote + sometimes day/audience) and reports
// p50/p99 latency and the Go heap in use while serving.
func BenchmarkIntakeSearch(b *testing.B) {
	idx, queries := benchIndex(b)
	ctx := context.Background()
	// As peermatch does once its directory and index are loaded: hand the
	// loading garbage back to the OS, so what remains is what serving needs.
	debug.FreeOSMemory()
	// And as its default soft memory limit (cmd/peermatch servingMemoryLimit)
	// makes the garbage collector keep the heap's headroom small.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(900 << 20))
	for _, q := range queries { // warm up
		if _, err := idx.Search(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := idx.Search(ctx, queries[i%len(queries)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
	if rss, ok := residentMiB(); ok {
		b.ReportMetric(rss, "rss-MiB") // resident set at the end of serving
	}
}

// BenchmarkBuild measures building the synthetic index from scratch.
func BenchmarkBuild(b *testing.B) {
	v, err := data.DefaultVocabulary()
	if err != nil {
		b.Fatal(err)
	}
	dir := indextest.Synthetic(benchN(b), 1, v, place.DefaultGazetteer())
	for b.Loop() {
		start := time.Now()
		idx, err := index.Open(context.Background(), b.TempDir()+"/index", dir, v, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "build-s")
		idx.Close()
	}
}

// residentMiB reads this process's resident set size (Linux only).
func residentMiB() (float64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024, err == nil
		}
	}
	return 0, false
}

// BenchmarkOpen measures startup on an index that is already current: the
// directory hash check and opening every shard, without a rebuild.
func BenchmarkOpen(b *testing.B) {
	v, err := data.DefaultVocabulary()
	if err != nil {
		b.Fatal(err)
	}
	dir := indextest.Synthetic(benchN(b), 1, v, place.DefaultGazetteer())
	path := os.Getenv("PEERMATCH_BENCH_DIR")
	if path == "" {
		path = b.TempDir() + "/index"
	}
	idx, err := index.Open(context.Background(), path, dir, v, nil) // builds if needed
	if err != nil {
		b.Fatal(err)
	}
	idx.Close()
	for b.Loop() {
		start := time.Now()
		idx, err := index.Open(context.Background(), path, dir, v, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "open-s")
		idx.Close()
	}
}
