package index_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/index/indextest"
)

// changedFixture is the suite's directory with one listing removed, one
// changed (moved from Austin grief to online alcohol) and one added.
func changedFixture() *data.Directory {
	var gs []*data.Group
	for _, g := range indextest.Fixture().Groups {
		switch g.ID {
		case "grief-sa":
			continue // removed
		case "grief-austin":
			c := *g
			c.Topics, c.Format, c.Location = []string{"alcohol"}, data.FormatOnline, nil
			g = &c
		}
		gs = append(gs, g)
	}
	gs = append(gs, &data.Group{ID: "grief-new", Name: "New grief circle", Topics: []string{"grief"}, Format: data.FormatOnline,
		Kind: data.KindGroup, Languages: []string{"en"}, Source: "https://example.org", LastVerified: "2026-11-25"})
	return data.NewDirectory(gs)
}

// TestUpdateEqualsScan: after an in-place update, in memory and on disk
// (and after reopening from disk), every search answers as the brute-force
// scan of the new directory does, and the diff names what changed.
func TestUpdateEqualsScan(t *testing.T) {
	ctx := context.Background()
	queries := []index.Query{
		{Topics: []string{"grief"}, Remote: true, Size: 50},
		{Topics: []string{"grief"}, Near: &data.Point{Lat: 30.2672, Lon: -97.7431}, RadiusKm: 200, Size: 50},
		{Topics: []string{"alcohol"}, Remote: true, Size: 50},
		{Words: "grief circle", Size: 50},
	}
	for _, path := range []string{"", t.TempDir() + "/index"} {
		t.Run(fmt.Sprintf("disk=%v", path != ""), func(t *testing.T) {
			old, err := index.Open(ctx, path, indextest.Fixture(), vocab(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			next := changedFixture()
			nb, diff, err := old.Update(ctx, next, vocab(t))
			if err != nil {
				t.Fatal(err)
			}
			defer nb.Close()
			if !slices.Equal(diff.Added, []string{"grief-new"}) || !slices.Equal(diff.Changed, []string{"grief-austin"}) || !slices.Equal(diff.Removed, []string{"grief-sa"}) {
				t.Errorf("diff = %+v", diff)
			}
			if err := old.Close(); err != nil { // hands over: must not close the shared shards
				t.Fatal(err)
			}
			check := func(idx index.Index) {
				t.Helper()
				scan := index.NewScan(next)
				for _, q := range queries {
					got, err := idx.Search(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					want, _ := scan.Search(ctx, q)
					if !slices.Equal(hitIDs(got), hitIDs(want)) {
						t.Errorf("%+v: got %v, scan %v", q, hitIDs(got), hitIDs(want))
					}
				}
			}
			check(nb)
			if path != "" {
				nb.Close()
				// The record on disk names the updated directory: reopening
				// reuses the shards, no rebuild.
				var logs strings.Builder
				re, err := index.Open(ctx, path, next, vocab(t), slog.New(slog.NewTextHandler(&logs, nil)))
				if err != nil {
					t.Fatal(err)
				}
				defer re.Close()
				if !strings.Contains(logs.String(), "index opened") {
					t.Errorf("reopen after update rebuilt: %s", logs.String())
				}
				check(re)
			}
		})
	}
}

func hitIDs(hs []index.Hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.ID
	}
	slices.Sort(out)
	return out
}

// BenchmarkUpdateOneSource measures applying a change to one source of
// 1,000 listings (half changed, a quarter removed, a quarter new) to a
// directory of PEERMATCH_BENCH_N listings (issue 14: ≤ 5 s at 100,000).
// Run: PEERMATCH_BENCH_N=100000 go test ./index -run XXX -bench UpdateOneSource -benchtime 3x
func BenchmarkUpdateOneSource(b *testing.B) {
	ctx := context.Background()
	v := vocab(b)
	gaz := place.DefaultGazetteer()
	base := indextest.Synthetic(benchN(b), 1, v, gaz)
	idx, err := index.Open(ctx, b.TempDir()+"/index", base, v, nil)
	if err != nil {
		b.Fatal(err)
	}
	cur := base
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		// The source is 1,000 consecutive listings; each round edits them.
		gs := slices.Clone(cur.Groups)
		lo := (i * 1000) % max(1, len(gs)-1000)
		var next []*data.Group
		for j, g := range gs {
			switch k := j - lo; {
			case k < 0 || k >= 1000:
				next = append(next, g)
			case k < 500:
				c := *g
				c.Name += fmt.Sprintf(" (round %d)", i)
				next = append(next, &c)
			case k < 750:
				// removed
			default:
				next = append(next, g)
				c := *g
				c.ID = fmt.Sprintf("%s-r%d", g.ID, i)
				next = append(next, &c)
			}
		}
		dir := data.NewDirectory(next)
		start := time.Now()
		nb, _, err := idx.Update(ctx, dir, v)
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		idx.Close()
		idx, cur = nb, dir
	}
	b.StopTimer()
	idx.Close()
	b.ReportMetric(total.Seconds()/float64(b.N), "s/update")
}

// TestReplaceSource: an index built from two streamed sources takes one
// source's new listings as a difference, answers as the scan of the union
// does (also after a reopen from disk), tells the source's fingerprint,
// streams its listings, and names a duplicate another source lists.
func TestReplaceSource(t *testing.T) {
	ctx := context.Background()
	v := vocab(t)
	all := indextest.Fixture().Groups
	a, b := all[:7], all[7:]
	path := t.TempDir() + "/index"
	idx, err := index.Build(ctx, path, v, nil,
		index.Source{Name: "a", Fingerprint: "a1", Groups: index.Slice(a)}, index.Source{Name: "b", Fingerprint: "b1", Groups: index.Slice(b)})
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := idx.Source("b"); !ok || s.Fingerprint != "b1" || s.Groups != len(b) {
		t.Errorf("Source(b) = %+v, %v", s, ok)
	}
	// b: its first listing removed, its second changed, one added.
	changed := *b[1]
	changed.Topics = []string{"grief", "loneliness"}
	nb := append([]*data.Group{&changed}, b[2:]...)
	nb = append(nb, &data.Group{ID: "b-new", Name: "New circle", Topics: []string{"grief"}, Format: data.FormatOnline,
		Kind: data.KindGroup, Languages: []string{"en"}, Source: "https://example.org", LastVerified: "2026-11-25"})
	d, err := idx.ReplaceSource(ctx, "b", "b2", index.Slice(nb))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Added, []string{"b-new"}) || !slices.Equal(d.Changed, []string{changed.ID}) || !slices.Equal(d.Removed, []string{b[0].ID}) {
		t.Errorf("diff %+v", d)
	}
	if s, _ := idx.Source("b"); s.Fingerprint != "b2" || s.Groups != len(nb) {
		t.Errorf("Source(b) after replace = %+v", s)
	}
	if s, _ := idx.Source("a"); s.Fingerprint != "a1" || s.Groups != len(a) {
		t.Errorf("Source(a) after replacing b = %+v", s)
	}
	oracle := index.NewScan(data.NewDirectory(slices.Concat(a, nb)))
	queries := indextest.RandomQueries(150, 3, v, place.DefaultGazetteer())
	queries = append(queries, index.Query{Topics: []string{"grief"}, Remote: true, Size: 50}, index.Query{Words: "circle", Size: 50})
	indextest.Equal(t, oracle, idx, queries)
	var listed []string
	for g, err := range idx.Listings(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, g.ID)
	}
	if len(listed) != oracle.Count() || !slices.IsSorted(listed) {
		t.Errorf("Listings gave %d ids (sorted %v), want %d", len(listed), slices.IsSorted(listed), oracle.Count())
	}
	// The same meeting under another id, from another source.
	twin := *a[1]
	twin.ID = "twin"
	if id, ok := idx.DuplicateOf(ctx, &twin); !ok || id != a[1].ID {
		t.Errorf("DuplicateOf(twin of %s) = %q, %v", a[1].ID, id, ok)
	}
	if id, ok := idx.DuplicateOf(ctx, a[1]); ok {
		t.Errorf("a listing is its own duplicate: %q", id)
	}
	// Listings read back are the new ones, before and after a reopen (a
	// changed listing is written again at the end of listings.bin).
	readBack := func(idx index.Index, when string) {
		t.Helper()
		if g, err := idx.Group(ctx, changed.ID); err != nil || !slices.Equal(g.Topics, changed.Topics) {
			t.Errorf("%s: Group(%s) = %v, %v; want topics %v", when, changed.ID, g, err, changed.Topics)
		}
		if g, err := idx.Group(ctx, "b-new"); err != nil || g.Name != "New circle" {
			t.Errorf("%s: Group(b-new) = %v, %v", when, g, err)
		}
		if _, err := idx.Group(ctx, b[0].ID); !errors.Is(err, index.ErrNotFound) {
			t.Errorf("%s: Group(removed %s) error %v, want ErrNotFound", when, b[0].ID, err)
		}
	}
	readBack(idx, "after ReplaceSource")
	idx.Close()
	re, err := index.Reopen(ctx, path, v, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	indextest.Equal(t, oracle, re, queries)
	readBack(re, "after Reopen")
}

// TestBrokenListingsFile: a listings file cut short makes reading a
// listing an error that names the file, not a crash or a wrong listing;
// one that is gone makes the index stale, so the caller rebuilds it.
func TestBrokenListingsFile(t *testing.T) {
	ctx := context.Background()
	v := vocab(t)
	fx := indextest.Fixture().Groups
	path := t.TempDir() + "/index"
	idx, err := index.Build(ctx, path, v, nil, index.Source{Name: "a", Groups: index.Slice(fx)})
	if err != nil {
		t.Fatal(err)
	}
	idx.Close()
	name := filepath.Join(path, "listings.bin")
	if err := os.Truncate(name, 10); err != nil {
		t.Fatal(err)
	}
	re, err := index.Reopen(ctx, path, v, nil)
	if err != nil {
		t.Fatal(err)
	}
	bad := 0
	for _, g := range fx {
		if _, err := re.Group(ctx, g.ID); err != nil {
			bad++
			if !strings.Contains(err.Error(), "listings") {
				t.Errorf("Group(%s): %v, want an error naming the listings file", g.ID, err)
			}
		}
	}
	if bad < len(fx)-1 {
		t.Errorf("%d of %d listings unreadable in a file cut to 10 bytes", bad, len(fx))
	}
	re.Close()
	if err := os.Remove(name); err != nil {
		t.Fatal(err)
	}
	if _, err := index.Reopen(ctx, path, v, nil); err == nil {
		t.Error("Reopen without listings.bin: no error, want a stale index")
	}
}
