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
}

// Match is one group that fits an intake, with the reasons it fits.
type Match struct {
	Group      *Group
	Score      float64
	Reasons    []string // short labels: "grief", "online", "meets Thursdays"
	DistanceKm float64  // -1 when not applicable (remote, or no place given)
}
