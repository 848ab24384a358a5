package bot_test

// Changing course: after results (and at any question) a new place,
// format, day, time, audience, exclusion or topic updates the search. Also
// the sentences that say what a search could not honour, and the other
// kindnesses of issue 15 (a returning "hi", one acknowledgement).

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/matcher"
)

// demo is the real matcher over the demo directory (data/directory/demo),
// built once.
var demo struct {
	once sync.Once
	dir  *data.Directory
	idx  index.Index
	err  error
}

func demoRig(t testing.TB) *rig {
	t.Helper()
	loadReal(t)
	demo.once.Do(func() {
		demo.dir, demo.err = data.DemoDirectory(real.vocab)
		if demo.err != nil {
			return
		}
		demo.idx, demo.err = index.Open(context.Background(), "", demo.dir, real.vocab, nil)
	})
	if demo.err != nil {
		t.Fatal(demo.err)
	}
	r := newRig(t, rigOptions{})
	clk := r.clk
	r.cfg.Matcher = &faultyMatcher{Matcher: matcher.New(demo.idx, demo.dir, real.vocab, real.gaz, nil, matcher.WithClock(clk.Now))}
	r.build()
	return r
}

// say sends text as user u1 and returns the replies' texts joined.
func say(t *testing.T, r *rig, text string) string {
	t.Helper()
	reps, err := r.send("u1", "en-US", text)
	if err != nil {
		t.Logf("handler error (for logs): %v", err)
	}
	out := replyTexts(reps)
	if os.Getenv("PEERMATCH_SHOW_CHAT") != "" {
		t.Logf("> %s\n%s", text, out)
	}
	return out
}

var _ = strings.Contains
var _ bot.Reply
