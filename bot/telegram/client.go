package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// redactor removes the bot token from strings. The library builds every
// request URL as .../bot<token>/<method>, and net/http's *url.Error quotes
// that URL, so any transport error would otherwise carry the token.
type redactor struct{ secrets []string }

func newRedactor(token string) *redactor {
	r := &redactor{}
	add := func(s string) {
		if s == "" {
			return
		}
		for _, have := range r.secrets {
			if have == s {
				return
			}
		}
		r.secrets = append(r.secrets, s)
	}
	add(token)
	add(url.PathEscape(token))
	add(url.QueryEscape(token))
	// The part after the colon is the secret; the bot id before it is
	// public. Redact the secret alone too, in case a URL was split.
	if _, secret, ok := strings.Cut(token, ":"); ok && len(secret) >= 8 {
		add(secret)
		add(url.PathEscape(secret))
	}
	return r
}

func (r *redactor) string(s string) string {
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "<token>")
	}
	return s
}

// redactedError is an error whose text had the token removed. It keeps
// only the sentinels callers test for (context ends, timeouts), not the
// original error, whose text (and whose *url.Error URL) holds the token.
type redactedError struct {
	msg  string
	kind error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.kind }

// errTimeout marks a request that ran out of time.
var errTimeout = errors.New("telegram: request timed out")

func (r *redactor) err(err error) error {
	if err == nil {
		return nil
	}
	var kind error
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		kind = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		kind = errTimeout
	case errors.As(err, &ne) && ne.Timeout():
		kind = errTimeout
	}
	return &redactedError{msg: r.string(err.Error()), kind: kind}
}

// call is the HTTPClient handed to the library for exactly one request: it
// binds the request to a context (the library builds requests without
// one), redacts transport errors and records the HTTP status so that a
// 5xx or 429 can be told apart from a 400.
type call struct {
	ctx    context.Context
	hc     *http.Client
	red    *redactor
	status int
}

var _ tgbotapi.HTTPClient = (*call)(nil)

func (c *call) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.hc.Do(req.WithContext(c.ctx))
	if err != nil {
		return nil, c.red.err(err)
	}
	c.status = resp.StatusCode
	if resp.StatusCode >= 500 {
		// A proxy's 502 page is not JSON; answer with our own error
		// instead of letting the library fail to decode it.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		return nil, &redactedError{msg: fmt.Sprintf("HTTP %d", resp.StatusCode)}
	}
	return resp, nil
}

// apiError is what every Bot API call returns on failure: the method, the
// HTTP status or Telegram error code, Telegram's hints, and a message with
// the token removed.
type apiError struct {
	Method     string
	Code       int           // HTTP status or Telegram error_code; 0 for transport errors
	RetryAfter time.Duration // from a 429's parameters.retry_after
	MigrateTo  int64         // a group that became a supergroup
	msg        string
	kind       error
}

func (e *apiError) Error() string {
	s := "telegram: " + e.Method
	if e.Code != 0 {
		s += fmt.Sprintf(": %d", e.Code)
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	if e.msg != "" {
		s += ": " + e.msg
	}
	return s
}

func (e *apiError) Unwrap() error { return e.kind }

// temporary reports whether trying again later may succeed: rate limits,
// server errors and transport failures, but not a bad request or a chat
// that blocked the bot.
func (e *apiError) temporary() bool {
	return e.Code == 0 || e.Code == http.StatusTooManyRequests || e.Code >= 500 || e.RetryAfter > 0
}

// fatal reports an error that no retry will fix: the token was rejected.
func (e *apiError) fatal() bool {
	return e.Code == http.StatusUnauthorized || e.Code == http.StatusNotFound
}

// wrap turns whatever the library returned into an *apiError.
func (r *redactor) wrap(method string, c *call, err error) *apiError {
	if err == nil {
		return nil
	}
	ae := &apiError{Method: method}
	var te *tgbotapi.Error
	switch {
	case errors.As(err, &te):
		ae.Code = te.Code
		if ae.Code == 0 {
			// UploadFiles drops error_code; the status says it.
			ae.Code = c.status
		}
		ae.RetryAfter = time.Duration(te.RetryAfter) * time.Second
		if te.RetryAfter > 0 {
			ae.Code = http.StatusTooManyRequests
		}
		ae.MigrateTo = te.MigrateToChatID
		ae.msg = r.string(te.Message)
	default:
		if c != nil && c.status >= 500 {
			ae.Code = c.status
		}
		ae.msg = r.string(err.Error())
		var re *redactedError
		if errors.As(err, &re) {
			ae.kind = re.kind
		}
		if c != nil && c.ctx.Err() != nil && ae.kind == nil {
			ae.kind = errTimeout
			if errors.Is(c.ctx.Err(), context.Canceled) {
				ae.kind = context.Canceled
			}
		}
	}
	return ae
}

// defaultHTTPClient bounds every phase of a connection; the whole request
// is bounded per call by a context deadline (long polls need longer than
// ordinary calls, so one client-wide Timeout cannot fit both).
func defaultHTTPClient(outer time.Duration) *http.Client {
	return &http.Client{
		Timeout: outer,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
			MaxIdleConns:          64,
			MaxIdleConnsPerHost:   32,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		},
	}
}
