package console

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peermatch/peermatch/bot"
)

// echo answers every message with its text and two choices.
type echo struct{ got []string }

func (e *echo) Handle(_ context.Context, m bot.Message) ([]bot.Reply, error) {
	e.got = append(e.got, m.Text)
	return []bot.Reply{{Text: "got it", Choices: []bot.Choice{{ID: "fmt:online", Label: "Online or phone"}, {ID: "fmt:any", Label: "Either"}}}}, nil
}

func TestPipedInput(t *testing.T) {
	h := &echo{}
	var out strings.Builder
	in := strings.NewReader("hi\n\n2\neither\n9\nfree words\n")
	if err := Run(context.Background(), h, in, &out, Options{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"hi", "fmt:any", "fmt:any", "9", "free words"}
	if strings.Join(h.got, "|") != strings.Join(want, "|") {
		t.Errorf("messages %q, want %q", h.got, want)
	}
	if !strings.Contains(out.String(), "  1. Online or phone\n  2. Either\n") {
		t.Errorf("choices not numbered:\n%s", out.String())
	}
}

func TestStopsOnContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, w := ioPipe()
	defer w.Close()
	if err := Run(ctx, &echo{}, r, &strings.Builder{}, Options{}); err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func ioPipe() (*pipeReader, *pipeReader) { p := &pipeReader{ch: make(chan struct{})}; return p, p }

// pipeReader blocks until closed, like an idle terminal.
type pipeReader struct{ ch chan struct{} }

func (p *pipeReader) Read([]byte) (int, error) { <-p.ch; return 0, context.Canceled }
func (p *pipeReader) Close() error             { close(p.ch); return nil }

// TestPushedRepliesAndSavedAttachments: a reminder pushed while the person
// is idle is printed, and a calendar attachment is written under its base
// name only (a name with a path in it cannot escape the folder).
func TestPushedRepliesAndSavedAttachments(t *testing.T) {
	dir := t.TempDir()
	push := make(chan bot.Reply, 1)
	r, w := ioPipe()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuilder
	done := make(chan error, 1)
	go func() { done <- Run(ctx, &echo{}, r, &out, Options{Push: push, SaveDir: dir}) }()
	push <- bot.Reply{Text: "Reminder: the group starts soon.", Attach: &bot.Attachment{Name: "../../x.ics", Data: []byte("BEGIN:VCALENDAR")}}
	deadline := time.After(5 * time.Second)
	for !strings.Contains(out.String(), "[saved ") {
		select {
		case <-deadline:
			t.Fatalf("pushed reply not printed:\n%s", out.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	w.Close()
	<-done
	if !strings.Contains(out.String(), "Reminder: the group starts soon.") {
		t.Errorf("output:\n%s", out.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "x.ics"))
	if err != nil || string(b) != "BEGIN:VCALENDAR" {
		t.Errorf("attachment not saved as x.ics in the folder: %v", err)
	}
}

// syncBuilder is a strings.Builder safe for one writer and one reader.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuilder) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestGreetSpeaksFirst: with Greet the bot's answer to an empty message is
// printed before the first line is read, and its choices can be picked by
// number; without it nothing is sent before the person types.
func TestGreetSpeaksFirst(t *testing.T) {
	h := &echo{}
	var out strings.Builder
	if err := Run(context.Background(), h, strings.NewReader("1\n"), &out, Options{Greet: true}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"", "fmt:online"}; strings.Join(h.got, "|") != strings.Join(want, "|") {
		t.Errorf("messages %q, want %q", h.got, want)
	}
	if !strings.HasPrefix(out.String(), "got it\n") {
		t.Errorf("the greeting is not printed first:\n%s", out.String())
	}
	h = &echo{}
	if err := Run(context.Background(), h, strings.NewReader("hi\n"), &strings.Builder{}, Options{}); err != nil {
		t.Fatal(err)
	}
	if len(h.got) != 1 || h.got[0] != "hi" {
		t.Errorf("without Greet, messages %q, want only \"hi\"", h.got)
	}
}
