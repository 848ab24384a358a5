package index_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/place"
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

// servingMemoryLimit and servingGCPercent are cmd/peermatch's default
// memory settings (its servingMemoryLimit and servingGCPercent), which the
// latency and resident set are measured under.
const (
	servingMemoryLimit = 160 << 20
	servingGCPercent   = 50
)

// asServing runs the rest of a benchmark under the serving process's
// memory settings; the returned func restores the old ones.
func asServing() func() {
	limit, percent := debug.SetMemoryLimit(servingMemoryLimit), debug.SetGCPercent(servingGCPercent)
	return func() { debug.SetMemoryLimit(limit); debug.SetGCPercent(percent) }
}

// feedSize is the one source a reload changes: an intergroup's feed.
const feedSize = 1000

// benchSources streams the synthetic directory as two sources: the bulk,
// and one feed of feedSize listings that BenchmarkReplaceSource changes.
func benchSources(n int, v *data.Vocabulary) (bulk, feed index.Source) {
	dir := indextest.Synthetic(n, 1, v, place.DefaultGazetteer())
	cut := max(0, len(dir.Groups)-feedSize)
	return index.Source{Name: "bulk", Fingerprint: fmt.Sprintf("synthetic-%d-1", n), Groups: index.Slice(dir.Groups[:cut])},
		index.Source{Name: "feed", Fingerprint: fmt.Sprintf("synthetic-%d-1-feed", n), Groups: index.Slice(dir.Groups[cut:])}
}

// benchIndex opens the synthetic index under PEERMATCH_BENCH_DIR (or a
// temporary directory), building it only when the sources it holds are not
// the synthetic ones of this size: a current index opens without the
// directory being generated at all, as a restart does.
func benchIndex(b *testing.B, v *data.Vocabulary) (*index.Bleve, string) {
	n := benchN(b)
	path := os.Getenv("PEERMATCH_BENCH_DIR")
	if path == "" {
		path = b.TempDir() + "/index"
	}
	ctx := context.Background()
	if idx, err := index.Reopen(ctx, path, v, nil); err == nil {
		bs, ok1 := idx.Source("bulk")
		fs, ok2 := idx.Source("feed")
		if ok1 && ok2 && bs.Fingerprint == fmt.Sprintf("synthetic-%d-1", n) && fs.Fingerprint == fmt.Sprintf("synthetic-%d-1-feed", n) {
			return idx, path
		}
		idx.Close()
	}
	bulk, feed := benchSources(n, v)
	start := time.Now()
	idx, err := index.Build(ctx, path, v, nil, bulk, feed)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d listings in %.1f s", idx.Count(), time.Since(start).Seconds())
	return idx, path
}

// commonWords are remote searches whose words are in almost every listing
// of a big topic: the slow tail of issue 17.
var commonWords = []index.Query{
	{Words: "i cry every day and don't know why", Topics: []string{"depression"}, Remote: true, Size: 5},
	{Words: "wine every night and i can't stop", Topics: []string{"alcohol"}, Remote: true, Size: 5},
	{Words: "social anxiety makes it hard to leave home", Topics: []string{"anxiety"}, Remote: true, Size: 5},
}

// benchQueries are indextest.IntakeQueries with the common-word remote
// searches mixed in (one in ten).
func benchQueries(v *data.Vocabulary) []index.Query {
	qs := indextest.IntakeQueries(500, 2, v, place.DefaultGazetteer())
	for i := range qs {
		if i%10 == 0 {
			qs[i] = commonWords[(i/10)%len(commonWords)]
		}
	}
	return qs
}

// BenchmarkIntakeSearch measures intake searches (words + topic + in
// person near a ZIP or remote + sometimes day/audience, and the common-word
// remote searches) and reports p50/p95/p99 latency and, after 3,000
// searches, the heap in use and the resident set while serving.
func BenchmarkIntakeSearch(b *testing.B) {
	v := vocab(b)
	idx, _ := benchIndex(b, v)
	b.Cleanup(func() { idx.Close() })
	queries := benchQueries(v)
	ctx := context.Background()
	// As peermatch does once its index is loaded: hand the building garbage
	// back to the OS, so what remains is what serving needs; and run under
	// its default memory settings.
	runtime.GC()
	debug.FreeOSMemory()
	defer asServing()()
	for i := range 3000 { // warm up, and the searches the RSS is read after
		if _, err := idx.Search(ctx, queries[i%len(queries)]); err != nil {
			b.Fatal(err)
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, rssOK := residentMiB()
	if os.Getenv("PEERMATCH_BENCH_SMAPS") != "" {
		logMappings(b)
	}
	lat := make([]time.Duration, 0, b.N)
	var remote, rooms []time.Duration // which half the tail is in
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := queries[i%len(queries)]
		start := time.Now()
		if _, err := idx.Search(ctx, q); err != nil {
			b.Fatal(err)
		}
		d := time.Since(start)
		lat = append(lat, d)
		if q.Near != nil {
			rooms = append(rooms, d)
		} else {
			remote = append(remote, d)
		}
	}
	b.StopTimer()
	pct := func(lat []time.Duration, p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		slices.Sort(lat)
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(lat, 0.50), "p50-ms")
	b.ReportMetric(pct(lat, 0.95), "p95-ms")
	b.ReportMetric(pct(lat, 0.99), "p99-ms")
	b.ReportMetric(pct(remote, 0.99), "remote-p99-ms")
	b.ReportMetric(pct(rooms, 0.99), "inperson-p99-ms")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
	if rssOK {
		b.ReportMetric(rss, "rss-MiB") // resident set after 3,000 searches
	}
}

// BenchmarkCommonWords measures only the common-word remote searches.
func BenchmarkCommonWords(b *testing.B) {
	v := vocab(b)
	idx, _ := benchIndex(b, v)
	b.Cleanup(func() { idx.Close() })
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := idx.Search(ctx, commonWords[i%len(commonWords)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[int(0.99*float64(len(lat)-1))].Microseconds())/1000, "p99-ms")
}

// BenchmarkBuild measures building the synthetic index from scratch, from
// the two streamed sources.
func BenchmarkBuild(b *testing.B) {
	v := vocab(b)
	n := benchN(b)
	for b.Loop() {
		bulk, feed := benchSources(n, v)
		start := time.Now()
		idx, err := index.Build(context.Background(), b.TempDir()+"/index", v, nil, bulk, feed)
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

// BenchmarkOpen measures startup on an index that is already current:
// reading its record and table and opening every shard, no listing read.
func BenchmarkOpen(b *testing.B) {
	v := vocab(b)
	idx, path := benchIndex(b, v) // builds if needed
	idx.Close()
	for b.Loop() {
		start := time.Now()
		idx, err := index.Reopen(context.Background(), path, v, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "open-s")
		idx.Close()
	}
}

// BenchmarkReplaceSource measures a reload of one 1,000-listing feed in
// the national index: a tenth of its listings changed, a tenth removed and
// as many added, then the original feed back (so the index stays current
// for the other benchmarks). It reports seconds until the change is
// searchable (ReplaceSource returns after every batch is applied).
func BenchmarkReplaceSource(b *testing.B) {
	v := vocab(b)
	idx, _ := benchIndex(b, v)
	b.Cleanup(func() { idx.Close() })
	ctx := context.Background()
	n := benchN(b)
	var orig []*data.Group
	for i := max(0, n-feedSize); i < n; i++ {
		g, err := idx.Group(ctx, fmt.Sprintf("synthetic-%07d", i))
		if err != nil {
			b.Fatal(err)
		}
		orig = append(orig, g)
	}
	var changed []*data.Group
	for i, g := range orig {
		c := *g
		switch i % 10 {
		case 0:
			c.Summary += " Now meets on Zoom too."
			c.Format = data.FormatHybrid
		case 1:
			continue // removed
		}
		changed = append(changed, &c)
	}
	for i := range len(orig) / 10 {
		c := *orig[i]
		c.ID = fmt.Sprintf("feed-new-%04d", i)
		changed = append(changed, &c)
	}
	fp := fmt.Sprintf("synthetic-%d-1-feed", n)
	for b.Loop() {
		start := time.Now()
		d, err := idx.ReplaceSource(ctx, "feed", "changed", index.Slice(changed))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "replace-s")
		if len(d.Added) != len(orig)/10 || len(d.Removed) != len(orig)/10 {
			b.Fatalf("diff %d added, %d changed, %d removed", len(d.Added), len(d.Changed), len(d.Removed))
		}
		if _, err := idx.Group(ctx, "feed-new-0000"); err != nil {
			b.Fatal(err)
		}
		if _, err := idx.ReplaceSource(ctx, "feed", fp, index.Slice(orig)); err != nil {
			b.Fatal(err)
		}
	}
}

// logMappings logs the resident size of each file mapping and of the rest
// (PEERMATCH_BENCH_SMAPS=1): where a resident set goes.
func logMappings(b *testing.B) {
	for _, m := range residentByMapping() {
		b.Logf("%-60s %6.1f MiB", m.name, m.mib)
	}
}

type mapping struct {
	name string
	mib  float64
}

// residentByMapping is the resident set by mapped file (segments together
// as *.zap) and anonymous memory, the largest first, those over 1 MiB.
func residentByMapping() []mapping {
	raw, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return nil
	}
	by := map[string]int{}
	cur := ""
	for line := range strings.SplitSeq(string(raw), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-"):
			cur = "[anon]"
			if len(f) >= 6 {
				cur = f[5]
				if strings.HasSuffix(cur, ".zap") {
					cur = "*.zap"
				}
			}
		case len(f) >= 2 && f[0] == "Rss:":
			kb, _ := strconv.Atoi(f[1])
			by[cur] += kb
		}
	}
	var out []mapping
	for k, v := range by {
		if v > 1024 {
			out = append(out, mapping{k, float64(v) / 1024})
		}
	}
	slices.SortFunc(out, func(a, b mapping) int { return cmp.Compare(b.mib, a.mib) })
	return out
}
