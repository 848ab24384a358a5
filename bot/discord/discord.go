// Package discord is peermatch's Discord front end, built on discordgo:
// direct messages run the whole intake; slash commands work in servers and
// DMs, answer ephemerally in servers and move the intake to a DM; urgent
// crises alert a moderator channel.
//
// discordgo v0.29.0 needs three corrections, all made here: its endpoints
// are fixed at package load (requests go through a rewriting transport to
// Config.API), it reconnects forever on fatal close codes and retries 429s
// without bound (the adapter supervises the gateway itself, reconnecting
// with backoff through any outage but stopping on fatal codes, and retries
// each reply for as long as it is useful, crisis replies first), and it
// runs each event handler in its own goroutine (events are taken in
// arrival order and queued per person).
package discord

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
	"github.com/peermatch/peermatch/bot"
)

// platform is Message.Platform for everything this adapter sends the core.
const platform = "discord"

// Config configures the adapter. Token is required; every other field has a
// safe zero value.
type Config struct {
	Token    string // bot token, with or without "Bot "; never logged, never in an error
	API      string // REST base URL; "" is DefaultAPI. The gateway URL comes from its /gateway/bot answer.
	AlertTo  string // channel id for moderator alerts; "" means no alerts
	StateDir string // unused: the adapter keeps no files (Discord redelivers nothing to persist)
	Logger   *slog.Logger
	Now      func() time.Time
	// HTTPClient carries REST calls; nil is a client with a 20 s timeout.
	// Tests pass their fake server's client.
	HTTPClient *http.Client
	// IDKey keys bot.KeyedID for user ids in logs; pass the session
	// store's key (store.IDKey()) so logs match the core's. nil draws one.
	IDKey []byte

	MaxRetries   int           // REST retries after the first try; default 3
	MaxRetryWait time.Duration // longest Retry-After honoured; default 5 s
	QueueSize    int           // ordinary messages waiting per person; default 32
	OpenTimeout  time.Duration // gateway connect + HELLO + READY; default 30 s
	DrainTimeout time.Duration // how long shutdown lets queued work finish; default 900 ms
	TurnTimeout  time.Duration // the core's handling of one message; default 60 s
	// Screen reports whether a message may show a crisis (pass the crisis
	// screener: level concern or above). Such a message never waits
	// behind the person's other messages and is never refused for a full
	// queue. nil screens nothing: only /crisis passes the queue.
	Screen func(text string) bool

	// Delivery of replies (see deliver). An ordinary reply is retried
	// until ReplyMaxAge (default 1 h) after the message it answers,
	// with backoff from RetryMin to RetryMax (defaults 500 ms and 1 min)
	// or after Retry-After, each try limited to SendTimeout (default
	// 20 s). A crisis reply's tries are limited to CrisisTimeout (default
	// 1.5 s: a hung send is abandoned, and the nonce makes the retry
	// safe), at most CrisisRetryMax apart (default 100 ms), until
	// shutdown.
	ReplyMaxAge, RetryMin, RetryMax, SendTimeout time.Duration
	CrisisTimeout, CrisisRetryMax                time.Duration
	// ReconnectMin and ReconnectMax bound the backoff between gateway
	// reconnects after non-fatal errors; defaults 1 s and 2 min (a
	// flapping connection then identifies at most 720 times a day, under
	// Discord's 1000).
	ReconnectMin, ReconnectMax time.Duration
}

// Adapter is the Discord front end. Run it once; Alert and Send may be
// called from other goroutines while it runs.
type Adapter struct {
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
	key   []byte
	s     *discordgo.Session
	track *tracker
	web   string // "https://discord.com", for links

	metrics struct{ retries, expired, failed, dropped, floods atomic.Int64 }

	appID, botID atomic.Value  // string, from READY
	lost         chan struct{} // the gateway connection dropped (cap 1)
	closing      chan struct{} // closed by Close
	closeOnce    sync.Once
	runDone      chan struct{} // closed when Run returns

	mu       sync.Mutex
	running  bool
	stopping bool
	h        bot.Handler
	queues   map[string]*queue
	work     context.Context // handling and delivery; cancelled at the drain deadline
	cancel   context.CancelFunc
	wg       sync.WaitGroup    // workers and interaction acks
	dms      map[string]string // user id -> DM channel id
	dmChans  map[string]bool   // channel ids known to be DMs
	locales  map[string]string // user id -> last interaction locale
	seen     map[string]struct{}
	seenRing []string
	seenAt   int
}

var (
	_ bot.Adapter   = (*Adapter)(nil)
	_ bot.Alerter   = (*Adapter)(nil)
	_ bot.Forgetter = (*Adapter)(nil)
)

// New builds the adapter; it does not touch the network.
func New(cfg Config) (*Adapter, error) {
	token := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(cfg.Token), "Bot "))
	if token == "" {
		return nil, errors.New("discord: Config.Token is required")
	}
	base, err := apiBase(cfg.API)
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 3
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = 5 * time.Second
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 32
	}
	if cfg.OpenTimeout <= 0 {
		cfg.OpenTimeout = 30 * time.Second
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 900 * time.Millisecond
	}
	if cfg.TurnTimeout <= 0 {
		cfg.TurnTimeout = 60 * time.Second
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.ReplyMaxAge, time.Hour)
	def(&cfg.RetryMin, 500*time.Millisecond)
	def(&cfg.RetryMax, time.Minute)
	def(&cfg.SendTimeout, 20*time.Second)
	def(&cfg.CrisisTimeout, 1500*time.Millisecond)
	def(&cfg.CrisisRetryMax, 100*time.Millisecond)
	cfg.RetryMax = max(cfg.RetryMax, cfg.RetryMin)
	if cfg.ReconnectMin <= 0 {
		cfg.ReconnectMin = time.Second
	}
	if cfg.ReconnectMax < cfg.ReconnectMin {
		cfg.ReconnectMax = max(2*time.Minute, cfg.ReconnectMin)
	}
	key := cfg.IDKey
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("discord: draw id key: %w", err)
		}
	}
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		return nil, errors.New("discord: create session")
	}
	a := &Adapter{
		cfg: cfg, log: cfg.Logger, now: cfg.Now, key: key, s: s, track: &tracker{},
		web:  base.Scheme + "://" + base.Host,
		lost: make(chan struct{}, 1), closing: make(chan struct{}), runDone: make(chan struct{}),
		queues: map[string]*queue{}, dms: map[string]string{}, dmChans: map[string]bool{}, locales: map[string]string{},
		seen: map[string]struct{}{}, seenRing: make([]string, 4096),
	}
	a.work, a.cancel = context.WithCancel(context.Background())
	s.Client = httpClient(base, cfg.HTTPClient)
	s.Dialer = a.track.dialer()
	// Minimum intents: DMs carry their content without the privileged
	// message-content intent, and interactions arrive whatever the intents.
	s.Identify.Intents = discordgo.IntentsDirectMessages
	// Handlers run in the gateway's reading goroutine, in arrival order;
	// they only enqueue, so they return at once.
	s.SyncEvents = true
	// The adapter reconnects itself, so that it can stop on fatal codes.
	s.ShouldReconnectOnError = false
	// Retries are the adapter's, bounded (discordgo retries 429s forever).
	s.ShouldRetryOnRateLimit = false
	s.MaxRestRetries = 0
	// discordgo logs gateway payloads (message text) at debug level and
	// headers (the token) in Debug mode: keep it silent; the adapter logs.
	s.LogLevel = -1
	s.Debug = false
	s.StateEnabled = false
	s.State.MaxMessageCount = 0
	s.AddHandler(a.onReady)
	s.AddHandler(a.onDisconnect)
	s.AddHandler(a.onMessage)
	s.AddHandler(a.onMessageUpdate)
	s.AddHandler(a.onInteraction)
	return a, nil
}

func (a *Adapter) user(id string) slog.Attr {
	return slog.String("user", bot.KeyedID(a.key, platform, id))
}

func (a *Adapter) onReady(_ *discordgo.Session, r *discordgo.Ready) {
	if r.Application != nil {
		a.appID.Store(r.Application.ID)
	}
	if r.User != nil {
		a.botID.Store(r.User.ID)
	}
}

func (a *Adapter) onDisconnect(*discordgo.Session, *discordgo.Disconnect) {
	select {
	case a.lost <- struct{}{}:
	default:
	}
}

func loadString(v *atomic.Value) string {
	s, _ := v.Load().(string)
	return s
}

// Run connects to the gateway, registers the slash commands and serves
// until ctx ends (nil) or Discord closes the gateway with a fatal code (a
// *GatewayError). A rejected token is ErrBadToken. It returns within about
// one second of ctx ending: discordgo's Close waits one second for the
// gateway to acknowledge.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	if h == nil {
		return errors.New("discord: Run needs a handler")
	}
	a.mu.Lock()
	switch {
	case a.stopping:
		a.mu.Unlock()
		return ErrClosed
	case a.running:
		a.mu.Unlock()
		return errors.New("discord: Run called twice")
	}
	a.running, a.h = true, h
	a.mu.Unlock()
	defer close(a.runDone)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-a.closing:
			cancel()
		case <-ctx.Done():
		}
	}()

	err := a.serve(ctx)
	a.shutdown()
	if err != nil {
		a.log.LogAttrs(context.Background(), slog.LevelError, "discord front end stopped", slog.String("err", err.Error()))
	}
	return err
}

// serve supervises the gateway connection until ctx ends or a fatal error:
// a rejected token or a close code Discord marks "do not reconnect". Any
// other failure, at start or later (network errors, 5xx, rate limits, an
// API that is down), is retried after a capped, jittered backoff, so a
// Discord outage never stops the process or the other front ends.
func (a *Adapter) serve(ctx context.Context) error {
	// Two backoffs: bo after a gateway connection was made (it may have
	// spent one of the day's 1000 IDENTIFYs), capped at ReconnectMax;
	// quick while nothing reaches Discord at all, capped lower, so that
	// the bot is back soon after an outage ends.
	bo := newBackoff(a.cfg.ReconnectMin, a.cfg.ReconnectMax)
	quick := newBackoff(a.cfg.ReconnectMin, min(a.cfg.ReconnectMax, quickRetryMax))
	checked, registered := false, false
	for {
		if !checked {
			// GET /gateway/bot is authenticated, so a bad token stops
			// here before any websocket; it also says how many session
			// starts are left today.
			wait, err := a.checkGateway(ctx)
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, ErrBadToken) {
				return err
			}
			if err != nil {
				d := max(quick.next(), wait)
				a.log.LogAttrs(ctx, slog.LevelWarn, "discord API unavailable; retrying", slog.String("err", err.Error()),
					slog.Duration("wait", d))
				if !sleep(ctx, d) {
					return nil
				}
				continue
			}
			if wait > 0 {
				if !sleep(ctx, wait) {
					return nil
				}
				continue
			}
			checked = true
		}
		dials := a.track.dials()
		err := a.open(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if ge, ok := fatal(err); ok {
			return ge
		}
		if errors.Is(err, ErrBadToken) {
			return err
		}
		if err != nil {
			d := bo.next()
			if a.track.dials() == dials || errors.Is(err, websocket.ErrBadHandshake) {
				// No websocket was opened: no IDENTIFY was spent.
				d = quick.next()
			}
			a.log.LogAttrs(ctx, slog.LevelWarn, "gateway connect failed; retrying", slog.String("err", gatewayKind(err)),
				slog.Duration("wait", d))
			if !sleep(ctx, d) {
				return nil
			}
			continue
		}
		a.log.LogAttrs(ctx, slog.LevelInfo, "discord gateway connected")
		quick.reset()
		connected := time.Now()
		if !registered {
			err := a.register(ctx)
			if errors.Is(err, ErrBadToken) {
				return err
			}
			if err != nil {
				// DMs still work without commands; say so, go on, and
				// try again at the next connection.
				a.log.LogAttrs(ctx, slog.LevelError, "slash command registration failed", slog.String("err", err.Error()))
			}
			registered = err == nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-a.lost:
		}
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(connected) > time.Minute {
			bo.reset()
			a.log.LogAttrs(ctx, slog.LevelWarn, "discord gateway connection lost; reconnecting")
			continue
		}
		// A connection that keeps dropping soon after READY must not
		// turn into an IDENTIFY storm.
		d := bo.next()
		a.log.LogAttrs(ctx, slog.LevelWarn, "discord gateway connection lost; reconnecting", slog.Duration("wait", d))
		if !sleep(ctx, d) {
			return nil
		}
	}
}

// quickRetryMax caps the wait between tries while Discord cannot be
// reached at all: such tries cost Discord nothing and spend no IDENTIFY.
const quickRetryMax = 15 * time.Second

// checkGateway asks GET /gateway/bot once. With an error, wait is what a
// 429 asked for. Without, a positive wait means no session starts are left
// today: identifying past the daily limit gets the token reset, so the
// adapter waits for the reset instead.
func (a *Adapter) checkGateway(ctx context.Context) (time.Duration, error) {
	gb, err := a.s.GatewayBot(restOptions(ctx)...)
	if err != nil {
		return classify(err).retryAfter, describe("get gateway", err)
	}
	if l := gb.SessionStartLimit; l.Total > 0 && l.Remaining == 0 {
		wait := max(time.Duration(l.ResetAfter)*time.Millisecond, a.cfg.ReconnectMin)
		a.log.LogAttrs(ctx, slog.LevelError, "no discord gateway session starts left today; waiting for the reset",
			slog.Duration("wait", wait))
		return wait, nil
	}
	return 0, nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// open runs discordgo's Open, breaking its connection if it has not seen
// READY within OpenTimeout or ctx ends first.
func (a *Adapter) open(ctx context.Context) error {
	// A stale lost signal from the previous connection must not trigger
	// an immediate reconnect.
	select {
	case <-a.lost:
	default:
	}
	done := make(chan error, 1)
	go func() { done <- a.s.Open() }()
	t := time.NewTimer(a.cfg.OpenTimeout)
	defer t.Stop()
	select {
	case err := <-done:
		return a.openErr(err)
	case <-ctx.Done():
	case <-t.C:
	}
	a.track.breakConn()
	err := <-done
	if err == nil {
		// READY arrived just as we gave up: close that connection.
		a.s.Close()
		if ctx.Err() == nil {
			return errors.New("discord: gateway open timed out")
		}
	}
	return a.openErr(err)
}

// openErr keeps REST errors from Open (its GET /gateway) free of URLs.
func (a *Adapter) openErr(err error) error {
	var rest *discordgo.RESTError
	var rl *discordgo.RateLimitError
	if errors.As(err, &rest) || errors.As(err, &rl) {
		return describe("get gateway", err)
	}
	return err
}

// register installs the slash commands. A bulk overwrite is idempotent:
// the same set on every start, nothing created twice.
func (a *Adapter) register(ctx context.Context) error {
	app := loadString(&a.appID)
	if app == "" {
		return errors.New("discord: READY carried no application id; cannot register commands")
	}
	cmds := commands()
	return a.do(ctx, "register commands", true, func(o ...discordgo.RequestOption) error {
		_, err := a.s.ApplicationCommandBulkOverwrite(app, "", cmds, o...)
		return err
	})
}

// shutdown stops taking events, closes the gateway and lets queued work
// finish until DrainTimeout, in parallel so Run returns promptly. Past the
// deadline the work is cancelled, and still joined: no worker outlives Run
// (it could otherwise call the core after its stores are closed).
func (a *Adapter) shutdown() {
	a.mu.Lock()
	a.stopping = true
	a.mu.Unlock()
	closed := make(chan struct{})
	go func() {
		a.s.Close()
		close(closed)
	}()
	drained := make(chan struct{})
	go func() {
		a.wg.Wait()
		close(drained)
	}()
	t := time.NewTimer(a.cfg.DrainTimeout)
	select {
	case <-drained:
	case <-t.C:
		a.cancel()
		a.log.LogAttrs(context.Background(), slog.LevelWarn, "discord shutdown: unfinished replies cancelled")
		<-drained
	}
	t.Stop()
	a.cancel()
	<-closed
}

// Close stops Run (if it runs) and waits for it; it is idempotent and safe
// to call without Run.
func (a *Adapter) Close() error {
	a.closeOnce.Do(func() { close(a.closing) })
	a.mu.Lock()
	running := a.running
	if !running {
		a.stopping = true
	}
	a.mu.Unlock()
	if running {
		<-a.runDone
	} else {
		a.cancel()
	}
	return nil
}

// link builds a link to a Discord channel or message.
func (a *Adapter) link(guildID, channelID, messageID string) string {
	if guildID == "" {
		guildID = "@me"
	}
	l := a.web + "/channels/" + url.PathEscape(guildID) + "/" + url.PathEscape(channelID)
	if messageID != "" {
		l += "/" + url.PathEscape(messageID)
	}
	return l
}

// Stats counts what became of replies and messages since New, for tests
// and operators; every count is also logged when it happens.
type Stats struct {
	Retries int64 // send attempts repeated after a rate limit, 5xx, timeout or network error
	Expired int64 // ordinary replies given up past ReplyMaxAge (or an interaction's 15 minutes)
	Failed  int64 // replies Discord refused for good (a 4xx other than 429)
	Dropped int64 // messages refused because the person's queue was full
	Floods  int64 // "slow down" answers sent for those
}

// Stats returns the counts so far.
func (a *Adapter) Stats() Stats {
	m := &a.metrics
	return Stats{Retries: m.retries.Load(), Expired: m.expired.Load(), Failed: m.failed.Load(),
		Dropped: m.dropped.Load(), Floods: m.floods.Load()}
}
