package telegram

import (
	"encoding/json"
	"strings"
	"testing"
)

// lastTo returns the newest send to chat, failing if there is none.
func lastTo(t *testing.T, f *fakeTG, chat int64) sent {
	t.Helper()
	ss := f.sentTo(chat)
	if len(ss) == 0 {
		t.Fatalf("nothing sent to %d", chat)
	}
	return ss[len(ss)-1]
}

// step sends one update and waits until it was handled and answered.
func step(t *testing.T, f *fakeTG, a *Adapter, id int) {
	t.Helper()
	waitIdle(t, f, a, id)
}

// pick returns the callback data of the first button whose data starts
// with prefix.
func pick(t *testing.T, s sent, prefix string) string {
	t.Helper()
	for d := range buttons(t, s.Markup) {
		if strings.HasPrefix(d, prefix) {
			return d
		}
	}
	t.Fatalf("no button %q* under %q (markup %s)", prefix, s.Text, s.Markup)
	return ""
}

func TestIntakeByTaps(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	a := newTestAdapter(t, f, log, nil)
	runAdapter(t, a, newEngine(t, a, log))
	u := privateChat(4201)

	step(t, f, a, f.text(u, "/start"))
	hello := lastTo(t, f, u.user)
	step(t, f, a, f.tap(u, pick(t, hello, "consent:yes")))
	topic := lastTo(t, f, u.user)
	if !strings.Contains(topic.Text, "What brings you here") {
		t.Fatalf("after consent: %q", topic.Text)
	}
	step(t, f, a, f.tap(u, pick(t, topic, "topic:grief")))
	format := lastTo(t, f, u.user)
	step(t, f, a, f.tap(u, pick(t, format, "fmt:online")))
	res := lastTo(t, f, u.user)
	if !strings.Contains(res.Text, "groups that may fit") {
		t.Fatalf("results: %q", res.Text)
	}
	if _, ok := buttons(t, res.Markup)["more"]; !ok {
		t.Fatalf("results without a 'more' button: %s", res.Markup)
	}
	for _, s := range f.sentTo(u.user) {
		if s.Parse != "" {
			t.Errorf("parse_mode %q sent; text must be plain", s.Parse)
		}
		for d := range buttons(t, s.Markup) {
			if len(d) > maxCallbackData {
				t.Errorf("callback_data %q is %d bytes", d, len(d))
			}
		}
	}
	if got := f.callCount("answerCallbackQuery"); got < 3 {
		// Acks are fire-and-forget; by now all three taps' acks ran.
		t.Errorf("answerCallbackQuery calls = %d, want 3", got)
	}
	f.mu.Lock()
	en, es := f.commands[""], f.commands["es"]
	f.mu.Unlock()
	var cmds []struct{ Command, Description string }
	if err := json.Unmarshal([]byte(en), &cmds); err != nil || len(cmds) < 5 {
		t.Fatalf("setMyCommands (en) = %q (%v)", en, err)
	}
	if !strings.Contains(es, "crisis") || !strings.Contains(es, "Borrar") {
		t.Fatalf("setMyCommands (es) = %q", es)
	}
}
