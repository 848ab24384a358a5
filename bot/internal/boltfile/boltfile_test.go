package boltfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"go.etcd.io/bbolt"
)

// TestCompactLeavesNoDeletedBytes proves the reason the package exists:
// after a delete the value is still in the file; after Compact it is not,
// and the live data survives.
func TestCompactLeavesNoDeletedBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "x.db")
	f, err := OpenFile(path, []byte("b"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	canary := []byte("canary-7f3a9c-secret-answer")
	put := func(k string, v []byte) {
		if err := f.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("b")).Put([]byte(k), v) }); err != nil {
			t.Fatal(err)
		}
	}
	put("gone", bytes.Repeat(canary, 50))
	put("kept", []byte("still here"))
	if err := f.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("b")).Delete([]byte("gone")) }); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, canary) {
		t.Fatal("bbolt zeroed the freed page itself; the test no longer shows anything")
	}
	if err := f.Compact(); err != nil {
		t.Fatal(err)
	}
	raw, _ = os.ReadFile(path)
	if bytes.Contains(raw, canary) {
		t.Error("the deleted value is still in the file after Compact")
	}
	var got []byte
	_ = f.View(func(tx *bbolt.Tx) error { got = append(got, tx.Bucket([]byte("b")).Get([]byte("kept"))...); return nil })
	if string(got) != "still here" {
		t.Errorf("live value after Compact = %q", got)
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, %v; want 0700", st.Mode().Perm(), err)
	}
}

func TestClosedFile(t *testing.T) {
	f, err := OpenFile(filepath.Join(t.TempDir(), "x.db"), []byte("b"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := f.View(func(*bbolt.Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("View after Close: %v", err)
	}
	if err := f.Compact(); !errors.Is(err, ErrClosed) {
		t.Errorf("Compact after Close: %v", err)
	}
}

// TestCompactKeepsWritesMadeDuringTheCopy: the copy runs while others
// write; what they put, changed or deleted meanwhile is in the new file,
// and a value deleted during the copy is erased too.
func TestCompactKeepsWritesMadeDuringTheCopy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	f, err := OpenFile(path, []byte("b"), []byte("c"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := []byte("b")
	canary := bytes.Repeat([]byte("canary-during-copy-"), 20)
	put := func(k string, v []byte) {
		t.Helper()
		if err := f.Update(func(tx *bbolt.Tx) error { return tx.Bucket(b).Put([]byte(k), v) }); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 200 {
		put("k"+strconv.Itoa(i), []byte("v"+strconv.Itoa(i)))
	}
	put("erased", canary)
	copies := 0
	f.afterCopy = func() {
		if copies++; copies > 1 {
			return
		}
		put("k5", []byte("changed"))
		put("new", []byte("added"))
		if err := f.Update(func(tx *bbolt.Tx) error {
			if err := tx.Bucket(b).Delete([]byte("erased")); err != nil {
				return err
			}
			if err := tx.Bucket(b).Delete([]byte("k7")); err != nil {
				return err
			}
			return tx.DeleteBucket([]byte("c"))
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Compact(); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, canary[:40]) {
		t.Error("a value deleted during the copy is still in the file")
	}
	got := map[string]string{}
	err = f.View(func(tx *bbolt.Tx) error {
		if tx.Bucket([]byte("c")) != nil {
			t.Error("bucket deleted during the copy came back")
		}
		return tx.Bucket(b).ForEach(func(k, v []byte) error { got[string(k)] = string(v); return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if got["k5"] != "changed" || got["new"] != "added" || got["k100"] != "v100" || len(got) != 200 {
		t.Errorf("after compaction: k5=%q new=%q k100=%q, %d keys (want 200)", got["k5"], got["new"], got["k100"], len(got))
	}
	if _, ok := got["k7"]; ok {
		t.Error("k7, deleted during the copy, came back")
	}
	if copies != 2 {
		t.Errorf("%d copies; a delete during the first should cause exactly one more", copies)
	}
}

// TestRequestCompactErasesInTheBackground: RequestCompact returns at once;
// WaitCompacted and Close both see the erasure done.
func TestRequestCompactErasesInTheBackground(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	canary := bytes.Repeat([]byte("canary-bg-"), 30)
	for _, viaClose := range []bool{false, true} {
		f, err := OpenFile(path, []byte("b"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("b")).Put([]byte("x"), canary) }); err != nil {
			t.Fatal(err)
		}
		if err := f.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("b")).Delete([]byte("x")) }); err != nil {
			t.Fatal(err)
		}
		f.RequestCompact()
		if viaClose {
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		} else if err := f.WaitCompacted(); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(path)
		if bytes.Contains(raw, canary[:30]) {
			t.Errorf("viaClose=%v: deleted value still in the file", viaClose)
		}
		_ = f.Close()
	}
}
