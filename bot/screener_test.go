package bot_test

import (
	"strings"
	"testing"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/data"
)

// fakeScreener stands in for matcher/crisis until it lands: a few phrases
// per level, and replies that say which level and whether a human was told.
type fakeScreener struct{}

var fakeLexicon = []struct {
	phrase string
	level  data.CrisisLevel
	cat    string
}{
	{"took all my pills", data.LevelEmergency, data.CrisisOverdose},
	{"kill myself", data.LevelUrgent, data.CrisisSuicide},
	{"end my life", data.LevelUrgent, data.CrisisSuicide},
	{"hurt myself", data.LevelUrgent, data.CrisisSelfHarm},
	{"hopeless", data.LevelConcern, data.CrisisSuicide},
	{"no reason to live", data.LevelConcern, data.CrisisSuicide},
	{"sin esperanza", data.LevelConcern, data.CrisisSuicide},
}

func newScreener(testing.TB) bot.Screener { return fakeScreener{} }

func (fakeScreener) Screen(text string) data.Assessment {
	low := strings.ToLower(text)
	var a data.Assessment
	for _, e := range fakeLexicon {
		if strings.Contains(low, e.phrase) && e.level > a.Level {
			a = data.Assessment{Level: e.level, Categories: []string{e.cat}, Signals: []string{e.phrase}}
		}
	}
	return a
}

func (fakeScreener) Reply(a data.Assessment, country, lang string, notified bool) string {
	s := "CRISIS " + a.Level.String() + " country=" + country + " lang=" + lang
	if notified {
		s += " human-notified"
	}
	return s
}

func (fakeScreener) LinesReply(country, lang string) string {
	return "LINES country=" + country + " lang=" + lang
}

func escalate(a data.Assessment, prior int) data.Assessment {
	if a.Level == data.LevelConcern && prior >= 2 {
		a.Level = data.LevelUrgent
	}
	return a
}

func countryFromLocale(l string) string {
	if _, region, ok := strings.Cut(strings.ReplaceAll(l, "_", "-"), "-"); ok && len(region) == 2 {
		return strings.ToUpper(region)
	}
	return ""
}

func countryFromText(string) string { return "" }
