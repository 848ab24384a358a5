package discord

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

var (
	// ErrClosed is returned by Run after Close.
	ErrClosed = errors.New("discord: adapter closed")
	// ErrNoAlertChannel is returned by Alert when no alert channel is set,
	// so the core does not tell the person a human was notified.
	ErrNoAlertChannel = errors.New("discord: no moderator alert channel configured")
	// ErrNotDM is returned by Send for a channel that is not a direct
	// message: reminders and replies never go to a server channel.
	ErrNotDM = errors.New("discord: refusing to send to a channel that is not a direct message")
	// ErrBadToken means Discord rejected the bot token (HTTP 401 or gateway
	// close code 4004).
	ErrBadToken = errors.New("discord: the bot token was rejected")
)

// APIError is a failed REST call, described without its URL, headers or
// body: discordgo's own errors quote the URL (interaction tokens are in
// it) and the response body (which may echo what was sent).
type APIError struct {
	Op     string // what the adapter was doing, e.g. "send message"
	Status int    // HTTP status; 0 when no response arrived
	Code   int    // Discord's JSON error code, when it gave one
	Kind   string // "rate limited", "timeout", "network", "canceled", ...
	err    error
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("discord: " + e.Op + ": ")
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d", e.Status)
		if e.Code != 0 {
			fmt.Fprintf(&b, " (Discord code %d)", e.Code)
		}
		if e.Kind != "" {
			b.WriteString(", " + e.Kind)
		}
	} else {
		b.WriteString(e.Kind)
	}
	return b.String()
}

// Unwrap gives errors.Is access to context errors and ErrBadToken; the
// wrapped discordgo error is kept out of reach because its text leaks.
func (e *APIError) Unwrap() error {
	switch {
	case errors.Is(e.err, context.Canceled):
		return context.Canceled
	case errors.Is(e.err, context.DeadlineExceeded):
		return context.DeadlineExceeded
	case e.Status == http.StatusUnauthorized:
		return ErrBadToken
	}
	return nil
}

// describe turns any error from a discordgo REST call into an APIError.
func describe(op string, err error) *APIError {
	e := &APIError{Op: op, err: err}
	var rest *discordgo.RESTError
	var rl *discordgo.RateLimitError
	var ne net.Error
	switch {
	case errors.As(err, &rl):
		e.Status, e.Kind = http.StatusTooManyRequests, "rate limited"
	case errors.As(err, &rest):
		if rest.Response != nil {
			e.Status = rest.Response.StatusCode
		}
		if rest.Message != nil {
			e.Code = rest.Message.Code
		}
		if e.Status == http.StatusUnauthorized {
			e.Kind = "bot token rejected"
		}
	case errors.Is(err, context.Canceled):
		e.Kind = "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		e.Kind = "timeout"
	case errors.Is(err, errOutsideAPI):
		e.Kind = "request outside the API base refused"
	case errors.As(err, &ne) && ne.Timeout():
		e.Kind = "timeout"
	case errors.As(err, &ne):
		e.Kind = "network error"
	case status502(err):
		e.Status = http.StatusBadGateway
	case errors.Is(err, discordgo.ErrJSONUnmarshal):
		e.Kind = "unreadable answer"
	default:
		e.Kind = "request failed"
	}
	return e
}

// fatalCodes are the gateway close codes Discord marks "do not reconnect".
var fatalCodes = map[int]string{
	4004: "authentication failed: the bot token was rejected",
	4010: "invalid shard",
	4011: "sharding required",
	4012: "invalid API version",
	4013: "invalid intents",
	4014: "disallowed intents: enable them for the application in the Discord developer portal, or request fewer",
}

// GatewayError is a gateway close code Discord marks "do not reconnect":
// Run stops and returns it instead of reconnecting forever.
type GatewayError struct {
	Code   int
	Reason string
}

func (e *GatewayError) Error() string {
	return fmt.Sprintf("discord: gateway closed the connection with code %d (%s); not reconnecting", e.Code, e.Reason)
}

// Unwrap lets errors.Is(err, ErrBadToken) match close code 4004.
func (e *GatewayError) Unwrap() error {
	if e.Code == 4004 {
		return ErrBadToken
	}
	return nil
}

// fatal reports whether err from Open carries a fatal close code.
func fatal(err error) (*GatewayError, bool) {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		if why, ok := fatalCodes[ce.Code]; ok {
			return &GatewayError{Code: ce.Code, Reason: why}, true
		}
	}
	return nil, false
}

// gatewayKind describes a non-fatal gateway error for logs, without the
// gateway URL discordgo puts in its messages.
func gatewayKind(err error) string {
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case errors.As(err, &ce):
		return fmt.Sprintf("closed with code %d", ce.Code)
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, &ne):
		return "network error"
	case errors.Is(err, websocket.ErrBadHandshake):
		return "bad websocket handshake"
	}
	var api *APIError
	if errors.As(err, &api) {
		return api.Error()
	}
	return "connection failed"
}
