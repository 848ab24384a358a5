package telegram

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/bot/store"
)

// counter is the crash test's handler: it counts a chat's messages in the
// real session store and answers "k=<text> n=<count>". A message handled
// exactly once answers n == k; one applied twice leaves every later n
// above its k.
type counter struct {
	st         *store.Store
	noDelivery bool // drop the Delivery: shows what the test catches without it
}

func (c counter) Handle(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
	if c.noDelivery {
		ctx = bot.WithDelivery(ctx, bot.Delivery{})
	}
	key := "tg:" + m.ChatID
	sess, _, err := c.st.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	sess.Offset++
	sess.Updated = time.Now()
	if err := c.st.Put(ctx, key, sess); err != nil {
		return nil, err
	}
	return []bot.Reply{{Text: fmt.Sprintf("k=%s n=%d", m.Text, sess.Offset)}}, nil
}

// TestCrashLoadChild is the process TestKill9 kills: an adapter and the
// session store on a shared state directory, running until killed.
func TestCrashLoadChild(t *testing.T) {
	api := os.Getenv("PEERMATCH_CRASH_CHILD_API")
	if api == "" {
		t.Skip("only run by TestKill9")
	}
	dir := os.Getenv("PEERMATCH_CRASH_CHILD_STATE")
	st, err := store.Open(filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Token: testToken, API: api, StateDir: dir, Logger: slog.New(slog.DiscardHandler),
		PerChatInterval: time.Millisecond, PerChatBurst: 1000, GlobalRate: 1e6, PollTimeout: time.Second,
		RequestTimeout: 2 * time.Second, RetryBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_ = a.Run(context.Background(), counter{st: st, noDelivery: os.Getenv("PEERMATCH_CRASH_NO_DELIVERY") == "1"})
	t.Fatal("Run returned; the child should have been killed")
}

// TestKill9 kills the adapter's process with SIGKILL 50 times while 3,000
// updates arrive from 30 chats, then lets a last process finish, and
// counts what Telegram received: lost updates (no reply), doubled replies
// (sent twice: allowed, sendMessage has no idempotency key) and updates
// applied twice (a reply's count above its message number). It needs
// PEERMATCH_CRASH_TEST=1 (about a minute).
func TestKill9(t *testing.T) {
	if os.Getenv("PEERMATCH_CRASH_TEST") != "1" {
		t.Skip("set PEERMATCH_CRASH_TEST=1 to run the kill -9 test")
	}
	const chats, each, kills = 30, 100, 50
	f := newFakeTG(t, testToken)
	dir := t.TempDir()
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashLoadChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "PEERMATCH_CRASH_CHILD_API="+f.srv.URL, "PEERMATCH_CRASH_CHILD_STATE="+dir)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	// The updates arrive over the kills: 3,000 in about 12 s.
	pushed := make(chan int, 1)
	go func() {
		last := 0
		for k := 1; k <= each; k++ {
			for c := range chats {
				last = f.text(privateChat(int64(8000+c)), strconv.Itoa(k))
			}
			time.Sleep(120 * time.Millisecond)
		}
		pushed <- last
	}()
	for range kills {
		cmd := start()
		time.Sleep(time.Duration(100+rand.IntN(300)) * time.Millisecond)
		_ = cmd.Process.Kill() // SIGKILL
		_ = cmd.Wait()
	}
	last := <-pushed
	cmd := start()
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	f.waitConfirmed(last)
	// Every chat's last reply, or give up after a minute.
	deadline := time.Now().Add(time.Minute)
	for c := range chats {
		chat := int64(8000 + c)
		for !hasReply(f, chat, each) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond) // polling a condition
		}
	}
	lost, doubled, twice := 0, 0, 0
	for c := range chats {
		chat := int64(8000 + c)
		got := map[int]int{}
		count := map[int]int{} // message → the count its first reply reported
		for _, s := range f.sentTo(chat) {
			var k, n int
			if _, err := fmt.Sscanf(s.Text, "k=%d n=%d", &k, &n); err != nil {
				t.Fatalf("reply %q: %v", s.Text, err)
			}
			if got[k]++; got[k] == 1 {
				count[k] = n
			}
		}
		// Each update applied twice raises the count above the message
		// number by one more, for good.
		excess := 0
		for k := 1; k <= each; k++ {
			switch {
			case got[k] == 0:
				lost++
				continue
			case got[k] > 1:
				doubled += got[k] - 1
			}
			if e := count[k] - k; e > excess {
				if twice < 3 {
					t.Logf("chat %d: message %d answered with count %d", chat, k, count[k])
				}
				twice += e - excess
				excess = e
			}
		}
	}
	t.Logf("kill -9 ×%d during %d updates: lost %d, replies sent twice %d, applied twice %d", kills, chats*each, lost, doubled, twice)
	if lost != 0 || twice != 0 {
		t.Errorf("lost %d, applied twice %d; both must be 0", lost, twice)
	}
}

func hasReply(f *fakeTG, chat int64, k int) bool {
	for _, s := range f.sentTo(chat) {
		if strings.HasPrefix(s.Text, "k="+strconv.Itoa(k)+" ") {
			return true
		}
	}
	return false
}
