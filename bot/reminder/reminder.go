// Package reminder keeps opt-in "remind me before the meeting" requests in a
// bbolt file and fires each one once, at the right minute, across restarts.
//
// Only identifiers are stored: platform, chat id, a keyed hash of the user
// id, group id, meeting index and lead time, plus the times needed to
// schedule. No message text is ever stored. DeleteUser erases a user's
// reminders and rewrites the file so that no freed page keeps their bytes.
package reminder

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/peermatch/peermatch/data/schedule"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/bot/internal/boltfile"
	"github.com/peermatch/peermatch/data"
	bolt "go.etcd.io/bbolt"
)

// Errors returned by the store. Compare with errors.Is.
var (
	ErrNoMeeting = errors.New("reminder: no upcoming meeting")
	ErrInvalid   = errors.New("reminder: invalid reminder")
)

// DefaultLead is "an hour before".
const DefaultLead = time.Hour

// NextFunc returns the start of the first occurrence of meeting (an index
// into the group's Meetings) that starts strictly after `after`. ok is false
// when the group or meeting no longer exists or has no more occurrences.
type NextFunc func(groupID string, meeting int, after time.Time) (start time.Time, ok bool)

// DirectoryNext adapts a group lookup (such as (*data.Directory).Group) to a
// NextFunc using the meetings' schedules.
func DirectoryNext(group func(id string) (*data.Group, bool)) NextFunc {
	return func(groupID string, meeting int, after time.Time) (time.Time, bool) {
		g, ok := group(groupID)
		if !ok || meeting < 0 || meeting >= len(g.Meetings) {
			return time.Time{}, false
		}
		// Next also returns a meeting in progress; a reminder wants the next
		// start, so ask for a few and skip those already begun.
		occ, err := schedule.Next(&g.Meetings[meeting], after, 3, g.TimeZone)
		if err != nil {
			return time.Time{}, false
		}
		for _, o := range occ {
			if o.Start.After(after) {
				return o.Start, true
			}
		}
		return time.Time{}, false
	}
}

// Reminder is one opt-in reminder. A reminder is identified by (Platform,
// ChatID, GroupID, Meeting): asking again for the same meeting in the same
// chat replaces it.
type Reminder struct {
	Platform string
	ChatID   string
	// UserID is given to Add and never stored; UserKey is its keyed hash,
	// which is what the store keeps and returns.
	UserID  string
	UserKey string
	GroupID string
	Meeting int           // index into the group's Meetings
	Lead    time.Duration // how long before the start to remind; 0 = DefaultLead
	// Start is the meeting occurrence the reminder is (next) for, in UTC.
	Start time.Time
}

// record is the stored value. Times are unix seconds.
type record struct {
	UserKey string `json:"u"`
	Lead    int64  `json:"l"` // seconds
	Occ     int64  `json:"o"` // start of the occurrence to remind about next
	Fired   int64  `json:"f,omitempty"`
}

func (r record) due() int64 { return r.Occ - r.Lead }

// Options tune a Store. The zero value is usable.
type Options struct {
	// Secret keys the hash of user ids. Pass the bot's log-hash key so one
	// secret covers both; when empty a random key is made and kept in the
	// file (it then only protects against casual reading).
	Secret []byte
	// Log receives counts and failures, never ids or text. nil discards.
	Log *slog.Logger
	// After is the clock's timer, replaceable in tests; nil = time.After.
	After func(d time.Duration) <-chan time.Time
}

var (
	bucketReminders = []byte("reminders") // key → record
	bucketDue       = []byte("due")       // due(8 bytes BE) + key → nil
	bucketMeta      = []byte("meta")
	keySecret       = []byte("secret")
)

// Store is the reminders file. It is safe for concurrent use; Run may go on
// while Add, Cancel and DeleteUser are called.
type Store struct {
	f      *boltfile.File
	next   NextFunc
	log    *slog.Logger
	after  func(d time.Duration) <-chan time.Time
	secret []byte
	wake   chan struct{}
}

// Open opens or creates the reminders file at path (for example
// $PEERMATCH_STATE/reminders.db). next computes meeting times.
func Open(path string, next NextFunc, opts Options) (*Store, error) {
	if next == nil {
		return nil, fmt.Errorf("reminder: open %s: nil NextFunc", path)
	}
	s := &Store{next: next, log: opts.Log, after: opts.After, wake: make(chan struct{}, 1)}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.after == nil {
		s.after = time.After
	}
	var err error
	if s.f, err = boltfile.OpenFile(path, bucketReminders, bucketDue, bucketMeta); err != nil {
		return nil, fmt.Errorf("reminder: %w", err)
	}
	s.secret = opts.Secret
	if len(s.secret) == 0 {
		if s.secret, err = s.f.Secret(bucketMeta, keySecret); err != nil {
			s.f.Close()
			return nil, fmt.Errorf("reminder: %w", err)
		}
	}
	return s, nil
}

// Close closes the file.
func (s *Store) Close() error {
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("reminder: close: %w", err)
	}
	return nil
}

// UserKey is the keyed hash under which a user's id is stored.
func (s *Store) UserKey(platform, userID string) string {
	return bot.KeyedID(s.secret, platform, userID)
}

// key encodes the identity of a reminder. Parts are separated by 0x00, which
// no platform id or group slug contains.
func key(platform, chatID, groupID string, meeting int) []byte {
	return []byte(platform + "\x00" + chatID + "\x00" + groupID + "\x00" + strconv.Itoa(meeting))
}

func parseKey(k []byte) (platform, chatID, groupID string, meeting int, ok bool) {
	p := strings.Split(string(k), "\x00")
	if len(p) != 4 {
		return "", "", "", 0, false
	}
	m, err := strconv.Atoi(p[3])
	if err != nil {
		return "", "", "", 0, false
	}
	return p[0], p[1], p[2], m, true
}

func dueKey(due int64, k []byte) []byte {
	b := make([]byte, 8, 8+len(k))
	binary.BigEndian.PutUint64(b, uint64(due))
	return append(b, k...)
}

func validID(s string) bool { return s != "" && !strings.ContainsRune(s, 0) }

// Add stores (or replaces) a reminder for the first occurrence starting
// after now. If that occurrence is less than the lead time away the reminder
// is due at once. The returned Reminder has UserKey and Start set.
func (s *Store) Add(r Reminder, now time.Time) (Reminder, error) {
	if !validID(r.Platform) || !validID(r.ChatID) || !validID(r.GroupID) || !validID(r.UserID) || r.Meeting < 0 || r.Lead < 0 {
		return Reminder{}, fmt.Errorf("%w: platform, chat, user and group ids are required", ErrInvalid)
	}
	if r.Lead == 0 {
		r.Lead = DefaultLead
	}
	start, ok := s.next(r.GroupID, r.Meeting, now)
	if !ok {
		return Reminder{}, fmt.Errorf("%w: group %s meeting %d", ErrNoMeeting, r.GroupID, r.Meeting)
	}
	rec := record{UserKey: s.UserKey(r.Platform, r.UserID), Lead: int64(r.Lead / time.Second), Occ: start.Unix()}
	k := key(r.Platform, r.ChatID, r.GroupID, r.Meeting)
	err := s.f.Update(func(tx *bolt.Tx) error { return put(tx, k, rec) })
	if err != nil {
		return Reminder{}, fmt.Errorf("reminder: add: %w", err)
	}
	select { // let Run recompute its wake-up time
	case s.wake <- struct{}{}:
	default:
	}
	r.UserID, r.UserKey, r.Start = "", rec.UserKey, time.Unix(rec.Occ, 0).UTC()
	return r, nil
}

// put writes rec under k, keeping the due index in step.
func put(tx *bolt.Tx, k []byte, rec record) error {
	rb, db := tx.Bucket(bucketReminders), tx.Bucket(bucketDue)
	if old := rb.Get(k); old != nil {
		var o record
		if err := json.Unmarshal(old, &o); err == nil {
			if err := db.Delete(dueKey(o.due(), k)); err != nil {
				return err
			}
		}
	}
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := rb.Put(k, v); err != nil {
		return err
	}
	return db.Put(dueKey(rec.due(), k), nil)
}

// del removes k and its due entry; it reports whether k existed.
func del(tx *bolt.Tx, k []byte) (bool, error) {
	rb := tx.Bucket(bucketReminders)
	old := rb.Get(k)
	if old == nil {
		return false, nil
	}
	var o record
	if err := json.Unmarshal(old, &o); err == nil {
		if err := tx.Bucket(bucketDue).Delete(dueKey(o.due(), k)); err != nil {
			return false, err
		}
	}
	return true, rb.Delete(k)
}

// Cancel removes the reminder for one meeting in one chat. It reports
// whether there was one.
func (s *Store) Cancel(platform, chatID, groupID string, meeting int) (bool, error) {
	var found bool
	err := s.f.Update(func(tx *bolt.Tx) error {
		var err error
		found, err = del(tx, key(platform, chatID, groupID, meeting))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("reminder: cancel: %w", err)
	}
	return found, nil
}

// List returns the reminders set in one chat.
func (s *Store) List(platform, chatID string) ([]Reminder, error) {
	var out []Reminder
	prefix := []byte(platform + "\x00" + chatID + "\x00")
	err := s.f.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketReminders).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			r, ok := decode(k, v)
			if ok {
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reminder: list: %w", err)
	}
	return out, nil
}

func decode(k, v []byte) (Reminder, bool) {
	p, chat, g, m, ok := parseKey(k)
	var rec record
	if !ok || json.Unmarshal(v, &rec) != nil {
		return Reminder{}, false
	}
	return Reminder{Platform: p, ChatID: chat, UserKey: rec.UserKey, GroupID: g, Meeting: m,
		Lead: time.Duration(rec.Lead) * time.Second, Start: time.Unix(rec.Occ, 0).UTC()}, true
}

// DeleteUser erases every reminder the user set on platform, and those in
// their private chat (whose id may equal the user id), then rewrites the
// file so the freed pages holding them are gone. It returns how many
// reminders were erased.
func (s *Store) DeleteUser(platform, userID string) (int, error) {
	uk := s.UserKey(platform, userID)
	n := 0
	err := s.f.Update(func(tx *bolt.Tx) error {
		var doomed [][]byte
		c := tx.Bucket(bucketReminders).Cursor()
		prefix := []byte(platform + "\x00")
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			_, chat, _, _, _ := parseKey(k)
			var rec record
			_ = json.Unmarshal(v, &rec)
			if rec.UserKey == uk || chat == userID {
				doomed = append(doomed, bytes.Clone(k))
			}
		}
		for _, k := range doomed {
			if _, err := del(tx, k); err != nil {
				return err
			}
		}
		n = len(doomed)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("reminder: delete user: %w", err)
	}
	// Always compact, even when nothing matched now: an earlier Cancel
	// may have left this user's bytes on a free page.
	if err := s.Compact(); err != nil {
		return n, err
	}
	return n, nil
}

// Compact rewrites the file with only live data, dropping freed pages that
// may still hold erased reminders (see boltfile.Compact).
func (s *Store) Compact() error {
	if err := s.f.Compact(); err != nil {
		return fmt.Errorf("reminder: compact: %w", err)
	}
	return nil
}

// Tick fires every reminder due at now, once, and returns when the next one
// is due (zero if none). A reminder whose meeting has already started (the
// bot was down at the minute) is not fired: it moves on to the next
// occurrence. Each firing is recorded before fire is called, so a reminder
// never fires twice, even if the process dies right after; if fire fails the
// reminder for that occurrence is lost, which is better than a duplicate.
func (s *Store) Tick(now time.Time, fire func(Reminder) error) (time.Time, error) {
	return s.tick(context.Background(), now, fire)
}

// tick is Tick that stops firing once ctx ends (see Run).
func (s *Store) tick(ctx context.Context, now time.Time, fire func(Reminder) error) (time.Time, error) {
	var errs []error
	fired, dropped := 0, 0
	// Each due reminder is handled in its own transaction; a bound stops a
	// NextFunc that keeps returning past times from looping forever.
	for range 100000 {
		if ctx.Err() != nil {
			break
		}
		// Look first with a read transaction: most wake-ups find nothing
		// due, and a write transaction costs an fsync.
		head, ok, err := s.head()
		if err != nil {
			errs = append(errs, err)
			break
		}
		if !ok || head.After(now) {
			break
		}
		var due *Reminder
		// The lock is not held while fire runs, so fire may use the store.
		err = s.f.Update(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketDue).Cursor()
			dk, _ := c.First()
			if dk == nil || int64(binary.BigEndian.Uint64(dk[:8])) > now.Unix() {
				return nil
			}
			k := bytes.Clone(dk[8:])
			v := tx.Bucket(bucketReminders).Get(k)
			var rec record
			if v == nil || json.Unmarshal(v, &rec) != nil {
				return c.Delete() // stale index entry
			}
			r, _ := decode(k, v)
			occ := time.Unix(rec.Occ, 0)
			// Is the stored occurrence still in the schedule? The
			// directory may have changed since it was computed.
			start, ok := s.next(r.GroupID, r.Meeting, occ.Add(-time.Second))
			switch {
			case !ok:
				_, err := del(tx, k)
				return err
			case !start.Equal(occ):
				rec.Occ = start.Unix()
				return put(tx, k, rec)
			case !now.Before(occ):
				dropped++
			default:
				rec.Fired = rec.Occ
				due = &r
			}
			nextStart, ok := s.next(r.GroupID, r.Meeting, maxTime(occ, now))
			if !ok {
				_, err := del(tx, k)
				return err
			}
			rec.Occ = nextStart.Unix()
			return put(tx, k, rec)
		})
		if err != nil {
			return time.Time{}, fmt.Errorf("reminder: tick: %w", err)
		}
		if due == nil {
			continue // rescheduled, dropped or deleted: look again
		}
		fired++
		if err := fire(*due); err != nil {
			errs = append(errs, fmt.Errorf("reminder: fire: %w", err))
		}
	}
	if fired+dropped > 0 {
		s.log.Info("reminders", "fired", fired, "missed", dropped)
	}
	next, _, err := s.head()
	if err != nil {
		errs = append(errs, err)
	}
	return next, errors.Join(errs...)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// head returns the earliest due time.
func (s *Store) head() (time.Time, bool, error) {
	var t time.Time
	var ok bool
	err := s.f.View(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bucketDue).Cursor().First(); k != nil {
			t, ok = time.Unix(int64(binary.BigEndian.Uint64(k[:8])), 0), true
		}
		return nil
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("reminder: %w", err)
	}
	return t, ok, nil
}

// Run fires reminders until ctx ends, using now as the clock. It wakes at
// the next due minute, at least once a minute (so a changed schedule is
// noticed), and at once after Add. On start it fires whatever came due while
// the bot was down, if the meeting has not started yet.
//
// Once ctx has ended it fires nothing more: a reminder is marked fired
// before fire is called, so firing it through a front end that is shutting
// down would lose it; left unfired, it goes out at the next start.
func (s *Store) Run(ctx context.Context, now func() time.Time, fire func(Reminder) error) error {
	for {
		if ctx.Err() != nil {
			return nil
		}
		t := now()
		next, err := s.tick(ctx, t, fire)
		if err != nil {
			s.log.Warn("reminder tick failed", "err", err)
		}
		wait := time.Minute
		if !next.IsZero() {
			wait = min(wait, next.Sub(t))
		}
		if wait <= 0 {
			wait = time.Second
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-s.after(wait):
		}
	}
}
