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
	b, err := index.Build(context.Background(), path, v, nil, index.Source{Name: "a", Groups: index.Slice(dir.Groups)})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
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
			t.Errorf("stop words of r-alcohol %v lack %q", stop, w)
		}
	}
	if slices.Contains(stop, "garden") {
		t.Errorf("stop words of r-alcohol %v hold a rare word", stop)
	}
}
