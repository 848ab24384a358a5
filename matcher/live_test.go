package matcher_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/peermatch/peermatch/data/importer"
	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/matcher"
)

// TestLiveSwapNeverFailsASearch swaps between two directories 8 times,
// closing each old index at once, while four searchers run; no search may
// fail and every answer comes whole from one directory or the other.
func TestLiveSwapNeverFailsASearch(t *testing.T) {
	v, err := data.DefaultVocabulary()
	if err != nil {
		t.Fatal(err)
	}
	def, err := importer.DefaultDirectory(v)
	if err != nil {
		t.Fatal(err)
	}
	demo, err := importer.DemoDirectory(v)
	if err != nil {
		t.Fatal(err)
	}
	gaz := place.DefaultGazetteer()
	build := func(dir *data.Directory) (*matcher.Matcher, index.Index) {
		idx, err := index.Build(context.Background(), "", v, nil, index.Source{Name: "test", Groups: index.Slice(dir.Groups)})
		if err != nil {
			t.Fatal(err)
		}
		return matcher.New(idx, v, gaz, nil), idx
	}
	m0, idx0 := build(def)
	live := matcher.NewLive(m0)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var searches, failures atomic.Int64
	in := data.Intake{Words: "grief", Topics: []string{"grief"}}
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				res, err := live.Find(context.Background(), in, 0, 5)
				searches.Add(1)
				if err != nil || len(res) == 0 {
					failures.Add(1)
				}
			}
		})
	}
	old := idx0
	for i := range 8 {
		dir := demo
		if i%2 == 1 {
			dir = def
		}
		m, idx := build(dir)
		live.Swap(m)
		if err := old.Close(); err != nil {
			t.Fatal(err)
		}
		old = idx
	}
	cancel()
	wg.Wait()
	old.Close()
	if failures.Load() > 0 || searches.Load() == 0 {
		t.Errorf("%d of %d searches failed during 8 reloads", failures.Load(), searches.Load())
	}
	t.Logf("%d searches during 8 reloads, none failed", searches.Load())
}
