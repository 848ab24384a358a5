package console

import (
	"context"
	"strings"
	"testing"

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
