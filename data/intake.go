package data

import "time"

// Intake is what a person has told us so far, in the matcher's terms. Every
// field is optional: an empty field means "no preference".
type Intake struct {
	Words     string   // the person's own words about what brings them here
	Topics    []string // topic slugs, chosen or confirmed
	ForOther  bool     // looking for someone they care about (families, friends)
	Format    string   // "online" (online or phone), "in_person", or "" for either
	Near      *Point   // where, for in-person groups
	PlaceName string   // how the place was given ("Austin, TX"), for replies
	RadiusKm  float64  // 0 means the matcher's default
	Audience  string   // one of Audiences
	Language  string   // BCP 47 base, e.g. "es"
	Days      []time.Weekday
	// After and Before bound the local start time in minutes after midnight
	// (0 means unbounded); "evenings" is After=17*60.
	After, Before int
	Country       string // ISO code, when known (filters country-bound services)
	ReplyLang     string // language for the reasons shown with results ("en" default)
	Limits               // what the person ruled out, and their age
}

// Limits are the things a person rules out in words ("no AA", "not
// religious", "I'm 16"). They are hard filters, like the topic: every index
// and the matcher apply them through Allow, so they bind every result the
// same way.
type Limits struct {
	Exclude []string `json:"exclude,omitempty"` // Exclude* codes
	// Age is the person's age when they said it, 0 when not: listings whose
	// age range leaves it out are never shown.
	Age int `json:"age,omitempty"`
}

// Exclusion codes: kinds of listing a person can rule out in words.
const (
	ExcludeTwelveStep = "twelve_step" // "no AA", "not a 12-step group"
	ExcludeFaith      = "faith"       // "not religious", "no church", "secular"
	ExcludeHelpline   = "helpline"    // "not a hotline", "no helplines"
)

// Allow reports whether the listing is none of the kinds the person ruled
// out and serves their age.
func (l Limits) Allow(g *Group) bool {
	for _, x := range l.Exclude {
		switch {
		case x == ExcludeTwelveStep && g.TwelveStep,
			x == ExcludeFaith && g.FaithBased,
			x == ExcludeHelpline && g.Kind == KindHelpline:
			return false
		}
	}
	return g.FitsAge(l.Age)
}

// Empty reports whether nothing is ruled out.
func (l Limits) Empty() bool { return len(l.Exclude) == 0 && l.Age == 0 }

// Match is one group that fits an intake, with the reasons it fits.
type Match struct {
	Group      *Group
	Score      float64
	Reasons    []string // short labels: "grief", "online", "meets Thursdays"
	DistanceKm float64  // -1 when not applicable (remote, or no place given)
	// Notes are what the search could not honour to find this match
	// (Note* codes), so the reply can say so in one plain sentence. The
	// first match is the best one: when it carries a note, so do the rest.
	Notes []string
}

// Note codes: what a search could not honour.
const (
	NoteNoTopic    = "no_topic"     // nothing for the topic: meeting finders and helplines instead
	NoteNoInPerson = "no_in_person" // no rooms near the place: groups that meet online instead
	NoteNoLocal    = "no_local"     // nothing in the person's country: services open to everyone instead
	NoteWiderArea  = "wider_area"   // rooms farther away than the usual distance
	NoteOtherDays  = "other_days"   // nothing on the days or times asked: other days
)
