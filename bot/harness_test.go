package bot_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data/importer"
	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/bot/store"
	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/matcher"
)

// The real parts, built once: the embedded vocabulary, default directory
// and gazetteer behind the real matcher.
var real struct {
	once  sync.Once
	vocab *data.Vocabulary
	dir   *data.Directory
	gaz   *place.Gazetteer
	idx   index.Index
	err   error
}

func loadReal(t testing.TB) {
	t.Helper()
	real.once.Do(func() {
		real.vocab, real.err = data.DefaultVocabulary()
		if real.err != nil {
			return
		}
		real.dir, real.err = importer.DefaultDirectory(real.vocab)
		if real.err != nil {
			return
		}
		real.gaz = place.DefaultGazetteer()
		// The in-memory bleve index, as production runs it (on disk there).
		real.idx, real.err = index.Build(context.Background(), "", real.vocab, nil, index.Source{Name: "test", Groups: index.Slice(real.dir.Groups)})
	})
	if real.err != nil {
		t.Fatal(real.err)
	}
}

func newMatcher(t testing.TB, now func() time.Time, log *slog.Logger) *matcher.Matcher {
	loadReal(t)
	return matcher.New(real.idx, real.vocab, real.gaz, log, matcher.WithClock(now))
}

// clock is an injected, movable clock.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock { c := &clock{}; c.ns.Store(t.UnixNano()); return c }
func (c *clock) Now() time.Time   { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Advance(d time.Duration) {
	c.ns.Add(int64(d))
}

// faultyMatcher wraps a Matcher and fails (or panics) on demand.
type faultyMatcher struct {
	bot.Matcher
	fail  atomic.Bool
	panic atomic.Bool
}

var errInjected = errors.New("injected failure")

func (f *faultyMatcher) Find(ctx context.Context, in data.Intake, offset, limit int) ([]data.Match, error) {
	if f.panic.Load() {
		panic("injected panic")
	}
	if f.fail.Load() {
		return nil, errInjected
	}
	return f.Matcher.Find(ctx, in, offset, limit)
}

func (f *faultyMatcher) GroupsByName(q string) []*data.Group {
	if f.fail.Load() {
		return nil
	}
	return f.Matcher.GroupsByName(q)
}

// Locate passes through the matcher's optional place lookup.
func (f *faultyMatcher) Locate(text string) (place.Place, bool) {
	if l, ok := f.Matcher.(interface {
		Locate(string) (place.Place, bool)
	}); ok && !f.fail.Load() {
		return l.Locate(text)
	}
	return place.Place{}, false
}

// faultyStore wraps a SessionStore and fails every call on demand.
type faultyStore struct {
	bot.SessionStore
	fail atomic.Bool
}

func (f *faultyStore) Get(ctx context.Context, key string) (bot.Session, bool, error) {
	if f.fail.Load() {
		return bot.Session{}, false, errInjected
	}
	return f.SessionStore.Get(ctx, key)
}

func (f *faultyStore) Put(ctx context.Context, key string, s bot.Session) error {
	if f.fail.Load() {
		return errInjected
	}
	return f.SessionStore.Put(ctx, key, s)
}

func (f *faultyStore) Delete(ctx context.Context, key string) error {
	if f.fail.Load() {
		return errInjected
	}
	return f.SessionStore.Delete(ctx, key)
}

// recAlerter records alerts, or fails.
type recAlerter struct {
	mu     sync.Mutex
	alerts []bot.Alert
	fail   bool
}

func (r *recAlerter) Alert(_ context.Context, a bot.Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return errInjected
	}
	r.alerts = append(r.alerts, a)
	return nil
}

func (r *recAlerter) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.alerts)
}

// recForgetter records /forget calls (standing in for reminders).
type recForgetter struct{ calls atomic.Int32 }

func (r *recForgetter) Forget(context.Context, string, string) error {
	r.calls.Add(1)
	return nil
}

// rig is an engine with its parts, rebuilt on restart.
type rig struct {
	t        testing.TB
	clk      *clock
	cfg      bot.Config
	eng      *bot.Engine
	matcher  *faultyMatcher
	store    *faultyStore
	bolt     *store.Store
	boltPath string
	alerter  *recAlerter
	forget   *recForgetter
}

type rigOptions struct {
	now      time.Time
	bolt     bool // a real bbolt store in a temp dir, so restarts resume
	stateDir string
	alerter  bool
	tz       string
	log      *slog.Logger
	ttl      time.Duration
	matcher  bot.Matcher // nil: the real matcher over the embedded directory
}

func newRig(t testing.TB, o rigOptions) *rig {
	t.Helper()
	if o.now.IsZero() {
		o.now = time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC) // a Thursday
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	r := &rig{t: t, clk: newClock(o.now), forget: &recForgetter{}}
	if o.matcher == nil {
		o.matcher = newMatcher(t, r.clk.Now, o.log)
	}
	r.matcher = &faultyMatcher{Matcher: o.matcher}
	var base bot.SessionStore = bot.NewMemStore()
	var idKey []byte
	if o.bolt {
		dir := o.stateDir
		if dir == "" {
			dir = t.TempDir()
		}
		r.boltPath = filepath.Join(dir, store.FileName)
		st, err := store.Open(r.boltPath)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.bolt.Close() })
		r.bolt, base, idKey = st, st, st.IDKey()
	}
	r.store = &faultyStore{SessionStore: base}
	r.cfg = bot.Config{
		Matcher: r.matcher, Crisis: newScreener(t), Escalate: escalate,
		CountryFromLocale: countryFromLocale, CountryFromText: countryFromText,
		Vocabulary: real.vocab, Sessions: r.store, IDKey: idKey,
		Forget: []bot.Forgetter{r.forget}, Now: r.clk.Now, Logger: o.log, TimeZone: o.tz, IdleTTL: o.ttl,
	}
	if o.alerter {
		r.alerter = &recAlerter{}
		r.cfg.Alerter = r.alerter
	}
	r.build()
	return r
}

func (r *rig) build() {
	eng, err := bot.New(r.cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	r.eng = eng
}

// restart closes and reopens the store and builds a new engine, as a crash
// and restart of the process would.
func (r *rig) restart() {
	if r.bolt == nil {
		r.t.Fatal("restart needs @store bolt")
	}
	if err := r.bolt.Close(); err != nil {
		r.t.Fatal(err)
	}
	st, err := store.Open(r.boltPath)
	if err != nil {
		r.t.Fatal(err)
	}
	r.bolt = st
	r.store.SessionStore = st
	r.cfg.IDKey = st.IDKey()
	r.build()
}

func (r *rig) send(user, locale, text string) ([]bot.Reply, error) {
	return r.eng.Handle(context.Background(), bot.Message{Platform: "telegram", ChatID: "c-" + user, UserID: user,
		Text: text, Locale: locale, Private: true, Sent: r.clk.Now()})
}

func replyTexts(rs []bot.Reply) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Text)
		for _, c := range r.Choices {
			b.WriteString(" [" + c.Label + "]")
		}
		b.WriteString("\n")
	}
	return b.String()
}
