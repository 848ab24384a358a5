package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/peermatch/peermatch/matcher/crisis"
)

// runScreen is `peermatch screen`: one message per input line, one JSON
// assessment per output line, so operators can try the crisis lexicon on
// their own data. It prints levels and lexicon ids, never the text.
func runScreen(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("screen", stderr)
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	s, err := crisis.New()
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 4<<20) // lines up to 4 MB
	enc := json.NewEncoder(stdout)
	type out struct {
		Level      string   `json:"level"`
		Categories []string `json:"categories"`
		Signals    []string `json:"signals"`
	}
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		a := s.Screen(sc.Text())
		o := out{Level: a.Level.String(), Categories: a.Categories, Signals: a.Signals}
		if o.Categories == nil {
			o.Categories = []string{}
		}
		if o.Signals == nil {
			o.Signals = []string{}
		}
		if err := enc.Encode(o); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("screen: reading input: %w", err)
	}
	return nil
}
