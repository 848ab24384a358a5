package data

import "time"

// TopicGuess is one topic the matcher read in a person's words.
type TopicGuess struct {
	Slug       string
	Confidence float64 // 0..1; ≥ 0.6 is confident enough to search without asking
}

// Understanding is what the matcher read in one free-text message: the
// parts of an intake it contains ("AA meetings online on Sunday" has a
// topic, a format and a day), so the conversation can skip those steps.
// Empty fields were not mentioned.
type Understanding struct {
	Topics    []TopicGuess // best first
	ForOther  bool         // "for my son", "my husband drinks"
	Format    string       // "online", "in_person" or ""
	Place     *Point
	PlaceName string
	Country   string // ISO code of the place, when one was found
	TimeZone  string // IANA zone of the place, when known
	Audience  string
	Language  string
	Days      []time.Weekday
	After     int // minutes after midnight, 0 = unbounded
	Before    int
	Limits           // "no AA", "not religious", "I'm 16": hard filters
	Window    Window // "tonight", "now", "in the next hour"
	Specifics        // "an NA step study", "a women's meeting", "by phone"
}

// Intake is the search a message asks for on its own: its words plus
// everything read from them, topics best first.
func (u Understanding) Intake(words string) Intake {
	in := Intake{Words: words, ForOther: u.ForOther, Format: u.Format, Near: u.Place, PlaceName: u.PlaceName,
		Audience: u.Audience, Language: u.Language, Days: u.Days, After: u.After, Before: u.Before, Country: u.Country, Limits: u.Limits, Window: u.Window, Specifics: u.Specifics}
	for _, g := range u.Topics {
		in.Topics = append(in.Topics, g.Slug)
	}
	return in
}

// Confidence rules for topics read from words: a guess at or above
// Confident is taken as said; otherwise the best guess is taken only when
// it is at least LeaderMin and LeaderRatio times the next one. Anything
// less is a question to ask, not a search to run.
const (
	Confident   = 0.6
	LeaderMin   = 0.5
	LeaderRatio = 1.2
)

// SureTopics are the topics clear enough to search on without asking,
// best first; nil when the words only hint.
func (u Understanding) SureTopics() []string {
	var sure []string
	for _, g := range u.Topics {
		if g.Confidence >= Confident {
			sure = append(sure, g.Slug)
		}
	}
	if len(sure) == 0 && len(u.Topics) > 0 && u.Topics[0].Confidence >= LeaderMin &&
		(len(u.Topics) == 1 || u.Topics[0].Confidence >= LeaderRatio*u.Topics[1].Confidence) {
		sure = []string{u.Topics[0].Slug}
	}
	return sure
}
