package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/matcher"
)

// watch reloads the directory whenever its sources change (a new
// `peermatch import`, an edited --data file) until ctx ends. It polls:
// cheap at any interval people would choose, and it works on every
// filesystem, including the network mounts operators keep data on.
func (a *app) watch(ctx context.Context, every time.Duration) {
	last := fingerprint(a.sources(), time.Now())
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fp := fingerprint(a.sources(), time.Now())
		if fp == last {
			continue
		}
		if err := a.reload(ctx); err != nil {
			// The old directory keeps serving; try again at the next change.
			a.log.Error("directory reload failed; still serving the previous one", "err", err.Error())
		}
		last = fp
	}
}

// reload loads the sources, builds the new index beside the one in use and
// swaps the matcher in one step; searches never see a gap (matcher.Live).
func (a *app) reload(ctx context.Context) error {
	start := time.Now()
	dir, err := loadDirectory(ctx, a.vocab, a.gaz, a.sources(), a.log)
	if err != nil {
		return err
	}
	a.mu.Lock()
	same := a.dir.Hash() == dir.Hash()
	a.mu.Unlock()
	if same {
		return nil
	}
	a.mu.Lock()
	old, oldPath := a.idx, a.idxPath
	a.mu.Unlock()
	// Only what changed is re-indexed, in the index in use; a full build
	// beside it only when the vocabulary changed or the index cannot be
	// updated (the scan of a test, a failed update).
	var (
		m    *matcher.Matcher
		idx  index.Index
		path = oldPath
	)
	if b, ok := old.(*index.Bleve); ok {
		nb, diff, err := b.Update(ctx, dir, a.vocab)
		switch {
		case err == nil:
			idx, m = nb, matcher.New(nb, dir, a.vocab, a.gaz, a.log)
			a.log.Info("directory changes applied", "added", len(diff.Added), "changed", len(diff.Changed), "removed", len(diff.Removed))
		case errors.Is(err, context.Canceled):
			return err
		default:
			a.log.Info("rebuilding the search index", "reason", err.Error())
		}
	}
	if idx == nil {
		if m, idx, path, err = a.open(ctx, dir); err != nil {
			return err
		}
	}
	a.live.Swap(m)
	a.mu.Lock()
	a.idx, a.idxPath, a.dir = idx, path, dir
	a.mu.Unlock()
	if idx != old {
		// After an update the old index handed its shards over; closing
		// it releases nothing the new one uses.
		if err := old.Close(); err != nil {
			a.log.Warn("closing the previous index", "err", err.Error())
		}
	}
	a.pruneIndexes()
	a.log.Info("directory reloaded", "groups", len(dir.Groups), "seconds", time.Since(start).Seconds())
	return nil
}

// feedRefetchEvery is how often a URL source (an intergroup's live feed)
// is read again: a URL has no modification time to watch, and feeds
// change a few times a day, so a quarter of an hour is fresh enough and
// costs their servers little.
const feedRefetchEvery = 15 * time.Minute

// fingerprint summarizes the sources' files (names, sizes, times), so a
// change is noticed without reading them; a URL source changes its
// fingerprint every feedRefetchEvery, so that it is fetched again.
func fingerprint(sources string, now time.Time) string {
	var b strings.Builder
	for _, p := range splitSources(sources) {
		b.WriteString(p + "\x00")
		if strings.Contains(p, "://") {
			fmt.Fprintf(&b, "%d\x00", now.Unix()/int64(feedRefetchEvery/time.Second))
			continue
		}
		_ = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(&b, "%s:missing\x00", path)
				return nil
			}
			if info, err := d.Info(); err == nil && !d.IsDir() {
				fmt.Fprintf(&b, "%s:%d:%d\x00", path, info.Size(), info.ModTime().UnixNano())
			}
			return nil
		})
	}
	return b.String()
}

// reloadEvery is PEERMATCH_RELOAD_INTERVAL (a Go duration such as 30s),
// default 30 seconds.
func reloadEvery(getenv func(string) string) time.Duration {
	if d, err := time.ParseDuration(getenv("PEERMATCH_RELOAD_INTERVAL")); err == nil && d > 0 {
		return d
	}
	return 30 * time.Second
}
