package bot

import (
	"slices"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data"
)

type labels map[string]string

func (l labels) Label(slug, lang string) string { return l[lang+":"+slug] }

// TestReasonsInEachLanguage: the matcher's reason codes come out in the
// catalog's words, with language and country names from x/text.
func TestReasonsInEachLanguage(t *testing.T) {
	cs, err := loadCatalogs("")
	if err != nil {
		t.Fatal(err)
	}
	v := labels{"en:grief": "Grief and loss", "es:grief": "Duelo", "fr:grief": "Deuil"}
	rs := []data.Reason{
		{Code: data.ReasonTopic, Value: "grief"},
		{Code: data.ReasonDistance, Km: 12.4},
		{Code: data.ReasonFormat, Value: "in_person", City: "Austin"},
		{Code: data.ReasonAudience, Value: "veterans"},
		{Code: data.ReasonLanguage, Value: "es"},
		{Code: data.ReasonOnlyIn, Countries: []string{"AU"}},
		{Code: data.ReasonMeets, Days: []time.Weekday{time.Monday, time.Thursday}},
		{Code: data.ReasonSteps},
		{Code: "no-such-code"},
	}
	for lang, want := range map[string][]string{
		"en": {"grief and loss", "in person, 12 km away", "in person (Austin)", "for veterans", "in Spanish", "only in Australia", "meets Mondays, Thursdays", "12-step"},
		"es": {"duelo", "presencial, a 12 km", "presencial (Austin)", "para veteranos", "en español", "solo en Australia", "se reúne los lunes, jueves", "de 12 pasos"},
		"fr": {"deuil", "en personne, à 12 km", "en personne (Austin)", "pour anciens combattants", "en espagnol", "seulement au pays suivant : Australie", "se réunit le lundi, jeudi", "en 12 étapes"},
	} {
		if got := cs.byLang[lang].reasons(rs, v); !slices.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", lang, got, want)
		}
	}
}
