package bot

// Stand-ins for the core's one language decision, kept apart so that they
// can go when RENDER's bot/language.go lands (it has the same Languages and
// its own loaded catalogs, builtin): then delete Languages and
// sharedCatalogs here (use builtin), and make Language return
// ChooseLanguage("", "", locale).

import (
	"slices"
	"sync"
)

// sharedCatalogs are the embedded catalogs, read once, for the functions
// front ends call without an Engine. The Engine reads the same files, so a
// broken catalog stops New before any front end registers a menu.
var sharedCatalogs = sync.OnceValues(func() (*catalogs, error) { return loadCatalogs("") })

// Languages returns the languages the catalogs speak, the fallback (the
// language a menu shows when no other fits) first.
func Languages() []string {
	cs, err := sharedCatalogs()
	if err != nil {
		return nil
	}
	out := []string{cs.def}
	for lang := range cs.byLang {
		if lang != cs.def {
			out = append(out, lang)
		}
	}
	slices.Sort(out[1:])
	return out
}

// Language picks the catalog language for a platform locale (Telegram's
// language_code "fr", Discord's "es-419"), or the fallback when none fits.
//
// It stands in for the core's one language decision, which also weighs the
// person's own choice and the language of their words: front ends that
// know only the platform locale call this, and it is meant to become a thin
// call into that decision.
func Language(locale string) string {
	cs, err := sharedCatalogs()
	if err != nil {
		return ""
	}
	return cs.pick(locale).Lang
}
