// Package boltfile is what the bot's bbolt files (sessions, reminders,
// Telegram's delivery state) share: a File safe for concurrent use whose
// database compaction can swap, with erasing compaction and a persistent
// secret. They all hold personal data, so they forget it the same way.
//
// Compaction is incremental so that erasing never stalls a conversation:
// the live data is copied while transactions go on, and only the catch-up
// of what changed meanwhile and the swap of the files hold everyone out
// (milliseconds, where a full copy takes about a second at 50,000
// sessions). Deleters call RequestCompact and return at once; a background
// worker compacts, and Close finishes any erasure still pending.
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

// options are the bbolt options of every file. The large initial mapping
// is address space, not memory: a write that grows the file then needs no
// remap, and a remap would wait for every open read transaction, such as
// the long one a compaction copies from.
func options() *bbolt.Options {
	return &bbolt.Options{Timeout: 2 * time.Second, InitialMmapSize: 256 << 20}
}

// open opens or creates the file at path (its directory 0700, the file
// 0600) and makes sure the buckets exist. A copy left by a compaction that
// died before its rename is removed first.
func open(path string, buckets ...[]byte) (*bbolt.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create directory: %w", err)
	}
	_ = os.Remove(path + ".compact")
	db, err := bbolt.Open(path, 0o600, options())
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
	mu   sync.RWMutex // readers: transactions and a compaction's copy; writers: the swap and Close
	db   *bbolt.DB

	compactMu sync.Mutex // one compaction at a time

	// The erasure requests: RequestCompact raises requested; the worker
	// compacts and raises done to what it saw when it began.
	cmu       sync.Mutex
	cond      *sync.Cond
	requested uint64
	done      uint64
	lastErr   error
	worker    bool
	stopping  bool
	exclusive time.Duration // how long the last compaction held everyone out

	afterCopy func() // tests: runs between the copy and the catch-up
}

// OpenFile opens or creates the file at path (its directory 0700, the file
// 0600) with its buckets. A copy left by a compaction that died before its
// rename is removed first.
func OpenFile(path string, buckets ...[]byte) (*File, error) {
	db, err := open(path, buckets...)
	if err != nil {
		return nil, err
	}
	f := &File{path: path, db: db}
	f.cond = sync.NewCond(&f.cmu)
	return f, nil
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
// then. Transactions go on during the copy; they wait only for the short
// catch-up and swap. The file keeps working if compaction fails.
func (f *File) Compact() error {
	f.compactMu.Lock()
	defer f.compactMu.Unlock()
	tmp := f.path + ".compact"
	var began time.Time
	for attempt := 1; ; attempt++ {
		// The last attempt copies with everyone held out: data deleted
		// during every earlier copy must not survive in the new file.
		final := attempt == maxCopies
		t, err := f.copyTo(tmp, final)
		if err == nil {
			began = t // f.mu is held from then on
			break
		}
		if !errors.Is(err, errRecopy) || final {
			return err
		}
	}
	old, err := os.OpenFile(f.path, os.O_RDWR, 0)
	if err != nil {
		f.mu.Unlock()
		_ = os.Remove(tmp)
		return fmt.Errorf("compact: %w", err)
	}
	defer old.Close()
	swapErr := f.swap(tmp)
	f.exclusive = time.Since(began)
	f.mu.Unlock()
	if swapErr != nil {
		return swapErr
	}
	// The old file's blocks are overwritten with zeros before they are let
	// go, for filesystems that write in place; nobody waits for that.
	if err := zero(old); err != nil {
		return fmt.Errorf("compact: zero the old file: %w", err)
	}
	return nil
}

// maxCopies bounds the copies a compaction makes while others write.
const maxCopies = 3

// errRecopy: something was deleted during the copy, and deleting it from the
// copy would leave it in a freed page there; copy again instead.
var errRecopy = errors.New("deleted during the copy")

// copyTo writes the live data to a new file at tmp and returns with f.mu
// held since the time it returns (nil error only) and tmp synced and closed. Unless locked, the copy
// is made while transactions go on and then caught up under the lock; if
// the catch-up would have to delete anything it returns errRecopy instead.
func (f *File) copyTo(tmp string, locked bool) (time.Time, error) {
	_ = os.Remove(tmp)
	o := options()
	o.NoSync = true // synced once, before the rename
	dst, err := bbolt.Open(tmp, 0o600, o)
	if err != nil {
		return time.Time{}, fmt.Errorf("compact: %w", err)
	}
	fail := func(err error) (time.Time, error) {
		_ = dst.Close()
		_ = os.Remove(tmp)
		if errors.Is(err, errRecopy) {
			return time.Time{}, err
		}
		return time.Time{}, fmt.Errorf("compact: %w", err)
	}
	var before int
	if !locked {
		// Copy from a read transaction: writers are not held up.
		err := f.with(func(db *bbolt.DB) error {
			before = txID(db)
			return bbolt.Compact(dst, db, 0)
		})
		if err != nil {
			return fail(err)
		}
		// Sync the bulk now, so the sync under the lock has only the
		// catch-up to write.
		if err := dst.Sync(); err != nil {
			return fail(err)
		}
		if f.afterCopy != nil {
			f.afterCopy()
		}
	}
	f.mu.Lock()
	began := time.Now()
	if f.db == nil {
		f.mu.Unlock()
		return fail(ErrClosed)
	}
	switch {
	case locked:
		err = bbolt.Compact(dst, f.db, 0)
	case txID(f.db) == before:
		// Nothing was written since the copy began: nothing to catch up.
	default:
		// Catch up with what changed during the copy.
		err = f.db.View(func(stx *bbolt.Tx) error {
			return dst.Update(func(dtx *bbolt.Tx) error { return catchUp(dtx, stx) })
		})
	}
	if err == nil {
		err = dst.Sync()
	}
	if err == nil {
		err = dst.Close()
	}
	if err != nil {
		f.mu.Unlock()
		return fail(err)
	}
	return began, nil
}

// txID is the id of the last committed write transaction (-1 if unknown).
func txID(db *bbolt.DB) int {
	id := -1
	_ = db.View(func(tx *bbolt.Tx) error { id = tx.ID(); return nil })
	return id
}

// swap replaces the open database with the compacted copy at tmp. f.mu is
// held. On failure f.db is whichever file is in place (nil only if even
// that cannot be opened).
func (f *File) swap(tmp string) error {
	reopen := func(cause error) error {
		ndb, err := bbolt.Open(f.path, 0o600, options())
		f.db = ndb
		if err != nil {
			return fmt.Errorf("compact: reopen: %w", errors.Join(cause, err))
		}
		if cause != nil {
			return fmt.Errorf("compact: %w", cause)
		}
		return nil
	}
	if err := f.db.Close(); err != nil {
		_ = os.Remove(tmp)
		return reopen(fmt.Errorf("close: %w", err))
	}
	if err := os.Rename(tmp, f.path); err != nil {
		_ = os.Remove(tmp)
		return reopen(err)
	}
	syncDir(filepath.Dir(f.path))
	return reopen(nil)
}

// catchUp makes dst's top-level buckets equal to src's: what changed since
// the copy was taken is written again, what was deleted is deleted.
func catchUp(dst, src *bbolt.Tx) error {
	err := dst.ForEach(func(name []byte, _ *bbolt.Bucket) error {
		if src.Bucket(name) == nil {
			return errRecopy
		}
		return nil
	})
	if err != nil {
		return err
	}
	return src.ForEach(func(name []byte, sb *bbolt.Bucket) error {
		db, err := dst.CreateBucketIfNotExists(name)
		if err != nil {
			return err
		}
		return catchUpBucket(db, sb)
	})
}

// errNested stops an incremental catch-up at a nested bucket; the files
// here have none.
var errNested = errors.New("nested buckets are not supported")

// catchUpBucket merges the two sorted key lists: keys only in src or with
// other values are put; a key only in dst (deleted since the copy) means
// errRecopy.
func catchUpBucket(dst, src *bbolt.Bucket) error {
	if err := dst.SetSequence(src.Sequence()); err != nil {
		return err
	}
	var put [][2][]byte
	dc, sc := dst.Cursor(), src.Cursor()
	dk, dv := dc.First()
	sk, sv := sc.First()
	for dk != nil || sk != nil {
		if (dk != nil && dv == nil) || (sk != nil && sv == nil) {
			return errNested
		}
		switch c := compareKeys(dk, sk); {
		case c < 0: // only in dst: deleted since the copy
			return errRecopy
		case c > 0: // only in src: added since the copy
			put = append(put, [2][]byte{sk, sv})
			sk, sv = sc.Next()
		default:
			if !bytes.Equal(dv, sv) {
				put = append(put, [2][]byte{sk, sv})
			}
			dk, dv = dc.Next()
			sk, sv = sc.Next()
		}
	}
	for _, kv := range put {
		if err := dst.Put(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// compareKeys orders keys as bbolt does, with nil (a cursor at its end)
// after every key.
func compareKeys(a, b []byte) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return bytes.Compare(a, b)
}

// Exclusive is how long the last compaction held every transaction out
// (the catch-up and the swap), for benchmarks and logs.
func (f *File) Exclusive() time.Duration {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.exclusive
}

// RequestCompact asks the background worker to compact soon and returns at
// once: a deleter (holding a person's lock, say) never waits for the copy.
// Requests that arrive during a compaction are served by one more.
func (f *File) RequestCompact() {
	f.cmu.Lock()
	defer f.cmu.Unlock()
	if f.stopping {
		return
	}
	f.requested++
	if !f.worker {
		f.worker = true
		go f.work()
	}
	f.cond.Broadcast()
}

// work compacts while there are requests it has not served, then exits.
func (f *File) work() {
	f.cmu.Lock()
	for f.done < f.requested && !f.stopping {
		target := f.requested
		f.cmu.Unlock()
		err := f.Compact()
		f.cmu.Lock()
		f.done, f.lastErr = target, err
		f.cond.Broadcast()
	}
	f.worker = false
	f.cond.Broadcast()
	f.cmu.Unlock()
}

// WaitCompacted waits until every compaction requested before the call has
// run, and returns the error of the last one. Tests and shutdown use it to
// know that erased data has left the file.
func (f *File) WaitCompacted() error {
	f.cmu.Lock()
	defer f.cmu.Unlock()
	target := f.requested
	for f.done < target && (f.worker || !f.stopping) {
		if !f.worker && !f.stopping {
			// A request with no worker cannot happen; be safe anyway.
			f.worker = true
			go f.work()
		}
		f.cond.Wait()
	}
	return f.lastErr
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

// Close finishes a compaction still requested (so that what was erased
// before Close has left the file), then closes the file; closing twice is
// harmless.
func (f *File) Close() error {
	f.cmu.Lock()
	f.stopping = true
	for f.worker {
		f.cond.Wait()
	}
	pending := f.done < f.requested
	f.cmu.Unlock()
	var cerr error
	if pending {
		if cerr = f.Compact(); errors.Is(cerr, ErrClosed) {
			cerr = nil
		}
		f.cmu.Lock()
		f.done = f.requested
		f.cond.Broadcast()
		f.cmu.Unlock()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.db == nil {
		return nil
	}
	err := f.db.Close()
	f.db = nil
	return errors.Join(err, cerr)
}

// SetAfterCopy makes fn run between a compaction's copy and its catch-up
// (tests of what happens during a compaction); nil removes it.
func (f *File) SetAfterCopy(fn func()) {
	f.compactMu.Lock()
	defer f.compactMu.Unlock()
	f.afterCopy = fn
}
