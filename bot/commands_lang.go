package bot

// Language picks the catalog language for a platform locale (Telegram's
// language_code "fr", Discord's "es-419"), or the fallback when none fits:
// the core's one language decision, for front ends that know only the
// platform's locale.
func Language(locale string) string { return ChooseLanguage("", "", locale) }
