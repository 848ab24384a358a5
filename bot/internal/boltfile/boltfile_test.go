package boltfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
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
