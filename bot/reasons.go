package bot

import (
	"strconv"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/peermatch/peermatch/data"
)

// reasons says the matcher's reason codes in c's words: "grief", "online",
// "for veterans", "meets Thursdays". Topic names come from the vocabulary,
// language and country names from x/text's display tables, the rest from
// the catalog (formats reason_*, labels reason_* and wdays_*). A code the
// catalog has no words for is left out rather than shown raw.
func (c *catalog) reasons(rs []data.Reason, v Labeler) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		if s := c.reason(r, v); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (c *catalog) reason(r data.Reason, v Labeler) string {
	switch r.Code {
	case data.ReasonTopic:
		if v == nil {
			return ""
		}
		return strings.ToLower(v.Label(r.Value, c.Lang))
	case data.ReasonDistance:
		return c.t("reason_distance", "km", strconv.FormatFloat(r.Km, 'f', 0, 64))
	case data.ReasonFormat:
		f := c.label("reason_format_" + r.Value)
		if f != "" && r.City != "" {
			return c.t("reason_format_city", "format", f, "city", r.City)
		}
		return f
	case data.ReasonAudience:
		if a := c.label("reason_aud_" + r.Value); a != "" {
			return c.t("reason_for", "audience", a)
		}
		return ""
	case data.ReasonLanguage:
		t, err := language.Parse(r.Value)
		if err != nil {
			return ""
		}
		return c.t("reason_language", "language", languageNamer(c.Lang).Name(t))
	case data.ReasonOnlyIn:
		namer := regionNamer(c.Lang)
		names := make([]string, 0, len(r.Countries))
		for _, code := range r.Countries {
			if reg, err := language.ParseRegion(code); err == nil {
				names = append(names, namer.Name(reg))
			} else {
				names = append(names, code)
			}
		}
		return c.t("reason_only_in", "countries", strings.Join(names, c.t("list_sep")))
	case data.ReasonMeets:
		names := make([]string, 0, len(r.Days))
		for _, d := range r.Days {
			names = append(names, c.label("wdays_"+strconv.Itoa(int(d))))
		}
		return c.t("reason_meets", "days", strings.Join(names, c.t("list_sep")))
	}
	// finder, helpline, faith, steps: a label of their own.
	return c.label("reason_" + r.Code)
}

// ReasonTexts says a match's reasons in the language ChooseLanguage picks
// for lang, for callers outside an Engine (the command-line tool).
func ReasonTexts(rs []data.Reason, lang string, v Labeler) []string {
	cs, err := builtin()
	if err != nil {
		return nil
	}
	return cs.decide(lang, "", "").reasons(rs, v)
}

var regionNamers, languageNamers sync.Map // lang → display.Namer

// regionNamer is x/text's namer of regions in lang ("Australia",
// "Australie"), built once per language.
func regionNamer(lang string) display.Namer { return namer(&regionNamers, lang, display.Regions) }

// languageNamer is x/text's namer of languages in lang, lower case where
// the language writes them so ("Spanish", "español", "espagnol").
func languageNamer(lang string) display.Namer {
	return namer(&languageNamers, lang, display.Languages)
}

func namer(cache *sync.Map, lang string, build func(language.Tag) display.Namer) display.Namer {
	if n, ok := cache.Load(lang); ok {
		return n.(display.Namer)
	}
	n := build(language.Make(lang))
	cache.Store(lang, n)
	return n
}
