// Package boltfile is what the bot's bbolt files (sessions, reminders)
// share: opening with their buckets and erasing compaction. Both files hold
// personal data, so they must forget it the same way.
package boltfile

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
)

// Open opens or creates the file at path (its directory 0700, the file
// 0600) and makes sure the buckets exist. A copy left by a compaction that
// died before its rename is removed first.
func Open(path string, buckets ...[]byte) (*bbolt.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create directory: %w", err)
	}
	_ = os.Remove(path + ".compact")
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range buckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("initialize %s: %w", path, err)
	}
	return db, nil
}

// Compact replaces the file under db with a copy of its live data and
// returns the database reopened on it. bbolt reuses freed pages without
// zeroing them, so a deleted value stays readable in the file until then;
// the old file's blocks are also overwritten with zeros before they are let
// go, for filesystems that write in place. db is closed in every case; on
// failure the returned database is whichever file is in place (nil only if
// even that cannot be opened), so the caller keeps working.
func Compact(db *bbolt.DB, path string) (*bbolt.DB, error) {
	reopen := func(cause error) (*bbolt.DB, error) {
		ndb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 2 * time.Second})
		return ndb, errors.Join(cause, err)
	}
	tmp := path + ".compact"
	_ = os.Remove(tmp)
	dst, err := bbolt.Open(tmp, 0o600, &bbolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return db, fmt.Errorf("compact: %w", err)
	}
	if err := bbolt.Compact(dst, db, 0); err != nil {
		_ = dst.Close()
		_ = os.Remove(tmp)
		return db, fmt.Errorf("compact: %w", err)
	}
	if err := dst.Close(); err != nil {
		_ = os.Remove(tmp)
		return db, fmt.Errorf("compact: %w", err)
	}
	old, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		_ = os.Remove(tmp)
		return db, fmt.Errorf("compact: %w", err)
	}
	defer old.Close()
	if err := db.Close(); err != nil {
		_ = os.Remove(tmp)
		return reopen(fmt.Errorf("compact: close: %w", err))
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return reopen(fmt.Errorf("compact: %w", err))
	}
	syncDir(filepath.Dir(path))
	zeroErr := zero(old)
	ndb, err := reopen(nil)
	if err != nil {
		return ndb, fmt.Errorf("compact: reopen: %w", err)
	}
	if zeroErr != nil {
		return ndb, fmt.Errorf("compact: zero the old file: %w", zeroErr)
	}
	return ndb, nil
}

func zero(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	for off := int64(0); off < st.Size(); off += int64(len(buf)) {
		n := min(int64(len(buf)), st.Size()-off)
		if _, err := f.WriteAt(buf[:n], off); err != nil {
			return err
		}
	}
	return f.Sync()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// Secret returns the 32-byte random secret stored under key in bucket,
// creating it on first use: the key that hashes user ids must survive
// restarts, or nobody's session or reminder could be found again.
func Secret(db *bbolt.DB, bucket, key []byte) ([]byte, error) {
	var secret []byte
	err := db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		if v := b.Get(key); len(v) == 32 {
			secret = bytes.Clone(v)
			return nil
		}
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return err
		}
		return b.Put(key, secret)
	})
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return secret, nil
}
