// Package store keeps conversation sessions in an embedded bbolt file
// (sessions.db under the state directory) so a restart resumes every
// intake where it was, and makes /forget real: each person's session is
// encrypted under their own random key, and erasing deletes both and then
// compacts the file, because bbolt reuses freed pages without zeroing them.
// The compaction runs in the background and holds other transactions out
// only for its final catch-up, so /forget and sweeps never stall anyone.
//
// A session written under a bot.Delivery is idempotent per update: see
// bot.Delivery.
package store

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/bot/internal/boltfile"
)

// FileName is the session file's name inside the state directory.
const FileName = "sessions.db"

var (
	bucketMeta = []byte("meta") // "idkey": the key for hashing user ids
	bucketSess = []byte("sess") // user key → nonce ‖ AES-GCM(session JSON)
	bucketDEK  = []byte("dek")  // user key → that user's 32-byte data key
	bucketSeen = []byte("seen") // user key → last update, unix nanoseconds
	// user key → the update that last changed the session, and the
	// session before it (see bot.Delivery)
	bucketApplied = []byte("applied")
	keyIDKey      = []byte("idkey")
)

// ErrCorrupt is returned (wrapped) when a stored session cannot be decrypted
// or decoded.
var ErrCorrupt = errors.New("store: corrupt session")

// Store is a bbolt-backed bot.SessionStore.
type Store struct {
	f     *boltfile.File
	idKey []byte
}

var _ bot.SessionStore = (*Store)(nil)

// Open opens (creating if needed) the session file at path, e.g.
// filepath.Join(stateDir, store.FileName). The directory is created 0700.
func Open(path string) (*Store, error) {
	f, err := boltfile.OpenFile(path, bucketMeta, bucketSess, bucketDEK, bucketSeen, bucketApplied)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	s := &Store{f: f}
	if s.idKey, err = f.Secret(bucketMeta, keyIDKey); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	return s, nil
}

// IDKey is the persistent secret for hashing user ids (bot.Config.IDKey),
// so the same person maps to the same session after a restart.
func (s *Store) IDKey() []byte { return append([]byte(nil), s.idKey...) }

// Path is the session file's path.
func (s *Store) Path() string { return s.f.Path() }

// Close closes the file.
func (s *Store) Close() error {
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Get implements bot.SessionStore. With a bot.Delivery in ctx that already
// changed this session in another attempt (a redelivery after a crash), it
// returns the session as it was before that update, so the update is not
// applied twice.
func (s *Store) Get(ctx context.Context, key string) (bot.Session, bool, error) {
	var out bot.Session
	var ok bool
	d, hasD := bot.DeliveryFrom(ctx)
	err := s.f.View(func(tx *bbolt.Tx) error {
		k := []byte(key)
		ct := tx.Bucket(bucketSess).Get(k)
		if hasD {
			if rec, err := decodeApplied(tx.Bucket(bucketApplied).Get(k)); err != nil {
				return err
			} else if rec.id == d.ID && rec.run != d.Run {
				ct = rec.pre
			}
		}
		dek := tx.Bucket(bucketDEK).Get(k)
		if ct == nil || dek == nil {
			return nil
		}
		plain, err := open(dek, ct, key)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(plain, &out); err != nil {
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		ok = true
		return nil
	})
	if err != nil {
		return bot.Session{}, false, fmt.Errorf("store: get: %w", err)
	}
	return out, ok, nil
}

// Put implements bot.SessionStore. With a bot.Delivery in ctx, the same
// transaction records that this update changed the session and, on its
// first change, what the session was before.
func (s *Store) Put(ctx context.Context, key string, sess bot.Session) error {
	plain, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("store: encode session: %w", err)
	}
	d, hasD := bot.DeliveryFrom(ctx)
	err = s.f.Update(func(tx *bbolt.Tx) error {
		k := []byte(key)
		deks := tx.Bucket(bucketDEK)
		dek := deks.Get(k)
		if dek == nil {
			dek = make([]byte, 32)
			if _, err := rand.Read(dek); err != nil {
				return err
			}
			if err := deks.Put(k, dek); err != nil {
				return err
			}
		}
		if hasD {
			ab := tx.Bucket(bucketApplied)
			rec, err := decodeApplied(ab.Get(k))
			if err != nil {
				return err
			}
			if rec.id != d.ID {
				// The first change by this update: keep the session it
				// started from (still sealed under the same key).
				rec = applied{id: d.ID, pre: bytes.Clone(tx.Bucket(bucketSess).Get(k))}
			}
			rec.run = d.Run
			if err := ab.Put(k, rec.encode()); err != nil {
				return err
			}
		}
		ct, err := seal(dek, plain, key)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketSess).Put(k, ct); err != nil {
			return err
		}
		var ts [8]byte
		binary.BigEndian.PutUint64(ts[:], uint64(sess.Updated.UnixNano()))
		return tx.Bucket(bucketSeen).Put(k, ts[:])
	})
	if err != nil {
		return fmt.Errorf("store: put: %w", err)
	}
	return nil
}

// personal are the buckets that hold something of a person, all erased
// together.
var personal = [][]byte{bucketSess, bucketDEK, bucketSeen, bucketApplied}

// Delete implements bot.SessionStore: it removes the session, its key and
// its update record at once (without its key the ciphertext is noise), and
// asks for a compaction in the background so that none of them survives in
// a freed page. It never waits for that compaction: the caller may hold a
// lock that other people's messages need. WaitErased waits for it.
func (s *Store) Delete(_ context.Context, key string) error {
	var existed bool
	err := s.f.Update(func(tx *bbolt.Tx) error {
		k := []byte(key)
		for _, b := range personal {
			bk := tx.Bucket(b)
			if bk.Get(k) != nil {
				existed = true
				if err := bk.Delete(k); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete: %w", err)
	}
	if existed {
		s.f.RequestCompact()
	}
	return nil
}

// sweepChunk is how many sessions one sweep transaction deletes: small
// enough that a person's message never waits long for the write lock.
const sweepChunk = 256

// Sweep implements bot.SessionStore: sessions last updated before idleSince
// are deleted, a few hundred per transaction, and a compaction is asked
// for in the background if any were.
func (s *Store) Sweep(ctx context.Context, idleSince time.Time) (int, error) {
	cut := uint64(idleSince.UnixNano())
	stale := func(v []byte) bool { return len(v) != 8 || binary.BigEndian.Uint64(v) < cut }
	var old [][]byte
	err := s.f.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketSeen).ForEach(func(k, v []byte) error {
			if stale(v) {
				old = append(old, bytes.Clone(k))
			}
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store: sweep: %w", err)
	}
	n := 0
	for len(old) > 0 {
		if err := ctx.Err(); err != nil {
			break
		}
		chunk := old[:min(sweepChunk, len(old))]
		old = old[len(chunk):]
		err := s.f.Update(func(tx *bbolt.Tx) error {
			for _, k := range chunk {
				if v := tx.Bucket(bucketSeen).Get(k); v != nil && !stale(v) {
					continue // written to since the scan
				}
				for _, b := range personal {
					if err := tx.Bucket(b).Delete(k); err != nil {
						return err
					}
				}
				n++
			}
			return nil
		})
		if err != nil {
			if n > 0 {
				s.f.RequestCompact()
			}
			return n, fmt.Errorf("store: sweep: %w", err)
		}
	}
	if n > 0 {
		s.f.RequestCompact()
	}
	if err := ctx.Err(); err != nil {
		return n, fmt.Errorf("store: sweep: %w", err)
	}
	return n, nil
}

// Compact rewrites the file with only live data and replaces the old one,
// so deleted sessions and keys leave no bytes behind in it. It copies while
// other transactions go on; they wait only for the catch-up and the swap.
func (s *Store) Compact() error {
	if err := s.f.Compact(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// WaitErased waits until the compactions asked for by earlier Deletes and
// Sweeps have run, i.e. what they deleted has left the file.
func (s *Store) WaitErased() error {
	if err := s.f.WaitCompacted(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// applied records the update that last changed a session: its Delivery and
// the sealed session before it (nil: there was none).
type applied struct {
	id  string
	run uint64
	pre []byte
}

// encode is len(id) (2 bytes) ‖ id ‖ run (8) ‖ pre.
func (a applied) encode() []byte {
	b := make([]byte, 0, 2+len(a.id)+8+len(a.pre))
	b = binary.BigEndian.AppendUint16(b, uint16(len(a.id)))
	b = append(b, a.id...)
	b = binary.BigEndian.AppendUint64(b, a.run)
	return append(b, a.pre...)
}

func decodeApplied(v []byte) (applied, error) {
	if v == nil {
		return applied{}, nil
	}
	if len(v) < 2 {
		return applied{}, fmt.Errorf("%w: update record of %d bytes", ErrCorrupt, len(v))
	}
	n := int(binary.BigEndian.Uint16(v))
	if len(v) < 2+n+8 {
		return applied{}, fmt.Errorf("%w: update record of %d bytes, id of %d", ErrCorrupt, len(v), n)
	}
	a := applied{id: string(v[2 : 2+n]), run: binary.BigEndian.Uint64(v[2+n:])}
	if rest := v[2+n+8:]; len(rest) > 0 {
		a.pre = bytes.Clone(rest)
	}
	return a, nil
}

// seal encrypts with the user's data key; the user key is authenticated so
// a value cannot be moved to another person's entry.
func seal(dek, plain []byte, key string) ([]byte, error) {
	gcm, err := newGCM(dek)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plain)+gcm.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, plain, []byte(key)), nil
}

func open(dek, ct []byte, key string) ([]byte, error) {
	gcm, err := newGCM(dek)
	if err != nil {
		return nil, err
	}
	if len(ct) < gcm.NonceSize() {
		return nil, ErrCorrupt
	}
	plain, err := gcm.Open(nil, ct[:gcm.NonceSize()], ct[gcm.NonceSize():], []byte(key))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return plain, nil
}

func newGCM(dek []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(dek)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return cipher.NewGCM(block)
}
