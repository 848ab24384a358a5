package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/peermatch/peermatch/bot"
)

// BenchmarkAdapterOverhead measures what the adapter itself adds per
// update, without the network and without the state file: decode the
// update JSON as the library does, translate it to a Message, call a
// no-op handler, render the reply (text and three buttons) and build the
// library request with its reply_markup JSON.
func BenchmarkAdapterOverhead(b *testing.B) {
	log, _ := newLogger()
	a := &Adapter{log: log, idKey: testKey}
	a.api.Store(&tgbotapi.BotAPI{Self: tgbotapi.User{ID: fakeBotID, UserName: "peermatch_test_bot"}})
	raw := []byte(`{"update_id":1,"message":{"message_id":9,"date":1,"chat":{"id":42,"type":"private","first_name":"A"},"from":{"id":42,"first_name":"A","language_code":"en"},"text":"I'm looking for a grief group online"}}`)
	reply := []bot.Reply{{Text: "Would you like to meet online (or by phone), in person, or either?",
		Choices: []bot.Choice{{ID: "fmt:online", Label: "Online"}, {ID: "fmt:in_person", Label: "In person"}, {ID: "fmt:any", Label: "Either"}}}}
	noop := bot.HandlerFunc(func(context.Context, bot.Message) ([]bot.Reply, error) { return reply, nil })
	b.ReportAllocs()
	for b.Loop() {
		var u tgbotapi.Update
		if err := json.Unmarshal(raw, &u); err != nil {
			b.Fatal(err)
		}
		in, ok := a.translate(&u, time.Time{})
		if !ok {
			b.Fatal("not translated")
		}
		rs, _ := noop.Handle(context.Background(), in.msg)
		for _, it := range a.render(in, rs) {
			if _, err := json.Marshal(it.markup()); err != nil {
				b.Fatal(err)
			}
			_ = it.chattable(in.chat)
		}
	}
}

// BenchmarkCommit is the durable part of handling an update: the done
// mark and the outbox entry in one bbolt transaction (fsync included),
// from parallel chats so that commits share an fsync as in production.
func BenchmarkCommit(b *testing.B) {
	st, err := openState(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.close()
	var id int64
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			<-mu
			id++
			n := int(id)
			mu <- struct{}{}
			if err := st.commit(n, time.Unix(0, 0), []*outItem{{Chat: 42, Text: "Would you like to meet online?"}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// manyChats pushes per updates from each of chats chats through the fake
// server and the whole adapter (poll, handle, commit, send, outbox delete)
// with a trivial handler and the rate limits opened up, and returns how
// long the answers took. Production limits are 1 message/s per chat and
// about 30/s overall, which no test should wait for; this exercises the
// adapter, not Telegram.
func manyChats(t testing.TB, chats, per int) (*fakeTG, time.Duration) {
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	a := newTestAdapter(t, f, log, func(c *Config) { c.Workers, c.Senders = 32, 32 })
	runAdapter(t, a, bot.HandlerFunc(func(_ context.Context, m bot.Message) ([]bot.Reply, error) {
		return []bot.Reply{{Text: "ok"}}, nil
	}))
	// Let the adapter connect before the clock starts.
	f.waitConfirmed(f.text(privateChat(1), "warm up"))
	f.waitSent(1)
	start := time.Now()
	var last int
	for i := range per {
		for c := range chats {
			last = f.text(privateChat(int64(10000+c)), fmt.Sprintf("m%d", i))
		}
	}
	f.waitSent(1 + chats*per)
	el := time.Since(start)
	f.waitConfirmed(last)
	return f, el
}

// TestManyChatsAllAnswered: 2,000 updates from 200 chats are all answered,
// each chat's in order. How fast is BenchmarkThroughput's to say: a rate
// asserted in a test flakes on a loaded machine.
func TestManyChatsAllAnswered(t *testing.T) {
	const chats, per = 200, 10
	f, _ := manyChats(t, chats, per)
	// Per-chat order held: each chat's replies answer its updates in order
	// (the handler saw them in order; the fake records sends in order).
	for c := range chats {
		if n := len(f.sentTo(int64(10000 + c))); n != per {
			t.Fatalf("chat %d got %d replies, want %d", c, n, per)
		}
	}
}

// BenchmarkThroughput reports end-to-end updates per second through the
// adapter. Run: go test ./bot/telegram -run XXX -bench Throughput -benchtime 3x
func BenchmarkThroughput(b *testing.B) {
	const chats, per = 200, 10
	var total time.Duration
	for b.Loop() {
		_, el := manyChats(b, chats, per)
		total += el
	}
	b.ReportMetric(float64(chats*per*b.N)/total.Seconds(), "updates/s")
}
