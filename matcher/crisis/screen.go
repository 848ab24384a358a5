package crisis

import (
	"fmt"
	"io/fs"
	"sort"

	"github.com/peermatch/peermatch/data"
)

// DefaultMaxScan is how much of a message is screened: the first and the last
// half of it. Chat messages are far shorter (Telegram allows 4,096
// characters); the cap keeps a pasted 100 KB text from costing more than a
// bounded, linear amount of work.
const DefaultMaxScan = 64 << 10

// Rule ids that can appear in Assessment.Signals next to lexicon ids.
const (
	SignalNegated      = "ctx.negated"       // a signal was negated ("i don't want to die")
	SignalPast         = "ctx.past"          // a signal was in the past ("years ago")
	SignalResolved     = "ctx.resolved"      // past and resolved ("now i'm doing well")
	SignalFiction      = "ctx.fiction"       // quoted or about a song, film, book, news
	SignalThirdPerson  = "ctx.third_person"  // about someone else
	SignalFlippant     = "ctx.flippant"      // joking tone lowered an urgent signal to concern
	SignalMeans        = "ctx.means"         // means or timing with ideation raised the level
	SignalCumulative   = "ctx.cumulative"    // several warning signs together
	SignalEscalated    = "ctx.escalated"     // repeated concern over the conversation
	SignalPillCount    = "rule.pill_count"   // "40 pills", "all my pills": means
	SignalTookPills    = "rule.took_pills"   // "took 40 pills", "swallowed all my meds": attempt
	SignalTakePills    = "rule.take_pills"   // "about to take all my pills": intent
	SignalReady        = "ctx.ready"         // means and readiness: "loaded the gun", "pills saved up"
	SignalTimed        = "ctx.timed"         // a wish to die with a time: "i want to die tonight"
	SignalPlayful      = "ctx.playful"       // "as a joke": an abuse word in play
	SignalPurpose      = "ctx.purpose"       // means bought for a stated purpose: "a rope for the hammock"
	SignalMedical      = "ctx.medical"       // pills taken as prescribed: "for my headache"
	SignalScreenFailed = "ctx.screen_failed" // internal error: treated as concern
)

// Option configures a Screener.
type Option func(*config)

type config struct {
	fsys    fs.FS
	maxScan int
}

// WithData loads the lexicon and lines from fsys (same file names as
// data.CrisisFS) instead of the embedded defaults: an operator's reviewed copy.
func WithData(fsys fs.FS) Option { return func(c *config) { c.fsys = fsys } }

// WithMaxScan changes how many bytes of a message are screened (at least 1 KB).
func WithMaxScan(n int) Option {
	return func(c *config) {
		if n >= 1<<10 {
			c.maxScan = n
		}
	}
}

type entry struct {
	id, category, tier, kind, lang string
	level                          data.CrisisLevel
}

// Screener screens messages and picks crisis lines. It is immutable after
// New and safe for concurrent use.
type Screener struct {
	maxScan int

	entries  []entry
	phrases  []phrase
	trie     trie
	building *trieNode // while compiling
	rewrites map[string][]string
	phraseRW [][2][]string
	vocab    map[string]bool

	transposed, deleted map[string]string
	rawWords            map[string]bool // lexicon words before squeezing, only while compiling
	collectRaw          bool
	compounds           map[string][]compound

	negations, pseudoNeg, terminators, thirdPerson seqSet
	pastMarkers, resolution, fiction               seqSet
	identification, flippant, playful, medical     seqSet
	firstPerson                                    map[string]bool
	fillers                                        map[string]bool
	// Words of the pill and purpose rules (quantities, benignPurpose),
	// squeezed like the message.
	pillWords, tookWords, takeWords, takeMarkers map[string]bool
	intentWords, futureWords, purposeKeeps       map[string]bool
	censored                                     []string

	lines *data.CrisisDirectory
	names []countryName
}

// New loads the embedded (or given) lexicon and crisis lines,
// validates them and compiles the matcher.
func New(opts ...Option) (*Screener, error) {
	c := config{fsys: data.CrisisFS(), maxScan: DefaultMaxScan}
	for _, o := range opts {
		o(&c)
	}
	lx, err := data.LoadCrisisLexicon(c.fsys, data.CrisisLexiconFile)
	if err != nil {
		return nil, fmt.Errorf("crisis: %w", err)
	}
	s := &Screener{maxScan: c.maxScan}
	if err := s.compile(lx); err != nil {
		return nil, fmt.Errorf("crisis: lexicon %s: %w: %w", data.CrisisLexiconFile, data.ErrInvalidCrisisData, err)
	}
	if s.lines, err = data.LoadCrisisLines(c.fsys, data.CrisisLinesFile); err != nil {
		return nil, fmt.Errorf("crisis: %w", err)
	}
	s.buildCountryNames()
	return s, nil
}

// capText keeps the first and last half of an over-long message, cut on
// rune boundaries by foldRunes' UTF-8 repair.
func capText(text string, max int) string {
	if len(text) <= max {
		return text
	}
	return text[:max/2] + "\n" + text[len(text)-max/2:]
}

// Screen grades one message. It is pure and fast, and never panics: an
// internal failure is reported as concern, never as "none".
func (s *Screener) Screen(text string) (a data.Assessment) {
	defer func() {
		if recover() != nil {
			a = data.Assessment{Level: data.LevelConcern, Categories: []string{data.CrisisSuicide}, Signals: []string{SignalScreenFailed}}
		}
	}()
	return s.screen(text)
}

type hit struct {
	entry      int
	start, end int
	level      data.CrisisLevel
	category   string
	ctx        string // the rule that changed it, if any
	dropped    bool
	firstPers  bool
	taken      bool // pills already taken in a quantity: an overdose too
}

func (s *Screener) screen(text string) data.Assessment {
	toks := s.tokens(capText(text, s.maxScan))
	n := len(toks)
	if n == 0 {
		return data.Assessment{Level: data.LevelNone}
	}
	var hits []hit
	for i := range toks {
		s.matchAt(toks, i, func(pi int32, end int) {
			p := &s.phrases[pi]
			e := &s.entries[p.entry]
			hits = append(hits, hit{entry: p.entry, start: i, end: end, level: e.level, category: e.category, firstPers: p.firstPerson})
		})
	}
	hits = append(hits, s.quantities(toks, hits)...)

	// Masks (idioms, names like "suicide prevention") and info entries
	// (grief, harassment) hide the words they cover from the signals.
	masked := make([]bool, n)
	for _, h := range hits {
		if h.entry >= 0 && s.entries[h.entry].kind == data.LexiconMask {
			for j := h.start; j < h.end; j++ {
				masked[j] = true
			}
		}
	}
	// Info entries ("my * died") yield to masks ("phone died"), then hide
	// their own words ("killed himself") from the signals.
	for k := range hits {
		h := &hits[k]
		if h.entry < 0 || s.entries[h.entry].kind != data.LexiconInfo {
			continue
		}
		for j := h.start; j < h.end; j++ {
			if masked[j] {
				h.dropped = true
			}
		}
	}
	for _, h := range hits {
		if h.entry >= 0 && s.entries[h.entry].kind == data.LexiconInfo && !h.dropped {
			for j := h.start; j < h.end; j++ {
				masked[j] = true
			}
		}
	}
	clauseStart := map[int]int{}
	for i := n - 1; i >= 0; i-- {
		clauseStart[toks[i].clause] = i
	}
	resolved := false
	for i := range toks {
		if m := s.resolution.matchAt(toks, i); m > 0 && !s.negatedAt(toks, i) {
			resolved = true
			break
		}
	}
	// Where fiction and past markers start, counted as prefix sums, so each
	// hit checks its clause in constant time and screening stays linear.
	fictionBefore := make([]int, n+1)
	pastClause := map[int]bool{}
	for i := range toks {
		fictionBefore[i+1] = fictionBefore[i]
		if s.fiction.matchAt(toks, i) > 0 {
			fictionBefore[i+1]++
		}
		if s.pastMarkers.matchAt(toks, i) > 0 || pastYear(toks, i) {
			pastClause[toks[i].clause] = true
		}
	}
	identifies := s.identification.any(toks, 0, n)
	flippant := s.flippant.any(toks, 0, n)
	fictionInMsg := s.fiction.any(toks, 0, n)
	playfulSent, medicalSent := map[int]bool{}, map[int]bool{}
	for i := range toks {
		if s.playful.matchAt(toks, i) > 0 {
			playfulSent[toks[i].sent] = true
		}
		if s.medical.matchAt(toks, i) > 0 {
			medicalSent[toks[i].sent] = true
		}
	}
	// Medicine taken as meant ("i took all my meds, like the doctor said")
	// is not an overdose: pill signals in that sentence are dropped.
	for k := range hits {
		h := &hits[k]
		if !medicalSent[toks[h.start].sent] {
			continue
		}
		for j := h.start; j < h.end; j++ {
			if s.pillWords[toks[j].w] {
				h.dropped, h.ctx = true, SignalMedical
				break
			}
		}
	}

	var signals []string
	seen := map[string]bool{}
	addSignal := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			signals = append(signals, id)
		}
	}
	for k := range hits {
		h := &hits[k]
		kind := data.LexiconSignal
		if h.entry >= 0 {
			kind = s.entries[h.entry].kind
		}
		if kind == data.LexiconMask {
			h.dropped = true
			continue
		}
		if kind == data.LexiconInfo {
			h.level = data.LevelNone
			continue
		}
		if h.entry >= 0 && kind != data.LexiconInfo {
			for j := h.start; j < h.end; j++ {
				if masked[j] {
					h.dropped = true
				}
			}
		}
		if h.dropped {
			continue
		}
		if s.negatedAt(toks, h.start) {
			h.dropped, h.ctx = true, SignalNegated
			continue
		}
		if s.benignPurpose(toks, h) {
			h.dropped, h.ctx = true, SignalPurpose
			continue
		}
		if kind == data.LexiconModifier {
			continue
		}
		clause := toks[h.start].clause
		// Play and accidents: "he punched me in the arm as a joke".
		if playfulSent[toks[h.start].sent] && (h.category == data.CrisisDomesticViolence || h.category == data.CrisisChildAbuse || h.category == data.CrisisSexualAssault) {
			h.dropped, h.ctx = true, SignalPlayful
			continue
		}
		// Quotes, lyrics, fiction and news, unless the person says it is them.
		if !identifies && (fictionBefore[h.start] > fictionBefore[clauseStart[clause]] || (toks[h.start].quoted && fictionInMsg)) {
			h.dropped, h.ctx = true, SignalFiction
			continue
		}
		// Someone else: "my friend says she wants to die".
		if h.entry >= 0 && !h.firstPers && h.category != data.CrisisThirdParty && s.thirdPersonBefore(toks, h.start) {
			if h.category == data.CrisisSuicide || h.category == data.CrisisSelfHarm {
				h.category = data.CrisisThirdParty
			}
			h.ctx = SignalThirdPerson
		}
		// Past: lower to concern; past and resolved, or a past event in
		// someone else's life ("my mom overdosed last year"): no alarm.
		if pastClause[clause] || pastClause[toks[h.end-1].clause] {
			if resolved || h.ctx == SignalThirdPerson || (h.entry >= 0 && s.thirdPerson.matchAt(toks, h.start) > 0) {
				h.dropped, h.ctx = true, SignalResolved
				continue
			}
			h.level = min(h.level, data.LevelConcern)
			h.ctx = SignalPast
		}
	}
	// A means word inside a signal phrase is part of that phrase, not a
	// means: the rope in "at the end of my rope".
	covered := make([]bool, n)
	for _, h := range hits {
		if !h.dropped && h.entry >= 0 && s.entries[h.entry].kind == data.LexiconSignal {
			for j := h.start; j < h.end; j++ {
				covered[j] = true
			}
		}
	}
	timed := false
	for _, h := range hits {
		if !h.dropped && h.entry >= 0 && s.entries[h.entry].kind == data.LexiconModifier && s.entries[h.entry].tier == "time" {
			timed = true
		}
	}
	// A time or a means outweighs a joking tone ("... tonight lol").
	meansNamed := false
	for _, h := range hits {
		if !h.dropped && h.entry >= 0 && s.entries[h.entry].kind == data.LexiconModifier && s.entries[h.entry].tier != "time" && !covered[h.start] {
			meansNamed = true
		}
	}
	for k := range hits {
		h := &hits[k]
		if !h.dropped && flippant && !timed && !meansNamed && h.level == data.LevelUrgent && (h.category == data.CrisisSuicide || h.category == data.CrisisSelfHarm) {
			h.level, h.ctx = data.LevelConcern, SignalFlippant
		}
	}

	// Aggregate.
	level := data.LevelNone
	catLevel := map[string]data.CrisisLevel{}
	catOrder := map[string]int{}
	var ctxs []string
	ideation, active := false, false
	concernEntries := map[int]bool{}
	means, timing := false, false
	meansSent, readySent := map[int]bool{}, map[int]bool{}
	overdose, farewell := false, false
	for _, h := range hits {
		if h.ctx != "" && (h.dropped || h.ctx != SignalNegated) {
			ctxs = append(ctxs, h.ctx)
		}
		if h.dropped {
			continue
		}
		kind := data.LexiconSignal
		tier := "attempt"
		if h.entry >= 0 {
			kind, tier = s.entries[h.entry].kind, s.entries[h.entry].tier
		}
		if kind == data.LexiconModifier {
			switch {
			case tier == "time":
				timing = true
			case tier == "ready":
				readySent[toks[h.start].sent] = true
			case tier == "farewell":
				farewell = true
			case covered[h.start] && h.entry >= 0:
				// part of a signal phrase ("end of my rope")
			default:
				means = true
				meansSent[toks[h.start].sent] = true
				addSignal(s.idOf(h))
			}
			continue
		}
		if h.entry < 0 && h.level == data.LevelNone {
			means = true // a quantity of pills, nobody taking them
			meansSent[toks[h.start].sent] = true
			addSignal(s.idOf(h))
			continue
		}
		if h.taken {
			overdose = true
		}
		addSignal(s.idOf(h))
		if kind == data.LexiconInfo {
			continue
		}
		if h.ctx != SignalThirdPerson && (h.category == data.CrisisSuicide || h.category == data.CrisisSelfHarm) && h.ctx != SignalPast {
			ideation = true
			if h.level >= data.LevelUrgent {
				active = true
			}
			if h.level == data.LevelConcern && h.ctx == "" {
				concernEntries[h.entry] = true
			}
		}
		if h.level > level {
			level = h.level
		}
		if _, ok := catOrder[h.category]; !ok {
			catOrder[h.category] = len(catOrder)
		}
		if h.level > catLevel[h.category] {
			catLevel[h.category] = h.level
		}
		if h.ctx == SignalThirdPerson && h.category != data.CrisisThirdParty {
			if _, ok := catOrder[data.CrisisThirdParty]; !ok {
				catOrder[data.CrisisThirdParty] = len(catOrder)
			}
			catLevel[data.CrisisThirdParty] = max(catLevel[data.CrisisThirdParty], h.level)
		}
	}
	// Means (pills, a rope, "800mg") or a time ("tonight") next to ideation
	// is what best predicts an attempt (Crisis Text Line's finding).
	if (means && ideation) || (timing && active) {
		level = data.LevelEmergency
		catLevel[data.CrisisSuicide] = data.LevelEmergency
		if _, ok := catOrder[data.CrisisSuicide]; !ok {
			catOrder[data.CrisisSuicide] = len(catOrder)
		}
		ctxs = append(ctxs, SignalMeans)
	}
	// A farewell with a means or a time ("💊💊💊💊 tonight. goodbye") is a
	// goodbye before an attempt, not a sign-off.
	if farewell && (means || timing) {
		level = data.LevelEmergency
		catLevel[data.CrisisSuicide] = data.LevelEmergency
		if _, ok := catOrder[data.CrisisSuicide]; !ok {
			catOrder[data.CrisisSuicide] = len(catOrder)
		}
		ctxs = append(ctxs, SignalMeans)
	}
	// Means with readiness ("i loaded the gun", "pills saved up", "the rope
	// is ready") is preparation, whatever words come with it.
	for sent := range readySent {
		if meansSent[sent] {
			level = data.LevelEmergency
			catLevel[data.CrisisSuicide] = data.LevelEmergency
			if _, ok := catOrder[data.CrisisSuicide]; !ok {
				catOrder[data.CrisisSuicide] = len(catOrder)
			}
			ctxs = append(ctxs, SignalReady)
			break
		}
	}
	// A wish to die with a time ("i want to die tonight") is more than a
	// passive wish.
	if timing && ideation && level == data.LevelConcern {
		level = data.LevelUrgent
		catLevel[data.CrisisSuicide] = data.LevelUrgent
		ctxs = append(ctxs, SignalTimed)
	}
	// Several distinct warning signs together mean more than one.
	if level == data.LevelConcern && len(concernEntries) >= 2 && !flippant {
		level = data.LevelUrgent
		catLevel[data.CrisisSuicide] = data.LevelUrgent
		ctxs = append(ctxs, SignalCumulative)
	}
	// Pills taken in a quantity are a poisoning as well as an attempt: the
	// reply names Poison Help beside the suicide line.
	if overdose {
		catLevel[data.CrisisOverdose] = data.LevelEmergency
		if _, ok := catOrder[data.CrisisOverdose]; !ok {
			catOrder[data.CrisisOverdose] = len(catOrder)
		}
	}
	for _, c := range ctxs {
		addSignal(c)
	}
	a := data.Assessment{Level: level, Signals: signals}
	if level == data.LevelNone {
		return a
	}
	a.Lang = s.hitsLang(hits)
	for c, l := range catLevel {
		if l > data.LevelNone {
			a.Categories = append(a.Categories, c)
		}
	}
	sort.Slice(a.Categories, func(i, j int) bool {
		ci, cj := a.Categories[i], a.Categories[j]
		if catLevel[ci] != catLevel[cj] {
			return catLevel[ci] > catLevel[cj]
		}
		return catOrder[ci] < catOrder[cj]
	})
	return a
}

// hitsLang is the language most of the kept lexicon hits are written in.
func (s *Screener) hitsLang(hits []hit) string {
	count := map[string]int{}
	best := ""
	for _, h := range hits {
		if h.dropped || h.entry < 0 {
			continue
		}
		l := s.entries[h.entry].lang
		count[l]++
		if best == "" || count[l] > count[best] {
			best = l
		}
	}
	return best
}

func (s *Screener) idOf(h hit) string {
	if h.entry >= 0 {
		return s.entries[h.entry].id
	}
	switch {
	case h.taken:
		return SignalTookPills
	case h.level > data.LevelNone:
		return SignalTakePills
	}
	return SignalPillCount
}

// negatedAt reports whether a negation earlier in the same clause, within
// five words and with no new "i" in between, covers the word at i.
func (s *Screener) negatedAt(toks []token, i int) bool {
	clause := toks[i].clause
	for j := i - 1; j >= 0 && j >= i-5 && toks[j].clause == clause; j-- {
		if w := toks[j].w; w == "i" || w == "yo" {
			return false
		}
		if s.negations.matchAt(toks, j) > 0 {
			if s.pseudoNeg.matchAt(toks, j) > 0 || (j > 0 && s.pseudoNeg.matchAt(toks, j-1) > 0) {
				continue
			}
			return true
		}
	}
	return false
}

// thirdPersonBefore reports whether the subject before i in the sentence is
// someone else: a third-person word comes before any "i" or "me".
func (s *Screener) thirdPersonBefore(toks []token, i int) bool {
	sent := toks[i].sent
	for j := i - 1; j >= 0 && j >= i-10 && toks[j].sent == sent; j-- {
		if s.thirdPerson.matchAt(toks, j) > 0 {
			return true
		}
		if w := toks[j].w; w == "i" || w == "me" || w == "yo" || w == "myself" {
			return false
		}
	}
	return false
}

// quantities finds pills in a quantity that could kill: a count of ten or
// more before a word for pills ("30 tylenol", "15 of my antidepressants"),
// a lexicon phrase of tier "quantity" ("all my pills", "a whole pack of
// paracetamol") or three pill emoji in a row. With a past "take" verb before
// it ("took", "swallowed", "me tomé") it is an attempt; with a present one
// ("about to take all these 💊") it is intent; alone it is a means.
func (s *Screener) quantities(toks []token, hits []hit) []hit {
	var spans [][2]int
	for _, h := range hits {
		if h.entry >= 0 && s.entries[h.entry].tier == "quantity" {
			spans = append(spans, [2]int{h.start, h.end})
		}
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.w == "pil" && i+2 < len(toks) && toks[i+1].w == "pil" && toks[i+2].w == "pil" {
			j := i
			for j < len(toks) && toks[j].w == "pil" {
				j++
			}
			spans = append(spans, [2]int{i, j})
			i = j - 1
			continue
		}
		if !t.number || len(t.w) > 4 {
			continue
		}
		v := 0
		for _, c := range t.w {
			v = v*10 + int(c-'0')
		}
		if v < 10 {
			continue
		}
		for j := i + 1; j < len(toks) && j <= i+4 && toks[j].sent == t.sent; j++ {
			if s.pillWords[toks[j].w] {
				spans = append(spans, [2]int{i, j + 1})
				break
			}
		}
	}
	var out []hit
	for _, sp := range spans {
		h := hit{entry: -1, start: sp[0], end: sp[1], level: data.LevelNone, category: data.CrisisSuicide}
		sent := toks[sp[0]].sent
		for j := sp[0] - 1; j >= 0 && j >= sp[0]-6 && toks[j].sent == sent; j-- {
			if s.tookWords[toks[j].w] {
				h.level, h.start, h.taken = data.LevelEmergency, j, true
				break
			}
			if s.takeWords[toks[j].w] {
				// "want to take", "thinking about taking": ideation;
				// "about to take", "going to swallow": intent. A plain
				// "i take all my pills in the morning" is a routine.
				if j >= 1 && s.takeMarkers[toks[j-1].w] {
					h.level, h.start = data.LevelUrgent, j-1
					if j >= 2 && s.intentWords[toks[j-2].w] && (toks[j-1].w == "to" || toks[j-1].w == "a" || toks[j-1].w == "per") {
						h.level, h.start = data.LevelEmergency, j-2
					}
				}
				if j >= 1 && s.futureWords[toks[j-1].w] {
					h.level, h.start = data.LevelEmergency, j-1
				}
				break
			}
		}
		out = append(out, h)
	}
	return out
}

// pastYear reports "in 2019", "since 2015", "back in 1998": a year in a
// clause puts what it says in the past.
func pastYear(toks []token, i int) bool {
	t := toks[i]
	if !t.number || len(t.w) != 4 || i == 0 || (toks[i-1].w != "in" && toks[i-1].w != "since" && toks[i-1].w != "en" && toks[i-1].w != "em") {
		return false
	}
	y := 0
	for _, c := range t.w {
		y = y*10 + int(c-'0')
	}
	return y >= 1900 && y <= 2099
}

// benignPurpose reports a preparation or readiness phrase followed by a
// stated everyday purpose: "i bought a rope for the hammock" (but not "for
// myself", "for tonight").
func (s *Screener) benignPurpose(toks []token, h *hit) bool {
	if h.entry < 0 {
		return false
	}
	if t := s.entries[h.entry].tier; t != "preparation" && t != "ready" && t != "means" {
		return false
	}
	e := h.end
	if t := s.entries[h.entry].tier; t == "ready" || t == "means" {
		// The purpose follows the object: "bought a rope for ...".
		for e < len(toks) && e <= h.end+3 && toks[e].sent == toks[h.start].sent && toks[e].w != "for" {
			e++
		}
	}
	if e+1 >= len(toks) || toks[e].w != "for" || toks[e+1].sent != toks[h.start].sent {
		return false
	}
	for k := e + 1; k < len(toks) && k <= e+3 && toks[k].sent == toks[h.start].sent; k++ {
		if s.purposeKeeps[toks[k].w] {
			return false
		}
	}
	return true
}

func squeezedSet(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[squeeze(w)] = true
	}
	return m
}

// Escalate raises a concern to urgent when the conversation has already shown
// concern at least twice before (NIMH: warning signs matter most when they
// are new or increasing). It is pure: the caller keeps the count.
func Escalate(a data.Assessment, priorConcerns int) data.Assessment {
	out := a
	out.Categories = append([]string(nil), a.Categories...)
	out.Signals = append([]string(nil), a.Signals...)
	if a.Level == data.LevelConcern && priorConcerns >= 2 {
		out.Level = data.LevelUrgent
		out.Signals = append(out.Signals, SignalEscalated)
		if len(out.Categories) == 0 {
			out.Categories = []string{data.CrisisSuicide}
		}
	}
	return out
}
