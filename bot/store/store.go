// Package store keeps conversation sessions in an embedded bbolt file
// (sessions.db under the state directory) so a restart resumes every
// intake where it was, and makes /forget real: each person's session is
// encrypted under their own random key, and erasing deletes both and then
// compacts the file, because bbolt reuses freed pages without zeroing them.
package store

import (
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
	keyIDKey   = []byte("idkey")
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
	f, err := boltfile.OpenFile(path, bucketMeta, bucketSess, bucketDEK, bucketSeen)
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

// Get implements bot.SessionStore.
func (s *Store) Get(_ context.Context, key string) (bot.Session, bool, error) {
	var out bot.Session
	var ok bool
	err := s.f.View(func(tx *bbolt.Tx) error {
		ct := tx.Bucket(bucketSess).Get([]byte(key))
		dek := tx.Bucket(bucketDEK).Get([]byte(key))
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

// Put implements bot.SessionStore.
func (s *Store) Put(_ context.Context, key string, sess bot.Session) error {
	plain, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("store: encode session: %w", err)
	}
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

// Delete implements bot.SessionStore: it removes the session and its key,
// then compacts the file so neither survives in a freed page.
func (s *Store) Delete(_ context.Context, key string) error {
	var existed bool
	err := s.f.Update(func(tx *bbolt.Tx) error {
		k := []byte(key)
		existed = tx.Bucket(bucketDEK).Get(k) != nil || tx.Bucket(bucketSess).Get(k) != nil
		for _, b := range [][]byte{bucketSess, bucketDEK, bucketSeen} {
			if err := tx.Bucket(b).Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete: %w", err)
	}
	if !existed {
		return nil
	}
	return s.Compact()
}

// Sweep implements bot.SessionStore: sessions last updated before idleSince
// are deleted, and the file compacted if any were.
func (s *Store) Sweep(_ context.Context, idleSince time.Time) (int, error) {
	cut := uint64(idleSince.UnixNano())
	n := 0
	err := s.f.Update(func(tx *bbolt.Tx) error {
		var old [][]byte
		err := tx.Bucket(bucketSeen).ForEach(func(k, v []byte) error {
			if len(v) != 8 || binary.BigEndian.Uint64(v) < cut {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			for _, b := range [][]byte{bucketSess, bucketDEK, bucketSeen} {
				if err := tx.Bucket(b).Delete(k); err != nil {
					return err
				}
			}
		}
		n = len(old)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: sweep: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	return n, s.Compact()
}

// Compact rewrites the file with only live data and replaces the old one,
// so deleted sessions and keys leave no bytes behind in it. Sessions are
// small, so this takes milliseconds even with thousands of people.
func (s *Store) Compact() error {
	if err := s.f.Compact(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
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
