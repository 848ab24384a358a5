package bot

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/peermatch/peermatch/data/schedule"

	"github.com/peermatch/peermatch/data"
)

// MaxReply is the longest reply text the core produces, under Telegram's
// 4,096-character message limit with room for an adapter's numbering.
const MaxReply = 4000

// renderResults lists the matches in plain text. Everything shown comes
// from the Group or the matcher's reasons; nothing is made up, and user
// text is never echoed.
func (t *turn) renderResults(intro string, matches []data.Match) string {
	blocks := make([]string, 0, len(matches))
	short := make([]string, 0, len(matches))
	for i, mt := range matches {
		blocks = append(blocks, t.renderMatch(t.sess.Offset-len(matches)+i+1, mt, true))
		short = append(short, t.renderMatch(t.sess.Offset-len(matches)+i+1, mt, false))
	}
	footer := t.c.t("results_footer")
	out := intro + "\n\n" + strings.Join(blocks, "\n\n") + "\n\n" + footer
	if utf8.RuneCountInString(out) <= MaxReply {
		return out
	}
	// Too long (a directory with long summaries): drop summaries, then
	// groups, rather than cut a link in half.
	for n := len(short); n > 0; n-- {
		out = intro + "\n\n" + strings.Join(short[:n], "\n\n") + "\n\n" + footer
		if utf8.RuneCountInString(out) <= MaxReply {
			return out
		}
	}
	return truncate(out, MaxReply)
}

func (t *turn) renderMatch(n int, mt data.Match, summary bool) string {
	g := mt.Group
	var b strings.Builder
	b.WriteString(strconv.Itoa(n) + ". " + oneLine(g.Name))
	if g.Demo {
		b.WriteString(" (" + t.c.t("example") + ")")
	}
	if summary && g.Summary != "" {
		b.WriteString("\n   " + truncate(firstSentence(oneLine(g.Summary)), 200))
	}
	if len(mt.Reasons) > 0 {
		b.WriteString("\n   " + t.c.t("why", "reasons", oneLine(strings.Join(mt.Reasons, " · "))))
	}
	if facts := t.facts(g); facts != "" {
		b.WriteString("\n   " + facts)
	}
	switch g.Kind {
	case data.KindFinder:
		if u := firstNonEmpty(g.Contact.URL, g.Online.URL); u != "" {
			b.WriteString("\n   " + t.c.t("finder", "url", u))
		}
	case data.KindHelpline:
		if c := t.contacts(g, false); c != "" {
			b.WriteString("\n   " + t.c.t("helpline", "contact", c))
		}
	default:
		if when := t.nextMeeting(g); when != "" {
			b.WriteString("\n   " + t.c.t("next", "when", when))
			if old := t.c.timesConfirmed(g, t.e.now()); old != "" {
				b.WriteString("\n   " + old)
			}
		}
		if how := t.contacts(g, true); how != "" {
			b.WriteString("\n   " + t.c.t("join", "how", how))
		}
	}
	if mt.DistanceKm >= 0 && t.sess.Near != nil && g.Format.InPerson() {
		b.WriteString("\n   " + t.c.t("distance", "n", strconv.Itoa(int(mt.DistanceKm+0.5))))
	}
	if g.LastVerified != "" {
		b.WriteString("\n   " + t.c.t("verified", "date", g.LastVerified))
	}
	return b.String()
}

// facts is "online · open to all (drop-in) · free", from known fields only.
func (t *turn) facts(g *data.Group) string {
	var parts []string
	if g.Format != "" {
		if l := t.c.label("format_" + string(g.Format)); l != "" {
			parts = append(parts, l)
		}
	}
	if g.Kind != data.KindFinder && g.Kind != data.KindHelpline && g.Access != "" {
		if l := t.c.label("access_" + g.Access); l != "" {
			parts = append(parts, l)
		}
	}
	if g.Cost != "" {
		if l := t.c.label("cost_" + g.Cost); l != "" {
			parts = append(parts, l)
		}
	}
	// A meeting feed's own words for the meeting (Big Book, Speaker,
	// Wheelchair Access), in the person's language where the Meeting
	// Guide specification has it. Codes the other facts already say
	// (online, open or closed access, temporarily closed) are left out.
	for _, code := range g.Types {
		if shownElsewhere[code] {
			continue
		}
		if l, ok := data.TypeLabel(code, t.c.Lang); ok {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " · ")
}

// shownElsewhere are type codes another fact of the listing already says.
var shownElsewhere = map[string]bool{"ONL": true, "TC": true, "O": true, "C": true}

// contacts lists how to reach a group: the meeting link or dial-in, the
// address for a room, then the organization's contact.
func (t *turn) contacts(g *data.Group, withPlace bool) string {
	var parts []string
	add := func(s string) {
		if s = oneLine(s); s != "" && !contains(parts, s) {
			parts = append(parts, s)
		}
	}
	if g.Format.Remote() {
		add(g.Online.URL)
		if g.Online.Phone != "" {
			add(t.c.t("phone", "n", g.Online.Phone))
		}
	}
	if withPlace && g.Location != nil && g.Format.InPerson() {
		l := g.Location
		var addr []string
		for _, s := range []string{l.Name, l.Address, l.City, strings.TrimSpace(l.Region + " " + l.PostalCode)} {
			if s != "" {
				addr = append(addr, s)
			}
		}
		add(strings.Join(addr, ", "))
	}
	add(g.Contact.URL)
	if g.Contact.Phone != "" {
		add(t.c.t("phone", "n", g.Contact.Phone))
	}
	if g.Contact.Email != "" {
		add(t.c.t("email", "e", g.Contact.Email))
	}
	return strings.Join(parts, " · ")
}

// viewer is the person's time zone, when we know it.
func (t *turn) viewer() *time.Location {
	if t.sess.TimeZone != "" {
		if loc, err := time.LoadLocation(t.sess.TimeZone); err == nil {
			return loc
		}
	}
	return t.e.userTZ
}

// nextMeeting describes the next occurrence, or "" when the listing has no
// usable schedule (we never guess a time).
func (t *turn) nextMeeting(g *data.Group) string {
	if len(g.Meetings) == 0 {
		return ""
	}
	now := t.e.now()
	occ, _ := schedule.NextMeetings(g, now, 1)
	if len(occ) == 0 {
		return ""
	}
	return occ[0].Describe(now, t.viewer(), t.c.Lang)
}

// renderTimes lists the next meetings of each group.
func (t *turn) renderTimes(groups []*data.Group) string {
	now := t.e.now()
	var blocks []string
	for _, g := range groups {
		name := oneLine(g.Name)
		if g.Demo {
			name += " (" + t.c.t("example") + ")"
		}
		occ, _ := schedule.NextMeetings(g, now, 3)
		if len(g.Meetings) == 0 || len(occ) == 0 {
			line := t.c.t("times_none", "name", name)
			if g.Kind == data.KindFinder {
				if u := firstNonEmpty(g.Contact.URL, g.Online.URL); u != "" {
					line += "\n   " + t.c.t("finder", "url", u)
				}
			} else if how := t.contacts(g, true); how != "" {
				line += "\n   " + t.c.t("join", "how", how)
			}
			blocks = append(blocks, line)
			continue
		}
		var b strings.Builder
		b.WriteString(name)
		for _, o := range occ {
			b.WriteString("\n   - " + o.Describe(now, t.viewer(), t.c.Lang))
			if o.Meeting != nil && o.Meeting.Note != "" {
				b.WriteString(" (" + oneLine(o.Meeting.Note) + ")")
			}
		}
		if old := t.c.timesConfirmed(g, now); old != "" {
			b.WriteString("\n   " + old)
		}
		blocks = append(blocks, b.String())
	}
	return truncate(t.c.t("times_intro")+"\n\n"+strings.Join(blocks, "\n\n"), MaxReply)
}

// timesConfirmed is "Times last confirmed January 2022" for a listing
// whose meeting times come from a page dated more than a year before now,
// so that a person checks before going; "" for fresher or undated sources.
// now is the engine's injected clock, never the wall clock.
func (c *catalog) timesConfirmed(g *data.Group, now time.Time) string {
	if len(g.Meetings) == 0 || g.SourceDate == "" {
		return ""
	}
	var when string
	var dated time.Time
	if d, err := time.Parse("2006-01-02", g.SourceDate); err == nil {
		dated = d
	} else if d, err := time.Parse("2006-01", g.SourceDate); err == nil {
		// A date without its day or month counts from the end of the period
		// it names, so that it is never called stale early.
		dated = d.AddDate(0, 1, -1)
	} else if d, err := time.Parse("2006", g.SourceDate); err == nil {
		dated, when = d.AddDate(1, 0, -1), strconv.Itoa(d.Year()) // name the year alone
	} else {
		return "" // validated data never gets here; say nothing rather than guess
	}
	// Whole days: a page dated a year ago today is not yet over a year old.
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if !dated.AddDate(1, 0, 0).Before(today) {
		return ""
	}
	if when == "" {
		when = c.t("month_year", "month", c.label("month_"+strconv.Itoa(int(dated.Month()))), "year", strconv.Itoa(dated.Year()))
	}
	return c.t("times_confirmed", "date", when)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// oneLine keeps directory text from breaking the layout.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	return s
}

// truncate cuts s to at most n runes, at a word boundary, with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	cut := string(r)
	if i := strings.LastIndexAny(cut, " \n"); i > len(cut)/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// noteLead says, one plain sentence per note, what the search could not
// honour (the first match's Notes), so a wider or looser list is never shown
// without a word. The one sentence that leads into the list ("These can
// help you find one:") goes last, in place of the usual intro.
func (t *turn) noteLead(notes []string) string {
	introduces := false
	place := t.sess.PlaceName
	if place == "" {
		place = t.c.label("near_you")
	}
	var parts []string
	for _, n := range notes {
		var s string
		switch n {
		case data.NoteNoTopic:
			s, introduces = t.c.t("note_no_topic_none"), true
			if len(t.sess.Topics) > 0 {
				s = t.c.t("note_no_topic", "topic", lowerFirst(t.topicLabel(t.sess.Topics[0])))
			}
		case data.NoteNoInPerson:
			s = t.c.t("note_no_in_person", "place", place)
		case data.NoteNoLocal:
			s = t.c.t("note_no_local")
		case data.NoteWiderArea:
			s = t.c.t("note_wider_area", "place", place)
		case data.NoteOtherDays:
			s = t.c.t("note_other_days")
		case data.NoteNotExact:
			s = t.c.t("note_not_exact")
		}
		if s != "" && !contains(parts, s) {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	if introduces && len(parts) > 1 {
		// The sentence that leads into the list goes last.
		for i, p := range parts {
			if strings.HasSuffix(p, ":") {
				parts = append(append(parts[:i:i], parts[i+1:]...), p)
				break
			}
		}
	}
	return strings.Join(parts, " ")
}

// lowerFirst lowercases a label's first letter for use inside a sentence
// ("Long COVID" stays, "Grief and loss" becomes "grief and loss").
func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) > 1 && unicode.IsUpper(r[0]) && unicode.IsLower(r[1]) {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}
