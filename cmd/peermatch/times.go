package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/schedule"
	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/matcher/calendar"
)

const timesUsage = `usage: peermatch times [--data PATH] [--tz ZONE] [--count N] [--lang en|es|fr] [--json] [--ics FILE] GROUP

Shows the next meetings of GROUP (an id, or words from its name), in the
group's time zone and in ZONE (default $TZ when it names an IANA zone).
GROUP is looked up in the directory the bot serves: --data or
$PEERMATCH_DATA (any format import reads), else the embedded directory and
what peermatch import stored. --ics writes an iCalendar file (use - for
standard output).
`

// runTimesCommand is "peermatch times": it opens the index the bot would
// serve, from the same sources, and lists the group's meetings as of now.
func runTimesCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, now time.Time) error {
	a, err := openIndex(ctx, getenv, stderr, dataFlag(args))
	if err != nil {
		return err
	}
	defer a.Close()
	return runTimes(ctx, args, getenv, stdout, stderr, a.idx, now)
}

// timesJSON is the --json shape: RFC 3339 times in the meeting's own zone.
type timesJSON struct {
	Group struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"group"`
	Meetings []timesMeetingJSON `json:"meetings"`
}

type timesMeetingJSON struct {
	Start    string `json:"start"`
	End      string `json:"end"`
	TimeZone string `json:"timezone"`
}

// runTimes implements "peermatch times".
func runTimes(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer, idx index.Index, now time.Time) error {
	fs := flag.NewFlagSet("times", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, timesUsage) }
	fs.String("data", "", "directory source(s): files, folders, URLs, \"default\", \"demo\" (read before parsing, by runTimesCommand)")
	tz := fs.String("tz", "", "viewer's IANA time zone, e.g. America/Los_Angeles")
	count := fs.Int("count", 5, "how many meetings to list")
	lang := fs.String("lang", "en", "language of the listing and the calendar file: en, es or fr")
	asJSON := fs.Bool("json", false, "print JSON")
	icsFile := fs.String("ics", "", "write an iCalendar file (- for standard output)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	query := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(query) == "" {
		fs.Usage()
		return errors.New("times: which group? give its id or name")
	}
	if *count < 1 || *count > 1000 {
		return fmt.Errorf("times: --count must be 1–1000, got %d", *count)
	}
	if idx == nil {
		return errors.New("times: no directory loaded")
	}

	var viewer *time.Location
	zone := *tz
	if zone == "" {
		zone = strings.TrimPrefix(env("TZ"), ":")
	}
	if zone != "" {
		loc, err := time.LoadLocation(zone)
		if err != nil || zone == "Local" {
			if *tz != "" {
				return fmt.Errorf("times: --tz %q: expected an IANA zone such as America/New_York", *tz)
			}
			// A $TZ that is not an IANA name ("EST5EDT" is, "PST" is not)
			// is ignored rather than failing the command.
		} else {
			viewer = loc
		}
	}

	g, err := findGroup(ctx, idx, query)
	if err != nil {
		return err
	}
	occ, err := schedule.NextMeetings(g, now, *count)
	if err != nil && len(occ) == 0 {
		return fmt.Errorf("times: %w", err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "warning: %v\n", err)
	}

	if *icsFile != "" {
		b, err := calendar.ICS(g, now, bot.Say(*lang))
		if err != nil {
			return fmt.Errorf("times: %w", err)
		}
		if *icsFile == "-" {
			_, err = stdout.Write(b)
			return err
		}
		if err := os.WriteFile(*icsFile, b, 0o644); err != nil {
			return fmt.Errorf("times: %w", err)
		}
		fmt.Fprintf(stderr, "wrote %s\n", *icsFile)
	}

	if *asJSON {
		var out timesJSON
		out.Group.ID, out.Group.Name = g.ID, g.Name
		out.Meetings = []timesMeetingJSON{}
		for _, o := range occ {
			out.Meetings = append(out.Meetings, timesMeetingJSON{
				Start: o.Start.Format(time.RFC3339), End: o.End.Format(time.RFC3339), TimeZone: o.Start.Location().String(),
			})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}

	fmt.Fprintf(stdout, "%s (%s)\n", g.Name, g.ID)
	if g.Demo {
		fmt.Fprintln(stdout, "  example listing: this group does not exist")
	}
	if len(occ) == 0 {
		fmt.Fprintln(stdout, "  no upcoming meetings listed")
	}
	for _, o := range occ {
		line := "  " + bot.DescribeOccurrence(o, now, viewer, *lang)
		if o.Meeting != nil && o.Meeting.Note != "" {
			line += " · " + o.Meeting.Note
		}
		fmt.Fprintln(stdout, line)
	}
	if g.LastVerified != "" {
		fmt.Fprintf(stdout, "  last verified %s\n", g.LastVerified)
	}
	return nil
}

// findGroup resolves an id or a name. It is a small stand-in for the
// matcher's GroupsByName that tells an ambiguous name: it reads the
// listings of a small directory, and the index's best text matches of a
// large one.
func findGroup(ctx context.Context, idx index.Index, q string) (*data.Group, error) {
	g, err := idx.Group(ctx, strings.TrimSpace(q))
	if err == nil {
		return g, nil
	}
	if !errors.Is(err, index.ErrNotFound) {
		return nil, fmt.Errorf("times: %w", err)
	}
	want := words(q)
	best, bestScore := []*data.Group(nil), 0
	for g, err := range nameCandidates(ctx, idx, q) {
		if err != nil {
			return nil, fmt.Errorf("times: %w", err)
		}
		have := words(g.Name + " " + g.ID)
		score := 0
		for _, w := range want {
			if slices.Contains(have, w) {
				score++
			}
		}
		switch {
		case score == 0 || score < bestScore:
		case score > bestScore:
			best, bestScore = []*data.Group{g}, score
		default:
			best = append(best, g)
		}
	}
	switch {
	case len(best) == 0:
		return nil, fmt.Errorf("times: no group matches %q", q)
	case len(best) == 1:
		return best[0], nil
	}
	var names []string
	for _, g := range best[:min(len(best), 8)] {
		names = append(names, fmt.Sprintf("%s (%s)", g.Name, g.ID))
	}
	return nil, fmt.Errorf("times: %q matches %d groups, give an id: %s", q, len(best), strings.Join(names, "; "))
}

// scanNamesUpTo is the directory size up to which findGroup reads every
// listing; past it, reading them all would take seconds.
const scanNamesUpTo = 5000

// nameCandidates are the listings findGroup compares names with.
func nameCandidates(ctx context.Context, idx index.Index, q string) iter.Seq2[*data.Group, error] {
	if idx.Count() <= scanNamesUpTo {
		return idx.Listings(ctx)
	}
	return func(yield func(*data.Group, error) bool) {
		hits, err := idx.Search(ctx, index.Query{Words: q, Size: 50})
		if err != nil {
			yield(nil, err)
			return
		}
		for _, h := range hits {
			g, err := idx.Group(ctx, h.ID)
			if errors.Is(err, index.ErrNotFound) {
				continue // removed since the search
			}
			if !yield(g, err) || err != nil {
				return
			}
		}
	}
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}
