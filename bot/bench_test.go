package bot_test

import (
	"slices"
	"strconv"
	"testing"
	"time"
)

// BenchmarkHandle measures one message through the whole core: crisis
// screening, session, intake and a search over the embedded default
// directory with the real matcher. It reports the 99th percentile.
func BenchmarkHandle(b *testing.B) {
	r := newRig(b, rigOptions{})
	script := []string{"hi", "I'm looking for an online grief group", "more", "anything on Sunday?",
		"/find", "alcohol", "me", "online", "I feel hopeless", "when does it meet?", "/forget"}
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
