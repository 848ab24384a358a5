package index_test

import (
	"context"
	"testing"

	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/index/indextest"
)

func TestOwnerNamesTheSource(t *testing.T) {
	ctx := context.Background()
	fx := indextest.Fixture().Groups
	b, err := index.Build(ctx, "", vocab(t), nil,
		index.Source{Name: "first", Groups: index.Slice(fx[:3])}, index.Source{Name: "second", Groups: index.Slice(fx[3:])})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if src, ok := b.Owner(ctx, fx[0].ID); !ok || src != "first" {
		t.Errorf("Owner(%s) = %q, %v; want first", fx[0].ID, src, ok)
	}
	if src, ok := b.Owner(ctx, fx[5].ID); !ok || src != "second" {
		t.Errorf("Owner(%s) = %q, %v; want second", fx[5].ID, src, ok)
	}
	if _, err := b.ReplaceSource(ctx, "second", "", index.Slice(fx[:1])); err != nil {
		t.Fatal(err)
	}
	if src, ok := b.Owner(ctx, fx[0].ID); !ok || src != "second" {
		t.Errorf("after ReplaceSource, Owner(%s) = %q, %v; want second", fx[0].ID, src, ok)
	}
	if src, ok := b.Owner(ctx, fx[5].ID); ok {
		t.Errorf("Owner of a removed listing = %q, want none", src)
	}
}
