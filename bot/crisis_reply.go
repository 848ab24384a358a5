package bot

import (
	"regexp"
	"strings"

	"golang.org/x/text/language"

	"github.com/peermatch/peermatch/data"
)

// The crisis replies: the screener (matcher/crisis) picks the lines as
// records, these functions say them in the conversation's language with
// the "crisis" section of the catalogs. They read nothing but the static
// crisis data and the embedded catalogs, so they answer when the store,
// the matcher or the network have failed.

// maxCrisisReplyLen bounds a whole crisis reply (Telegram allows 4,096).
const maxCrisisReplyLen = 3500

// crisisText is a text of the catalog's crisis section with {name}
// placeholders filled from kv pairs.
func (c *catalog) crisisText(key string, kv ...string) string {
	s := c.Crisis[key]
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+kv[i]+"}", kv[i+1])
	}
	return s
}

// crisisReply is the answer to an assessment at level concern or above:
// plain text, at most maxCrisisReplyLen bytes. lang is the reply's language
// (crisisLang): its catalog speaks, and when the country is unknown the
// lines shown are those of the countries where that language is spoken
// most, even for a language no catalog has. It is "" for LevelNone.
func (e *Engine) crisisReply(a data.Assessment, country, lang string, notified bool) string {
	if a.Level <= data.LevelNone {
		return ""
	}
	c := e.cats.decide("", lang, "")
	cat := data.CrisisSuicide
	for _, k := range a.Categories {
		if c.Crisis[k+".ack"] != "" {
			cat = k
			break
		}
	}
	if a.Level == data.LevelConcern && c.Crisis[cat+".concern.ack"] != "" {
		cat += ".concern"
	}
	ack := c.crisisText(cat+".ack") + " " + c.crisisText(cat+".ask")
	hope := c.crisisText(cat + ".hope")
	cc, lines := e.crisisLines(c, country, lang, a.Categories)
	var paras []string
	switch a.Level {
	case data.LevelEmergency:
		first := c.crisisText("emergency_first_unknown")
		if cc != nil {
			first = c.crisisText("emergency_first", "emergency", c.number(cc.Emergency))
		}
		paras = append(paras, first, lines, ack, hope)
	case data.LevelUrgent:
		paras = append(paras, lines, ack, hope)
	default:
		paras = append(paras, ack, lines, hope)
	}
	paras = append(paras, c.crisisText("bot"))
	if notified {
		paras = append(paras, c.crisisText("moderator"))
	}
	paras = append(paras, c.crisisText("closing"))
	return fitCrisis(strings.Join(paras, "\n\n"))
}

// linesReply is what /crisis shows at any time, and the answer to "which
// country are you in?": every line of the country and its emergency
// number, or the lines of the language's main countries, the
// international directory and the question.
func (e *Engine) linesReply(country, lang string) string {
	c := e.cats.decide("", lang, "")
	cc, _, _ := e.crisis.Lines(country, nil, lang)
	var b strings.Builder
	if cc == nil {
		_, block := e.crisisLines(c, "", lang, nil)
		b.WriteString(block)
	} else {
		b.WriteString(c.crisisText("lines_intro"))
		for _, l := range cc.Lines {
			b.WriteString("\n- " + c.formatLine(l))
		}
		b.WriteString("\n" + c.crisisText("emergency_label", "emergency", c.emergency(cc)))
	}
	b.WriteString("\n\n" + c.crisisText("bot"))
	return fitCrisis(b.String())
}

// crisisLines is the block of lines in a reply and the country's record
// (nil when the country is unknown).
func (e *Engine) crisisLines(c *catalog, country, lang string, cats []string) (*data.CrisisCountry, string) {
	var b strings.Builder
	cc, lines, fallback := e.crisis.Lines(country, cats, lang)
	if cc == nil {
		// The country is unknown: lines to call at once in the countries
		// where most people writing this language live, then the
		// international directory, then the question.
		b.WriteString(c.crisisText("major_lines"))
		for _, code := range e.crisis.MajorCountries(lang) {
			if mc, ls, _ := e.crisis.Lines(code, cats, lang); mc != nil && len(ls) > 0 {
				b.WriteString("\n- " + c.crisisText("country_line", "country", c.countryName(mc), "line", c.formatLine(ls[0])))
			}
		}
		b.WriteString("\n" + c.crisisText("international", "url", e.crisis.International().URL))
		b.WriteString("\n" + c.crisisText("ask_country"))
		b.WriteString("\n" + c.crisisText("call_local"))
		return nil, b.String()
	}
	if fallback {
		b.WriteString(c.crisisText("fallback", "country", c.countryName(cc)))
	} else {
		b.WriteString(c.crisisText("lines_header"))
	}
	for _, l := range lines {
		b.WriteString("\n- " + c.formatLine(l))
	}
	b.WriteString("\n" + c.crisisText("emergency_label", "emergency", c.emergency(cc)))
	return cc, b.String()
}

// formatLine is "Name: call 988, text 988, chat URL (24/7)" in c's words:
// the data holds the numbers, the catalog the verbs.
func (c *catalog) formatLine(l data.CrisisLine) string {
	name := l.Name
	if n := l.LocalNames[c.Lang]; n != "" {
		name = n
	}
	line := c.crisisText("line", "name", name, "reach", c.reach(l))
	var notes []string
	if h := c.hours(l); h != "" {
		notes = append(notes, h)
	}
	if o := c.languageOption(l); o != "" {
		notes = append(notes, o)
	}
	for _, n := range notes {
		line += " (" + n + ")"
	}
	return line
}

// reach is how to reach a line: "call 988, text 988, chat URL".
func (c *catalog) reach(l data.CrisisLine) string {
	var parts []string
	if l.Phone != "" {
		if l.Press != "" {
			parts = append(parts, c.crisisText("line_call_press", "n", c.number(l.Phone), "key", l.Press))
		} else {
			parts = append(parts, c.crisisText("line_call", "n", c.number(l.Phone)))
		}
	}
	if l.SMS != "" {
		// The data writes a keyword as "text HOME to 741741" (a form
		// data.LoadCrisisLines checks) and a messaging app by its name;
		// the keyword and number are said in the catalog's words.
		if m := smsKeyword.FindStringSubmatch(l.SMS); m != nil {
			parts = append(parts, c.crisisText("line_text_keyword", "keyword", m[1], "n", m[2]))
		} else if strings.HasPrefix(l.SMS, "WhatsApp ") {
			parts = append(parts, l.SMS)
		} else {
			parts = append(parts, c.crisisText("line_text", "n", l.SMS))
		}
	}
	if l.Chat != "" {
		parts = append(parts, c.crisisText("line_chat", "url", l.Chat))
	} else if l.URL != "" && l.Phone == "" && l.SMS == "" {
		parts = append(parts, l.URL)
	}
	return strings.Join(parts, c.t("list_sep"))
}

// number says a phone number of the data, whose alternatives are joined
// by " or " ("999 or 112"), with the catalog's word between them.
func (c *catalog) number(n string) string {
	return strings.ReplaceAll(n, " or ", c.crisisText("number_or"))
}

// emergency is a country's emergency number and its other services in c's
// words, for the line that lists them: "112, 101 (police)", "999 ou 112".
// A sentence that says "call ..." names the main number alone.
func (c *catalog) emergency(cc *data.CrisisCountry) string {
	parts := []string{c.number(cc.Emergency)}
	for _, es := range cc.EmergencyServices {
		parts = append(parts, c.crisisText("emergency_service", "n", es.N, "service", c.crisisText("for."+es.For)))
	}
	return strings.Join(parts, c.t("list_sep"))
}

// smsKeyword reads the data's "text KEYWORD to NUMBER".
var smsKeyword = regexp.MustCompile(`^text ([A-Z0-9]+) to (.+)$`)

// smsNumber is the number a line takes texts on: the data's SMS, or the
// number of its "text KEYWORD to NUMBER".
func smsNumber(sms string) string {
	if m := smsKeyword.FindStringSubmatch(sms); m != nil {
		return m[2]
	}
	return sms
}

// hours is when a line answers, in c's language: the catalog's word for
// HoursAlways, or the data's hours in that language (English when the
// data has none in it; a test holds the data to every catalog's language),
// and whether it is free.
func (c *catalog) hours(l data.CrisisLine) string {
	var parts []string
	switch {
	case l.Hours == data.HoursAlways:
		parts = append(parts, c.crisisText("hours_always"))
	case l.HoursText[c.Lang] != "":
		parts = append(parts, l.HoursText[c.Lang])
	case l.HoursText["en"] != "":
		parts = append(parts, l.HoursText["en"])
	}
	if l.Free {
		parts = append(parts, c.crisisText("free"))
	}
	return strings.Join(parts, c.t("list_sep"))
}

// languageOption is how to reach the line in c's language when the line
// has a way for it ("opción 2 en español, o envía AYUDA al 988"), or "".
func (c *catalog) languageOption(l data.CrisisLine) string {
	o, ok := l.LanguageOptions[c.Lang]
	if !ok {
		return ""
	}
	var parts []string
	if o.Press != "" {
		parts = append(parts, c.crisisText("option_press", "key", o.Press))
	}
	if o.Text != "" {
		parts = append(parts, c.crisisText("option_text", "keyword", o.Text, "n", smsNumber(l.SMS)))
	}
	return strings.Join(parts, c.crisisText("or"))
}

// countryName is the country's name in c's language from x/text's tables
// ("Estados Unidos", "États-Unis"), or the data's English name when the
// tables have none.
func (c *catalog) countryName(cc *data.CrisisCountry) string {
	r, err := language.ParseRegion(cc.Code)
	if err != nil {
		return cc.Name
	}
	if n := regionNamer(c.Lang).Name(r); n != "" {
		return n
	}
	return cc.Name
}

// dangerClause is the hello's "if you are in danger now, ..." clause for a
// country, from the crisis line data: "call 911, or call or text 988", with
// the line's way in the catalog's language when it has one ("opción 2 en
// español"). It is the catalog's general advice when the country is
// unknown or has no suicide line with a number.
func (e *Engine) dangerClause(country string, c *catalog) string {
	cc, l := e.crisis.DangerLine(country)
	if cc == nil || l == nil {
		return c.t("danger_default")
	}
	key := "danger"
	if smsNumber(l.SMS) == l.Phone {
		key = "danger_call_or_text"
	}
	s := c.crisisText(key, "emergency", c.number(cc.Emergency), "n", c.number(l.Phone))
	if o := c.languageOption(*l); o != "" {
		s += " (" + o + ")"
	}
	return s
}

// fitCrisis cuts a reply at a line break to maxCrisisReplyLen bytes; the
// catalogs and the four-line limit keep replies far shorter, this is only
// a guard.
func fitCrisis(s string) string {
	if len(s) <= maxCrisisReplyLen {
		return s
	}
	cut := strings.LastIndexByte(s[:maxCrisisReplyLen], '\n')
	if cut <= 0 {
		cut = maxCrisisReplyLen
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
	}
	return s[:cut]
}
