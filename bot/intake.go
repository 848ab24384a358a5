package bot

// The intake state machine, in one file. Each turn loads the person's
// session, reads the message (a command, a tapped choice, a typed answer or
// a free-text question), updates the answers and replies with the next
// question or the results. Steps are skipped when an earlier free-text
// answer already filled them, so "AA meetings online on Sunday" goes
// straight to results.

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/data"
)

// askedAck marks, in Session.Asked, that the person's topic was already
// acknowledged ("I'm so sorry for your loss."): said once, not on every
// message. It shares the field with the answered steps so that no new
// session field is needed; the step bits stay below it.
const askedAck uint16 = 1 << 8

// ackKeys group topics under one acknowledgement (the catalogs' "ack_"
// texts); a topic not listed gets ack_default.
var ackKeys = map[string]string{
	"grief": "grief", "child-loss": "grief", "suicide-loss": "grief",
	"alcohol": "alcohol", "drugs": "drugs", "gambling": "habit", "smoking": "habit",
	"addiction-family": "family",
	"depression":       "mood", "bipolar": "mood", "anxiety": "mood", "ocd": "mood", "eating-disorders": "mood",
	"psychosis": "mood", "anger-stress": "mood", "self-harm": "mood",
	"trauma-ptsd": "trauma", "domestic-abuse": "trauma", "sexual-abuse": "trauma",
	"caregivers": "caregivers", "dementia": "caregivers",
	"loneliness": "lonely",
}

// noWhoTopics are topics where "for you or someone else?" changes nothing:
// the person is already the family member, caregiver or bereaved.
var noWhoTopics = []string{"grief", "child-loss", "suicide-loss", "addiction-family", "caregivers", "loneliness", "divorce", "career", "money"}

// turn is one message being handled.
type turn struct {
	e     *Engine
	ctx   context.Context
	m     Message
	key   string
	text  string // trimmed message text; never logged or stored
	norm  string // normalize(text)
	sess  Session
	found bool // the session existed (and had not expired)
	c     *catalog
	save  bool // sess changed and must be written
}

// converse is the innermost handler: the intake.
func (e *Engine) converse(ctx context.Context, m Message) (out []Reply, err error) {
	if m.Edited {
		return nil, nil // screened already; an edit does not replay the intake
	}
	t := &turn{e: e, ctx: ctx, m: m, key: e.UserKey(m.Platform, m.UserID), text: strings.TrimSpace(m.Text)}
	t.norm = normalize(t.text)
	unlock := e.lock(t.key)
	defer unlock()
	defer func() {
		// A panic in a dependency (matcher, index) must not take the
		// conversation down: answer kindly and report it as an error.
		if r := recover(); r != nil {
			out = append(out, Reply{Text: t.c.t("search_error")})
			err = fmt.Errorf("bot: recovered from panic: %v", r)
			e.log.LogAttrs(ctx, slog.LevelError, "panic in turn", slog.String("user", t.key))
		}
	}()
	sess, ok, gerr := e.store.Get(ctx, t.key)
	if gerr == nil && ok && e.expired(sess) {
		// Idle too long: start afresh, and drop the old answers now.
		if derr := e.store.Delete(ctx, t.key); derr != nil {
			e.log.LogAttrs(ctx, slog.LevelWarn, "delete expired session", slog.String("user", t.key), slog.String("err", derr.Error()))
		}
		sess, ok = Session{}, false
	}
	t.sess, t.found = sess, ok
	t.c = e.lang(sess, ok, m)
	cmd, arg := t.givenCommand()
	if gerr != nil {
		e.log.LogAttrs(ctx, slog.LevelError, "session store", slog.String("user", t.key), slog.String("err", gerr.Error()))
		switch cmd {
		case "crisis":
			return []Reply{t.crisisLines()}, gerr
		case "help":
			return []Reply{{Text: t.c.t("help")}}, gerr
		case "forget", "stop":
			// Erasing must not depend on reading first.
			return t.forget(cmd), gerr
		}
		return []Reply{{Text: t.c.t("store_error")}}, fmt.Errorf("bot: load session: %w", gerr)
	}
	if t.found && t.sess.AwaitCountry && !crisisAnswered(ctx) {
		if out, ok := t.countryAnswer(); ok {
			return out, nil
		}
	}
	from := t.sess.Step
	switch {
	case !m.Private && cmd != "crisis" && cmd != "help" && cmd != "forget" && cmd != "stop":
		// In a group or server channel health is never discussed in
		// public: crisis replies (already sent by the screen) and the
		// lines or help are fine; everything else is an invitation to a
		// private chat, and nothing is stored.
		t.save = false
		out = []Reply{{Text: t.c.t("group_invite")}}
	case cmd != "":
		out = t.command(cmd, arg)
	default:
		out = t.message()
	}
	if t.save {
		t.sess.Updated = e.now()
		if perr := e.store.Put(ctx, t.key, t.sess); perr != nil {
			err = fmt.Errorf("bot: save session: %w", perr)
			e.log.LogAttrs(ctx, slog.LevelError, "session store", slog.String("user", t.key), slog.String("err", perr.Error()))
		}
	}
	e.log.LogAttrs(ctx, slog.LevelDebug, "turn", slog.String("user", t.key), slog.String("platform", m.Platform),
		slog.String("cmd", cmd), slog.String("from", string(from)), slog.String("to", string(t.sess.Step)), slog.Int("replies", len(out)))
	return out, err
}

// givenCommand is the message's command, if any: the one a front end
// delivered, or typed text read by the one parser (ParseCommand).
func (t *turn) givenCommand() (cmd, arg string) {
	if c := t.m.Command; c != nil {
		return c.Name, strings.TrimSpace(c.Arg)
	}
	if c, ok := ParseCommand(t.text); ok {
		return c.Name, c.Arg
	}
	return "", ""
}

func (t *turn) command(cmd, arg string) []Reply {
	switch cmd {
	case "crisis":
		return []Reply{t.crisisLines()}
	case "help":
		return []Reply{{Text: t.c.t("help")}}
	case "forget":
		return t.forget("forget")
	case "stop":
		return t.forget("stop")
	case "lang", "language", "idioma":
		if c := t.e.cats.named(normalize(arg)); c != nil {
			return t.switchLang(c)
		}
		if c := t.e.cats.match(arg); c != nil {
			return t.switchLang(c)
		}
		return []Reply{{Text: t.c.t("lang_unknown", "languages", t.e.cats.offer(t.c))}}
	case "times", "horarios":
		return t.times(arg)
	case "start", "find", "buscar":
		if !t.found || !t.sess.Consent {
			if arg != "" && t.found {
				return t.helloAnswer(arg)
			}
			return t.hello()
		}
		t.reset()
		if arg != "" {
			t.text, t.norm = arg, normalize(arg)
			return t.freeText()
		}
		return []Reply{t.ask(StepTopic, t.c.t("restart"))}
	}
	return []Reply{{Text: t.c.t("unknown_command")}}
}

// message handles anything that is not a command.
func (t *turn) message() []Reply {
	if c := t.e.cats.named(t.norm); c != nil {
		return t.switchLang(c)
	}
	if !t.found {
		return t.hello()
	}
	if !t.sess.Consent {
		return t.helloAnswer(t.text)
	}
	if t.c.is("greeting", t.norm) || t.text == "" && t.m.Location == nil {
		// A greeting, or an empty message (a console opening the chat),
		// from someone mid-conversation: pick up where they were.
		return t.welcomeBack()
	}
	id := t.choiceID()
	switch {
	case id == "ask":
		// "yes" to an open question: ask it again, it wants an answer.
		return []Reply{t.ask(t.sess.Step, "")}
	case id == "ok":
		// "yes" or "no" at the results: nothing to change.
		r := t.resultChoices()
		r.Text = t.c.t("results_ok")
		return []Reply{r}
	case id == "restart":
		t.reset()
		return []Reply{t.ask(StepTopic, t.c.t("restart"))}
	case id == "more":
		return t.results(true)
	case id == "times" || t.isTimesQuestion():
		return t.times("")
	case id == "" && t.mentions("calendar_q"):
		return t.meetingRequest("cal:")
	case id == "" && t.mentions("remind_q"):
		return t.meetingRequest("rem:")
	case strings.HasPrefix(id, "cal:"):
		return t.calendar(strings.TrimPrefix(id, "cal:"))
	case strings.HasPrefix(id, "rem:"):
		return t.remind(strings.TrimPrefix(id, "rem:"))
	case strings.HasPrefix(id, "unrem:"):
		return t.unremind(strings.TrimPrefix(id, "unrem:"))
	case id == "refine":
		t.sess.Step = StepPrefs
		t.save = true
		return []Reply{t.ask(StepPrefs, "")}
	case id == "consent:yes":
		return []Reply{t.ask(t.next(), "")}
	case strings.HasPrefix(id, "topic:"):
		slug := strings.TrimPrefix(id, "topic:")
		if slug == "other" {
			t.sess.Guesses = nil
			t.sess.Step = StepTopic
			t.save = true
			return []Reply{{Text: t.c.t("ask_topic")}}
		}
		t.sess.Topics, t.sess.Guesses = []string{slug}, nil
		t.sess.Asked |= askedTopic
		t.save = true
		return t.advance()
	case id == "who:self" || id == "who:other":
		t.sess.ForOther = id == "who:other"
		t.sess.Asked |= askedWho
		t.save = true
		return t.advance()
	case strings.HasPrefix(id, "fmt:"):
		step := t.sess.Step
		t.setFormat(strings.TrimPrefix(id, "fmt:"))
		return t.noted(step, t.advance())
	case strings.HasPrefix(id, "pref:"):
		t.setPref(strings.TrimPrefix(id, "pref:"))
		return t.results(false)
	case id == "skip":
		return t.skip()
	}
	if t.m.Location != nil {
		t.setPlace(*t.m.Location, "", "", "")
		return t.advance()
	}
	return t.freeText()
}

// choiceID returns the choice the message stands for: a tapped button's ID,
// or typed words equal to a label or answer word of the current step.
func (t *turn) choiceID() string {
	for _, c := range t.choicesFor(t.sess.Step) {
		if t.text == c.ID || t.norm == normalize(c.Label) {
			return c.ID
		}
	}
	for _, id := range []string{"restart", "more", "times", "refine"} {
		if t.text == id {
			return id
		}
	}
	if knownID(t.text) {
		return t.text // a button from an older message
	}
	switch t.sess.Step {
	case StepWho:
		if t.c.is("self", t.norm) {
			return "who:self"
		}
		if t.c.is("other", t.norm) {
			return "who:other"
		}
	case StepFormat:
		switch {
		case t.c.is("any", t.norm):
			return "fmt:any"
		case t.c.is("online", t.norm):
			return "fmt:online"
		case t.c.is("in_person", t.norm):
			return "fmt:in_person"
		}
	case StepResults:
		switch {
		case t.c.is("more", t.norm):
			return "more"
		case t.c.is("refine", t.norm):
			return "refine"
		}
	}
	if t.c.is("restart", t.norm) {
		return "restart"
	}
	if id := t.yesNo(); id != "" {
		return id
	}
	if t.c.is("skip", t.norm) && t.sess.Step != StepResults {
		return "skip"
	}
	// A format word alone changes the format at any step ("online" after
	// the results, "en persona" at "where?"): it is never a topic or a
	// place.
	switch {
	case t.c.is("online", t.norm):
		return "fmt:online"
	case t.c.is("in_person", t.norm):
		return "fmt:in_person"
	}
	return ""
}

// yesNo maps "yes", "no" and "either" to the choices of the question
// asked, so that every question with choices understands them. "" when the
// message is none of those words or the question has no such answer.
func (t *turn) yesNo() string {
	yes, no := t.c.is("yes", t.norm), t.c.is("no", t.norm)
	either := t.c.is("any", t.norm)
	if !yes && !no && !either || t.c.is("skip", t.norm) && t.sess.Step != StepResults {
		// "no thanks" and "da igual" are also skip words: to "for you
		// or someone else?" they mean no answer, not "someone else".
		return ""
	}
	switch t.sess.Step {
	case StepConfirm:
		switch {
		case yes && len(t.sess.Guesses) > 0:
			return "topic:" + t.sess.Guesses[0] // "did I get that right?" "yes"
		case no:
			return "topic:other"
		case either:
			return "skip"
		}
	case StepWho:
		switch {
		case yes:
			return "who:self" // "is this for you?" "yes"
		case no:
			return "who:other"
		case either:
			return "skip"
		}
	case StepFormat:
		// "online, in person, or either?" "yes" (any is fine) or "no"
		// (no preference) both leave the format open.
		return "fmt:any"
	case StepPlace:
		if yes {
			return "ask"
		}
		return "skip"
	case StepPrefs:
		if yes {
			return "ask"
		}
		return "skip"
	case StepResults:
		return "ok"
	}
	return ""
}

// mentions reports whether the message contains one of the phrases of a
// word list as whole words ("can you send me a calendar file").
func (t *turn) mentions(kind string) bool {
	padded := " " + t.norm + " "
	for w := range t.c.wordSet[kind] {
		if strings.Contains(padded, " "+w+" ") {
			return true
		}
	}
	return false
}

// meetingLanguage is the base tag of a meeting-language button's code
// ("es"), or "" when the code is not a language. Which language the
// button offers is the catalog's (formats pref_language).
func meetingLanguage(code string) string {
	b, err := language.ParseBase(code)
	if err != nil || b.String() != code {
		return ""
	}
	return code
}

// knownID reports whether text is the ID of a button this bot makes.
func knownID(text string) bool {
	switch text {
	case "skip", "consent:yes", "who:self", "who:other", "fmt:online", "fmt:in_person", "fmt:any",
		"pref:evenings", "pref:mornings", "pref:weekends", "topic:other":
		return true
	}
	if l, ok := strings.CutPrefix(text, "pref:lang-"); ok {
		return meetingLanguage(l) != ""
	}
	if a, ok := strings.CutPrefix(text, "pref:aud-"); ok {
		return data.IsAudience(a)
	}
	if slug, ok := strings.CutPrefix(text, "topic:"); ok {
		return slug != "" && len(slug) < 40 && !strings.ContainsAny(slug, " \n")
	}
	for _, prefix := range []string{"cal:", "rem:", "unrem:"} {
		if id, ok := strings.CutPrefix(text, prefix); ok {
			return id != "" && len(id) <= maxButtonID && !strings.ContainsAny(id, " \n")
		}
	}
	return false
}

// isTimesQuestion spots "when does it meet?" and "what time is the grief
// group?" in any state.
func (t *turn) isTimesQuestion() bool {
	if t.c.is("times_q", t.norm) {
		return true
	}
	asked := strings.Contains(t.text, "?") || strings.HasPrefix(t.text, "¿")
	padded := " " + t.norm + " "
	for w := range t.c.wordSet["times_q"] {
		// A phrase ("what time", "next meeting") asks without a question
		// mark once groups were shown; a single word ("when") only with
		// one. Before any results, "what time do AA meetings start" is
		// better read as a search.
		if (asked || strings.Contains(w, " ") && len(t.sess.Shown) > 0) && strings.Contains(padded, " "+w+" ") {
			return true
		}
	}
	return false
}

// hello greets a new person and asks for consent. Nothing about their health
// is stored before they agree; the session holds only the step.
func (t *turn) hello() []Reply {
	t.sess = Session{Step: StepHello, Lang: t.sess.Lang}
	t.found, t.save = true, true
	return []Reply{t.helloReply()}
}

func (t *turn) helloReply() Reply {
	country := t.e.country(t.sess, t.found, t.m)
	danger := t.e.dangerClause(country, t.c)
	ttl := t.c.count("n_hours", int(t.e.cfg.IdleTTL/time.Hour)) // the plural form of the person's language
	return Reply{Text: t.c.t("hello", "danger", danger, "ttl", ttl), Choices: []Choice{
		{ID: "consent:yes", Label: t.c.label("consent_yes")},
		{ID: "consent:no", Label: t.c.label("consent_no")},
	}}
}

// helloAnswer handles a message while consent is pending. A yes starts the
// intake; a no erases the session; anything with substance is taken as
// consent, since the hello said that telling us is agreeing.
func (t *turn) helloAnswer(text string) []Reply {
	n := normalize(text)
	switch {
	case text == "consent:yes" || n == normalize(t.c.label("consent_yes")) || t.c.is("yes", n):
		t.sess.Consent = true
		t.sess.Step = StepTopic
		t.save = true
		return []Reply{t.ask(StepTopic, "")}
	case text == "consent:no" || n == normalize(t.c.label("consent_no")) || t.c.is("no", n):
		if err := t.e.store.Delete(t.ctx, t.key); err != nil {
			t.e.log.LogAttrs(t.ctx, slog.LevelError, "delete declined session", slog.String("user", t.key), slog.String("err", err.Error()))
		}
		t.save = false
		return []Reply{{Text: t.c.t("declined")}}
	case text == "" && t.m.Location == nil:
		// Nothing typed (a console opening the chat): the whole hello
		// again, since it may no longer be on the screen.
		return []Reply{t.helloReply()}
	case t.c.is("greeting", n) || n == "":
		r := t.helloReply()
		r.Text = t.c.t("hello_again")
		return []Reply{r}
	}
	t.sess.Consent = true
	t.sess.Step = StepTopic
	t.save = true
	t.text, t.norm = text, n
	return t.freeText()
}

// freeText reads typed words with the matcher and fills whatever answers
// they contain, at any step.
func (t *turn) freeText() []Reply {
	u := t.e.m.Understand(t.text)
	step := t.sess.Step
	after := step == StepResults || step == StepPrefs
	if (step == StepPlace || after) && u.Place == nil {
		// At "where?" a bare place name is expected, which a matcher may
		// resolve more readily than inside a sentence; after the results
		// a short "what about Denver" or "Toronto, ON" changes the place.
		q := t.text
		if after {
			// Not for a message about a topic or days and times
			// ("anything on Sunday?"): that is not a change of place.
			// Nor after a crisis reply, which already answered it.
			q = ""
			if !confidentTopic(u) && len(u.Days) == 0 && u.After == 0 && u.Before == 0 && !crisisAnswered(t.ctx) {
				q = t.placeWords()
			}
		}
		if q != "" {
			if p, ok := t.locate(q); ok {
				pt := p.Point
				u.Place, u.PlaceName, u.Country, u.TimeZone = &pt, p.Name, p.Country, p.TimeZone
				if pt == (data.Point{}) {
					// A state or country: its lines and zone, but no
					// point to search around (the question stays).
					u.Place, u.PlaceName = nil, ""
				}
				if after && !confidentTopic(u) {
					// The whole message was a place: a topic the matcher
					// saw in a city's name is not a new request.
					u.Topics = nil
				}
			}
		}
	}
	if after {
		t.changeCourse(&u)
	}
	changed := t.apply(u)
	if !changed && crisisAnswered(t.ctx) {
		// The crisis reply already answered this message; a "didn't
		// catch that" after it would read as not listening.
		return nil
	}
	if !changed {
		switch step {
		case StepTopic, StepConfirm:
			return []Reply{t.ask(StepTopic, t.c.t("ask_topic_again"))}
		case StepPlace:
			r := t.ask(StepPlace, "")
			r.Text = t.c.t("place_unknown")
			return []Reply{r}
		case StepResults, StepPrefs:
			r := t.resultChoices()
			r.Text = t.c.t("not_understood")
			return []Reply{r}
		}
		r := t.ask(step, "")
		r.Text = t.c.t("not_understood_step") + "\n\n" + r.Text
		return []Reply{r}
	}
	if step == StepResults || step == StepPrefs {
		if t.next() != StepResults {
			return t.advance()
		}
		return t.results(false)
	}
	return t.noted(step, t.advance())
}

// noted says "Got it." before the same question again when a message
// answered something else ("online" while asked who it is for), so it
// does not read as unheard.
func (t *turn) noted(step Step, out []Reply) []Reply {
	if t.sess.Step == step && len(out) > 0 && step != StepHello && step != StepResults {
		out[0].Text = t.c.t("noted") + " " + out[0].Text
	}
	return out
}

// apply merges an Understanding into the session; it reports whether
// anything was found.
func (t *turn) apply(u data.Understanding) bool {
	s := &t.sess
	changed := false
	if len(u.Topics) > 0 {
		// One rule, in data, for when a guess is sure enough to search
		// on; the rest are offered as a question.
		if sure := u.SureTopics(); len(sure) > 0 {
			s.Topics, s.Guesses = limit(sure, 3), nil
			s.Asked |= askedTopic
		} else {
			var unsure []string
			for _, g := range u.Topics {
				unsure = append(unsure, g.Slug)
			}
			s.Guesses = limit(unsure, 4)
			s.Asked &^= askedTopic
		}
		changed = true
	}
	if u.ForOther {
		s.ForOther = true
		s.Asked |= askedWho
		changed = true
	}
	if u.Format != "" {
		t.setFormat(u.Format)
		changed = true
	}
	if u.Place != nil {
		t.setPlace(*u.Place, u.PlaceName, u.Country, u.TimeZone)
		changed = true
	} else {
		if u.Country != "" {
			s.Country = u.Country
		}
		if u.TimeZone != "" {
			s.TimeZone = u.TimeZone
		}
	}
	if u.Audience != "" {
		s.Audience = u.Audience
		changed = true
	}
	for _, x := range u.Exclude {
		if !slices.Contains(s.Exclude, x) {
			s.Exclude = append(s.Exclude, x)
			changed = true
		}
	}
	for _, a := range u.Also {
		if !slices.Contains(s.Also, a) {
			s.Also = append(s.Also, a)
			changed = true
		}
	}
	if u.Age > 0 && u.Age != s.Age {
		s.Age = u.Age
		changed = true
	}
	if u.Language != "" {
		s.Language = u.Language
		changed = true
	}
	if len(u.Days) > 0 {
		s.Days = slices.Clone(u.Days)
		changed = true
	}
	if u.After != 0 || u.Before != 0 {
		s.After, s.Before = u.After, u.Before
		changed = true
	}
	if sp := mergeSpecifics(s.Specifics, u.Specifics); !reflect.DeepEqual(sp, s.Specifics) {
		s.Specifics = sp
		changed = true
	}
	if !u.Window.IsZero() || (len(u.Days) > 0 && !s.Window.IsZero()) {
		// A new window, or new days that replace an old "tonight".
		s.Window = u.Window
		changed = true
	}
	if len(s.Topics) > 0 && s.Asked&askedTopic != 0 && (u.Format != "" || u.Place != nil || len(u.Days) > 0) && len(u.Topics) > 0 {
		// A whole request in one message ("AA meetings online on
		// Sunday") is about the writer unless it says otherwise.
		s.Asked |= askedWho
	}
	if changed {
		s.Offset = 0
		t.save = true
	}
	return changed
}

// mergeSpecifics adds what a new message asks of the meeting to what was
// asked before: a new fellowship or way of meeting replaces the old one,
// types accumulate ("a speaker meeting" then "wheelchair accessible").
func mergeSpecifics(old, u data.Specifics) data.Specifics {
	out := old
	if u.Fellowship != "" {
		out.Fellowship = u.Fellowship
	}
	if u.Via != "" {
		out.Via = u.Via
	}
	if u.Spoken != "" {
		out.Spoken = u.Spoken
	}
	out.AudienceOnly = out.AudienceOnly || u.AudienceOnly
	for _, c := range u.Types {
		if !slices.Contains(out.Types, c) {
			out.Types = append(slices.Clone(out.Types), c)
		}
	}
	return out
}

func limit(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// setPlace keeps a coarse point (about 1 km) and the gazetteer's name.
func (t *turn) setPlace(p data.Point, name, country, tz string) {
	s := &t.sess
	s.Near = &data.Point{Lat: math.Round(p.Lat*100) / 100, Lon: math.Round(p.Lon*100) / 100}
	s.PlaceName = name
	if country != "" {
		s.Country = country
	}
	if tz != "" {
		s.TimeZone = tz
	}
	s.Asked |= askedPlace
	if s.Asked&askedFormat == 0 {
		// A place answers "where" and implies in person is welcome;
		// leaving Format empty keeps online groups in the results too.
		s.Asked |= askedFormat
	}
	s.Offset = 0
	t.save = true
}

func (t *turn) setFormat(f string) {
	s := &t.sess
	switch f {
	case "online":
		s.Format = "online"
		s.Asked |= askedPlace
	case "in_person":
		s.Format = "in_person"
		if s.Near == nil {
			// In person after online (or after skipping "where?"):
			// now the place matters, so ask it.
			s.Asked &^= askedPlace
		}
	default:
		s.Format = ""
	}
	s.Asked |= askedFormat
	s.Offset = 0
	t.save = true
}

func (t *turn) setPref(p string) {
	s := &t.sess
	switch p {
	case "evenings":
		s.After, s.Before = 17*60, 0
	case "mornings":
		s.After, s.Before = 0, 12*60
	case "weekends":
		s.Days = []time.Weekday{time.Saturday, time.Sunday}
	default:
		if l, ok := strings.CutPrefix(p, "lang-"); ok && meetingLanguage(l) != "" {
			s.Language = meetingLanguage(l)
		}
		if a, ok := strings.CutPrefix(p, "aud-"); ok && data.IsAudience(a) {
			s.Audience = a
		}
	}
	s.Asked |= askedPrefs
	s.Offset = 0
	t.save = true
}

// skip marks the current step as answered with "no preference".
func (t *turn) skip() []Reply {
	s := &t.sess
	switch s.Step {
	case StepTopic, StepConfirm:
		s.Asked |= askedTopic
		s.Guesses = nil
	case StepWho:
		s.Asked |= askedWho
	case StepFormat:
		s.Format = ""
		s.Asked |= askedFormat
	case StepPlace:
		// No place: the hello promised online groups instead.
		s.Asked |= askedPlace
		s.Format = "online"
	case StepPrefs:
		s.Asked |= askedPrefs
		t.save = true
		return t.results(false)
	}
	t.save = true
	return t.advance()
}

// reset starts a new search, keeping consent, language and where the
// person is (so crisis lines stay local).
func (t *turn) reset() {
	s := t.sess
	t.sess = Session{Step: StepTopic, Lang: s.Lang, Consent: true, Country: s.Country, TimeZone: s.TimeZone, Concerns: s.Concerns}
	t.save = true
}

// next is the first step still open.
func (t *turn) next() Step {
	s := &t.sess
	switch {
	case s.Asked&askedTopic == 0 && len(s.Guesses) > 0:
		return StepConfirm
	case s.Asked&askedTopic == 0:
		return StepTopic
	case s.Asked&askedWho == 0 && needsWho(s.Topics):
		return StepWho
	case s.Asked&askedFormat == 0:
		return StepFormat
	case s.Asked&askedPlace == 0 && s.Format != "online" && s.Near == nil:
		return StepPlace
	}
	return StepResults
}

func needsWho(topics []string) bool {
	if len(topics) == 0 {
		return false
	}
	for _, tp := range topics {
		if slices.Contains(noWhoTopics, tp) {
			return false
		}
	}
	return true
}

// advance asks the next open question, or shows results.
func (t *turn) advance() []Reply {
	step := t.next()
	if step == StepResults {
		return t.results(false)
	}
	t.sess.Step = step
	t.save = true
	return []Reply{t.ask(step, "")}
}

// ask builds the question for a step, with an optional lead-in line.
func (t *turn) ask(step Step, lead string) Reply {
	t.sess.Step = step
	t.save = true
	keys := map[Step]string{StepTopic: "ask_topic", StepConfirm: "confirm_topic", StepWho: "ask_who",
		StepFormat: "ask_format", StepPlace: "ask_place", StepPrefs: "ask_prefs"}
	text := t.c.t(keys[step])
	if lead == "" {
		lead = t.ack(step)
	}
	if lead != "" {
		text = lead + "\n\n" + text
	}
	return Reply{Text: text, Choices: t.choicesFor(step), AskLocation: step == StepPlace}
}

// choicesFor lists the buttons offered at a step.
func (t *turn) choicesFor(step Step) []Choice {
	l := t.c.label
	switch step {
	case StepHello:
		return []Choice{{"consent:yes", l("consent_yes")}, {"consent:no", l("consent_no")}}
	case StepTopic:
		cs := make([]Choice, 0, len(topicButtons))
		for _, slug := range topicButtons {
			cs = append(cs, Choice{"topic:" + slug, t.topicLabel(slug)})
		}
		return cs
	case StepConfirm:
		var cs []Choice
		for _, slug := range t.sess.Guesses {
			cs = append(cs, Choice{"topic:" + slug, t.topicLabel(slug)})
		}
		return append(cs, Choice{"topic:other", l("other_topic")}, Choice{"skip", l("skip")})
	case StepWho:
		return []Choice{{"who:self", l("who_self")}, {"who:other", l("who_other")}, {"skip", l("skip")}}
	case StepFormat:
		return []Choice{{"fmt:online", l("fmt_online")}, {"fmt:in_person", l("fmt_in_person")}, {"fmt:any", l("fmt_any")}}
	case StepPlace:
		return []Choice{{"skip", l("skip")}}
	case StepPrefs:
		return []Choice{{"pref:evenings", l("pref_evenings")}, {"pref:mornings", l("pref_mornings")},
			{"pref:weekends", l("pref_weekends")}, {"pref:aud-veterans", l("aud_veterans")},
			{"pref:aud-women", l("aud_women")}, {"pref:aud-men", l("aud_men")}, {"pref:aud-lgbtq", l("aud_lgbtq")},
			{"pref:aud-youth", l("aud_youth")}, {"pref:lang-" + t.c.t("pref_language"), l("lang_pref")}, {"skip", l("skip")}}
	case StepResults:
		return t.resultChoices().Choices
	}
	return nil
}

func (t *turn) resultChoices() Reply {
	l := t.c.label
	return Reply{Choices: []Choice{{"more", l("more")}, {"times", l("times")}, {"refine", l("refine")}, {"restart", l("restart")}}}
}

// topicLabel names a topic: the bot's own short button label, else the
// vocabulary's, else the slug.
func (t *turn) topicLabel(slug string) string {
	if l := t.c.Topics[slug]; l != "" {
		return l
	}
	if t.e.cfg.Vocabulary != nil {
		if l := t.e.cfg.Vocabulary.Label(slug, t.c.Lang); l != "" {
			return l
		}
	}
	return slug
}

// intake turns the session into the matcher's terms.
func (t *turn) intake() data.Intake {
	s := &t.sess
	return data.Intake{Topics: s.Topics, ForOther: s.ForOther, Format: s.Format, Near: s.Near, PlaceName: s.PlaceName,
		Audience: s.Audience, Language: s.Language, Days: s.Days, After: s.After, Before: s.Before, Country: s.Country,
		ReplyLang: t.c.Lang, Limits: s.Limits, Window: s.Window, Specifics: s.Specifics}
}

// results searches and shows a page of groups; more pages on from the last.
func (t *turn) results(more bool) []Reply {
	s := &t.sess
	offset := 0
	if more && s.Step == StepResults {
		offset = s.Offset
	}
	n := t.e.cfg.Results
	matches, err := t.e.m.Find(t.ctx, t.intake(), offset, n)
	s.Step = StepResults
	s.Asked |= askedAck // results came first: no acknowledgement later
	t.save = true
	if err != nil {
		// Logged without the error text: a search error may quote the query.
		t.e.log.LogAttrs(t.ctx, slog.LevelError, "search failed", slog.String("user", t.key), slog.String("err_type", fmt.Sprintf("%T", err)))
		r := t.resultChoices()
		r.Text = t.c.t("search_error")
		return []Reply{r}
	}
	t.e.log.LogAttrs(t.ctx, slog.LevelDebug, "results", slog.String("user", t.key), slog.Int("offset", offset), slog.Int("n", len(matches)))
	if len(matches) == 0 {
		r := t.resultChoices()
		if offset > 0 {
			r.Text = t.c.t("no_more")
		} else {
			r.Text = t.c.t("results_none")
		}
		return []Reply{r}
	}
	s.Offset = offset + len(matches)
	s.Shown = s.Shown[:0]
	for _, mt := range matches {
		s.Shown = append(s.Shown, mt.Group.ID)
	}
	intro := t.c.t("results_intro")
	if offset > 0 {
		intro = t.c.t("results_more")
	} else if lead := t.noteLead(matches[0].Notes); lead != "" {
		// Say first what could not be honoured; the first match is the
		// best, so its notes hold for the page. A lead that ends in a
		// colon ("These can help you find one:") is the intro itself.
		if !strings.HasSuffix(lead, ":") {
			lead += "\n\n" + intro
		}
		intro = lead
	}
	r := t.resultChoices()
	r.Text = t.renderResults(intro, matches)
	return []Reply{r}
}

// times answers "when does it meet?": the named group, or the groups shown.
func (t *turn) times(name string) []Reply {
	var groups []*data.Group
	if name != "" {
		if gs := t.e.m.GroupsByName(name); len(gs) > 0 {
			groups = gs[:1]
		} else {
			return []Reply{{Text: t.c.t("times_unknown")}}
		}
	} else {
		named := map[string]bool{}
		if len(t.sess.Shown) > 1 && t.text != "times" && t.namesSomething() {
			for _, g := range t.e.m.GroupsByName(t.text) {
				named[g.ID] = true
			}
		}
		for _, id := range t.sess.Shown {
			if g, ok := t.e.m.Group(id); ok && (len(named) == 0 || named[id]) {
				groups = append(groups, g)
			}
		}
		if len(groups) == 0 {
			for _, id := range t.sess.Shown {
				if g, ok := t.e.m.Group(id); ok {
					groups = append(groups, g)
				}
			}
		}
	}
	if len(groups) == 0 {
		return []Reply{{Text: t.c.t("times_which")}}
	}
	r := Reply{Text: t.renderTimes(groups), Choices: t.meetingChoices(groups)}
	if t.sess.Step == StepResults {
		r.Choices = append(r.Choices, t.resultChoices().Choices...)
	}
	return []Reply{r}
}

// namesSomething reports whether a times question has words beyond "when
// does it meet", so that looking groups up by name can mean anything.
func (t *turn) namesSomething() bool {
	for _, w := range strings.Fields(t.norm) {
		if !t.c.is("filler", w) && !t.c.is("times_q", w) {
			return true
		}
	}
	return false
}

func (t *turn) crisisLines() Reply {
	return Reply{Text: t.e.linesReply(t.e.country(t.sess, t.found, t.m), t.c.Lang), Urgent: true}
}

// forget erases the session and everything other components keep, at once.
func (t *turn) forget(key string) []Reply {
	t.save = false
	var failed bool
	if err := t.e.store.Delete(t.ctx, t.key); err != nil {
		t.e.log.LogAttrs(t.ctx, slog.LevelError, "forget: session", slog.String("user", t.key), slog.String("err", err.Error()))
		failed = true
	}
	for _, f := range t.e.cfg.Forget {
		if err := f.Forget(t.ctx, t.m.Platform, t.m.UserID); err != nil {
			t.e.log.LogAttrs(t.ctx, slog.LevelError, "forget: component", slog.String("user", t.key), slog.String("err_type", fmt.Sprintf("%T", err)))
			failed = true
		}
	}
	t.e.log.LogAttrs(t.ctx, slog.LevelInfo, "forget", slog.String("user", t.key), slog.Bool("ok", !failed))
	if failed {
		return []Reply{{Text: t.c.t("forget_failed")}}
	}
	t.sess, t.found = Session{}, false
	if key == "stop" {
		return []Reply{{Text: t.c.t("stopped")}}
	}
	extra := ""
	if len(t.e.cfg.Forget) > 0 {
		extra = t.c.t("forgot_extra")
	}
	return []Reply{{Text: t.c.t("forgot", "extra", extra, "platform", t.c.platformName(t.m.Platform))}}
}

// platformName names the app that keeps its own copy of the chat: a brand
// name as it is, the console in the person's words.
func (c *catalog) platformName(p string) string {
	switch p {
	case "telegram":
		return "Telegram"
	case "discord":
		return "Discord"
	case "", "console":
		return c.label("platform_console")
	}
	return p
}

// switchLang changes the conversation language and repeats where we are.
func (t *turn) switchLang(c *catalog) []Reply {
	t.c = c
	t.sess.Lang = t.c.Lang
	if !t.found {
		return t.hello()
	}
	t.save = true
	head := t.c.t("lang_switched")
	switch {
	case !t.sess.Consent:
		r := t.helloReply()
		return []Reply{{Text: head}, r}
	case t.sess.Step == StepResults:
		r := t.resultChoices()
		r.Text = head
		return []Reply{r}
	}
	return []Reply{t.ask(t.sess.Step, head)}
}

// countryAnswer answers "UK", "australia", "I'm in Canada" after a crisis
// reply asked for the country: that country's lines at once, and the
// country kept for the session. Any other message drops the question and
// the turn goes on as usual.
func (t *turn) countryAnswer() ([]Reply, bool) {
	e := t.e
	country := ""
	if e.cfg.CountryFromText != nil {
		country = e.cfg.CountryFromText(t.m.Text)
	}
	var err error
	if t.sess.Step == "" && !t.sess.Consent {
		// Created by the crisis reply alone: keep nothing now.
		err = e.store.Delete(t.ctx, t.key)
		t.sess, t.found = Session{Lang: t.sess.Lang}, false
	} else {
		t.sess.AwaitCountry = false
		if country != "" {
			t.sess.Country = country
		}
		t.sess.Updated = e.now()
		err = e.store.Put(t.ctx, t.key, t.sess)
	}
	if err != nil {
		e.log.LogAttrs(t.ctx, slog.LevelWarn, "could not save crisis state", slog.String("user", t.key), slog.String("err", err.Error()))
	}
	if country == "" {
		return nil, false
	}
	return []Reply{{Text: e.linesReply(country, t.c.Lang), Urgent: true}}, true
}

// welcomeBack answers a greeting from someone already in a conversation:
// where they were (the open question, or the results' choices) and a way
// to start over, rather than "I didn't catch that".
func (t *turn) welcomeBack() []Reply {
	step := t.sess.Step
	if step == StepResults || step == StepHello || step == "" {
		r := t.resultChoices()
		r.Text = t.c.t("welcome_back_results")
		return []Reply{r}
	}
	r := t.ask(step, t.c.t("welcome_back"))
	if !slices.ContainsFunc(r.Choices, func(c Choice) bool { return c.ID == "restart" }) {
		r.Choices = append(r.Choices, Choice{"restart", t.c.label("restart")})
	}
	return []Reply{r}
}

// meetingRequest answers a typed "send me a calendar file" (prefix "cal:")
// or "remind me" ("rem:") about the groups last shown: the file or the
// reminder at once when one group has meeting times, else a button per
// group to pick from.
func (t *turn) meetingRequest(prefix string) []Reply {
	wired := t.e.cfg.Calendar != nil
	label, pick := "add_calendar", "pick_calendar"
	if prefix == "rem:" {
		wired, label, pick = t.e.cfg.Reminders != nil, "remind_me", "pick_reminder"
	}
	var groups []*data.Group
	for _, id := range t.sess.Shown {
		if g, ok := t.e.m.Group(id); ok && len(g.Meetings) > 0 && len(g.ID) <= maxButtonID {
			groups = append(groups, g)
		}
	}
	switch {
	case len(t.sess.Shown) == 0:
		r := Reply{Text: t.c.t("need_results")}
		if t.sess.Step == StepResults {
			r.Choices = t.resultChoices().Choices
		} else if t.sess.Step != "" {
			r = t.ask(t.sess.Step, r.Text)
		}
		return []Reply{r}
	case !wired || len(groups) == 0:
		// No file or reminder to give: the times say what there is.
		return t.times("")
	case len(groups) == 1 && prefix == "cal:":
		return t.calendar(groups[0].ID)
	case len(groups) == 1:
		return t.remind(groups[0].ID)
	}
	r := Reply{Text: t.c.t(pick)}
	for _, g := range groups[:min(len(groups), 3)] {
		r.Choices = append(r.Choices, Choice{prefix + g.ID, t.c.t(label, "name", shortName(g.Name))})
	}
	return []Reply{r}
}

// placeWords is the message without the words that lead into a change of
// course (the catalogs' "course" words: "actually", "what about"), when what is left is short enough to be a place name ("what
// about Denver" → "Denver"); "" otherwise.
func (t *turn) placeWords() string {
	words := strings.Fields(t.text)
	for len(words) > 0 {
		cut := 0
		// Every language's words: "what about Denver" after a Spanish
		// hello is still a place.
		for _, cw := range t.e.cats.allWords("course") {
			n := len(strings.Fields(cw))
			if n <= len(words) && normalize(strings.Join(words[:n], " ")) == cw {
				cut = max(cut, n)
			}
		}
		if cut == 0 {
			break
		}
		words = words[cut:]
	}
	if len(words) == 0 || len(words) > 4 {
		return ""
	}
	for _, w := range words {
		if t.e.cats.anyIs("person", normalize(w)) {
			return "" // "I feel lost", "my son": about the person, not a place
		}
	}
	return strings.TrimRight(strings.Join(words, " "), "?!.")
}

// locate asks the matcher's optional place lookup.
func (t *turn) locate(q string) (place.Place, bool) {
	if l, ok := t.e.m.(interface {
		Locate(text string) (place.Place, bool)
	}); ok {
		return l.Locate(q)
	}
	return place.Place{}, false
}

// confidentTopic reports whether the matcher was sure of a topic.
func confidentTopic(u data.Understanding) bool { return len(u.SureTopics()) > 0 }

// changeCourse adjusts what a message after the results means, before it
// is applied: a limit ("no AA please") or a change of place, format, days
// or audience keeps the topic unless a new one is clearly named, and a new
// place after online-only results opens the search to rooms there.
func (t *turn) changeCourse(u *data.Understanding) {
	s := &t.sess
	if len(s.Topics) > 0 && len(u.Topics) > 0 && (len(u.Exclude) > 0 || saysMoreThanTopic(*u) && !confidentTopic(*u)) {
		// "no AA please" names AA to rule it out; "only evenings" is not
		// a topic even if a word of it looks like one.
		u.Topics = nil
	}
	if u.Place != nil && u.Format == "" && s.Format == "online" {
		s.Format = ""
	}
}

// ack is one short, kind sentence about what the person shared, said once
// before the first question after their topic is understood; "" otherwise.
// It never repeats their words: the text comes from the topic alone.
func (t *turn) ack(step Step) string {
	s := &t.sess
	if s.Asked&askedAck != 0 || s.Asked&askedTopic == 0 || len(s.Topics) == 0 {
		return ""
	}
	switch step {
	case StepHello, StepTopic, StepConfirm:
		return ""
	}
	if crisisAnswered(t.ctx) {
		// The crisis reply already spoke to what they said.
		return ""
	}
	s.Asked |= askedAck
	key := "ack_default"
	if k, ok := ackKeys[s.Topics[0]]; ok {
		key = "ack_" + k
	}
	return t.c.t(key)
}

// saysMoreThanTopic reports whether a message names anything besides a
// topic: a place, format, day, time, audience, limit or language.
func saysMoreThanTopic(u data.Understanding) bool {
	return u.Place != nil || u.Format != "" || len(u.Days) > 0 || u.After != 0 || u.Before != 0 || u.Audience != "" ||
		u.ForOther || len(u.Exclude) > 0 || u.Age > 0 || u.Language != ""
}
