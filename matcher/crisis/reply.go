package crisis

import (
	"regexp"
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/peermatch/peermatch/data"
)

// maxLinesShown keeps a crisis reply short enough to read on a phone.
const maxLinesShown = 4

func (s *Screener) texts(lang string) data.CrisisReplyTexts {
	if t, ok := s.replies.Languages[baseLang(lang)]; ok {
		return t
	}
	return s.replies.Languages["en"]
}

func (s *Screener) country(code string) *data.CrisisCountry {
	code = strings.ToUpper(code)
	for i := range s.lines.Countries {
		if s.lines.Countries[i].Code == code {
			return &s.lines.Countries[i]
		}
	}
	return nil
}

func serves(l data.CrisisLine, cat string) bool {
	if len(l.Categories) == 0 {
		return cat != data.CrisisOverdose // general lines still help, but poison lines come first
	}
	for _, c := range l.Categories {
		if c == cat {
			return true
		}
	}
	return false
}

// pickLines orders a country's lines for the categories: lines made for the
// first category first, then lines for the others. When the country has no
// line for any of them, it returns the lines for any crisis (suicide lines)
// and fallback, so the reply says so instead of passing one category's line
// off as another's.
func pickLines(c *data.CrisisCountry, cats []string) (out []data.CrisisLine, fallback bool) {
	if len(cats) == 0 {
		cats = []string{data.CrisisSuicide}
	}
	used := map[int]bool{}
	takeN := func(n int, ok func(data.CrisisLine) bool) {
		for i, l := range c.Lines {
			if n > 0 && !used[i] && len(out) < maxLinesShown && ok(l) {
				used[i] = true
				out = append(out, l)
				n--
			}
		}
	}
	take := func(ok func(data.CrisisLine) bool) { takeN(maxLinesShown, ok) }
	// Every category named gets a line (suicide and overdose: the crisis
	// line and Poison Help), the first one the rest of the room.
	first := max(1, maxLinesShown-(len(cats)-1))
	for i, cat := range cats {
		n := 1
		if i == 0 {
			n = first
		}
		takeN(n, func(l data.CrisisLine) bool { return len(l.Categories) > 0 && serves(l, cat) })
	}
	for _, cat := range cats {
		take(func(l data.CrisisLine) bool { return len(l.Categories) > 0 && serves(l, cat) })
	}
	take(func(l data.CrisisLine) bool { return len(l.Categories) == 0 })
	if len(out) == 0 {
		fallback = true
		take(func(l data.CrisisLine) bool { return serves(l, data.CrisisSuicide) })
		take(func(data.CrisisLine) bool { return true })
	}
	return out, fallback
}

// formatLine is "- Name: call 988, text 988, chat URL (24/7)" in the
// words of t: the data holds the numbers, the replies file the verbs.
func formatLine(l data.CrisisLine, t data.CrisisReplyTexts) string {
	line := "- " + l.Name + ": " + reach(l, t)
	if l.Hours != "" {
		line += " (" + l.Hours + ")"
	}
	return line
}

// reach is how to reach a line: "call 988, text 988, chat URL".
func reach(l data.CrisisLine, t data.CrisisReplyTexts) string {
	var parts []string
	if l.Phone != "" {
		parts = append(parts, fill(t.LineCall, "n", l.Phone))
	}
	if l.SMS != "" {
		// The data writes a keyword as "text HOME to 741741" (a form
		// data.LoadCrisisLines checks) and a messaging app by name; the
		// keyword and number are said in the reply's words.
		if m := smsKeyword.FindStringSubmatch(l.SMS); m != nil {
			parts = append(parts, fill(fill(t.LineTextKeyword, "keyword", m[1]), "n", m[2]))
		} else if strings.Contains(l.SMS, "WhatsApp") {
			parts = append(parts, l.SMS)
		} else {
			parts = append(parts, fill(t.LineText, "n", l.SMS))
		}
	}
	if l.Chat != "" {
		parts = append(parts, fill(t.LineChat, "url", l.Chat))
	} else if l.URL != "" && l.Phone == "" && l.SMS == "" {
		parts = append(parts, l.URL)
	}
	return strings.Join(parts, ", ")
}

// smsKeyword reads the data's "text KEYWORD to NUMBER".
var smsKeyword = regexp.MustCompile(`^text ([A-Z0-9]+) to (.+)$`)

// localCountryName is the country's name in the reply's language from x/text's
// tables ("Estados Unidos", "États-Unis"), or the data's English name when
// the tables have none.
func localCountryName(c *data.CrisisCountry, lang string) string {
	r, err := language.ParseRegion(c.Code)
	if err != nil {
		return c.Name
	}
	if n := regionNamer(baseLang(lang)); n != nil {
		if name := n.Name(r); name != "" {
			return name
		}
	}
	return c.Name
}

var regionNamers sync.Map // base language → display.Namer

// regionNamer is x/text's region namer for lang, built once per language.
func regionNamer(lang string) display.Namer {
	if n, ok := regionNamers.Load(lang); ok {
		return n.(display.Namer)
	}
	n := display.Regions(language.Make(lang))
	regionNamers.Store(lang, n)
	return n
}

// fill puts v in place of {k}.
func fill(s, k, v string) string { return strings.ReplaceAll(s, "{"+k+"}", v) }

// DangerLine is the hello's "if you are in danger now, ..." clause for a
// country, from the crisis line data: "call 911, or call or text 988". It
// is "" when the country is unknown or has no suicide line with a number,
// so the caller says something general instead of guessing.
func (s *Screener) DangerLine(country, lang string) string {
	c := s.country(country)
	if c == nil {
		return ""
	}
	t := s.texts(lang)
	for _, l := range c.Lines {
		if l.Phone == "" || len(l.Audiences) > 0 || !slices.Contains(l.Categories, data.CrisisSuicide) {
			continue
		}
		tmpl := t.Danger
		if l.SMS == l.Phone {
			tmpl = t.DangerCallOrText
		}
		return fill(fill(tmpl, "emergency", c.Emergency), "n", l.Phone)
	}
	return ""
}

func (s *Screener) linesBlock(t data.CrisisReplyTexts, c *data.CrisisCountry, cats []string, lang string) string {
	var b strings.Builder
	if c == nil {
		// The country is unknown: lines to call at once in the countries
		// where most people writing this language live, then the
		// international directory, then the question.
		b.WriteString(t.MajorLines)
		codes := s.lines.ByLanguage[baseLang(lang)]
		if len(codes) == 0 {
			codes = s.lines.ByLanguage["en"]
		}
		for _, code := range codes {
			if mc := s.country(code); mc != nil {
				if ls, _ := pickLines(mc, cats); len(ls) > 0 {
					b.WriteString("\n- " + localCountryName(mc, lang) + ", " + strings.TrimPrefix(formatLine(ls[0], t), "- "))
				}
			}
		}
		b.WriteString("\n" + strings.ReplaceAll(t.International, "{url}", s.lines.International.URL))
		b.WriteString("\n" + t.AskCountry)
		b.WriteString("\n" + t.CallLocal)
		return b.String()
	}
	lines, fallback := pickLines(c, cats)
	if fallback {
		b.WriteString(strings.ReplaceAll(t.Fallback, "{country}", localCountryName(c, lang)))
	} else {
		b.WriteString(t.LinesHeader)
	}
	for _, l := range lines {
		b.WriteString("\n" + formatLine(l, t))
	}
	b.WriteString("\n" + strings.ReplaceAll(t.EmergencyLabel, "{emergency}", c.Emergency))
	return b.String()
}

func baseLang(lang string) string {
	l := strings.ToLower(lang)
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	return l
}

// Reply writes the crisis reply for an assessment: plain text, at most
// data.MaxCrisisReplyLen bytes, lines first, in English or Spanish. country is
// an ISO code ("" when unknown: the reply asks for it and shows the
// international directory). It returns "" for LevelNone.
func (s *Screener) Reply(a data.Assessment, country, lang string, moderatorNotified bool) string {
	if a.Level <= data.LevelNone {
		return ""
	}
	t := s.texts(lang)
	c := s.country(country)
	cat := data.CrisisSuicide
	for _, k := range a.Categories {
		if _, ok := t.Categories[k]; ok {
			cat = k
			break
		}
	}
	ct := t.Categories[cat]
	if a.Level == data.LevelConcern {
		if v, ok := t.Categories[cat+".concern"]; ok {
			ct = v
		}
	}
	var paras []string
	lines := s.linesBlock(t, c, a.Categories, lang)
	switch a.Level {
	case data.LevelEmergency:
		first := t.EmergencyFirstUnknown
		if c != nil {
			first = strings.ReplaceAll(t.EmergencyFirst, "{emergency}", c.Emergency)
		}
		paras = append(paras, first, lines, ct.Ack+" "+ct.Ask, ct.Hope)
	case data.LevelUrgent:
		paras = append(paras, lines, ct.Ack+" "+ct.Ask, ct.Hope)
	default:
		paras = append(paras, ct.Ack+" "+ct.Ask, lines, ct.Hope)
	}
	paras = append(paras, t.Bot)
	if moderatorNotified {
		paras = append(paras, t.Moderator)
	}
	paras = append(paras, t.Closing)
	return fit(strings.Join(paras, "\n\n"))
}

// ModeratorNotifiedText is the sentence that tells the person a human was
// notified, in English or Spanish.
func (s *Screener) ModeratorNotifiedText(lang string) string { return s.texts(lang).Moderator }

// LinesReply is what /crisis shows at any time: the country's lines and
// emergency number, or the international directory and a question.
func (s *Screener) LinesReply(country, lang string) string {
	t := s.texts(lang)
	c := s.country(country)
	var b strings.Builder
	if c == nil {
		b.WriteString(s.linesBlock(t, nil, nil, lang))
	} else {
		b.WriteString(t.LinesIntro)
		for _, l := range c.Lines {
			b.WriteString("\n" + formatLine(l, t))
		}
		b.WriteString("\n" + strings.ReplaceAll(t.EmergencyLabel, "{emergency}", c.Emergency))
	}
	b.WriteString("\n\n" + t.Bot)
	return fit(b.String())
}

// fit cuts a reply at a line break to data.MaxCrisisReplyLen bytes; the data
// keeps replies far shorter, this is only a guard.
func fit(s string) string {
	if len(s) <= data.MaxCrisisReplyLen {
		return s
	}
	cut := strings.LastIndexByte(s[:data.MaxCrisisReplyLen], '\n')
	if cut <= 0 {
		cut = data.MaxCrisisReplyLen
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
	}
	return s[:cut]
}
