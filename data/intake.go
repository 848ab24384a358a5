package data

import (
	"slices"
	"strings"
	"time"
)

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
	Window        Window // "tonight", "now": when a meeting must take place
	Specifics            // what they ask of the meeting itself ("an NA step study")
}

// Specifics are what a person asks of a meeting itself: its fellowship
// ("an NA meeting", not a CA one), Meeting Guide type codes ("speaker",
// "wheelchair accessible"), how it meets beyond online ("by phone",
// "hybrid"), and whether it must be for their audience ("a women's
// meeting", not only one open to women). Hard filters the matcher relaxes,
// saying so, when nothing fits.
type Specifics struct {
	Fellowship string `json:"fellowship,omitempty"` // a short name in Fellowships
	// Types: each entry is a code or alternatives joined by "|"
	// ("MED|11" for a meditation meeting); the meeting has one of each.
	Types        []string `json:"types,omitempty"`
	Via          string   `json:"via,omitempty"` // "phone" (a dial-in) or "hybrid" (room and online at once)
	AudienceOnly bool     `json:"audience_only,omitempty"`
	// Spoken: the meeting must be held in this language ("Spanish
	// speaking NA", "en español"), not only preferably.
	Spoken string `json:"spoken,omitempty"`
}

// IsZero reports whether nothing is asked of the meeting itself.
func (s Specifics) IsZero() bool {
	return s.Fellowship == "" && len(s.Types) == 0 && s.Via == "" && !s.AudienceOnly && s.Spoken == ""
}

// Allow reports whether the listing is what was asked of it; audience is
// the person's, for AudienceOnly.
func (s Specifics) Allow(g *Group, audience string) bool {
	if s.Fellowship != "" && g.FellowshipOf() != s.Fellowship {
		return false
	}
	if s.Spoken != "" && !slices.Contains(g.Languages, s.Spoken) {
		return false
	}
	for _, alts := range s.Types {
		ok := false
		for a := range strings.SplitSeq(alts, "|") {
			ok = ok || slices.Contains(g.Types, a)
		}
		if !ok {
			return false
		}
	}
	switch s.Via {
	case "phone":
		if g.Format != FormatPhone && g.Online.Phone == "" {
			return false
		}
	case "hybrid":
		if g.Format != FormatHybrid {
			return false
		}
	}
	return !s.AudienceOnly || audience == "" || slices.Contains(g.Audiences, audience)
}

// Window is a stretch of time a meeting must start in: "now" (in progress
// for at most InProgress, or starting within the hour), "tonight",
// "tomorrow". Zero means no window. When Floating, the person's zone is
// unknown and From/To are wall-clock times read in each meeting's own zone
// ("tonight" at a meeting in Denver is Denver's evening). schedule.Fits
// tells whether a group meets in it.
type Window struct {
	From, To time.Time
	Floating bool
}

// InProgress is how long ago a meeting may have started and still count as
// "now": late enough to join without disrupting it.
const InProgress = 15 * time.Minute

// IsZero reports whether no window was asked for.
func (w Window) IsZero() bool { return w.From.IsZero() && w.To.IsZero() }

// Limits are the things a person rules out in words ("no AA", "not
// religious", "I'm 16"). They are hard filters, like the topic: every index
// and the matcher apply them through Allow, so they bind every result the
// same way.
type Limits struct {
	Exclude []string `json:"exclude,omitempty"` // Exclude* codes
	// Age is the person's age when they said it, 0 when not: listings whose
	// age range leaves it out are never shown.
	Age int `json:"age,omitempty"`
	// Also are the audiences the person named besides the main one ("an
	// LGBTQ group for teens": lgbtq, and youth here), so a listing for
	// both is theirs.
	Also []string `json:"also,omitempty"`
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
func (l Limits) Empty() bool { return len(l.Exclude) == 0 && l.Age == 0 && len(l.Also) == 0 }

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
	NoteNotExact   = "not_exact"    // nothing quite as asked of the meeting (a women's, a speaker, by phone...): the closest
)
