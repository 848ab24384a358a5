package crisis

import (
	"slices"
	"strings"

	"github.com/peermatch/peermatch/data"
)

// maxLinesShown keeps a crisis reply short enough to read on a phone.
const maxLinesShown = 4

// The screener returns line records, never text: bot renders them in the
// conversation's language through its catalogs.

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
	return slices.Contains(l.Categories, cat)
}

// pickLines orders a country's lines for the categories: lines made for the
// first category first, then lines for the others. Among those, lines that
// speak the reader's language come first (a French reader in Canada gets
// the Quebec line before an English-only one), each group in the data's
// order. When the country has no line for any of the
// categories, it returns the lines for any crisis (suicide lines) and
// fallback, so the reply says so instead of passing one category's line off
// as another's.
func pickLines(c *data.CrisisCountry, cats []string, lang string) (out []data.CrisisLine, fallback bool) {
	if len(cats) == 0 {
		cats = []string{data.CrisisSuicide}
	}
	order := make([]int, 0, len(c.Lines))
	for i, l := range c.Lines {
		if speaks(l, lang) {
			order = append(order, i)
		}
	}
	for i, l := range c.Lines {
		if !speaks(l, lang) {
			order = append(order, i)
		}
	}
	used := map[int]bool{}
	takeN := func(n int, ok func(data.CrisisLine) bool) {
		for _, i := range order {
			if l := c.Lines[i]; n > 0 && !used[i] && len(out) < maxLinesShown && ok(l) {
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

// speaks reports whether a line answers in lang's base language; any line
// does when lang is "".
func speaks(l data.CrisisLine, lang string) bool {
	b := baseLang(lang)
	return b == "" || slices.ContainsFunc(l.Languages, func(x string) bool { return baseLang(x) == b })
}

// Lines is the country's record and the lines to show for the crisis
// categories (most serious first) to a reader of lang, at most four, those
// made for the first category first. fallback says the country has no line for any of the
// categories and the lines are its general ones, so the reply can say so.
// The country is nil when the code has no entry.
func (s *Screener) Lines(country string, cats []string, lang string) (c *data.CrisisCountry, lines []data.CrisisLine, fallback bool) {
	c = s.country(country)
	if c == nil {
		return nil, nil, false
	}
	lines, fallback = pickLines(c, cats, lang)
	return c, lines, fallback
}

// MajorCountries are the countries whose lines a first reply shows while the
// person's country is unknown: where most people writing lang live ("es":
// Mexico, Spain, the US), English's when the data lists none for lang.
func (s *Screener) MajorCountries(lang string) []string {
	if codes := s.lines.ByLanguage[baseLang(lang)]; len(codes) > 0 {
		return codes
	}
	return s.lines.ByLanguage["en"]
}

// International is the directory of lines in every country, for a person
// whose country is unknown.
func (s *Screener) International() data.FallbackLine { return s.lines.International }

// DangerLine is the line the hello names beside the emergency number: the
// country's first suicide line for everyone (no audience) that has a phone
// number. line is nil when the country is unknown or has none, so the
// caller says something general instead of guessing.
func (s *Screener) DangerLine(country string) (c *data.CrisisCountry, line *data.CrisisLine) {
	c = s.country(country)
	if c == nil {
		return nil, nil
	}
	for i, l := range c.Lines {
		if l.Phone != "" && l.Press == "" && len(l.Audiences) == 0 && slices.Contains(l.Categories, data.CrisisSuicide) {
			return c, &c.Lines[i]
		}
	}
	return c, nil
}

func baseLang(lang string) string {
	l := strings.ToLower(lang)
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	return l
}
