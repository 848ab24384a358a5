package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeTelegram is the least of the Bot API that a whole run needs: getMe,
// one private message in getUpdates, and sendMessage. Other methods answer
// ok. It lives on 127.0.0.1.
type fakeTelegram struct {
	srv  *httptest.Server
	mu   sync.Mutex
	sent []string
	gave bool
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
			f.mu.Unlock()
			if first {
				result = []any{map[string]any{"update_id": 1, "message": map[string]any{"message_id": 1, "date": 1764000000,
					"chat": map[string]any{"id": 42, "type": "private"}, "from": map[string]any{"id": 42, "is_bot": false, "first_name": "A"},
					"text": "/start"}}}
			} else {
				select { // a long poll with nothing new
				case <-r.Context().Done():
				case <-time.After(300 * time.Millisecond):
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

// TestServeTelegram runs the whole binary with a Telegram token against the
// fake Bot API: the hello reaches the person, the token never reaches the
// logs, and cancelling (as SIGTERM does) stops it cleanly.
func TestServeTelegram(t *testing.T) {
	const token = "123456:SECRET-token-canary"
	tg := newFakeTelegram(t, token)
	state := t.TempDir()
	getenv := func(k string) string {
		return map[string]string{"PEERMATCH_STATE": state, "PEERMATCH_TELEGRAM_TOKEN": token,
			"PEERMATCH_TELEGRAM_API": tg.srv.URL, "PEERMATCH_LOG_LEVEL": "debug"}[k]
	}
	ctx, cancel := context.WithCancel(context.Background())
	var logs bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, getenv, strings.NewReader(""), &bytes.Buffer{}, &syncWriter{w: &logs}) }()
	deadline := time.Now().Add(20 * time.Second)
	for len(tg.replies()) == 0 {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no reply on Telegram; logs:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(strings.ToLower(tg.replies()[0]), "bot") {
		t.Errorf("first reply should be the hello: %q", tg.replies()[0])
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop within 15 s of cancel")
	}
	if strings.Contains(logs.String(), "SECRET-token-canary") {
		t.Error("the token reached the logs")
	}
}

// syncWriter serializes writes from the adapters' goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.w.Write(p) }
