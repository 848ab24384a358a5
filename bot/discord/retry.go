package discord

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// backoff doubles a wait from min to max, with jitter: each wait is drawn
// between half and all of the current step, so that many bots (or many
// replies) coming back from one outage do not all retry in the same instant.
type backoff struct {
	min, max, step time.Duration
}

func newBackoff(min, max time.Duration) *backoff {
	return &backoff{min: min, max: max, step: min}
}

func (b *backoff) next() time.Duration {
	d := b.step
	b.step = min(b.step*2, b.max)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(d-half+1)
}

func (b *backoff) reset() { b.step = b.min }

// restOptions turn discordgo's own retries off: it retries 429s forever
// and repeats a 502 POST at once, which could post a message twice.
func restOptions(ctx context.Context) []discordgo.RequestOption {
	return []discordgo.RequestOption{discordgo.WithContext(ctx), discordgo.WithRetryOnRatelimit(false), discordgo.WithRestRetries(0)}
}

// failure is what a failed REST call means for a retry.
type failure struct {
	retry      bool          // trying again may succeed
	retryAfter time.Duration // Discord asked to wait this long (429)
	status     int           // HTTP status, 0 if none
}

// classify reads a discordgo error. Rate limits, server errors, timeouts
// and network failures are worth retrying; other 4xx answers (a person who
// blocks DMs, a deleted channel, an expired interaction) never succeed.
func classify(err error) failure {
	var rl *discordgo.RateLimitError
	var rest *discordgo.RESTError
	var ne net.Error
	switch {
	case errors.As(err, &rl):
		w := time.Duration(0)
		if rl.RateLimit != nil && rl.TooManyRequests != nil {
			// discordgo truncates retry_after to whole milliseconds
			// (0.03 s becomes 29 ms): round up, so as not to come early.
			w = rl.RetryAfter + time.Millisecond
		}
		return failure{retry: true, retryAfter: max(w, 0), status: http.StatusTooManyRequests}
	case errors.As(err, &rest):
		st := 0
		if rest.Response != nil {
			st = rest.Response.StatusCode
		}
		return failure{retry: st >= 500 || st == http.StatusRequestTimeout, status: st}
	case errors.Is(err, errOutsideAPI), errors.Is(err, context.Canceled):
		return failure{}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne):
		return failure{retry: true}
	case status502(err):
		return failure{retry: true, status: http.StatusBadGateway}
	case errors.Is(err, discordgo.ErrJSONUnmarshal):
		// A proxy's HTML error page, or a 429 without its JSON body.
		return failure{retry: true}
	}
	return failure{}
}

// status502 recognizes discordgo's own error for a 502 with its retries
// off: a plain fmt error, not a RESTError.
func status502(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "Exceeded Max retries HTTP 502")
}

// do runs a small REST call (look-ups, acknowledgements, registration):
// retried at most MaxRetries times, after a rate limit's Retry-After when
// it is at most MaxRetryWait, and after server and network errors only when
// repeating the call cannot duplicate a message.
func (a *Adapter) do(ctx context.Context, op string, idempotent bool, call func(...discordgo.RequestOption) error) error {
	bo := newBackoff(200*time.Millisecond, 2*time.Second)
	for attempt := 0; ; attempt++ {
		err := call(restOptions(ctx)...)
		if err == nil {
			return nil
		}
		f := classify(err)
		wait := bo.next()
		if f.status == http.StatusTooManyRequests {
			wait = max(f.retryAfter, 100*time.Millisecond)
		}
		again := f.retry && (idempotent || f.status == http.StatusTooManyRequests) &&
			(f.status != http.StatusTooManyRequests || wait <= a.cfg.MaxRetryWait)
		if !again || attempt >= a.cfg.MaxRetries || ctx.Err() != nil {
			return describe(op, err)
		}
		a.log.LogAttrs(ctx, slog.LevelDebug, "discord call retried", slog.String("op", op), slog.Int("attempt", attempt+1),
			slog.Duration("wait", wait))
		if !sleep(ctx, wait) {
			return describe(op, ctx.Err())
		}
	}
}

// deliver sends one reply until it gets through, Discord says it never
// will (a 4xx other than 429), or it stops being useful:
//   - an ordinary reply is retried, honouring every Retry-After, until
//     ReplyMaxAge after the message it answers (or the deadline given,
//     e.g. an interaction token's 15 minutes);
//   - an urgent (crisis) reply gets a short timeout per attempt, so that a
//     hung send is abandoned within seconds, waits at most CrisisRetryMax
//     between attempts, and is never given up while the adapter runs.
//
// ctx ends only at shutdown. The error, if any, is an *APIError.
func (a *Adapter) deliver(ctx context.Context, op string, urgent bool, deadline time.Time,
	call func(...discordgo.RequestOption) error) error {
	bo := newBackoff(a.cfg.RetryMin, a.cfg.RetryMax)
	perTry := a.cfg.SendTimeout
	if urgent {
		bo = newBackoff(min(a.cfg.RetryMin, a.cfg.CrisisRetryMax), a.cfg.CrisisRetryMax)
		perTry = a.cfg.CrisisTimeout
	}
	for attempt := 1; ; attempt++ {
		tctx, cancel := context.WithTimeout(ctx, perTry)
		err := call(restOptions(tctx)...)
		cancel()
		if err == nil {
			if attempt > 1 {
				a.log.LogAttrs(ctx, slog.LevelInfo, "discord reply delivered after retries", slog.String("op", op),
					slog.Bool("urgent", urgent), slog.Int("attempts", attempt))
			}
			return nil
		}
		if ctx.Err() != nil {
			return describe(op, ctx.Err())
		}
		f := classify(err)
		if !f.retry {
			a.metrics.failed.Add(1)
			return describe(op, err)
		}
		wait := bo.next()
		if f.status == http.StatusTooManyRequests {
			wait = f.retryAfter
			if urgent {
				// A crisis reply does not sit out a long rate limit:
				// Discord's buckets are per route, and the next try
				// may well pass.
				wait = min(wait, a.cfg.CrisisRetryMax)
			}
		}
		if !urgent && !deadline.IsZero() && a.now().Add(wait).After(deadline) {
			a.metrics.expired.Add(1)
			return &APIError{Op: op, Status: f.status, Kind: "gave up: the reply is too old to be useful", err: err}
		}
		a.metrics.retries.Add(1)
		a.log.LogAttrs(ctx, slog.LevelDebug, "discord send retried", slog.String("op", op), slog.Bool("urgent", urgent),
			slog.Int("attempt", attempt), slog.Int("status", f.status), slog.Duration("wait", wait))
		if !sleep(ctx, wait) {
			return describe(op, ctx.Err())
		}
	}
}
