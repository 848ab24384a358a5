// Package telegram is peermatch's Telegram front end. It runs the
// conversation core over the Bot API through go-telegram-bot-api v5, with
// its own long-polling loop (or a webhook), a persisted offset,
// de-duplicated updates, per-chat ordering and a rate-limited outbox in
// which crisis replies jump the queue. It is the only package that
// imports the Telegram SDK.
//
// Delivery contract: an update's offset is persisted only after the update
// was handled and its replies were written to the outbox in one bbolt
// transaction; after a crash the update comes again, is recognised by its
// id and not handled twice, and its replies are sent from the outbox. The
// handler's own writes (the session, in another file) come before that
// commit; each handler call carries a bot.Delivery, with which the session
// store applies a redelivered update to the session it started from, so
// no update is applied twice. A reply can still be sent twice if the
// process dies between Telegram accepting it and the outbox forgetting it
// (sendMessage has no idempotency key). An update that cannot be decoded
// is skipped, logged by id and counted; it never holds up the others.
//
// Replies: an ordinary one is retried (429s after retry_after, 5xx and
// network errors with backoff, across restarts) for MaxReplyAge, and is
// dropped only if the person blocked the bot, the chat is gone, Telegram
// rejects the request, or it is too old; each drop is logged and counted
// (Stats). A crisis reply bypasses every queue, is tried with a short
// timeout and again within UrgentRetry, and is never dropped for age.
package telegram

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/peermatch/peermatch/bot"
)

// Platform is the Message.Platform of every message from this adapter.
const Platform = "telegram"

// DefaultAPI is the Bot API base URL used when Config.API is empty.
const DefaultAPI = "https://api.telegram.org"

// Config configures the adapter. Only Token is required; every other zero
// value is safe and, for the limits, Telegram's documented production
// values (1 message a second per chat after a short burst, 20 a minute
// per group, about 30 a second overall).
type Config struct {
	Token      string       // from @BotFather; never logged, never in an error
	API        string       // Bot API base URL; "" = DefaultAPI
	AlertTo    string       // moderator alert chat id (or @channel); "" = no alerts
	StateDir   string       // holds FileName; "" = a temporary file (nothing survives a restart)
	Logger     *slog.Logger // nil discards
	Now        func() time.Time
	HTTPClient *http.Client // nil = our own, with connection timeouts
	// IDKey keys the user-id hashes in logs (bot.KeyedID); pass the
	// engine's key (store.IDKey()) so both log the same hash. nil draws a
	// random key.
	IDKey []byte

	// Webhook mode, for operators behind a public HTTPS endpoint; long
	// polling (the default) needs no open port.
	WebhookURL    string // public https URL Telegram posts to; "" = long polling
	WebhookListen string // address to listen on, e.g. "127.0.0.1:8080" behind a TLS proxy
	WebhookSecret string // secret_token (1-256 of A-Za-z0-9_-); "" = derived from the token

	// GroupHandler answers messages in groups; nil uses Run's handler.
	// Either way only Urgent replies are posted in a group, and a message
	// addressed to the bot gets an invitation to a private chat.
	GroupHandler bot.Handler

	PerChatInterval time.Duration // spacing of sends to one chat after the burst; default 1 s
	GroupInterval   time.Duration // the same for groups; default 3 s (20 a minute)
	PerChatBurst    int           // sends a chat may get at once; default 3
	GlobalRate      float64       // sends a second over all chats; default 30
	Senders         int           // concurrent ordinary sends; default 16
	Workers         int           // chats handled at once; default 8
	// MaxReplyAge is how long an ordinary reply is retried (429s, 5xx,
	// network errors, restarts) before it is dropped as no longer useful;
	// default 1 h. Crisis replies are never dropped for age.
	MaxReplyAge  time.Duration
	RetryBackoff time.Duration // first retry delay after a 5xx or network error; default 500 ms
	// UrgentTimeout bounds one attempt at sending a crisis reply, so that
	// a hung connection is abandoned and the reply sent again within
	// seconds; default 2 s (sendMessage answers in well under a second).
	UrgentTimeout time.Duration
	// UrgentRetry is the most a crisis reply waits between attempts, even
	// when Telegram asks for longer (retry_after): a late crisis reply
	// costs more than a longer flood wait; default 200 ms.
	UrgentRetry    time.Duration
	PollTimeout    time.Duration // getUpdates long-poll wait; default 25 s
	RequestTimeout time.Duration // bound on any other call, and the grace over PollTimeout; default 30 s (grace ≤ 10 s)
	HandleTimeout  time.Duration // bound on one handler call; default 30 s
	DrainTimeout   time.Duration // how long Run keeps sending after ctx ends; default 10 s
	MaxPending     int           // undelivered sends above which polling slows to once a second; default 10000
}

// Adapter is the Telegram front end. It implements bot.Adapter,
// bot.Alerter and bot.Forgetter.
type Adapter struct {
	cfg      Config
	endpoint string
	log      *slog.Logger
	now      func() time.Time
	red      *redactor
	hc       *http.Client
	state    *state
	send     *sender
	idKey    []byte
	api      atomic.Pointer[tgbotapi.BotAPI]
	running  atomic.Bool
	closed   atomic.Bool
	kbShown  sync.Map // chat → the location keyboard is showing
	bg       sync.WaitGroup
	bgCtx    atomic.Pointer[context.Context]
	locks    [64]sync.Mutex // per-chat order in webhook mode
	hooks    hooks
	stats    stats
	runs     atomic.Uint64 // numbers the attempts at handling updates (bot.Delivery.Run)
	listenOn chan string   // the webhook's address once listening (tests)
}

var (
	_ bot.Adapter   = (*Adapter)(nil)
	_ bot.Alerter   = (*Adapter)(nil)
	_ bot.Forgetter = (*Adapter)(nil)
)

// hooks let tests stop the adapter at exact points (a simulated crash).
type hooks struct {
	afterCommitFn func(updateID int)
	afterSendFn   func(it *outItem)
}

func (h hooks) afterCommit(id int) {
	if h.afterCommitFn != nil {
		h.afterCommitFn(id)
	}
}

func (h hooks) afterSend(it *outItem) {
	if h.afterSendFn != nil {
		h.afterSendFn(it)
	}
}

// Errors returned by the adapter. Compare with errors.Is.
var (
	ErrNoToken      = errors.New("telegram: Config.Token is empty")
	ErrTokenRefused = errors.New("telegram: the Bot API refused the token")
	ErrNoAlertChat  = errors.New("telegram: no moderator alert chat configured")
	ErrRunning      = errors.New("telegram: Run called twice")
)

// New checks the configuration and opens the state file. It does no
// network I/O; Run connects.
func New(cfg Config) (*Adapter, error) {
	if cfg.Token == "" {
		return nil, ErrNoToken
	}
	if cfg.WebhookURL != "" && cfg.WebhookListen == "" {
		return nil, errors.New("telegram: Config.WebhookListen is required with WebhookURL")
	}
	if cfg.WebhookSecret != "" && !validSecret(cfg.WebhookSecret) {
		return nil, errors.New("telegram: Config.WebhookSecret must be 1-256 characters of A-Z a-z 0-9 _ -")
	}
	setDefaults(&cfg)
	a := &Adapter{cfg: cfg, log: cfg.Logger, now: cfg.Now, red: newRedactor(cfg.Token), hc: cfg.HTTPClient,
		idKey: cfg.IDKey, listenOn: make(chan string, 1)}
	base := strings.TrimRight(cfg.API, "/")
	// The library formats the endpoint with Sprintf(endpoint, token, method).
	a.endpoint = strings.ReplaceAll(base, "%", "%%") + "/bot%s/%s"
	if a.hc == nil {
		a.hc = defaultHTTPClient(cfg.PollTimeout + 2*cfg.RequestTimeout)
	}
	if len(a.idKey) == 0 {
		a.idKey = make([]byte, 32)
		if _, err := rand.Read(a.idKey); err != nil {
			return nil, fmt.Errorf("telegram: draw id key: %w", err)
		}
	}
	var seed [8]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, fmt.Errorf("telegram: draw run id: %w", err)
	}
	// Attempts in different processes must never share a Run.
	a.runs.Store(binary.BigEndian.Uint64(seed[:]))
	st, err := openState(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	a.state = st
	// A previous run may have died before compacting away sent replies.
	if err := st.compact(true); err != nil {
		a.log.Warn("state compaction failed", "err", err.Error())
	}
	a.send = newSender(a)
	pending, err := st.pending()
	if err != nil {
		_ = st.close()
		return nil, err
	}
	a.send.enqueue(pending...)
	if len(pending) > 0 {
		a.log.Info("replies left from the last run will be sent", "n", len(pending))
	}
	if cfg.StateDir == "" {
		a.log.Warn("no state directory: offsets and undelivered replies will not survive a restart")
	}
	return a, nil
}

func setDefaults(c *Config) {
	if c.API == "" {
		c.API = DefaultAPI
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.PerChatInterval, time.Second)
	def(&c.GroupInterval, 3*time.Second)
	def(&c.RetryBackoff, 500*time.Millisecond)
	def(&c.MaxReplyAge, time.Hour)
	def(&c.UrgentTimeout, 2*time.Second)
	def(&c.UrgentRetry, 200*time.Millisecond)
	def(&c.PollTimeout, 25*time.Second)
	def(&c.RequestTimeout, 30*time.Second)
	def(&c.HandleTimeout, 30*time.Second)
	def(&c.DrainTimeout, 10*time.Second)
	if c.PerChatBurst <= 0 {
		c.PerChatBurst = 3
	}
	if c.GlobalRate <= 0 {
		c.GlobalRate = 30
	}
	if c.Senders <= 0 {
		c.Senders = 16
	}
	if c.Workers <= 0 {
		c.Workers = 8
	}
	if c.MaxPending <= 0 {
		c.MaxPending = 10000
	}
}

func validSecret(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// webhookSecret is the configured secret, or one derived from the token:
// stable across restarts and replicas, and useless without the token.
func (a *Adapter) webhookSecret() string {
	if a.cfg.WebhookSecret != "" {
		return a.cfg.WebhookSecret
	}
	m := hmac.New(sha256.New, []byte(a.cfg.Token))
	m.Write([]byte("peermatch telegram webhook secret_token"))
	return hex.EncodeToString(m.Sum(nil))
}

func (a *Adapter) username() string {
	if api := a.api.Load(); api != nil {
		return api.Self.UserName
	}
	return ""
}

func (a *Adapter) selfID() int64 {
	if api := a.api.Load(); api != nil {
		return api.Self.ID
	}
	return 0
}

// chatKey is how a chat or user id appears in logs: a keyed hash.
func (a *Adapter) chatKey(id int64) string {
	return bot.KeyedID(a.idKey, Platform, strconv.FormatInt(id, 10))
}

// Run connects (getMe), registers the commands, then reads updates by long
// polling (or serves the webhook) and answers them with h until ctx ends.
// Then it stops reading, finishes the messages being handled, sends what
// is queued for up to DrainTimeout (the rest stays in the outbox for the
// next start) and returns nil. A token the Bot API refuses is fatal
// (ErrTokenRefused); errors never contain the token.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	if h == nil {
		return errors.New("telegram: Run needs a handler")
	}
	if a.closed.Load() {
		return errors.New("telegram: adapter closed")
	}
	if !a.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	api, err := a.connect(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.api.Store(api)
	// Sending outlives ctx by the drain; it has its own cancel.
	sctx, scancel := context.WithCancel(context.WithoutCancel(ctx))
	defer scancel()
	a.bgCtx.Store(&sctx)
	a.send.start(sctx)
	a.setCommands(ctx)
	a.bg.Add(1)
	go a.maintain(ctx)
	a.log.Info("telegram front end running", "mode", a.mode())

	var runErr error
	if a.cfg.WebhookURL != "" {
		runErr = a.serveWebhook(ctx, h)
	} else {
		runErr = a.poll(ctx, h)
	}

	t := time.NewTimer(a.cfg.DrainTimeout)
	select {
	case <-a.send.drained():
	case <-t.C:
		a.log.Warn("drain timed out; undelivered replies stay in the outbox for the next start", "n", a.send.pending())
	}
	t.Stop()
	scancel()
	a.send.wg.Wait()
	a.bg.Wait()
	a.log.Info("telegram front end stopped")
	return runErr
}

func (a *Adapter) mode() string {
	if a.cfg.WebhookURL != "" {
		return "webhook"
	}
	return "polling"
}

// connect calls getMe through the library's constructor, retrying
// transient failures until ctx ends.
func (a *Adapter) connect(ctx context.Context) (*tgbotapi.BotAPI, error) {
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, a.cfg.RequestTimeout)
		c := &call{ctx: cctx, hc: a.hc, red: a.red}
		api, err := tgbotapi.NewBotAPIWithClient(a.cfg.Token, a.endpoint, c)
		cancel()
		if err == nil {
			return api, nil
		}
		ae := a.red.wrap("getMe", c, err)
		if ae.fatal() {
			return nil, fmt.Errorf("%w (HTTP %d)", ErrTokenRefused, ae.Code)
		}
		a.log.Warn("cannot reach the Bot API, retrying", "code", ae.Code, "err", ae.Error())
		d := ae.RetryAfter
		if d <= 0 {
			d = backoff(a.cfg.RetryBackoff, attempt)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// maintain forgets old update ids and compacts the state file hourly, so
// that a sent reply leaves no bytes in the file for longer than that, and
// logs the counters (Stats).
func (a *Adapter) maintain(ctx context.Context) {
	defer a.bg.Done()
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.state.prune(a.now()); err != nil {
				a.log.Warn("state prune failed", "err", err.Error())
			}
			if err := a.state.compact(false); err != nil {
				a.log.Warn("state compaction failed", "err", err.Error())
			}
			st := a.Stats()
			a.log.Info("telegram counters", "delivered", st.Delivered, "retries", st.Retries, "updates_skipped", st.UpdatesSkipped,
				"dropped_blocked", st.DroppedBlocked, "dropped_gone", st.DroppedGone, "dropped_rejected", st.DroppedRejected,
				"dropped_expired", st.DroppedExpired, "pending", a.send.pending())
		}
	}
}

// process handles one update: skip it if it was handled before, translate
// it, call the handler, keep group chats free of health talk, and commit
// the update id with its rendered replies before queueing them.
func (a *Adapter) process(ctx context.Context, h bot.Handler, u *tgbotapi.Update) error {
	done, err := a.state.isDone(u.UpdateID)
	if err != nil {
		return err
	}
	if done {
		a.log.Debug("update already handled, skipped", "update_id", u.UpdateID)
		return nil
	}
	in, ok := a.translate(u, a.now())
	if !ok {
		return nil
	}
	if in.callbackID != "" {
		a.ackCallback(a.sendCtx(), in.callbackID)
	}
	handler := h
	if in.group && a.cfg.GroupHandler != nil {
		handler = a.cfg.GroupHandler
	}
	// The session store makes the handler's effects idempotent per update
	// (bot.Delivery): if we die before the commit below, the update comes
	// again and is applied to the session it started from.
	dctx := bot.WithDelivery(ctx, bot.Delivery{ID: Platform + ":" + strconv.Itoa(u.UpdateID), Run: a.runs.Add(1)})
	// A crisis reply the handler hands over early is queued at once, before
	// the handler's store I/O and our commit; it is committed with the rest
	// unless it already went.
	var early []*outItem
	var earlyMu sync.Mutex
	dctx = bot.WithEarlySend(dctx, func(r bot.Reply) bool {
		if !r.Urgent {
			return false
		}
		var items []*outItem
		if in.group {
			// As groupItems does: the text alone, as a reply.
			items = a.render(in, []bot.Reply{{Text: r.Text, Urgent: true}})
			for _, it := range items {
				it.ReplyTo = in.messageID
			}
		} else {
			items = a.render(in, []bot.Reply{r})
		}
		for _, it := range items {
			it.Seq = a.state.nextSeq()
		}
		earlyMu.Lock()
		early = append(early, items...)
		earlyMu.Unlock()
		a.send.enqueue(items...)
		return true
	})
	replies := a.handle(dctx, handler, in)
	var items []*outItem
	if in.group {
		items = a.groupItems(in, replies)
	} else {
		items = a.render(in, replies)
	}
	// Crisis replies go out now, not after the commit's fsync; like early
	// ones, they are committed too unless they already went.
	rest := items[:0:0]
	for _, it := range items {
		if !it.Urgent {
			rest = append(rest, it)
			continue
		}
		it.Seq = a.state.nextSeq()
		earlyMu.Lock()
		early = append(early, it)
		earlyMu.Unlock()
		a.send.enqueue(it)
	}
	items = rest
	earlyMu.Lock()
	var durable []*outItem
	for _, it := range early {
		if !it.done.Load() {
			durable = append(durable, it)
		}
	}
	earlyMu.Unlock()
	if err := a.state.commit(u.UpdateID, a.now(), append(durable, items...)); err != nil {
		// The disk is failing: the update will come again. Its crisis
		// replies are on their way already.
		return err
	}
	// An early reply that went while we committed is deleted again: its
	// own deletion may have come before our write.
	for _, it := range durable {
		if it.done.Load() {
			if err := a.state.sent(it.Seq); err != nil {
				a.log.Warn("outbox delete failed", "err", a.red.string(err.Error()))
			}
		}
	}
	a.hooks.afterCommit(u.UpdateID)
	a.send.enqueue(items...)
	a.log.LogAttrs(ctx, slog.LevelDebug, "update handled", slog.Int("update_id", u.UpdateID),
		slog.String("user", a.chatKey(in.user)), slog.Bool("group", in.group), slog.Bool("button", in.callbackID != ""),
		slog.Bool("location", in.msg.Location != nil), slog.Int("sends", len(items)))
	return nil
}

func (a *Adapter) sendCtx() context.Context {
	if p := a.bgCtx.Load(); p != nil {
		return *p
	}
	return context.Background()
}

// handle calls the handler with a context that survives shutdown (a turn
// that started is finished) but is bounded by HandleTimeout.
func (a *Adapter) handle(ctx context.Context, h bot.Handler, in inbound) (rs []bot.Reply) {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.HandleTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			// The panic value may quote the message; it is not logged.
			a.log.Error("handler panicked", "user", a.chatKey(in.user))
			rs = nil
		}
	}()
	rs, err := h.Handle(hctx, in.msg)
	if err != nil {
		msg := a.red.string(err.Error())
		if t := strings.TrimSpace(in.msg.Text); t != "" {
			msg = strings.ReplaceAll(msg, t, "<text>")
		}
		a.log.Warn("handler error", "user", a.chatKey(in.user), "err", msg)
	}
	return rs
}

// Send queues a reply to a chat (a reminder fired later) in the durable
// outbox and returns; Run delivers it, within the rate limits, and a
// reply queued while Run is not running is sent when it runs.
func (a *Adapter) Send(_ context.Context, chatID string, r bot.Reply) error {
	if a.closed.Load() {
		return errors.New("telegram: adapter closed")
	}
	chat, err := strconv.ParseInt(chatID, 10, 64)
	if err != nil {
		return fmt.Errorf("telegram: chat id %q: %w", chatID, err)
	}
	items := a.render(inbound{chat: chat, group: chat < 0}, []bot.Reply{r})
	if err := a.state.commit(-1, a.now(), items); err != nil {
		return err
	}
	a.send.enqueue(items...)
	// Queued durably: report success even if ctx ends now, or a reminder
	// retried by its caller would be sent twice.
	return nil
}

// Forget implements bot.Forgetter: replies to the person that are still
// queued are dropped and a compaction of the state file is asked for, so
// that they leave no trace; it runs in the background (the caller holds
// the person's lock) and Close finishes it. A Telegram user's private chat
// has the user's id.
func (a *Adapter) Forget(_ context.Context, platform, userID string) error {
	if platform != Platform {
		return nil
	}
	chat, err := strconv.ParseInt(userID, 10, 64)
	if err != nil {
		return fmt.Errorf("telegram: user id: %w", err)
	}
	if _, err := a.state.forgetChat(chat); err != nil {
		return err
	}
	a.send.dropChat(chat)
	a.kbShown.Delete(chat)
	a.state.f.RequestCompact()
	return nil
}

// Close releases the state file, compacting it first if replies were
// deleted since the last compaction. Call it after Run returned.
func (a *Adapter) Close() error {
	if !a.closed.CompareAndSwap(false, true) {
		return nil
	}
	var errs []error
	if err := a.state.compact(false); err != nil {
		errs = append(errs, err)
	}
	if err := a.state.close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
