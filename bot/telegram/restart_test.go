package telegram

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCrashChild is not a test on its own: TestCrashRestart runs the test
// binary again with this test selected, and the adapter in that process
// dies (os.Exit, no cleanup, like kill -9) at the chosen point.
func TestCrashChild(t *testing.T) {
	api := os.Getenv("TG_CHILD_API")
	if api == "" {
		t.Skip("only run by TestCrashRestart")
	}
	after, _ := strconv.Atoi(os.Getenv("TG_CHILD_AFTER"))
	log, _ := newLogger()
	a, err := New(Config{Token: testToken, API: api, StateDir: os.Getenv("TG_CHILD_STATE"), Logger: log,
		PerChatInterval: time.Millisecond, PerChatBurst: 1000, GlobalRate: 1e6, PollTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	switch os.Getenv("TG_CHILD_POINT") {
	case "commit":
		// Handled and committed, nothing sent, offset not persisted.
		a.hooks.afterCommitFn = func(int) {
			if n++; n == after {
				os.Exit(3)
			}
		}
	case "send":
		// The reply accepted by Telegram, the outbox not yet told.
		a.hooks.afterSendFn = func(*outItem) {
			if n++; n == after {
				os.Exit(3)
			}
		}
	}
	_ = a.Run(context.Background(), &echo{})
	t.Fatal("Run returned; the child should have died")
}

func TestCrashRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	for _, tc := range []struct {
		point string
		after int
		dups  int // replies Telegram may get twice (no idempotency key)
	}{
		{"commit", 2, 0}, // the case: handled, not confirmed
		{"send", 1, 1},   // sent, not yet forgotten by the outbox
	} {
		t.Run(tc.point, func(t *testing.T) {
			f := newFakeTG(t, testToken)
			dir := t.TempDir()
			// One chat, so that its updates are handled and its replies
			// sent one after another, as Telegram's order requires.
			u := privateChat(5101)
			var ids []int
			for i := range 3 {
				ids = append(ids, f.text(u, "msg"+strconv.Itoa(i)))
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "TG_CHILD_API="+f.srv.URL, "TG_CHILD_STATE="+dir,
				"TG_CHILD_POINT="+tc.point, "TG_CHILD_AFTER="+strconv.Itoa(tc.after))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 3 {
				t.Fatalf("child: %v\n%s", err, out.String())
			}
			before := len(f.sentTo(u.user))

			// A new adapter on the same state directory.
			log, _ := newLogger()
			h := &echo{}
			a := newTestAdapter(t, f, log, func(c *Config) { c.StateDir = dir })
			runAdapter(t, a, h)
			waitIdle(t, f, a, ids[len(ids)-1])
			if n := len(f.sentTo(u.user)); n < len(ids) || n > len(ids)+tc.dups {
				t.Errorf("%d answers to %d updates (%d sent before the crash), want %d..%d", n, len(ids), before, len(ids), len(ids)+tc.dups)
			}
			// Updates the child committed were not handled again.
			h.mu.Lock()
			again := 0
			for _, c := range h.calls {
				again += c
			}
			h.mu.Unlock()
			if tc.point == "commit" && again != len(ids)-tc.after {
				t.Errorf("restart handled %d updates, want %d (the rest were committed before the crash)", again, len(ids)-tc.after)
			}
		})
	}
}

func TestWebhook(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	a := newTestAdapter(t, f, log, func(c *Config) {
		c.WebhookURL, c.WebhookListen, c.WebhookSecret = "https://bot.example.org/tg", "127.0.0.1:0", "s3cr3t_Token-1"
	})
	runAdapter(t, a, &echo{})
	var addr string
	select {
	case addr = <-a.listenOn:
	case <-time.After(10 * time.Second):
		t.Fatal("webhook never listened")
	}
	eventually(t, "setWebhook", func() bool { return f.callCount("setWebhook") == 1 })
	f.mu.Lock()
	wh := f.webhook
	f.mu.Unlock()
	if wh.Get("url") != "https://bot.example.org/tg" || wh.Get("secret_token") != "s3cr3t_Token-1" {
		t.Fatalf("setWebhook params: %v", wh)
	}
	body := `{"update_id":77,"message":{"message_id":1,"date":1,"chat":{"id":6001,"type":"private"},"from":{"id":6001,"first_name":"x"},"text":"hello"}}`
	post := func(secret string) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, bad := range []string{"", "wrong", "s3cr3t_Token-", "S3CR3T_TOKEN-1"} {
		if code := post(bad); code != http.StatusUnauthorized {
			t.Fatalf("secret %q: HTTP %d, want 401", bad, code)
		}
	}
	if code := post("s3cr3t_Token-1"); code != http.StatusOK {
		t.Fatalf("right secret: HTTP %d", code)
	}
	// Telegram redelivers (e.g. our 200 was lost): answered once only.
	if code := post("s3cr3t_Token-1"); code != http.StatusOK {
		t.Fatalf("redelivery: HTTP %d", code)
	}
	<-a.send.drained()
	if n := len(f.sentTo(6001)); n != 1 {
		t.Fatalf("%d answers to one update delivered twice", n)
	}
	// An update that cannot be decoded is acknowledged (or Telegram would
	// send it again and again, holding back the rest), logged and counted.
	body = `{"update_id":78,"message":{"message_id":"one","date":1,"chat":{"id":6002,"type":"private"},"text":"x"}}`
	if code := post("s3cr3t_Token-1"); code != http.StatusOK {
		t.Fatalf("undecodable update: HTTP %d, want 200", code)
	}
	if st := a.Stats(); st.UpdatesSkipped != 1 {
		t.Errorf("skipped %d, want 1", st.UpdatesSkipped)
	}
}

// TestTokenNeverLogged forces transport errors whose *url.Error quotes the
// request URL, and so the token, on the paths that log errors.
func TestTokenNeverLogged(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, logs := newLogger()
	// Nothing listens there: every call fails with "dial tcp ...".
	dead := "http://127.0.0.1:1"
	a := newTestAdapter(t, f, log, func(c *Config) { c.API = dead; c.RequestTimeout = 200 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := a.Run(ctx, &echo{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "cannot reach the Bot API") {
		t.Fatalf("no connection error logged:\n%s", logs.String())
	}
	// The redactor on a raw library error.
	c := &call{ctx: context.Background(), hc: http.DefaultClient, red: newRedactor(testToken)}
	_, err := c.Do(&http.Request{Method: "POST", URL: mustURL(t, dead+"/bot"+testToken+"/getMe"), Header: http.Header{}})
	if err == nil {
		t.Fatal("expected a dial error")
	}
	logs.Write([]byte(err.Error()))
	a2 := newTestAdapter(t, f, log, func(c *Config) { c.Token = "wrong:token-value-123456" })
	if err := a2.Run(context.Background(), &echo{}); !errors.Is(err, ErrTokenRefused) || strings.Contains(err.Error(), "token-value") {
		t.Fatalf("refused token: %v", err)
	}
	assertNoSecrets(t, logs.String())
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func assertNoSecrets(t *testing.T, logs string) {
	t.Helper()
	_, secret, _ := strings.Cut(testToken, ":")
	for _, bad := range []string{testToken, secret, url.PathEscape(testToken)} {
		if strings.Contains(logs, bad) {
			t.Fatalf("the token appears in the logs")
		}
	}
}
