package data

// CrisisLevel grades how urgently a message needs a human, following the
// design's four levels. The order matters: higher is more urgent.
type CrisisLevel int

const (
	LevelNone      CrisisLevel = iota
	LevelConcern               // passive ideation, distress: ask gently, offer lines
	LevelUrgent                // active ideation, self-harm, abuse: lines first, alert a moderator
	LevelEmergency             // plan, means, attempt in progress, overdose: emergency number first
)

var levelNames = [...]string{"none", "concern", "urgent", "emergency"}

func (l CrisisLevel) String() string {
	if l < 0 || int(l) >= len(levelNames) {
		return "unknown"
	}
	return levelNames[l]
}

// Crisis categories; each has its own resources.
const (
	CrisisSuicide          = "suicide"
	CrisisSelfHarm         = "self-harm"
	CrisisDomesticViolence = "domestic-violence"
	CrisisSexualAssault    = "sexual-assault"
	CrisisChildAbuse       = "child-abuse"
	CrisisOverdose         = "overdose"    // overdose or another medical emergency
	CrisisThirdParty       = "third-party" // worried about someone else
)

// Assessment is the result of screening one message.
type Assessment struct {
	Level      CrisisLevel
	Categories []string // most serious first
	Signals    []string // ids of the lexicon entries that fired (never message text)
}

// CrisisLine is one crisis service in one country.
type CrisisLine struct {
	Country      string   `json:"country"` // ISO 3166-1 alpha-2, or "*" for the international fallback
	Name         string   `json:"name"`
	Phone        string   `json:"phone,omitempty"`
	SMS          string   `json:"sms,omitempty"`
	Chat         string   `json:"chat,omitempty"` // URL
	URL          string   `json:"url,omitempty"`
	Hours        string   `json:"hours,omitempty"`
	Languages    []string `json:"languages,omitempty"`
	Audiences    []string `json:"audiences,omitempty"`  // e.g. veterans, youth
	Categories   []string `json:"categories,omitempty"` // crisis categories it serves; empty = all
	Source       string   `json:"source"`
	LastVerified string   `json:"last_verified"`
}
