package bot_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/index/indextest"
	"github.com/peermatch/peermatch/matcher"
)

// BenchmarkHandle measures one message through the whole core: crisis
// screening, session, intake and a search over the embedded default
// directory with the real matcher. It reports the 99th percentile.
func BenchmarkHandle(b *testing.B) {
	benchHandle(b, newRig(b, rigOptions{}))
}

// BenchmarkHandleNational is the same conversation over the embedded
// directory plus a synthetic national one (PEERMATCH_BENCH_N groups,
// default 500,000; the index is kept under PEERMATCH_BENCH_DIR when set,
// so only the first run builds it).
func BenchmarkHandleNational(b *testing.B) {
	n := 500_000
	if s := os.Getenv("PEERMATCH_BENCH_N"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatalf("PEERMATCH_BENCH_N: %v", err)
		}
	}
	loadReal(b)
	path := os.Getenv("PEERMATCH_BENCH_DIR")
	if path == "" {
		path = b.TempDir()
	}
	path = filepath.Join(path, "bot-national-"+strconv.Itoa(n))
	idx, err := index.Reopen(context.Background(), path, real.vocab, nil)
	if err != nil { // none yet (or of another mapping): the first run builds it
		idx, err = index.Build(context.Background(), path, real.vocab, nil,
			index.Source{Name: "default", Groups: index.Slice(real.dir.Groups)},
			index.Source{Name: "national", Groups: index.Slice(indextest.Synthetic(n, 1, real.vocab, real.gaz).Groups)})
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { idx.Close() })
	clk := newClock(time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC))
	m := matcher.New(idx, real.vocab, real.gaz, nil, matcher.WithClock(clk.Now))
	benchHandle(b, newRig(b, rigOptions{matcher: m}))
}

func benchHandle(b *testing.B, r *rig) {
	benchScript(b, r, []string{"hi", "I'm looking for an online grief group", "more", "anything on Sunday?",
		"/find", "alcohol", "me", "online", "I feel hopeless", "when does it meet?", "/forget"})
}

// benchScript repeats the conversation for 64 people and reports the
// median and 99th percentile per message.
func benchScript(b *testing.B, r *rig, script []string) {
	// As the bot starts: the place tables are read once, before the first
	// person writes (cmd preloads them), not inside a timed message.
	loadReal(b)
	if err := real.gaz.Preload(); err != nil {
		b.Fatal(err)
	}
	for _, msg := range script {
		if _, err := r.send("warm-up", "en-US", msg); err != nil {
			b.Fatal(err)
		}
	}
	durs := make([]time.Duration, 0, 1<<16)
	i := 0
	for b.Loop() {
		user := "u" + strconv.Itoa(i/len(script)%64)
		msg := script[i%len(script)]
		start := time.Now()
		if _, err := r.send(user, "en-US", msg); err != nil {
			b.Fatal(err)
		}
		durs = append(durs, time.Since(start))
		i++
	}
	slices.Sort(durs)
	p := func(q float64) float64 { return float64(durs[int(q*float64(len(durs)-1))].Nanoseconds()) }
	b.ReportMetric(p(0.50), "p50-ns")
	b.ReportMetric(p(0.99), "p99-ns")
}
