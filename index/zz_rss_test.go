package index_test

import (
	"context"
	"runtime"
	"runtime/debug"
	"testing"
)

func BenchmarkZZRSS(b *testing.B) {
	v := vocab(b)
	idx, _ := benchIndex(b, v)
	defer idx.Close()
	qs := benchQueries(v)
	ctx := context.Background()
	runtime.GC()
	debug.FreeOSMemory()
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(servingMemoryLimit))
	b.Log("at open")
	logMappings(b)
	n := 0
	for _, upto := range []int{100, 1000, 3000} {
		for ; n < upto; n++ {
			idx.Search(ctx, qs[n%len(qs)])
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.Logf("after %d: heapinuse %.1f MiB, sys %.1f", n, float64(ms.HeapInuse)/(1<<20), float64(ms.Sys)/(1<<20))
		logMappings(b)
	}
}
