// Package matcher turns what a person says into the few groups that fit:
// it reads topics, place, format, audience, language and times from free
// text, builds index queries (never query syntax from user text), relaxes
// them step by step when nothing fits, and explains every result.
package matcher

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/peermatch/peermatch/data/place"
	"github.com/peermatch/peermatch/data/schedule"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/index"
)

// Matcher finds groups for intakes. It is safe for concurrent use.
type Matcher struct {
	idx   index.Index
	vocab *data.Vocabulary
	gaz   *place.Gazetteer
	lex   *lexicon
	log   *slog.Logger
	now   func() time.Time
}

// Option configures a Matcher.
type Option func(*Matcher)

// WithClock injects the clock used to read "tonight" or "this weekend".
func WithClock(now func() time.Time) Option { return func(m *Matcher) { m.now = now } }

// New returns a matcher over idx. It holds no directory: listings are read
// back from the index, and the words it learns from listings come from the
// first maxLearn the index streams.
func New(idx index.Index, vocab *data.Vocabulary, gaz *place.Gazetteer, log *slog.Logger, opts ...Option) *Matcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Matcher{idx: idx, vocab: vocab, gaz: gaz, log: log, now: time.Now}
	for _, o := range opts {
		o(m)
	}
	m.lex = newLexicon(vocab, m.sample(context.Background(), maxLearn))
	return m
}

// sample reads the first n listings of the index. A read that fails part
// way leaves the lexicon what it learned so far: the vocabulary's own
// words still work, so it is logged, not fatal.
func (m *Matcher) sample(ctx context.Context, n int) []*data.Group {
	var out []*data.Group
	for g, err := range m.idx.Listings(ctx) {
		if err != nil {
			m.log.Warn("matcher: reading listings to learn their words", "err", err.Error())
			break
		}
		out = append(out, g)
		if len(out) == n {
			break
		}
	}
	return out
}

// Vocabulary returns the topic vocabulary the matcher reads words with.
func (m *Matcher) Vocabulary() *data.Vocabulary { return m.vocab }

// Group returns a group by id, read back from the index. An id the index
// does not hold is simply absent; a failed read is logged and treated so
// too, since the conversation can only say the group is gone either way.
func (m *Matcher) Group(id string) (*data.Group, bool) {
	return m.group(context.Background(), id)
}

func (m *Matcher) group(ctx context.Context, id string) (*data.Group, bool) {
	g, err := m.idx.Group(ctx, id)
	if err != nil {
		if !errors.Is(err, index.ErrNotFound) {
			m.log.Warn("matcher: reading a listing", "id", id, "err", err.Error())
		}
		return nil, false
	}
	return g, true
}

// Locate resolves a place the person typed ("78701", "Austin, TX").
func (m *Matcher) Locate(text string) (place.Place, bool) {
	if p, ok := m.place(text, place.PlaceHint{}); ok {
		return p, true
	}
	return m.gaz.Lookup(text)
}

// Find returns up to limit groups for the intake, skipping offset. What
// the person ruled out, their age and the audiences they named always
// bind. When nothing fits exactly it relaxes, in order: what was asked of
// the meeting (types, phone, "a women's meeting", a spoken language), the
// days and times, the distance (twice, then four times), rooms to remote,
// rooms anywhere, the fellowship, and last related topics; what the person
// asked of the meeting or its time is relaxed only when nothing at all fits
// it. Every match carries notes saying what was relaxed to find it.
func (m *Matcher) Find(ctx context.Context, in data.Intake, offset, limit int) ([]data.Match, error) {
	if limit <= 0 {
		limit = 5
	}
	words := in.Words
	if len(in.Exclude) > 0 {
		// "not religious, no church" must not rank church groups up.
		_, words = readLimits(words)
	}
	q := index.Query{Words: words, Topics: in.Topics, Audience: in.Audience, Days: in.Days, After: in.After, Before: in.Before,
		Language: in.Language, Country: in.Country, RadiusKm: in.RadiusKm, Limits: in.Limits, Window: in.Window, Specifics: in.Specifics,
		// Candidates beyond the page, so that the ranking below (topic
		// fit, kind, country) chooses the page rather than reorders it.
		Size: (offset+limit)*4 + 10}
	if in.ForOther && slices.ContainsFunc(in.Topics, func(t string) bool { return slices.Contains(addictionTopics, t) }) &&
		!slices.Contains(q.Topics, "addiction-family") {
		q.Topics = append(slices.Clone(q.Topics), "addiction-family")
	}
	if len(in.Topics) == 0 && strings.TrimSpace(in.Words) != "" {
		// Words with no topic in them: no group can be said to fit;
		// only the services that help anyone find one. (No words at all
		// is a browse: anything goes.)
		q.Kinds = []data.Kind{data.KindFinder, data.KindHelpline}
	}
	switch in.Format {
	case "online":
		q.Remote = true
	case "in_person":
		q.Near = in.Near
	default:
		q.Remote = true
		q.Near = in.Near
	}
	// Relax what matters least first; the topic is what the person came
	// for, so related topics come last.
	steps := []func(*index.Query) bool{
		func(q *index.Query) bool { return true },
		func(q *index.Query) bool { // what was asked of the meeting, but its fellowship
			ok := len(q.Types) > 0 || q.Via != "" || q.AudienceOnly || q.Spoken != ""
			q.Types, q.Via, q.AudienceOnly, q.Spoken = nil, "", false, ""
			return ok
		},
		func(q *index.Query) bool {
			ok := len(q.Days) > 0 || q.After > 0 || q.Before > 0 || !q.Window.IsZero()
			q.Days, q.After, q.Before, q.Window = nil, 0, 0, data.Window{}
			return ok
		},
		func(q *index.Query) bool {
			if q.Near == nil {
				return false
			}
			q.RadiusKm = max(q.RadiusKm, index.DefaultRadiusKm) * 2
			return true
		},
		func(q *index.Query) bool {
			if q.Near == nil {
				return false
			}
			q.RadiusKm *= 2
			return true
		},
		func(q *index.Query) bool { ok := !q.Remote; q.Remote = true; return ok },
		// Nothing online and no place yet: rooms anywhere, each showing
		// its city, so the person sees what exists and can say where.
		func(q *index.Query) bool {
			ok := q.Near == nil && q.Remote
			q.Remote = false
			return ok
		},
		func(q *index.Query) bool { // another fellowship of the same topic
			ok := q.Fellowship != ""
			q.Fellowship = ""
			return ok
		},
		func(q *index.Query) bool { // related topics
			var more []string
			for _, s := range q.Topics {
				if t, ok := m.vocab.Topic(s); ok {
					for _, r := range t.Related {
						if !slices.Contains(q.Topics, r) && !slices.Contains(more, r) {
							more = append(more, r)
						}
					}
				}
			}
			q.Topics = append(q.Topics, more...)
			q.Remote = q.Remote || q.Near != nil
			return len(more) > 0
		},
	}
	// Each step keeps what the stricter ones found and adds to it.
	var hits []index.Hit
	seen := map[string]bool{}
	groups := map[string]*data.Group{} // read once per Find, from the index
	stepOf := map[string]int{}         // how relaxed the search that found a hit was
	primary := 0
	collect := func(q index.Query, si int, counts bool) error {
		found, err := m.idx.Search(ctx, q)
		if err != nil {
			return fmt.Errorf("matcher: %w", err)
		}
		for _, h := range found {
			if seen[h.ID] {
				continue
			}
			g, ok := groups[h.ID]
			if !ok {
				if g, ok = m.group(ctx, h.ID); !ok {
					// Removed by a reload between the search and the read.
					continue
				}
				groups[h.ID] = g
			}
			if !forPerson(g, in) {
				continue
			}
			seen[h.ID] = true
			stepOf[h.ID] = si
			hits = append(hits, h)
			if counts && (len(in.Topics) == 0 || slices.Contains(g.Topics, in.Topics[0])) {
				primary++
			}
		}
		return nil
	}
	if in.Language != "" && in.Language != "en" {
		// A Spanish speaker's own-language listings are looked for first,
		// so that a few of them are always among the candidates; with no
		// place yet and none to join from anywhere, rooms anywhere (each
		// shows its city).
		lq := q
		lq.Speaks = in.Language
		before := len(hits)
		if err := collect(lq, 0, true); err != nil {
			return nil, err
		}
		if len(hits) == before && lq.Fellowship != "" {
			// None of that fellowship in their language: their language
			// first still, from another program of the same topic.
			lq.Fellowship = ""
			if err := collect(lq, 0, false); err != nil {
				return nil, err
			}
		}
		if len(hits) == before && lq.Near == nil && in.Format != "online" {
			lq.Remote = false
			if err := collect(lq, 0, false); err != nil {
				return nil, err
			}
		}
	}
	strict := !in.Specifics.IsZero() || len(in.Days) > 0 || in.After > 0 || in.Before > 0 || !in.Window.IsZero()
	for si, step := range steps {
		if !step(&q) {
			continue
		}
		if err := collect(q, si, true); err != nil {
			return nil, err
		}
		// Enough listings of the topic the person led with: stop relaxing.
		// What the person asked of the meeting or its time is relaxed only
		// when nothing at all fits it: one women's meeting is the answer
		// to "a women's meeting", not one and four others.
		if primary >= offset+min(limit, 3) || (si < stepWider && strict && primary > offset) {
			break
		}
	}
	out := make([]data.Match, 0, len(hits))
	for _, h := range hits {
		g := groups[h.ID]
		out = append(out, data.Match{Group: g, Score: h.Score, DistanceKm: h.DistanceKm})
	}
	// Topics come best first: a listing of the topic the person mentioned
	// most outranks one of a topic mentioned in passing, and both outrank a
	// related topic that relaxing added.
	tier := func(g *data.Group) int {
		switch {
		case len(in.Topics) == 0 || slices.Contains(g.Topics, in.Topics[0]):
			return 0
		case slices.ContainsFunc(g.Topics, func(t string) bool { return slices.Contains(in.Topics, t) }):
			return 1
		}
		return 2
	}
	// A listing that covers more of what the person named fits better
	// ("lost my dad to suicide": grief and suicide loss); among equals, one
	// whose main topic (listed first) is the person's ("online grief group":
	// grief circles before suicide-loss forums).
	coverage := func(g *data.Group) int {
		n := 0
		for _, t := range in.Topics {
			if slices.Contains(g.Topics, t) {
				n++
			}
		}
		return n
	}
	mainTopic := func(g *data.Group) int {
		if len(in.Topics) > 0 && len(g.Topics) > 0 && g.Topics[0] != in.Topics[0] {
			return 1
		}
		return 0
	}
	// Helplines come after groups and meeting finders: people asked for a
	// group. A service limited to some countries comes last when the
	// person's country is unknown (a UK line for someone in Ohio).
	kind := func(g *data.Group) int {
		if g.Kind == data.KindHelpline {
			return 1
		}
		return 0
	}
	elsewhere := func(g *data.Group) int {
		// Only an English speaker of unknown country is most likely in the
		// US; a Spanish speaker may be anywhere.
		if in.Country == "" && (in.Language == "" || in.Language == "en") && len(g.Countries) > 0 && !slices.Contains(g.Countries, "US") {
			return 1
		}
		return 0
	}
	// Who a listing is for: the person's own audience first, then
	// everyone's, then listings only for people they did not say they are
	// (veterans' services for "i feel so alone").
	audience := func(g *data.Group) int {
		switch {
		case in.Audience != "" && slices.Contains(g.Audiences, in.Audience):
			return 0
		case len(g.Audiences) == 0, slices.Equal(g.Audiences, []string{"families"}) && familyNeed(in):
			// "families" beside another audience means that audience's
			// families (veterans' families): not everyone's.
			return 1
		}
		return 2
	}
	// A Spanish speaker sees Spanish-speaking groups first; anyone sees
	// groups in their language before those in another (an Afrikaans
	// meeting is not the first answer to "AA meeting").
	speaks := cmp.Or(in.Language, in.ReplyLang, "en")
	language := func(g *data.Group) int {
		if len(g.Languages) > 0 && !slices.Contains(g.Languages, speaks) {
			return 1
		}
		return 0
	}
	// A room near the person before services anywhere, when they gave a
	// place (and said nothing against meeting in person).
	local := func(m data.Match) int {
		if m.DistanceKm >= 0 {
			return 0
		}
		return 1
	}
	// A service of the person's own country before one open to everyone.
	home := func(m data.Match) int {
		if in.Country != "" && (m.DistanceKm >= 0 || slices.Contains(m.Group.Countries, in.Country)) {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(out, func(a, b data.Match) int {
		ga, gb := a.Group, b.Group
		return cmp.Or(
			cmp.Compare(tier(ga), tier(gb)),
			cmp.Compare(stepOf[ga.ID], stepOf[gb.ID]),
			cmp.Compare(language(ga), language(gb)),
			cmp.Compare(elsewhere(ga), elsewhere(gb)),
			cmp.Compare(audience(ga), audience(gb)),
			cmp.Compare(local(a), local(b)),
			cmp.Compare(coverage(gb), coverage(ga)),
			cmp.Compare(mainTopic(ga), mainTopic(gb)),
			cmp.Compare(home(a), home(b)),
			cmp.Compare(kind(ga), kind(gb)),
			cmp.Compare(b.Score, a.Score),
			// Equal in every way: a stable key, so the same request gives
			// the same list in every process.
			strings.Compare(ga.ID, gb.ID))
	})
	// What could not be honoured. Nothing for the topic the person led
	// with: the finders and helplines of the nearest topics, never their
	// groups as if they fit. Some for it: only it, and the other topics
	// they named, never look-alikes added by relaxing.
	var page []string
	if len(in.Topics) > 0 && len(out) > 0 {
		if tier(out[0].Group) == 2 {
			// Only a locator or helpline whose main topic is one the
			// vocabulary relates to the person's: "divorce" help is not
			// "nearest" to gender identity because both list parenting.
			var related []string
			if t, ok := m.vocab.Topic(in.Topics[0]); ok {
				related = t.Related
			}
			out = slices.DeleteFunc(out, func(m data.Match) bool {
				return m.Group.Kind == data.KindGroup || len(m.Group.Topics) == 0 || !slices.Contains(related, m.Group.Topics[0])
			})
			page = append(page, data.NoteNoTopic)
		} else {
			out = slices.DeleteFunc(out, func(m data.Match) bool { return tier(m.Group) == 2 })
		}
	}
	if len(in.Topics) == 0 && strings.TrimSpace(in.Words) != "" && len(out) > 0 {
		page = append(page, data.NoteNoTopic)
	}
	wantRoom := in.Near != nil && in.Format != "online"
	if len(out) > 0 {
		if wantRoom && !slices.ContainsFunc(out, func(m data.Match) bool { return m.DistanceKm >= 0 }) {
			page = append(page, data.NoteNoInPerson)
		}
		if in.Country != "" && !slices.ContainsFunc(out, func(m data.Match) bool { return home(m) == 0 }) {
			page = append(page, data.NoteNoLocal)
		}
	}
	// Each match also says what was relaxed to find it.
	for i := range out {
		notes := slices.Clone(page)
		switch st := stepOf[out[i].Group.ID]; {
		case st == stepSpecifics:
			notes = append(notes, data.NoteNotExact)
		case st == stepDays:
			notes = append(notes, data.NoteOtherDays)
		case st == stepWider || st == stepWidest:
			notes = append(notes, data.NoteWiderArea)
		case in.Format == "in_person" && out[i].DistanceKm < 0 && !slices.Contains(notes, data.NoteNoInPerson):
			notes = append(notes, data.NoteNoInPerson)
		}
		if len(notes) > 0 {
			out[i].Notes = notes
		}
	}
	if offset >= len(out) {
		return nil, nil
	}
	shown := out[offset:min(len(out), offset+limit)]
	for i := range shown { // reasons for the page shown only
		shown[i].Reasons = m.reasons(shown[i].Group, in, shown[i].DistanceKm)
	}
	return shown, nil
}

// restrictedAudiences keep other people out: a veterans' group is not for
// someone who never said they served. "families" welcomes the person with
// the problem and their family alike.
var restrictedAudiences = []string{"veterans", "men", "women", "lgbtq", "youth", "seniors"}

// forPerson reports whether a listing is open to the person: every
// audience it is restricted to is one they stated (or their age implies).
// A listing for both men and women is for anyone.
func forPerson(g *data.Group, in data.Intake) bool {
	if slices.Contains(g.Audiences, "men") && slices.Contains(g.Audiences, "women") {
		return true
	}
	for _, a := range g.Audiences {
		if !slices.Contains(restrictedAudiences, a) || a == in.Audience || slices.Contains(in.Also, a) {
			continue
		}
		switch {
		case a == "youth" && in.Age > 0 && in.Age <= youthAge,
			a == "seniors" && in.Age >= seniorsAge,
			a == "lgbtq" && welcomesAllies(g):
			continue
		}
		return false
	}
	return true
}

// welcomesAllies reports whether an LGBTQ+ listing says it is open to
// allies too ("Trans and Allies Al-Anon").
func welcomesAllies(g *data.Group) bool {
	return allWelcomeRE.MatchString(g.Name + " " + g.Summary)
}

// allWelcomeRE reads every language's "allies welcome" words (lexicons).
var allWelcomeRE = wordsRE(func(l data.Lexicon) []string { return l.AllWelcome })

// Ages at which a youth or seniors listing fits without the word.
const (
	youthAge   = 25
	seniorsAge = 55
)

// familyNeed reports whether a listing for families fits the person: they
// look for someone else, or their topic is a family's (a child's loss, a
// relative's addiction, caring for someone).
func familyNeed(in data.Intake) bool {
	return in.ForOther || slices.ContainsFunc(in.Topics, func(t string) bool { return slices.Contains(familyTopics, t) })
}

var familyTopics = []string{"addiction-family", "child-loss", "suicide-loss", "grief", "caregivers", "parenting", "autism", "adhd", "dementia"}

// Relaxation steps in Find, by position, for the notes they cause.
const (
	stepSpecifics = 1
	stepDays      = 2
	stepWider     = 3
	stepWidest    = 4
)

// reasons says why a group fits, as codes: its matching topics, how it
// meets, for whom, in which language, on which days. bot says them in the
// person's words.
func (m *Matcher) reasons(g *data.Group, in data.Intake, dist float64) []data.Reason {
	var out []data.Reason
	for _, t := range g.Topics {
		if len(in.Topics) == 0 || slices.Contains(in.Topics, t) {
			out = append(out, data.Reason{Code: data.ReasonTopic, Value: t})
		}
	}
	if len(out) == 0 && len(g.Topics) > 0 {
		out = append(out, data.Reason{Code: data.ReasonTopic, Value: g.Topics[0]})
	}
	switch {
	case g.Kind == data.KindFinder:
		out = append(out, data.Reason{Code: data.ReasonFinder})
	case g.Kind == data.KindHelpline:
		out = append(out, data.Reason{Code: data.ReasonHelpline})
	case dist >= 0:
		out = append(out, data.Reason{Code: data.ReasonDistance, Km: dist})
	case g.Format.InPerson() && g.Location != nil && g.Location.City != "":
		out = append(out, data.Reason{Code: data.ReasonFormat, Value: string(g.Format), City: g.Location.City})
	default:
		out = append(out, data.Reason{Code: data.ReasonFormat, Value: string(g.Format)})
	}
	if in.Audience != "" && slices.Contains(g.Audiences, in.Audience) {
		out = append(out, data.Reason{Code: data.ReasonAudience, Value: in.Audience})
	}
	if in.Language != "" && in.Language != "en" && slices.Contains(g.Languages, in.Language) {
		out = append(out, data.Reason{Code: data.ReasonLanguage, Value: in.Language})
	}
	// What a summary cut short may not say: a religious program, the
	// Twelve Steps, a service for another country.
	if g.FaithBased {
		out = append(out, data.Reason{Code: data.ReasonFaith})
	}
	if g.TwelveStep {
		out = append(out, data.Reason{Code: data.ReasonSteps})
	}
	if len(g.Countries) > 0 && !slices.Contains(g.Countries, in.Country) && !(in.Country == "" && slices.Contains(g.Countries, "US")) {
		out = append(out, data.Reason{Code: data.ReasonOnlyIn, Countries: g.Countries})
	}
	if days := schedule.Days(g); len(days) > 0 && len(days) <= 3 {
		var shown []time.Weekday
		for _, d := range days {
			if len(in.Days) == 0 || slices.Contains(in.Days, d) {
				shown = append(shown, d)
			}
		}
		if len(shown) > 0 {
			out = append(out, data.Reason{Code: data.ReasonMeets, Days: shown})
		}
	}
	return out
}

// nameScanLimit is the directory size up to which names are matched by
// reading every listing; beyond it the index proposes the candidates, since
// a national directory would take seconds to scan on every /times.
const nameScanLimit = 5000

// nameCandidates are the listings GroupsByName scores: all of a small
// directory, read from the index, or the index's best text matches in a
// large one.
func (m *Matcher) nameCandidates(q string) []*data.Group {
	ctx := context.Background()
	if m.idx.Count() <= nameScanLimit {
		var out []*data.Group
		for g, err := range m.idx.Listings(ctx) {
			if err != nil {
				m.log.Warn("name search: reading listings", "err", err.Error())
				break
			}
			out = append(out, g)
		}
		return out
	}
	hits, err := m.idx.Search(ctx, index.Query{Words: q, Size: 50})
	if err != nil {
		m.log.Warn("name search", "err", err.Error())
		return nil
	}
	out := make([]*data.Group, 0, len(hits))
	for _, h := range hits {
		if g, ok := m.group(ctx, h.ID); ok {
			out = append(out, g)
		}
	}
	return out
}

// GroupsByName finds groups whose names best match q ("the grief group",
// "compassionate friends"), best first, at most 5.
func (m *Matcher) GroupsByName(q string) []*data.Group {
	want := tokens(q)
	want = slices.DeleteFunc(want, func(t string) bool { return hintWords[t] || t == "meeting" })
	if len(want) == 0 {
		return nil
	}
	type scored struct {
		g *data.Group
		s float64
	}
	var best []scored
	for _, g := range m.nameCandidates(q) {
		if strings.EqualFold(g.ID, strings.TrimSpace(q)) {
			return []*data.Group{g}
		}
		have := tokens(g.Name + " " + strings.Join(g.Topics, " "))
		s := 0.0
		for _, w := range want {
			for _, h := range have {
				if h == w {
					s++
					break
				}
				if len(w) >= 4 && strings.HasPrefix(h, w) {
					s += 0.5
					break
				}
			}
		}
		if s > 0 {
			best = append(best, scored{g, s / float64(len(want))})
		}
	}
	slices.SortStableFunc(best, func(a, b scored) int {
		return cmp.Or(cmp.Compare(b.s, a.s), cmp.Compare(len(a.g.Name), len(b.g.Name)))
	})
	var out []*data.Group
	for _, b := range best {
		if b.s < best[0].s*0.75 || len(out) == 5 {
			break
		}
		out = append(out, b.g)
	}
	return out
}
