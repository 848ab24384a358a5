package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data/importer"
	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/matcher"
	"github.com/peermatch/peermatch/matcher/calendar"
	"github.com/peermatch/peermatch/matcher/crisis"
)

const (
	canary   = "zqxcanary"   // a word in user messages that must never reach a log
	userName = "alicecanary" // usernames must not reach a log either
)

// logBuf is a debug-level log sink that tests grep.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// clean fails if a secret, a message text, a username or a raw user id is
// in the logs.
func (l *logBuf) clean(t *testing.T, userIDs ...string) {
	t.Helper()
	s := l.String()
	for _, bad := range append([]string{fakeToken, canary, userName, "itok"}, userIDs...) {
		if strings.Contains(s, bad) {
			t.Errorf("log contains %q:\n%s", bad, s)
		}
	}
}

// real holds the conversation core's real parts, built once.
var real struct {
	once  sync.Once
	m     *matcher.Matcher
	vocab *data.Vocabulary
	scr   *crisis.Screener
	err   error
}

func newEngine(t *testing.T, al bot.Alerter, log *slog.Logger) *bot.Engine {
	t.Helper()
	real.once.Do(func() {
		vocab, err := data.DefaultVocabulary()
		if err != nil {
			real.err = err
			return
		}
		dir, err := importer.DefaultDirectory(vocab)
		if err != nil {
			real.err = err
			return
		}
		idx, err := index.Build(context.Background(), "", vocab, nil, index.Source{Name: "test", Groups: index.Slice(dir.Groups)})
		if err != nil {
			real.err = err
			return
		}
		real.vocab = vocab
		real.m = matcher.New(idx, vocab, place.DefaultGazetteer(), nil)
		real.scr, real.err = crisis.New()
	})
	if real.err != nil {
		t.Fatal(real.err)
	}
	cfg := bot.Config{Matcher: real.m, Crisis: real.scr, Escalate: crisis.Escalate, CountryFromLocale: crisis.CountryFromLocale,
		CountryFromText: real.scr.CountryFromText, Vocabulary: real.vocab, Calendar: calendar.ICS, Logger: log}
	if al != nil {
		cfg.Alerter = al
	}
	e, err := bot.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// rig is an adapter running against the fake.
type rig struct {
	f      *fake
	a      *Adapter
	logs   *logBuf
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan error
}

func newRig(t *testing.T, f *fake, mod func(*Config)) *rig {
	t.Helper()
	logs := &logBuf{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := Config{Token: fakeToken, API: f.srv.URL, HTTPClient: f.srv.Client(), Logger: log,
		ReconnectMin: 10 * time.Millisecond, ReconnectMax: 50 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{f: f, a: a, logs: logs, log: log, done: make(chan error, 1)}
}

// run starts Run with h and waits for READY and command registration.
func (r *rig) run(t *testing.T, h bot.Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	puts := count(r.f.snapshot(), "PUT", "/applications/")
	go func() { r.done <- r.a.Run(ctx, h) }()
	t.Cleanup(func() { r.stop(t) })
	r.f.waitReady()
	r.f.waitFor("command registration", func(cs []call) bool { return count(cs, "PUT", "/applications/") > puts })
}

// stop cancels Run and returns its error and how long it took to return.
func (r *rig) stop(t *testing.T) (error, time.Duration) {
	t.Helper()
	if r.cancel == nil {
		return nil, 0
	}
	start := time.Now()
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		return err, time.Since(start)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	return nil, 0
}

// posts returns the messages posted to a channel.
func posts(cs []call, channel string) []call {
	return filter(cs, "POST", "/channels/"+channel+"/messages")
}

// customIDs lists the custom_ids of a message's buttons with their labels.
func customIDs(c call) map[string]string {
	out := map[string]string{}
	rows, _ := c.Body["components"].([]any)
	for _, r := range rows {
		comps, _ := r.(map[string]any)["components"].([]any)
		for _, x := range comps {
			m := x.(map[string]any)
			id, _ := m["custom_id"].(string)
			label, _ := m["label"].(string)
			out[label] = id
		}
	}
	return out
}

// noPings checks allowed_mentions is present and parses nothing.
func noPings(t *testing.T, cs []call) {
	t.Helper()
	for _, c := range cs {
		if (c.Method != "POST" && c.Method != "PATCH") || !(strings.Contains(c.Path, "/messages") || strings.HasPrefix(c.Path, "/webhooks/")) {
			continue
		}
		am, ok := c.Body["allowed_mentions"].(map[string]any)
		if !ok {
			t.Errorf("%s %s: no allowed_mentions: %s", c.Method, c.Path, c.Raw)
			continue
		}
		if p, ok := am["parse"].([]any); !ok || len(p) != 0 {
			t.Errorf("%s %s: allowed_mentions.parse = %v, want []", c.Method, c.Path, am["parse"])
		}
	}
}

// TestDMIntake runs a whole intake in a direct message through the real
// engine: hello, consent button, free text, results, "more groups".
func TestDMIntake(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := newRig(t, f, nil)
	r.run(t, newEngine(t, nil, r.log))
	const u = "4242424242"
	dmMsg := func(user, text string) {
		f.dispatch("MESSAGE_CREATE", map[string]any{"id": nextID("7"), "channel_id": "dm" + user, "type": 0,
			"author": map[string]any{"id": user, "username": userName}, "content": text, "timestamp": "2026-11-26T20:00:00Z"})
	}
	dmMsg(u, "hi "+canary)
	cs := f.waitFor("hello", func(cs []call) bool { return len(posts(cs, "dm"+u)) >= 1 })
	hello := posts(cs, "dm"+u)[0]
	if !strings.Contains(hello.str("content"), "bot") {
		t.Fatalf("hello does not say it is a bot: %q", hello.str("content"))
	}
	ids := customIDs(hello)
	consent := ""
	for label, id := range ids {
		if strings.HasPrefix(label, "OK") {
			consent = id
		}
	}
	if consent == "" || len(consent) > 100 {
		t.Fatalf("no consent button in %v", ids)
	}
	click := f.click(u, "", consent)
	cs = f.waitFor("topic question", func(cs []call) bool {
		return len(posts(cs, "dm"+u)) >= 2 && count(cs, "POST", "/interactions/"+click+"/") == 1
	})
	cb := filter(cs, "POST", "/interactions/"+click+"/")[0]
	if cb.num("type") != 6 {
		t.Errorf("button ack type = %v, want 6 (deferred update)", cb.num("type"))
	}
	if q := posts(cs, "dm"+u)[1].str("content"); !strings.Contains(q, "What brings you here") {
		t.Errorf("after consent: %q", q)
	}
	dmMsg(u, "I'm looking for an online grief group")
	cs = f.waitFor("results", func(cs []call) bool {
		ps := posts(cs, "dm"+u)
		return len(ps) >= 3 && strings.Contains(ps[len(ps)-1].str("content"), "Here are groups that may fit")
	})
	res := posts(cs, "dm"+u)[len(posts(cs, "dm"+u))-1]
	more := customIDs(res)["More groups"]
	if more == "" {
		t.Fatalf("results have no More groups button: %v", customIDs(res))
	}
	n := len(posts(cs, "dm"+u))
	f.click(u, "", more)
	cs = f.waitFor("more results", func(cs []call) bool { return len(posts(cs, "dm"+u)) > n })
	if got := posts(cs, "dm"+u)[n].str("content"); !strings.Contains(got, "More groups") {
		t.Errorf("after More groups: %q", got)
	}
	for _, p := range posts(cs, "dm"+u) {
		if p.str("nonce") == "" || p.Body["enforce_nonce"] != true {
			t.Errorf("message without an enforced nonce: %s", p.Raw)
		}
		if len([]rune(p.str("content"))) > 2000 {
			t.Errorf("message over 2000 characters")
		}
	}
	noPings(t, cs)
	// Minimum intents: direct messages only, nothing privileged.
	if _, idents, _, _ := f.state(); len(idents) == 0 || idents[0]["intents"] != float64(1<<12) {
		t.Errorf("identify = %v, want intents %d (DIRECT_MESSAGES only)", idents, 1<<12)
	}
	if err, took := r.stop(t); err != nil || took > 2*time.Second {
		t.Errorf("Run after cancel: err %v, took %v", err, took)
	}
	r.logs.clean(t, u)
}

// TestSlashCommandsInServer: each command in a server is acknowledged
// ephemerally within the deadline and answered privately; /findgroup moves
// the intake to a DM; nothing is ever posted in the server channel.
func TestSlashCommandsInServer(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := newRig(t, f, nil)
	r.run(t, newEngine(t, nil, r.log))
	const u, guild = "5151515151", "777"
	type tc struct {
		name string
		opts map[string]string
		want string
	}
	for _, c := range []tc{
		{cmdHelp, nil, "/forget"},
		{cmdCrisis, nil, "988"},
		{cmdFindGroup, map[string]string{"about": "grief"}, "direct message"},
		{cmdMeetings, map[string]string{"group": "GriefShare"}, ""},
		{cmdForget, nil, ""},
	} {
		sent := time.Now()
		id := f.slash(u, guild, c.name, "en-US", c.opts)
		cs := f.waitFor(c.name+" answer", func(cs []call) bool {
			return count(cs, "PATCH", "/webhooks/"+fakeApp+"/itok"+id+"/messages/@original") == 1
		})
		cb := filter(cs, "POST", "/interactions/"+id+"/itok"+id+"/callback")
		if len(cb) != 1 {
			t.Fatalf("%s: %d acknowledgements", c.name, len(cb))
		}
		d, _ := cb[0].Body["data"].(map[string]any)
		if cb[0].num("type") != 5 || d == nil || d["flags"] != float64(64) {
			t.Errorf("%s: ack %s, want type 5 with the ephemeral flag 64", c.name, cb[0].Raw)
		}
		if lat := cb[0].At.Sub(sent); lat > 3*time.Second {
			t.Errorf("%s: acknowledged after %v", c.name, lat)
		} else {
			t.Logf("%s: acknowledged %v after dispatch", c.name, lat.Round(time.Microsecond))
		}
		edit := filter(cs, "PATCH", "/webhooks/"+fakeApp+"/itok"+id+"/messages/@original")[0]
		if content := edit.str("content"); content == "" || !strings.Contains(content, c.want) {
			t.Errorf("%s: answer %q, want it to contain %q", c.name, content, c.want)
		}
	}
	cs := f.snapshot()
	if dm := posts(cs, "dm"+u); len(dm) == 0 || !strings.Contains(dm[0].str("content"), "bot") {
		t.Errorf("/findgroup did not continue the intake in the DM: %s", dump(dm))
	}
	if count(cs, "POST", "/users/@me/channels") == 0 {
		t.Error("no DM channel was opened")
	}
	if n := count(cs, "POST", "/channels/300/"); n != 0 {
		t.Errorf("%d messages posted in the server channel", n)
	}
	// Follow-ups in a server are ephemeral too.
	for _, c := range filter(cs, "POST", "/webhooks/") {
		if c.num("flags") != 64 {
			t.Errorf("server follow-up without the ephemeral flag: %s", c.Raw)
		}
	}
	// Spanish: the note about the DM comes in Spanish.
	id := f.slash("6161616161", guild, cmdFindGroup, "es-ES", nil)
	cs = f.waitFor("spanish answer", func(cs []call) bool {
		return count(cs, "PATCH", "/webhooks/"+fakeApp+"/itok"+id+"/messages/@original") == 1
	})
	if got := filter(cs, "PATCH", "/webhooks/"+fakeApp+"/itok"+id)[0].str("content"); !strings.Contains(got, "mensaje directo") {
		t.Errorf("Spanish /findgroup note: %q", got)
	}
	noPings(t, cs)
	r.stop(t)
	r.logs.clean(t, u)
}

// TestSlashCommandInDM: in a DM the answer is not ephemeral and is the
// conversation itself.
func TestSlashCommandInDM(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := newRig(t, f, nil)
	r.run(t, newEngine(t, nil, r.log))
	id := f.slash("7171717171", "", cmdHelp, "en-US", nil)
	cs := f.waitFor("answer", func(cs []call) bool { return count(cs, "PATCH", "/webhooks/") == 1 })
	cb := filter(cs, "POST", "/interactions/"+id)[0]
	if d, _ := cb.Body["data"].(map[string]any); cb.num("type") != 5 || (d != nil && d["flags"] != nil && d["flags"] != float64(0)) {
		t.Errorf("DM ack %s, want type 5 without the ephemeral flag", cb.Raw)
	}
	if !strings.Contains(filter(cs, "PATCH", "/webhooks/")[0].str("content"), "/forget") {
		t.Errorf("DM /help answer: %s", filter(cs, "PATCH", "/webhooks/")[0].Raw)
	}
}

// TestCommandRegistration: five commands with Spanish localizations under
// Discord's locale keys, usable in servers and DMs, registered by one
// idempotent bulk overwrite on every start.
func TestCommandRegistration(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := newRig(t, f, nil)
	r.run(t, bot.HandlerFunc(func(context.Context, bot.Message) ([]bot.Reply, error) { return nil, nil }))
	_, _, _, cmds := f.state()
	first, _ := json.Marshal(cmds)
	r.stop(t)
	r2 := newRig(t, f, nil)
	r2.run(t, bot.HandlerFunc(func(context.Context, bot.Message) ([]bot.Reply, error) { return nil, nil }))
	_, _, puts, cmds := f.state()
	second, _ := json.Marshal(cmds)
	r2.stop(t)
	if puts != 2 || !bytes.Equal(first, second) {
		t.Errorf("two starts: %d PUTs, same set %v", puts, bytes.Equal(first, second))
	}
	if n := count(f.snapshot(), "POST", "/applications/"); n != 0 {
		t.Errorf("%d single command creations; want only the bulk overwrite", n)
	}
	names := map[string]bool{}
	for _, c := range cmds {
		m := c.(map[string]any)
		names[m["name"].(string)] = true
		for _, field := range []string{"name_localizations", "description_localizations"} {
			loc, _ := m[field].(map[string]any)
			if loc["es-ES"] == nil || loc["es-419"] == nil || loc["es"] != nil {
				t.Errorf("%s %s = %v, want es-ES and es-419 keys", m["name"], field, loc)
			}
		}
		if ctx, _ := m["contexts"].([]any); len(ctx) != 2 {
			t.Errorf("%s contexts = %v, want server and bot DM", m["name"], m["contexts"])
		}
		if d, _ := m["description"].(string); len(d) == 0 || len(d) > 100 {
			t.Errorf("%s description length %d", m["name"], len(d))
		}
	}
	for _, n := range []string{"findgroup", "meetings", "crisis", "forget", "help"} {
		if !names[n] {
			t.Errorf("command %s not registered (have %v)", n, names)
		}
	}
}

// TestCrisisAlert: an urgent message in a DM posts a moderator alert with
// the person's mention and a link but not the text; the person's crisis
// reply comes first and says a human was notified.
func TestCrisisAlert(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := newRig(t, f, func(c *Config) { c.AlertTo = "555" })
	r.run(t, newEngine(t, r.a, r.log))
	const u = "8181818181"
	f.dm(u, "hi")
	f.waitFor("hello", func(cs []call) bool { return len(posts(cs, "dm"+u)) == 1 })
	text := "I want to kill myself tonight " + canary
	f.dm(u, text)
	cs := f.waitFor("crisis reply", func(cs []call) bool { return len(posts(cs, "dm"+u)) >= 2 })
	alerts := posts(cs, "555")
	if len(alerts) != 1 {
		t.Fatalf("%d alerts, want 1", len(alerts))
	}
	al := alerts[0].str("content")
	for _, want := range []string{"<@" + u + ">", "/channels/@me/dm" + u + "/", "urgent"} {
		if !strings.Contains(al, want) && !(want == "urgent" && strings.Contains(al, "emergency")) {
			t.Errorf("alert %q lacks %q", al, want)
		}
	}
	for _, word := range strings.Fields(text) {
		if len(word) > 3 && strings.Contains(strings.ToLower(al), strings.ToLower(word)) {
			t.Errorf("alert quotes the message (%q): %q", word, al)
		}
	}
	reply := posts(cs, "dm"+u)[1]
	// The catalog's sentence (bot/messages/en.json crisis.moderator).
	if !strings.Contains(reply.str("content"), "I've also let a member of our team know") {
		t.Errorf("crisis reply does not say a human was notified: %q", reply.str("content"))
	}
	if alerts[0].At.After(reply.At) {
		t.Error("crisis reply was sent before the alert was confirmed")
	}
	noPings(t, cs)
	r.stop(t)
	r.logs.clean(t, u)
}

// TestCrisisInServerGoesFirst: a crisis typed into /findgroup in a server
// is answered at once in the ephemeral answer, before anything goes to the
// DM.
func TestCrisisInServerGoesFirst(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := newRig(t, f, func(c *Config) { c.AlertTo = "555" })
	r.run(t, newEngine(t, r.a, r.log))
	const u = "9191919191"
	id := f.slash(u, "777", cmdFindGroup, "en-US", map[string]string{"about": "I want to kill myself " + canary})
	cs := f.waitFor("answers", func(cs []call) bool {
		return count(cs, "PATCH", "/webhooks/"+fakeApp+"/itok"+id) == 1 && count(cs, "POST", "/webhooks/"+fakeApp+"/itok"+id) >= 1
	})
	first := filter(cs, "PATCH", "/webhooks/"+fakeApp+"/itok"+id)[0]
	if !strings.Contains(first.str("content"), "988") {
		t.Errorf("first ephemeral answer is not the crisis reply: %q", first.str("content"))
	}
	for _, p := range posts(cs, "dm"+u) {
		if p.At.Before(first.At) {
			t.Error("a DM went out before the crisis reply")
		}
	}
	if al := posts(cs, "555"); len(al) != 1 || !strings.Contains(al[0].str("content"), "/channels/777/300") {
		t.Errorf("server alert should link the server channel: %v", dump(al))
	}
	r.stop(t)
	r.logs.clean(t, u)
}

// TestFatalCloseAtStart: close code 4004 on the first connection stops Run
// with a clear error, after one connection, without the token.
func TestFatalCloseAtStart(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.mu.Lock()
	f.fatal = 4004
	f.mu.Unlock()
	r := newRig(t, f, nil)
	start := time.Now()
	err := r.a.Run(context.Background(), bot.HandlerFunc(func(context.Context, bot.Message) ([]bot.Reply, error) { return nil, nil }))
	took := time.Since(start)
	var ge *GatewayError
	if !errors.As(err, &ge) || ge.Code != 4004 || !errors.Is(err, ErrBadToken) {
		t.Fatalf("Run = %v, want a GatewayError 4004 matching ErrBadToken", err)
	}
	if strings.Contains(err.Error(), fakeToken) {
		t.Error("error contains the token")
	}
	if conns, _, _, _ := f.state(); conns != 1 {
		t.Errorf("%d gateway connections, want 1", conns)
	}
	t.Logf("Run returned %q after %v", err, took.Round(time.Millisecond))
	r.logs.clean(t)
}

// TestFatalCloseLater: a fatal code on a live connection stops Run after
// one reconnect attempt instead of looping forever; a non-fatal code
// reconnects (resuming) and keeps serving.
func TestFatalCloseLater(t *testing.T) {
	f := newFake(t)
	r := newRig(t, f, nil)
	echo := bot.HandlerFunc(func(_ context.Context, m bot.Message) ([]bot.Reply, error) {
		return []bot.Reply{{Text: "echo"}}, nil
	})
	r.run(t, echo)
	f.closeGateway(4000) // "unknown error": reconnect
	f.waitReady()
	f.dm("1", "still there?")
	f.waitFor("answer after reconnect", func(cs []call) bool { return len(posts(cs, "dm1")) == 1 })
	if conns, idents, _, _ := f.state(); conns != 2 || idents[1]["op"] != float64(6) {
		t.Errorf("after close 4000: %d connections, second op %v; want 2 and a RESUME (6)", conns, idents[1]["op"])
	}
	f.mu.Lock()
	f.fatal = 4014
	f.mu.Unlock()
	start := time.Now()
	f.closeGateway(4014)
	select {
	case err := <-r.done:
		r.cancel = nil
		var ge *GatewayError
		if !errors.As(err, &ge) || ge.Code != 4014 || !strings.Contains(err.Error(), "intents") {
			t.Fatalf("Run = %v, want GatewayError 4014 about intents", err)
		}
		t.Logf("Run returned %v after the 4014 close, %q", time.Since(start).Round(time.Millisecond), err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run still running 10 s after a 4014 close")
	}
	if conns, _, _, _ := f.state(); conns != 3 {
		t.Errorf("%d gateway connections in all, want 3 (first, resumed, one refused)", conns)
	}
}

// TestBadToken: HTTP 401 on /gateway/bot stops Run before any websocket.
func TestBadToken(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := newRig(t, f, func(c *Config) { c.Token = "wrong-" + fakeToken })
	err := r.a.Run(context.Background(), bot.HandlerFunc(func(context.Context, bot.Message) ([]bot.Reply, error) { return nil, nil }))
	if !errors.Is(err, ErrBadToken) || strings.Contains(err.Error(), fakeToken) {
		t.Fatalf("Run = %v, want ErrBadToken without the token", err)
	}
	if conns, _, _, _ := f.state(); conns != 0 {
		t.Errorf("%d gateway connections with a bad token", conns)
	}
	r.logs.clean(t)
}

// TestRateLimitHonoured: two 429s are waited out and the message arrives
// once; a persistent 429 is retried, each time after Retry-After, until the
// reply is ReplyMaxAge old, and then given up, logged and counted.
func TestRateLimitHonoured(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := newRig(t, f, func(c *Config) { c.ReplyMaxAge = 400 * time.Millisecond })
	r.run(t, bot.HandlerFunc(func(_ context.Context, m bot.Message) ([]bot.Reply, error) {
		return []bot.Reply{{Text: "ok"}}, nil
	}))
	f.mu.Lock()
	f.fail429["/channels/dm1/"] = 2
	f.mu.Unlock()
	f.dm("1", "hi")
	f.waitFor("delivery after two 429s", func(cs []call) bool { return len(delivered(cs, "dm1")) == 1 })
	if n := len(posts(f.snapshot(), "dm1")); n != 3 {
		t.Errorf("%d POSTs, want 3 (two 429s, one success)", n)
	}
	f.mu.Lock()
	f.fail429["/channels/dm2/"] = 1000000
	f.mu.Unlock()
	start := time.Now()
	f.dm("2", "hi")
	deadline := time.After(10 * time.Second)
	for r.a.Stats().Expired == 0 {
		select {
		case <-deadline:
			t.Fatal("a persistent 429 was never given up")
		case <-time.After(5 * time.Millisecond):
		}
	}
	took := time.Since(start)
	tries := posts(f.snapshot(), "dm2")
	for i := 1; i < len(tries); i++ {
		// The fake asks for 20 ms.
		if gap := tries[i].At.Sub(tries[i-1].At); gap < 20*time.Millisecond {
			t.Errorf("try %d came %v after the previous one, before Retry-After", i+1, gap)
		}
	}
	if len(tries) < 3 || !strings.Contains(r.logs.String(), "reply not delivered") {
		t.Errorf("%d tries under a persistent 429; log:\n%s", len(tries), r.logs.String())
	}
	t.Logf("persistent 429 given up after %d tries in %v", len(tries), took.Round(time.Millisecond))
	r.logs.clean(t)
}

// TestOrderPerConversation: each person's messages are handled and
// answered in the order they were sent, people in parallel.
func TestOrderPerConversation(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := newRig(t, f, nil)
	var mu sync.Mutex
	got := map[string][]string{}
	r.run(t, bot.HandlerFunc(func(_ context.Context, m bot.Message) ([]bot.Reply, error) {
		// Uneven handling times would reorder a goroutine-per-event design.
		time.Sleep(time.Duration(len(m.Text)%3) * time.Millisecond)
		mu.Lock()
		got[m.UserID] = append(got[m.UserID], m.Text)
		mu.Unlock()
		return []bot.Reply{{Text: "a " + m.Text}, {Text: "b " + m.Text}}, nil
	}))
	const n = 30
	for i := range n {
		f.dm("11", fmt.Sprintf("m%d%s", i, strings.Repeat("x", i%3)))
		f.dm("12", fmt.Sprintf("m%d%s", i, strings.Repeat("x", (i+1)%3)))
	}
	cs := f.waitFor("all replies", func(cs []call) bool { return len(posts(cs, "dm11")) == 2*n && len(posts(cs, "dm12")) == 2*n })
	for _, u := range []string{"11", "12"} {
		var want, sent []string
		for i := range n {
			pad := i % 3
			if u == "12" {
				pad = (i + 1) % 3
			}
			txt := fmt.Sprintf("m%d%s", i, strings.Repeat("x", pad))
			want = append(want, txt)
			sent = append(sent, "a "+txt, "b "+txt)
		}
		mu.Lock()
		if strings.Join(got[u], ",") != strings.Join(want, ",") {
			t.Errorf("user %s handled out of order: %v", u, got[u])
		}
		mu.Unlock()
		var posted []string
		for _, p := range posts(cs, "dm"+u) {
			posted = append(posted, p.str("content"))
		}
		if strings.Join(posted, ",") != strings.Join(sent, ",") {
			t.Errorf("user %s answered out of order: %v", u, posted)
		}
	}
}

// TestAttachmentsSplitsMenusAndSend: an .ics file is a multipart
// attachment, long text is split on paragraphs, 30 choices become select
// menus whose pick comes back as the choice ID, and Send refuses a server
// channel.
func TestAttachmentsSplitsMenusAndSend(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := newRig(t, f, nil)
	var mu sync.Mutex
	var texts []string
	long := strings.Repeat(strings.Repeat("word ", 150)+"\n\n", 6) // ~4,500 characters
	var many []bot.Choice
	for i := range 30 {
		many = append(many, bot.Choice{ID: fmt.Sprintf("topic:t%d", i), Label: fmt.Sprintf("Topic %d", i)})
	}
	r.run(t, bot.HandlerFunc(func(_ context.Context, m bot.Message) ([]bot.Reply, error) {
		mu.Lock()
		texts = append(texts, m.Text)
		mu.Unlock()
		switch m.Text {
		case "ics":
			return []bot.Reply{{Text: "Here is the calendar file.", Attach: &bot.Attachment{Name: "meeting.ics", MIMEType: "text/calendar",
				Data: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")}}}, nil
		case "long":
			return []bot.Reply{{Text: long}}, nil
		case "many":
			return []bot.Reply{{Text: "Pick one", Choices: many}}, nil
		}
		return nil, nil
	}))
	f.dm("21", "ics")
	cs := f.waitFor("ics", func(cs []call) bool { return len(posts(cs, "dm21")) == 1 })
	p := posts(cs, "dm21")[0]
	if string(p.Files["meeting.ics"]) != "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n" || p.str("content") != "Here is the calendar file." {
		t.Errorf("attachment post: files %v body %s", p.Files, p.Raw)
	}
	f.dm("21", "long")
	cs = f.waitFor("long", func(cs []call) bool { return len(posts(cs, "dm21")) >= 4 })
	var joined []string
	for _, p := range posts(cs, "dm21")[1:] {
		c := p.str("content")
		if len([]rune(c)) > 2000 || strings.HasSuffix(c, "wor") {
			t.Errorf("chunk of %d characters", len([]rune(c)))
		}
		joined = append(joined, c)
	}
	if strings.Join(strings.Fields(strings.Join(joined, " ")), " ") != strings.Join(strings.Fields(long), " ") {
		t.Error("split text does not add up to the original")
	}
	n := len(posts(cs, "dm21"))
	f.dm("21", "many")
	cs = f.waitFor("menu", func(cs []call) bool { return len(posts(cs, "dm21")) > n })
	rows, _ := posts(cs, "dm21")[n].Body["components"].([]any)
	if len(rows) != 2 {
		t.Fatalf("30 choices in %d rows, want 2 select menus", len(rows))
	}
	menu := rows[1].(map[string]any)["components"].([]any)[0].(map[string]any)
	if menu["type"] != float64(3) || len(menu["options"].([]any)) != 5 {
		t.Errorf("second menu: %v", menu)
	}
	f.click("21", "", menu["custom_id"].(string), "topic:t27")
	deadline := time.After(10 * time.Second)
	for {
		mu.Lock()
		last := texts[len(texts)-1]
		mu.Unlock()
		if last == "topic:t27" {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("select pick not handed to the core; last %q", last)
		case <-time.After(5 * time.Millisecond):
		}
	}
	ctx := context.Background()
	if err := r.a.Send(ctx, "dm21", bot.Reply{Text: "Reminder: your group meets in an hour."}); err != nil {
		t.Errorf("Send to a DM: %v", err)
	}
	if err := r.a.Send(ctx, "300", bot.Reply{Text: "private"}); !errors.Is(err, ErrNotDM) {
		t.Errorf("Send to a server channel = %v, want ErrNotDM", err)
	}
	if n := count(f.snapshot(), "POST", "/channels/300/"); n != 0 {
		t.Error("Send posted in a server channel")
	}
}

// TestDMBlockedFallsBackToEphemeral: when the person does not accept DMs,
// /findgroup says so and carries on in ephemeral messages.
func TestDMBlockedFallsBackToEphemeral(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.mu.Lock()
	f.dmFail = true
	f.mu.Unlock()
	r := newRig(t, f, nil)
	r.run(t, newEngine(t, nil, r.log))
	id := f.slash("31", "777", cmdFindGroup, "en-US", nil)
	cs := f.waitFor("fallback", func(cs []call) bool { return count(cs, "POST", "/webhooks/"+fakeApp+"/itok"+id) >= 1 })
	edit := filter(cs, "PATCH", "/webhooks/"+fakeApp+"/itok"+id)[0]
	if !strings.Contains(edit.str("content"), "couldn't send you a direct message") {
		t.Errorf("fallback note: %q", edit.str("content"))
	}
	fu := filter(cs, "POST", "/webhooks/"+fakeApp+"/itok"+id)[0]
	if fu.num("flags") != 64 || !strings.Contains(fu.str("content"), "bot") {
		t.Errorf("fallback follow-up: %s", fu.Raw)
	}
}

// TestShutdown: Run returns promptly after cancel even with a handler
// still working; Close is idempotent; Run after Close is refused.
func TestShutdown(t *testing.T) {
	f := newFake(t)
	r := newRig(t, f, func(c *Config) { c.DrainTimeout = 100 * time.Millisecond })
	started := make(chan struct{})
	var returned atomic.Bool
	r.run(t, bot.HandlerFunc(func(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
		close(started)
		<-ctx.Done() // a slow search, slower still to notice
		time.Sleep(1200 * time.Millisecond)
		returned.Store(true)
		return nil, ctx.Err()
	}))
	f.dm("41", "hi")
	<-started
	err, took := r.stop(t)
	if err != nil || took >= 3*time.Second {
		t.Errorf("Run after cancel: %v after %v, want nil within 3 s", err, took)
	}
	// The turn was cancelled, and joined: nothing of the adapter's calls
	// the core after Run has returned.
	if !returned.Load() {
		t.Error("Run returned while a turn was still being handled")
	}
	t.Logf("Run returned %v after cancel", took.Round(time.Millisecond))
	if err := r.a.Close(); err != nil {
		t.Error(err)
	}
	if err := r.a.Close(); err != nil {
		t.Error(err)
	}
	if err := r.a.Run(context.Background(), bot.HandlerFunc(func(context.Context, bot.Message) ([]bot.Reply, error) { return nil, nil })); !errors.Is(err, ErrClosed) {
		t.Errorf("Run after Close = %v, want ErrClosed", err)
	}
	// Close while Run runs stops it too.
	r2 := newRig(t, f, nil)
	r2.run(t, bot.HandlerFunc(func(context.Context, bot.Message) ([]bot.Reply, error) { return nil, nil }))
	start := time.Now()
	if err := r2.a.Close(); err != nil {
		t.Error(err)
	}
	select {
	case err := <-r2.done:
		r2.cancel = nil
		if err != nil || time.Since(start) >= 2*time.Second {
			t.Errorf("Run after Close: %v after %v", err, time.Since(start))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop Run")
	}
}

// TestEditedDMIsScreened: crisis words added by editing a DM get the crisis
// reply; an ordinary edit gets no answer.
func TestEditedDMIsScreened(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := newRig(t, f, nil)
	r.run(t, newEngine(t, nil, r.log))
	const u = "9191919191"
	f.dm(u, "hi")
	f.waitFor("hello", func(cs []call) bool { return len(posts(cs, "dm"+u)) == 1 })
	edit := func(id, text, at string) {
		f.dispatch("MESSAGE_UPDATE", map[string]any{"id": id, "channel_id": "dm" + u, "type": 0,
			"author": map[string]any{"id": u, "username": userName}, "content": text,
			"timestamp": "2026-11-26T20:00:00Z", "edited_timestamp": at})
	}
	edit("7001", "looking for an online grief group", "2026-11-26T20:01:00Z")
	edit("7002", "i want to kill myself tonight", "2026-11-26T20:02:00Z")
	cs := f.waitFor("the crisis reply to an edit", func(cs []call) bool { return len(posts(cs, "dm"+u)) >= 2 })
	got := posts(cs, "dm"+u)
	if len(got) != 2 || strings.Contains(got[1].str("content"), "Here are groups") || strings.Contains(got[1].str("content"), "What brings you here") {
		t.Fatalf("after two edits, posts %d; second %q", len(got), got[len(got)-1].str("content"))
	}
	r.stop(t)
}
