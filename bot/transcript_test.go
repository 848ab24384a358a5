package bot_test

// Transcript tests: whole conversations as files in testdata/transcripts,
// run through the real engine, matcher and embedded directory.
//
// Header lines (before the first message):
//   @locale es-MX        Message.Locale
//   @now 2026-11-26T20:00:00Z
//   @store bolt          a real bbolt store (needed for "--- restart")
//   @alerter on|fail     a moderator alerter that records or fails
//   @tz America/Chicago  Config.TimeZone
// Body:
//   > text               the user sends text (a choice ID like "fmt:online" is a tap)
//   < spec               the next reply must match spec
//   <& spec              the same reply must also match spec
//   --- restart | advance 25h | fail store | fail matcher | panic matcher | heal | user NAME | sweep | alerts N | forgets N
// A spec is "! " (the reply is urgent; without it, it must not be) followed
// by one of: "~ text" (contains, any case), "= text" (exact), "/regexp/",
// "not ~ text", "choice Label", "groups N" (numbered groups), "any".
// Every reply must be matched by a "<" line, so no reply goes unchecked.

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/peermatch/peermatch/bot"
)

var groupLine = regexp.MustCompile(`(?m)^\d+\. `)

func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/transcripts/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 25 {
		t.Errorf("%d transcripts, want at least 25", len(files))
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) { runTranscript(t, f) })
	}
}

type tline struct {
	n    int
	text string
}

func runTranscript(t *testing.T, path string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []tline
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		s := strings.TrimRight(sc.Text(), " \t")
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		lines = append(lines, tline{n, s})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	opts := rigOptions{}
	locale, user, alerter := "en-US", "u1", ""
	i := 0
	for ; i < len(lines) && strings.HasPrefix(lines[i].text, "@"); i++ {
		k, v, _ := strings.Cut(lines[i].text[1:], " ")
		switch k {
		case "locale":
			locale = v
		case "now":
			ts, err := time.Parse(time.RFC3339, v)
			if err != nil {
				t.Fatalf("line %d: %v", lines[i].n, err)
			}
			opts.now = ts
		case "store":
			opts.bolt = v == "bolt"
		case "alerter":
			opts.alerter, alerter = true, v
		case "tz":
			opts.tz = v
		default:
			t.Fatalf("line %d: unknown header %q", lines[i].n, k)
		}
	}
	r := newRig(t, opts)
	if alerter == "fail" {
		r.alerter.fail = true
	}
	var replies []bot.Reply
	next := 0 // index of the next reply to match
	cur := -1 // index of the reply "<&" refers to
	sent := false
	flush := func(at int) {
		if sent && next < len(replies) {
			t.Errorf("line %d: %d unchecked replies:\n%s", at, len(replies)-next, replyTexts(replies[next:]))
		}
	}
	for ; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l.text, "> "):
			flush(l.n)
			replies, err = r.send(user, locale, l.text[2:])
			if err != nil {
				t.Logf("line %d: handler error (for logs): %v", l.n, err)
			}
			for _, rep := range replies {
				if n := utf8.RuneCountInString(rep.Text); n > bot.MaxReply {
					t.Errorf("line %d: reply of %d characters", l.n, n)
				}
				if strings.Contains(rep.Text, errInjected.Error()) || strings.Contains(rep.Text, "injected panic") {
					t.Errorf("line %d: an error string reached the user", l.n)
				}
			}
			next, cur, sent = 0, -1, true
		case strings.HasPrefix(l.text, "<&"):
			if cur < 0 {
				t.Fatalf("line %d: <& without a reply", l.n)
			}
			check(t, l, replies[cur], strings.TrimSpace(l.text[2:]))
		case strings.HasPrefix(l.text, "<"):
			if next >= len(replies) {
				t.Errorf("line %d: expected another reply; got only:\n%s", l.n, replyTexts(replies))
				cur = -1
				// Skip this reply's "<&" lines.
				for i+1 < len(lines) && strings.HasPrefix(lines[i+1].text, "<&") {
					i++
				}
				continue
			}
			cur = next
			next++
			check(t, l, replies[cur], strings.TrimSpace(l.text[1:]))
		case strings.HasPrefix(l.text, "--- "):
			flush(l.n)
			sent = false
			marker(t, r, l, &user)
		default:
			t.Fatalf("line %d: cannot read %q", l.n, l.text)
		}
	}
	flush(len(lines))
}

func marker(t *testing.T, r *rig, l tline, user *string) {
	f := strings.Fields(l.text[4:])
	if len(f) == 0 {
		t.Fatalf("line %d: empty marker", l.n)
	}
	arg := ""
	if len(f) > 1 {
		arg = f[1]
	}
	switch f[0] {
	case "restart":
		r.restart()
	case "advance":
		d, err := time.ParseDuration(arg)
		if err != nil {
			t.Fatalf("line %d: %v", l.n, err)
		}
		r.clk.Advance(d)
	case "fail":
		switch arg {
		case "store":
			r.store.fail.Store(true)
		case "matcher":
			r.matcher.fail.Store(true)
		default:
			t.Fatalf("line %d: fail what?", l.n)
		}
	case "panic":
		r.matcher.panic.Store(true)
	case "heal":
		r.store.fail.Store(false)
		r.matcher.fail.Store(false)
		r.matcher.panic.Store(false)
	case "user":
		*user = arg
	case "sweep":
		if _, err := r.eng.Sweep(t.Context()); err != nil {
			t.Errorf("line %d: sweep: %v", l.n, err)
		}
	case "alerts":
		want, _ := strconv.Atoi(arg)
		if r.alerter == nil {
			t.Fatalf("line %d: no alerter", l.n)
		}
		if got := r.alerter.count(); got != want {
			t.Errorf("line %d: %d alerts, want %d", l.n, got, want)
		}
	case "forgets":
		want, _ := strconv.Atoi(arg)
		if got := int(r.forget.calls.Load()); got != want {
			t.Errorf("line %d: %d forget calls, want %d", l.n, got, want)
		}
	default:
		t.Fatalf("line %d: unknown marker %q", l.n, f[0])
	}
}

func check(t *testing.T, l tline, rep bot.Reply, spec string) {
	t.Helper()
	urgent := false
	if s, ok := strings.CutPrefix(spec, "!"); ok {
		urgent, spec = true, strings.TrimSpace(s)
	}
	if rep.Urgent != urgent && !strings.HasPrefix(l.text, "<&") {
		t.Errorf("line %d: urgent=%v, want %v; reply:\n%s", l.n, rep.Urgent, urgent, rep.Text)
	}
	fail := func(what string) {
		t.Errorf("line %d: %s\nreply:\n%s\nchoices: %v", l.n, what, rep.Text, rep.Choices)
	}
	low := strings.ToLower(rep.Text)
	switch {
	case spec == "any":
	case strings.HasPrefix(spec, "~ "):
		if !strings.Contains(low, strings.ToLower(spec[2:])) {
			fail(fmt.Sprintf("want text containing %q", spec[2:]))
		}
	case strings.HasPrefix(spec, "not ~ "):
		if strings.Contains(low, strings.ToLower(spec[6:])) {
			fail(fmt.Sprintf("want text without %q", spec[6:]))
		}
	case strings.HasPrefix(spec, "= "):
		if rep.Text != spec[2:] {
			fail(fmt.Sprintf("want exactly %q", spec[2:]))
		}
	case strings.HasPrefix(spec, "/") && strings.HasSuffix(spec, "/") && len(spec) > 1:
		re, err := regexp.Compile(spec[1 : len(spec)-1])
		if err != nil {
			t.Fatalf("line %d: %v", l.n, err)
		}
		if !re.MatchString(rep.Text) {
			fail("want text matching " + spec)
		}
	case strings.HasPrefix(spec, "choice "):
		want := strings.ToLower(spec[7:])
		found := false
		for _, c := range rep.Choices {
			if strings.ToLower(c.Label) == want {
				found = true
			}
		}
		if !found {
			fail(fmt.Sprintf("want a choice %q", spec[7:]))
		}
	case strings.HasPrefix(spec, "groups "):
		want, err := strconv.Atoi(spec[7:])
		if err != nil {
			t.Fatalf("line %d: %v", l.n, err)
		}
		if got := len(groupLine.FindAllString(rep.Text, -1)); got != want {
			fail(fmt.Sprintf("%d groups, want %d", got, want))
		}
	default:
		t.Fatalf("line %d: unknown spec %q", l.n, spec)
	}
}
