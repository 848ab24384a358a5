package discord

// Fault tests: the fake Discord down at start and later, 429 storms, 5xx,
// hung sends and one person's flood. Times are scaled down through Config
// so that each test takes a second or two.

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peermatch/peermatch/bot"
)

// fast shortens every wait so that outages of a fraction of a second stand
// for minutes.
func fast(c *Config) {
	c.ReconnectMin, c.ReconnectMax = 10*time.Millisecond, 80*time.Millisecond
	c.RetryMin, c.RetryMax = 5*time.Millisecond, 40*time.Millisecond
	c.SendTimeout, c.CrisisTimeout, c.CrisisRetryMax = 300*time.Millisecond, 200*time.Millisecond, 20*time.Millisecond
}

// crisisWord marks test messages that Config.Screen reports as a crisis.
const crisisWord = "hopeless"

func screen(s string) bool { return strings.Contains(s, crisisWord) }

// echoCrisis answers every message once, urgently for crisis messages, as
// the core's screen does.
var echoCrisis = bot.HandlerFunc(func(_ context.Context, m bot.Message) ([]bot.Reply, error) {
	if screen(m.Text) {
		return []bot.Reply{{Text: "crisis lines for " + m.UserID, Urgent: true}}, nil
	}
	if m.Command != nil {
		// A slash command reaches the core as a command, not as text.
		return []bot.Reply{{Text: "re: /" + m.Command.Name}}, nil
	}
	return []bot.Reply{{Text: "re: " + m.Text}}, nil
})

// TestAPIDownAtStart: with Discord unreachable at start (first cut
// connections, then 503s), Run keeps trying with backoff instead of
// returning, and connects and answers once Discord is back.
func TestAPIDownAtStart(t *testing.T) {
	t.Parallel()
	for _, status := range []int{0, 503} {
		t.Run(fmt.Sprint("status", status), func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.setFaults(faults{down: true, downStatus: status})
			r := newRig(t, f, fast)
			ctx, cancel := context.WithCancel(context.Background())
			r.cancel = cancel
			go func() { r.done <- r.a.Run(ctx, echoCrisis) }()
			t.Cleanup(func() { r.stop(t) })
			// Down for a while: many tries, no READY, Run still running.
			f.waitFor("tries while down", func(cs []call) bool { return count(cs, "GET", "/gateway/bot") >= 5 })
			select {
			case err := <-r.done:
				r.cancel = nil
				t.Fatalf("Run gave up while Discord was down: %v", err)
			default:
			}
			if conns, _, _, _ := f.state(); conns != 0 {
				t.Fatalf("%d gateway connections while down", conns)
			}
			f.setFaults(faults{})
			back := time.Now()
			f.waitReady()
			f.waitFor("command registration", func(cs []call) bool { return count(cs, "PUT", "/applications/") == 1 })
			f.dm("61", "back?")
			f.waitFor("answer", func(cs []call) bool { return len(delivered(cs, "dm61")) == 1 })
			t.Logf("connected %v after Discord came back, after %d tries of GET /gateway/bot",
				time.Since(back).Round(time.Millisecond), count(f.snapshot(), "GET", "/gateway/bot"))
			r.logs.clean(t)
		})
	}
}

// TestAPIDownLater: the gateway drops and Discord is down for a while; the
// adapter keeps reconnecting and serves again when it is back.
func TestAPIDownLater(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := newRig(t, f, fast)
	r.run(t, echoCrisis)
	f.setFaults(faults{down: true})
	f.closeGateway(1011)
	deadline := time.After(10 * time.Second)
	for {
		conns, _, _, _ := f.state()
		if strings.Count(r.logs.String(), "gateway connect failed") >= 3 {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("no reconnect attempts while down (%d connections)", conns)
		case <-time.After(5 * time.Millisecond):
		}
	}
	f.setFaults(faults{})
	f.waitReady()
	f.dm("62", "back?")
	f.waitFor("answer", func(cs []call) bool { return len(delivered(cs, "dm62")) == 1 })
}

// TestStorm429: 90% of sends are rate limited. Every ordinary reply is
// delivered once the storm lets it through, each retry after Retry-After,
// none twice; a crisis reply in a fresh conversation gets through too.
func TestStorm429(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := newRig(t, f, func(c *Config) { fast(c); c.Screen = screen })
	r.run(t, echoCrisis)
	f.setFaults(faults{storm429: 9, retryAfter: 0.03})
	const users, each = 8, 3
	for i := range each {
		for u := range users {
			f.dm(fmt.Sprint(100+u), fmt.Sprint("m", i))
		}
	}
	// A slash command in a server: its answer edits the deferred reply
	// through the interaction token, under the same storm.
	ix := f.slash("150", "777", cmdHelp, "en-US", nil)
	start := time.Now()
	f.dm("199", "I feel "+crisisWord)
	cs := f.waitFor("the crisis reply", func(cs []call) bool { return len(delivered(cs, "dm199")) == 1 })
	t.Logf("crisis reply delivered %v after the message, during the storm", time.Since(start).Round(time.Millisecond))
	f.waitFor("the slash command's answer", func(cs []call) bool {
		for _, c := range filter(cs, "PATCH", "/webhooks/"+fakeApp+"/itok"+ix+"/messages/@original") {
			if c.Fault == "" && c.str("content") == "re: /help" {
				return true
			}
		}
		return false
	})
	cs = f.waitFor("every reply", func(cs []call) bool {
		for u := range users {
			if len(delivered(cs, fmt.Sprint("dm", 100+u))) < each {
				return false
			}
		}
		return true
	})
	for u := range users {
		ch := fmt.Sprint("dm", 100+u)
		var got []string
		for _, c := range delivered(cs, ch) {
			got = append(got, c.str("content"))
		}
		if strings.Join(got, ",") != "re: m0,re: m1,re: m2" {
			t.Errorf("%s got %v, want each reply once, in order", ch, got)
		}
		// A retry of one message (same nonce) after a 429 waits out
		// Retry-After. (A try that timed out is retried sooner.)
		tries := posts(cs, ch)
		slices.SortFunc(tries, func(a, b call) int { return a.At.Compare(b.At) })
		last := map[string]call{}
		for _, c := range tries {
			n := c.str("nonce")
			if prev, ok := last[n]; ok && prev.Fault == "429" && c.At.Sub(prev.At) < 30*time.Millisecond {
				t.Errorf("%s: retry %v after a 429 asking for 30 ms", ch, c.At.Sub(prev.At))
			}
			last[n] = c
		}
	}
	if s := r.a.Stats(); s.Expired+s.Failed != 0 || s.Retries == 0 {
		t.Errorf("stats %+v: want retries and nothing lost", s)
	}
	r.logs.clean(t)
}

// TestServerErrorsAndHungSends: half the sends fail with a 5xx, then half
// hang; every reply still arrives, and a crisis reply's hung try is
// abandoned after CrisisTimeout.
func TestServerErrorsAndHungSends(t *testing.T) {
	t.Parallel()
	for _, fs := range []faults{{err5xx: 5}, {hang: 5}} {
		t.Run(fmt.Sprintf("5xx%d-hang%d", fs.err5xx, fs.hang), func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			r := newRig(t, f, func(c *Config) { fast(c); c.Screen = screen })
			r.run(t, echoCrisis)
			f.setFaults(fs)
			for i := range 4 {
				for u := range 5 {
					f.dm(fmt.Sprint(200+u), fmt.Sprint("m", i))
				}
			}
			f.dm("299", crisisWord)
			cs := f.waitFor("every reply", func(cs []call) bool {
				for u := range 5 {
					if len(delivered(cs, fmt.Sprint("dm", 200+u))) < 4 {
						return false
					}
				}
				return len(delivered(cs, "dm299")) == 1
			})
			for u := range 5 {
				ch := fmt.Sprint("dm", 200+u)
				var got []string
				for _, c := range delivered(cs, ch) {
					got = append(got, c.str("content"))
				}
				if strings.Join(got, ",") != "re: m0,re: m1,re: m2,re: m3" {
					t.Errorf("%s got %v", ch, got)
				}
			}
			faulted := 0
			for _, c := range cs {
				if c.Fault != "" {
					faulted++
				}
			}
			if faulted == 0 || r.a.Stats().Retries == 0 {
				t.Errorf("no faults were injected (%d) or retried (%+v)", faulted, r.a.Stats())
			}
		})
	}
}

// TestFlood: one person floods a full queue. The overflow is refused with
// one "slow down", counted; a crisis message sent into the full queue is
// still answered, at once, while the queued messages wait.
func TestFlood(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := newRig(t, f, func(c *Config) { fast(c); c.Screen = screen; c.QueueSize = 3 })
	release, started := make(chan struct{}), make(chan struct{}, 1)
	var mu sync.Mutex
	var handled []string
	r.run(t, bot.HandlerFunc(func(ctx context.Context, m bot.Message) ([]bot.Reply, error) {
		if !screen(m.Text) {
			select {
			case started <- struct{}{}:
			default:
			}
			<-release // a slow turn: everything else queues behind it
		}
		mu.Lock()
		handled = append(handled, m.Text)
		mu.Unlock()
		return echoCrisis(ctx, m)
	}))
	const u = "4711223344"
	f.dm(u, "m0")
	<-started
	for i := 1; i < 10; i++ {
		f.dm(u, fmt.Sprint("m", i))
	}
	cs := f.waitFor("slow down", func(cs []call) bool { return len(delivered(cs, "dm"+u)) == 1 })
	if got := delivered(cs, "dm"+u)[0].str("content"); got != bot.UIFor("en").Text("slow_down") {
		t.Fatalf("first answer to a flood: %q", got)
	}
	f.dm(u, "now "+crisisWord)
	cs = f.waitFor("crisis reply", func(cs []call) bool { return len(delivered(cs, "dm"+u)) == 2 })
	if got := delivered(cs, "dm"+u)[1].str("content"); !strings.Contains(got, "crisis lines") {
		t.Fatalf("second answer: %q, want the crisis reply before the queued messages", got)
	}
	close(release)
	cs = f.waitFor("queued replies", func(cs []call) bool { return len(delivered(cs, "dm"+u)) == 6 })
	var got []string
	for _, c := range delivered(cs, "dm"+u)[2:] {
		got = append(got, c.str("content"))
	}
	// m0 was being handled; m1..m3 queued; m4..m9 refused.
	if strings.Join(got, ",") != "re: m0,re: m1,re: m2,re: m3" {
		t.Errorf("after the flood: %v", got)
	}
	if s := r.a.Stats(); s.Dropped != 6 || s.Floods != 1 {
		t.Errorf("stats %+v, want 6 dropped and one slow-down", s)
	}
	mu.Lock()
	if len(handled) != 5 {
		t.Errorf("handled %v", handled)
	}
	mu.Unlock()
	r.logs.clean(t, u)
}

// TestAPIDown60sAtStartRealTime is the bar at full scale, with the
// adapter's default backoff: Discord down for 60 s at start. It takes about
// two minutes, so it runs only with PEERMATCH_SLOW_TESTS=1.
func TestAPIDown60sAtStartRealTime(t *testing.T) {
	if os.Getenv("PEERMATCH_SLOW_TESTS") == "" {
		t.Skip("takes two minutes; set PEERMATCH_SLOW_TESTS=1")
	}
	f := newFake(t)
	f.setFaults(faults{down: true})
	r := newRig(t, f, func(c *Config) { c.ReconnectMin, c.ReconnectMax = 0, 0 })
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- r.a.Run(ctx, echoCrisis) }()
	t.Cleanup(func() { r.stop(t) })
	time.Sleep(60 * time.Second)
	select {
	case err := <-r.done:
		r.cancel = nil
		t.Fatalf("Run gave up while Discord was down: %v", err)
	default:
	}
	f.setFaults(faults{})
	back := time.Now()
	select {
	case <-f.readyCh:
	case <-time.After(3 * time.Minute):
		t.Fatal("not connected 3 minutes after Discord came back")
	}
	t.Logf("connected %v after Discord came back; %d tries of GET /gateway/bot in all",
		time.Since(back).Round(time.Millisecond), count(f.snapshot(), "GET", "/gateway/bot"))
}

// TestCrisisWithDefaultTimings: crisis replies with the adapter's default
// crisis timings (CrisisTimeout, CrisisRetryMax), in fresh conversations,
// during a 90% 429 storm asking for 5 s and during 50% hung sends. They
// are all delivered; how long they took is logged (go test -v), not
// asserted.
func TestCrisisWithDefaultTimings(t *testing.T) {
	t.Parallel()
	for _, fs := range []faults{{storm429: 9, retryAfter: 5}, {hang: 5}} {
		t.Run(fmt.Sprintf("429x%d-hang%d", fs.storm429, fs.hang), func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			r := newRig(t, f, func(c *Config) { c.Screen = screen })
			r.run(t, echoCrisis)
			f.setFaults(fs)
			const n = 5
			start := time.Now()
			for i := range n {
				f.dm(fmt.Sprint(300+i), crisisWord)
			}
			took := make([]time.Duration, n)
			f.waitFor("every crisis reply", func(cs []call) bool {
				for i := range n {
					if d := delivered(cs, fmt.Sprint("dm", 300+i)); len(d) == 1 && took[i] == 0 {
						took[i] = d[0].At.Sub(start)
					}
				}
				for _, d := range took {
					if d == 0 {
						return false
					}
				}
				return true
			})
			worst := slices.Max(took)
			t.Logf("%d crisis replies delivered; slowest %v after the messages", n, worst.Round(time.Millisecond))
		})
	}
}
