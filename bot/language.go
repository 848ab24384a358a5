package bot

import (
	"strings"
	"sync"

	"golang.org/x/text/language"
)

// decide is the one place the conversation's language is chosen. In order:
//
//   - written: the language the message itself is in, when something read it
//     with confidence (the crisis screen's lexicon: "me quiero morir" gets
//     Spanish whatever the app says), so a person in distress is answered in
//     the words they used;
//   - choice: what the person picked (/lang, "español"), kept in the session;
//   - locale: the platform's locale (Telegram language_code, Discord locale);
//   - the engine's default.
//
// Each is matched against the catalogs with x/text's language matcher, so
// "es-MX", "es_419" and "fr-CA" find their catalog, and a language without
// a catalog falls through to the next source rather than to English. No
// language is named here: a new catalog file is a new language.
func (cs *catalogs) decide(choice, written, locale string) *catalog {
	for _, s := range [...]string{written, choice, locale} {
		if c := cs.match(s); c != nil {
			return c
		}
	}
	return cs.byLang[cs.def]
}

// match is the catalog for a BCP 47 tag ("es-MX", "en_US", "fr"), or nil
// when the tag is empty, malformed or no catalog is close enough.
func (cs *catalogs) match(tag string) *catalog {
	if tag == "" {
		return nil
	}
	if c, ok := cs.byLang[tag]; ok {
		return c
	}
	t, err := language.Parse(strings.ReplaceAll(tag, "_", "-"))
	if err != nil {
		return nil
	}
	_, i, conf := cs.matcher.Match(t)
	if conf == language.No {
		return nil
	}
	base, _ := cs.tags[i].Base()
	return cs.byLang[base.String()]
}

// has reports whether a catalog matches the tag.
func (cs *catalogs) has(tag string) bool { return cs.match(tag) != nil }

// builtin are the embedded catalogs with English as the default, loaded
// once for callers outside an Engine (adapters, cmd).
var builtin = sync.OnceValues(func() (*catalogs, error) { return loadCatalogs("") })

// ChooseLanguage is the conversation language, as a catalog's base tag
// ("en", "es", "fr"), for a person's choice, the language a message is
// written in and a platform locale, any of which may be empty: the same
// decision the engine makes, for adapters that pick their own UI strings.
func ChooseLanguage(choice, written, locale string) string {
	cs, err := builtin()
	if err != nil {
		return "" // the embedded catalogs are checked by the tests; never reached
	}
	return cs.decide(choice, written, locale).Lang
}

// Say returns the catalog text function of the language ChooseLanguage picks
// for tag ("" is the default language), for text written on the core's
// behalf outside a conversation: `peermatch times --ics`.
func Say(tag string) func(key string, kv ...string) string {
	cs, err := builtin()
	if err != nil {
		return func(string, ...string) string { return "" } // checked by the tests; never reached
	}
	return cs.decide("", "", tag).t
}

// Languages lists the conversation languages, English first, as base tags.
func Languages() []string {
	cs, err := builtin()
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(cs.tags))
	for _, t := range cs.tags {
		b, _ := t.Base()
		out = append(out, b.String())
	}
	return out
}

// named is the catalog whose language the normalized words name
// ("espanol", "in english", "francais"), from each catalog's "lang_name"
// answer words, or nil.
func (cs *catalogs) named(norm string) *catalog {
	for _, t := range cs.tags {
		b, _ := t.Base()
		if c := cs.byLang[b.String()]; c != nil && c.is("lang_name", norm) {
			return c
		}
	}
	return nil
}

// offer lists the languages in c's words with the command for each:
// "English (/lang en), Spanish (/lang es) and French (/lang fr)". The names
// come from x/text's display tables in c's language; the joining words
// from c's catalog.
func (cs *catalogs) offer(c *catalog) string {
	namer := languageNamer(c.Lang)
	items := make([]string, 0, len(cs.tags))
	for _, t := range cs.tags {
		b, _ := t.Base()
		items = append(items, c.t("lang_item", "name", namer.Name(t), "code", b.String()))
	}
	return c.list(items)
}

// list joins items the catalog's way: "a, b and c".
func (c *catalog) list(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return c.t("list_and", "list", strings.Join(items[:len(items)-1], c.t("list_sep")), "last", items[len(items)-1])
}
