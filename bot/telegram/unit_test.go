package telegram

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/data"
)

func TestBucket(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newBucket(1, 3, t0) // 1/s, burst 3
	for i := range 3 {
		if d := b.delay(t0); d != 0 {
			t.Fatalf("burst send %d waits %v", i, d)
		}
		b.take(t0)
	}
	if d := b.delay(t0); d != time.Second {
		t.Fatalf("4th send waits %v, want 1s", d)
	}
	if d := b.delay(t0.Add(500 * time.Millisecond)); d != 500*time.Millisecond {
		t.Fatalf("half a second later: %v", d)
	}
	// Urgent sends take tokens into debt, capped at one burst.
	for range 10 {
		b.take(t0)
	}
	if d := b.delay(t0); d != 4*time.Second {
		t.Fatalf("after urgent debt: %v, want 4s", d)
	}
}

func TestSplitText(t *testing.T) {
	para := strings.Repeat("word ", 300) // 1500 chars
	long := para + "\n\n" + para + "\n\n" + para + "\n\n" + strings.Repeat("🙂", 3000)
	parts := bot.SplitText(long, maxText)
	if len(parts) < 3 {
		t.Fatalf("%d parts", len(parts))
	}
	var joined []string
	for _, p := range parts {
		if n := len(utf16.Encode([]rune(p))); n > maxText || n == 0 {
			t.Fatalf("part of %d UTF-16 units", n)
		}
		joined = append(joined, p)
	}
	if strings.Join(strings.Fields(strings.Join(joined, "")), "") != strings.Join(strings.Fields(long), "") {
		t.Fatal("splitting lost or changed text")
	}
	if got := bot.SplitText("short", maxText); len(got) != 1 || got[0] != "short" {
		t.Fatalf("%q", got)
	}
}

func TestRender(t *testing.T) {
	log, _ := newLogger()
	a := &Adapter{log: log}
	in := inbound{chat: 7, msg: bot.Message{Locale: "es-MX"}}
	long := strings.Repeat("x", 65)
	items := a.render(in, []bot.Reply{
		{Text: "results", Choices: []bot.Choice{{ID: "more", Label: "More"}, {ID: long, Label: "Too long"}}},
		{Text: "crisis", Urgent: true},
		{Text: "cal", Attach: &bot.Attachment{Name: "g.ics", MIMEType: "text/calendar", Data: []byte("BEGIN:VCALENDAR")}},
	})
	if len(items) != 3 || !items[0].Urgent || items[0].Text != "crisis" {
		t.Fatalf("urgent not first: %+v", items)
	}
	if len(items[1].Inline) != 1 || len(items[1].Inline[0]) != 1 || items[1].Inline[0][0].Data != "more" {
		t.Fatalf("keyboard: %+v", items[1].Inline)
	}
	if items[2].Doc == nil || items[2].Text != "cal" || items[2].method() != "sendDocument" {
		t.Fatalf("document: %+v", items[2])
	}
	// The place question gets the location button, labelled in Spanish.
	q := a.render(in, []bot.Reply{{Text: "¿Dónde?", Choices: []bot.Choice{{ID: "skip", Label: "Omitir"}}, AskLocation: true}})
	if len(q[0].Keyboard) != 2 || !q[0].Keyboard[0][0].Location || q[0].Keyboard[1][0].Text != "Omitir" ||
		!strings.Contains(q[0].Keyboard[0][0].Text, "ubicación") {
		t.Fatalf("location keyboard: %+v", q[0].Keyboard)
	}
	// The next plain answer removes it.
	if n := a.render(in, []bot.Reply{{Text: "ok"}}); !n[0].Remove {
		t.Fatal("location keyboard not removed")
	}
}

func TestTranslate(t *testing.T) {
	log, _ := newLogger()
	a := &Adapter{log: log, idKey: testKey}
	a.api.Store(&tgbotapi.BotAPI{Self: tgbotapi.User{ID: fakeBotID, UserName: "peermatch_test_bot"}})
	g := chatSpec{id: -1001234567, typ: "supergroup", user: 55, lang: "en", username: "circle"}
	for _, tc := range []struct {
		c         chatSpec
		text      string
		addressed bool
		want      string
	}{
		{g, "/times@someone_else grief", false, "/times@someone_else grief"},
		{g, "/crisis", true, "/crisis"},
		{g, "/crisis@PeerMatch_Test_Bot", true, "/crisis"},
		{g, "hello everyone", false, "hello everyone"},
		{g, "@peermatch_test_bot find me a group", true, "find me a group"},
		{privateChat(55), "/start grp", true, "/start"},
		{privateChat(55), "/start", true, "/start"},
	} {
		msg := map[string]any{"message_id": 9, "date": 1, "chat": tc.c.chat(), "from": tc.c.from(), "text": tc.text}
		raw, _ := json.Marshal(map[string]any{"update_id": 1, "message": msg})
		var u tgbotapi.Update
		if err := json.Unmarshal(raw, &u); err != nil {
			t.Fatal(err)
		}
		in, ok := a.translate(&u, time.Now())
		if !ok || in.addressed != tc.addressed || in.msg.Text != tc.want || in.msg.Private != (tc.c.typ == "private") {
			t.Errorf("%q: ok=%v addressed=%v text=%q private=%v", tc.text, ok, in.addressed, in.msg.Text, in.msg.Private)
		}
		if tc.c.typ == "supergroup" && in.msg.Link != "https://t.me/circle/9" {
			t.Errorf("group link %q", in.msg.Link)
		}
		if tc.c.typ == "private" && in.msg.Link != "tg://user?id=55" {
			t.Errorf("private link %q", in.msg.Link)
		}
	}
	// Messages from bots, and stickers without words, are ignored.
	var u tgbotapi.Update
	_ = json.Unmarshal([]byte(`{"update_id":2,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":true,"first_name":"b"},"text":"hi"}}`), &u)
	if _, ok := a.translate(&u, time.Now()); ok {
		t.Error("a bot's message was taken")
	}
	_ = json.Unmarshal([]byte(`{"update_id":3,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"b"},"sticker":{"file_id":"x"}}}`), &u)
	if _, ok := a.translate(&u, time.Now()); ok {
		t.Error("a sticker was taken")
	}
}

func TestAlertText(t *testing.T) {
	text, ents := alertText(bot.Alert{Platform: "telegram", ChatID: "42", UserID: "42", Level: data.LevelUrgent,
		Categories: []string{"suicide"}, At: time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC)}, time.Now())
	if len(ents) != 1 {
		t.Fatal(ents)
	}
	u := utf16.Encode([]rune(text))
	if got := string(utf16.Decode(u[ents[0].Offset : ents[0].Offset+ents[0].Length])); got != "open their profile" {
		t.Fatalf("entity covers %q", got)
	}
	for _, want := range []string{"urgent", "suicide", "user id 42", "tg://user?id=42", "2026-11-26 20:00 UTC"} {
		if !strings.Contains(text, want) {
			t.Errorf("alert lacks %q:\n%s", want, text)
		}
	}
}
