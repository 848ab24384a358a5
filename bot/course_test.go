package bot_test

// Changing course (issue 15): after results, and at any question, a new
// place, format, day, time, audience, exclusion or topic updates the
// search; "yes", "no" and "either" answer every question with choices;
// typed requests work without buttons. Also the sentences that say what a
// search could not honour, the returning "hi" and the one acknowledgement.

import (
	"context"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/matcher"
)

// demo is the real matcher's index over the demo directory
// (data/directory/demo), built once.
var demo struct {
	once sync.Once
	dir  *data.Directory
	idx  index.Index
	err  error
}

// demoRig is a rig whose matcher searches the demo directory.
func demoRig(t testing.TB) *rig {
	t.Helper()
	loadReal(t)
	demo.once.Do(func() {
		demo.dir, demo.err = data.DemoDirectory(real.vocab)
		if demo.err != nil {
			return
		}
		demo.idx, demo.err = index.Open(context.Background(), "", demo.dir, real.vocab, nil)
	})
	if demo.err != nil {
		t.Fatal(demo.err)
	}
	clk := newClock(time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC))
	r := newRig(t, rigOptions{matcher: matcher.New(demo.idx, demo.dir, real.vocab, real.gaz, nil, matcher.WithClock(clk.Now))})
	r.clk = clk
	return r
}

// chat sends each message as user u1 (locale en-US unless set) and returns
// the replies to the last one.
type chatter struct {
	t      *testing.T
	r      *rig
	locale string
}

func newChat(t *testing.T, r *rig) *chatter { return &chatter{t: t, r: r, locale: "en-US"} }

func (c *chatter) say(msgs ...string) []bot.Reply {
	c.t.Helper()
	var reps []bot.Reply
	for _, m := range msgs {
		var err error
		reps, err = c.r.send("u1", c.locale, m)
		if err != nil {
			c.t.Logf("handler error (for logs): %v", err)
		}
		if os.Getenv("PEERMATCH_SHOW_CHAT") != "" {
			c.t.Logf("> %s\n%s", m, replyTexts(reps))
		}
	}
	return reps
}

// text is the replies' texts with their choice labels.
func (c *chatter) text(msgs ...string) string { c.t.Helper(); return replyTexts(c.say(msgs...)) }

// sess is what the store keeps for u1.
func (c *chatter) sess() bot.Session {
	c.t.Helper()
	s, ok, err := c.r.store.Get(context.Background(), c.r.eng.UserKey("telegram", "u1"))
	if err != nil || !ok {
		c.t.Fatalf("session: ok=%v err=%v", ok, err)
	}
	return s
}

// shown is the groups last shown.
func (c *chatter) shown() []*data.Group {
	c.t.Helper()
	var gs []*data.Group
	for _, id := range c.sess().Shown {
		g, ok := c.r.matcher.Group(id)
		if !ok {
			c.t.Fatalf("shown group %q unknown", id)
		}
		gs = append(gs, g)
	}
	return gs
}

// notedMatcher is the real matcher whose results carry the given notes, as
// the lead's matcher does when a search could not honour something.
type notedMatcher struct {
	bot.Matcher
	notes []string
}

func (n *notedMatcher) Find(ctx context.Context, in data.Intake, offset, limit int) ([]data.Match, error) {
	ms, err := n.Matcher.Find(ctx, in, offset, limit)
	for i := range ms {
		ms[i].Notes = n.notes
	}
	return ms, err
}

func (n *notedMatcher) Locate(text string) (data.Place, bool) {
	return n.Matcher.(interface {
		Locate(string) (data.Place, bool)
	}).Locate(text)
}

func TestNotesSayWhatDidNotFit(t *testing.T) {
	for _, c := range []struct {
		locale string
		notes  []string
		want   []string // in order, before the first group
	}{
		{"en-US", nil, []string{"Here are groups that may fit:"}},
		{"en-US", []string{data.NoteNoInPerson}, []string{"No in-person groups near Austin", "These meet online and welcome anyone."}},
		{"en-US", []string{data.NoteNoTopic}, []string{"I don't have a group for grief and loss yet. These can help you find one:"}},
		{"en-US", []string{data.NoteNoLocal}, []string{"My list has nothing for this in your country yet."}},
		{"en-US", []string{data.NoteWiderArea}, []string{"Nothing close to Austin"}},
		{"en-US", []string{data.NoteOtherDays}, []string{"Nothing on the days or times you asked for"}},
		// The sentence that leads into the list goes last.
		{"en-US", []string{data.NoteNoTopic, data.NoteNoInPerson}, []string{"No in-person groups near Austin", "These can help you find one:"}},
		{"es-MX", []string{data.NoteNoInPerson}, []string{"No hay grupos en persona cerca de Austin"}},
		{"es-MX", []string{data.NoteNoTopic}, []string{"Aún no tengo un grupo sobre duelo y pérdida."}},
	} {
		t.Run(c.locale+strings.Join(c.notes, "+"), func(t *testing.T) {
			loadReal(t)
			r := newRig(t, rigOptions{})
			r.cfg.Matcher = &notedMatcher{Matcher: r.matcher, notes: c.notes}
			r.build()
			ch := newChat(t, r)
			ch.locale = c.locale
			ch.say("hi", "consent:yes", "topic:grief", "fmt:in_person")
			got := ch.text("Austin, TX")
			head, _, ok := strings.Cut(got, "\n1. ")
			if !ok {
				t.Fatalf("no results:\n%s", got)
			}
			at := 0
			for _, w := range c.want {
				i := strings.Index(head[at:], w)
				if i < 0 {
					t.Fatalf("want %q (in order) before the groups; got:\n%s", w, head)
				}
				at += i + len(w)
			}
			if len(c.notes) > 0 && strings.Contains(head, "Here are groups") {
				t.Errorf("the usual intro as well as the notes:\n%s", head)
			}
			// More results do not say it again.
			if more := ch.text("more"); len(c.notes) > 0 && strings.Contains(more, c.want[0]) {
				t.Errorf("the note repeated on the next page:\n%s", more)
			}
		})
	}
}

// TestChangeCourseDemoAustin is issue 15's scripted chat: after online
// results, "actually in person near Austin, TX" gives in-person Austin
// results (demo data).
func TestChangeCourseDemoAustin(t *testing.T) {
	ch := newChat(t, demoRig(t))
	ch.say("hi", "ok", "I want to stop drinking", "for me")
	if got := ch.text("online"); !strings.Contains(got, "1. ") {
		t.Fatalf("no results:\n%s", got)
	}
	got := ch.text("actually in person near Austin, TX")
	s := ch.sess()
	if s.Step != bot.StepResults || s.Format != "in_person" || !strings.Contains(s.PlaceName, "Austin") || !slices.Contains(s.Topics, "alcohol") {
		t.Fatalf("step %q format %q place %q topics %v, want in-person alcohol results near Austin:\n%s", s.Step, s.Format, s.PlaceName, s.Topics, got)
	}
	austin := data.Point{Lat: 30.27, Lon: -97.74}
	shown := ch.shown()
	if len(shown) == 0 {
		t.Fatalf("nothing shown:\n%s", got)
	}
	for _, g := range shown {
		if !g.Format.InPerson() || g.Location == nil || g.Location.Point == nil || km(austin, *g.Location.Point) > 50 {
			t.Errorf("%s (%s) is not an in-person group in Austin", g.ID, g.Format)
		}
	}
}

// TestNoAAPleaseAfterResults: "no AA please" after results keeps 12-step
// groups out and the topic as it was.
func TestNoAAPleaseAfterResults(t *testing.T) {
	ch := newChat(t, demoRig(t))
	ch.say("hi", "ok", "I want to stop drinking", "for me", "in person", "Austin, TX")
	got := ch.text("no AA please")
	s := ch.sess()
	if !slices.Contains(s.Exclude, data.ExcludeTwelveStep) {
		t.Skip("needs matcher exclusions: lead")
	}
	if !slices.Contains(s.Topics, "alcohol") || s.Step != bot.StepResults {
		t.Errorf("topics %v step %q: an exclusion must keep the topic and show results", s.Topics, s.Step)
	}
	for _, g := range ch.shown() {
		if g.TwelveStep {
			t.Errorf("%s is a 12-step group after \"no AA please\":\n%s", g.ID, got)
		}
	}
}

func km(a, b data.Point) float64 {
	const r = 6371
	la1, la2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	dla, dlo := la2-la1, (b.Lon-a.Lon)*math.Pi/180
	h := math.Sin(dla/2)*math.Sin(dla/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dlo/2)*math.Sin(dlo/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}
