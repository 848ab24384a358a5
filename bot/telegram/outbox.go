package telegram

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// bucket is a token bucket: rate tokens a second, at most burst saved up.
// It is not safe for concurrent use; its owner locks.
type bucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func newBucket(rate float64, burst int, now time.Time) *bucket {
	return &bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

func (b *bucket) refill(now time.Time) {
	if now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
}

// delay is how long until a token is free (0: now).
func (b *bucket) delay(now time.Time) time.Duration {
	b.refill(now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

// take spends a token. An urgent send takes one even when none is free,
// so that the ordinary sends after it still keep the average; the debt is
// capped so a burst of crisis replies cannot stall a chat for long.
func (b *bucket) take(now time.Time) {
	b.refill(now)
	b.tokens = max(b.tokens-1, -b.burst)
}

// full reports whether the bucket has refilled completely (nothing to
// remember about its chat any more).
func (b *bucket) full(now time.Time) bool {
	b.refill(now)
	return b.tokens >= b.burst
}

// chatQueue is one chat's pending sends, delivered in order by one
// goroutine at a time; urgent sends go ahead of ordinary ones.
type chatQueue struct {
	chat    int64
	items   []*outItem
	running bool
	bucket  *bucket
	wake    chan struct{} // an urgent send arrived or finished while we waited
	urgent  int           // crisis replies being sent; ordinary ones wait for them
}

// push queues it: urgent items after the urgent ones already waiting, but
// before every ordinary one.
func (q *chatQueue) push(it *outItem) {
	if !it.Urgent {
		q.items = append(q.items, it)
		return
	}
	i := 0
	for i < len(q.items) && q.items[i].Urgent {
		i++
	}
	q.items = append(q.items, nil)
	copy(q.items[i+1:], q.items[i:])
	q.items[i] = it
}

// sender is the outbox in memory: per-chat queues, the per-chat and
// overall rate limits, retries on 429 and 5xx, and the deletion of each
// delivered item from the durable outbox.
type sender struct {
	a      *Adapter
	mu     sync.Mutex
	chats  map[int64]*chatQueue
	global *bucket
	n      int           // items queued or being sent
	empty  chan struct{} // closed when n drops to 0; replaced when it rises
	slots  chan struct{} // bounds concurrent ordinary HTTP sends
	ctx    context.Context
	wg     sync.WaitGroup
	pushes int
}

func newSender(a *Adapter) *sender {
	s := &sender{a: a, chats: map[int64]*chatQueue{}, empty: make(chan struct{}),
		slots: make(chan struct{}, a.cfg.Senders), ctx: context.Background()}
	close(s.empty)
	s.global = newBucket(a.cfg.GlobalRate, max(1, int(a.cfg.GlobalRate)), a.now())
	return s
}

// start lets queued items flow; before it, enqueue only queues.
func (s *sender) start(ctx context.Context) {
	s.mu.Lock()
	s.ctx = ctx
	for _, q := range s.chats {
		s.kick(q)
	}
	s.mu.Unlock()
}

// enqueue hands items to their chats' queues.
func (s *sender) enqueue(items ...*outItem) {
	if len(items) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.a.now()
	for _, it := range items {
		q := s.chats[it.Chat]
		if q == nil {
			q = &chatQueue{chat: it.Chat, bucket: s.chatBucket(it.Chat, now), wake: make(chan struct{}, 1)}
			s.chats[it.Chat] = q
		}
		if it.Queued == 0 {
			it.Queued = now.Unix()
		}
		if s.n == 0 {
			s.empty = make(chan struct{})
		}
		s.n++
		if it.Urgent && s.started() {
			// A crisis reply jumps every queue, including a send to its
			// chat that is in flight (and may hang).
			s.startUrgent(q, it)
			continue
		}
		q.push(it)
		s.kick(q)
	}
	s.pushes++
	if s.pushes%1024 == 0 {
		s.sweepLocked(now)
	}
}

func (s *sender) chatBucket(chat int64, now time.Time) *bucket {
	c := s.a.cfg
	if chat < 0 { // groups and supergroups have negative ids
		return newBucket(1/c.GroupInterval.Seconds(), c.PerChatBurst, now)
	}
	return newBucket(1/c.PerChatInterval.Seconds(), c.PerChatBurst, now)
}

// sweepLocked forgets idle chats whose limits have fully recovered.
func (s *sender) sweepLocked(now time.Time) {
	for id, q := range s.chats {
		if !q.running && len(q.items) == 0 && q.urgent == 0 && q.bucket.full(now) {
			delete(s.chats, id)
		}
	}
}

// started reports whether start was called. s.mu is held.
func (s *sender) started() bool { return s.ctx != context.Background() }

// startUrgent sends a crisis reply at once, on its own goroutine; the
// chat's ordinary sends wait until it went. s.mu is held.
func (s *sender) startUrgent(q *chatQueue, it *outItem) {
	now := s.a.now()
	s.global.take(now)
	q.bucket.take(now)
	q.urgent++
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.deliver(s.ctx, it)
		s.mu.Lock()
		q.urgent--
		s.mu.Unlock()
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}()
}

func (s *sender) kick(q *chatQueue) {
	if q.running || len(q.items) == 0 || !s.started() {
		return
	}
	q.running = true
	s.wg.Add(1)
	go s.run(s.ctx, q)
}

// pending is the number of items not yet delivered.
func (s *sender) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// drained returns a channel closed once nothing is pending.
func (s *sender) drained() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.empty
}

func (s *sender) finish(it *outItem) {
	it.done.Store(true)
	if !it.volatile {
		if err := s.a.state.sent(it.Seq); err != nil {
			s.a.log.Warn("outbox delete failed", "err", s.a.red.string(err.Error()))
		}
	}
	s.mu.Lock()
	s.n--
	if s.n == 0 {
		close(s.empty)
	}
	s.mu.Unlock()
}

// dropChat forgets the ordinary sends still queued for a chat (/forget).
func (s *sender) dropChat(chat int64) {
	s.mu.Lock()
	q := s.chats[chat]
	var dropped []*outItem
	if q != nil {
		kept := q.items[:0]
		for _, it := range q.items {
			if it.Urgent {
				kept = append(kept, it)
			} else {
				dropped = append(dropped, it)
			}
		}
		q.items = kept
	}
	s.mu.Unlock()
	for _, it := range dropped {
		it.volatile = true // forgetChat already deleted it from the file
		s.finish(it)
	}
}

// run delivers one chat's queue in order until it is empty or ctx ends.
// Crisis replies found in it (queued before start) are handed to their own
// goroutines; ordinary sends wait while one is being sent, so that the
// crisis reply comes first.
func (s *sender) run(ctx context.Context, q *chatQueue) {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		if len(q.items) == 0 || ctx.Err() != nil {
			q.running = false
			s.mu.Unlock()
			return
		}
		it := q.items[0]
		if it.Urgent {
			q.items = q.items[1:]
			s.startUrgent(q, it)
			s.mu.Unlock()
			continue
		}
		// Ordinary sends wait for both limits and for the chat's crisis
		// replies in flight; an urgent send that arrives meanwhile goes
		// first.
		now := s.a.now()
		d := time.Duration(0)
		if q.urgent > 0 {
			d = time.Second // or until the wake
		} else if d = q.bucket.delay(now); d == 0 {
			d = s.global.delay(now)
			if d == 0 {
				s.global.take(now)
				q.bucket.take(now)
			}
		}
		if d > 0 {
			s.mu.Unlock()
			// Woken early by an urgent send or the end of ctx, or
			// not: either way look at the queue again.
			s.wait(ctx, d, q.wake)
			continue
		}
		q.items = q.items[1:]
		s.mu.Unlock()
		s.deliver(ctx, it)
	}
}

// wait sleeps d, or less if an urgent send arrives or ctx ends.
func (s *sender) wait(ctx context.Context, d time.Duration, wake <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-wake:
	case <-ctx.Done():
	}
}

// deliver sends one item until it goes, it cannot go, or ctx ends (then
// it stays in the outbox for the next start). 429s wait retry_after, 5xx
// and network errors back off with jitter. An ordinary item is given up
// when it is older than MaxReplyAge; a crisis reply never, and it tries
// again within UrgentRetry with each attempt bounded by UrgentTimeout.
// Every give-up is logged with its reason and counted.
func (s *sender) deliver(ctx context.Context, it *outItem) {
	chat := it.Chat
	cfg := s.a.cfg
	for attempt := 1; ; attempt++ {
		if !it.Urgent {
			select {
			case s.slots <- struct{}{}:
			case <-ctx.Done():
				s.abandon(it)
				return
			}
		}
		timeout := cfg.RequestTimeout
		if it.Urgent {
			timeout = cfg.UrgentTimeout
		}
		err := s.a.sendItem(ctx, chat, it, timeout)
		if !it.Urgent {
			<-s.slots
		}
		if err == nil {
			s.a.hooks.afterSend(it)
			s.a.stats.delivered.Add(1)
			s.finish(it)
			return
		}
		if err.MigrateTo != 0 {
			chat = err.MigrateTo // the group became a supergroup
			continue
		}
		if ctx.Err() != nil {
			s.abandon(it)
			return
		}
		why := ""
		switch {
		case !err.temporary():
			why = s.a.permanent(err)
		case !it.Urgent && s.a.now().Sub(time.Unix(it.Queued, 0)) > cfg.MaxReplyAge:
			why = "expired"
			s.a.stats.droppedExpired.Add(1)
		}
		if why != "" {
			s.a.log.LogAttrs(ctx, slog.LevelWarn, "reply dropped", slog.String("reason", why), slog.String("chat", s.a.chatKey(it.Chat)),
				slog.String("method", err.Method), slog.Int("code", err.Code), slog.Int("attempts", attempt), slog.Bool("urgent", it.Urgent))
			s.finish(it)
			return
		}
		s.a.stats.retries.Add(1)
		d := err.RetryAfter
		if d <= 0 {
			d = backoff(cfg.RetryBackoff, attempt)
		}
		lvl := slog.LevelDebug
		if it.Urgent {
			lvl = slog.LevelWarn
			d = min(d, cfg.UrgentRetry)
		}
		s.a.log.LogAttrs(ctx, lvl, "send failed, retrying", slog.String("chat", s.a.chatKey(it.Chat)),
			slog.Int("code", err.Code), slog.Bool("timeout", errors.Is(err, errTimeout)), slog.Duration("after", d), slog.Bool("urgent", it.Urgent))
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			s.abandon(it)
			return
		}
	}
}

// permanent names and counts why a send that no retry will fix failed:
// the person blocked the bot, the chat is gone, or Telegram rejected the
// request itself.
func (a *Adapter) permanent(err *apiError) string {
	msg := strings.ToLower(err.msg)
	switch {
	case err.Code == http.StatusForbidden && strings.Contains(msg, "blocked"):
		a.stats.droppedBlocked.Add(1)
		return "blocked by the user"
	case err.Code == http.StatusForbidden, strings.Contains(msg, "chat not found"), strings.Contains(msg, "deactivated"):
		a.stats.droppedGone.Add(1)
		return "chat gone"
	}
	a.stats.droppedRejected.Add(1)
	return "rejected"
}

// abandon leaves an item in the durable outbox (sent at the next start)
// and stops counting it as pending.
func (s *sender) abandon(it *outItem) {
	s.mu.Lock()
	s.n--
	if s.n == 0 {
		close(s.empty)
	}
	s.mu.Unlock()
}

// backoff is base·2^(attempt-1), capped at 30 s, with ±25 % jitter so that
// many chats retrying after one outage do not hit Telegram in step.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base << min(attempt-1, 10)
	d = min(d, 30*time.Second)
	j := time.Duration(float64(d) * (0.75 + rand.Float64()/2))
	return max(j, time.Millisecond)
}

// sendItem makes one Bot API call for an item.
func (a *Adapter) sendItem(ctx context.Context, chat int64, it *outItem, timeout time.Duration) *apiError {
	_, err := a.request(ctx, timeout, it.method(), func(api *tgbotapi.BotAPI) error {
		_, err := api.Send(it.chattable(chat))
		return err
	})
	return err
}

// request runs one library call on a copy of the BotAPI whose client is
// bound to ctx and timeout, so that shutdown cancels it and a hung
// connection cannot block forever.
func (a *Adapter) request(ctx context.Context, timeout time.Duration, method string, fn func(api *tgbotapi.BotAPI) error) (int, *apiError) {
	base := a.api.Load()
	if base == nil {
		return 0, &apiError{Method: method, msg: "not connected", kind: errNotRunning}
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := &call{ctx: cctx, hc: a.hc, red: a.red}
	api := *base
	api.Client = c
	if err := fn(&api); err != nil {
		return c.status, a.red.wrap(method, c, err)
	}
	return c.status, nil
}

var errNotRunning = errors.New("telegram: adapter not running")

// ackCallback stops the spinner on a tapped button. It is not part of the
// outbox: if it is lost, Telegram stops the spinner by itself.
func (a *Adapter) ackCallback(ctx context.Context, id string) {
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		_, err := a.request(ctx, a.cfg.RequestTimeout, "answerCallbackQuery", func(api *tgbotapi.BotAPI) error {
			_, err := api.Request(tgbotapi.NewCallback(id, ""))
			return err
		})
		if err != nil && ctx.Err() == nil {
			a.log.Debug("answerCallbackQuery failed", "code", err.Code)
		}
	}()
}
