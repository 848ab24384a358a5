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
}
