package indextest

import (
	"fmt"
	"math/rand/v2"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/place"
	"github.com/peermatch/peermatch/index"
)

// topicPicker draws topic slugs with Zipf-like weights: the first topics of
// the vocabulary (alcohol, drugs...) are the common ones, as recovery
// meetings dominate real directories. Queries draw from the same skew, so
// the big topic shards are the ones people ask about most, which is where
// the slow searches are.
func topicPicker(r *rand.Rand, slugs []string) func() string {
	weights := make([]float64, len(slugs))
	total := 0.0
	for i := range slugs {
		weights[i] = 1 / float64(i+2)
		total += weights[i]
	}
	return func() string {
		x := r.Float64() * total
		for i, w := range weights {
			if x -= w; x <= 0 {
				return slugs[i]
			}
		}
		return slugs[0]
	}
}

// Descriptions are written the way organisers write them: plain sentences
// full of words almost every listing shares ("every", "meet", "talk",
// "week", "people", "welcome"). A fixed stop-word list misses most of them,
// so an index must learn from the data which words do not discriminate.
var fillers = map[string][]string{
	"en": {
		"We meet every week to talk about what helped us and what did not",
		"Everyone is welcome, come as you are and stay as long as you like",
		"A safe place to share your story and listen to people who have been there",
		"We meet every Tuesday night in the church hall, coffee after the meeting",
		"Newcomers are always welcome, you do not have to talk if you do not want to",
		"Led by people who know what it is like, not by professionals",
		"Confidential and free, no sign up needed, just come in",
		"A small friendly group where people support each other every day",
		"We talk about the hard days and the good days and how to get through the night",
		"Bring a friend or family member if it helps you feel comfortable",
		"The room is wheelchair accessible and there is parking behind the building",
		"You are not alone: many of us felt the same way when we first came",
		"Every meeting starts with a short reading and then we go around the room",
		"Some people come every week, some only when they need to, both are fine",
		"We share our experience, strength and hope so that we can help one another",
		"Call or text the contact number if you want to know more before you come",
	},
	"es": {
		"Nos reunimos cada semana para hablar de lo que nos ayudó",
		"Todos son bienvenidos, ven como eres",
		"Un lugar seguro para compartir tu historia y escuchar a personas que han pasado por lo mismo",
		"Nos reunimos todos los martes por la noche en el salón de la iglesia, con café después",
		"Los recién llegados siempre son bienvenidos, no tienes que hablar si no quieres",
		"Confidencial y gratuito, no hace falta inscribirse",
		"Un grupo pequeño donde nos apoyamos unos a otros todos los días",
		"No estás solo: muchos de nosotros nos sentimos igual al principio",
		"Puedes venir con un familiar o un amigo si te ayuda a sentirte cómodo",
	},
}

// Synthetic generates a national-scale directory for benchmarks: n groups
// with realistic names and descriptions (the topic's own description, the
// words people use for it, and the plain sentences organisers write, so
// common words are as common as they are in real listings), skewed topics
// (recovery meetings dominate, as they do in reality), 30% online or phone,
// 10% hybrid, the rest in rooms at US ZIP centroids, 10% in Spanish, one in
// eight for a named audience, some remote services limited to one country,
// weekly and monthly schedules in the place's time zone.
func Synthetic(n int, seed uint64, v *data.Vocabulary, gaz *place.Gazetteer) *data.Directory {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	zips := gaz.ZIPPlaces()
	pick := topicPicker(r, v.Slugs())
	days := []string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}
	groups := make([]*data.Group, 0, n)
	for i := range n {
		t1 := pick()
		topics := []string{t1}
		if r.IntN(4) == 0 {
			if t2 := pick(); t2 != t1 {
				topics = append(topics, t2)
			}
		}
		tp, _ := v.Topic(t1)
		lang := "en"
		if r.IntN(10) == 0 {
			lang = "es"
		}
		syn := tp.Synonyms[lang]
		if len(syn) == 0 {
			syn = tp.Synonyms["en"]
		}
		w1, w2 := syn[r.IntN(len(syn))], syn[r.IntN(len(syn))]
		fill := fillers[lang]
		f1, f2 := fill[r.IntN(len(fill))], fill[r.IntN(len(fill))]
		var summary string
		if lang == "es" {
			summary = fmt.Sprintf("%s Para personas que viven con %s y %s. %s. %s.", tp.Description[lang], w1, w2, f1, f2)
		} else {
			summary = fmt.Sprintf("%s For people dealing with %s and %s. %s. %s.", tp.Description["en"], w1, w2, f1, f2)
		}
		g := &data.Group{
			ID:           fmt.Sprintf("synthetic-%07d", i),
			Name:         fmt.Sprintf("%s %s group %d", capital(w1), tp.Label["en"], i%997),
			Summary:      summary,
			Kind:         data.KindGroup,
			Topics:       topics,
			Languages:    []string{lang},
			Source:       "https://example.org/synthetic",
			LastVerified: "2026-11-25",
			Demo:         true,
		}
		if r.IntN(8) == 0 {
			g.Audiences = []string{data.Audiences[r.IntN(len(data.Audiences))]}
		}
		z := zips[r.IntN(len(zips))]
		g.TimeZone = z.TimeZone
		switch x := r.IntN(10); {
		case x < 2:
			g.Format = data.FormatOnline
		case x < 3:
			g.Format = data.FormatPhone
		case x < 4:
			g.Format = data.FormatHybrid
		default:
			g.Format = data.FormatInPerson
		}
		if g.Format.InPerson() {
			p := z.Point
			g.Location = &data.Location{PostalCode: z.Name, Country: "US", Point: &p}
		}
		if g.Format.Remote() {
			// Some phone lines and online meetings serve one country only;
			// a person in the US must not be offered a Canadian one.
			switch r.IntN(10) {
			case 0:
				g.Countries = []string{"CA"}
			case 1, 2:
				g.Countries = []string{"US"}
			}
		}
		day := days[r.IntN(7)]
		rule := "FREQ=WEEKLY;BYDAY=" + day
		if r.IntN(5) == 0 {
			rule = fmt.Sprintf("FREQ=MONTHLY;BYDAY=%d%s", 1+r.IntN(4), day)
		}
		g.Meetings = []data.Meeting{{RRule: rule, Start: fmt.Sprintf("%02d:%02d", 9+r.IntN(12), 30*r.IntN(2)), Duration: 60 + 30*r.IntN(2)}}
		groups = append(groups, g)
	}
	return data.NewDirectory(groups)
}

// capital upper-cases the first letter of s, whole (a byte slice would cut
// "ú" in two and leave invalid UTF-8 in the name).
func capital(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// said is what people write to the bot about a topic, in their own words:
// long, with the common words ("every", "day", "night", "know", "stop")
// that are in almost every listing too. These are the searches that are
// slow when an index scores every common word.
var said = map[string]map[string][]string{
	"alcohol": {
		"en": {"wine every night and i can't stop", "i drink every day and i don't know how to stop",
			"my drinking is out of control and i need to talk to someone who gets it",
			"i want to stay sober but every weekend i end up drunk again"},
		"es": {"tomo vino todas las noches y no puedo parar", "bebo todos los días y no sé cómo dejarlo"},
	},
	"drugs": {
		"en": {"i keep using even though i know it is ruining my life", "i've been clean for a week and every day is hard",
			"how do i stop using pills every night"},
		"es": {"no puedo dejar las drogas y necesito ayuda"},
	},
	"gambling": {
		"en": {"i lost all my money betting again and i can't stop", "i gamble every night on my phone and hide it from my family"},
		"es": {"apuesto todo el dinero cada semana y no puedo parar"},
	},
	"smoking": {"en": {"i want to quit vaping but i crave it all day", "trying to stop smoking after twenty years"}},
	"addiction-family": {
		"en": {"my son is using drugs and i don't know what to do anymore", "my husband drinks every night and i am tired of it"},
		"es": {"mi esposo toma todos los días y ya no sé qué hacer"},
	},
	"depression": {
		"en": {"i cry every day and don't know why", "i feel empty all the time and can't get out of bed",
			"nothing makes me happy anymore and i don't know who to talk to", "every day feels the same and i am so tired"},
		"es": {"lloro todos los días y no sé por qué", "me siento triste todo el tiempo y no tengo ganas de nada"},
	},
	"anxiety": {
		"en": {"social anxiety makes it hard to leave home", "i worry about everything all day and can't sleep at night",
			"i have panic attacks every time i go to the store"},
		"es": {"tengo ansiedad todo el día y no puedo salir de casa"},
	},
	"loneliness": {
		"en": {"i have no friends and feel alone every day", "since i moved here i don't know anyone to talk to"},
		"es": {"me siento solo todos los días y no tengo con quién hablar"},
	},
	"grief": {
		"en": {"my mom died last month and i can't stop crying", "i lost my husband and every night is the worst",
			"it has been a year since my wife passed and i still don't know how to live without her"},
		"es": {"perdí a mi esposo y no sé cómo seguir", "mi mamá murió y lloro todas las noches"},
	},
	"trauma-ptsd":  {"en": {"i keep having nightmares since the accident and can't talk about it", "after the war i can't sleep at night"}},
	"anger-stress": {"en": {"i get so angry at my kids every day and i hate myself for it"}},
	"caregivers": {
		"en": {"taking care of my dad with dementia every day and i am exhausted", "i look after my wife and have no time for myself"},
		"es": {"cuido a mi mamá todos los días y estoy agotada"},
	},
	"divorce":          {"en": {"my wife left me and i don't know how to be alone", "going through a divorce and every day is a fight"}},
	"chronic-pain":     {"en": {"i am in pain every day and people don't believe me"}},
	"eating-disorders": {"en": {"i binge every night and then feel terrible about it"}},
	"career":           {"en": {"i lost my job and don't know what to do next"}, "es": {"me despidieron y no sé qué hacer"}},
	"money":            {"en": {"i am drowning in debt and can't sleep at night"}},
	"parenting":        {"en": {"single mom with three kids and i need people who understand"}},
}

// frames turn a topic's own words into what a person writes when nothing
// specific was written for the topic above.
var frames = map[string][]string{
	"en": {"i've been dealing with %s every day and i don't know who to talk to",
		"is there a group for people with %s, i feel like nobody gets it",
		"i need help with %s, it is getting worse every week",
		"looking for people who know what %s is like"},
	"es": {"%s... no sé con quién hablar de esto", "busco un grupo para personas con %s"},
}

// IntakeQueries are intake searches against a synthetic directory written
// as people write them: a person's words (long, with common words, one in
// six in Spanish), one or two topics, then either remote or in person
// within 40 km of a ZIP, sometimes a day or an audience, from the US, top 5.
func IntakeQueries(n int, seed uint64, v *data.Vocabulary, gaz *place.Gazetteer) []index.Query {
	r := rand.New(rand.NewPCG(seed, 7))
	zips := gaz.ZIPPlaces()
	slugs := v.Slugs()
	pick := topicPicker(r, slugs)
	out := make([]index.Query, 0, n)
	for range n {
		t := pick()
		lang := "en"
		if r.IntN(6) == 0 {
			lang = "es"
		}
		q := index.Query{Words: words(r, v, t, lang), Topics: []string{t}, Language: lang, Country: "US", Size: 5}
		if r.IntN(3) == 0 {
			// A second topic, often a related one ("drinking and
			// depression"), sometimes any other.
			tp, _ := v.Topic(t)
			t2 := slugs[r.IntN(len(slugs))]
			if len(tp.Related) > 0 && r.IntN(2) == 0 {
				t2 = tp.Related[r.IntN(len(tp.Related))]
			}
			if t2 != t {
				q.Topics = append(q.Topics, t2)
				if r.IntN(2) == 0 {
					q.Words += map[string]string{"en": ", and ", "es": ", y "}[lang] + words(r, v, t2, lang)
				}
			}
		}
		if r.IntN(2) == 0 {
			q.Remote = true
		} else {
			p := zips[r.IntN(len(zips))].Point
			q.Near, q.RadiusKm = &p, index.DefaultRadiusKm
		}
		if r.IntN(4) == 0 {
			q.Days = []time.Weekday{time.Weekday(r.IntN(7))}
		}
		if r.IntN(6) == 0 {
			q.Audience = data.Audiences[r.IntN(len(data.Audiences))]
		}
		out = append(out, q)
	}
	return out
}

// words is one thing a person might write about topic t in lang.
func words(r *rand.Rand, v *data.Vocabulary, t, lang string) string {
	if s := said[t][lang]; len(s) > 0 && r.IntN(4) != 0 {
		return s[r.IntN(len(s))]
	}
	tp, _ := v.Topic(t)
	syn := tp.Synonyms[lang]
	if len(syn) == 0 {
		lang, syn = "en", tp.Synonyms["en"]
	}
	f := frames[lang]
	return fmt.Sprintf(f[r.IntN(len(f))], syn[r.IntN(len(syn))])
}
