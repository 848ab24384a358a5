package matcher_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data"
)

// TestFrenchGriefInMontreal: the example finds grief groups that
// meet in or near Montréal.
func TestFrenchGriefInMontreal(t *testing.T) {
	m := newMatcher(t)
	const text = "je cherche un groupe de deuil à Montréal en personne"
	u := m.Understand(text)
	if s := u.SureTopics(); len(s) == 0 || s[0] != "grief" {
		t.Fatalf("topics %v, want grief", u.Topics)
	}
	if u.Country != "CA" || u.Place == nil || u.Format != "in_person" || u.Language != "fr" {
		t.Fatalf("place %q (%s) format %q language %q, want Montréal, CA, in_person, fr", u.PlaceName, u.Country, u.Format, u.Language)
	}
	res, err := m.Find(context.Background(), u.Intake(text), 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) == 0 {
		t.Fatal("no results")
	}
	montreal := data.Point{Lat: 45.50, Lon: -73.57}
	g := res[0].Group
	if !slices.Contains(g.Topics, "grief") || g.Location == nil || g.Location.Point == nil || data.DistanceKm(*g.Location.Point, montreal) > 50 {
		t.Errorf("first result %s (topics %v, location %+v), want a grief group within 50 km of Montréal", g.ID, g.Topics, g.Location)
	}
}

// TestUnderstandFrench checks each kind of French word the lexicon adds,
// beside an English or Spanish message that must read the same as before.
func TestUnderstandFrench(t *testing.T) {
	m := newMatcher(t)
	cases := []struct {
		text  string
		check func(u data.Understanding) bool
		want  string
	}{
		{"j'ai 16 ans et je fais de l'anxiété", func(u data.Understanding) bool { return u.Age == 16 && u.Audience == "youth" }, "age 16, youth"},
		{"j'ai 3 enfants et je suis épuisée", func(u data.Understanding) bool { return u.Age == 0 }, "no age"},
		{"problème d'alcool mais pas les AA", func(u data.Understanding) bool {
			return slices.Contains(u.Exclude, data.ExcludeTwelveStep) && len(u.Topics) > 0 && u.Topics[0].Slug == "alcohol"
		}, "alcohol, no twelve-step"},
		{"dépression, je veux un groupe pas religieux", func(u data.Understanding) bool { return slices.Contains(u.Exclude, data.ExcludeFaith) }, "no faith"},
		{"deuil, sans église svp", func(u data.Understanding) bool { return slices.Contains(u.Exclude, data.ExcludeFaith) }, "no faith"},
		{"groupe d'anxiété en ligne", func(u data.Understanding) bool { return u.Format == "online" }, "online"},
		{"soutien pour le deuil par téléphone", func(u data.Understanding) bool { return u.Format == "online" }, "online (phone)"},
		{"deuil, en personne seulement", func(u data.Understanding) bool { return u.Format == "in_person" }, "in person"},
		{"jeux en ligne, je perds tout", func(u data.Understanding) bool { return u.Format == "" }, "no format (an online activity)"},
		{"groupe pour anciens combattants avec un TSPT", func(u data.Understanding) bool { return u.Audience == "veterans" }, "veterans"},
		{"groupe de femmes pour la dépression", func(u data.Understanding) bool { return u.Audience == "women" }, "women"},
		{"groupe pour jeunes LGBTQ+", func(u data.Understanding) bool {
			return u.Audience == "lgbtq" && slices.Contains(u.Also, "youth")
		}, "lgbtq and youth"},
		{"réunion AA ce soir", func(u data.Understanding) bool {
			return slices.Equal(u.Days, []time.Weekday{time.Wednesday}) && !u.Window.IsZero()
		}, "tonight (Wednesday)"},
		{"groupe de deuil le lundi en soirée", func(u data.Understanding) bool {
			return slices.Equal(u.Days, []time.Weekday{time.Monday}) && u.After == 17*60
		}, "Monday evenings"},
		{"AA la fin de semaine", func(u data.Understanding) bool {
			return slices.Equal(u.Days, []time.Weekday{time.Saturday, time.Sunday})
		}, "the weekend"},
		{"je cherche un groupe pour le deuil près de Québec", func(u data.Understanding) bool { return u.Country == "CA" }, "near Québec (the province or the city)"},
		{"groupe de soutien en français pour l'anxiété", func(u data.Understanding) bool { return u.Language == "fr" && u.Spoken == "fr" }, "French asked for"},
		{"réunion AA ouverte pour les nouveaux venus, en langue des signes", func(u data.Understanding) bool {
			return slices.Contains(u.Types, "O") && slices.Contains(u.Types, "BE") && slices.Contains(u.Types, "ASL")
		}, "open, newcomers, sign language"},
		// The words that moved from Go into the lexicons, in French.
		{"je suis dans la quarantaine et je bois trop", func(u data.Understanding) bool { return u.Age == 45 }, "age 45 (in her forties)"},
		{"femme, 52, dépression", func(u data.Understanding) bool { return u.Age == 52 }, "age 52 (an aside)"},
		{"j'ai perdu ma mère en mars", func(u data.Understanding) bool {
			return len(u.Topics) > 0 && u.Topics[0].Slug == "grief"
		}, "grief (a death in the family)"},
		{"mes parents divorcent et je suis triste", func(u data.Understanding) bool {
			return !slices.ContainsFunc(u.Topics, func(g data.TopicGuess) bool { return g.Slug == "parenting" })
		}, "no parenting (the writer's own parents)"},
		{"réunion AA par téléphone", func(u data.Understanding) bool { return u.Via == "phone" }, "by phone"},
		{"réunion hybride pour le deuil", func(u data.Understanding) bool { return u.Via == "hybrid" }, "hybrid"},
		{"réunion pour femmes, AA", func(u data.Understanding) bool { return u.Audience == "women" && u.AudienceOnly }, "a women's meeting"},
		{"Alcooliques anonymes à Québec", func(u data.Understanding) bool { return u.Fellowship == "aa" }, "fellowship aa"},
		{"Narcotiques Anonymes ce soir", func(u data.Understanding) bool { return u.Fellowship == "na" }, "fellowship na"},
		{"je cherche une réunion pour l'anxiété", func(u data.Understanding) bool { return u.Country == "" }, "no country (réunion is not La Réunion)"},
		{"groupe de deuil a Sherbrooke le mardi", func(u data.Understanding) bool { return u.Country == "CA" && u.Place != nil }, "Sherbrooke (a typed without its accent)"},
		{"looking for a peer group online", func(u data.Understanding) bool { return u.Place == nil }, "no place (English a is no preposition)"},
		{"ma fille de 16 ans fait de l'anorexie", func(u data.Understanding) bool { return u.Fellowship == "" }, "no fellowship (ma is my, not Marijuana Anonymous)"},
		{"je veux arreter de boire mais pas avec les AA", func(u data.Understanding) bool { return slices.Contains(u.Exclude, data.ExcludeTwelveStep) }, "no twelve-step"},
		{"chu tanné des AA, y a tu d'autre chose?", func(u data.Understanding) bool { return slices.Contains(u.Exclude, data.ExcludeTwelveStep) }, "no twelve-step (tired of AA)"},
		{"je cherche un groupe de parole sur Lyon pour l'alcool", func(u data.Understanding) bool { return u.Country == "FR" && u.Place != nil }, "Lyon (France's 'sur Lyon')"},
		{"je parle de ça sur Facebook", func(u data.Understanding) bool { return u.Country == "" }, "no place (Sur is a town in Oman)"},
		{"stress post-traumatique après un accident", func(u data.Understanding) bool { return u.Language == "fr" }, "French (a topic word only French uses)"},
		{"je me sens seule et je veux parler à quelqu'un", func(u data.Understanding) bool { return u.Language == "fr" }, "French"},
		{"me siento sola y quiero hablar con alguien", func(u data.Understanding) bool { return u.Language == "es" }, "Spanish"},
		{"i feel lonely and want to talk to someone", func(u data.Understanding) bool { return u.Language == "" }, "English (the default)"},
		// A Spanish typo is not repaired into a French word ("entiende" is
		// one letter from "entends").
		{"tengo dolor todo el tiempo y nadie me entiende", func(u data.Understanding) bool {
			return !slices.ContainsFunc(u.Topics, func(g data.TopicGuess) bool { return g.Slug == "psychosis" })
		}, "no psychosis"},
	}
	for _, c := range cases {
		if u := m.Understand(c.text); !c.check(u) {
			t.Errorf("%q: got topics %v age %d audience %q also %v format %q language %q spoken %q days %v after %d exclude %v place %q, want %s",
				c.text, u.Topics, u.Age, u.Audience, u.Also, u.Format, u.Language, u.Spoken, u.Days, u.After, u.Exclude, u.PlaceName, c.want)
		}
	}
}

// BenchmarkUnderstandFirstMessages reads ordinary first messages in the
// three languages, to show what the lexicon-built expressions cost.
func BenchmarkUnderstandFirstMessages(b *testing.B) {
	m := newMatcher(b)
	texts := []string{
		"i think my drinking is getting out of hand, no AA please, in Austin TX tonight",
		"tengo 15 años y me corto, no quiero que mis papás sepan",
		"je cherche un groupe de deuil à Montréal en personne le lundi soir, pas religieux",
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Understand(texts[i%len(texts)])
	}
}
