package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/peermatch/peermatch/bot"
)

// fakeTG is a Bot API server on 127.0.0.1 speaking the real HTTP/JSON
// protocol: form-encoded or multipart POSTs to /bot<token>/<method>,
// answers {"ok":..., "result"|"error_code"/"description"/"parameters"}.
// getUpdates honours offset (confirming what lies below it), limit and a
// long-poll timeout.
type fakeTG struct {
	t     testing.TB
	token string
	srv   *httptest.Server

	mu        sync.Mutex
	queue     []json.RawMessage // updates not yet confirmed, in id order
	ids       []int
	nextID    int
	confirmed int // highest offset received
	changed   chan struct{}
	sent      []sent
	calls     map[string]int
	faults    map[string][]fault
	hangPolls int
	nextMsg   int
	commands  map[string]string // language_code → commands JSON
	webhook   url.Values
	sentCh    chan struct{}
	chaos     chaos
	chaosN    map[string]int   // method and chat → calls counted by chaos
	perm      map[string]fault // method and chat → a lasting Telegram error
}

// chaos injects faults into a share of the calls, spread evenly over
// each chat's calls of a method (and deterministic: a chat's first call
// is always hit, so a fresh chat meets the worst case): 429s with a
// retry_after, hung requests (answered only when the client gives up),
// and 500s.
type chaos struct {
	methods    []string // "" = every method
	rate429    float64
	retryAfter int
	hang       float64
	rate500    float64
}

// sent is one recorded sendMessage or sendDocument.
type sent struct {
	Method  string
	Chat    string
	Text    string // text, or the caption of a document
	Markup  string // reply_markup JSON
	ReplyTo string
	Parse   string // parse_mode (must stay empty)
	Ents    string // entities JSON
	DocName string
	Doc     []byte
	At      time.Time
}

// fault scripts one failure of a method (optionally for one chat only).
type fault struct {
	chat       string // "" = any
	status     int
	retryAfter int
	desc       string
}

const fakeBotID = 999

func newFakeTG(t testing.TB, token string) *fakeTG {
	f := &fakeTG{t: t, token: token, nextID: 1000, changed: make(chan struct{}), calls: map[string]int{}, chaosN: map[string]int{},
		faults: map[string][]fault{}, commands: map[string]string{}, sentCh: make(chan struct{}, 1<<16)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTG) fail(method string, ft fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[method] = append(f.faults[method], ft)
}

// failChat answers every call of method for chat with a Telegram error.
func (f *fakeTG) failChat(method string, chat int64, code int, desc string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.perm == nil {
		f.perm = map[string]fault{}
	}
	f.perm[method+" "+strconv.FormatInt(chat, 10)] = fault{status: code, desc: desc}
}

// setChaos starts (or, with the zero value, ends) injected faults.
func (f *fakeTG) setChaos(c chaos) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chaos = c
	clear(f.chaosN)
}

// chaosFor decides the fault, if any, for this call. f.mu is held.
func (f *fakeTG) chaosFor(method, chat string) (string, int) {
	c := f.chaos
	if len(c.methods) > 0 && !slices.Contains(c.methods, method) {
		return "", 0
	}
	f.chaosN[method+" "+chat]++
	k := float64(f.chaosN[method+" "+chat])
	// Hit unless this call crosses a multiple of 1/(1-rate): exactly
	// that share of a chat's calls is hit, the first one included.
	hit := func(rate float64) bool {
		return rate > 0 && math.Floor(k*(1-rate)) == math.Floor((k-1)*(1-rate))
	}
	switch {
	case hit(c.rate429):
		return "429", c.retryAfter
	case hit(c.hang):
		return "hang", 0
	case hit(c.rate500):
		return "500", 0
	}
	return "", 0
}

// pushRaw queues an update given as raw JSON around its id, e.g. one that
// cannot be decoded, and returns the id.
func (f *fakeTG) pushRaw(format func(id int) string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.queue = append(f.queue, json.RawMessage(format(f.nextID)))
	f.ids = append(f.ids, f.nextID)
	close(f.changed)
	f.changed = make(chan struct{})
	return f.nextID
}

func (f *fakeTG) reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeTG) ok(w http.ResponseWriter, result any) {
	f.reply(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

func (f *fakeTG) serve(w http.ResponseWriter, r *http.Request) {
	method := path.Base(r.URL.Path)
	if r.Method != http.MethodPost {
		f.reply(w, http.StatusMethodNotAllowed, map[string]any{"ok": false})
		return
	}
	if path.Dir(r.URL.Path) != "/bot"+f.token {
		f.reply(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(10 << 20); err != nil {
			f.reply(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: multipart"})
			return
		}
	} else if err := r.ParseForm(); err != nil {
		f.reply(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: form"})
		return
	}
	f.mu.Lock()
	f.calls[method]++
	if ft, ok := f.perm[method+" "+r.FormValue("chat_id")]; ok {
		f.mu.Unlock()
		f.reply(w, ft.status, map[string]any{"ok": false, "error_code": ft.status, "description": ft.desc})
		return
	}
	if kind, retryAfter := f.chaosFor(method, r.FormValue("chat_id")); kind != "" {
		f.mu.Unlock()
		switch kind {
		case "429":
			f.reply(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error_code": 429,
				"description": "Too Many Requests: retry after " + strconv.Itoa(retryAfter),
				"parameters":  map[string]any{"retry_after": retryAfter}})
		case "hang":
			<-r.Context().Done()
		case "500":
			f.reply(w, http.StatusInternalServerError, map[string]any{"ok": false, "error_code": 500, "description": "Internal Server Error"})
		}
		return
	}
	if fs := f.faults[method]; len(fs) > 0 {
		for i, ft := range fs {
			if ft.chat == "" || ft.chat == r.FormValue("chat_id") {
				f.faults[method] = append(fs[:i:i], fs[i+1:]...)
				f.mu.Unlock()
				if ft.status == http.StatusTooManyRequests {
					f.reply(w, ft.status, map[string]any{"ok": false, "error_code": 429,
						"description": "Too Many Requests: retry after " + strconv.Itoa(ft.retryAfter),
						"parameters":  map[string]any{"retry_after": ft.retryAfter}})
				} else {
					// A proxy's error page, not JSON.
					w.WriteHeader(ft.status)
					_, _ = io.WriteString(w, "<html>bad gateway</html>")
				}
				return
			}
		}
	}
	f.mu.Unlock()
	switch method {
	case "getMe":
		f.ok(w, map[string]any{"id": fakeBotID, "is_bot": true, "first_name": "peermatch", "username": "peermatch_test_bot"})
	case "getUpdates":
		f.getUpdates(w, r)
	case "sendMessage", "sendDocument":
		f.record(w, r, method)
	case "answerCallbackQuery", "deleteWebhook":
		f.ok(w, true)
	case "setMyCommands":
		f.mu.Lock()
		f.commands[r.FormValue("language_code")] = r.FormValue("commands")
		f.mu.Unlock()
		f.ok(w, true)
	case "setWebhook":
		f.mu.Lock()
		f.webhook = r.Form
		f.mu.Unlock()
		f.ok(w, true)
	default:
		f.reply(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found: method " + method})
	}
}

func (f *fakeTG) getUpdates(w http.ResponseWriter, r *http.Request) {
	offset, _ := strconv.Atoi(r.FormValue("offset"))
	limit, _ := strconv.Atoi(r.FormValue("limit"))
	timeout, _ := strconv.Atoi(r.FormValue("timeout"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	f.mu.Lock()
	if f.hangPolls > 0 {
		// A dead connection: never answer; only the client can give up.
		f.hangPolls--
		f.mu.Unlock()
		<-r.Context().Done()
		return
	}
	f.mu.Unlock()
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		if offset > 0 {
			// An offset confirms every update below it, for good.
			f.confirmed = max(f.confirmed, offset)
			i := 0
			for i < len(f.ids) && f.ids[i] < offset {
				i++
			}
			f.ids, f.queue = f.ids[i:], f.queue[i:]
		}
		if len(f.queue) > 0 {
			n := min(limit, len(f.queue))
			out := append([]json.RawMessage(nil), f.queue[:n]...)
			f.mu.Unlock()
			// Written as they are: encoding/json would refuse to
			// re-encode an update nested deeper than it allows.
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":true,"result":[`)
			for i, u := range out {
				if i > 0 {
					_, _ = io.WriteString(w, ",")
				}
				_, _ = w.Write(u)
			}
			_, _ = io.WriteString(w, "]}")
			return
		}
		ch := f.changed
		f.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			f.ok(w, []any{})
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (f *fakeTG) record(w http.ResponseWriter, r *http.Request, method string) {
	s := sent{Method: method, Chat: r.FormValue("chat_id"), Text: r.FormValue("text"), Markup: r.FormValue("reply_markup"),
		ReplyTo: r.FormValue("reply_to_message_id"), Parse: r.FormValue("parse_mode"), Ents: r.FormValue("entities"), At: time.Now()}
	if method == "sendDocument" {
		s.Text = r.FormValue("caption")
		file, hdr, err := r.FormFile("document")
		if err != nil {
			f.reply(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: no document"})
			return
		}
		s.DocName = hdr.Filename
		s.Doc, _ = io.ReadAll(file)
		_ = file.Close()
	}
	if s.Text == "" && method == "sendMessage" {
		f.reply(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: message text is empty"})
		return
	}
	if n := len(utf16.Encode([]rune(s.Text))); n > 4096 {
		f.reply(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: message is too long"})
		return
	}
	f.mu.Lock()
	f.nextMsg++
	id := f.nextMsg
	f.sent = append(f.sent, s)
	f.mu.Unlock()
	f.sentCh <- struct{}{}
	chat, _ := strconv.ParseInt(s.Chat, 10, 64)
	f.ok(w, map[string]any{"message_id": id, "date": time.Now().Unix(), "chat": map[string]any{"id": chat, "type": "private"},
		"text": s.Text})
}

// push queues an update (the JSON Telegram would send) and returns its id.
func (f *fakeTG) push(u map[string]any) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	u["update_id"] = f.nextID
	b, err := json.Marshal(u)
	if err != nil {
		f.t.Fatal(err)
	}
	f.queue = append(f.queue, b)
	f.ids = append(f.ids, f.nextID)
	close(f.changed)
	f.changed = make(chan struct{})
	return f.nextID
}

type chatSpec struct {
	id       int64
	typ      string // "private", "group", "supergroup"
	user     int64
	lang     string
	username string // of the group, if public
}

func privateChat(user int64) chatSpec {
	return chatSpec{id: user, typ: "private", user: user, lang: "en"}
}

func (c chatSpec) from() map[string]any {
	return map[string]any{"id": c.user, "is_bot": false, "first_name": "Canaryfirst", "username": "canary_username",
		"language_code": c.lang}
}

func (c chatSpec) chat() map[string]any {
	m := map[string]any{"id": c.id, "type": c.typ}
	if c.typ == "private" {
		m["first_name"] = "Canaryfirst"
	} else {
		m["title"] = "Support folks"
	}
	if c.username != "" {
		m["username"] = c.username
	}
	return m
}

var msgSeq struct {
	sync.Mutex
	n int
}

func nextMsgID() int {
	msgSeq.Lock()
	defer msgSeq.Unlock()
	msgSeq.n++
	return msgSeq.n
}

// text queues a typed message, with the bot_command entity Telegram adds
// to a leading /command.
func (f *fakeTG) text(c chatSpec, text string) int {
	msg := map[string]any{"message_id": nextMsgID(), "date": time.Now().Unix(), "chat": c.chat(), "from": c.from(), "text": text}
	if strings.HasPrefix(text, "/") {
		head, _, _ := strings.Cut(text, " ")
		msg["entities"] = []map[string]any{{"type": "bot_command", "offset": 0, "length": len(utf16.Encode([]rune(head)))}}
	}
	return f.push(map[string]any{"message": msg})
}

func (f *fakeTG) tap(c chatSpec, data string) int {
	return f.push(map[string]any{"callback_query": map[string]any{"id": fmt.Sprintf("cb%d", nextMsgID()), "from": c.from(),
		"chat_instance": "ci", "data": data,
		"message": map[string]any{"message_id": nextMsgID(), "date": time.Now().Unix(), "chat": c.chat(), "text": "question"}}})
}

func (f *fakeTG) location(c chatSpec, lat, lon float64) int {
	return f.push(map[string]any{"message": map[string]any{"message_id": nextMsgID(), "date": time.Now().Unix(),
		"chat": c.chat(), "from": c.from(), "location": map[string]any{"latitude": lat, "longitude": lon}}})
}

// waitSent waits until at least n sends were recorded and returns them.
func (f *fakeTG) waitSent(n int) []sent {
	f.t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		f.mu.Lock()
		if len(f.sent) >= n {
			out := append([]sent(nil), f.sent...)
			f.mu.Unlock()
			return out
		}
		have := len(f.sent)
		f.mu.Unlock()
		select {
		case <-f.sentCh:
		case <-deadline:
			f.t.Fatalf("waited for %d sends, have %d", n, have)
		}
	}
}

// waitConfirmed waits until getUpdates was called with an offset above id.
func (f *fakeTG) waitConfirmed(id int) {
	f.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		f.mu.Lock()
		c := f.confirmed
		f.mu.Unlock()
		if c > id {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("update %d never confirmed (offset %d)", id, c)
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, not synchronizing on time
	}
}

func (f *fakeTG) sentTo(chat int64) []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []sent
	for _, s := range f.sent {
		if s.Chat == strconv.FormatInt(chat, 10) {
			out = append(out, s)
		}
	}
	return out
}

func (f *fakeTG) callCount(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// buttons decodes an inline keyboard: callback data → label.
func buttons(t testing.TB, markup string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if markup == "" {
		return out
	}
	var m struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
			URL          string `json:"url"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(markup), &m); err != nil {
		t.Fatalf("reply_markup %q: %v", markup, err)
	}
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if b.URL != "" {
				out["url:"+b.URL] = b.Text
			} else {
				out[b.CallbackData] = b.Text
			}
		}
	}
	return out
}

// run starts an adapter on the fake and returns a stop function that
// cancels it and waits for Run to return.
func runAdapter(t testing.TB, a *Adapter, h bot.Handler) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	var once sync.Once
	var err error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				err = fmt.Errorf("Run did not return")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}
