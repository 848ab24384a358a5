package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/data"
)

func canary(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "CANARY-" + hex.EncodeToString(b)
}

func session(place string, at time.Time) bot.Session {
	return bot.Session{Step: bot.StepFormat, Consent: true, Topics: []string{"grief"}, PlaceName: place,
		Near: &data.Point{Lat: 30.27, Lon: -97.74}, Updated: at}
}

func TestRoundTripAndReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state", FileName)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	key1 := s.IDKey()
	now := time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC)
	if err := s.Put(ctx, "u1", session("Austin, TX", now)); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Get(ctx, "nobody"); ok || err != nil {
		t.Fatalf("unknown key: ok=%v err=%v", ok, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !bytes.Equal(key1, s.IDKey()) {
		t.Fatal("id key changed across reopen: sessions would be lost after a restart")
	}
	got, ok, err := s.Get(ctx, "u1")
	if err != nil || !ok {
		t.Fatalf("after reopen: ok=%v err=%v", ok, err)
	}
	if got.Step != bot.StepFormat || got.PlaceName != "Austin, TX" || !got.Updated.Equal(now) || got.Near == nil {
		t.Fatalf("got %+v", got)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestNoPlaintextAndForgetLeavesNoKey scans the raw file: answers are never
// in it in the clear, and after Delete neither the ciphertext nor the
// person's data key remains anywhere in it.
func TestNoPlaintextAndForgetLeavesNoKey(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := canary(t)
	now := time.Now()
	// Other people's sessions around it, so pages are shared and reused.
	for i := range 50 {
		if err := s.Put(ctx, "other"+string(rune('a'+i%26))+string(rune('a'+i/26)), session("Other place", now)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Put(ctx, "victim", session(c, now)); err != nil {
		t.Fatal(err)
	}
	var dek, ct []byte
	if err := s.f.View(func(tx *bbolt.Tx) error {
		dek = append(dek, tx.Bucket(bucketDEK).Get([]byte("victim"))...)
		ct = append(ct, tx.Bucket(bucketSess).Get([]byte("victim"))...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	raw := readFile(t, path)
	if bytes.Contains(raw, []byte(c)) {
		t.Fatal("canary stored in plaintext")
	}
	if !bytes.Contains(raw, dek) || !bytes.Contains(raw, ct) {
		t.Fatal("scan is blind: the live key and ciphertext should be found before deletion")
	}
	if err := s.Delete(ctx, "victim"); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitErased(); err != nil {
		t.Fatal(err)
	}
	raw = readFile(t, path)
	if bytes.Contains(raw, dek) {
		t.Error("data key still in the file after Delete")
	}
	if bytes.Contains(raw, ct[:32]) {
		t.Error("ciphertext still in the file after Delete")
	}
	if _, ok, _ := s.Get(ctx, "victim"); ok {
		t.Error("session still readable")
	}
	if _, ok, err := s.Get(ctx, "otheraa"); !ok || err != nil {
		t.Errorf("other sessions lost by compaction: ok=%v err=%v", ok, err)
	}
	if _, err := os.Stat(path + ".compact"); !os.IsNotExist(err) {
		t.Error("compaction left its temporary file")
	}
}

// TestBboltKeepsFreedBytes measures why Delete compacts: a plain bbolt
// delete leaves the value's bytes in a freed page.
func TestBboltKeepsFreedBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plain.db")
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := canary(t)
	put := func(k, v string) {
		if err := db.Update(func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("b"))
			if err != nil {
				return err
			}
			if v == "" {
				return b.Delete([]byte(k))
			}
			return b.Put([]byte(k), []byte(v))
		}); err != nil {
			t.Fatal(err)
		}
	}
	put("k", c)
	put("k", "")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Measured with bbolt v1.5.0: the value stays in the freed page until a
	// later write happens to reuse that page. If this starts failing, bbolt
	// zeroes freed pages and Delete's compaction is merely belt and braces.
	if !bytes.Contains(readFile(t, path), []byte(c)) {
		t.Error("plain bbolt no longer leaves a deleted value in the file")
	}
}

func TestSweep(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	if err := s.Put(ctx, "old", session("x", t0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "new", session("y", t0.Add(20*time.Hour))); err != nil {
		t.Fatal(err)
	}
	n, err := s.Sweep(ctx, t0.Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("sweep: n=%d err=%v", n, err)
	}
	if _, ok, _ := s.Get(ctx, "old"); ok {
		t.Error("old session survived the sweep")
	}
	if _, ok, _ := s.Get(ctx, "new"); !ok {
		t.Error("recent session swept")
	}
}

func TestClosedStoreErrors(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(context.Background(), "k"); err == nil {
		t.Error("Get on a closed store: want an error")
	}
	if err := s.Put(context.Background(), "k", bot.Session{}); err == nil {
		t.Error("Put on a closed store: want an error")
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func BenchmarkPutGet(b *testing.B) {
	ctx := context.Background()
	s, err := Open(filepath.Join(b.TempDir(), FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	sess := session("Austin, TX", time.Now())
	for b.Loop() {
		if err := s.Put(ctx, "u", sess); err != nil {
			b.Fatal(err)
		}
		if _, _, err := s.Get(ctx, "u"); err != nil {
			b.Fatal(err)
		}
	}
}
