package index_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/peermatch/peermatch/data/place"
	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/index/indextest"
)

// TestBuildFindsCommonWords: after a build on disk of a synthetic
// directory, the alcohol shard's stop words hold the words nearly all its
// listings use ("drink", "alcohol", "everi"). The shard's term dictionary
// right after a build counted them once each, so they went on being scored
// and every alcohol search walked the whole shard.
func TestBuildFindsCommonWords(t *testing.T) {
	v := vocab(t)
	dir := indextest.Synthetic(20000, 1, v, place.DefaultGazetteer())
	path := t.TempDir() + "/idx"
	b, err := index.Build(context.Background(), path, v, nil,
		index.Source{Name: "a", Groups: index.Slice(dir.Groups[:19000])},
		index.Source{Name: "b", Groups: index.Slice(dir.Groups[19000:])})
	if err != nil {
		t.Fatal(err)
	}
	checkCommonWords(t, path, "after the build")
	// Replacing a source (half of b's listings gone, including alcohol
	// ones) recomputes the stop words of the shards it touched: the common
	// words stay common.
	if _, err := b.ReplaceSource(context.Background(), "b", "b2", index.Slice(dir.Groups[19000:19500])); err != nil {
		t.Fatal(err)
	}
	b.Close()
	checkCommonWords(t, path, "after ReplaceSource")
}

func checkCommonWords(t *testing.T, path, when string) {
	t.Helper()
	raw, err := os.ReadFile(path + "/meta.json")
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Stop map[string][]string `json:"stop_words"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		t.Fatal(err)
	}
	stop := meta.Stop["r-alcohol"]
	for _, w := range []string{"drink", "alcohol", "everi"} {
		if !slices.Contains(stop, w) {
			t.Errorf("%s: stop words of r-alcohol %v lack %q", when, stop, w)
		}
	}
	if slices.Contains(stop, "garden") {
		t.Errorf("%s: stop words of r-alcohol %v hold a rare word", when, stop)
	}
}
