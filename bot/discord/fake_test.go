package discord

// A fake Discord on 127.0.0.1: REST over httptest and the gateway over a
// gorilla websocket (HELLO, IDENTIFY/RESUME, READY, heartbeats, dispatch),
// speaking the wire formats discordgo v0.29.0 uses.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

const (
	fakeToken = "MTk4NjIy.canary-token.Zx9Qw" // must never show up in logs or errors
	fakeApp   = "1100"
	fakeBot   = "1200"
)

// call is one REST request the fake received.
type call struct {
	Method, Path string
	Query        string
	Body         map[string]any // JSON body, or payload_json of a multipart body
	Raw          []byte
	Files        map[string][]byte // file name -> bytes
	At           time.Time
	Fault        string // the fault injected instead of an answer, if any
	Dup          bool   // a repeated enforced nonce: Discord answers with the message already posted
}

func (c call) str(key string) string { s, _ := c.Body[key].(string); return s }
func (c call) num(key string) float64 {
	f, _ := c.Body[key].(float64)
	return f
}

type fake struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	calls    []call
	changed  chan struct{}
	commands []any // the last PUT of commands
	puts     int
	conns    int
	idents   []map[string]any // IDENTIFY / RESUME payloads ("op" added)
	fatal    int              // close code sent after IDENTIFY/RESUME; 0 = READY
	ws       *websocket.Conn
	wsMu     sync.Mutex
	seq      int
	n        int
	fail429  map[string]int // path prefix -> 429s still to return
	hits429  int
	dmFail   bool // messages to DM channels fail with 50007
	readyCh  chan struct{}
	chanType map[string]int
	faults   faults
	sends    int               // message sends seen, for the fault patterns
	nonces   map[string]string // enforced nonce -> message id
}

// faults are what the fake can do wrong. The patterns are deterministic:
// of every ten message sends (POST/PATCH to a channel's messages or a
// webhook), the first storm429 are rate limited, the next err5xx fail with
// a 5xx and the next hang get no answer until the client gives up.
type faults struct {
	storm429   int
	retryAfter float64 // seconds, in the 429 answers
	err5xx     int
	hang       int
	// down makes every REST call and gateway connection fail: with
	// downStatus 0 the connection is cut (a network error), else the
	// fake answers that status.
	down       bool
	downStatus int
}

func (f *fake) setFaults(fs faults) {
	f.mu.Lock()
	f.faults = fs
	f.mu.Unlock()
}

// isSend reports a request that posts or edits a message.
func isSend(method, path string) bool {
	if strings.HasPrefix(path, "/webhooks/") {
		return method == http.MethodPost || method == http.MethodPatch
	}
	return method == http.MethodPost && strings.HasPrefix(path, "/channels/") && strings.HasSuffix(path, "/messages")
}

// fail answers r with the fault due, if any, and reports whether it did.
func (f *fake) fail(w http.ResponseWriter, r *http.Request, c call) bool {
	f.mu.Lock()
	fs := f.faults
	kind := ""
	switch {
	case fs.down && fs.downStatus == 0:
		kind = "cut"
	case fs.down:
		kind = "down"
	case isSend(r.Method, c.Path):
		n := f.sends % 10
		f.sends++
		switch {
		case n < fs.storm429:
			kind = "429"
			f.hits429++
		case n < fs.storm429+fs.err5xx:
			kind = "5xx"
		case n < fs.storm429+fs.err5xx+fs.hang:
			kind = "hang"
		}
	}
	f.mu.Unlock()
	if kind == "" {
		return false
	}
	c.Fault = kind
	f.record(c)
	switch kind {
	case "cut":
		cut(w)
	case "down":
		writeJSON(w, fs.downStatus, map[string]any{"message": "upstream unavailable", "code": 0})
	case "429":
		w.Header().Set("Retry-After", fmt.Sprint(int(fs.retryAfter)))
		writeJSON(w, 429, map[string]any{"message": "You are being rate limited.", "retry_after": fs.retryAfter, "global": false})
	case "5xx":
		st := []int{500, 502, 503}[c.At.Nanosecond()%3]
		writeJSON(w, st, map[string]any{"message": "server error", "code": 0})
	case "hang":
		<-r.Context().Done()
	}
	return true
}

// cut closes the client's connection without an answer.
func cut(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func newFake(t *testing.T) *fake {
	f := &fake{t: t, changed: make(chan struct{}), fail429: map[string]int{}, readyCh: make(chan struct{}, 16),
		chanType: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v9/", f.rest)
	mux.HandleFunc("/ws", f.gateway)
	mux.HandleFunc("/ws/", f.gateway)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		f.wsMu.Lock()
		if f.ws != nil {
			f.ws.Close()
		}
		f.wsMu.Unlock()
		f.srv.CloseClientConnections()
		f.srv.Close()
	})
	return f
}

func (f *fake) wsURL() string { return "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws" }

func (f *fake) record(c call) {
	f.mu.Lock()
	f.calls = append(f.calls, c)
	close(f.changed)
	f.changed = make(chan struct{})
	f.mu.Unlock()
}

func (f *fake) snapshot() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// waitFor waits until pred holds for the calls so far.
func (f *fake) waitFor(what string, pred func([]call) bool) []call {
	f.t.Helper()
	// Generous: a failure, not a measurement; the machine may be loaded.
	deadline := time.After(30 * time.Second)
	for {
		f.mu.Lock()
		cs := append([]call(nil), f.calls...)
		ch := f.changed
		f.mu.Unlock()
		if pred(cs) {
			return cs
		}
		select {
		case <-ch:
		case <-deadline:
			f.t.Fatalf("timed out waiting for %s; calls:\n%s", what, dump(cs))
		}
	}
}

func dump(cs []call) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "  %s %s %s\n", c.Method, c.Path, c.Raw)
	}
	return b.String()
}

// delivered returns the messages posted to a channel that the fake
// accepted.
func delivered(cs []call, channel string) []call {
	var out []call
	for _, c := range filter(cs, "POST", "/channels/"+channel+"/messages") {
		if c.Fault == "" && !c.Dup {
			out = append(out, c)
		}
	}
	return out
}

// count returns how many calls match method and path prefix.
func count(cs []call, method, prefix string) int {
	n := 0
	for _, c := range cs {
		if c.Method == method && strings.HasPrefix(c.Path, prefix) {
			n++
		}
	}
	return n
}

func filter(cs []call, method, prefix string) []call {
	var out []call
	for _, c := range cs {
		if c.Method == method && strings.HasPrefix(c.Path, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (f *fake) rest(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/api/v9")
	raw, _ := io.ReadAll(r.Body)
	c := call{Method: r.Method, Path: path, Query: r.URL.RawQuery, Raw: raw, At: time.Now()}
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "multipart/form-data" {
		c.Files = map[string][]byte{}
		mr := multipart.NewReader(bytes.NewReader(raw), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			if p.FormName() == "payload_json" {
				json.Unmarshal(b, &c.Body)
				c.Raw = b
			} else {
				c.Files[p.FileName()] = b
			}
		}
	} else if len(raw) > 0 {
		json.Unmarshal(raw, &c.Body)
	}
	webhook := strings.HasPrefix(path, "/webhooks/") || strings.HasPrefix(path, "/interactions/")
	if !webhook && r.Header.Get("Authorization") != "Bot "+fakeToken {
		writeJSON(w, 401, map[string]any{"message": "401: Unauthorized", "code": 0})
		return
	}
	if f.fail(w, r, c) {
		return
	}
	f.mu.Lock()
	for prefix, n := range f.fail429 {
		if n > 0 && strings.HasPrefix(path, prefix) && r.Method == http.MethodPost {
			f.fail429[prefix] = n - 1
			f.hits429++
			f.mu.Unlock()
			c.Fault = "429"
			f.record(c)
			w.Header().Set("Retry-After", "0")
			writeJSON(w, 429, map[string]any{"message": "You are being rate limited.", "retry_after": 0.02, "global": false})
			return
		}
	}
	f.n++
	id := fmt.Sprintf("9%04d", f.n)
	dmFail := f.dmFail
	f.mu.Unlock()
	// Recorded once answered, so that state the answer changed is there
	// when a test sees the call.
	defer func() { f.record(c) }()
	seg := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case path == "/gateway/bot" && r.Method == http.MethodGet:
		writeJSON(w, 200, map[string]any{"url": f.wsURL(), "shards": 1,
			"session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 1000, "max_concurrency": 1}})
	case path == "/users/@me/channels" && r.Method == http.MethodPost:
		ch := "dm" + c.str("recipient_id")
		f.mu.Lock()
		f.chanType[ch] = 1
		f.mu.Unlock()
		writeJSON(w, 200, map[string]any{"id": ch, "type": 1})
	case len(seg) == 2 && seg[0] == "channels" && r.Method == http.MethodGet:
		f.mu.Lock()
		typ := f.chanType[seg[1]]
		f.mu.Unlock()
		writeJSON(w, 200, map[string]any{"id": seg[1], "type": typ})
	case len(seg) == 3 && seg[0] == "channels" && seg[2] == "messages" && r.Method == http.MethodPost:
		if dmFail && strings.HasPrefix(seg[1], "dm") {
			writeJSON(w, 403, map[string]any{"message": "Cannot send messages to this user", "code": 50007})
			return
		}
		if n := c.str("nonce"); n != "" && c.Body["enforce_nonce"] == true {
			f.mu.Lock()
			if f.nonces == nil {
				f.nonces = map[string]string{}
			}
			if old, ok := f.nonces[n]; ok {
				id, c.Dup = old, true
			} else {
				f.nonces[n] = id
			}
			f.mu.Unlock()
		}
		writeJSON(w, 200, map[string]any{"id": id, "channel_id": seg[1], "content": c.str("content")})
	case len(seg) == 3 && seg[0] == "applications" && seg[2] == "commands" && r.Method == http.MethodPut:
		var cmds []any
		json.Unmarshal(raw, &cmds)
		f.mu.Lock()
		f.commands, f.puts = cmds, f.puts+1
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write(raw)
	case len(seg) == 4 && seg[0] == "interactions" && seg[3] == "callback":
		w.WriteHeader(204)
	case seg[0] == "webhooks" && r.Method == http.MethodDelete:
		w.WriteHeader(204)
	case seg[0] == "webhooks":
		writeJSON(w, 200, map[string]any{"id": id, "channel_id": "x", "content": c.str("content")})
	default:
		writeJSON(w, 404, map[string]any{"message": "404: Not Found", "code": 0})
	}
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (f *fake) gateway(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	fs := f.faults
	f.mu.Unlock()
	if fs.down {
		if fs.downStatus == 0 {
			cut(w)
		} else {
			w.WriteHeader(fs.downStatus)
		}
		return
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	f.mu.Lock()
	f.conns++
	f.mu.Unlock()
	if err := conn.WriteJSON(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}}); err != nil {
		return
	}
	var first struct {
		Op int            `json:"op"`
		D  map[string]any `json:"d"`
	}
	if err := conn.ReadJSON(&first); err != nil {
		return
	}
	if first.D == nil {
		first.D = map[string]any{}
	}
	first.D["op"] = float64(first.Op)
	f.mu.Lock()
	f.idents = append(f.idents, first.D)
	code := f.fatal
	f.mu.Unlock()
	if code != 0 {
		conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(code, "fatal"))
		time.Sleep(50 * time.Millisecond)
		return
	}
	f.wsMu.Lock()
	f.ws = conn
	f.seq++
	if first.Op == 6 {
		err = conn.WriteJSON(map[string]any{"op": 0, "s": f.seq, "t": "RESUMED", "d": map[string]any{}})
	} else {
		err = conn.WriteJSON(map[string]any{"op": 0, "s": f.seq, "t": "READY", "d": map[string]any{
			"v": 9, "session_id": "sess-1", "user": map[string]any{"id": fakeBot, "username": "peermatch", "bot": true},
			"application": map[string]any{"id": fakeApp, "flags": 0}, "guilds": []any{}}})
	}
	f.wsMu.Unlock()
	if err != nil {
		return
	}
	f.readyCh <- struct{}{}
	for {
		var m struct {
			Op int `json:"op"`
		}
		if err := conn.ReadJSON(&m); err != nil {
			f.wsMu.Lock()
			if f.ws == conn {
				f.ws = nil
			}
			f.wsMu.Unlock()
			return
		}
		if m.Op == 1 {
			f.wsMu.Lock()
			conn.WriteJSON(map[string]any{"op": 11})
			f.wsMu.Unlock()
		}
	}
}

// state returns the gateway and command counters under the lock.
func (f *fake) state() (conns int, idents []map[string]any, puts int, commands []any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns, append([]map[string]any(nil), f.idents...), f.puts, f.commands
}

// waitReady waits for the gateway to send READY (or RESUMED).
func (f *fake) waitReady() {
	f.t.Helper()
	select {
	case <-f.readyCh:
	case <-time.After(10 * time.Second):
		f.t.Fatal("gateway never got to READY")
	}
}

// dispatch sends one gateway event.
func (f *fake) dispatch(typ string, d any) {
	f.t.Helper()
	f.wsMu.Lock()
	defer f.wsMu.Unlock()
	if f.ws == nil {
		f.t.Fatal("dispatch: no gateway connection")
	}
	f.seq++
	if err := f.ws.WriteJSON(map[string]any{"op": 0, "s": f.seq, "t": typ, "d": d}); err != nil {
		f.t.Fatalf("dispatch %s: %v", typ, err)
	}
}

// closeGateway closes the live gateway connection with a close code.
func (f *fake) closeGateway(code int) {
	f.wsMu.Lock()
	defer f.wsMu.Unlock()
	if f.ws != nil {
		f.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(code, "bye"))
		f.ws.Close()
		f.ws = nil
	}
}

var msgSeq struct {
	sync.Mutex
	n int
}

func nextID(prefix string) string {
	msgSeq.Lock()
	defer msgSeq.Unlock()
	msgSeq.n++
	return fmt.Sprintf("%s%d", prefix, msgSeq.n)
}

// dm sends a direct message from user.
func (f *fake) dm(user, text string) {
	f.dispatch("MESSAGE_CREATE", map[string]any{"id": nextID("7"), "channel_id": "dm" + user, "type": 0,
		"author": map[string]any{"id": user, "username": "user" + user}, "content": text, "timestamp": "2026-11-26T20:00:00Z"})
}

// slash sends a slash command; guild "" means in the DM.
func (f *fake) slash(user, guild, name, locale string, opts map[string]string) string {
	id := nextID("5")
	var options []any
	for k, v := range opts {
		options = append(options, map[string]any{"name": k, "type": 3, "value": v})
	}
	ev := map[string]any{"id": id, "application_id": fakeApp, "type": 2, "token": "itok" + id, "locale": locale,
		"data": map[string]any{"id": "c-" + name, "name": name, "type": 1, "options": options}}
	f.who(ev, user, guild)
	f.dispatch("INTERACTION_CREATE", ev)
	return id
}

// click taps a button (or picks a select option) on a bot message.
func (f *fake) click(user, guild, customID string, values ...string) string {
	id := nextID("6")
	data := map[string]any{"custom_id": customID, "component_type": 2}
	if len(values) > 0 {
		data["component_type"], data["values"] = 3, values
	}
	ev := map[string]any{"id": id, "application_id": fakeApp, "type": 3, "token": "itok" + id, "locale": "en-US",
		"data": data, "message": map[string]any{"id": "1", "channel_id": "dm" + user}}
	f.who(ev, user, guild)
	f.dispatch("INTERACTION_CREATE", ev)
	return id
}

func (f *fake) who(ev map[string]any, user, guild string) {
	u := map[string]any{"id": user, "username": "user" + user}
	if guild == "" {
		ev["channel_id"], ev["user"], ev["context"] = "dm"+user, u, 1
	} else {
		ev["guild_id"], ev["channel_id"], ev["member"], ev["context"] = guild, "300", map[string]any{"user": u}, 0
	}
}
