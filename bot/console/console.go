// Package console is the terminal front end: one message per input line,
// replies as plain text, choices as a numbered list answered by number or
// by words. It works interactively and with piped input, and returns at the
// end of input.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/peermatch/peermatch/bot"
)

// Options configures a console run; the zero value works.
type Options struct {
	UserID string           // default "console"
	Locale string           // e.g. "es-MX"; default from nothing (English)
	Prompt string           // shown before each line when non-empty, e.g. "> "
	Now    func() time.Time // stamps Message.Sent; default time.Now
	// Push carries replies that arrive on their own, such as reminders;
	// they are printed between messages. nil means none.
	Push <-chan bot.Reply
	// SaveDir is where attachments (calendar files) are written; "" only
	// names them.
	SaveDir string
	// Greet sends an empty message before reading any input, so that the
	// bot speaks first: the conversation core answers it with its hello,
	// or a welcome back for someone it remembers. A terminal that starts
	// silent looks broken.
	Greet bool
}

// maxLine bounds one input line, like a chat platform's message limit.
const maxLine = 64 * 1024

// Run reads lines from in, hands each to h as a message and writes the
// replies to out, until in ends (nil) or ctx is done (ctx.Err()).
func Run(ctx context.Context, h bot.Handler, in io.Reader, out io.Writer, opts Options) error {
	if opts.UserID == "" {
		opts.UserID = "console"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	lines := make(chan string)
	scanErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 4096), maxLine)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		scanErr <- sc.Err()
		close(lines)
	}()
	var choices []bot.Choice
	// The console's own words (file notes) follow the locale it was given.
	ui := bot.UIFor(opts.Locale)
	handle := func(text string) error {
		msg := bot.Message{Platform: "console", ChatID: opts.UserID, UserID: opts.UserID, Text: text,
			Locale: opts.Locale, Private: true, Sent: opts.Now()}
		replies, err := h.Handle(ctx, msg)
		if err != nil && errors.Is(err, context.Canceled) {
			return err
		}
		// Handler errors are for logs; the replies already say what to do.
		if len(replies) > 0 {
			choices = nil
		}
		for _, r := range replies {
			if err := write(out, r, opts.SaveDir, ui); err != nil {
				return err
			}
			if len(r.Choices) > 0 {
				choices = r.Choices
			}
		}
		return nil
	}
	if opts.Greet {
		if err := handle(""); err != nil {
			return err
		}
	}
	for {
		if opts.Prompt != "" {
			if _, err := io.WriteString(out, opts.Prompt); err != nil {
				return fmt.Errorf("console: write: %w", err)
			}
		}
		var line string
		select {
		case <-ctx.Done():
			return ctx.Err()
		case r := <-opts.Push:
			if err := write(out, r, opts.SaveDir, ui); err != nil {
				return err
			}
			continue
		case l, ok := <-lines:
			if !ok {
				if err := <-scanErr; err != nil {
					return fmt.Errorf("console: read: %w", err)
				}
				return nil
			}
			line = strings.TrimSpace(l)
		}
		if line == "" {
			continue
		}
		if err := handle(pick(line, choices)); err != nil {
			return err
		}
	}
}

// pick turns "2" or a choice's words into that choice's ID; anything else
// is sent as typed.
func pick(line string, choices []bot.Choice) string {
	if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(choices) {
		return choices[n-1].ID
	}
	for _, c := range choices {
		if strings.EqualFold(line, c.Label) {
			return c.ID
		}
	}
	return line
}

func write(out io.Writer, r bot.Reply, saveDir string, ui bot.UI) error {
	var b strings.Builder
	if r.Urgent {
		b.WriteString("!! ")
	}
	b.WriteString(r.Text)
	b.WriteString("\n")
	for i, c := range r.Choices {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, c.Label)
	}
	if r.Attach != nil {
		if path, err := save(saveDir, r.Attach); err == nil && path != "" {
			b.WriteString("  " + ui.Text("file_saved", "path", path) + "\n")
		} else {
			b.WriteString("  " + ui.Text("file_attached", "name", r.Attach.Name, "size", strconv.Itoa(len(r.Attach.Data))) + "\n")
		}
	}
	b.WriteString("\n")
	if _, err := io.WriteString(out, b.String()); err != nil {
		return fmt.Errorf("console: write: %w", err)
	}
	return nil
}

// save writes an attachment into dir under its own base name (never a path
// the name could smuggle in) and returns where.
func save(dir string, a *bot.Attachment) (string, error) {
	if dir == "" {
		return "", nil
	}
	name := filepath.Base(filepath.Clean("/" + a.Name))
	if name == "/" || name == "." {
		return "", errors.New("console: attachment without a name")
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, a.Data, 0o600); err != nil {
		return "", fmt.Errorf("console: save attachment: %w", err)
	}
	return path, nil
}
