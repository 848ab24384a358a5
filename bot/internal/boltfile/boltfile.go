// Package boltfile is what the bot's bbolt files (sessions, reminders,
// Telegram's delivery state) share: a File safe for concurrent use whose
// database compaction can swap, with erasing compaction and a persistent
// secret. They all hold personal data, so they forget it the same way.
package boltfile

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.etcd.io/bbolt"
)

// open opens or creates the file at path (its directory 0700, the file
// 0600) and makes sure the buckets exist. A copy left by a compaction that
// died before its rename is removed first.
func open(path string, buckets ...[]byte) (*bbolt.DB, error) {
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

// compact replaces the file under db with a copy of its live data and
// returns the database reopened on it. bbolt reuses freed pages without
// zeroing them, so a deleted value stays readable in the file until then;
// the old file's blocks are also overwritten with zeros before they are let
// go, for filesystems that write in place. db is closed in every case; on
// failure the returned database is whichever file is in place (nil only if
// even that cannot be opened), so the caller keeps working.
func compact(db *bbolt.DB, path string) (*bbolt.DB, error) {
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

// secret returns the 32-byte random secret stored under key in bucket,
// creating it on first use: the key that hashes user ids must survive
// restarts, or nobody's session or reminder could be found again.
func secret(db *bbolt.DB, bucket, key []byte) ([]byte, error) {
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

// ErrClosed is returned by a File's methods after Close.
var ErrClosed = errors.New("file closed")

// File is a bbolt file shared by goroutines, whose database Compact may
// replace under them: every use goes through it, so none ever sees a closed
// or swapped database.
type File struct {
	path string
	mu   sync.RWMutex // readers: transactions; writers: Compact and Close
	db   *bbolt.DB
}

// OpenFile opens or creates the file at path (its directory 0700, the file
// 0600) with its buckets. A copy left by a compaction that died before its
// rename is removed first.
func OpenFile(path string, buckets ...[]byte) (*File, error) {
	db, err := open(path, buckets...)
	if err != nil {
		return nil, err
	}
	return &File{path: path, db: db}, nil
}

// Path is where the file is.
func (f *File) Path() string { return f.path }

// View runs a read-only transaction.
func (f *File) View(fn func(*bbolt.Tx) error) error {
	return f.with(func(db *bbolt.DB) error { return db.View(fn) })
}

// Update runs a read-write transaction.
func (f *File) Update(fn func(*bbolt.Tx) error) error {
	return f.with(func(db *bbolt.DB) error { return db.Update(fn) })
}

// Batch runs fn in a transaction batched with concurrent callers' (bbolt's
// Batch: fn may run more than once).
func (f *File) Batch(fn func(*bbolt.Tx) error) error {
	return f.with(func(db *bbolt.DB) error { return db.Batch(fn) })
}

func (f *File) with(use func(*bbolt.DB) error) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.db == nil {
		return ErrClosed
	}
	return use(f.db)
}

// Compact rewrites the file with only live data: bbolt reuses freed pages
// without zeroing them, so a deleted value stays readable in the file until
// then. The file keeps working if that fails.
func (f *File) Compact() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.db == nil {
		return ErrClosed
	}
	db, err := compact(f.db, f.path)
	f.db = db
	return err
}

// Secret returns the 32-byte random secret stored under key in bucket,
// creating it on first use: the key that hashes user ids must survive
// restarts, or nobody's session or reminder could be found again.
func (f *File) Secret(bucket, key []byte) ([]byte, error) {
	var s []byte
	err := f.with(func(db *bbolt.DB) error {
		var err error
		s, err = secret(db, bucket, key)
		return err
	})
	return s, err
}

// Close closes the file; closing twice is harmless.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.db == nil {
		return nil
	}
	err := f.db.Close()
	f.db = nil
	return err
}
