package telegram

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data/importer"
	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/matcher"
	"github.com/peermatch/peermatch/matcher/crisis"
)

// testToken looks like a real token so that a leak is easy to grep for.
const testToken = "123456789:AAcanarySECRETtokenXYZ_0123456789abcdef"

var testKey = bytes.Repeat([]byte{7}, 32)

// logBuf collects every log line at debug level for the canary checks.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newLogger() (*slog.Logger, *logBuf) {
	buf := &logBuf{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// The real parts, built once: the embedded directory behind the real
// matcher, and the real crisis screener.
var real struct {
	once  sync.Once
	vocab *data.Vocabulary
	dir   *data.Directory
	gaz   *place.Gazetteer
	idx   index.Index
	scr   *crisis.Screener
	err   error
}

func loadReal(t testing.TB) {
	t.Helper()
	real.once.Do(func() {
		if real.vocab, real.err = data.DefaultVocabulary(); real.err != nil {
			return
		}
		if real.dir, real.err = importer.DefaultDirectory(real.vocab); real.err != nil {
			return
		}
		real.gaz = place.DefaultGazetteer()
		if real.idx, real.err = index.Build(context.Background(), "", real.vocab, nil, index.Source{Name: "test", Groups: index.Slice(real.dir.Groups)}); real.err != nil {
			return
		}
		real.scr, real.err = crisis.New()
	})
	if real.err != nil {
		t.Fatal(real.err)
	}
}

// newEngine is the real conversation core, alerting through al.
func newEngine(t testing.TB, al bot.Alerter, log *slog.Logger) *bot.Engine {
	t.Helper()
	loadReal(t)
	m := matcher.New(real.idx, real.vocab, real.gaz, log)
	eng, err := bot.New(bot.Config{Matcher: m, Crisis: real.scr, Escalate: crisis.Escalate,
		CountryFromLocale: crisis.CountryFromLocale, CountryFromText: real.scr.CountryFromText,
		Vocabulary: real.vocab, Alerter: al, Logger: log, IDKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// newTestAdapter is an adapter on the fake with the limits opened up (the
// production defaults are 1/s per chat and 30/s overall; tests that check
// the limits set them).
func newTestAdapter(t testing.TB, f *fakeTG, log *slog.Logger, mod func(*Config)) *Adapter {
	t.Helper()
	cfg := Config{Token: testToken, API: f.srv.URL, StateDir: t.TempDir(), Logger: log, HTTPClient: f.srv.Client(),
		IDKey: testKey, PerChatInterval: time.Millisecond, GroupInterval: time.Millisecond, PerChatBurst: 1000,
		GlobalRate: 1e6, PollTimeout: time.Second, RequestTimeout: 2 * time.Second, RetryBackoff: 10 * time.Millisecond,
		DrainTimeout: 5 * time.Second, AlertTo: "-1001234"}
	if mod != nil {
		mod(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// waitIdle waits until update id was confirmed and every queued reply went.
func waitIdle(t testing.TB, f *fakeTG, a *Adapter, id int) {
	t.Helper()
	f.waitConfirmed(id)
	select {
	case <-a.send.drained():
	case <-time.After(15 * time.Second):
		t.Fatalf("outbox not drained: %d pending", a.send.pending())
	}
}

// echo is a trivial handler: one reply quoting nothing of the text.
type echo struct {
	mu    sync.Mutex
	calls map[string]int
}

func (e *echo) Handle(_ context.Context, m bot.Message) ([]bot.Reply, error) {
	e.mu.Lock()
	if e.calls == nil {
		e.calls = map[string]int{}
	}
	e.calls[m.Text]++
	e.mu.Unlock()
	return []bot.Reply{{Text: "ok " + m.ChatID}}, nil
}
