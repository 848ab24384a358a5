package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// fakeTelegram is the least of the Bot API that a whole run needs: getMe,
// one private message in getUpdates, and sendMessage. Other methods answer
// ok. It lives on 127.0.0.1.
type fakeTelegram struct {
	srv     *httptest.Server
	mu      sync.Mutex
	sent    []string
	gave    bool
	pending []any // updates pushed by the test, for the next getUpdates
	nextID  int
}

// push queues a private message from a new chat.
func (f *fakeTelegram) push(chat int, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.pending = append(f.pending, map[string]any{"update_id": 100 + f.nextID, "message": map[string]any{"message_id": f.nextID,
		"date": 1764000000, "chat": map[string]any{"id": chat, "type": "private"},
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "B"}, "text": text}})
}

func newFakeTelegram(t *testing.T, token string) *fakeTelegram {
	f := &fakeTelegram{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, ok := strings.CutPrefix(r.URL.Path, "/bot"+token+"/")
		if !ok {
			http.Error(w, `{"ok":false,"error_code":404,"description":"Not Found"}`, http.StatusNotFound)
			return
		}
		_ = r.ParseMultipartForm(1 << 20)
		var result any = true
		switch method {
		case "getMe":
			result = map[string]any{"id": 1, "is_bot": true, "first_name": "peermatch", "username": "peermatch_test_bot"}
		case "getUpdates":
			f.mu.Lock()
			first := !f.gave
			f.gave = true
			pending := f.pending
			f.pending = nil
			f.mu.Unlock()
			if first {
				// The first poll always gives chat 42's /start, before
				// anything the test pushed in the meantime (a slow start
				// must not swallow it: tests count the answers).
				pending = append([]any{map[string]any{"update_id": 1, "message": map[string]any{"message_id": 1, "date": 1764000000,
					"chat": map[string]any{"id": 42, "type": "private"}, "from": map[string]any{"id": 42, "is_bot": false, "first_name": "A"},
					"text": "/start"}}}, pending...)
			}
			if len(pending) > 0 {
				result = pending
			} else {
				select { // a long poll with nothing new
				case <-r.Context().Done():
				case <-time.After(50 * time.Millisecond):
				}
				result = []any{}
			}
		case "sendMessage":
			f.mu.Lock()
			f.sent = append(f.sent, r.FormValue("text"))
			f.mu.Unlock()
			result = map[string]any{"message_id": 100, "date": 1764000000, "chat": map[string]any{"id": 42, "type": "private"}, "text": r.FormValue("text")}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTelegram) replies() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent...)
}

// syncWriter serializes writes from the adapters' goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// fakeDiscord is the least of Discord a whole run needs: /gateway/bot, the
// gateway (HELLO, IDENTIFY, READY, heartbeats, one DM MESSAGE_CREATE),
// command registration and channel messages. It lives on 127.0.0.1.
type fakeDiscord struct {
	srv   *httptest.Server
	mu    sync.Mutex
	posts []string
	puts  int
	down  bool // every call fails with 503
	fatal int  // the gateway closes with this code after IDENTIFY
	tries int  // GET /gateway/bot calls
}

func (f *fakeDiscord) set(down bool, fatal int) {
	f.mu.Lock()
	f.down, f.fatal = down, fatal
	f.mu.Unlock()
}

func (f *fakeDiscord) state() (down bool, fatal, tries int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.down, f.fatal, f.tries
}

func newFakeDiscord(t *testing.T, token string) *fakeDiscord {
	f := &fakeDiscord{}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("/api/v9/", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		if r.URL.Path == "/api/v9/gateway/bot" {
			f.tries++
		}
		down := f.down
		f.mu.Unlock()
		if down {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if r.Header.Get("Authorization") != "Bot "+token {
			w.WriteHeader(http.StatusUnauthorized)
			reply(w, map[string]any{"message": "401: Unauthorized", "code": 0})
			return
		}
		path := strings.TrimPrefix(r.URL.Path, "/api/v9")
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		switch {
		case path == "/gateway/bot":
			reply(w, map[string]any{"url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws", "shards": 1,
				"session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 1000, "max_concurrency": 1}})
		case strings.HasSuffix(path, "/commands") && r.Method == http.MethodPut:
			f.mu.Lock()
			f.puts++
			f.mu.Unlock()
			reply(w, []any{})
		case strings.HasPrefix(path, "/channels/") && strings.HasSuffix(path, "/messages"):
			content, _ := body["content"].(string)
			f.mu.Lock()
			f.posts = append(f.posts, content)
			f.mu.Unlock()
			reply(w, map[string]any{"id": "500", "channel_id": "dm7", "content": content})
		case strings.HasPrefix(path, "/channels/"):
			reply(w, map[string]any{"id": "dm7", "type": 1})
		default:
			w.WriteHeader(http.StatusNotFound)
			reply(w, map[string]any{"message": "404: Not Found", "code": 0})
		}
	})
	gateway := func(w http.ResponseWriter, r *http.Request) {
		if down, _, _ := f.state(); down {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		var mu sync.Mutex
		send := func(v any) error { mu.Lock(); defer mu.Unlock(); return conn.WriteJSON(v) }
		if send(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 45000}}) != nil {
			return
		}
		var identify map[string]any
		if conn.ReadJSON(&identify) != nil {
			return
		}
		if _, code, _ := f.state(); code != 0 {
			_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(code, "fatal"))
			time.Sleep(50 * time.Millisecond)
			return
		}
		_ = send(map[string]any{"op": 0, "s": 1, "t": "READY", "d": map[string]any{"v": 9, "session_id": "s1",
			"user":        map[string]any{"id": "1200", "username": "peermatch", "bot": true},
			"application": map[string]any{"id": "1100", "flags": 0}, "guilds": []any{}}})
		_ = send(map[string]any{"op": 0, "s": 2, "t": "MESSAGE_CREATE", "d": map[string]any{"id": "600", "channel_id": "dm7",
			"type": 0, "author": map[string]any{"id": "7", "username": "someone"}, "content": "hi",
			"timestamp": "2026-11-26T20:00:00Z"}})
		for {
			var m struct {
				Op int `json:"op"`
			}
			if conn.ReadJSON(&m) != nil {
				return
			}
			if m.Op == 1 {
				_ = send(map[string]any{"op": 11})
			}
		}
	}
	mux.HandleFunc("/ws", gateway)
	mux.HandleFunc("/ws/", gateway) // discordgo adds a slash before its query
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() { f.srv.CloseClientConnections(); f.srv.Close() })
	return f
}

func (f *fakeDiscord) replies() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.posts...)
}

// TestServeTelegramAndDiscordAtOnce: one process with both tokens answers
// on both platforms and shuts down cleanly when cancelled, leaving no
// goroutine behind.
func TestServeTelegramAndDiscordAtOnce(t *testing.T) {
	before := goroutines()
	const tgToken, dcToken = "123456:TG-token-canary", "MTk4NjIy.DC-token-canary.Zx9Qw"
	tg, dc := newFakeTelegram(t, tgToken), newFakeDiscord(t, dcToken)
	cancel, done, logs := serveBoth(t, tg, dc, tgToken, dcToken)
	waitUntil(t, "an answer on each platform", logs, func() bool { return len(tg.replies()) > 0 && len(dc.replies()) > 0 })
	for _, r := range []string{tg.replies()[0], dc.replies()[0]} {
		if !strings.Contains(strings.ToLower(r), "bot") {
			t.Errorf("first reply should be the hello: %q", r)
		}
	}
	start := time.Now()
	cancel()
	err := <-done
	done <- err
	if err != nil {
		t.Errorf("serve after cancel: %v", err)
	}
	t.Logf("both front ends stopped %v after cancel", time.Since(start).Round(time.Millisecond))
	noLeaks(t, before)
	noTokens(t, logs)
}
