package matcher_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/data/importer"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/matcher"
)

// firstMessagesFile holds the independent set of first messages and the
// constraints their authors stated (issue #15, bar 1).
const firstMessagesFile = "testdata/first-messages.tsv"

// wantFirstMessagePassRate is the share of rows whose every top-3 result
// must respect every stated constraint. The bar is all of them: a
// single result that ignores "no AA" or "men only" is the failure people
// reported, so no row may be given up.
const wantFirstMessagePassRate = 1.0

// Minimum size of the set, from the brief: enough rows in each language that
// one rule cannot pass it by luck.
const (
	minFirstMessages   = 100
	minEnglishMessages = 70
	minSpanishMessages = 30
)

// inPersonFarKm is how far from the named place an in-person listing with no
// country in its location may be before it counts as another country's, and
// how far a room may be from someone who asked for in person before the
// reply must say it looked wider (a generous bound: no one walks to a room
// this far, so a tighter one would only judge the matcher's own radius).
const inPersonFarKm = 2000

// Constraint kinds, as reported per row and in the per-kind rates.
const (
	kindResults  = "results" // at least one result
	kindTopic    = "topic"
	kindExclude  = "exclude"
	kindAge      = "age"
	kindAudience = "audience"
	kindFormat   = "format"
	kindCountry  = "country"
	kindLang     = "lang"
)

var constraintKinds = []string{kindResults, kindTopic, kindExclude, kindAge, kindAudience, kindFormat, kindCountry, kindLang}

// firstMessageColumns is the header row the file must carry, in order.
var firstMessageColumns = []string{"text", "topics", "exclude", "age", "audience", "format", "country", "lang", "near", "implies"}

// restrictedAudiences are the audiences that keep other people out. A
// "families" listing also welcomes the person with the problem (a family
// group for addiction is the person's topic), so it restricts nothing by
// itself; it is judged through the topic.
var restrictedAudiences = []string{"veterans", "men", "women", "lgbtq", "youth", "seniors"}

// firstMessage is one row of the set: a message and what its author stated.
type firstMessage struct {
	line     int
	text     string
	topics   []string // acceptable topic slugs; nil when no topic was stated
	noTopic  bool     // "none": the directory has no such topic
	exclude  []string // data.Exclude* codes
	age      int
	audience string
	format   string // "online", "in_person" or ""
	country  string
	lang     string
	near     *data.Point
	implies  []string // audiences the message implies without asking for them
}

// errBadRow marks a malformed row of the set, so that a mistake in the file
// reads as one and is not mistaken for a matcher failure.
var errBadRow = errors.New("bad first-message row")

// loadFirstMessages reads the set, checking every field against the
// vocabularies it draws on.
func loadFirstMessages(path string, vocab *data.Vocabulary) ([]firstMessage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("first messages: %w", err)
	}
	defer f.Close()
	var rows []firstMessage
	header := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if !header {
			if !slices.Equal(cols, firstMessageColumns) {
				return nil, fmt.Errorf("%s:%d: header %q, want %q: %w", path, n, cols, firstMessageColumns, errBadRow)
			}
			header = true
			continue
		}
		r, err := parseFirstMessage(cols, vocab)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		r.line = n
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("first messages %s: %w", path, err)
	}
	return rows, nil
}

func parseFirstMessage(cols []string, vocab *data.Vocabulary) (firstMessage, error) {
	if len(cols) != len(firstMessageColumns) {
		return firstMessage{}, fmt.Errorf("%d columns, want %d (%s): %w", len(cols), len(firstMessageColumns), strings.Join(firstMessageColumns, ", "), errBadRow)
	}
	field := func(name string) string { return strings.TrimSpace(cols[slices.Index(firstMessageColumns, name)]) }
	bad := func(name, want string) error {
		return fmt.Errorf("field %s %q: want %s: %w", name, field(name), want, errBadRow)
	}
	r := firstMessage{text: field("text"), audience: field("audience"), format: field("format"), country: field("country"), lang: field("lang")}
	if r.text == "" {
		return r, bad("text", "the message")
	}
	switch t := field("topics"); t {
	case "":
	case "none":
		r.noTopic = true
	default:
		r.topics = strings.Split(t, ",")
		for _, s := range r.topics {
			if !vocab.Has(s) {
				return r, bad("topics", "topic slugs from data/topics.json or none")
			}
		}
	}
	if x := field("exclude"); x != "" {
		r.exclude = strings.Split(x, ",")
		for _, c := range r.exclude {
			if c != data.ExcludeTwelveStep && c != data.ExcludeFaith && c != data.ExcludeHelpline {
				return r, bad("exclude", "twelve_step, faith or helpline")
			}
		}
	}
	if a := field("age"); a != "" {
		age, err := strconv.Atoi(a)
		if err != nil || age <= 0 || age > 120 {
			return r, bad("age", "a whole age in years")
		}
		r.age = age
	}
	if r.audience != "" && !slices.Contains(data.Audiences, r.audience) {
		return r, bad("audience", "one of "+strings.Join(data.Audiences, ", "))
	}
	if i := field("implies"); i != "" {
		r.implies = strings.Split(i, ",")
		for _, a := range r.implies {
			if !slices.Contains(data.Audiences, a) {
				return r, bad("implies", "audiences from "+strings.Join(data.Audiences, ", "))
			}
		}
	}
	if r.format != "" && r.format != "online" && r.format != "in_person" {
		return r, bad("format", "online or in_person")
	}
	if r.country != "" && (len(r.country) != 2 || strings.ToUpper(r.country) != r.country) {
		return r, bad("country", "an ISO 3166-1 alpha-2 code")
	}
	if r.lang != "" && r.lang != "es" && r.lang != "fr" {
		return r, bad("lang", "es, fr or empty")
	}
	if p := field("near"); p != "" {
		lat, lon, ok := strings.Cut(p, ",")
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lon, 64)
		if !ok || err1 != nil || err2 != nil || la < -90 || la > 90 || lo < -180 || lo > 180 {
			return r, bad("near", "lat,lon in degrees")
		}
		r.near = &data.Point{Lat: la, Lon: lo}
	}
	return r, nil
}

// violation is one constraint one result broke.
type violation struct {
	kind, id, why string
}

func groupLanguages(g *data.Group) []string {
	if len(g.Languages) == 0 {
		return []string{"en"} // the directory's default
	}
	return g.Languages
}

// check lists the constraints of r that the match breaks. It reads only the
// listing's own fields and the match's notes, never how the matcher chose it,
// so it holds whatever rules produce the list.
func (r firstMessage) check(m data.Match) []violation {
	g := m.Group
	var out []violation
	add := func(kind, format string, args ...any) {
		out = append(out, violation{kind, g.ID, fmt.Sprintf(format, args...)})
	}

	switch {
	case r.noTopic && g.Kind != data.KindFinder && g.Kind != data.KindHelpline:
		add(kindTopic, "no such topic in the directory, but a %s about %v (want a finder or helpline)", kindOf(g), g.Topics)
	case len(r.topics) > 0 && !slices.ContainsFunc(g.Topics, func(t string) bool { return slices.Contains(r.topics, t) }):
		add(kindTopic, "topics %v, want one of %v", g.Topics, r.topics)
	}

	for _, x := range r.exclude {
		switch {
		case x == data.ExcludeTwelveStep && g.TwelveStep:
			add(kindExclude, "a twelve-step listing, ruled out")
		case x == data.ExcludeFaith && g.FaithBased:
			add(kindExclude, "a faith-based listing, ruled out")
		case x == data.ExcludeHelpline && g.Kind == data.KindHelpline:
			add(kindExclude, "a helpline, ruled out")
		}
	}

	if r.age > 0 && !g.FitsAge(r.age) {
		add(kindAge, "serves ages %d-%d (audiences %v), person is %d", g.AgeMin, g.AgeMax, g.Audiences, r.age)
	}

	// Restricted audiences intersect ("lgbtq, youth" is LGBTQ youth), so
	// each must be one the person asked for or implied; a listing for both
	// men and women is for either, and "families" restricts nothing (see
	// restrictedAudiences). This also covers a stated audience: a listing
	// for another audience names one the person did not ask for.
	anyGender := slices.Contains(g.Audiences, "men") && slices.Contains(g.Audiences, "women")
	for _, a := range g.Audiences {
		if !slices.Contains(restrictedAudiences, a) || a == r.audience || slices.Contains(r.implies, a) {
			continue
		}
		if anyGender && (a == "men" || a == "women") {
			continue
		}
		// An age the person gave settles youth and seniors listings: a
		// 72-year-old may join a seniors' group without saying "seniors".
		if (a == "youth" || a == "seniors") && r.age > 0 && g.FitsAge(r.age) {
			continue
		}
		if r.audience != "" {
			add(kindAudience, "for %s (audiences %v), person asked for %s", a, g.Audiences, r.audience)
		} else {
			add(kindAudience, "for %s only (audiences %v), which the person did not state", a, g.Audiences)
		}
	}

	switch r.format {
	case "online":
		if !g.Format.Remote() {
			add(kindFormat, "format %s, person asked for online or phone", g.Format)
		}
	case "in_person":
		room := g.Format.InPerson() && g.Location != nil
		if !room && g.Kind != data.KindFinder && !slices.Contains(m.Notes, data.NoteNoInPerson) {
			add(kindFormat, "format %s without a room, person asked for in person (and no %s note)", g.Format, data.NoteNoInPerson)
		}
		// A room a continent away is no in-person group for this person,
		// whatever country it is in, unless the reply says it looked wider.
		if room && r.near != nil && g.Location.Point != nil && !slices.ContainsFunc(m.Notes, func(n string) bool {
			return n == data.NoteWiderArea || n == data.NoteNoInPerson || n == data.NoteNoLocal
		}) {
			if d := data.DistanceKm(*g.Location.Point, *r.near); d > inPersonFarKm {
				add(kindFormat, "a room %.0f km away in %s, person asked for in person (and no %s note)", d, g.Location.City, data.NoteWiderArea)
			}
		}
	}

	if r.country != "" {
		if len(g.Countries) > 0 && !slices.Contains(g.Countries, r.country) {
			add(kindCountry, "offered only in %v, person is in %s", g.Countries, r.country)
		}
		// A room counts where it is; a hybrid group counts as a room only
		// when the person wants to walk in, since otherwise they join online.
		room := g.Location != nil && (!g.Format.Remote() || r.format == "in_person")
		if room && !slices.Contains(m.Notes, data.NoteNoLocal) {
			switch loc := g.Location; {
			case loc.Country != "":
				if loc.Country != r.country {
					add(kindCountry, "meets in %s, %s, person is in %s (and no %s note)", loc.City, loc.Country, r.country, data.NoteNoLocal)
				}
			case loc.Point != nil && r.near != nil:
				if d := data.DistanceKm(*loc.Point, *r.near); d > inPersonFarKm {
					add(kindCountry, "meets %.0f km away in %s, person is in %s (and no %s note)", d, loc.City, r.country, data.NoteNoLocal)
				}
			}
		}
	}
	return out
}

func kindOf(g *data.Group) data.Kind {
	if g.Kind == "" {
		return data.KindGroup
	}
	return g.Kind
}

// sameLanguageListing returns a listing in the row's language of the directory about
// the row's main (first) topic that breaks none of its other constraints
// (with no notes to excuse it), or nil. Only when one exists must a Spanish
// message get a Spanish listing first: a Spanish cancer line is no answer to
// "mi esposa tiene esquizofrenia" although both serve caregivers.
func (r firstMessage) sameLanguageListing(dir *data.Directory) *data.Group {
	for _, g := range dir.Groups {
		if len(r.topics) > 0 && !slices.Contains(g.Topics, r.topics[0]) {
			continue
		}
		if slices.Contains(groupLanguages(g), r.lang) && len(r.check(data.Match{Group: g})) == 0 {
			return g
		}
	}
	return nil
}

// firstMessagesSetup builds the matcher (the same build as
// TestMatchQuality's), a second load of the same embedded directory, to
// look for listings in the person's language they could have been shown,
// and the rows of a set.
func firstMessagesSetup(t *testing.T, path string) (*matcher.Matcher, *data.Directory, []firstMessage) {
	t.Helper()
	m := newMatcher(t)
	vocab, err := data.DefaultVocabulary()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := importer.DefaultDirectory(vocab)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := loadFirstMessages(path, vocab)
	if err != nil {
		t.Fatal(err)
	}
	return m, dir, rows
}

// TestFirstMessages runs each first message of the set through the matcher
// as the bot does (understand, then search) and checks every top-3 result
// against the constraints the person stated. It measures the rules the
// lead writes against a set they did not write.
func TestFirstMessages(t *testing.T) {
	m, dir, rows := firstMessagesSetup(t, firstMessagesFile)
	var es int
	for _, r := range rows {
		if r.lang == "es" {
			es++
		}
	}
	if len(rows) < minFirstMessages || len(rows)-es < minEnglishMessages || es < minSpanishMessages {
		t.Fatalf("%d rows (%d English, %d Spanish), want at least %d (%d English, %d Spanish)",
			len(rows), len(rows)-es, es, minFirstMessages, minEnglishMessages, minSpanishMessages)
	}
	if rate := measureFirstMessages(t, m, dir, rows); rate < wantFirstMessagePassRate {
		t.Errorf("first messages: %.1f%% of rows pass, want at least %.1f%%", 100*rate, 100*wantFirstMessagePassRate)
	}
}

// measureFirstMessages runs the rows and returns the share whose every
// top-3 result keeps every stated constraint, logging each failure and
// failing the test if a search is unstable.
func measureFirstMessages(t *testing.T, m *matcher.Matcher, dir *data.Directory, rows []firstMessage) float64 {
	t.Helper()
	// Per kind: rows where the constraint applies, and rows that kept it.
	applies, kept := map[string]int{}, map[string]int{}
	passed := 0
	var unstable []int // lines whose top 3 changed when asked again
	for _, r := range rows {
		in := m.Understand(r.text).Intake(r.text)
		res, err := m.Find(context.Background(), in, 0, 3)
		if err != nil {
			t.Fatalf("line %d: find: %v", r.line, err)
		}
		// The same search must give the same list (the issue asks for ties
		// broken by a stable key), or this test's rate is a draw.
		again, err := m.Find(context.Background(), in, 0, 3)
		if err != nil {
			t.Fatalf("line %d: find again: %v", r.line, err)
		}
		if !slices.Equal(matchIDs(res), matchIDs(again)) {
			unstable = append(unstable, r.line)
			t.Logf("line %d %q: top 3 %v, then %v when asked again", r.line, r.text, matchIDs(res), matchIDs(again))
		}
		var vs []violation
		if len(res) == 0 {
			vs = append(vs, violation{kindResults, "-", "no results"})
		}
		for _, mt := range res[:min(3, len(res))] {
			vs = append(vs, r.check(mt)...)
		}
		var same *data.Group
		if r.lang != "" {
			same = r.sameLanguageListing(dir)
			if same != nil && len(res) > 0 && !slices.Contains(groupLanguages(res[0].Group), r.lang) {
				vs = append(vs, violation{kindLang, res[0].Group.ID,
					fmt.Sprintf("first result in %v although a listing in %s fits (%s)", groupLanguages(res[0].Group), r.lang, same.ID)})
			}
		}

		broken := map[string]bool{}
		for _, v := range vs {
			broken[v.kind] = true
		}
		for _, k := range constraintKinds {
			if !r.applies(k, same != nil) {
				continue
			}
			applies[k]++
			if !broken[k] {
				kept[k]++
			}
		}
		if len(vs) == 0 {
			passed++
			continue
		}
		// The row's own text is test data, not a person's message, so it
		// may appear in the test log.
		t.Logf("line %d %q: got %v notes %v", r.line, r.text, matchIDs(res), notesOf(res))
		for _, v := range vs {
			t.Logf("    %s: %s: %s", v.kind, v.id, v.why)
		}
	}

	for _, k := range constraintKinds {
		if applies[k] > 0 {
			t.Logf("%-8s kept in %3d of %3d rows (%.1f%%)", k, kept[k], applies[k], 100*float64(kept[k])/float64(applies[k]))
		}
	}
	rate := float64(passed) / float64(len(rows))
	t.Logf("first messages: %d of %d rows (%.1f%%) have every top-3 result within every stated constraint", passed, len(rows), 100*rate)
	if len(unstable) > 0 {
		t.Errorf("first messages: %d rows gave another top 3 when asked again (lines %v), so the rate above varies from run to run", len(unstable), unstable)
	}
	return rate
}

// frenchFirstMessagesFile holds French first messages (issue #16), Québec
// and France, with the constraints their authors stated.
const frenchFirstMessagesFile = "testdata/first-messages-fr.tsv"

// minFrenchMessages: enough rows that one rule cannot pass the set by luck.
const minFrenchMessages = 40

// wantFrenchPassRate is the measured share of French rows whose every
// top-3 result keeps every stated constraint: 79 of 83 (95.2%), measured
// after the lex brief added 34 rows (71 of 83 before its fixes). It may
// only rise. The four misses are ranking and reading limits, not test
// mistakes: "je bois trop depuis que j'ai perdu ma job" read as job loss
// first; "pas de puissance supérieure" not read as ruling out the Steps
// (English "no higher power" is not either); "dépression post-partum",
// a parenting synonym in topics.json, finds no French parenting group
// online; and a person in Brussels gets Canadian and French listings
// beside a Belgian one.
const wantFrenchPassRate = 0.97

// TestFirstMessagesFrench runs the French set as TestFirstMessages runs
// the English and Spanish one: adding French must not need another test.
func TestFirstMessagesFrench(t *testing.T) {
	m, dir, rows := firstMessagesSetup(t, frenchFirstMessagesFile)
	if len(rows) < minFrenchMessages {
		t.Fatalf("%d French rows, want at least %d", len(rows), minFrenchMessages)
	}
	for _, r := range rows {
		if r.lang != "fr" {
			t.Fatalf("line %d: lang %q, want fr in the French set", r.line, r.lang)
		}
	}
	if rate := measureFirstMessages(t, m, dir, rows); rate < wantFrenchPassRate {
		t.Errorf("French first messages: %.1f%% of rows pass, want at least %.1f%%", 100*rate, 100*wantFrenchPassRate)
	}
}

// applies reports whether a constraint kind is stated by the row (audience
// always is: no row may get a listing for an audience it did not state).
func (r firstMessage) applies(kind string, spanishExists bool) bool {
	switch kind {
	case kindResults, kindAudience:
		return true
	case kindTopic:
		return r.noTopic || len(r.topics) > 0
	case kindExclude:
		return len(r.exclude) > 0
	case kindAge:
		return r.age > 0
	case kindFormat:
		return r.format != ""
	case kindCountry:
		return r.country != ""
	case kindLang:
		return r.lang != "" && spanishExists
	}
	return false
}

func matchIDs(res []data.Match) []string {
	ids := make([]string, len(res))
	for i, mt := range res {
		ids[i] = mt.Group.ID
	}
	return ids
}

func notesOf(res []data.Match) []string {
	if len(res) == 0 {
		return nil
	}
	return res[0].Notes
}

// TestFirstMessageCheck shows that each predicate of the set catches the
// listing it is meant to catch and lets a fitting one through, so a passing
// TestFirstMessages means the results fit, not that the checks are blind.
func TestFirstMessageCheck(t *testing.T) {
	toronto := &data.Point{Lat: 43.65, Lon: -79.38}
	fits := func() *data.Group {
		return &data.Group{ID: "fits", Kind: data.KindGroup, Topics: []string{"grief"}, Format: data.FormatInPerson,
			Location: &data.Location{City: "Toronto", Country: "CA", Point: toronto}}
	}
	row := firstMessage{topics: []string{"grief"}, exclude: []string{data.ExcludeTwelveStep, data.ExcludeFaith, data.ExcludeHelpline},
		age: 40, audience: "men", format: "in_person", country: "CA", near: toronto}
	if vs := row.check(data.Match{Group: fits()}); len(vs) != 0 {
		t.Fatalf("a fitting listing broke %v", vs)
	}
	cases := []struct {
		kind  string
		notes []string
		edit  func(g *data.Group)
	}{
		{kindTopic, nil, func(g *data.Group) { g.Topics = []string{"gambling"} }},
		{kindExclude, nil, func(g *data.Group) { g.TwelveStep = true }},
		{kindExclude, nil, func(g *data.Group) { g.FaithBased = true }},
		{kindExclude, nil, func(g *data.Group) { g.Kind = data.KindHelpline }},
		{kindAge, nil, func(g *data.Group) { g.AgeMax = 25 }},
		{kindAudience, nil, func(g *data.Group) { g.Audiences = []string{"women"} }},
		{kindAudience, nil, func(g *data.Group) { g.Audiences = []string{"men", "veterans"} }},
		{kindFormat, nil, func(g *data.Group) { g.Format, g.Location = data.FormatOnline, nil }},
		{kindCountry, nil, func(g *data.Group) { g.Location.Country = "US" }},
		{kindCountry, nil, func(g *data.Group) {
			g.Location = &data.Location{City: "Sydney", Point: &data.Point{Lat: -33.87, Lon: 151.21}}
		}},
		{kindCountry, []string{data.NoteNoLocal}, func(g *data.Group) { g.Countries = []string{"AU"} }},
		{kindFormat, nil, func(g *data.Group) { g.Location.Point = &data.Point{Lat: 49.28, Lon: -123.12} }}, // Vancouver
	}
	for _, c := range cases {
		g := fits()
		c.edit(g)
		vs := row.check(data.Match{Group: g, Notes: c.notes})
		if !slices.ContainsFunc(vs, func(v violation) bool { return v.kind == c.kind }) {
			t.Errorf("%s: a listing that breaks it passed (%+v)", c.kind, g)
		}
	}
	// What the notes and the age excuse.
	excused := []struct {
		name  string
		row   firstMessage
		notes []string
		edit  func(g *data.Group)
	}{
		{"online with no_in_person", row, []string{data.NoteNoInPerson}, func(g *data.Group) { g.Format, g.Location = data.FormatOnline, nil }},
		{"a finder for in person", row, nil, func(g *data.Group) { g.Kind, g.Format, g.Location = data.KindFinder, data.FormatOnline, nil }},
		{"abroad with no_local", row, []string{data.NoteNoLocal}, func(g *data.Group) { g.Location.Country = "US" }},
		{"far with wider_area", row, []string{data.NoteWiderArea}, func(g *data.Group) { g.Location.Point = &data.Point{Lat: 49.28, Lon: -123.12} }},
		{"families restrict nothing", row, nil, func(g *data.Group) { g.Audiences = []string{"families"} }},
		{"men and women", row, nil, func(g *data.Group) { g.Audiences = []string{"men", "women"} }},
		{"seniors at 72", firstMessage{age: 72}, nil, func(g *data.Group) { g.Audiences = []string{"seniors"} }},
		{"implied veterans", firstMessage{implies: []string{"veterans"}}, nil, func(g *data.Group) { g.Audiences = []string{"veterans", "families"} }},
		{"none: a helpline", firstMessage{noTopic: true}, nil, func(g *data.Group) { g.Kind = data.KindHelpline }},
	}
	for _, c := range excused {
		g := fits()
		c.edit(g)
		if vs := c.row.check(data.Match{Group: g, Notes: c.notes}); len(vs) != 0 {
			t.Errorf("%s: broke %v", c.name, vs)
		}
	}
	if vs := (firstMessage{noTopic: true}).check(data.Match{Group: fits()}); len(vs) != 1 || vs[0].kind != kindTopic {
		t.Errorf("none: a group of another topic gave %v, want one topic violation", vs)
	}
}

// TestFirstMessagesBadRows shows that a mistake in the set is reported with
// its line and field, not taken for a matcher failure.
func TestFirstMessagesBadRows(t *testing.T) {
	vocab, err := data.DefaultVocabulary()
	if err != nil {
		t.Fatal(err)
	}
	header := strings.Join(firstMessageColumns, "\t") + "\n"
	good := "hi\tgrief\t\t\t\t\t\t\t\t"
	cases := []struct{ body, want string }{
		{"text\ttopics\n", "header"},
		{header + "hi\tgrief\n", "columns"},
		{header + strings.Replace(good, "grief", "griefs", 1), "field topics"},
		{header + "hi\tgrief\tno_aa\t\t\t\t\t\t\t", "field exclude"},
		{header + "hi\tgrief\t\tsixteen\t\t\t\t\t\t", "field age"},
		{header + "hi\tgrief\t\t\tdads\t\t\t\t\t", "field audience"},
		{header + "hi\tgrief\t\t\t\tzoom\t\t\t\t", "field format"},
		{header + "hi\tgrief\t\t\t\t\tusa\t\t\t", "field country"},
		{header + "hi\tgrief\t\t\t\t\t\tde\t\t", "field lang"},
		{header + "hi\tgrief\t\t\t\t\t\t\t43.6\t", "field near"},
		{header + "hi\tgrief\t\t\t\t\t\t\t\tdads", "field implies"},
	}
	for _, c := range cases {
		p := t.TempDir() + "/rows.tsv"
		if err := os.WriteFile(p, []byte("# comment\n"+c.body+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := loadFirstMessages(p, vocab)
		if !errors.Is(err, errBadRow) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p+":") {
			t.Errorf("%q: error %v, want errBadRow naming the file, line and %q", c.body, err, c.want)
		}
	}
	p := t.TempDir() + "/rows.tsv"
	if err := os.WriteFile(p, []byte(header+good+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if rows, err := loadFirstMessages(p, vocab); err != nil || len(rows) != 1 || rows[0].line != 2 {
		t.Errorf("good row: %v, %v", rows, err)
	}
}
