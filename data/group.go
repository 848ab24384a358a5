package data

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Format is how a group meets.
type Format string

const (
	FormatInPerson Format = "in_person"
	FormatOnline   Format = "online"
	FormatHybrid   Format = "hybrid" // both in a room and online at once
	FormatPhone    Format = "phone"
)

// Remote reports whether someone anywhere can join (online, phone or the
// online half of a hybrid meeting).
func (f Format) Remote() bool { return f == FormatOnline || f == FormatPhone || f == FormatHybrid }

// InPerson reports whether the group has a room people walk into.
func (f Format) InPerson() bool { return f == FormatInPerson || f == FormatHybrid }

// Kind says what a listing is, so the bot never presents a phone line as a
// meeting or a meeting finder as a group.
type Kind string

const (
	KindGroup    Kind = "group"    // a group with its own meetings
	KindFinder   Kind = "finder"   // an organization's "find a meeting near you" locator
	KindHelpline Kind = "helpline" // a peer-run warmline, helpline or chat service
)

// Point is a WGS84 coordinate.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Contact is how to reach a group or its organization.
type Contact struct {
	URL   string `json:"url,omitempty"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// Location is where an in-person group meets.
type Location struct {
	Name       string `json:"name,omitempty"` // e.g. "St. Mark's Church hall"
	Address    string `json:"address,omitempty"`
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"` // state or province code, e.g. "CA"
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"` // ISO 3166-1 alpha-2
	Point      *Point `json:"point,omitempty"`
}

// Meeting is one recurring meeting of a group. Recurrence is an RFC 5545
// RRULE evaluated in local time (Start) in TimeZone, as HSDS 3.0 does, so
// "7 pm every 2nd Thursday" stays 7 pm across daylight-saving changes.
type Meeting struct {
	RRule      string   `json:"rrule"`                  // e.g. "FREQ=WEEKLY;BYDAY=TH"
	Start      string   `json:"start"`                  // local wall time "HH:MM"
	Duration   int      `json:"duration_min,omitempty"` // minutes; 0 means unknown (60 assumed for display)
	TimeZone   string   `json:"timezone,omitempty"`     // IANA; defaults to the group's
	ExDates    []string `json:"exdates,omitempty"`      // local dates "YYYY-MM-DD" that are skipped
	ValidFrom  string   `json:"valid_from,omitempty"`   // "YYYY-MM-DD", inclusive
	ValidUntil string   `json:"valid_until,omitempty"`  // "YYYY-MM-DD", inclusive
	Note       string   `json:"note,omitempty"`         // e.g. "newcomers' meeting"
}

// Group is one listing in the directory.
type Group struct {
	ID           string    `json:"id"` // stable slug, unique within a directory
	Name         string    `json:"name"`
	Summary      string    `json:"summary,omitempty"`
	Kind         Kind      `json:"kind,omitempty"` // default KindGroup
	Topics       []string  `json:"topics"`
	Audiences    []string  `json:"audiences,omitempty"`
	Languages    []string  `json:"languages,omitempty"` // BCP 47; default ["en"]
	Format       Format    `json:"format"`
	Access       string    `json:"access,omitempty"`       // "open" (drop-in) or "closed"
	Cost         string    `json:"cost,omitempty"`         // "free", "donation", "fee"
	Facilitation string    `json:"facilitation,omitempty"` // "peer", "professional", "mixed"
	Organization string    `json:"organization,omitempty"`
	Contact      Contact   `json:"contact,omitempty"`
	Location     *Location `json:"location,omitempty"`
	Online       Contact   `json:"online,omitempty"`    // conference URL / dial-in for remote meetings
	Countries    []string  `json:"countries,omitempty"` // where a remote service is offered (ISO codes); empty = anywhere
	Meetings     []Meeting `json:"meetings,omitempty"`
	TimeZone     string    `json:"timezone,omitempty"` // IANA zone of the meetings
	Demo         bool      `json:"demo,omitempty"`     // fictional example listing, shown as such

	// Types are the Meeting Guide type codes the source gave ("O", "BB",
	// "X", "ST", "TC"...; MeetingGuideTypes), kept as codes so that every
	// renderer labels them in its own language (TypeLabel). Some also
	// feed Access, Audiences and Languages on import; the codes stay here
	// as well, so nothing the feed said is lost.
	Types []string `json:"types,omitempty"`
	// AlsoListedBy names the other sources that list this same meeting
	// (same name, time and place, or same conference link at the same
	// time): duplicates across sources are merged into one listing, and
	// Source stays the first.
	AlsoListedBy []string `json:"also_listed_by,omitempty"`
	// Fellowship is the Twelve Step fellowship the meeting belongs to, by
	// its short name in Fellowships ("aa", "na", "ca", "al-anon"), so "an
	// NA meeting" is not answered with a CA one (both are "drugs").
	Fellowship string `json:"fellowship,omitempty"`

	// Where the loader read it, for messages about it (duplicates); not
	// part of the listing, so not serialized or hashed.
	origin Origin

	// Attributes a person's words can exclude ("no AA", "not religious", "I'm 16"),
	// so that the matcher can treat them as hard constraints, not hints.
	FaithBased bool `json:"faith_based,omitempty"` // a religious program (prayer, scripture, a church's ministry)
	TwelveStep bool `json:"twelve_step,omitempty"` // follows the Twelve Steps (AA, NA, Al-Anon, ...)
	AgeMin     int  `json:"age_min,omitempty"`     // youngest age served; 0 = no lower limit
	AgeMax     int  `json:"age_max,omitempty"`     // oldest age served; 0 = no upper limit

	Source       string `json:"source"`                // public URL the listing was taken from
	SourceDate   string `json:"source_date,omitempty"` // date the source itself shows: "YYYY-MM-DD", "YYYY-MM" or "YYYY"
	LastVerified string `json:"last_verified"`         // "YYYY-MM-DD": the day the source was read
}

// validateTypes checks Types: codes of the Meeting Guide specification,
// each once, so a renderer never meets a code it cannot label.
func (g *Group) validateTypes() []FieldError {
	var errs []FieldError
	if _, ok := Fellowships[g.Fellowship]; g.Fellowship != "" && !ok {
		errs = append(errs, FieldError{"fellowship", fmt.Sprintf("unknown fellowship %q (expected a short name such as aa, na, ca, al-anon)", g.Fellowship)})
	}
	for i, c := range g.Types {
		if _, ok := MeetingGuideTypes[c]; !ok {
			errs = append(errs, FieldError{"types", fmt.Sprintf("unknown type code %q (expected a Meeting Guide code such as O, C, W, B, X)", c)})
		} else if slices.Contains(g.Types[:i], c) {
			errs = append(errs, FieldError{"types", fmt.Sprintf("type code %q given twice", c)})
		}
	}
	return errs
}

// FellowshipOf names the listing's Twelve Step fellowship: its own field,
// else a fellowship's full name in its name or organization ("Narcotics
// Anonymous", "Al-Anon"); "" for none.
func (g *Group) FellowshipOf() string {
	if g.Fellowship != "" {
		return g.Fellowship
	}
	if !g.TwelveStep {
		return ""
	}
	text := strings.ToLower(g.Name + " | " + g.Organization)
	best := ""
	for short, full := range Fellowships {
		// The longest name that fits: "al-anon" in "Al-Anon Family
		// Groups", never "aa" inside another word.
		if strings.Contains(full, " ") || strings.Contains(full, "-") {
			if strings.Contains(text, full) && (best == "" || len(full) > len(Fellowships[best]) || (len(full) == len(Fellowships[best]) && short < best)) {
				best = short
			}
		}
	}
	if best == "alateen" {
		best = "al-anon"
	}
	if best == "" {
		// Named in another language: "Narcotiques Anonymes".
		best = FellowshipInText(text)
	}
	return best
}

// Verified returns LastVerified as a date (zero when unset or malformed).
func (g *Group) Verified() time.Time {
	t, _ := time.Parse(time.DateOnly, g.LastVerified)
	return t
}

// Ages an audience implies when its listing gives no range: "young people"
// groups serve up to 25 and "older adults" from 55 (the usual cut-offs of
// young-adult and senior programs).
const (
	youthMaxAge  = 25
	seniorMinAge = 55
)

// FitsAge reports whether a person of the given age may join (0: unknown,
// always fits). An explicit range decides; otherwise a youth or seniors
// audience implies one.
func (g *Group) FitsAge(age int) bool {
	if age <= 0 {
		return true
	}
	lo, hi := g.AgeMin, g.AgeMax
	if lo == 0 && hi == 0 && len(g.Audiences) > 0 {
		youth, seniors := slices.Contains(g.Audiences, "youth"), slices.Contains(g.Audiences, "seniors")
		switch {
		case youth && !seniors:
			hi = youthMaxAge
		case seniors && !youth:
			lo = seniorMinAge
		}
	}
	return (lo == 0 || age >= lo) && (hi == 0 || age <= hi)
}

// Audience values, from the design's vocabulary.
var Audiences = []string{"veterans", "men", "women", "lgbtq", "youth", "seniors", "families"}

// Origin is where a loader read a group, for messages about it
// (duplicates across sources); it is not part of the listing.
type Origin struct {
	Source       string // file name or URL
	Record, Line int    // 1-based; 0 when unknown
}

// Origin returns where the group was read.
func (g *Group) Origin() Origin { return g.origin }

// SetOrigin records where the group was read.
func (g *Group) SetOrigin(o Origin) { g.origin = o }

// Zone is the meeting's time zone: its own, else its group's (groupTZ).
func (m *Meeting) Zone(groupTZ string) string {
	if m.TimeZone != "" {
		return m.TimeZone
	}
	return groupTZ
}

// ValidID reports whether s is a well-formed listing id: a slug of
// lowercase letters, digits, '.', '_' or '-'.
func ValidID(s string) bool { return slugRE.MatchString(s) }
