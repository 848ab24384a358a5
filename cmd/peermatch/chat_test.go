package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/data/importer"

	"github.com/peermatch/peermatch/data"
)

// readmeScript is the piped example of README.md.
const readmeScript = "hi\nI am looking for an online grief group\n"

// chatEnv is a fixed state directory plus any extra variables.
func chatEnv(state string, extra map[string]string) func(string) string {
	return func(k string) string {
		if k == "PEERMATCH_STATE" {
			return state
		}
		return extra[k]
	}
}

// onlineGrief counts the directory's online grief listings named in out.
func onlineGrief(t *testing.T, out string) int {
	t.Helper()
	v, err := data.DefaultVocabulary()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := importer.DefaultDirectory(v)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range dir.Groups {
		if slices.Contains(g.Topics, "grief") && g.Format.Remote() && strings.Contains(out, g.Name) {
			n++
		}
	}
	return n
}

// TestChatReadmeExampleTwice runs the README's piped example twice on the
// same state directory: both runs speak first, reach online grief groups,
// never answer "I didn't catch that", and print no log line into the chat.
func TestChatReadmeExampleTwice(t *testing.T) {
	getenv := chatEnv(t.TempDir(), nil)
	for run1, first := range []string{"Hi. I'm peermatch", "Welcome back"} {
		var out, errb bytes.Buffer
		if err := run(context.Background(), []string{"chat"}, getenv, strings.NewReader(readmeScript), &out, &errb); err != nil {
			t.Fatalf("run %d: %v (%s)", run1+1, err, errb.String())
		}
		o := out.String()
		if !strings.HasPrefix(o, first) {
			t.Errorf("run %d starts %.80q, want %q before anything is typed", run1+1, o, first)
		}
		if strings.Contains(o, "didn't catch") {
			t.Errorf("run %d: not understood:\n%s", run1+1, o)
		}
		if n := onlineGrief(t, o); n < 3 {
			t.Errorf("run %d: %d online grief listings shown, want at least 3:\n%s", run1+1, n, o)
		}
		for _, l := range []string{"level=", "msg=", `"level"`} {
			if strings.Contains(o, l) || strings.Contains(errb.String(), l) {
				t.Errorf("run %d: a log line (%q) printed with logs off:\nstdout:\n%s\nstderr:\n%s", run1+1, l, o, errb.String())
			}
		}
	}
}

// TestChatLogsGoToFile: with PEERMATCH_LOG_FILE the log lines are written
// there and nowhere near the conversation, and never carry what was typed.
func TestChatLogsGoToFile(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "chat.log")
	getenv := chatEnv(t.TempDir(), map[string]string{"PEERMATCH_LOG_FILE": logFile, "PEERMATCH_LOG_LEVEL": "debug"})
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"chat"}, getenv, strings.NewReader(readmeScript), &out, &errb); err != nil {
		t.Fatalf("run: %v (%s)", err, errb.String())
	}
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("msg=turn")) {
		t.Errorf("no turn logged in the file:\n%s", b)
	}
	if bytes.Contains(b, []byte("looking for")) {
		t.Errorf("the log file holds typed words:\n%s", b)
	}
	if strings.Contains(out.String(), "msg=") || errb.Len() > 0 {
		t.Errorf("log lines outside the file:\nstdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	}
}

// TestChatLogLevelAsksForStderr: PEERMATCH_LOG_LEVEL alone still logs to
// stderr (never stdout), for an operator who asked.
func TestChatLogLevelAsksForStderr(t *testing.T) {
	getenv := chatEnv(t.TempDir(), map[string]string{"PEERMATCH_LOG_LEVEL": "debug"})
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"chat"}, getenv, strings.NewReader(readmeScript), &out, &errb); err != nil {
		t.Fatalf("run: %v (%s)", err, errb.String())
	}
	if !strings.Contains(errb.String(), "msg=turn") || strings.Contains(out.String(), "msg=") {
		t.Errorf("want logs on stderr only:\nstdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	}
}

// TestChatSpeaksFirst: before anything is typed (empty input), the chat
// prints the hello with its choices.
func TestChatSpeaksFirst(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"chat"}, chatEnv(t.TempDir(), nil), strings.NewReader(""), &out, &errb); err != nil {
		t.Fatalf("run: %v (%s)", err, errb.String())
	}
	if o := out.String(); !strings.HasPrefix(o, "Hi. I'm peermatch") || !strings.Contains(o, "1. OK, let's go") {
		t.Errorf("no hello before input:\n%s", o)
	}
}
