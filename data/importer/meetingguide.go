package importer

import (
	"bufio"
	"bytes"
	"cmp"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/place"
	"github.com/peermatch/peermatch/data/schedule"
)

// Meeting Guide JSON feed (https://github.com/code4recovery/spec): an array
// of meeting objects, each a weekly meeting with a unique slug. One
// meeting object becomes one Group; a list of days becomes one weekly
// Meeting per day.

// mgLanguages maps the spec's language type codes to BCP 47 tags.
var mgLanguages = map[string]string{
	"AF": "af", "AM": "am", "AR": "ar", "ASL": "ase", "BG": "bg", "DA": "da", "DE": "de", "EL": "el",
	"EN": "en", "FA": "fa", "FI": "fi", "FR": "fr", "HE": "he", "HI": "hi", "HR": "hr", "HU": "hu",
	"IS": "is", "ITA": "it", "JA": "ja", "KA": "ka", "KOR": "ko", "LT": "lt", "ML": "ml", "MT": "mt",
	"NE": "ne", "NL": "nl", "NO": "no", "POL": "pl", "POR": "pt", "PUN": "pa", "RUS": "ru", "S": "es",
	"SK": "sk", "SL": "sl", "SV": "sv", "TH": "th", "TL": "tl", "TUR": "tr", "UK": "uk",
	"QSL": "fcs", "RSL": "rsl",
}

// mgAudiences maps audience type codes to our audiences. Codes for
// audiences we do not model (P, POC, N, NDG...) are known but unused.
var mgAudiences = map[string]string{
	"W": "women", "M": "men", "Y": "youth", "SEN": "seniors",
	"LGBTQ": "lgbtq", "G": "lgbtq", "L": "lgbtq", "BI": "lgbtq", "T": "lgbtq", "NB": "lgbtq",
}

// mgTopics are the topics a feed's records get unless they say otherwise.
func mgTopics(v *data.Vocabulary, opts ImportOptions) ([]string, error) {
	if len(opts.Topics) > 0 {
		for _, t := range opts.Topics {
			if v != nil && !v.Has(t) {
				return nil, fmt.Errorf("topic %q is not in the vocabulary (e.g. alcohol, drugs, grief)", t)
			}
		}
		return opts.Topics, nil
	}
	f := opts.Fellowship
	if f == "" {
		f = "aa" // Meeting Guide is AA's meeting app
	}
	ts, ok := data.FellowshipTopics(v, f)
	if !ok {
		return nil, fmt.Errorf("unknown fellowship %q (expected one of %s, or use a topic)", f, strings.Join(data.FellowshipNames(), ", "))
	}
	return ts, nil
}

// fellowship reads a record's fellowship from its entity, group or name,
// for feeds that list several ("Mile High Area Narcotics Anonymous",
// "Al-Anon Family Groups: Serenity Seekers", "CA: Hope Dealers"): a
// fellowship's full name anywhere, or its short name leading the meeting's
// name. The short name alone is too common elsewhere ("CA" is a state).
func (r *mgReader) fellowship(entity, text, name string) ([]string, bool) {
	if ts, ok := r.fellowshipTopics(entity); ok {
		return ts, true
	}
	for _, short := range r.spaced {
		if full := data.Fellowships[short]; strings.Contains(text, full) {
			return r.fellowshipTopics(full)
		}
	}
	for _, short := range []string{"al-anon", "alateen", "nar-anon"} {
		if strings.Contains(text, short) {
			return r.fellowshipTopics(short)
		}
	}
	first, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(name)), " ")
	first = strings.TrimRight(first, ":-–")
	if _, ok := data.Fellowships[first]; ok && first == strings.TrimSpace(first) && len(first) >= 2 {
		return r.fellowshipTopics(first)
	}
	return nil, false
}

// fellowshipTopics is data.FellowshipTopics, remembered per name: it
// scans the whole vocabulary, for every record, mostly to find that an
// empty entity names no fellowship.
func (r *mgReader) fellowshipTopics(name string) ([]string, bool) {
	if name == "" {
		return nil, false
	}
	t, ok := r.topicsOf[name]
	if !ok {
		if len(r.topicsOf) >= maxChecked {
			clear(r.topicsOf)
		}
		t.topics, t.ok = data.FellowshipTopics(r.v, name)
		r.topicsOf[name] = t
	}
	return slices.Clone(t.topics), t.ok
}

type fellowshipTopics struct {
	topics []string
	ok     bool
}

// fellowshipName is the short name of a record's fellowship (see
// fellowship), the operator's --fellowship when given, "" when unknown.
// text is the record's entity, group and name, lower case.
func (r *mgReader) fellowshipName(text, name string) string {
	if f := strings.ToLower(r.opts.Fellowship); f != "" {
		if _, ok := data.Fellowships[f]; ok {
			return f
		}
		return ""
	}
	best := ""
	for _, short := range r.named {
		full := data.Fellowships[short]
		if strings.Contains(text, full) && len(full) > len(data.Fellowships[best]) {
			best = short
		}
	}
	if best == "" {
		first, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(name)), " ")
		if first = strings.TrimRight(first, ":-–"); len(first) >= 2 {
			if _, ok := data.Fellowships[first]; ok {
				best = first
			}
		}
	}
	if best == "alateen" {
		best = "al-anon"
	}
	return best
}

// mgReader is one Meeting Guide import in progress.
type mgReader struct {
	v      *data.Vocabulary
	name   string
	opts   ImportOptions
	topics []string
	zones  zoneCache
	seen   map[string]int // id → record
	// spaced and named are the data.FellowshipNames whose full names a
	// record's text is searched for (spaced: with a space; named: with a
	// space or a hyphen), sorted once per feed rather than for every
	// record.
	spaced, named []string
	topicsOf      map[string]fellowshipTopics
	checked       meetingChecker
	fields        []rawField // the record being read
}

// maxChecked bounds each per-import memo (schedule checks, fellowship
// lookups), so a feed of distinct values cannot grow it.
const maxChecked = 10000

func newMGReader(v *data.Vocabulary, name string, opts ImportOptions) (*mgReader, error) {
	topics, err := mgTopics(v, opts)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	r := &mgReader{v: v, name: name, opts: opts, topics: topics, zones: zoneCache{}, seen: map[string]int{},
		checked: meetingChecker{}, topicsOf: map[string]fellowshipTopics{}}
	for _, short := range data.FellowshipNames() {
		full := data.Fellowships[short]
		if strings.Contains(full, " ") {
			r.spaced = append(r.spaced, short)
		}
		if strings.Contains(full, " ") || strings.Contains(full, "-") {
			r.named = append(r.named, short)
		}
	}
	return r, nil
}

func importMeetingGuide(s *sink, v *data.Vocabulary, name string, br *bufio.Reader, opts ImportOptions) error {
	r, err := newMGReader(v, name, opts)
	if err != nil {
		return err
	}
	sc := newArrayScanner(name, br, opts.maxRecord())
	if err := sc.begin("a JSON array of meetings ([{\"name\": ..., \"slug\": ...}, ...])"); err != nil {
		return err
	}
	for n := 1; ; n++ {
		if err := s.next(); err != nil {
			return err
		}
		raw, line, size, ok, err := sc.next(n)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if raw == nil {
			s.bad(&data.RecordError{Source: name, Record: n, Line: line, Reason: fmt.Sprintf("record is %d bytes, over the %d-byte limit for one meeting", size, opts.maxRecord())})
			continue
		}
		var g *data.Group // stays nil when reading the record panics
		ps := guardRecord(name, n, line, func() (ps []error) {
			g, ps = r.record(raw, n, line)
			return ps
		})
		s.bad(ps...)
		if g != nil {
			if err := s.add(g); err != nil {
				return err
			}
		}
	}
	if c, err := sc.skipSpace(); err == nil {
		return &data.RecordError{Source: name, Line: sc.line, Reason: fmt.Sprintf("unexpected %q after the closing ']' of the feed", c)}
	} else if err != io.EOF {
		return fmt.Errorf("import %s: %w", name, err)
	}
	return nil
}

// mgFields reads typed fields out of one meeting object, collecting one
// error per wrong field.
type mgFields struct {
	m    []rawField // in the record's order; a repeated key's last value counts
	errs []data.FieldError
}

// get is the value of a member, nil when absent.
func (f *mgFields) get(field string) json.RawMessage {
	for i := len(f.m) - 1; i >= 0; i-- {
		if f.m[i].key == field {
			return f.m[i].val
		}
	}
	return nil
}

func (f *mgFields) bad(field, format string, args ...any) {
	f.errs = append(f.errs, data.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (f *mgFields) raw(field string) (json.RawMessage, bool) {
	r := f.get(field)
	if r == nil || jsonKind(r) == "null" {
		return nil, false
	}
	return r, true
}

// str reads a string field; numbers are accepted where feeds write them
// as numbers (postal codes), everything else is a type error.
func (f *mgFields) str(field string) string {
	r, ok := f.raw(field)
	if !ok {
		return ""
	}
	// The record was checked as JSON when it was decoded into fields, so
	// a quoted value without escapes is the string itself.
	if len(r) >= 2 && r[0] == '"' && r[len(r)-1] == '"' && bytes.IndexByte(r, '\\') < 0 {
		return strings.TrimSpace(string(r[1 : len(r)-1]))
	}
	var s string
	if err := json.Unmarshal(r, &s); err != nil {
		if jsonKind(r) == "number" && field == "postal_code" {
			return string(r)
		}
		f.bad(field, "expected a string, got JSON %s", jsonKind(r))
		return ""
	}
	return strings.TrimSpace(s)
}

func (f *mgFields) strs(field string) []string {
	r, ok := f.raw(field)
	if !ok {
		return nil
	}
	if ss, ok := plainStrings(r); ok {
		return ss
	}
	var ss []string
	if err := json.Unmarshal(r, &ss); err != nil {
		f.bad(field, "expected an array of strings, got JSON %s", jsonKind(r))
		return nil
	}
	return ss
}

// num reads a number written as a JSON number or a numeric string.
func (f *mgFields) num(field string) (float64, bool) {
	r, ok := f.raw(field)
	if !ok {
		return 0, false
	}
	if x, ok := jsonNumber(r); ok {
		return x, true
	}
	var x float64
	if err := json.Unmarshal(r, &x); err == nil {
		return x, true
	}
	var s string
	if err := json.Unmarshal(r, &s); err == nil {
		if s = strings.TrimSpace(s); s == "" {
			return 0, false
		}
		if x, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(x) && !math.IsInf(x, 0) {
			return x, true
		}
		f.bad(field, "expected a number, got %q", s)
		return 0, false
	}
	f.bad(field, "expected a number, got JSON %s", jsonKind(r))
	return 0, false
}

// days reads day: 0–6 (Sunday = 0), a numeric string, or an array of them.
func (f *mgFields) days() []int {
	r, ok := f.raw("day")
	if !ok {
		return nil
	}
	var list []json.RawMessage
	if jsonKind(r) == "array" {
		if err := json.Unmarshal(r, &list); err != nil {
			f.bad("day", "expected a day 0–6 or an array of them, got malformed JSON")
			return nil
		}
		if len(list) == 0 {
			f.bad("day", "expected a day 0–6 (Sunday = 0) or a non-empty array of them, got []")
			return nil
		}
	} else {
		list = []json.RawMessage{r}
	}
	var out []int
	for _, e := range list {
		var d float64
		var s string
		switch {
		case json.Unmarshal(e, &d) == nil:
		case json.Unmarshal(e, &s) == nil:
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				f.bad("day", "expected a day 0–6 (Sunday = 0), got %q", s)
				return nil
			}
			d = float64(n)
		default:
			f.bad("day", "expected a day 0–6 (Sunday = 0), got JSON %s", jsonKind(e))
			return nil
		}
		if d != math.Trunc(d) || d < 0 || d > 6 {
			f.bad("day", "expected a day 0–6 (Sunday = 0), got %v", d)
			return nil
		}
		if !slices.Contains(out, int(d)) {
			out = append(out, int(d))
		}
	}
	return out
}

// clock reads "HH:MM" (24-hour; seconds, if any, must be :00) and returns
// it as "HH:MM" and minutes after midnight.
func (f *mgFields) clock(field string) (string, int, bool) {
	s := f.str(field)
	if s == "" {
		return "", 0, false
	}
	t := s
	if len(t) == 8 && strings.HasSuffix(t, ":00") {
		t = t[:5]
	}
	h, m, ok := schedule.ParseClock(t)
	if !ok {
		f.bad(field, `expected a 24-hour time "HH:MM" from 00:00 to 23:59, got %q`, s)
		return "", 0, false
	}
	return hhmm(h, m), h*60 + m, true
}

// stateZIP reads "CA" or "CA 95124" or "CA 95124-1234" (the regular
// expression ^([A-Z]{2})(?:\s+(\d{5}(?:-\d{4})?))?$, written out: it ran
// for every meeting of a feed).
func stateZIP(s string) (state, zip string, ok bool) {
	upper := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	if len(s) < 2 || !upper(s[0]) || !upper(s[1]) {
		return "", "", false
	}
	state, rest := s[:2], s[2:]
	if rest == "" {
		return state, "", true
	}
	zip = strings.TrimLeft(rest, " \t\n\f\r")
	if len(zip) == len(rest) {
		return "", "", false
	}
	digitsAt := func(s string) bool {
		for i := range len(s) {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	switch {
	case len(zip) == 5 && digitsAt(zip):
	case len(zip) == 10 && digitsAt(zip[:5]) && zip[5] == '-' && digitsAt(zip[6:]):
	default:
		return "", "", false
	}
	return state, zip, true
}

// usStateZones are the zones of the US states that lie in one zone
// whole, for a meeting that names its state and nothing finer (no
// timezone, no ZIP code we know). States split between zones are left
// out: their meetings need a timezone, a ZIP code or --timezone.
var usStateZones = map[string]string{
	"AL": "America/Chicago", "AR": "America/Chicago", "CA": "America/Los_Angeles", "CO": "America/Denver",
	"CT": "America/New_York", "DC": "America/New_York", "DE": "America/New_York", "GA": "America/New_York",
	"HI": "Pacific/Honolulu", "IA": "America/Chicago", "IL": "America/Chicago", "LA": "America/Chicago",
	"MA": "America/New_York", "MD": "America/New_York", "ME": "America/New_York", "MN": "America/Chicago",
	"MO": "America/Chicago", "MS": "America/Chicago", "MT": "America/Denver", "NC": "America/New_York",
	"NH": "America/New_York", "NJ": "America/New_York", "NM": "America/Denver", "NY": "America/New_York",
	"OH": "America/New_York", "OK": "America/Chicago", "PA": "America/New_York", "RI": "America/New_York",
	"SC": "America/New_York", "UT": "America/Denver", "VA": "America/New_York", "VT": "America/New_York",
	"WA": "America/Los_Angeles", "WI": "America/Chicago", "WV": "America/New_York", "WY": "America/Denver",
	"PR": "America/Puerto_Rico",
}

// dropTrailingCommas removes each comma that only white space separates
// from a closing '}' or ']', outside strings.
func dropTrailingCommas(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	inStr, esc := false, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == ',':
			j := i + 1
			for j < len(raw) && strings.IndexByte(" \t\r\n", raw[j]) >= 0 {
				j++
			}
			if j < len(raw) && (raw[j] == '}' || raw[j] == ']') {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// splitUSAddress reads "2634 Union Ave, San Jose, CA 95124, USA" into its
// parts, and the approximate "New York, NY, USA" into a city and state
// with no street; anything else stays whole in Address.
func splitUSAddress(s string) data.Location {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	loc := data.Location{Address: s}
	n := len(parts)
	if n >= 2 {
		switch strings.ToUpper(parts[n-1]) {
		case "USA", "US", "UNITED STATES":
			loc.Country = "US"
			parts, n = parts[:n-1], n-1
		}
	}
	if n >= 2 {
		if state, zip, ok := stateZIP(parts[n-1]); ok {
			loc.Region, loc.PostalCode, loc.City = state, zip, parts[n-2]
			loc.Address = strings.Join(parts[:n-2], ", ")
			loc.Country = "US"
		}
	}
	return loc
}

// hasStreet tells a street address, where people can walk in, from an
// approximate location (a city, a ZIP code, a region), which Meeting Guide
// treats as the area of an online meeting. approximate is the feed's own
// "yes" or "no" when it gives one.
func hasStreet(loc data.Location, approximate string) bool {
	switch strings.ToLower(approximate) {
	case "yes":
		return false
	case "no":
		return loc.Address != ""
	}
	a := strings.TrimSpace(loc.Address)
	if a == "" {
		return false
	}
	if loc.City != "" || loc.Region != "" {
		return true // splitUSAddress left a line before the city
	}
	// An address we could not split: a street has a house number ("123
	// Main St", "Rm 4, 50 Oak Ave"); a bare place name ("Denver", "Online")
	// does not.
	return strings.ContainsAny(a, "0123456789")
}

// joinUSAddress is splitUSAddress's inverse, for export.
func joinUSAddress(l *data.Location) string {
	if l.City == "" || l.Region == "" {
		return l.Address
	}
	state := strings.TrimSpace(l.Region + " " + l.PostalCode)
	s := l.City + ", " + state
	if l.Address != "" {
		s = l.Address + ", " + s
	}
	if l.Country == "US" {
		s += ", USA"
	} else if l.Country != "" {
		s += ", " + l.Country
	}
	return s
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// record maps one meeting object onto a Group (nil when rejected).
func (r *mgReader) record(raw []byte, n, line int) (*data.Group, []error) {
	// One slice of members serves every record of the feed: its values
	// point into raw and nothing of it outlives the record.
	f := &mgFields{}
	var lenient []error
	var fast bool
	if r.fields, fast = splitObject(raw, r.fields[:0]); fast {
		f.m = r.fields
	} else if m, err := unmarshalObject(raw); err == nil {
		f.m = m
	} else {
		// Hand-edited feeds (and the spec's own example) leave a comma
		// before a closing brace; that alone costs no meeting.
		if m, ferr := unmarshalObject(dropTrailingCommas(raw)); jsonKind(raw) == "object" && ferr == nil {
			f.m = m
			lenient = []error{&Warning{&data.RecordError{Source: r.name, Record: n, Line: line,
				Reason: "a comma before a closing } or ] is not JSON; read as if it were not there"}}}
		} else {
			reason := "expected a meeting object {\"name\": ..., \"slug\": ...}"
			switch k := jsonKind(raw); {
			case k == "object":
				reason = "malformed JSON (" + err.Error() + ")"
			case !json.Valid(raw):
				reason += fmt.Sprintf(", got %q", string(raw[:min(len(raw), 40)]))
			default:
				reason += ", got JSON " + k
			}
			return nil, []error{&data.RecordError{Source: r.name, Record: n, Line: line, Reason: reason}}
		}
	}
	slug := f.str("slug")
	id := ""
	if slug != "" {
		id = Slugify(slug, "")
	}
	problems := func(errs []data.FieldError) []error { return toRecordErrors(r.name, n, line, id, errs) }

	g := &data.Group{ID: id, Kind: data.KindGroup, Name: f.str("name"), Summary: f.str("notes")}
	if _, ok := f.raw("slug"); !ok || slug == "" && jsonKind(f.get("slug")) == "string" {
		f.bad("slug", "expected the meeting's unique slug, got nothing")
	}
	if _, ok := f.raw("name"); !ok || g.Name == "" && jsonKind(f.get("name")) == "string" {
		f.bad("name", "expected the meeting's name, got nothing")
	}

	// Types: kept as codes, and read for access, audiences, languages,
	// online and temporarily closed.
	warn := lenient
	types := f.strs("types")
	var tc, onl bool
	for _, code := range types {
		code = strings.TrimSpace(code)
		if _, known := data.MeetingGuideTypes[code]; !known {
			warn = append(warn, &Warning{&data.RecordError{Source: r.name, Record: n, Line: line, ID: id, Field: "types",
				Reason: fmt.Sprintf("unknown type code %q ignored (expected a Meeting Guide code such as O, C, W, M, S)", code)}})
			continue
		}
		if !slices.Contains(g.Types, code) {
			g.Types = append(g.Types, code)
		}
		switch code {
		case "O":
			g.Access = "open"
		case "C":
			g.Access = "closed"
		case "TC":
			tc = true
		case "ONL":
			onl = true
		}
		if a, ok := mgAudiences[code]; ok && !slices.Contains(g.Audiences, a) {
			g.Audiences = append(g.Audiences, a)
		}
		if l, ok := mgLanguages[code]; ok && !slices.Contains(g.Languages, l) {
			g.Languages = append(g.Languages, l)
		}
	}
	slices.Sort(g.Audiences)
	slices.Sort(g.Types)

	// A Meeting Guide feed lists meetings of a Twelve Step fellowship (AA,
	// NA, Al-Anon...); our extension field says when one is not.
	g.TwelveStep = !r.opts.NotTwelveStep
	if raw, ok := f.raw("twelve_step"); ok {
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			f.bad("twelve_step", "expected true or false, got JSON %s", jsonKind(raw))
		}
		g.TwelveStep = b
	}

	entity := f.str("entity")
	text := strings.ToLower(entity + " | " + f.str("group") + " | " + g.Name)
	// Topics: the operator's override, else our extension field "topics"
	// (written by our export), else the fellowship, plus family groups
	// held alongside (AL-AN, AL).
	switch ext := f.strs("topics"); {
	case len(r.opts.Topics) > 0:
		g.Topics = slices.Clone(r.topics)
	case len(ext) > 0:
		g.Topics = ext
	default:
		g.Topics = slices.Clone(r.topics)
		if ts, ok := r.fellowship(entity, text, g.Name); ok && r.opts.Fellowship == "" {
			g.Topics = ts
		}
		if slices.Contains(types, "AL-AN") || slices.Contains(types, "AL") {
			if fam, ok := r.fellowshipTopics("al-anon"); ok && !slices.Contains(g.Topics, fam[0]) {
				g.Topics = append(g.Topics, fam[0])
			}
		}
	}

	g.Fellowship = r.fellowshipName(text, g.Name)

	// Where and how to join.
	var loc data.Location
	if fa := f.str("formatted_address"); fa != "" {
		loc = splitUSAddress(fa)
	} else {
		loc.Address = f.str("address")
		loc.City = f.str("city")
		loc.Region = f.str("state")
		loc.PostalCode = f.str("postal_code")
		loc.Country = strings.ToUpper(f.str("country"))
		if loc.Country == "USA" {
			loc.Country = "US"
		}
	}
	loc.Name = f.str("location")
	lat, hasLat := f.num("latitude")
	lon, hasLon := f.num("longitude")
	if hasLat != hasLon {
		f.bad("latitude", "expected both latitude and longitude, or neither")
	}
	if hasLat && (lat < -90 || lat > 90) {
		f.bad("latitude", "expected a latitude between -90 and 90, got %v", lat)
	}
	if hasLon && (lon < -180 || lon > 180) {
		f.bad("longitude", "expected a longitude between -180 and 180, got %v", lon)
	}
	if hasLat && hasLon {
		loc.Point = &data.Point{Lat: lat, Lon: lon}
	}
	var zipPlace *place.Place
	tz := f.str("timezone")
	if tz == "" {
		tz = r.opts.TimeZone
	}
	// The gazetteer takes a second to load: only ask it what the record lacks.
	if (loc.Point == nil || tz == "") && loc.PostalCode != "" && r.opts.Gazetteer != nil && (loc.Country == "" || loc.Country == "US") {
		if p, ok := r.opts.Gazetteer.Lookup(loc.PostalCode); ok {
			zipPlace = &p
		}
	}
	if loc.Point == nil && zipPlace != nil {
		// The ZIP's centroid: close enough to rank by distance, and the
		// street address is shown for finding the door.
		pt := zipPlace.Point
		loc.Point = &pt
	}

	g.Online.URL = f.str("conference_url")
	g.Online.Phone = f.str("conference_phone")
	if g.Online.URL != "" && !isHTTPURL(g.Online.URL) {
		f.bad("conference_url", "expected an https:// link that opens the meeting, got %q", g.Online.URL)
	}
	street := hasStreet(loc, f.str("approximate"))
	remote := g.Online.URL != "" || g.Online.Phone != ""
	online := data.FormatOnline
	if g.Online.URL == "" {
		online = data.FormatPhone
	}
	where := "formatted_address"
	if _, ok := f.raw("formatted_address"); !ok && f.str("address") != "" {
		where = "address"
	}
	// Said only of a record that is rejected for it.
	noStreet := func() string {
		if a := cmp.Or(f.str("formatted_address"), f.str("address"), f.str("city")); a != "" {
			return fmt.Sprintf("%q is an approximate location (no street)", a)
		}
		return "no address"
	}
	switch att := f.str("attendance_option"); att {
	case "in_person":
		switch {
		case !street:
			f.bad(where, "attendance_option is in_person but %s: expected a street address", noStreet())
		case tc:
			return nil, append(warn, &Warning{&data.RecordError{Source: r.name, Record: n, Line: line, ID: id, Field: "types",
				Reason: "an in-person meeting whose location is temporarily closed (TC): meeting skipped"}})
		default:
			g.Format = data.FormatInPerson
		}
	case "online":
		if remote {
			g.Format = online
		} else {
			f.bad("conference_url", "attendance_option is online: expected a conference_url or conference_phone")
		}
	case "hybrid":
		switch {
		case !remote:
			f.bad("conference_url", "attendance_option is hybrid: expected a conference_url or conference_phone")
		case tc:
			g.Format = online // the room is closed; the online half goes on
		case !street:
			f.bad(where, "attendance_option is hybrid but %s: expected a street address", noStreet())
		default:
			g.Format = data.FormatHybrid
		}
	case "inactive":
		return nil, append(warn, &Warning{&data.RecordError{Source: r.name, Record: n, Line: line, ID: id, Field: "attendance_option",
			Reason: "meeting inactive: skipped"}})
	case "":
		// The spec infers attendance: a street address is a room, a
		// conference link or phone an online option, TC closes the room.
		switch {
		case street && !tc && remote:
			g.Format = data.FormatHybrid
		case street && !tc:
			g.Format = data.FormatInPerson
		case remote:
			g.Format = online
		case tc:
			if len(f.errs) == 0 {
				return nil, append(warn, &Warning{&data.RecordError{Source: r.name, Record: n, Line: line, ID: id, Field: "types",
					Reason: "location temporarily closed (TC) and no conference_url or conference_phone: meeting skipped"}})
			}
		case onl:
			f.bad("conference_url", "expected a conference_url or conference_phone for an online (ONL) meeting")
		default:
			f.bad(where, "%s and no conference link: expected a street address, or a conference_url or conference_phone for an online meeting", noStreet())
		}
	default:
		f.bad("attendance_option", "expected in_person, online, hybrid or inactive, got %q", att)
	}
	if loc != (data.Location{}) {
		g.Location = &loc
	}

	// When.
	g.TimeZone = tz
	if g.TimeZone == "" && zipPlace != nil {
		g.TimeZone = zipPlace.TimeZone
	}
	if g.TimeZone == "" && (loc.Country == "" || loc.Country == "US") {
		g.TimeZone = usStateZones[strings.ToUpper(loc.Region)]
	}
	if g.TimeZone != "" && !r.zones.valid(g.TimeZone) {
		f.bad("timezone", "expected an IANA time zone such as America/Los_Angeles, got %q", g.TimeZone)
	}
	days := f.days()
	start, startMin, hasTime := f.clock("time")
	_, endMin, hasEnd := f.clock("end_time")
	if _, ok := f.raw("day"); ok && !hasTime && len(f.errs) == 0 {
		f.bad("time", `expected the start time "HH:MM" for a meeting with a day`)
	}
	if len(days) > 0 && g.TimeZone == "" && len(f.errs) == 0 {
		f.bad("timezone", "expected an IANA time zone such as America/Los_Angeles (or pass --timezone)")
	}
	dur := 0
	if hasTime && hasEnd {
		dur = (endMin - startMin + 24*60) % (24 * 60)
		if dur == 0 {
			f.bad("end_time", "expected an end time after the start time %s", start)
		}
	}
	for _, d := range days {
		g.Meetings = append(g.Meetings, schedule.WeeklyMeeting(time.Weekday(d), start, dur, ""))
	}

	// Who keeps it and how recent it is.
	g.Organization = f.str("group")
	if g.Organization == "" {
		g.Organization = f.str("entity")
	}
	g.Contact.URL = f.str("website")
	g.Source = f.str("url")
	if g.Source == "" {
		g.Source = r.opts.SourceURL
	}
	if g.Source == "" {
		g.Source = r.name
	}
	if u := f.str("updated"); u != "" {
		d, ok := parseDateish(u)
		if !ok {
			f.bad("updated", `expected a date "YYYY-MM-DD HH:MM:SS", got %q`, u)
		}
		g.LastVerified = d
	} else {
		f.bad("updated", "expected the date the listing was last updated (YYYY-MM-DD), got nothing")
	}

	if len(f.errs) > 0 {
		return nil, append(warn, problems(f.errs)...)
	}
	g.Normalize()
	if errs := g.Validate(r.v, r.checked.check); len(errs) > 0 {
		for i := range errs {
			if errs[i].Field == "topics" {
				errs[i].Reason += " (set it with --topic or --fellowship)"
			}
		}
		return nil, append(warn, problems(errs)...)
	}
	if first, dup := r.seen[g.ID]; dup {
		return nil, append(warn, problems([]data.FieldError{{Field: "slug", Reason: fmt.Sprintf("duplicate slug, already used by record %d (the first is kept)", first)}})...)
	}
	r.seen[g.ID] = n
	g.SetOrigin(data.Origin{Source: g.Origin().Source, Record: n, Line: line})
	return g, warn
}

// unmarshalObject is encoding/json's reading of a record, for the few
// that splitObject leaves to it; its error is encoding/json's own.
func unmarshalObject(raw []byte) ([]rawField, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	fs := make([]rawField, 0, len(m))
	for k, v := range m {
		fs = append(fs, rawField{key: k, val: v})
	}
	return fs, nil
}

// ExportMeetingGuide writes groups as a Meeting Guide JSON feed: one
// meeting object per weekly time slot (days that share a time become a day
// list), with our topics in the extension field "topics". Finders,
// helplines and meetings that are not plain weekly rules cannot be
// expressed in a weekly feed: each is left out with a problem naming it.
func ExportMeetingGuide(w io.Writer, groups []*data.Group) (meetings int, problems []error, err error) {
	bw := bufio.NewWriter(w)
	bw.WriteString("[")
	first := true
	for gi, g := range groups {
		if g.Kind != data.KindGroup && g.Kind != "" {
			problems = append(problems, &data.RecordError{Source: "export", Record: gi + 1, ID: g.ID, Field: "kind",
				Reason: fmt.Sprintf("a %s is not a meeting; left out of the feed", g.Kind)})
			continue
		}
		slots, ps := mgSlots(g, gi+1)
		problems = append(problems, ps...)
		if len(slots) == 0 && len(g.Meetings) > 0 {
			continue // every meeting was left out above
		}
		if len(slots) == 0 {
			slots = []mgSlot{{}} // by appointment: no day or time
		}
		for si, s := range slots {
			obj := mgObject(g, s, si)
			b, err := json.MarshalIndent(obj, "  ", "  ")
			if err != nil {
				return meetings, problems, fmt.Errorf("export %s: %w", g.ID, err)
			}
			if !first {
				bw.WriteString(",")
			}
			first = false
			bw.WriteString("\n  ")
			bw.Write(b)
			meetings++
		}
	}
	bw.WriteString("\n]\n")
	return meetings, problems, bw.Flush()
}

type mgSlot struct {
	days  []int
	start string
	dur   int
	tz    string
}

var weeklyRE = regexp.MustCompile(`^(?:RRULE:)?FREQ=WEEKLY;BYDAY=((?:SU|MO|TU|WE|TH|FR|SA)(?:,(?:SU|MO|TU|WE|TH|FR|SA))*)$`)

// mgSlots groups a group's weekly meetings by start, length and zone.
func mgSlots(g *data.Group, rec int) ([]mgSlot, []error) {
	var out []mgSlot
	var problems []error
	for i, m := range g.Meetings {
		match := weeklyRE.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(m.RRule)))
		if match == nil || m.ValidFrom != "" || m.ValidUntil != "" || len(m.ExDates) > 0 {
			problems = append(problems, &data.RecordError{Source: "export", Record: rec, ID: g.ID, Field: fmt.Sprintf("meetings[%d]", i),
				Reason: fmt.Sprintf("rule %q is not a plain weekly meeting; Meeting Guide feeds are weekly-only, so it is left out", m.RRule)})
			continue
		}
		tz := m.TimeZone
		if tz == "" {
			tz = g.TimeZone
		}
		var days []int
		for _, d := range strings.Split(match[1], ",") {
			days = append(days, slices.Index(schedule.RRuleDays[:], d))
		}
		j := slices.IndexFunc(out, func(s mgSlot) bool { return s.start == m.Start && s.dur == m.Duration && s.tz == tz })
		if j < 0 {
			out = append(out, mgSlot{start: m.Start, dur: m.Duration, tz: tz})
			j = len(out) - 1
		}
		for _, d := range days {
			if !slices.Contains(out[j].days, d) {
				out[j].days = append(out[j].days, d)
			}
		}
	}
	return out, problems
}

// mgMeeting is the exported meeting object, fields in the spec's order.
type mgMeeting struct {
	Name            string   `json:"name"`
	Slug            string   `json:"slug"`
	Day             any      `json:"day,omitempty"`
	Time            string   `json:"time,omitempty"`
	EndTime         string   `json:"end_time,omitempty"`
	TimeZone        string   `json:"timezone,omitempty"`
	Location        string   `json:"location,omitempty"`
	Address         string   `json:"formatted_address,omitempty"`
	Approximate     string   `json:"approximate,omitempty"`
	Latitude        *float64 `json:"latitude,omitempty"`
	Longitude       *float64 `json:"longitude,omitempty"`
	ConferenceURL   string   `json:"conference_url,omitempty"`
	ConferencePhone string   `json:"conference_phone,omitempty"`
	Types           []string `json:"types,omitempty"`
	Notes           string   `json:"notes,omitempty"`
	Group           string   `json:"group,omitempty"`
	Website         string   `json:"website,omitempty"`
	URL             string   `json:"url,omitempty"`
	Updated         string   `json:"updated,omitempty"`
	Topics          []string `json:"topics,omitempty"`      // peermatch extension: vocabulary slugs
	TwelveStep      *bool    `json:"twelve_step,omitempty"` // peermatch extension: false for a listing that does not follow the steps
}

func mgObject(g *data.Group, s mgSlot, si int) mgMeeting {
	o := mgMeeting{Name: g.Name, Slug: g.ID, Notes: g.Summary, Group: g.Organization, Website: g.Contact.URL,
		ConferenceURL: g.Online.URL, ConferencePhone: g.Online.Phone, Topics: g.Topics, TimeZone: g.TimeZone}
	if si > 0 {
		o.Slug = fmt.Sprintf("%s-%d", g.ID, si+1)
	}
	if len(s.days) == 1 {
		o.Day = s.days[0]
	} else if len(s.days) > 1 {
		slices.Sort(s.days)
		o.Day = s.days
	}
	if s.start != "" {
		o.Time = s.start
		o.TimeZone = s.tz
		if s.dur > 0 {
			h, m, _ := schedule.ParseClock(s.start)
			e := (h*60 + m + s.dur) % (24 * 60)
			o.EndTime = fmt.Sprintf("%02d:%02d", e/60, e%60)
		}
	}
	if l := g.Location; l != nil {
		o.Location = l.Name
		o.Address = joinUSAddress(l)
		if !g.Format.InPerson() && o.Address != "" {
			o.Approximate = "yes" // a point of origin, not a room
		}
		if l.Point != nil {
			lat, lon := l.Point.Lat, l.Point.Lon
			o.Latitude, o.Longitude = &lat, &lon
		}
	}
	// The codes the source gave, then those our own fields imply (a
	// listing from another format has no codes of its own).
	o.Types = slices.Clone(g.Types)
	add := func(code string) {
		if !slices.Contains(o.Types, code) {
			o.Types = append(o.Types, code)
		}
	}
	switch g.Access {
	case "open":
		add("O")
	case "closed":
		add("C")
	}
	for _, a := range g.Audiences {
		switch a {
		case "women":
			add("W")
		case "men":
			add("M")
		case "youth":
			add("Y")
		case "seniors":
			add("SEN")
		case "lgbtq":
			if !slices.ContainsFunc(o.Types, func(c string) bool { return mgAudiences[c] == "lgbtq" }) {
				add("LGBTQ")
			}
		}
	}
	if !(len(g.Languages) == 1 && g.Languages[0] == "en") {
		for _, l := range g.Languages {
			for code, tag := range mgLanguages {
				if tag == l {
					add(code)
				}
			}
		}
	}
	if g.Format.Remote() && len(g.Types) == 0 {
		add("ONL") // a feed's own codes are kept as it wrote them
	}
	if !g.TwelveStep {
		no := false
		o.TwelveStep = &no
	}
	slices.Sort(o.Types)
	if isHTTPURL(g.Source) {
		o.URL = g.Source
	}
	o.Updated = g.LastVerified
	return o
}
