package main

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestReloadKeepsServingABrokenSource: a source that becomes unreadable
// or broken while the bot runs keeps its old listings served, the other
// sources are applied all the same, and the error and logs name the file
// (and the record, when one is at fault).
func TestReloadKeepsServingABrokenSource(t *testing.T) {
	dir := t.TempDir()
	alpha, beta := filepath.Join(dir, "alpha.json"), filepath.Join(dir, "beta.json")
	writeGroups(t, alpha, "alpha-one", "alpha-two")
	writeGroups(t, beta, "beta-one", "beta-two")
	var logs syncBuffer
	a, err := newApp(context.Background(), logTo(t, t.TempDir()), &logs, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	served := func(ids ...string) {
		t.Helper()
		for _, id := range ids {
			if _, ok := a.live.Group(id); !ok {
				t.Errorf("%s is not served", id)
			}
		}
	}
	gone := func(id string) {
		t.Helper()
		if _, ok := a.live.Group(id); ok {
			t.Errorf("%s is still served", id)
		}
	}
	served("alpha-one", "alpha-two", "beta-one", "beta-two")
	// Each change gets a modification time of its own.
	change := func(f func()) {
		time.Sleep(20 * time.Millisecond)
		f()
		logs.Reset()
	}
	reloadFails := func(want ...string) {
		t.Helper()
		err := a.reload(context.Background())
		t.Logf("reload: %v", err)
		if err == nil {
			t.Fatalf("reload with a broken beta.json: no error; logs:\n%s", logs.String())
		}
		for _, w := range want {
			if !strings.Contains(err.Error()+logs.String(), w) {
				t.Errorf("reload error %q and logs lack %q:\n%s", err, w, logs.String())
			}
		}
	}

	t.Run("Truncated", func(t *testing.T) {
		change(func() {
			writeGroups(t, alpha, "alpha-one", "alpha-two", "alpha-three")
			if err := os.WriteFile(beta, []byte(`{"groups": [{"id": "beta-one", "name": "beta-one", "topics": ["grief"], "format": "online", `), 0o600); err != nil {
				t.Fatal(err)
			}
		})
		reloadFails(beta, "record 1: the file ends early")
		served("beta-one", "beta-two", "alpha-three") // the good source is applied all the same
	})
	t.Run("Unreadable", func(t *testing.T) {
		change(func() {
			// A dangling link: the file is there by name and cannot be
			// opened (the tests run as root, so permissions would not do).
			os.Remove(beta)
			if err := os.Symlink(filepath.Join(dir, "nowhere", "beta.json"), beta); err != nil {
				t.Fatal(err)
			}
		})
		reloadFails(beta)
		served("beta-one", "beta-two")
	})
	t.Run("EveryRecordBad", func(t *testing.T) {
		change(func() {
			os.Remove(beta)
			bad := `{"groups": [{"id": "beta-one", "topics": ["grief"], "format": "online"}, {"id": "beta-two", "topics": ["grief"], "format": "online"}]}`
			if err := os.WriteFile(beta, []byte(bad), 0o600); err != nil {
				t.Fatal(err)
			}
		})
		reloadFails(beta, "record 1", "record 2", errNothingLeft.Error())
		served("beta-one", "beta-two")
	})
	t.Run("OneRecordBad", func(t *testing.T) {
		// A source with a bad record is still a source: its good records
		// are served, the bad one is logged by file and record.
		change(func() {
			part := `{"groups": [{"id": "beta-one", "name": "beta-one", "topics": ["grief"], "format": "online", "source": "https://example.org", "last_verified": "2026-11-25"}, {"id": "beta-two", "topics": ["grief"], "format": "online"}]}`
			if err := os.WriteFile(beta, []byte(part), 0o600); err != nil {
				t.Fatal(err)
			}
		})
		if err := a.reload(context.Background()); err != nil {
			t.Fatalf("reload: %v", err)
		}
		served("beta-one")
		gone("beta-two")
		if l := logs.String(); !strings.Contains(l, "directory record skipped") || !strings.Contains(l, beta) || !strings.Contains(l, "record 2") {
			t.Errorf("the bad record is not logged by file and record:\n%s", l)
		}
	})
	t.Run("Repaired", func(t *testing.T) {
		change(func() { writeGroups(t, beta, "beta-one", "beta-three") })
		if err := a.reload(context.Background()); err != nil {
			t.Fatalf("reload: %v", err)
		}
		served("beta-one", "beta-three", "alpha-one", "alpha-three")
		gone("beta-two")
	})
	t.Run("Removed", func(t *testing.T) {
		change(func() { os.Remove(beta) })
		if err := a.reload(context.Background()); err != nil {
			t.Fatalf("reload: %v", err)
		}
		gone("beta-one")
		gone("beta-three")
		served("alpha-one")
	})
}

// TestStartKeepsServingABrokenSource: a source that broke while the bot
// was stopped keeps the listings the index has of it at the next start.
func TestStartKeepsServingABrokenSource(t *testing.T) {
	dir := t.TempDir()
	alpha, beta := filepath.Join(dir, "alpha.json"), filepath.Join(dir, "beta.json")
	writeGroups(t, alpha, "alpha-one")
	writeGroups(t, beta, "beta-one")
	getenv := logTo(t, t.TempDir())
	var logs syncBuffer
	a, err := newApp(context.Background(), getenv, &logs, dir)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	time.Sleep(20 * time.Millisecond)
	if err := os.WriteFile(beta, []byte(`{"groups": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	logs.Reset()
	b, err := newApp(context.Background(), getenv, &logs, dir)
	if err != nil {
		t.Fatalf("a broken source stopped the start: %v", err)
	}
	defer b.Close()
	if _, ok := b.live.Group("beta-one"); !ok {
		t.Errorf("beta-one is not served after a restart with beta.json broken")
	}
	if !strings.Contains(logs.String(), beta) {
		t.Errorf("the start does not name the broken source:\n%s", logs.String())
	}
}

// TestDuplicatesMergedAcrossReloads: the same meeting from two sources is
// served once, with the later source named, after the build, after either
// source is reloaded (the merge does not pile up) and after a restart.
func TestDuplicatesMergedAcrossReloads(t *testing.T) {
	dir := t.TempDir()
	dup := nycSaturday()
	dup["slug"], dup["url"] = "midnight-oil-group", "https://district9.example/meetings/midnight-oil"
	other := map[string]any{"name": "Noon Group", "slug": "noon", "day": 2, "time": "12:00", "timezone": "America/New_York",
		"formatted_address": "1 Main St, New York, NY 10003, USA", "latitude": 40.73, "longitude": -73.99, "updated": "2026-11-20"}
	write := func(name string, meetings ...map[string]any) string {
		t.Helper()
		b, err := json.Marshal(meetings)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("1-intergroup.json", nycSaturday())
	write("2-district.json", dup)
	getenv := logTo(t, t.TempDir())
	var logs syncBuffer
	a, err := newApp(context.Background(), getenv, &logs, dir)
	if err != nil {
		t.Fatal(err)
	}
	check := func(a *app, when string) {
		t.Helper()
		g, ok := a.live.Group("midnight-oil")
		if !ok || !slices.Equal(g.AlsoListedBy, []string{"https://district9.example/meetings/midnight-oil"}) {
			t.Errorf("%s: midnight-oil %v also listed by %v, want the district's page once", when, ok, g)
		}
		if _, ok := a.live.Group("midnight-oil-group"); ok {
			t.Errorf("%s: the district's copy is served too", when)
		}
	}
	check(a, "after the build")
	for i := range 2 {
		time.Sleep(20 * time.Millisecond)
		other["time"] = []string{"12:00", "12:30"}[i]
		write("1-intergroup.json", nycSaturday(), other)
		if err := a.reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		check(a, "after the intergroup's feed changed")
	}
	time.Sleep(20 * time.Millisecond)
	otherD := maps.Clone(other)
	otherD["slug"] = "noon-d"
	write("2-district.json", dup, otherD)
	if err := a.reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	check(a, "after the district's feed changed")
	// A district feed that breaks keeps what it merged: the intergroup's
	// listing still names it after the intergroup's own feed is re-read.
	time.Sleep(20 * time.Millisecond)
	if err := os.WriteFile(filepath.Join(dir, "2-district.json"), []byte(`[{"name": "Midnight`), 0o600); err != nil {
		t.Fatal(err)
	}
	other["time"] = "12:45"
	write("1-intergroup.json", nycSaturday(), other)
	if err := a.reload(context.Background()); err == nil {
		t.Errorf("reload with the district's feed broken: no error")
	}
	check(a, "after the district's feed broke")
	time.Sleep(20 * time.Millisecond)
	write("2-district.json", dup, otherD)
	if err := a.reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.Close()
	time.Sleep(20 * time.Millisecond)
	other["time"] = "13:00"
	write("1-intergroup.json", nycSaturday(), other)
	b, err := newApp(context.Background(), getenv, &logs, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	check(b, "after a restart that re-read the intergroup's feed")
	if _, ok := b.live.Group("noon-d"); ok {
		t.Errorf("the district's copy of the noon group is served too")
	}
}

// TestTakenIDRenamedOnEveryLoad: an id two sources use is the first
// source's; the later one's listing is served as "<source>.<id>", after
// the build and after the later source is reloaded (it never takes the
// id over).
func TestTakenIDRenamedOnEveryLoad(t *testing.T) {
	dir := t.TempDir()
	alpha, beta := filepath.Join(dir, "alpha.json"), filepath.Join(dir, "beta.json")
	writeGroups(t, alpha, "shared")
	writeGroups(t, beta, "shared", "beta-one")
	var logs syncBuffer
	a, err := newApp(context.Background(), logTo(t, t.TempDir()), &logs, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	check := func(when string) {
		t.Helper()
		if src, _ := a.idx.Owner(context.Background(), "shared"); src != alpha {
			t.Errorf("%s: shared is held by %q, want %s", when, src, alpha)
		}
		if src, _ := a.idx.Owner(context.Background(), "beta.shared"); src != beta {
			t.Errorf("%s: beta.shared is held by %q, want %s:\n%s", when, src, beta, logs.String())
		}
	}
	check("after the build")
	time.Sleep(20 * time.Millisecond)
	writeGroups(t, beta, "shared", "beta-one", "beta-two")
	if err := a.reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	check("after beta.json changed")
	if _, ok := a.live.Group("beta-two"); !ok {
		t.Errorf("beta-two is not served")
	}
}
