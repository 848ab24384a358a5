package place

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
)

// placeWords are the words the gazetteer reads besides its tables: other
// names for countries, where each language is spoken, abbreviations and
// the short words that are also state codes. Adding a language is adding
// to words.json.
type placeWords struct {
	// CountryNameLanguages are the languages whose names for countries
	// (from golang.org/x/text/language/display) are read ("Allemagne").
	CountryNameLanguages []string `json:"country_name_languages"`
	// CountryAliases are other names for countries, folded ("usa", "eeuu").
	CountryAliases map[string]string `json:"country_aliases"`
	// LangCountries are where a language is the main one, so that a Spanish
	// speaker's "Córdoba" or "Guadalajara" is a Spanish-speaking place. The
	// US is left out of Spanish: a locale says more there than a language.
	LangCountries map[string][]string `json:"lang_countries"`
	// FirstWords spell out the abbreviations that start place names, so
	// "St. Louis", "St Louis" and "Saint Louis" (the postal table's
	// spelling) meet.
	FirstWords map[string]string `json:"first_words"`
	// LowerWords are state or province codes that, typed in lower case
	// after a name, are far more often a word of the sentence around it
	// ("Paris on Monday", "Austin in person"; French "Québec la semaine
	// prochaine"), by language; those under "" count in every language.
	LowerWords map[string][]string `json:"lower_words"`
}

//go:embed words.json
var wordsJSON []byte

// words are the embedded words.json. It is compiled in and checked by this
// package's tests, so a broken file is a build mistake, reported when the
// package loads.
var words = func() placeWords {
	var w placeWords
	dec := json.NewDecoder(bytes.NewReader(wordsJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		panic(fmt.Errorf("place: embedded words.json: %w", err))
	}
	return w
}()

var (
	countryAliases = words.CountryAliases
	langCountries  = words.LangCountries
	firstWord      = words.FirstWords
)

// lowerWord reports whether w, typed in lower case after a name, is a word
// of the sentence in lang rather than a state code.
func lowerWord(w, lang string) bool {
	for _, l := range []string{"", lang} {
		for _, x := range words.LowerWords[l] {
			if x == w {
				return true
			}
		}
	}
	return false
}
