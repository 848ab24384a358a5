package boltfile

import (
	"bytes"
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
	db, err := Open(path, []byte("b"))
	if err != nil {
		t.Fatal(err)
	}
	canary := []byte("canary-7f3a9c-secret-answer")
	put := func(k string, v []byte) {
		if err := db.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("b")).Put([]byte(k), v) }); err != nil {
			t.Fatal(err)
		}
	}
	put("gone", bytes.Repeat(canary, 50))
	put("kept", []byte("still here"))
	if err := db.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("b")).Delete([]byte("gone")) }); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, canary) {
		t.Fatal("bbolt zeroed the freed page itself; the test no longer shows anything")
	}
	db, err = Compact(db, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw, _ = os.ReadFile(path)
	if bytes.Contains(raw, canary) {
		t.Error("the deleted value is still in the file after Compact")
	}
	var got []byte
	_ = db.View(func(tx *bbolt.Tx) error { got = append(got, tx.Bucket([]byte("b")).Get([]byte("kept"))...); return nil })
	if string(got) != "still here" {
		t.Errorf("live value after Compact = %q", got)
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, %v; want 0700", st.Mode().Perm(), err)
	}
}
