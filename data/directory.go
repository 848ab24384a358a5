package data

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrInvalid marks a record that failed validation; errors.Is(err, ErrInvalid)
// holds for every *RecordError.
var ErrInvalid = errors.New("invalid record")

// RecordError names exactly what is wrong with one record, so an operator
// can fix the source: which file, which record, which field, what was
// expected.
type RecordError struct {
	Source string // file name or URL
	Record int    // 1-based index of the record in its source
	Line   int    // 1-based line where the record starts, 0 when unknown
	ID     string // the record's id, when it has one
	Field  string
	Reason string
}

func (e *RecordError) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Record > 0 { // 0: the whole file, not one record
		fmt.Fprintf(&b, ": record %d", e.Record)
	}
	if e.ID != "" {
		fmt.Fprintf(&b, " (id %q)", e.ID)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %s", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

func (e *RecordError) Unwrap() error { return ErrInvalid }

// Directory is a validated set of groups. It is not changed after
// NewDirectory: a new directory is built instead, and swapped in whole.
type Directory struct {
	Groups []*Group
	byID   map[string]*Group

	hashOnce sync.Once
	hash     string
}

// NewDirectory indexes groups by id. Callers validate first; a later
// duplicate id replaces an earlier one.
func NewDirectory(groups []*Group) *Directory {
	d := &Directory{byID: make(map[string]*Group, len(groups))}
	for _, g := range groups {
		if old, dup := d.byID[g.ID]; dup {
			i := slices.Index(d.Groups, old)
			d.Groups[i] = g
		} else {
			d.Groups = append(d.Groups, g)
		}
		d.byID[g.ID] = g
	}
	return d
}

// Group returns the group with the given id.
func (d *Directory) Group(id string) (*Group, bool) {
	g, ok := d.byID[id]
	return g, ok
}

// Hash is a content hash of the directory, used to tell whether a persisted
// index is still current and to name it. It runs at every start, so the
// groups are hashed in chunks on every core and the chunk hashes combined
// in order; it is computed once per directory.
func (d *Directory) Hash() string {
	d.hashOnce.Do(func() { d.hash = d.computeHash() })
	return d.hash
}

func (d *Directory) computeHash() string {
	const chunk = 20000
	n := (len(d.Groups) + chunk - 1) / chunk
	sums := make([][]byte, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			h := sha256.New()
			enc := json.NewEncoder(h)
			for _, g := range d.Groups[i*chunk : min(len(d.Groups), (i+1)*chunk)] {
				_ = enc.Encode(g) // hashing writer never fails
			}
			sums[i] = h.Sum(nil)
		})
	}
	wg.Wait()
	h := sha256.New()
	for _, s := range sums {
		h.Write(s)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

//go:embed directory/default/*.json directory/demo/*.json
var directoryFiles embed.FS

// DirectoryFS holds the embedded directories, each a folder of native
// *.json files: "directory/default" (real national organizations) and
// "directory/demo" (fictional local examples). Loading them is the
// importer's job (importer.DefaultDirectory); data only carries the files.
func DirectoryFS() fs.FS { return directoryFiles }

// FieldError is one problem with one field of a record: the field's JSON
// path ("meetings[0].rrule") and what was expected. Loaders turn it into a
// *RecordError naming the file, record and line.
type FieldError struct{ Field, Reason string }

// MeetingCheck checks one meeting's schedule, with groupTZ for a meeting
// that has no zone of its own; its errors are *ScheduleError. Expanding a
// recurrence rule is the schedule package's job (schedule.Validate), so
// Validate is handed it rather than importing it.
type MeetingCheck func(m *Meeting, groupTZ string) error

var (
	slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,127}$`)
)

// Normalize fills defaults and trims whitespace, so that equivalent inputs
// give identical groups (and identical directory hashes).
func (g *Group) Normalize() {
	g.ID = strings.TrimSpace(g.ID)
	g.Name = strings.TrimSpace(g.Name)
	g.Summary = strings.TrimSpace(g.Summary)
	if g.Kind == "" {
		g.Kind = KindGroup
	}
	if len(g.Languages) == 0 {
		g.Languages = []string{"en"}
	}
	for i, l := range g.Languages {
		g.Languages[i] = strings.ToLower(strings.TrimSpace(l))
	}
	for i, c := range g.Countries {
		g.Countries[i] = strings.ToUpper(strings.TrimSpace(c))
	}
}

// Validate checks a group against the data model and the vocabulary, and
// each meeting with checkMeeting (nil: schedules are not checked). It
// returns every problem, not just the first.
func (g *Group) Validate(v *Vocabulary, checkMeeting MeetingCheck) []FieldError {
	var errs []FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{field, fmt.Sprintf(format, args...)})
	}
	if !slugRE.MatchString(g.ID) {
		bad("id", "expected a slug of lowercase letters, digits, '.', '_' or '-', got %q", g.ID)
	}
	if g.Name == "" {
		bad("name", "expected a name, got nothing")
	}
	switch g.Kind {
	case KindGroup, KindFinder, KindHelpline:
	default:
		bad("kind", "expected group, finder or helpline, got %q", g.Kind)
	}
	if len(g.Topics) == 0 {
		bad("topics", "expected at least one topic")
	}
	for _, t := range g.Topics {
		if v != nil && !v.Has(t) {
			bad("topics", "unknown topic %q (expected one of the vocabulary's slugs, e.g. grief, alcohol)", t)
		}
	}
	for _, a := range g.Audiences {
		if !IsAudience(a) {
			bad("audiences", "unknown audience %q (expected one of %s)", a, strings.Join(Audiences, ", "))
		}
	}
	for _, l := range g.Languages {
		if !langRE.MatchString(l) {
			bad("languages", "expected a BCP 47 language tag such as en or es, got %q", l)
		}
	}
	switch g.Format {
	case FormatInPerson, FormatOnline, FormatHybrid, FormatPhone:
	default:
		bad("format", "expected in_person, online, hybrid or phone, got %q", g.Format)
	}
	checkEnum := func(field, val string, allowed ...string) {
		if val != "" && !slices.Contains(allowed, val) {
			bad(field, "expected one of %s, got %q", strings.Join(allowed, ", "), val)
		}
	}
	checkEnum("access", g.Access, "open", "closed")
	checkEnum("cost", g.Cost, "free", "donation", "fee")
	checkEnum("facilitation", g.Facilitation, "peer", "professional", "mixed")
	if g.Format.InPerson() && g.Kind == KindGroup {
		if g.Location == nil || g.Location.Point == nil {
			bad("location.point", "expected coordinates for an in-person group")
		}
	}
	if g.Location != nil && g.Location.Point != nil {
		p := g.Location.Point
		if math.IsNaN(p.Lat) || p.Lat < -90 || p.Lat > 90 {
			bad("location.point.lat", "expected a latitude between -90 and 90, got %v", p.Lat)
		}
		if math.IsNaN(p.Lon) || p.Lon < -180 || p.Lon > 180 {
			bad("location.point.lon", "expected a longitude between -180 and 180, got %v", p.Lon)
		}
	}
	if g.TimeZone != "" {
		if _, err := LoadZone(g.TimeZone); err != nil || g.TimeZone == "Local" {
			bad("timezone", "expected an IANA time zone such as America/Chicago, got %q", g.TimeZone)
		}
	}
	for i := range g.Meetings {
		if checkMeeting == nil {
			break
		}
		var se *ScheduleError
		switch err := checkMeeting(&g.Meetings[i], g.TimeZone); {
		case errors.As(err, &se):
			reason := fmt.Sprintf("expected %s, got %q", se.Expected, se.Value)
			if se.Err != nil {
				reason += " (" + se.Err.Error() + ")"
			}
			bad(fmt.Sprintf("meetings[%d].%s", i, se.Field), "%s", reason)
		case err != nil:
			bad(fmt.Sprintf("meetings[%d]", i), "%v", err)
		}
	}
	if g.Source == "" {
		bad("source", "expected the public source (URL) the listing comes from")
	}
	if _, err := time.Parse(time.DateOnly, g.LastVerified); err != nil {
		bad("last_verified", "expected a date YYYY-MM-DD, got %q", g.LastVerified)
	}
	if g.SourceDate != "" && !sourceDateRE.MatchString(g.SourceDate) {
		bad("source_date", "expected YYYY-MM-DD, YYYY-MM or YYYY, got %q", g.SourceDate)
	}
	errs = append(errs, g.validateTypes()...)
	if g.AgeMin < 0 || g.AgeMin > 120 {
		bad("age_min", "expected an age between 0 and 120, got %d", g.AgeMin)
	}
	if g.AgeMax < 0 || g.AgeMax > 120 || (g.AgeMax != 0 && g.AgeMax < g.AgeMin) {
		bad("age_max", "expected 0 (no limit) or an age between age_min (%d) and 120, got %d", g.AgeMin, g.AgeMax)
	}
	return errs
}

var sourceDateRE = regexp.MustCompile(`^(19|20)\d\d(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$`)

var langRE = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{2,8})*$`)
