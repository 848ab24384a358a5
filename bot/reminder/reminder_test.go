package reminder

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/peermatch/peermatch/data"
)

// fakeClock jumps forward whenever the scheduler waits, so a day of
// scheduling runs in microseconds with no sleeping.
type fakeClock struct {
	mu     sync.Mutex
	t, end time.Time
	cancel func()
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	if !c.t.Before(c.end) {
		c.cancel()
		return nil
	}
	ch := make(chan time.Time, 1)
	ch <- c.t
	return ch
}

type firing struct {
	at time.Time
	r  Reminder
}

var ny = func() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return loc
}()

func nyTime(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
	if err != nil {
		panic(err)
	}
	return t
}

func testDir() map[string]*data.Group {
	return map[string]*data.Group{
		"thursday-grief": {ID: "thursday-grief", TimeZone: "America/New_York", Meetings: []data.Meeting{
			{RRule: "FREQ=WEEKLY;BYDAY=TH", Start: "19:00", Duration: 90},
		}},
		"sunday-circle": {ID: "sunday-circle", TimeZone: "America/New_York", Meetings: []data.Meeting{
			{RRule: "FREQ=WEEKLY;BYDAY=SU", Start: "19:00"},
		}},
	}
}

func lookup(dir map[string]*data.Group) NextFunc {
	return DirectoryNext(func(id string) (*data.Group, bool) { g, ok := dir[id]; return g, ok })
}

func open(t *testing.T, path string, next NextFunc, clock *fakeClock) *Store {
	t.Helper()
	opts := Options{Secret: []byte("test secret")}
	if clock != nil {
		opts.After = clock.After
	}
	s, err := Open(path, next, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runFrom opens the store (a fresh process), runs the scheduler on a fake
// clock from start to end, closes it, and returns what fired.
func runFrom(t *testing.T, path string, next NextFunc, start, end time.Time) []firing {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := &fakeClock{t: start, end: end, cancel: cancel}
	s := open(t, path, next, clock)
	defer s.Close()
	var got []firing
	err := s.Run(ctx, clock.Now, func(r Reminder) error {
		got = append(got, firing{at: clock.Now(), r: r})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func addOne(t *testing.T, path string, next NextFunc, r Reminder, now time.Time) Reminder {
	t.Helper()
	s := open(t, path, next, nil)
	defer s.Close()
	got, err := s.Add(r, now)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

var alice = Reminder{Platform: "telegram", ChatID: "5550001", UserID: "5550001", GroupID: "thursday-grief", Meeting: 0}

func TestFiresOnceAtTheMinuteAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reminders.db")
	next := lookup(testDir())
	r := addOne(t, path, next, alice, nyTime("2026-02-12 09:00"))
	if !r.Start.Equal(nyTime("2026-02-12 19:00")) || r.Lead != time.Hour || r.UserKey == "" || r.UserID != "" {
		t.Fatalf("Add returned %+v", r)
	}

	// Restart 1: the bot comes back at noon and runs into the evening.
	got := runFrom(t, path, next, nyTime("2026-02-12 12:00"), nyTime("2026-02-12 23:00"))
	if len(got) != 1 {
		t.Fatalf("fired %d times, want once: %+v", len(got), got)
	}
	if !got[0].at.Equal(nyTime("2026-02-12 18:00")) {
		t.Errorf("fired at %v, want 18:00 New York", got[0].at.In(ny))
	}
	if f := got[0].r; f.ChatID != alice.ChatID || f.GroupID != alice.GroupID || !f.Start.Equal(nyTime("2026-02-12 19:00")) {
		t.Errorf("fired %+v", f)
	}

	// Restart 2 after it fired, before the meeting: it must not fire again.
	if got := runFrom(t, path, next, nyTime("2026-02-12 18:30"), nyTime("2026-02-12 23:00")); len(got) != 0 {
		t.Fatalf("fired again after restart: %+v", got)
	}

	// And next week it fires again, once, at 18:00.
	got = runFrom(t, path, next, nyTime("2026-02-13 08:00"), nyTime("2026-02-20 08:00"))
	if len(got) != 1 || !got[0].at.Equal(nyTime("2026-02-19 18:00")) {
		t.Fatalf("next week: %+v", got)
	}
}

func TestDownAtTheMinute(t *testing.T) {
	next := lookup(testDir())

	// Down at 18:00, back at 18:20: still before the meeting, fire at once.
	path := filepath.Join(t.TempDir(), "reminders.db")
	addOne(t, path, next, alice, nyTime("2026-02-12 09:00"))
	got := runFrom(t, path, next, nyTime("2026-02-12 18:20"), nyTime("2026-02-12 18:40"))
	if len(got) != 1 || !got[0].at.Equal(nyTime("2026-02-12 18:20")) {
		t.Fatalf("late start: %+v", got)
	}

	// Down until after the meeting started: drop it, fire next week.
	path = filepath.Join(t.TempDir(), "reminders.db")
	addOne(t, path, next, alice, nyTime("2026-02-12 09:00"))
	got = runFrom(t, path, next, nyTime("2026-02-12 19:05"), nyTime("2026-02-19 18:30"))
	if len(got) != 1 || !got[0].at.Equal(nyTime("2026-02-19 18:00")) || !got[0].r.Start.Equal(nyTime("2026-02-19 19:00")) {
		t.Fatalf("missed meeting: %+v", got)
	}
}

// TestShutdownFiresNothing: once the bot is shutting down (ctx ended),
// Run fires nothing, even what is due: firing marks a reminder done, and
// the front end it would go through is stopping. The reminder goes out
// after the restart instead of being lost.
func TestShutdownFiresNothing(t *testing.T) {
	next := lookup(testDir())
	path := filepath.Join(t.TempDir(), "reminders.db")
	addOne(t, path, next, alice, nyTime("2026-02-12 09:00"))
	s := open(t, path, next, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fired := 0
	err := s.Run(ctx, func() time.Time { return nyTime("2026-02-12 18:00") }, func(Reminder) error {
		fired++
		return errors.New("the front end has stopped")
	})
	if err != nil || fired != 0 {
		t.Fatalf("Run after its ctx ended: err %v, %d fired", err, fired)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got := runFrom(t, path, next, nyTime("2026-02-12 18:01"), nyTime("2026-02-12 18:30"))
	if len(got) != 1 {
		t.Fatalf("after the restart %d fired, want the one due at shutdown", len(got))
	}
}

func TestAddWithinLeadFiresAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reminders.db")
	next := lookup(testDir())
	addOne(t, path, next, alice, nyTime("2026-02-12 18:40"))
	got := runFrom(t, path, next, nyTime("2026-02-12 18:41"), nyTime("2026-02-12 23:00"))
	if len(got) != 1 || !got[0].at.Equal(nyTime("2026-02-12 18:41")) {
		t.Fatalf("%+v", got)
	}
}

func TestAcrossDaylightSaving(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reminders.db")
	next := lookup(testDir())
	r := alice
	r.GroupID, r.Lead = "sunday-circle", 30*time.Minute
	addOne(t, path, next, r, nyTime("2026-03-02 09:00"))
	got := runFrom(t, path, next, nyTime("2026-03-02 09:00"), nyTime("2026-03-16 00:00"))
	want := []time.Time{nyTime("2026-03-08 18:30"), nyTime("2026-03-15 18:30")}
	if len(got) != len(want) {
		t.Fatalf("%+v", got)
	}
	for i := range want {
		if !got[i].at.Equal(want[i]) {
			t.Errorf("fire %d at %v, want %v", i, got[i].at.In(ny), want[i])
		}
	}
	// 2026-03-08 18:30 EDT is 22:30 UTC; a week earlier it was 23:30 UTC.
	if u := got[0].at.UTC().Format("15:04"); u != "22:30" {
		t.Errorf("UTC %s", u)
	}
}

func TestCancelListReplace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reminders.db")
	dir := testDir()
	s := open(t, path, lookup(dir), nil)
	defer s.Close()
	now := nyTime("2026-02-12 09:00")
	if _, err := s.Add(alice, now); err != nil {
		t.Fatal(err)
	}
	r2 := alice
	r2.GroupID, r2.Lead = "sunday-circle", 15*time.Minute
	if _, err := s.Add(r2, now); err != nil {
		t.Fatal(err)
	}
	r3 := alice
	r3.Lead = 2 * time.Hour // replaces the first
	if _, err := s.Add(r3, now); err != nil {
		t.Fatal(err)
	}
	list, err := s.List("telegram", alice.ChatID)
	if err != nil || len(list) != 2 {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if list[1].GroupID != "thursday-grief" || list[1].Lead != 2*time.Hour {
		t.Errorf("replace: %+v", list[1])
	}
	if ok, err := s.Cancel("telegram", alice.ChatID, "sunday-circle", 0); !ok || err != nil {
		t.Fatalf("Cancel = %v, %v", ok, err)
	}
	if ok, _ := s.Cancel("telegram", alice.ChatID, "sunday-circle", 0); ok {
		t.Error("second Cancel found it again")
	}
	// The replaced reminder fires at 17:00, once; the cancelled one never.
	var fired []Reminder
	if _, err := s.Tick(nyTime("2026-02-12 17:00"), func(r Reminder) error { fired = append(fired, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tick(nyTime("2026-02-15 18:50"), func(r Reminder) error { fired = append(fired, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(fired) != 1 || fired[0].GroupID != "thursday-grief" {
		t.Errorf("fired %+v", fired)
	}

	if _, err := s.Add(Reminder{Platform: "telegram", ChatID: "1", UserID: "1", GroupID: "nope"}, now); !errors.Is(err, ErrNoMeeting) {
		t.Errorf("unknown group: %v", err)
	}
	if _, err := s.Add(Reminder{Platform: "telegram", ChatID: "1", GroupID: "thursday-grief"}, now); !errors.Is(err, ErrInvalid) {
		t.Errorf("no user: %v", err)
	}
	// A meeting removed from the directory drops its reminder on the next tick.
	if _, err := s.Add(alice, now); err != nil {
		t.Fatal(err)
	}
	delete(dir, "thursday-grief")
	fired = nil
	if _, err := s.Tick(nyTime("2026-02-19 18:00"), func(r Reminder) error { fired = append(fired, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.List("telegram", alice.ChatID); len(fired) != 0 || len(list) != 0 {
		t.Errorf("gone meeting: fired %v, left %v", fired, list)
	}
}

// /forget: after DeleteUser the raw bytes of the file hold none of the
// user's ids, while another user's reminders survive.
func TestDeleteUserLeavesNoTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reminders.db")
	dir := testDir()
	// A group only Alice follows, so its id is hers to erase.
	dir["alice-only-canary-group"] = &data.Group{ID: "alice-only-canary-group", TimeZone: "UTC",
		Meetings: []data.Meeting{{RRule: "FREQ=DAILY", Start: "10:00"}}}
	s := open(t, path, lookup(dir), nil)
	now := nyTime("2026-02-12 09:00")
	aliceID := "7345550001"
	bob := Reminder{Platform: "telegram", ChatID: "7345550002", UserID: "7345550002", GroupID: "thursday-grief"}
	inGroupChat := Reminder{Platform: "telegram", ChatID: "-1009988", UserID: aliceID, GroupID: "sunday-circle"}
	for _, r := range []Reminder{
		{Platform: "telegram", ChatID: aliceID, UserID: aliceID, GroupID: "thursday-grief"},
		{Platform: "telegram", ChatID: aliceID, UserID: aliceID, GroupID: "alice-only-canary-group"},
		inGroupChat, bob,
	} {
		if _, err := s.Add(r, now); err != nil {
			t.Fatal(err)
		}
	}
	// Churn so the user's data sits on pages that later get freed.
	for i := range 50 {
		r := bob
		r.Lead = time.Duration(i+1) * time.Minute
		if _, err := s.Add(r, now); err != nil {
			t.Fatal(err)
		}
	}
	aliceKey := s.UserKey("telegram", aliceID)
	raw, _ := os.ReadFile(path)
	for _, needle := range []string{aliceID, "alice-only-canary-group", aliceKey, "-1009988"} {
		if !bytes.Contains(raw, []byte(needle)) {
			t.Fatalf("control: %q should be in the file before /forget", needle)
		}
	}
	n, err := s.DeleteUser("telegram", aliceID)
	if err != nil || n != 3 {
		t.Fatalf("DeleteUser = %d, %v", n, err)
	}
	if list, _ := s.List("telegram", bob.ChatID); len(list) != 1 {
		t.Errorf("Bob's reminder is gone: %v", list)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, needle := range []string{aliceID, "alice-only-canary-group", aliceKey, "-1009988"} {
		if bytes.Contains(raw, []byte(needle)) {
			t.Errorf("file still holds %q after DeleteUser", needle)
		}
	}
	if !bytes.Contains(raw, []byte(bob.ChatID)) {
		t.Error("Bob's chat id should still be there")
	}
	if _, err := os.Stat(path + ".compact"); !os.IsNotExist(err) {
		t.Errorf("temporary file left behind: %v", err)
	}
	// The store still works after the file was swapped.
	s = open(t, path, lookup(dir), nil)
	defer s.Close()
	if list, err := s.List("telegram", bob.ChatID); err != nil || len(list) != 1 {
		t.Errorf("after reopen: %v %v", list, err)
	}
}

// Measures what the compaction is for: a plain delete leaves the bytes.
func TestPlainDeleteLeavesBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reminders.db")
	s := open(t, path, lookup(testDir()), nil)
	r := Reminder{Platform: "telegram", ChatID: "7345550009", UserID: "7345550009", GroupID: "thursday-grief"}
	if _, err := s.Add(r, nyTime("2026-02-12 09:00")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cancel("telegram", r.ChatID, r.GroupID, 0); err != nil {
		t.Fatal(err)
	}
	s.Close()
	raw, _ := os.ReadFile(path)
	t.Logf("after Cancel without compaction, chat id still in file: %v", bytes.Contains(raw, []byte(r.ChatID)))
}

func TestNoUserIDStored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reminders.db")
	s := open(t, path, lookup(testDir()), nil)
	r := Reminder{Platform: "discord", ChatID: "chan-123", UserID: "user-canary-998877", GroupID: "thursday-grief"}
	if _, err := s.Add(r, nyTime("2026-02-12 09:00")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, []byte("user-canary-998877")) {
		t.Error("the raw user id reached the file")
	}
}
