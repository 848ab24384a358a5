package discord

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// DefaultAPI is Discord's REST API base, the version discordgo v0.29.0 speaks.
const DefaultAPI = "https://discord.com/api/v9"

// apiBase parses Config.API. "https://host" and "https://host/api" both mean
// "https://host/api/v9", since that is where Discord-compatible servers
// serve the version discordgo speaks.
func apiBase(s string) (*url.URL, error) {
	if s == "" {
		s = DefaultAPI
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("discord: API base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("discord: API base URL %q: want http(s)://host[/path]", s)
	}
	p := strings.TrimRight(u.Path, "/")
	switch {
	case p == "":
		p = "/api/v9"
	case strings.HasSuffix(p, "/api"):
		p += "/v9"
	}
	u.Path, u.RawPath, u.RawQuery, u.Fragment = p, "", "", ""
	return u, nil
}

// errOutsideAPI is returned for a request discordgo would send anywhere but
// the configured API (its endpoints are fixed at package load): the adapter
// never talks to another host, and tests never reach the internet.
var errOutsideAPI = errors.New("discord: request outside the configured API base refused")

// rewrite sends discordgo's requests, all built on discordgo.EndpointAPI,
// to the configured base instead. It also turns GET /gateway into
// GET /gateway/bot: that answer is authenticated, so a bad token fails
// before any websocket is opened, and it is the documented source of the
// gateway URL for bots.
type rewrite struct {
	base *url.URL
	next http.RoundTripper
}

func (t *rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	prefix := strings.TrimSuffix(discordgo.EndpointAPI, "/")
	full := r.URL.Scheme + "://" + r.URL.Host + r.URL.Path
	if !strings.HasPrefix(full, prefix+"/") {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, errOutsideAPI
	}
	rest := strings.TrimPrefix(full, prefix)
	if rest == "/gateway" {
		rest = "/gateway/bot"
	}
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host = t.base.Scheme, t.base.Host
	r2.URL.Path, r2.URL.RawPath = t.base.Path+rest, ""
	r2.Host = t.base.Host
	return t.next.RoundTrip(r2)
}

// httpClient wraps the configured client (or a default with a timeout) in
// the rewriting transport, without changing the caller's client.
func httpClient(base *url.URL, c *http.Client) *http.Client {
	out := &http.Client{Timeout: 20 * time.Second}
	var next http.RoundTripper
	if c != nil {
		next = c.Transport
		out.Jar, out.CheckRedirect = c.Jar, c.CheckRedirect
		if c.Timeout > 0 {
			out.Timeout = c.Timeout
		}
	}
	if next == nil {
		next = http.DefaultTransport
	}
	out.Transport = &rewrite{base: base, next: next}
	return out
}

// tracker remembers the gateway's raw TCP connection, so that an Open stuck
// waiting for a HELLO or READY that never comes can be broken (discordgo
// reads them without a deadline and holds its session lock meanwhile).
type tracker struct {
	mu    sync.Mutex
	conn  net.Conn
	count int // connections made
}

// dials returns how many gateway connections have been made.
func (t *tracker) dials() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.count
}

func (t *tracker) dialer() *websocket.Dialer {
	nd := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: 10 * time.Second,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := nd.DialContext(ctx, network, addr)
			if err == nil {
				t.mu.Lock()
				t.conn = c
				t.count++
				t.mu.Unlock()
			}
			return c, err
		},
	}
}

// breakConn closes the last gateway connection, if any.
func (t *tracker) breakConn() {
	t.mu.Lock()
	c := t.conn
	t.mu.Unlock()
	if c != nil {
		c.Close()
	}
}
