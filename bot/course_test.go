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

	"github.com/peermatch/peermatch/data/importer"
	"github.com/peermatch/peermatch/data/place"

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
		demo.dir, demo.err = importer.DemoDirectory(real.vocab)
		if demo.err != nil {
			return
		}
		demo.idx, demo.err = index.Build(context.Background(), "", real.vocab, nil, index.Source{Name: "test", Groups: index.Slice(demo.dir.Groups)})
	})
	if demo.err != nil {
		t.Fatal(demo.err)
	}
	clk := newClock(time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC))
	r := newRig(t, rigOptions{matcher: matcher.New(demo.idx, real.vocab, real.gaz, nil, matcher.WithClock(clk.Now))})
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

func (n *notedMatcher) Locate(text string) (place.Place, bool) {
	return n.Matcher.(interface {
		Locate(string) (place.Place, bool)
	}).Locate(text)
}

func TestNotesSayWhatDidNotFit(t *testing.T) {
	for _, c := range []struct {
		locale string
		notes  []string
		want   []string // in order, before the first group
		topic  string   // the tap at "What brings you here?"
	}{
		{"en-US", nil, []string{"Here are groups that may fit:"}, ""},
		{"en-US", []string{data.NoteNoInPerson}, []string{"No in-person groups near Austin", "These meet online and welcome anyone."}, ""},
		{"en-US", []string{data.NoteNoTopic}, []string{"I don't have a group for grief and loss yet. These can help you find one:"}, ""},
		{"en-US", []string{data.NoteNoTopic}, []string{"You didn't pick a topic, so here are ways to find a group:"}, "skip"},
		{"en-US", []string{data.NoteNoLocal}, []string{"My list has nothing for this in your country yet."}, ""},
		{"en-US", []string{data.NoteWiderArea}, []string{"Nothing close to Austin"}, ""},
		{"en-US", []string{data.NoteOtherDays}, []string{"Nothing on the days or times you asked for"}, ""},
		// The sentence that leads into the list goes last.
		{"en-US", []string{data.NoteNoTopic, data.NoteNoInPerson}, []string{"No in-person groups near Austin", "These can help you find one:"}, ""},
		{"es-MX", []string{data.NoteNoInPerson}, []string{"No hay grupos en persona cerca de Austin"}, ""},
		{"es-MX", []string{data.NoteNoTopic}, []string{"Aún no tengo un grupo sobre duelo y pérdida."}, ""},
	} {
		t.Run(c.locale+strings.Join(c.notes, "+"), func(t *testing.T) {
			loadReal(t)
			r := newRig(t, rigOptions{})
			r.cfg.Matcher = &notedMatcher{Matcher: r.matcher, notes: c.notes}
			r.build()
			ch := newChat(t, r)
			ch.locale = c.locale
			topic := c.topic
			if topic == "" {
				topic = "topic:grief"
			}
			ch.say("hi", "consent:yes", topic, "fmt:in_person")
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
			// The usual intro follows the notes, unless a note leads into
			// the list itself.
			if intro := strings.Contains(head, "Here are groups") || strings.Contains(head, "Estos grupos pueden"); intro == slices.Contains(c.notes, data.NoteNoTopic) {
				t.Errorf("usual intro shown: %v, with notes %v:\n%s", intro, c.notes, head)
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
		t.Fatalf("\"no AA please\" did not rule out 12-step groups: exclude %v", s.Exclude)
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

// TestNotedBeforeAskingAgain: a message that answers something other than
// the question asked is acknowledged before the question comes again.
func TestNotedBeforeAskingAgain(t *testing.T) {
	ch := newChat(t, demoRig(t))
	ch.say("hi", "ok", "I want to stop drinking")
	got := ch.text("online")
	if s := ch.sess(); s.Format != "online" || s.Step != bot.StepWho || !strings.HasPrefix(got, "Got it.") {
		t.Errorf("format %q step %q, reply %q: want the format kept and \"Got it.\" before the same question", s.Format, s.Step, got)
	}
}

func km(a, b data.Point) float64 {
	const r = 6371
	la1, la2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	dla, dlo := la2-la1, (b.Lon-a.Lon)*math.Pi/180
	h := math.Sin(dla/2)*math.Sin(dla/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dlo/2)*math.Sin(dlo/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}

// toResults brings u1 to online grief results on the default directory.
func toResults(t *testing.T) *chatter {
	t.Helper()
	ch := newChat(t, newRig(t, rigOptions{}))
	ch.say("hi", "consent:yes", "topic:grief")
	if got := ch.text("fmt:online"); !strings.Contains(got, "\n1. ") {
		t.Fatalf("no results:\n%s", got)
	}
	return ch
}

// TestChangeCourseAfterResults: each message, sent after results, changes
// what it names and keeps the rest; none is "I didn't catch that".
func TestChangeCourseAfterResults(t *testing.T) {
	for _, c := range []struct {
		msg  string
		step bot.Step
		ok   func(s bot.Session) bool
	}{
		// A format word alone is a format, never the gambling topic.
		{"online", bot.StepResults, func(s bot.Session) bool { return s.Format == "online" && slices.Equal(s.Topics, []string{"grief"}) }},
		// In person after online, with no place known: ask where.
		{"in person", bot.StepPlace, func(s bot.Session) bool { return s.Format == "in_person" }},
		{"actually in person", bot.StepPlace, func(s bot.Session) bool { return s.Format == "in_person" }},
		// A place alone, or after "what about": the new place, and rooms
		// there as well as online groups.
		{"denver", bot.StepResults, func(s bot.Session) bool {
			return strings.Contains(s.PlaceName, "Denver") && s.Format == "" && slices.Equal(s.Topics, []string{"grief"})
		}},
		{"what about Denver", bot.StepResults, func(s bot.Session) bool { return strings.Contains(s.PlaceName, "Denver") }},
		// The words that lead in are every catalog's, whatever the language.
		{"y en Denver", bot.StepResults, func(s bot.Session) bool { return strings.Contains(s.PlaceName, "Denver") }},
		{"et si Denver", bot.StepResults, func(s bot.Session) bool { return strings.Contains(s.PlaceName, "Denver") }},
		{"only evenings", bot.StepResults, func(s bot.Session) bool { return s.After >= 16*60 && slices.Equal(s.Topics, []string{"grief"}) }},
		{"for my son instead", bot.StepResults, func(s bot.Session) bool { return s.ForOther }},
		// A new topic replaces the old one (and, for drinking, asks for
		// whom, which grief did not need).
		{"actually it's my drinking I want help with", bot.StepWho, func(s bot.Session) bool { return slices.Equal(s.Topics, []string{"alcohol"}) }},
	} {
		t.Run(c.msg, func(t *testing.T) {
			ch := toResults(t)
			got := ch.text(c.msg)
			if strings.Contains(got, "didn't catch") {
				t.Fatalf("not understood:\n%s", got)
			}
			s := ch.sess()
			if s.Step != c.step || !c.ok(s) {
				t.Errorf("step %q, session %+v; want step %q and the change:\n%s", s.Step, s, c.step, got)
			}
			if c.step == bot.StepResults && !strings.Contains(got, "\n1. ") && !strings.Contains(got, "found no groups") {
				t.Errorf("no new results:\n%s", got)
			}
		})
	}
}

// TestPlaceWithProvince: "Toronto, ON" after results is a place (needs a
// place lookup that knows provinces).
func TestPlaceWithProvince(t *testing.T) {
	ch := toResults(t)
	if _, ok := ch.r.matcher.Locate("Toronto, ON"); !ok {
		t.Fatal("the place lookup does not know \"Toronto, ON\"")
	}
	got := ch.text("Toronto, ON")
	if s := ch.sess(); !strings.Contains(s.PlaceName, "Toronto") || s.Country != "CA" {
		t.Errorf("place %q country %q, want Toronto, CA:\n%s", s.PlaceName, s.Country, got)
	}
}

// TestSpanishFormatAtWhere: "en persona" at "¿Dónde busco?" is a format,
// not a new topic (issue 15).
func TestSpanishFormatAtWhere(t *testing.T) {
	ch := newChat(t, newRig(t, rigOptions{}))
	ch.locale = "es-MX"
	ch.say("hola", "consent:yes", "topic:grief", "fmt:any")
	if s := ch.sess(); s.Step != bot.StepPlace {
		t.Fatalf("step %q, want place", s.Step)
	}
	got := ch.text("en persona")
	if s := ch.sess(); s.Format != "in_person" || !slices.Equal(s.Topics, []string{"grief"}) || s.Step != bot.StepPlace {
		t.Errorf("format %q topics %v step %q, want in person, grief, still asking where:\n%s", s.Format, s.Topics, s.Step, got)
	}
}

// TestYesNoAtEveryQuestion: "yes", "no", "either" and their Spanish words
// answer every question that offers choices.
func TestYesNoAtEveryQuestion(t *testing.T) {
	for _, c := range []struct {
		locale string
		script []string // up to the question
		at     bot.Step
		answer string
		ok     func(s bot.Session) bool
	}{
		{"en-US", []string{"topic:alcohol"}, bot.StepWho, "yes", func(s bot.Session) bool { return !s.ForOther && s.Step == bot.StepFormat }},
		{"en-US", []string{"topic:alcohol"}, bot.StepWho, "no", func(s bot.Session) bool { return s.ForOther && s.Step == bot.StepFormat }},
		{"en-US", []string{"topic:alcohol"}, bot.StepWho, "no thanks", func(s bot.Session) bool { return !s.ForOther && s.Step == bot.StepFormat }},
		{"en-US", []string{"topic:grief"}, bot.StepFormat, "yes", func(s bot.Session) bool { return s.Format == "" && s.Step == bot.StepPlace }},
		{"en-US", []string{"topic:grief"}, bot.StepFormat, "either", func(s bot.Session) bool { return s.Format == "" && s.Step == bot.StepPlace }},
		{"en-US", []string{"topic:grief", "fmt:any"}, bot.StepPlace, "no", func(s bot.Session) bool { return s.Format == "online" && s.Step == bot.StepResults }},
		{"en-US", []string{"topic:grief", "fmt:any"}, bot.StepPlace, "yes", func(s bot.Session) bool { return s.Step == bot.StepPlace }},
		{"en-US", []string{"topic:grief", "fmt:online", "refine"}, bot.StepPrefs, "no", func(s bot.Session) bool { return s.Step == bot.StepResults }},
		{"en-US", []string{"topic:grief", "fmt:online"}, bot.StepResults, "yes", func(s bot.Session) bool { return s.Step == bot.StepResults }},
		{"es-MX", []string{"topic:alcohol"}, bot.StepWho, "sí", func(s bot.Session) bool { return !s.ForOther && s.Step == bot.StepFormat }},
		{"es-MX", []string{"topic:grief"}, bot.StepFormat, "da igual", func(s bot.Session) bool { return s.Format == "" && s.Step == bot.StepPlace }},
		{"es-MX", []string{"topic:grief"}, bot.StepFormat, "sí", func(s bot.Session) bool { return s.Format == "" && s.Step == bot.StepPlace }},
	} {
		t.Run(c.locale+" "+string(c.at)+" "+c.answer, func(t *testing.T) {
			ch := newChat(t, newRig(t, rigOptions{}))
			ch.locale = c.locale
			ch.say("hi", "consent:yes")
			ch.say(c.script...)
			if s := ch.sess(); s.Step != c.at {
				t.Fatalf("step %q, want %q", s.Step, c.at)
			}
			got := ch.text(c.answer)
			if strings.Contains(got, "didn't catch") || strings.Contains(got, "No entendí") {
				t.Fatalf("not understood:\n%s", got)
			}
			if s := ch.sess(); !c.ok(s) {
				t.Errorf("session %+v after %q:\n%s", s, c.answer, got)
			}
		})
	}
}

// TestConfirmYes: "yes" to "Did I get that right?" takes the first guess.
func TestConfirmYes(t *testing.T) {
	ch := newChat(t, newRig(t, rigOptions{}))
	ch.say("hi", "consent:yes")
	for _, msg := range []string{"I need support", "something is wrong", "my situation is hard", "help with my life"} {
		ch.say(msg)
		if s := ch.sess(); s.Step == bot.StepConfirm && len(s.Guesses) > 0 {
			first := s.Guesses[0]
			got := ch.text("yes")
			if s := ch.sess(); !slices.Equal(s.Topics, []string{first}) {
				t.Errorf("topics %v after yes, want [%s]:\n%s", s.Topics, first, got)
			}
			return
		}
	}
	t.Fatal("no test message led to a confirm question: the test checks nothing; give it a vaguer message")
}

// countReminders records reminders.
type countReminders struct{ n int }

func (f *countReminders) Remind(_, _, _, _ string, _ int, now time.Time) (time.Time, error) {
	f.n++
	return now.Add(24 * time.Hour), nil
}

func (f *countReminders) Cancel(string, string, string, int) (bool, error) { return true, nil }

// TestTypedRequests: times, a calendar file, a reminder, more and start
// over, typed without buttons or question marks.
func TestTypedRequests(t *testing.T) {
	r := newRig(t, rigOptions{})
	rem := &countReminders{}
	r.cfg.Calendar = func(*data.Group, time.Time, func(string, ...string) string) ([]byte, error) {
		return []byte("BEGIN:VCALENDAR"), nil
	}
	r.cfg.Reminders = rem
	r.build()
	ch := newChat(t, r)
	ch.say("hi", "consent:yes")
	if got := ch.text("remind me"); !strings.Contains(got, "First let's find a group") {
		t.Errorf("a reminder before any results:\n%s", got)
	}
	ch.say("topic:alcohol", "who:self")
	if got := ch.text("fmt:online"); !strings.Contains(got, "\n1. ") {
		t.Fatalf("no results:\n%s", got)
	}
	withMeetings := 0
	for _, g := range ch.shown() {
		if len(g.Meetings) > 0 {
			withMeetings++
		}
	}
	if withMeetings == 0 {
		t.Fatal("no shown group has meeting times; the test needs one")
	}
	if got := ch.text("what time is the next meeting"); !strings.Contains(got, "Meeting times:") {
		t.Errorf("times not shown:\n%s", got)
	}
	reps := ch.say("can you send me a calendar file")
	if len(reps) != 1 {
		t.Fatalf("%d replies to the calendar request", len(reps))
	}
	if withMeetings == 1 && reps[0].Attach == nil {
		t.Errorf("one group with meetings, but no calendar file:\n%s", replyTexts(reps))
	}
	if withMeetings > 1 && (len(reps[0].Choices) != min(withMeetings, 3) || !strings.HasPrefix(reps[0].Choices[0].ID, "cal:")) {
		t.Errorf("%d groups with meetings: want a calendar button each:\n%s%v", withMeetings, replyTexts(reps), reps[0].Choices)
	}
	reps = ch.say("remind me")
	if withMeetings == 1 && rem.n != 1 {
		t.Errorf("one group with meetings, no reminder set:\n%s", replyTexts(reps))
	}
	if withMeetings > 1 && (len(reps[0].Choices) == 0 || !strings.HasPrefix(reps[0].Choices[0].ID, "rem:")) {
		t.Errorf("want reminder buttons:\n%s", replyTexts(reps))
	}
	if got := ch.text("more"); !strings.Contains(got, "More groups:") && !strings.Contains(got, "That's all") {
		t.Errorf("more:\n%s", got)
	}
	got := ch.text("start over")
	if s := ch.sess(); s.Step != bot.StepTopic || len(s.Topics) > 0 || !strings.Contains(got, "start over") {
		t.Errorf("start over: step %q topics %v:\n%s", s.Step, s.Topics, got)
	}
}

// TestReturningHi: "hi" from someone mid-conversation resumes where they
// were, with a way to start over; never "I didn't catch that".
func TestReturningHi(t *testing.T) {
	for _, c := range []struct {
		locale string
		script []string
		hi     string
		want   string
		step   bot.Step
	}{
		{"en-US", []string{"topic:grief"}, "hi", "Welcome back", bot.StepFormat},
		{"en-US", []string{"topic:grief", "fmt:online"}, "hello", "Welcome back. I still have your last search.", bot.StepResults},
		{"en-US", []string{"topic:grief", "fmt:online"}, "", "Welcome back", bot.StepResults},
		{"es-MX", []string{"topic:grief"}, "hola", "Hola de nuevo", bot.StepFormat},
	} {
		t.Run(c.locale+" "+string(c.step)+" "+c.hi, func(t *testing.T) {
			ch := newChat(t, newRig(t, rigOptions{}))
			ch.locale = c.locale
			ch.say("hi", "consent:yes")
			ch.say(c.script...)
			reps := ch.say(c.hi)
			got := replyTexts(reps)
			if len(reps) != 1 || !strings.HasPrefix(got, c.want) || strings.Contains(got, "didn't catch") {
				t.Fatalf("want one reply starting %q:\n%s", c.want, got)
			}
			if !slices.ContainsFunc(reps[0].Choices, func(c bot.Choice) bool { return c.ID == "restart" }) {
				t.Errorf("no way to start over: %v", reps[0].Choices)
			}
			if s := ch.sess(); s.Step != c.step || !slices.Equal(s.Topics, []string{"grief"}) {
				t.Errorf("step %q topics %v: the hi changed where they were", s.Step, s.Topics)
			}
			if c.step == bot.StepFormat && !strings.Contains(got, "Online or phone") && !strings.Contains(got, "En línea") {
				t.Errorf("the open question is not asked again:\n%s", got)
			}
		})
	}
}

// TestAcknowledgeOnce: one short, kind sentence about the topic before the
// next question, once, never the person's own words.
func TestAcknowledgeOnce(t *testing.T) {
	for _, c := range []struct {
		locale, msg, want, notEcho string
	}{
		{"en-US", "my mother died last month", "I'm so sorry for your loss.", "mother"},
		{"en-US", "I want to stop drinking", "It takes courage to reach out about drinking.", "stop drinking"},
		{"es-MX", "mi madre murió el mes pasado", "Siento mucho tu pérdida.", "madre"},
		{"en-US", "topic:grief", "I'm so sorry for your loss.", ""},
	} {
		t.Run(c.locale+" "+c.msg, func(t *testing.T) {
			ch := newChat(t, newRig(t, rigOptions{}))
			ch.locale = c.locale
			ch.say("hi", "consent:yes")
			got := ch.text(c.msg)
			if !strings.HasPrefix(got, c.want+"\n\n") {
				t.Fatalf("want the question led by %q:\n%s", c.want, got)
			}
			if c.notEcho != "" && strings.Contains(strings.ToLower(got), c.notEcho) {
				t.Errorf("the reply repeats their words %q:\n%s", c.notEcho, got)
			}
			s := ch.sess()
			next := map[bot.Step]string{bot.StepWho: "who:self", bot.StepFormat: "fmt:in_person", bot.StepPlace: "skip"}[s.Step]
			if next == "" {
				t.Fatalf("step %q after the topic", s.Step)
			}
			if again := ch.text(next); strings.Contains(again, c.want) {
				t.Errorf("said twice:\n%s", again)
			}
		})
	}
	// Straight to results: no acknowledgement later, at "Narrow down".
	ch := newChat(t, newRig(t, rigOptions{}))
	ch.say("hi", "consent:yes", "online grief group")
	if got := ch.text("refine"); strings.Contains(got, "sorry for your loss") {
		t.Errorf("an acknowledgement after the results:\n%s", got)
	}
}

// BenchmarkHandleChangeCourse measures messages that change course after
// results (a place, a format, days, a limit, yes, a typed request) through
// the whole core on the default directory, with the gazetteer loaded first
// as a running bot preloads it. It reports the 99th percentile.
func BenchmarkHandleChangeCourse(b *testing.B) {
	benchScript(b, newRig(b, rigOptions{}), []string{"hi", "ok", "grief", "online", "denver", "what about Austin, TX", "online",
		"actually in person", "Chicago", "only evenings", "no AA please", "yes", "hi", "what time is the next meeting", "more", "/forget"})
}

// TestSpecificsKeptInSession: what a person asks of the meeting itself
// ("an NA meeting by phone") is kept with their answers and binds every
// later search, and a later message adds to it.
func TestSpecificsKeptInSession(t *testing.T) {
	ch := newChat(t, newRig(t, rigOptions{}))
	ch.say("hi", "consent:yes", "NA meeting by phone")
	got := ch.text("for me")
	s := ch.sess()
	if s.Specifics.Fellowship != "na" || s.Specifics.Via != "phone" {
		t.Fatalf("specifics %+v, want NA by phone", s.Specifics)
	}
	if len(ch.shown()) == 0 {
		t.Fatalf("no results:\n%s", got)
	}
	for _, g := range ch.shown() {
		if g.FellowshipOf() != "na" && !strings.Contains(got, "closest") {
			t.Errorf("%s (%q) shown for an NA meeting without saying it is only the closest", g.ID, g.FellowshipOf())
		}
	}
	ch.say("a speaker meeting")
	if s := ch.sess(); s.Specifics.Fellowship != "na" || !slices.Contains(s.Specifics.Types, "SP") {
		t.Errorf("specifics %+v after \"a speaker meeting\", want NA kept and SP added", s.Specifics)
	}
}
