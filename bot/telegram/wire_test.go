package telegram

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
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

// eventually polls cond (a state check, not a sleep for synchronization).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestIntakeByTypingWithSharedLocation(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	a := newTestAdapter(t, f, log, nil)
	runAdapter(t, a, newEngine(t, a, log))
	u := privateChat(4202)

	step(t, f, a, f.text(u, "hi"))
	step(t, f, a, f.text(u, "I need a group for people who drink too much"))
	step(t, f, a, f.text(u, "for me"))
	q := lastTo(t, f, u.user)
	if !strings.Contains(q.Text, "online") {
		t.Fatalf("expected the format question, got %q", q.Text)
	}
	step(t, f, a, f.text(u, "in person"))
	place := lastTo(t, f, u.user)
	var kb struct {
		Keyboard [][]struct {
			Text            string `json:"text"`
			RequestLocation bool   `json:"request_location"`
		} `json:"keyboard"`
		OneTime bool `json:"one_time_keyboard"`
	}
	if err := json.Unmarshal([]byte(place.Markup), &kb); err != nil || len(kb.Keyboard) == 0 || !kb.Keyboard[0][0].RequestLocation {
		t.Fatalf("the place question has no share-location button: %q markup %s", place.Text, place.Markup)
	}
	n := len(f.sentTo(u.user))
	step(t, f, a, f.location(u, 30.2672, -97.7431)) // Austin, TX
	after := f.sentTo(u.user)[n:]
	if len(after) == 0 || !strings.Contains(after[len(after)-1].Text, "groups that may fit") {
		t.Fatalf("after sharing a location: %+v", after)
	}
}

func TestCrisisMidIntakeJumpsTheQueue(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	// One send per hour per chat: everything after the first send waits,
	// except a crisis reply.
	a := newTestAdapter(t, f, log, func(c *Config) {
		c.PerChatInterval, c.PerChatBurst, c.DrainTimeout = time.Hour, 1, 200*time.Millisecond
	})
	stop := runAdapter(t, a, newEngine(t, a, log))
	u := privateChat(4203)

	step(t, f, a, f.text(u, "/start"))
	hello := lastTo(t, f, u.user)
	f.tap(u, pick(t, hello, "consent:yes"))
	eventually(t, "the topic question to be queued", func() bool { return a.send.pending() == 1 })
	id := f.text(u, "I want to kill myself")
	f.waitConfirmed(id)
	eventually(t, "the crisis reply", func() bool { return len(f.sentTo(u.user)) == 2 })
	got := f.sentTo(u.user)
	crisisReply := got[1]
	if strings.Contains(crisisReply.Text, "What brings you here") || crisisReply.Text == "" {
		t.Fatalf("second send should be the crisis reply, got %q", crisisReply.Text)
	}
	alerts := f.sentTo(-1001234)
	if len(alerts) != 1 || !strings.Contains(alerts[0].Text, "user id 4203") || strings.Contains(alerts[0].Text, "kill") {
		t.Fatalf("moderator alert: %+v", alerts)
	}
	if !strings.Contains(alerts[0].Ents, "tg://user?id=4203") {
		t.Fatalf("alert entities %s", alerts[0].Ents)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// The topic question is still owed; it stays in the outbox.
	if p, err := a.state.pending(); err != nil || len(p) != 1 || p[0].Urgent {
		t.Fatalf("outbox after stop: %v %v", p, err)
	}
}

func TestGroupChat(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	a := newTestAdapter(t, f, log, nil)
	runAdapter(t, a, newEngine(t, a, log))
	g := chatSpec{id: -1005550001, typ: "supergroup", user: 4204, lang: "en"}

	// Addressed to the bot, about health: only an invitation.
	step(t, f, a, f.text(g, "/find@peermatch_test_bot my husband died and I can't cope"))
	got := f.sentTo(g.id)
	if len(got) != 1 {
		t.Fatalf("group answer: %+v", got)
	}
	noHealthTalk(t, got[0])
	bs := buttons(t, got[0].Markup)
	if _, ok := bs["url:https://t.me/peermatch_test_bot?start=grp"]; !ok || len(bs) != 1 {
		t.Fatalf("invitation without (only) the deep link: %s", got[0].Markup)
	}
	// Chatter not addressed to the bot: silence.
	step(t, f, a, f.text(g, "see you all on Thursday"))
	// A command for another bot: silence.
	step(t, f, a, f.text(g, "/start@someother_bot"))
	if n := len(f.sentTo(g.id)); n != 1 {
		t.Fatalf("bot spoke in the group unasked: %d sends", n)
	}
	// A crisis message, even unaddressed, gets the crisis lines at once.
	step(t, f, a, f.text(g, "I want to end my life tonight"))
	got = f.sentTo(g.id)
	if len(got) != 2 || got[1].Text == got[0].Text || got[1].Text == "" {
		t.Fatalf("crisis in a group: %+v", got)
	}
	if got[1].Markup != "" {
		t.Errorf("crisis reply in a group carries buttons: %s", got[1].Markup)
	}
	// The deep link opens the private chat, where the hello comes.
	step(t, f, a, f.text(privateChat(g.user), "/start grp"))
	if p := lastTo(t, f, g.user); !strings.Contains(p.Text, "bot") || buttons(t, p.Markup)["consent:yes"] == "" {
		t.Fatalf("private hello after the deep link: %+v", p)
	}
}

func TestRetryAfter429(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	a := newTestAdapter(t, f, log, nil)
	runAdapter(t, a, &echo{})
	slow, other := privateChat(4301), privateChat(4302)
	f.fail("sendMessage", fault{chat: "4301", status: 429, retryAfter: 1})
	start := time.Now()
	f.text(slow, "one")
	id := f.text(other, "two")
	waitIdle(t, f, a, id)
	s1, s2 := f.sentTo(slow.user), f.sentTo(other.user)
	if len(s1) != 1 || len(s2) != 1 {
		t.Fatalf("sends: %d to the limited chat, %d to the other", len(s1), len(s2))
	}
	if d := s1[0].At.Sub(start); d < time.Second {
		t.Fatalf("retried after %v, before retry_after (1 s)", d)
	}
	if !s2[0].At.Before(s1[0].At) {
		t.Fatalf("the other chat waited for the limited one")
	}
}

func TestRetryOn5xx(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	a := newTestAdapter(t, f, log, nil)
	runAdapter(t, a, &echo{})
	u := privateChat(4303)
	f.fail("sendMessage", fault{status: 500})
	f.fail("sendMessage", fault{status: 502})
	step(t, f, a, f.text(u, "hello"))
	if n := len(f.sentTo(u.user)); n != 1 {
		t.Fatalf("%d replies recorded, want 1", n)
	}
	if n := f.callCount("sendMessage"); n != 3 {
		t.Fatalf("sendMessage called %d times, want 3 (two 5xx, one success)", n)
	}
}

func TestHungGetUpdates(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, logs := newLogger()
	f.hangPolls = 1
	a := newTestAdapter(t, f, log, func(c *Config) { c.PollTimeout, c.RequestTimeout = time.Second, 500*time.Millisecond })
	start := time.Now()
	runAdapter(t, a, &echo{})
	u := privateChat(4304)
	step(t, f, a, f.text(u, "are you there"))
	if d := time.Since(start); d > 8*time.Second {
		t.Fatalf("answered after %v; the hung poll was not cut off in time", d)
	}
	if !strings.Contains(logs.String(), "getUpdates failed") {
		t.Fatalf("the hung poll left no trace in the log")
	}
	if f.callCount("getUpdates") < 2 {
		t.Fatal("the loop did not poll again")
	}
}

// noHealthTalk fails if a group send looks like the private conversation:
// the hello, a question of the intake, results or choice buttons.
func noHealthTalk(t *testing.T, s sent) {
	t.Helper()
	for _, bad := range []string{"What brings you here", "groups that may fit", "husband", "grief", "Grief", "I'm peermatch"} {
		if strings.Contains(s.Text, bad) {
			t.Fatalf("group send talks about health (%q): %q", bad, s.Text)
		}
	}
	for d := range buttons(t, s.Markup) {
		if !strings.HasPrefix(d, "url:") {
			t.Fatalf("group send carries a choice button %q", d)
		}
	}
}

// TestEditedMessageIsScreened: crisis words added by editing a message are
// answered with the crisis reply; an ordinary edit gets no answer.
func TestEditedMessageIsScreened(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	a := newTestAdapter(t, f, log, nil)
	stop := runAdapter(t, a, newEngine(t, a, log))
	defer stop()
	u := privateChat(4207)
	step(t, f, a, f.text(u, "/start"))
	n := len(f.sentTo(u.user))
	edited := func(text string) int {
		return f.push(map[string]any{"edited_message": map[string]any{"message_id": nextMsgID(), "date": time.Now().Unix(),
			"edit_date": time.Now().Unix(), "chat": u.chat(), "from": u.from(), "text": text}})
	}
	step(t, f, a, edited("looking for an online grief group"))
	if got := len(f.sentTo(u.user)); got != n {
		t.Fatalf("an ordinary edit was answered (%d sends, want %d)", got, n)
	}
	step(t, f, a, edited("i want to kill myself tonight"))
	eventually(t, "the crisis reply to an edit", func() bool { return len(f.sentTo(u.user)) > n })
	if last := lastTo(t, f, u.user); strings.Contains(last.Text, "What brings you here") || last.Text == "" {
		t.Fatalf("the reply to a crisis edit is %q", last.Text)
	}
}
