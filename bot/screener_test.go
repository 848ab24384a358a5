package bot_test

import (
	"sync"
	"testing"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/matcher/crisis"
)

// Tests screen with the real matcher/crisis lexicon and lines, and the
// engine renders the real crisis replies from them: the transcripts check
// what a person reads.

var realCrisis struct {
	once sync.Once
	s    *crisis.Screener
	err  error
}

func newScreener(t testing.TB) bot.Screener {
	t.Helper()
	realCrisis.once.Do(func() { realCrisis.s, realCrisis.err = crisis.New() })
	if realCrisis.err != nil {
		t.Fatalf("matcher/crisis: %v", realCrisis.err)
	}
	return realCrisis.s
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
