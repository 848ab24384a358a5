package index_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/place"
	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/index/indextest"
)

func vocab(t testing.TB) *data.Vocabulary {
	v, err := data.DefaultVocabulary()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestScanConformance(t *testing.T) {
	indextest.Run(t, func(t *testing.T, dir *data.Directory) index.Index { return index.NewScan(dir) })
}

func TestBleveMemConformance(t *testing.T) {
	indextest.Run(t, func(t *testing.T, dir *data.Directory) index.Index {
		b, err := index.Open(context.Background(), "", dir, vocab(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

func TestBleveDiskConformance(t *testing.T) {
	path := t.TempDir() + "/index"
	indextest.Run(t, func(t *testing.T, dir *data.Directory) index.Index {
		b, err := index.Open(context.Background(), path, dir, vocab(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

func TestReopenSkipsRebuildUnlessDirectoryChanged(t *testing.T) {
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	path := t.TempDir() + "/index"
	dir := indextest.Fixture()
	open := func(d *data.Directory) string {
		logs.Reset()
		b, err := index.Open(context.Background(), path, d, vocab(t), log)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		return logs.String()
	}
	if l := open(dir); !strings.Contains(l, "index built") {
		t.Fatalf("first open should build: %s", l)
	}
	if l := open(dir); !strings.Contains(l, "index opened") || strings.Contains(l, "built") {
		t.Fatalf("second open should reuse: %s", l)
	}
	changed := data.NewDirectory(append(dir.Groups[1:], dir.Groups[0]))
	changed.Groups[0] = &data.Group{ID: "new", Name: "New", Topics: []string{"grief"}, Format: data.FormatOnline, Kind: data.KindGroup, Source: "https://example.org", LastVerified: "2026-11-25"}
	if l := open(changed); !strings.Contains(l, "rebuilding") || !strings.Contains(l, "index built") {
		t.Fatalf("changed directory should rebuild: %s", l)
	}
}

// TestSynonymsFindTopicWords checks that the topic vocabulary reaches bleve
// as a synonym collection: with no topic known, a word that is only a
// synonym ("bereaved") finds listings that say "grief"; with the topic
// known the filter does that work and the words only rank.
func TestSynonymsFindTopicWords(t *testing.T) {
	b, err := index.Open(context.Background(), "", indextest.Fixture(), vocab(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	hits, err := b.Search(context.Background(), index.Query{Words: "bereaved", Remote: true, Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	dir := indextest.Fixture()
	if len(hits) == 0 {
		t.Fatal("no hits for a grief synonym")
	}
	for _, h := range hits {
		g, _ := dir.Group(h.ID)
		if !slices.Contains(g.Topics, "grief") || h.Score <= 0 {
			t.Errorf("hit %s (score %v) is not a grief listing found by its words", h.ID, h.Score)
		}
	}
}

// TestRandomEqualsScan: on a varied synthetic directory, every random
// query over every hard constraint gets the scan's set of ids and
// distances from the index, in memory and on disk after a reopen.
func TestRandomEqualsScan(t *testing.T) {
	v, gaz := vocab(t), place.DefaultGazetteer()
	dir := indextest.Varied(2500, 11, v, gaz)
	queries := indextest.RandomQueries(300, 12, v, gaz)
	oracle := index.NewScan(dir)
	ctx := context.Background()
	mem, err := index.Open(ctx, "", dir, v, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	indextest.Equal(t, oracle, mem, queries)

	path := t.TempDir() + "/index"
	built, err := index.Build(ctx, path, v, nil, index.Source{Name: "all", Groups: index.Slice(dir.Groups)})
	if err != nil {
		t.Fatal(err)
	}
	built.Close()
	disk, err := index.Reopen(ctx, path, v, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer disk.Close()
	if disk.Count() != len(dir.Groups) {
		t.Errorf("Count after reopen = %d, want %d", disk.Count(), len(dir.Groups))
	}
	indextest.Equal(t, oracle, disk, queries[:100])
}

// TestFewPassTheTableAskForMore: when the listings bleve gives first all
// fail a constraint only the table checks (age), the search asks for more
// rather than answer with fewer than wanted.
func TestFewPassTheTableAskForMore(t *testing.T) {
	var gs []*data.Group
	for i := range 60 {
		g := &data.Group{ID: fmt.Sprintf("g%03d", i), Name: "Grief circle", Topics: []string{"grief"}, Format: data.FormatOnline,
			Kind: data.KindGroup, Languages: []string{"en"}, Source: "https://example.org", LastVerified: "2026-11-25"}
		if i < 50 {
			g.AgeMin = 18
		}
		gs = append(gs, g)
	}
	b, err := index.Open(context.Background(), "", data.NewDirectory(gs), vocab(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	hits, err := b.Search(context.Background(), index.Query{Topics: []string{"grief"}, Remote: true, Limits: data.Limits{Age: 16}, Size: 5})
	if err != nil || len(hits) != 5 {
		t.Errorf("got %d hits (%v), want 5", len(hits), err)
	}
}

// TestWordsAskForMoreBeforeFilling: when the listings the words match best
// all fail a constraint only the table checks (age), the search asks for
// more of the listings the words match before filling the page with ones
// they do not.
func TestWordsAskForMoreBeforeFilling(t *testing.T) {
	var gs []*data.Group
	for i := range 400 {
		g := &data.Group{ID: fmt.Sprintf("g%03d", i), Name: "Peer circle", Summary: "We talk.", Topics: []string{"grief"}, Format: data.FormatOnline,
			Kind: data.KindGroup, Languages: []string{"en"}, Source: "https://example.org", LastVerified: "2026-11-25"}
		switch {
		case i >= 390:
			g.Name, g.Summary = "Circle", "Widows welcome." // a weaker match, open to all
		case i >= 330:
			g.Name, g.Summary, g.AgeMin = "Widow widow circle", "For widows, a widow's circle.", 18 // the best match, for adults
		}
		gs = append(gs, g)
	}
	b, err := index.Open(context.Background(), "", data.NewDirectory(gs), vocab(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	hits, err := b.Search(context.Background(), index.Query{Words: "widows", Topics: []string{"grief"}, Remote: true, Limits: data.Limits{Age: 16}, Size: 5})
	if err != nil || len(hits) != 5 {
		t.Fatalf("got %d hits (%v), want 5", len(hits), err)
	}
	for _, h := range hits {
		if n := h.ID; n < "g390" {
			t.Errorf("hit %s is not one of the listings for all ages the words match (g390-g399)", n)
		}
	}
}
