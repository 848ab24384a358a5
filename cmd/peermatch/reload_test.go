package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data"
)

const groupJSON = `{"id": %q, "name": %q, "topics": ["grief"], "format": "online", "source": "https://example.org", "last_verified": "2026-11-25"}`

func writeGroups(t *testing.T, path string, names ...string) {
	t.Helper()
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf(groupJSON, n, n))
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(`{"groups": [`+strings.Join(parts, ",")+`]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestLiveReload: the running bot notices a changed --data file and serves
// the new directory, while searches going on all the time never fail.
func TestLiveReload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "groups.json")
	writeGroups(t, file, "first-circle")
	var logs syncBuffer
	a, err := newApp(context.Background(), logTo(t, t.TempDir()), &logs, file)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.watch(ctx, 5*time.Millisecond)

	var failures, searches atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			res, err := a.live.Find(ctx, data.Intake{Topics: []string{"grief"}, Format: "online"}, 0, 5)
			searches.Add(1)
			if err != nil || len(res) == 0 {
				failures.Add(1)
			}
			// Searches all the time, but not a busy loop that starves the
			// reload of the machine's two cores under -race.
			time.Sleep(time.Millisecond)
		}
	})
	found := func(id string) bool { _, ok := a.live.Group(id); return ok }
	wait := func(cond func() bool, what string) {
		t.Helper()
		// A liveness wait, not a speed bar: under -race on a loaded 2-core
		// machine one reload (with searches hammering the old index) has
		// taken over 10 s.
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; logs:\n%s", what, logs.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	time.Sleep(20 * time.Millisecond) // a modification time the poller can tell apart
	writeGroups(t, file, "first-circle", "second-circle")
	wait(func() bool { return found("second-circle") }, "the added group")
	time.Sleep(20 * time.Millisecond)
	writeGroups(t, file, "second-circle")
	wait(func() bool { return !found("first-circle") }, "the removed group to go")
	close(stop)
	wg.Wait()
	if failures.Load() > 0 {
		t.Errorf("%d of %d searches failed during reloads", failures.Load(), searches.Load())
	}
	res, err := a.live.Find(ctx, data.Intake{Topics: []string{"grief"}, Format: "online"}, 0, 5)
	if err != nil || len(res) != 1 || res[0].Group.ID != "second-circle" {
		t.Errorf("after reloads: %v %v", res, err)
	}
}
