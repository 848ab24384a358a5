package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/matcher"
)

// runSearch is `peermatch search`: the matcher from the command line, for
// operators checking their directory and for scripts (--json).
func runSearch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	q, err := parseSearch(args, stderr)
	if err != nil {
		return err
	}
	a, err := newApp(ctx, getenv, stderr, q.data)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.search(ctx, q, stdout, stderr)
}

// searchArgs is one `peermatch search` command line, parsed.
type searchArgs struct {
	near, within, format, audience, lang, day, data string
	limit                                           int
	asJSON                                          bool
	words                                           string
}

func parseSearch(args []string, stderr io.Writer) (*searchArgs, error) {
	q := &searchArgs{}
	fs := newFlagSet("search", stderr)
	fs.StringVar(&q.near, "near", "", "a place: US ZIP code, \"City, ST\" or a world city")
	fs.StringVar(&q.within, "within", "", "how far in-person groups may be: 25mi, 40km or a number of km (default 40km)")
	fs.StringVar(&q.format, "format", "any", "online, in_person or any")
	fs.StringVar(&q.audience, "audience", "", "veterans, men, women, lgbtq, youth, seniors or families")
	fs.StringVar(&q.lang, "lang", "", "preferred language (BCP 47, e.g. es)")
	fs.StringVar(&q.day, "day", "", "meets on this day (e.g. sunday, or sat,sun)")
	fs.IntVar(&q.limit, "limit", 5, "how many results")
	fs.StringVar(&q.data, "data", "", "directory source(s) instead of the embedded default and imports: files, folders or URLs in any import format, \"default\", \"demo\"")
	fs.BoolVar(&q.asJSON, "json", false, "print JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: peermatch search [flags] WORDS...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, exitCode(2)
	}
	q.words = strings.Join(fs.Args(), " ")
	if capped := matcher.CapText(q.words); capped != q.words {
		// Understanding and the index query both cost per word.
		fmt.Fprintf(stderr, "peermatch search: only the first %d words (%d characters at most) are read\n", matcher.MaxTextWords, matcher.MaxTextRunes)
		q.words = capped
	}
	return q, nil
}

// search runs one parsed search on the app's directory.
func (a *app) search(ctx context.Context, q *searchArgs, stdout, stderr io.Writer) error {
	words := q.words
	in := a.live.Understand(words).Intake(words)
	// Flags are explicit; they override what the words said.
	switch q.format {
	case "any", "":
		if q.near != "" {
			in.Format = ""
		}
	case "online", "in_person":
		in.Format = q.format
	default:
		fmt.Fprintf(stderr, "peermatch search: --format: expected online, in_person or any, got %q\n", q.format)
		return exitCode(2)
	}
	if q.near != "" {
		p, ok := a.live.Locate(q.near)
		if !ok || p.Point == (data.Point{}) {
			fmt.Fprintf(stderr, "peermatch search: --near: no place called %q (try a US ZIP code or \"City, ST\")\n", q.near)
			return exitCode(2)
		}
		in.Near, in.PlaceName, in.Country = &p.Point, p.Name, p.Country
	}
	if q.within != "" {
		km, err := parseDistance(q.within)
		if err != nil {
			fmt.Fprintf(stderr, "peermatch search: --within: %v\n", err)
			return exitCode(2)
		}
		in.RadiusKm = km
	}
	if q.audience != "" {
		if !data.IsAudience(q.audience) {
			fmt.Fprintf(stderr, "peermatch search: --audience: expected one of %s, got %q\n", strings.Join(data.Audiences, ", "), q.audience)
			return exitCode(2)
		}
		in.Audience = q.audience
	}
	if q.lang != "" {
		in.Language = strings.ToLower(q.lang)
	}
	if q.day != "" {
		in.Days = nil
		for d := range strings.SplitSeq(q.day, ",") {
			wd, ok := parseWeekday(d)
			if !ok {
				fmt.Fprintf(stderr, "peermatch search: --day: expected a day such as sunday or sun, got %q\n", d)
				return exitCode(2)
			}
			in.Days = append(in.Days, wd)
		}
	}
	matches, err := a.live.Find(ctx, in, 0, q.limit)
	if err != nil {
		return err
	}
	if q.asJSON {
		return printJSON(stdout, matches, a.vocab)
	}
	printText(stdout, words, in, matches, a.vocab)
	return nil
}

type jsonResult struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Topics       []string `json:"topics"`
	Audiences    []string `json:"audiences"`
	Format       string   `json:"format"`
	Kind         string   `json:"kind"`
	Score        float64  `json:"score"`
	Reasons      []string `json:"reasons"`
	DistanceKm   *float64 `json:"distance_km"`
	URL          string   `json:"url,omitempty"`
	Phone        string   `json:"phone,omitempty"`
	Demo         bool     `json:"demo,omitempty"`
	Types        []string `json:"types,omitempty"`          // Meeting Guide type codes
	AlsoListedBy []string `json:"also_listed_by,omitempty"` // other sources of the same meeting
	LastVerified string   `json:"last_verified"`
}

func printJSON(w io.Writer, matches []data.Match, v *data.Vocabulary) error {
	out := struct {
		Results []jsonResult `json:"results"`
	}{Results: []jsonResult{}}
	for _, m := range matches {
		g := m.Group
		r := jsonResult{ID: g.ID, Name: g.Name, Topics: g.Topics, Audiences: g.Audiences, Format: string(g.Format),
			Kind: string(g.Kind), Score: m.Score, Reasons: bot.ReasonTexts(m.Reasons, "en", v), URL: g.Contact.URL, Phone: g.Contact.Phone,
			Demo: g.Demo, Types: g.Types, AlsoListedBy: g.AlsoListedBy, LastVerified: g.LastVerified}
		if r.Audiences == nil {
			r.Audiences = []string{}
		}
		if m.DistanceKm >= 0 {
			d := m.DistanceKm
			r.DistanceKm = &d
		}
		out.Results = append(out.Results, r)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func printText(w io.Writer, words string, in data.Intake, matches []data.Match, v *data.Vocabulary) {
	if len(matches) == 0 {
		fmt.Fprintln(w, "No groups found. Try fewer words, --format any, or a larger --within.")
		return
	}
	var topics []string
	for _, t := range in.Topics {
		topics = append(topics, v.Label(t, "en"))
	}
	if len(topics) > 0 {
		fmt.Fprintf(w, "Topics: %s\n\n", strings.Join(topics, ", "))
	}
	for i, m := range matches {
		g := m.Group
		name := g.Name
		if g.Demo {
			name += " [example listing]"
		}
		fmt.Fprintf(w, "%d. %s\n   %s\n", i+1, name, strings.Join(bot.ReasonTexts(m.Reasons, "en", v), " · "))
		if g.Summary != "" {
			fmt.Fprintf(w, "   %s\n", g.Summary)
		}
		if len(g.Types) > 0 {
			var labels []string
			for _, c := range g.Types {
				if l, ok := data.TypeLabel(c, "en"); ok {
					labels = append(labels, l)
				}
			}
			fmt.Fprintf(w, "   %s\n", strings.Join(labels, " · "))
		}
		for _, c := range []string{g.Online.URL, g.Contact.URL, g.Contact.Phone} {
			if c != "" {
				fmt.Fprintf(w, "   %s\n", c)
				break
			}
		}
		fmt.Fprintf(w, "   id %s · last verified %s\n", g.ID, g.LastVerified)
		if len(g.AlsoListedBy) > 0 {
			fmt.Fprintf(w, "   also listed by %s\n", strings.Join(g.AlsoListedBy, ", "))
		}
	}
}

// parseDistance reads "25mi", "40km", "40 km" or a bare number of km.
func parseDistance(s string) (float64, error) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "mi"):
		s, mult = strings.TrimSuffix(s, "mi"), 1.609344
	case strings.HasSuffix(s, "km"):
		s = strings.TrimSuffix(s, "km")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || v > 20000 {
		return 0, fmt.Errorf("expected a distance such as 25mi or 40km, got %q", s)
	}
	return v * mult, nil
}

func parseWeekday(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if s == name || s == name[:3] || s == name+"s" {
			return d, true
		}
	}
	return 0, false
}
