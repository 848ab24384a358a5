package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/peermatch/peermatch/bot"
)

// turn is what a handler does with one update: read the session, count
// the message, write it back. Applying an update twice shows as a count
// above the number of updates.
func turn(t *testing.T, s *Store, ctx context.Context, key string, at time.Time) int {
	t.Helper()
	sess, _, err := s.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	sess.Offset++
	sess.Updated = at
	if err := s.Put(ctx, key, sess); err != nil {
		t.Fatal(err)
	}
	return sess.Offset
}

// TestRedeliveredUpdateIsNotAppliedTwice: an update handled (session
// written) but not marked done before a crash comes again in a new run; it
// must start from the session before it, not after it. The same run reads
// its own writes (the crisis screen writes, then the intake reads).
func TestRedeliveredUpdateIsNotAppliedTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	u1 := bot.WithDelivery(context.Background(), bot.Delivery{ID: "telegram:1", Run: 11})
	if got := turn(t, s, u1, "p", at); got != 1 {
		t.Fatalf("first update: count %d", got)
	}
	// The same run writes twice (screen, then intake): the second write
	// builds on the first.
	if got := turn(t, s, u1, "p", at); got != 2 {
		t.Fatalf("second write in the same run: count %d, want 2", got)
	}
	u2 := bot.WithDelivery(context.Background(), bot.Delivery{ID: "telegram:2", Run: 12})
	if got := turn(t, s, u2, "p", at); got != 3 {
		t.Fatalf("next update: count %d, want 3", got)
	}
	// Crash before update 2 was marked done; a new process redelivers it.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	again := bot.WithDelivery(context.Background(), bot.Delivery{ID: "telegram:2", Run: 99})
	if got := turn(t, s, again, "p", at); got != 3 {
		t.Errorf("redelivered update: count %d, want 3 (applied once)", got)
	}
	if got := turn(t, s, again, "p", at); got != 4 {
		t.Errorf("second write of the redelivery: count %d, want 4 (reads its own write)", got)
	}
	// Without a delivery (reminders, console), the stored session as is.
	if sess, _, _ := s.Get(context.Background(), "p"); sess.Offset != 4 {
		t.Errorf("plain Get: count %d, want 4", sess.Offset)
	}
	// A redelivered first update of a person finds no session, as the
	// first attempt did.
	n1 := bot.WithDelivery(context.Background(), bot.Delivery{ID: "telegram:3", Run: 1})
	turn(t, s, n1, "newcomer", at)
	n2 := bot.WithDelivery(context.Background(), bot.Delivery{ID: "telegram:3", Run: 2})
	if _, ok, _ := s.Get(n2, "newcomer"); ok {
		t.Error("redelivered first update sees the session it created")
	}
}

// TestForgetErasesTheUpdateRecord: the session before the last update is
// personal data too; /forget and sweeps take it with the rest.
func TestForgetErasesTheUpdateRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	ctx := context.Background()
	place := "CANARY-before-" + fmt.Sprint(at.Unix())
	if err := s.Put(ctx, "p", session(place, at)); err != nil {
		t.Fatal(err)
	}
	d := bot.WithDelivery(ctx, bot.Delivery{ID: "telegram:7", Run: 1})
	if err := s.Put(d, "p", session("after", at)); err != nil {
		t.Fatal(err)
	}
	var rec []byte
	_ = s.f.View(func(tx *bbolt.Tx) error { rec = bytes.Clone(tx.Bucket(bucketApplied).Get([]byte("p"))); return nil })
	if len(rec) < 40 {
		t.Fatalf("no update record with the earlier session: %d bytes", len(rec))
	}
	if err := s.Delete(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitErased(); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(readFile(t, path), rec[len(rec)-32:]) {
		t.Error("the earlier session is still in the file after Delete")
	}
	d2 := bot.WithDelivery(ctx, bot.Delivery{ID: "telegram:7", Run: 2})
	if _, ok, _ := s.Get(d2, "p"); ok {
		t.Error("the earlier session is readable after Delete")
	}
}

// TestDeleteDoesNotWaitForCompaction: a person's /forget returns while the
// compaction still runs, and other people's reads and writes go on meanwhile.
func TestDeleteDoesNotWaitForCompaction(t *testing.T) {
	s := filled(t, 2000)
	defer s.Close()
	ctx := context.Background()
	release := make(chan struct{})
	copying := make(chan struct{})
	var once sync.Once
	s.f.SetAfterCopy(func() {
		once.Do(func() {
			close(copying)
			<-release
		})
	})
	if err := s.Delete(ctx, key(1)); err != nil {
		t.Fatal(err)
	}
	<-copying // the compaction is under way, and stays so until released
	if err := s.Put(ctx, key(2), session("x", time.Now())); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Get(ctx, key(3)); !ok || err != nil {
		t.Fatalf("Get during compaction: ok=%v err=%v", ok, err)
	}
	if err := s.Delete(ctx, key(4)); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := s.WaitErased(); err != nil {
		t.Fatal(err)
	}
	for i, want := range map[int]bool{1: false, 2: true, 3: true, 4: false, 5: true} {
		if _, ok, _ := s.Get(ctx, key(i)); ok != want {
			t.Errorf("session %d present=%v, want %v", i, ok, want)
		}
	}
}

func key(i int) string { return fmt.Sprintf("%032x", i) }

// filled is a store with n sessions, written in large transactions.
func filled(tb testing.TB, n int) *Store {
	tb.Helper()
	s, err := Open(filepath.Join(tb.TempDir(), FileName))
	if err != nil {
		tb.Fatal(err)
	}
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	plain := []byte(`{"step":"format","consent":true,"topics":["grief","loss"],"near":{"lat":30.27,"lon":-97.74},"place":"Austin, TX","tz":"America/Chicago","updated":"2026-12-04T10:00:00Z"}`)
	for lo := 0; lo < n; lo += 5000 {
		err := s.f.Update(func(tx *bbolt.Tx) error {
			for i := lo; i < min(n, lo+5000); i++ {
				k := key(i)
				dek := bytes.Repeat([]byte{byte(i), byte(i >> 8), 1, 2}, 8)
				ct, err := seal(dek, plain, k)
				if err != nil {
					return err
				}
				ts := binary.BigEndian.AppendUint64(nil, uint64(at.Add(time.Duration(i)*time.Second).UnixNano()))
				for b, v := range map[string][]byte{"dek": dek, "sess": ct, "seen": ts} {
					if err := tx.Bucket([]byte(b)).Put([]byte(k), v); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

// BenchmarkForgetAt50k measures /forget with 50,000 sessions: how long
// Delete keeps its caller (who holds the person's lock), how long the
// whole erasure takes in the background, and how long it holds every other
// transaction out (exclusive-ms, the catch-up and swap).
func BenchmarkForgetAt50k(b *testing.B) {
	s := filled(b, 50000)
	defer s.Close()
	ctx := context.Background()
	var del, excl time.Duration
	i := 0
	for b.Loop() {
		t0 := time.Now()
		if err := s.Delete(ctx, key(i)); err != nil {
			b.Fatal(err)
		}
		del += time.Since(t0)
		if err := s.WaitErased(); err != nil {
			b.Fatal(err)
		}
		excl = max(excl, s.f.Exclusive())
		i++
	}
	b.ReportMetric(float64(del.Microseconds())/float64(i)/1000, "delete-ms")
	b.ReportMetric(float64(excl.Microseconds())/1000, "max-exclusive-ms")
}

// BenchmarkSweepAt50k sweeps 10,000 idle sessions out of 50,000 and
// reports the longest one transaction held the write lock.
func BenchmarkSweepAt50k(b *testing.B) {
	ctx := context.Background()
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	var excl time.Duration
	for b.Loop() {
		b.StopTimer()
		s := filled(b, 50000)
		b.StartTimer()
		n, err := s.Sweep(ctx, at.Add(10000*time.Second))
		if err != nil || n != 10000 {
			b.Fatalf("swept %d, %v", n, err)
		}
		if err := s.WaitErased(); err != nil {
			b.Fatal(err)
		}
		excl = max(excl, s.f.Exclusive())
		b.StopTimer()
		_ = s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(excl.Microseconds())/1000, "max-exclusive-ms")
}

// BenchmarkGetDuringCompactionAt50k reads sessions (what a crisis reply
// or another person's message does) while compactions of a 50,000-session
// file run back to back, and reports the 99th percentile and the slowest
// read; "idle" is the same without compactions, the machine's own noise.
func BenchmarkGetDuringCompactionAt50k(b *testing.B) {
	s := filled(b, 50000)
	defer s.Close()
	for _, compacting := range []bool{false, true} {
		name := "idle"
		if compacting {
			name = "compacting"
		}
		b.Run(name, func(b *testing.B) { benchGets(b, s, compacting) })
	}
}

func benchGets(b *testing.B, s *Store, compacting bool) {
	ctx := context.Background()
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		n := 0
		for compacting {
			select {
			case <-stop:
				done <- n
				return
			default:
			}
			if err := s.Compact(); err != nil {
				b.Error(err)
			}
			n++
		}
		<-stop
		done <- n
	}()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		t0 := time.Now()
		if _, ok, err := s.Get(ctx, key(i%50000)); !ok || err != nil {
			b.Fatalf("Get: ok=%v err=%v", ok, err)
		}
		lat = append(lat, time.Since(t0))
		i++
	}
	close(stop)
	n := <-done
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-get-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-get-ms")
	b.ReportMetric(float64(n), "compactions")
}
