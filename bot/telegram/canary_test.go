package telegram

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCanary runs conversations through the real core over the fake Bot
// API, with faults on the way, logging at debug level, and then looks for
// the token, any message text, names and raw user ids in the log and in
// the state file.
func TestCanary(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, logs := newLogger()
	dir := t.TempDir()
	f.hangPolls = 1
	a := newTestAdapter(t, f, log, func(c *Config) {
		c.StateDir, c.PollTimeout, c.RequestTimeout = dir, time.Second, 500*time.Millisecond
	})
	stop := runAdapter(t, a, newEngine(t, a, log))
	const canary = "Zqxcanary"
	u := chatSpec{id: 918273645, typ: "private", user: 918273645, lang: "en"}
	g := chatSpec{id: -1009182736, typ: "supergroup", user: 918273646, lang: "es"}
	f.fail("sendMessage", fault{status: 500})
	f.fail("sendMessage", fault{status: 429, retryAfter: 1})
	msgs := []struct {
		c    chatSpec
		text string
	}{
		{u, "hello " + canary},
		{u, "my wife died in March " + canary + " and I can't sleep"},
		{u, "online " + canary},
		{u, "I want to kill myself " + canary},
		{u, "/times " + canary},
		{g, "@peermatch_test_bot help me with my drinking " + canary},
		{g, "quiero morir " + canary},
		{u, "/forget"},
	}
	var last int
	for _, m := range msgs {
		last = f.text(m.c, m.text)
		waitIdle(t, f, a, last)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if len(out) < 200 {
		t.Fatalf("suspiciously little logged:\n%s", out)
	}
	assertNoSecrets(t, out)
	for _, bad := range []string{canary, "Canaryfirst", "canary_username", strconv.FormatInt(u.user, 10), strconv.FormatInt(g.user, 10)} {
		if strings.Contains(out, bad) {
			t.Errorf("%q appears in the logs", bad)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), canary) || strings.Contains(string(raw), testToken) {
		t.Errorf("the state file holds message text or the token")
	}
	// The run really went through the fault paths it claims to cover.
	if !strings.Contains(out, "getUpdates failed") || f.callCount("sendMessage") < len(msgs)+2 {
		t.Errorf("fault paths not exercised (sendMessage calls %d)", f.callCount("sendMessage"))
	}
}
