package importer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data"
)

// The #17 loader bar is one file of 500,000 groups read, checked and
// handed over one group at a time in ≤ 30 s. There is one benchmark per
// format that can come as one big file; PEERMATCH_BENCH_N changes the
// size. Each reports the seconds per load (wall and CPU), the file's size
// and the heap in use during the load (the groups are counted and
// dropped, as an index consuming them would). docs/import.md has the
// command and the numbers.

func benchN() int {
	n := 500000
	if s := os.Getenv("PEERMATCH_BENCH_N"); s != "" {
		fmt.Sscan(s, &n)
	}
	return n
}

// BenchmarkStreamMeetingGuide500k: one Meeting Guide feed of n meetings.
func BenchmarkStreamMeetingGuide500k(b *testing.B) {
	n := benchN()
	path := filepath.Join(b.TempDir(), "feed.json")
	genFeed(b, path, n)
	benchStream(b, path, ImportOptions{}, n)
}

// BenchmarkStreamNative500k: one native directory file, {"groups": [...]},
// of the same n meetings as read from the Meeting Guide feed.
func BenchmarkStreamNative500k(b *testing.B) {
	n := benchN()
	dir := b.TempDir()
	feed, path := filepath.Join(dir, "feed.json"), filepath.Join(dir, "groups.json")
	genFeed(b, feed, n)
	writeNative(b, feed, path)
	benchStream(b, path, ImportOptions{}, n)
}

// BenchmarkStreamCSV500k: one sheet of the same n meetings, as ExportCSV
// writes it. A sheet is read whole before its groups are handed over (a
// group's meetings may be on rows anywhere in it), so its heap is the
// directory's.
func BenchmarkStreamCSV500k(b *testing.B) {
	n := benchN()
	dir := b.TempDir()
	feed, path := filepath.Join(dir, "feed.json"), filepath.Join(dir, "groups.csv")
	genFeed(b, feed, n)
	writeCSV(b, feed, path)
	benchStream(b, path, ImportOptions{}, n)
}

// BenchmarkStreamHSDS500k: one array of n Open Referral HSDS services
// (the two of the sample file, renamed), each one group.
func BenchmarkStreamHSDS500k(b *testing.B) {
	n := benchN()
	path := filepath.Join(b.TempDir(), "services.json")
	genHSDS(b, path, n)
	benchStream(b, path, ImportOptions{TimeZone: "America/Chicago"}, n)
}

// genHSDS writes an array of n HSDS services (the sample file's, renamed)
// to path; they need --timezone America/Chicago.
func genHSDS(tb testing.TB, path string, n int) {
	tb.Helper()
	sample, err := os.ReadFile("testdata/import/hsds-services.json")
	if err != nil {
		tb.Fatal(err)
	}
	var org struct{ Services []json.RawMessage }
	if err := json.Unmarshal(sample, &org); err != nil || len(org.Services) == 0 {
		tb.Fatalf("sample services: %v", err)
	}
	var ids []string
	for _, s := range org.Services {
		var id struct{ ID string }
		json.Unmarshal(s, &id)
		ids = append(ids, id.ID)
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("[")
	for i := range n {
		k := i % len(org.Services)
		if i > 0 {
			w.WriteString(",\n")
		}
		w.WriteString(strings.ReplaceAll(string(org.Services[k]), `"`+ids[k]+`"`, fmt.Sprintf(`"%s-%d"`, ids[k], i)))
	}
	w.WriteString("]\n")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

// writeNative writes the groups of the Meeting Guide feed at from as one
// native file at to.
func writeNative(tb testing.TB, from, to string) {
	convert(tb, from, to, `{"groups": [`, "\n]}\n", func(w *bytes.Buffer, gs []*data.Group, first bool) {
		for i, g := range gs {
			if !first || i > 0 {
				w.WriteString(",")
			}
			w.WriteString("\n")
			j, err := json.Marshal(g)
			if err != nil {
				tb.Fatal(err)
			}
			w.Write(j)
		}
	})
}

// writeCSV writes the groups of the Meeting Guide feed at from as one
// sheet at to, as ExportCSV writes it.
func writeCSV(tb testing.TB, from, to string) {
	convert(tb, from, to, "", "", func(w *bytes.Buffer, gs []*data.Group, first bool) {
		var sheet bytes.Buffer
		if _, _, err := ExportCSV(&sheet, gs); err != nil {
			tb.Fatal(err)
		}
		out := sheet.Bytes()
		if !first { // one header for the whole sheet
			out = out[bytes.IndexByte(out, '\n')+1:]
		}
		w.Write(out)
	})
}

// convert streams the feed at from into the file at to, through write in
// batches (the whole directory is never held).
func convert(tb testing.TB, from, to, head, tail string, write func(w *bytes.Buffer, gs []*data.Group, first bool)) {
	tb.Helper()
	f, err := os.Create(to)
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString(head)
	var batch []*data.Group
	first := true
	flush := func() {
		write(&buf, batch, first)
		first, batch = false, batch[:0]
		if _, err := f.Write(buf.Bytes()); err != nil {
			tb.Fatal(err)
		}
		buf.Reset()
	}
	err = Stream(context.Background(), vocab(tb), from, ImportOptions{MaxBytes: DefaultMaxLocalBytes}, func(g *data.Group) bool {
		if batch = append(batch, g); len(batch) == 10000 {
			flush()
		}
		return true
	}, func(err error) { tb.Fatal(err) })
	if err != nil {
		tb.Fatal(err)
	}
	flush()
	buf.WriteString(tail)
	f.Write(buf.Bytes())
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

func benchStream(b *testing.B, path string, opts ImportOptions, want int) {
	b.Helper()
	v := vocab(b)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	opts.MaxBytes = DefaultMaxLocalBytes
	var peak uint64
	// CPU time as well as wall time: the machine the bar is measured on
	// is shared, and wall time there says more about the neighbours.
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	every := max(want/5, 1) // heap samples
	runtime.GC()
	b.ResetTimer()
	cpu0 := cpu()
	for b.Loop() {
		count := 0
		err := Stream(context.Background(), v, path, opts, func(g *data.Group) bool {
			if count++; count%every == 0 {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			return true
		}, func(err error) { b.Fatal(err) })
		if err != nil || count != want {
			b.Fatalf("%d groups, err %v", count, err)
		}
	}
	b.ReportMetric(float64(st.Size())/(1<<20), "file-MB")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/load")
	b.ReportMetric((cpu()-cpu0).Seconds()/float64(b.N), "cpu-s/load")
	b.ReportMetric(float64(peak)/(1<<20), "heap-MB")
}
