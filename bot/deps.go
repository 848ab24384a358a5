package bot

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/peermatch/peermatch/data"
)

// Matcher finds groups; *matcher.Matcher satisfies it.
type Matcher interface {
	Understand(text string) data.Understanding
	Find(ctx context.Context, in data.Intake, offset, limit int) ([]data.Match, error)
	Group(id string) (*data.Group, bool)
	GroupsByName(q string) []*data.Group
}

// Screener assesses every inbound message for crisis signals and picks the
// crisis lines, as records the engine says in the conversation's language;
// *crisis.Screener satisfies it. It must work from static data alone, so
// the crisis reply goes out when everything else is down.
type Screener interface {
	Screen(text string) data.Assessment
	// Lines is a country's record and its lines for the categories, most
	// fitting first (and those in lang before others); fallback when none
	// serves them and these are general. The country is nil when the code
	// has no entry.
	Lines(country string, cats []string, lang string) (c *data.CrisisCountry, lines []data.CrisisLine, fallback bool)
	// MajorCountries are the codes of the countries whose lines to show
	// for a language while the person's country is unknown.
	MajorCountries(lang string) []string
	// International is the directory of lines in every country.
	International() data.FallbackLine
	// DangerLine is the country's record and the line the hello names
	// beside its emergency number; line is nil when there is none.
	DangerLine(country string) (c *data.CrisisCountry, line *data.CrisisLine)
}

// Reminders keeps opt-in meeting reminders, delivered later by the front
// end the person used. bot/reminder's store satisfies it through a small
// adapter in cmd. Only ids are kept, never text.
type Reminders interface {
	// Remind asks to be told, in chatID, before the next occurrence of the
	// group's meeting (an index into Group.Meetings) after now; it returns
	// when that occurrence starts.
	Remind(platform, chatID, userID, groupID string, meeting int, now time.Time) (time.Time, error)
	// Cancel drops that reminder; it reports whether there was one.
	Cancel(platform, chatID, groupID string, meeting int) (bool, error)
}

// Labeler names topics in a language; *data.Vocabulary satisfies it.
type Labeler interface {
	Label(slug, lang string) string
}

// SessionStore keeps sessions under an opaque key (a keyed hash of platform
// and user id). Get reports ok=false for an unknown key. Sweep deletes the
// sessions last updated before the given time and returns how many.
type SessionStore interface {
	Get(ctx context.Context, key string) (s Session, ok bool, err error)
	Put(ctx context.Context, key string, s Session) error
	Delete(ctx context.Context, key string) error
	Sweep(ctx context.Context, idleSince time.Time) (int, error)
}

// Step is where a person is in the intake.
type Step string

const (
	StepHello   Step = "hello"   // hello shown, waiting for consent
	StepTopic   Step = "topic"   // what brings you here?
	StepConfirm Step = "confirm" // unsure topic guesses offered as buttons
	StepWho     Step = "who"     // for you or for someone else?
	StepFormat  Step = "format"  // online, in person or either?
	StepPlace   Step = "place"   // where? (only when in person is possible)
	StepPrefs   Step = "prefs"   // days, times, audience, language
	StepResults Step = "results" // results shown
)

// Answered steps, as bits in Session.Asked: a step is done when it was
// answered or skipped, even if the answer was "no preference".
const (
	askedTopic uint16 = 1 << iota
	askedWho
	askedFormat
	askedPlace
	askedPrefs
)

// Session is everything kept about one person: the intake answers (as
// vocabulary slugs, codes and a coarse point) and the step. It never holds
// message text; keep it that way (a test checks the fields).
type Session struct {
	Step      Step           `json:"step"`
	Lang      string         `json:"lang,omitempty"`
	Consent   bool           `json:"consent,omitempty"`
	Asked     uint16         `json:"asked,omitempty"`
	Topics    []string       `json:"topics,omitempty"`
	Guesses   []string       `json:"guesses,omitempty"` // unconfirmed topic slugs
	ForOther  bool           `json:"for_other,omitempty"`
	Format    string         `json:"format,omitempty"` // "online", "in_person", ""
	Near      *data.Point    `json:"near,omitempty"`   // rounded to about 1 km
	PlaceName string         `json:"place,omitempty"`  // the gazetteer's name for Near
	Country   string         `json:"country,omitempty"`
	TimeZone  string         `json:"tz,omitempty"`
	Audience  string         `json:"audience,omitempty"`
	Language  string         `json:"language,omitempty"` // preferred meeting language
	Days      []time.Weekday `json:"days,omitempty"`
	After     int            `json:"after,omitempty"`
	Before    int            `json:"before,omitempty"`
	// Limits: what the person ruled out ("no AA") and their age, as codes.
	data.Limits
	// Window: "tonight", "now" as times (no text), so results keep to it.
	Window data.Window `json:"window,omitzero"`
	// Specifics: what was asked of the meeting itself (fellowship, type
	// codes, by phone or hybrid, audience only, spoken language), as codes.
	Specifics data.Specifics `json:"specifics,omitzero"`
	Offset    int            `json:"offset,omitempty"` // results already shown
	Shown     []string       `json:"shown,omitempty"`  // ids of the groups last shown
	Concerns  int            `json:"concerns,omitempty"`
	// AwaitCountry: a crisis reply asked "which country are you in?", so
	// the next message that names a country gets that country's lines.
	AwaitCountry bool      `json:"await_country,omitempty"`
	Updated      time.Time `json:"updated"`
}

// MemStore is an in-memory SessionStore, for tests and for a console run
// without a state directory.
type MemStore struct {
	mu sync.Mutex
	m  map[string]Session
}

var _ SessionStore = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{m: map[string]Session{}} }

// Get implements SessionStore.
func (s *MemStore) Get(_ context.Context, key string) (Session, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	return v.clone(), ok, nil
}

// Put implements SessionStore.
func (s *MemStore) Put(_ context.Context, key string, v Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = v.clone()
	return nil
}

// Delete implements SessionStore.
func (s *MemStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

// Sweep implements SessionStore.
func (s *MemStore) Sweep(_ context.Context, idleSince time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, v := range s.m {
		if v.Updated.Before(idleSince) {
			delete(s.m, k)
			n++
		}
	}
	return n, nil
}

// Len returns the number of sessions held.
func (s *MemStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// clone copies s so that a stored session shares no slice with a caller's.
func (s Session) clone() Session {
	s.Topics = slices.Clone(s.Topics)
	s.Guesses = slices.Clone(s.Guesses)
	s.Days = slices.Clone(s.Days)
	s.Shown = slices.Clone(s.Shown)
	if s.Near != nil {
		p := *s.Near
		s.Near = &p
	}
	return s
}
