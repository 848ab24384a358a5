package telegram

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/peermatch/peermatch/bot/internal/boltfile"
	"go.etcd.io/bbolt"
)

// FileName is the adapter's bbolt file inside Config.StateDir.
const FileName = "telegram.db"

var (
	bucketMeta   = []byte("meta")   // "offset": the next getUpdates offset
	bucketDone   = []byte("done")   // update id → unix seconds it was handled
	bucketOutbox = []byte("outbox") // sequence → a rendered reply not yet sent
	keyOffset    = []byte("offset")
)

// doneTTL is how long a handled update id is remembered when no offset
// confirms it (webhook mode): Telegram keeps undelivered updates for at
// most 24 hours, so it can never redeliver an older one.
const doneTTL = 25 * time.Hour

// state is the adapter's durable memory: the polling offset, the ids of
// updates already handled, and the outbox of replies not yet delivered.
// It holds no message text from users; the outbox holds the bot's own
// replies only until they are sent (and an erasing compaction runs at
// start, hourly after deletions, on /forget and at close).
type state struct {
	f       *boltfile.File
	temp    string // a temporary directory to remove at close, when no StateDir was given
	seq     atomic.Uint64
	deleted atomic.Bool // something was deleted since the last compaction
}

func openState(dir string) (*state, error) {
	s := &state{}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "peermatch-telegram-")
		if err != nil {
			return nil, fmt.Errorf("telegram: state: %w", err)
		}
		s.temp, dir = tmp, tmp
	}
	f, err := boltfile.OpenFile(filepath.Join(dir, FileName), bucketMeta, bucketDone, bucketOutbox)
	if err != nil {
		s.removeTemp()
		return nil, fmt.Errorf("telegram: state: %w", err)
	}
	s.f = f
	err = s.view(func(tx *bbolt.Tx) error {
		if k, _ := tx.Bucket(bucketOutbox).Cursor().Last(); k != nil {
			s.seq.Store(binary.BigEndian.Uint64(k))
		}
		return nil
	})
	if err != nil {
		_ = f.Close()
		s.removeTemp()
		return nil, fmt.Errorf("telegram: state: %w", err)
	}
	return s, nil
}

func (s *state) removeTemp() {
	if s.temp != "" {
		_ = os.RemoveAll(s.temp)
	}
}

func u64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

// updateKey orders update ids as unsigned big-endian, which matches their
// numeric order since they are never negative.
func updateKey(id int) []byte { return u64(uint64(id)) }

// offset returns the persisted getUpdates offset (0 if none).
func (s *state) offset() (int, error) {
	var off int
	err := s.view(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyOffset); len(v) == 8 {
			off = int(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	return off, err
}

// setOffset persists the next offset. Every update below it has been
// handled and committed, so their ids need not be remembered any longer
// once Telegram has seen the offset (confirmed prunes them).
func (s *state) setOffset(off int) error {
	return s.update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyOffset, u64(uint64(off)))
	})
}

// confirmed forgets the handled ids below off: a getUpdates call with
// that offset succeeded, so Telegram will never send them again.
func (s *state) confirmed(off int) error {
	// Most polls confirm nothing new: skip the write (and its fsync).
	below := false
	if err := s.view(func(tx *bbolt.Tx) error {
		k, _ := tx.Bucket(bucketDone).Cursor().First()
		below = k != nil && binary.BigEndian.Uint64(k) < uint64(off)
		return nil
	}); err != nil || !below {
		return err
	}
	return s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketDone)
		c := b.Cursor()
		n := 0
		for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) < uint64(off); k, _ = c.Next() {
			if err := c.Delete(); err != nil {
				return err
			}
			n++
		}
		if n > 0 {
			s.deleted.Store(true)
		}
		return nil
	})
}

// isDone reports whether the update was already handled and committed.
func (s *state) isDone(id int) (bool, error) {
	done := false
	err := s.view(func(tx *bbolt.Tx) error {
		done = tx.Bucket(bucketDone).Get(updateKey(id)) != nil
		return nil
	})
	return done, err
}

// commit records in one transaction that update id was handled (id < 0:
// no update, e.g. a reminder) and queues its replies, assigning each its
// sequence number. After commit returns nil, a crash can neither lose the
// replies nor handle the update again.
func (s *state) commit(id int, now time.Time, items []*outItem) error {
	vals := make([][]byte, len(items))
	for i, it := range items {
		if it.Seq == 0 {
			it.Seq = s.seq.Add(1)
		}
		if it.Queued == 0 {
			it.Queued = now.Unix()
		}
		v, err := json.Marshal(it)
		if err != nil {
			return fmt.Errorf("telegram: encode reply: %w", err)
		}
		vals[i] = v
	}
	// Batch folds the commits of concurrent chats into one fsync. Its
	// function may run twice, so it only does idempotent puts.
	err := s.batch(func(tx *bbolt.Tx) error {
		if id >= 0 {
			if err := tx.Bucket(bucketDone).Put(updateKey(id), u64(uint64(now.Unix()))); err != nil {
				return err
			}
		}
		ob := tx.Bucket(bucketOutbox)
		for i, it := range items {
			if err := ob.Put(u64(it.Seq), vals[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("telegram: commit update: %w", err)
	}
	return nil
}

// nextSeq numbers an item queued before its commit (an early crisis reply).
func (s *state) nextSeq() uint64 { return s.seq.Add(1) }

// sent removes delivered (or abandoned) replies from the outbox.
func (s *state) sent(seqs ...uint64) error {
	if len(seqs) == 0 {
		return nil
	}
	err := s.batch(func(tx *bbolt.Tx) error {
		ob := tx.Bucket(bucketOutbox)
		for _, q := range seqs {
			if err := ob.Delete(u64(q)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("telegram: outbox: %w", err)
	}
	s.deleted.Store(true)
	return nil
}

// pending returns the undelivered replies in the order they were queued.
func (s *state) pending() ([]*outItem, error) {
	var out []*outItem
	err := s.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			it := &outItem{}
			if err := json.Unmarshal(v, it); err != nil {
				return fmt.Errorf("outbox entry %d: %w", binary.BigEndian.Uint64(k), err)
			}
			it.Seq = binary.BigEndian.Uint64(k)
			out = append(out, it)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("telegram: outbox: %w", err)
	}
	return out, nil
}

// forgetChat drops the undelivered replies to a chat (for /forget) and
// returns their sequence numbers.
func (s *state) forgetChat(chat int64) ([]uint64, error) {
	var seqs []uint64
	err := s.update(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var it outItem
			if err := json.Unmarshal(v, &it); err != nil || it.Chat != chat {
				continue
			}
			seqs = append(seqs, binary.BigEndian.Uint64(k))
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("telegram: forget: %w", err)
	}
	if len(seqs) > 0 {
		s.deleted.Store(true)
	}
	return seqs, nil
}

// prune forgets handled ids older than doneTTL (webhook mode has no offset
// to confirm them).
func (s *state) prune(now time.Time) error {
	cut := uint64(now.Add(-doneTTL).Unix())
	return s.update(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketDone).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(v) == 8 && binary.BigEndian.Uint64(v) < cut {
				if err := c.Delete(); err != nil {
					return err
				}
				s.deleted.Store(true)
			}
		}
		return nil
	})
}

// compact rewrites the file so that deleted replies leave no bytes behind
// (bbolt reuses freed pages without zeroing them). force compacts even if
// nothing was deleted since the last time.
func (s *state) compact(force bool) error {
	if !force && !s.deleted.Load() {
		return nil
	}
	s.deleted.Store(false)
	if err := s.f.Compact(); err != nil {
		return fmt.Errorf("telegram: compact state: %w", err)
	}
	return nil
}

func (s *state) view(fn func(*bbolt.Tx) error) error   { return s.f.View(fn) }
func (s *state) update(fn func(*bbolt.Tx) error) error { return s.f.Update(fn) }
func (s *state) batch(fn func(*bbolt.Tx) error) error  { return s.f.Batch(fn) }

func (s *state) close() error {
	err := s.f.Close()
	s.removeTemp()
	if err != nil {
		return fmt.Errorf("telegram: close state: %w", err)
	}
	return nil
}
