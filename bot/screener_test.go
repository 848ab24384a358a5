package bot_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/matcher/crisis"
)

// Transcripts screen with the real matcher/crisis lexicon when it loads,
// but write replies that name the level, country, language and whether a
// human was told, so they can check what the engine passed on; the real
// reply texts are crisis's to test. While crisis's data is being written
// and does not load, a small phrase list stands in (and the test says so).

type screenFunc func(string) data.Assessment

type screener struct{ screen screenFunc }

var realCrisis struct {
	once sync.Once
	s    *crisis.Screener
	err  error
}

func newScreener(t testing.TB) bot.Screener {
	t.Helper()
	realCrisis.once.Do(func() { realCrisis.s, realCrisis.err = crisis.New() })
	if realCrisis.err != nil {
		t.Logf("matcher/crisis does not load yet (%v); screening with the stand-in phrase list", realCrisis.err)
		return screener{fakeScreen}
	}
	return screener{realCrisis.s.Screen}
}

func (s screener) Screen(text string) data.Assessment { return s.screen(text) }

func (screener) Reply(a data.Assessment, country, lang string, notified bool) string {
	s := "CRISIS " + a.Level.String() + " country=" + country + " lang=" + lang
	if notified {
		s += " human-notified"
	}
	return s
}

func (screener) LinesReply(country, lang string) string {
	return "LINES country=" + country + " lang=" + lang
}

// DangerLine is the real one: the hello's numbers come from the crisis
// line data, and the transcripts check them.
func (screener) DangerLine(country, lang string) string {
	if realCrisis.s == nil {
		return ""
	}
	return realCrisis.s.DangerLine(country, lang)
}

var (
	escalate          = crisis.Escalate
	countryFromLocale = crisis.CountryFromLocale
)

func countryFromText(text string) string {
	if realCrisis.s == nil {
		return ""
	}
	return realCrisis.s.CountryFromText(text)
}

var fakeLexicon = []struct {
	phrase string
	level  data.CrisisLevel
	cat    string
}{
	{"took all my pills", data.LevelEmergency, data.CrisisOverdose},
	{"kill myself", data.LevelUrgent, data.CrisisSuicide},
	{"end my life", data.LevelUrgent, data.CrisisSuicide},
	{"feel hopeless", data.LevelConcern, data.CrisisSuicide},
}

func fakeScreen(text string) data.Assessment {
	low := strings.ToLower(text)
	var a data.Assessment
	for _, e := range fakeLexicon {
		if strings.Contains(low, e.phrase) && e.level > a.Level {
			a = data.Assessment{Level: e.level, Categories: []string{e.cat}, Signals: []string{"fake." + e.cat}}
		}
	}
	return a
}
