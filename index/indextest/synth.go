package indextest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/index"
)

// Synthetic generates a national-scale directory for benchmarks: n groups
// with realistic names and summaries built from the topic vocabulary,
// skewed topics (recovery meetings dominate, as they do in reality), 30%
// online or phone, 10% hybrid, the rest in rooms at US ZIP centroids, 10%
// in Spanish, weekly and monthly schedules in the place's time zone.
func Synthetic(n int, seed uint64, v *data.Vocabulary, gaz *place.Gazetteer) *data.Directory {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	zips := gaz.ZIPPlaces()
	slugs := v.Slugs()
	// Zipf-like weights: the first topics (alcohol, drugs...) are common.
	weights := make([]float64, len(slugs))
	total := 0.0
	for i := range slugs {
		weights[i] = 1 / float64(i+2)
		total += weights[i]
	}
	pick := func() string {
		x := r.Float64() * total
		for i, w := range weights {
			if x -= w; x <= 0 {
				return slugs[i]
			}
		}
		return slugs[0]
	}
	fillers := []string{"A welcoming circle", "Share your story and listen", "Meets in the church hall", "Coffee after the meeting",
		"Newcomers welcome", "Led by people who have been there", "Confidential and free", "A small friendly group",
		"We talk about what helped us", "Bring a friend if you like", "Wheelchair accessible", "Parking behind the building"}
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
		g := &data.Group{
			ID:           fmt.Sprintf("synthetic-%07d", i),
			Name:         fmt.Sprintf("%s %s group %d", strings.ToUpper(w1[:1])+w1[1:], tp.Label["en"], i%997),
			Summary:      fmt.Sprintf("%s for people dealing with %s and %s. %s. %s.", tp.Label[lang], w1, w2, fillers[r.IntN(len(fillers))], fillers[r.IntN(len(fillers))]),
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

// IntakeQueries are intake-style searches against a synthetic directory:
// a person's words, one or two topics, then either remote or in person
// within 40 km of a ZIP, sometimes a day or an audience.
func IntakeQueries(n int, seed uint64, v *data.Vocabulary, gaz *place.Gazetteer) []index.Query {
	r := rand.New(rand.NewPCG(seed, 7))
	zips := gaz.ZIPPlaces()
	slugs := v.Slugs()
	openers := []string{"I need help with", "looking for a group about", "my", "struggling with", "busco un grupo de", "cant cope with"}
	out := make([]index.Query, 0, n)
	for range n {
		t := slugs[r.IntN(len(slugs))]
		tp, _ := v.Topic(t)
		syn := tp.Synonyms["en"]
		q := index.Query{Words: openers[r.IntN(len(openers))] + " " + syn[r.IntN(len(syn))] + " and " + syn[r.IntN(len(syn))],
			Topics: []string{t}, Size: 5}
		if r.IntN(3) == 0 {
			q.Topics = append(q.Topics, slugs[r.IntN(len(slugs))])
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
