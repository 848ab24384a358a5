package main

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/peermatch/peermatch/index"
)

// watch reloads the directory whenever its sources change (a new
// `peermatch import`, an edited --data file) until ctx ends. It polls:
// cheap at any interval people would choose, and it works on every
// filesystem, including the network mounts operators keep data on.
func (a *app) watch(ctx context.Context, every time.Duration) {
	// From what the start read: a change between the start and this
	// goroutine's first look is a change too.
	last := a.loaded
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

// reload applies what changed in the sources to the index in use: each
// changed source is re-read and applied as a difference (only what it
// added, changed or removed is indexed), while searches go on. A source
// that cannot be read, or is broken, keeps its old listings served; the
// error names it, and the file and record when there is one.
func (a *app) reload(ctx context.Context) error {
	start := time.Now()
	srcs, err := expandSources(a.sources())
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.idx == nil {
		return index.ErrClosed
	}
	err = a.apply(ctx, srcs)
	a.log.Info("directory reloaded", "groups", a.idx.Count(), "seconds", time.Since(start).Seconds())
	return err
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
