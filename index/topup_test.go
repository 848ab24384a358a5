package index_test

import (
	"context"
	"testing"

	"github.com/peermatch/peermatch/data/place"
	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/index/indextest"
)

// TestPagesAreFull: on the pages a person sees (five at a time), the
// index answers with as many valid hits as the scan has, in person and
// remote, with every hard constraint at random.
func TestPagesAreFull(t *testing.T) {
	v, gaz := vocab(t), place.DefaultGazetteer()
	dir := indextest.Varied(2500, 11, v, gaz)
	queries := indextest.RandomQueries(400, 21, v, gaz)
	b, err := index.Open(context.Background(), "", dir, v, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	indextest.Pages(t, index.NewScan(dir), b, queries)
}
