package telegram

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peermatch/peermatch/bot"
)

// The fault suite: the fake Bot API injects each fault of issue 12 and the
// tests check the bars. The times asserted are deadlines on behaviour
// (a crisis reply must not wait behind a storm), with wide margins, not
// measurements of speed.

// crisisEcho answers "CRISIS" with an urgent reply and anything else with
// an ordinary one naming the chat and the text (the tests' own words).
type crisisEcho struct{}

func (crisisEcho) Handle(_ context.Context, m bot.Message) ([]bot.Reply, error) {
	if m.Text == "CRISIS" {
		return []bot.Reply{{Text: "crisis reply " + m.ChatID, Urgent: true}}, nil
	}
	return []bot.Reply{{Text: "re " + m.ChatID + " " + m.Text}}, nil
}

// waitSentTo waits until chat has received a message containing want and
// returns when it was recorded.
func waitSentTo(t *testing.T, f *fakeTG, chat int64, want string, limit time.Duration) time.Time {
	t.Helper()
	deadline := time.After(limit)
	for {
		for _, s := range f.sentTo(chat) {
			if strings.Contains(s.Text, want) {
				return s.At
			}
		}
		select {
		case <-f.sentCh:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("chat %d got no %q within %s", chat, want, limit)
		}
	}
}

// TestPoisonUpdatesDoNotBlock: an update with message_id as a string and
// one nested 20,000 deep are skipped (logged by id, counted), and the next
// chat's /start is answered at once.
func TestPoisonUpdatesDoNotBlock(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, logs := newLogger()
	a := newTestAdapter(t, f, log, nil)
	runAdapter(t, a, newEngine(t, a, log))
	first := privateChat(7001)
	waitIdle(t, f, a, f.text(first, "/start"))

	secret := "Poisonsecret"
	typed := f.pushRaw(func(id int) string {
		return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":"%s","date":1,"chat":{"id":7002,"type":"private"},"text":"%s"}}`, id, secret, secret)
	})
	deep := f.pushRaw(func(id int) string {
		return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":1,"date":1,"chat":{"id":7003,"type":"private"},"text":"%s","x":%s%s}}`,
			id, secret, strings.Repeat("[", 20000), strings.Repeat("]", 20000))
	})
	next := privateChat(7004)
	pushed := time.Now()
	f.text(next, "/start")
	at := waitSentTo(t, f, next.id, "", 10*time.Second)
	t.Logf("next chat's /start answered %s after it was queued", at.Sub(pushed))
	if d := at.Sub(pushed); d > 2*time.Second {
		t.Errorf("the next chat's /start was answered after %s; the bar is 2 s", d)
	}
	if got := a.Stats().UpdatesSkipped; got != 2 {
		t.Errorf("skipped %d updates, want 2", got)
	}
	out := logs.String()
	for _, id := range []int{typed, deep} {
		if !strings.Contains(out, "update_id="+strconv.Itoa(id)) {
			t.Errorf("update %d skipped without its id in the log", id)
		}
	}
	if !strings.Contains(out, "message_id") || !strings.Contains(out, "nested too deeply") {
		t.Errorf("the reasons are not logged:\n%s", grepLog(out, "skipped"))
	}
	if strings.Contains(out, secret) {
		t.Error("the skipped update's text reached the log")
	}
}

func grepLog(s, needle string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, needle) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestStormLosesNoReply: during a storm of 429s on 90% of sendMessage
// (retry_after 1 s) a crisis reply in a fresh chat goes out within 5 s, and
// once the storm ends every ordinary reply is delivered; nothing is dropped.
func TestStormLosesNoReply(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	a := newTestAdapter(t, f, log, nil)
	runAdapter(t, a, crisisEcho{})
	f.setChaos(chaos{methods: []string{"sendMessage"}, rate429: 0.9, retryAfter: 1})
	const chats, each = 20, 3
	for c := range chats {
		for i := range each {
			f.text(privateChat(int64(7100+c)), "m"+strconv.Itoa(i))
		}
	}
	waitFor(t, func() bool { return a.Stats().Retries >= chats }) // the storm holds the queues
	crisisWithin(t, f, 7199, "the storm")
	f.setChaos(chaos{})
	deadline := time.Now().Add(30 * time.Second)
	for c := range chats {
		chat := int64(7100 + c)
		for i := range each {
			waitSentTo(t, f, chat, "re "+strconv.FormatInt(chat, 10)+" m"+strconv.Itoa(i), time.Until(deadline))
		}
		// In order, each once.
		var got []string
		for _, s := range f.sentTo(chat) {
			got = append(got, s.Text)
		}
		want := fmt.Sprintf("re %d m0|re %d m1|re %d m2", chat, chat, chat)
		if strings.Join(got, "|") != want {
			t.Errorf("chat %d got %q, want %q", chat, got, want)
		}
	}
	st := a.Stats()
	if st.DroppedBlocked+st.DroppedGone+st.DroppedRejected+st.DroppedExpired != 0 {
		t.Errorf("replies dropped: %+v", st)
	}
	if st.Retries < chats {
		t.Errorf("only %d retries: the storm did not hit", st.Retries)
	}
}

// TestCrisisThroughHungSends: half of sendMessage calls hang (a fresh
// chat's first one among them); the crisis reply is sent again after
// UrgentTimeout and arrives within 5 s.
func TestCrisisThroughHungSends(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	a := newTestAdapter(t, f, log, func(c *Config) { c.RequestTimeout = 30 * time.Second })
	runAdapter(t, a, crisisEcho{})
	f.setChaos(chaos{methods: []string{"sendMessage"}, hang: 0.5})
	for c := range 10 {
		f.text(privateChat(int64(7200+c)), "hello")
	}
	crisisWithin(t, f, 7299, "hung sends")
	f.setChaos(chaos{})
}

// crisisWithin sends a crisis message from a fresh chat and checks that
// the reply arrives within the bar of 5 s.
func crisisWithin(t *testing.T, f *fakeTG, chat int64, during string) {
	t.Helper()
	pushed := time.Now()
	f.text(privateChat(chat), "CRISIS")
	at := waitSentTo(t, f, chat, "crisis reply", 15*time.Second)
	t.Logf("crisis reply during %s: %s", during, at.Sub(pushed))
	if d := at.Sub(pushed); d > 5*time.Second {
		t.Errorf("crisis reply during %s after %s; the bar is 5 s", during, d)
	}
}

// TestServerErrorsLoseNothing: 500s on half of all calls, getUpdates
// included; every reply arrives, none is dropped.
func TestServerErrorsLoseNothing(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	a := newTestAdapter(t, f, log, nil)
	runAdapter(t, a, crisisEcho{})
	f.setChaos(chaos{rate500: 0.5})
	for c := range 40 {
		f.text(privateChat(int64(7300+c)), "x")
	}
	for c := range 40 {
		chat := int64(7300 + c)
		waitSentTo(t, f, chat, "re "+strconv.FormatInt(chat, 10)+" x", 20*time.Second)
	}
	if st := a.Stats(); st.DroppedBlocked+st.DroppedGone+st.DroppedRejected+st.DroppedExpired != 0 {
		t.Errorf("replies dropped: %+v", st)
	}
}

// TestDropsOnlyForAReason: a blocked chat's reply is dropped, logged with
// its reason and counted; a reply still failing past MaxReplyAge is
// dropped as expired.
func TestDropsOnlyForAReason(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, logs := newLogger()
	clock := struct {
		sync.Mutex
		t time.Time
	}{t: time.Now()}
	now := func() time.Time { clock.Lock(); defer clock.Unlock(); return clock.t }
	a := newTestAdapter(t, f, log, func(c *Config) { c.Now = now; c.MaxReplyAge = time.Hour })
	runAdapter(t, a, crisisEcho{})
	blocked := privateChat(7401)
	f.failChat("sendMessage", blocked.id, 403, "Forbidden: bot was blocked by the user")
	waitIdle(t, f, a, f.text(blocked, "x"))
	if st := a.Stats(); st.DroppedBlocked != 1 {
		t.Errorf("blocked drops %d, want 1", st.DroppedBlocked)
	}
	if !strings.Contains(logs.String(), `reason="blocked by the user"`) {
		t.Errorf("drop not logged with its reason:\n%s", grepLog(logs.String(), "dropped"))
	}
	old := privateChat(7402)
	f.setChaos(chaos{methods: []string{"sendMessage"}, rate500: 1})
	f.text(old, "x")
	waitFor(t, func() bool { return a.Stats().Retries > 0 })
	clock.Lock()
	clock.t = clock.t.Add(2 * time.Hour)
	clock.Unlock()
	waitFor(t, func() bool { return a.Stats().DroppedExpired == 1 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 15 s")
		}
		time.Sleep(10 * time.Millisecond) // polling a condition
	}
}

// slowStore hands its crisis reply over early, then waits (a slow disk,
// a compaction) before it finishes the turn.
type slowStore struct{ release chan struct{} }

func (h slowStore) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	crisis := bot.Reply{Text: "crisis reply " + m.ChatID, Urgent: true}
	var out []bot.Reply
	if !bot.SendEarly(ctx, crisis) {
		out = append(out, crisis)
	}
	<-h.release
	return append(out, bot.Reply{Text: "after the store " + m.ChatID}), nil
}

// TestEarlyCrisisReplyDoesNotWaitForTheStore: a crisis reply handed over
// with bot.SendEarly is delivered while the handler still waits on its
// store, and is sent once, not again from the outbox after a restart.
func TestEarlyCrisisReplyDoesNotWaitForTheStore(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	dir := t.TempDir()
	a := newTestAdapter(t, f, log, func(c *Config) { c.StateDir = dir })
	h := slowStore{release: make(chan struct{})}
	stop := runAdapter(t, a, h)
	u := privateChat(7501)
	id := f.text(u, "CRISIS")
	waitSentTo(t, f, u.id, "crisis reply", 10*time.Second)
	if n := len(f.sentTo(u.id)); n != 1 {
		t.Fatalf("%d messages before the handler finished, want the crisis reply alone", n)
	}
	close(h.release)
	waitSentTo(t, f, u.id, "after the store", 10*time.Second)
	waitIdle(t, f, a, id)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a2 := newTestAdapter(t, f, log, func(c *Config) { c.StateDir = dir })
	if n := a2.send.pending(); n != 0 {
		t.Errorf("%d replies left in the outbox after a clean run", n)
	}
	got := f.sentTo(u.id)
	if len(got) != 2 || !strings.Contains(got[0].Text, "crisis reply") {
		t.Errorf("sent %d messages (%v); want the crisis reply, then the other", len(got), got)
	}
}

// TestRetriesSurviveARestart: a reply still failing when the process stops
// stays in the outbox and goes out after the restart.
func TestRetriesSurviveARestart(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	dir := t.TempDir()
	a := newTestAdapter(t, f, log, func(c *Config) { c.StateDir = dir; c.DrainTimeout = 200 * time.Millisecond })
	stop := runAdapter(t, a, crisisEcho{})
	f.setChaos(chaos{methods: []string{"sendMessage"}, rate500: 1})
	u := privateChat(7601)
	f.waitConfirmed(f.text(u, "x"))
	waitFor(t, func() bool { return a.Stats().Retries > 0 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sentTo(u.id)); n != 0 {
		t.Fatalf("%d sent during the outage", n)
	}
	f.setChaos(chaos{})
	b := newTestAdapter(t, f, log, func(c *Config) { c.StateDir = dir })
	runAdapter(t, b, crisisEcho{})
	waitSentTo(t, f, u.id, "re 7601 x", 10*time.Second)
}

// TestLargeUpdate: an 8 MB update is read and answered like any other, and
// the one after it too.
func TestLargeUpdate(t *testing.T) {
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	a := newTestAdapter(t, f, log, nil)
	h := &echo{}
	runAdapter(t, a, h)
	big, next := privateChat(7701), privateChat(7702)
	text := strings.Repeat("x", 8<<20)
	f.text(big, text)
	waitIdle(t, f, a, f.text(next, "after"))
	waitSentTo(t, f, big.id, "ok 7701", 10*time.Second)
	waitSentTo(t, f, next.id, "ok 7702", 10*time.Second)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.calls[text] != 1 {
		t.Errorf("the 8 MB text reached the handler %d times, want once", h.calls[text])
	}
	if st := a.Stats(); st.UpdatesSkipped != 0 {
		t.Errorf("skipped %d updates", st.UpdatesSkipped)
	}
}
