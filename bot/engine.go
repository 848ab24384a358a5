package bot

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/peermatch/peermatch/data"
)

// Config wires the engine. Matcher and Crisis are required; everything else
// has a safe default.
type Config struct {
	Matcher Matcher
	Crisis  Screener
	// Escalate raises an assessment given how many concerns this person
	// already showed (crisis.Escalate); nil leaves it unchanged.
	Escalate func(a data.Assessment, priorConcerns int) data.Assessment
	// CountryFromLocale ("en-US" → "US") and CountryFromText ("I'm in
	// Spain" → "ES") pick crisis lines when the session has no country.
	CountryFromLocale func(locale string) string
	CountryFromText   func(text string) string

	Vocabulary Labeler      // topic labels; nil uses the bot's own labels
	Sessions   SessionStore // nil keeps sessions in memory
	// IDKey keys the hash of platform+user id used for the store and logs.
	// It must persist for sessions to survive a restart (store.IDKey()).
	// nil draws a random key: nothing survives a restart.
	IDKey   []byte
	Alerter Alerter     // moderator alerts; nil means no moderators
	Forget  []Forgetter // other state erased by /forget (reminders...)
	// Calendar writes a group's meetings as an .ics file (matcher/calendar.ICS)
	// in the words say gives (the person's catalog); nil hides "add to
	// calendar".
	Calendar func(g *data.Group, now time.Time, say func(key string, kv ...string) string) ([]byte, error)
	// Reminders keeps "remind me" requests; nil hides the offer.
	Reminders Reminders

	Now      func() time.Time // injected clock; nil is time.Now
	Logger   *slog.Logger     // nil discards
	IdleTTL  time.Duration    // sessions expire after this long idle; default 24 h
	TimeZone string           // IANA zone for times when the person's is unknown
	Language string           // default reply language, "en" unless set
	Results  int              // groups per page, 3..5; default 3
	// AlertTimeout bounds how long the crisis path waits for the Alerter.
	AlertTimeout time.Duration
	// Middleware runs after crisis screening, before the intake.
	Middleware []Middleware
}

// Engine is the conversation core. It is safe for concurrent use; messages
// from one person are handled one at a time, in arrival order per caller.
type Engine struct {
	cfg     Config
	m       Matcher
	crisis  Screener
	store   SessionStore
	log     *slog.Logger
	now     func() time.Time
	key     []byte
	cats    *catalogs
	userTZ  *time.Location
	handler Handler
	locks   [64]sync.Mutex
}

var _ Handler = (*Engine)(nil)

// New builds an engine.
func New(cfg Config) (*Engine, error) {
	if cfg.Matcher == nil {
		return nil, errors.New("bot: Config.Matcher is required")
	}
	if cfg.Crisis == nil {
		return nil, errors.New("bot: Config.Crisis is required")
	}
	cats, err := loadCatalogs(cfg.Language)
	if err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, m: cfg.Matcher, crisis: cfg.Crisis, store: cfg.Sessions, log: cfg.Logger,
		now: cfg.Now, key: cfg.IDKey, cats: cats}
	if e.store == nil {
		e.store = NewMemStore()
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if len(e.key) == 0 {
		e.key = make([]byte, 32)
		if _, err := rand.Read(e.key); err != nil {
			return nil, fmt.Errorf("bot: draw id key: %w", err)
		}
	}
	if e.cfg.IdleTTL <= 0 {
		e.cfg.IdleTTL = 24 * time.Hour
	}
	if e.cfg.Results < 3 || e.cfg.Results > 5 {
		e.cfg.Results = 3
	}
	if e.cfg.AlertTimeout <= 0 {
		e.cfg.AlertTimeout = 3 * time.Second
	}
	if cfg.TimeZone != "" {
		loc, err := time.LoadLocation(cfg.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("bot: Config.TimeZone: %w", err)
		}
		e.userTZ = loc
	}
	mws := append([]Middleware{e.screen}, cfg.Middleware...)
	e.handler = Chain(HandlerFunc(e.converse), mws...)
	return e, nil
}

// Handle implements Handler: crisis screening first, then the intake.
func (e *Engine) Handle(ctx context.Context, m Message) ([]Reply, error) {
	return e.handler.Handle(ctx, m)
}

// Sweep deletes sessions idle longer than the TTL; run it now and then.
func (e *Engine) Sweep(ctx context.Context) (int, error) {
	n, err := e.store.Sweep(ctx, e.now().Add(-e.cfg.IdleTTL))
	if err != nil {
		return n, fmt.Errorf("bot: sweep sessions: %w", err)
	}
	return n, nil
}

// UserKey is the keyed hash that stands for a person in the store and in
// logs. It is not anonymous: whoever holds the key can test a known id.
func (e *Engine) UserKey(platform, userID string) string { return KeyedID(e.key, platform, userID) }

// KeyedID is the keyed hash that stands for a platform user id in files
// and logs; every store that keeps user ids uses it.
func KeyedID(key []byte, platform, userID string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(platform))
	mac.Write([]byte{0})
	mac.Write([]byte(userID))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

func (e *Engine) lock(key string) func() {
	b, _ := hex.DecodeString(key[:2])
	mu := &e.locks[int(b[0])%len(e.locks)]
	mu.Lock()
	return mu.Unlock
}

// screen is the first middleware: every message is assessed before anything
// else, and the crisis reply is built from the screener's static data so it
// goes out even when the store, matcher or index fail. The reply is built
// from the message alone and handed to the front end (SendEarly) before any
// store I/O, per-person lock or moderator alert of that message; the session
// (country, concern count) is read and written afterwards, without holding
// a lock the reply waits on.
func (e *Engine) screen(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, m Message) ([]Reply, error) {
		a := e.crisis.Screen(m.Text)
		key := e.UserKey(m.Platform, m.UserID)
		if a.Level < data.LevelConcern {
			return next.Handle(ctx, m)
		}
		textCountry := e.country(Session{}, false, m)
		country := textCountry
		lang := e.crisisLang(a, Session{}, false, m)
		early := Reply{Text: e.crisisReply(a, country, lang, false), Urgent: true}
		sentEarly := SendEarly(ctx, early)

		sess, ok, err := e.store.Get(ctx, key)
		if err != nil {
			e.log.LogAttrs(ctx, slog.LevelWarn, "session unavailable during crisis reply", slog.String("user", key), slog.String("err", err.Error()))
			ok = false
		}
		if ok && e.expired(sess) {
			ok = false
		}
		prior := 0
		if ok && sess.Consent {
			prior = sess.Concerns
		}
		if e.cfg.Escalate != nil {
			a = e.cfg.Escalate(a, prior)
		}
		if ok && sess.Country != "" {
			country = sess.Country
		}
		lang = e.crisisLang(a, sess, ok, m)
		notified := false
		if a.Level >= data.LevelUrgent && e.cfg.Alerter != nil {
			actx, cancel := context.WithTimeout(ctx, e.cfg.AlertTimeout)
			err := e.cfg.Alerter.Alert(actx, Alert{Platform: m.Platform, ChatID: m.ChatID, UserID: m.UserID,
				Link: m.Link, Level: a.Level, Categories: a.Categories, At: e.now()})
			cancel()
			notified = err == nil
			if err != nil {
				e.log.LogAttrs(ctx, slog.LevelError, "moderator alert failed", slog.String("user", key), slog.String("err", err.Error()))
			}
		}
		e.log.LogAttrs(ctx, slog.LevelInfo, "crisis reply", slog.String("user", key), slog.String("level", a.Level.String()),
			slog.Any("categories", a.Categories), slog.Bool("notified", notified), slog.Bool("early", sentEarly))
		var out []Reply
		switch {
		case !sentEarly:
			out = append(out, Reply{Text: e.crisisReply(a, country, lang, notified), Urgent: true})
		case country != "" && textCountry == "":
			// The first reply could not know the country; the session does.
			out = append(out, Reply{Text: e.linesReply(country, lang), Urgent: true})
		}
		e.rememberCrisis(ctx, key, country == "", lang)
		if a.Level >= data.LevelUrgent {
			// Nothing else in this turn: the crisis reply must stand alone.
			// The session is untouched, so the next message carries on.
			return out, nil
		}
		rest, err := next.Handle(context.WithValue(ctx, crisisKey{}, true), m)
		return append(out, rest...), err
	})
}

// crisisLang is the language of a crisis reply: decide's choice, with the
// language the person wrote in first. A language the screen read but no
// catalog speaks is passed on as it is: the reply is in the default
// catalog's words, with the lines of that language's countries.
func (e *Engine) crisisLang(a data.Assessment, s Session, ok bool, m Message) string {
	if a.Lang != "" && !e.cats.has(a.Lang) {
		return a.Lang
	}
	return e.cats.decide(sessionChoice(s, ok), a.Lang, m.Locale).Lang
}

// rememberCrisis counts the concern in a consented session, so repeated
// concern can escalate, and remembers that the reply asked for the country.
// A person with no session gets one that holds only that question; the
// per-person lock is taken here, after the reply was built.
func (e *Engine) rememberCrisis(ctx context.Context, key string, askedCountry bool, lang string) {
	unlock := e.lock(key)
	defer unlock()
	sess, ok, err := e.store.Get(ctx, key)
	if err != nil {
		return
	}
	if ok && e.expired(sess) {
		sess, ok = Session{}, false
	}
	if !ok && !askedCountry {
		return
	}
	if !ok {
		sess = Session{Lang: lang}
	}
	if sess.Consent {
		sess.Concerns++
	}
	sess.AwaitCountry = askedCountry
	sess.Updated = e.now()
	if err := e.store.Put(ctx, key, sess); err != nil {
		e.log.LogAttrs(ctx, slog.LevelWarn, "could not save crisis state", slog.String("user", key), slog.String("err", err.Error()))
	}
}

func (e *Engine) expired(s Session) bool {
	return !s.Updated.IsZero() && e.now().Sub(s.Updated) > e.cfg.IdleTTL
}

// lang picks the reply language of a turn: the session's choice, else the
// locale (decide).
func (e *Engine) lang(s Session, ok bool, m Message) *catalog {
	return e.cats.decide(sessionChoice(s, ok), "", m.Locale)
}

// choice is the language the person chose, kept in their session.
func sessionChoice(s Session, ok bool) string {
	if ok {
		return s.Lang
	}
	return ""
}

// country picks the country for crisis lines and the hello: the session's
// place, else what the text or the locale says.
func (e *Engine) country(s Session, ok bool, m Message) string {
	if ok && s.Country != "" {
		return s.Country
	}
	if e.cfg.CountryFromText != nil {
		if c := e.cfg.CountryFromText(m.Text); c != "" {
			return c
		}
	}
	if e.cfg.CountryFromLocale != nil {
		return e.cfg.CountryFromLocale(m.Locale)
	}
	return ""
}

type crisisKey struct{}

// crisisAnswered reports whether a crisis reply was already sent for the
// message being handled.
func crisisAnswered(ctx context.Context) bool {
	v, _ := ctx.Value(crisisKey{}).(bool)
	return v
}
