package importer

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/place"
	"github.com/peermatch/peermatch/data/schedule"
)

// CSVColumns is the header of our plain CSV format, for spreadsheets
// (docs/import.md). One row is one meeting; rows that repeat an id add
// meetings to the group of the first row with that id, whose other columns
// describe the group. Only the required columns must be present; the
// others may be left out or empty.
var CSVColumns = []string{
	"id", "name", "topics", "format", // required
	"summary", "kind", "audiences", "languages", "access", "cost", "facilitation", "organization",
	"url", "phone", "email",
	"location_name", "address", "city", "region", "postal_code", "country", "latitude", "longitude",
	"online_url", "online_phone", "countries", "types", "twelve_step",
	"timezone", "day", "time", "end_time", "rrule", "valid_from", "valid_until", "meeting_note",
	"source", "last_verified",
}

var csvRequired = []string{"id", "name", "topics", "format"}

var csvMeetingColumns = []string{"timezone", "day", "time", "end_time", "rrule", "valid_from", "valid_until", "meeting_note"}

var dayNames = map[string]time.Weekday{
	"su": time.Sunday, "sun": time.Sunday, "sunday": time.Sunday,
	"mo": time.Monday, "mon": time.Monday, "monday": time.Monday,
	"tu": time.Tuesday, "tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"we": time.Wednesday, "wed": time.Wednesday, "wednesday": time.Wednesday,
	"th": time.Thursday, "thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
	"fr": time.Friday, "fri": time.Friday, "friday": time.Friday,
	"sa": time.Saturday, "sat": time.Saturday, "saturday": time.Saturday,
}

// splitList reads "grief; child-loss" or "grief,child-loss".
func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '|' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseSheetClock reads "19:00", "7:00 pm", "7pm" or "19:00:00".
func parseSheetClock(s string) (string, int, bool) {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), ".", ""))
	pm, am := strings.HasSuffix(t, "pm"), strings.HasSuffix(t, "am")
	t = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(t, "pm"), "am"))
	if len(t) == 8 && strings.HasSuffix(t, ":00") {
		t = t[:5]
	}
	if (am || pm) && !strings.Contains(t, ":") {
		t += ":00"
	}
	h, m, ok := schedule.ParseClock(t)
	if !ok {
		return "", 0, false
	}
	if am || pm {
		if h < 1 || h > 12 {
			return "", 0, false
		}
		if pm && h < 12 {
			h += 12
		} else if am && h == 12 {
			h = 0
		}
	}
	return hhmm(h, m), h*60 + m, true
}

func importCSV(s *sink, v *data.Vocabulary, name string, br *bufio.Reader, opts ImportOptions) error {
	gs, ps, err := readCSV(s, v, name, br, opts)
	s.bad(ps...)
	for _, g := range gs {
		// The sheet was read whole first; a cancel while its groups are
		// handed over still stops between two of them.
		if err := s.next(); err != nil {
			return err
		}
		if err := s.add(g); err != nil {
			return err
		}
	}
	return err
}

// readCSV reads a sheet. A group's meetings may be on several rows
// anywhere in the sheet, so groups are final only at its end; the rows
// are read one at a time (csv.Reader), and cancellation is honoured
// between them.
func readCSV(s *sink, v *data.Vocabulary, name string, br *bufio.Reader, opts ImportOptions) ([]*data.Group, []error, error) {
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, &data.RecordError{Source: name, Reason: "empty file: expected a CSV header line (" + strings.Join(csvRequired, ",") + ",...)"}
	}
	if err != nil {
		return nil, nil, csvBroken(name, 0, err)
	}
	if isTSMLHeader(header) {
		return nil, nil, importTSMLCSV(s, v, name, header, cr, opts)
	}
	col := map[string]int{}
	var problems []error
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(CSVColumns, h) {
			problems = append(problems, &Warning{&data.RecordError{Source: name, Line: 1, Field: h,
				Reason: "unknown column ignored (expected the documented header: " + strings.Join(CSVColumns, ",") + ")"}})
			continue
		}
		if _, dup := col[h]; dup {
			return nil, problems, &data.RecordError{Source: name, Line: 1, Field: h, Reason: "column appears twice in the header"}
		}
		col[h] = i
	}
	for _, req := range csvRequired {
		if _, ok := col[req]; !ok {
			return nil, problems, &data.RecordError{Source: name, Line: 1, Field: req,
				Reason: "missing column " + req + " (the header needs at least " + strings.Join(csvRequired, ",") + ")"}
		}
	}
	zones := zoneCache{}
	var groups []*data.Group
	byID := map[string]*csvGroup{}
	var order []*csvGroup
	ps, err := eachCSVRow(s, cr, name, len(header), func(row []string, n, line int) []error {
		return guardRecord(name, n, line, func() []error {
			return csvRow(row, col, opts, name, zones, n, line, byID, &order)
		})
	})
	problems = append(problems, ps...)
	if err != nil {
		return groups, problems, err
	}
	checked := meetingChecker{}
	for _, cg := range order {
		if err := s.next(); err != nil {
			return groups, problems, err
		}
		if cg.bad {
			continue
		}
		g := cg.g
		ps := guardRecord(name, cg.rec, cg.line, func() []error {
			g.Normalize()
			return toRecordErrors(name, cg.rec, cg.line, g.ID, g.Validate(v, checked.check))
		})
		if len(ps) > 0 {
			problems = append(problems, ps...)
			continue
		}
		g.SetOrigin(data.Origin{Source: g.Origin().Source, Record: cg.rec, Line: cg.line})
		groups = append(groups, g)
	}
	return groups, problems, nil
}

// csvRow reads one data row: a new group, or a further meeting of a group
// already read (byID). It returns the row's problems.
func csvRow(row []string, col map[string]int, opts ImportOptions, name string, zones zoneCache, n, line int,
	byID map[string]*csvGroup, order *[]*csvGroup) []error {
	get := func(c string) string {
		if i, ok := col[c]; ok {
			return csvUnescape(strings.TrimSpace(row[i]))
		}
		return ""
	}
	id := get("id")
	warn := formulaWarnings(get, name, n, line, id)
	if cg, ok := byID[Slugify(id, "")]; ok && id != "" {
		// A further meeting of a group already read. The group counts as
		// bad until the meeting is read, so a panic here rejects it too.
		wasBad := cg.bad
		cg.bad = true
		m, errs := csvMeeting(get, zones, cg.g.TimeZone)
		if len(errs) > 0 {
			return append(warn, toRecordErrors(name, n, line, cg.g.ID, errs)...)
		}
		if m != nil {
			cg.g.Meetings = append(cg.g.Meetings, *m)
		}
		cg.bad = wasBad
		return warn
	}
	g, errs := csvGroupRow(get, opts, name, zones)
	cg := &csvGroup{g: g, rec: n, line: line, bad: len(errs) > 0}
	if id != "" {
		byID[Slugify(id, "")] = cg
	}
	*order = append(*order, cg)
	return append(warn, toRecordErrors(name, n, line, g.ID, errs)...)
}

// formulaWarnings flags the row's cells that a spreadsheet would run as a
// formula (CSV injection, see formulaLike). The record is kept: the text is
// only shown to people, never evaluated, and CSV exports escape it.
func formulaWarnings(get func(string) string, name string, n, line int, id string) []error {
	var out []error
	for _, c := range CSVColumns {
		if v := get(c); formulaLike(v) {
			out = append(out, formulaWarning(&data.RecordError{Source: name, Record: n, Line: line, ID: id, Field: c}, v))
		}
	}
	return out
}

type csvGroup struct {
	g         *data.Group
	rec, line int
	bad       bool
}

// eachCSVRow calls row for every data row with its 1-based record number
// and line, collecting the problems; a row with the wrong number of fields
// is a problem of its own, and a malformed line (an unterminated quote)
// stops the reading with an error.
func eachCSVRow(s *sink, cr *csv.Reader, name string, width int, row func(rec []string, n, line int) []error) ([]error, error) {
	var problems []error
	for n := 1; ; n++ {
		if err := s.next(); err != nil {
			return problems, err
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return problems, nil
		}
		if err != nil {
			// FieldPos is only defined for a record that was read: on a
			// quote error it panics (an unterminated quote did).
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				problems = append(problems, &data.RecordError{Source: name, Record: n, Line: pe.StartLine,
					Reason: fmt.Sprintf("expected %d fields like the header, got %d", width, len(rec))})
				continue
			}
			return problems, csvBroken(name, n, err)
		}
		line, _ := cr.FieldPos(0)
		problems = append(problems, row(rec, n, line)...)
	}
}

func csvBroken(name string, n int, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &data.RecordError{Source: name, Record: n, Line: pe.Line, Reason: "malformed CSV: " + pe.Err.Error()}
	}
	return fmt.Errorf("import %s: %w", name, err)
}

// csvGroupRow reads the group columns and the row's meeting.
func csvGroupRow(get func(string) string, opts ImportOptions, name string, zones zoneCache) (*data.Group, []data.FieldError) {
	var errs []data.FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, data.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	g := &data.Group{
		ID:           get("id"),
		Name:         get("name"),
		Summary:      get("summary"),
		Kind:         data.Kind(strings.ToLower(get("kind"))),
		Topics:       splitList(strings.ToLower(get("topics"))),
		Audiences:    splitList(strings.ToLower(get("audiences"))),
		Languages:    splitList(get("languages")),
		Format:       data.Format(strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(get("format")))),
		Access:       strings.ToLower(get("access")),
		Cost:         strings.ToLower(get("cost")),
		Facilitation: strings.ToLower(get("facilitation")),
		Organization: get("organization"),
		Contact:      data.Contact{URL: get("url"), Phone: get("phone"), Email: get("email")},
		Online:       data.Contact{URL: get("online_url"), Phone: get("online_phone")},
		Countries:    splitList(get("countries")),
		TimeZone:     get("timezone"),
		Source:       get("source"),
		LastVerified: get("last_verified"),
	}
	if len(opts.Topics) > 0 {
		g.Topics = slices.Clone(opts.Topics)
	}
	g.Types = splitList(get("types"))
	switch ts := strings.ToLower(get("twelve_step")); ts {
	case "", "no", "false", "0":
	case "yes", "true", "1":
		g.TwelveStep = true
	default:
		bad("twelve_step", "expected yes or no, got %q", get("twelve_step"))
	}
	if g.Source == "" {
		g.Source = opts.SourceURL
	}
	if g.Source == "" {
		g.Source = name
	}
	if g.TimeZone == "" {
		g.TimeZone = opts.TimeZone
	}
	loc := data.Location{Name: get("location_name"), Address: get("address"), City: get("city"), Region: get("region"),
		PostalCode: get("postal_code"), Country: strings.ToUpper(get("country"))}
	lat, lon := get("latitude"), get("longitude")
	if (lat == "") != (lon == "") {
		bad("latitude", "expected both latitude and longitude, or neither")
	} else if lat != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lon, 64)
		if err1 != nil {
			bad("latitude", "expected a number, got %q", lat)
		}
		if err2 != nil {
			bad("longitude", "expected a number, got %q", lon)
		}
		if err1 == nil && err2 == nil {
			loc.Point = &data.Point{Lat: la, Lon: lo}
		}
	}
	var zip *place.Place
	if (loc.Point == nil || g.TimeZone == "") && loc.PostalCode != "" && opts.Gazetteer != nil && (loc.Country == "" || loc.Country == "US") {
		if p, ok := opts.Gazetteer.Lookup(loc.PostalCode); ok {
			zip = &p
		}
	}
	if loc.Point == nil && zip != nil {
		pt := zip.Point
		loc.Point = &pt
	}
	if g.TimeZone == "" && zip != nil {
		g.TimeZone = zip.TimeZone
	}
	if loc != (data.Location{}) {
		g.Location = &loc
	}
	if g.TimeZone != "" && !zones.valid(g.TimeZone) {
		bad("timezone", "expected an IANA time zone such as America/Chicago, got %q", g.TimeZone)
		return g, errs
	}
	if d, ok := parseDateish(g.LastVerified); ok {
		g.LastVerified = d
	}
	m, merrs := csvMeeting(get, zones, g.TimeZone)
	errs = append(errs, merrs...)
	if m != nil {
		g.Meetings = append(g.Meetings, *m)
	}
	return g, errs
}

// csvMeeting reads the meeting columns of a row: day (+ time, end_time)
// for weekly meetings, or rrule (+ time, valid_from...) for any other.
// A row without day and rrule has no meeting.
func csvMeeting(get func(string) string, zones zoneCache, groupTZ string) (*data.Meeting, []data.FieldError) {
	var errs []data.FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, data.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	day, rule := get("day"), get("rrule")
	if day == "" && rule == "" {
		if get("time") != "" {
			bad("day", "expected a day (or an rrule) for the meeting at %s", get("time"))
		}
		return nil, errs
	}
	if day != "" && rule != "" {
		bad("rrule", "expected either day or rrule, not both")
		return nil, errs
	}
	tz := get("timezone")
	if tz != "" && !zones.valid(tz) {
		bad("timezone", "expected an IANA time zone such as America/Chicago, got %q", tz)
		return nil, errs
	}
	if tz == groupTZ {
		tz = ""
	}
	start, startMin, ok := parseSheetClock(get("time"))
	if !ok {
		bad("time", `expected a start time such as 19:00 or 7:00 pm, got %q`, get("time"))
		return nil, errs
	}
	dur := 0
	if e := get("end_time"); e != "" {
		_, endMin, ok := parseSheetClock(e)
		if !ok {
			bad("end_time", `expected an end time such as 20:30 or 8:30 pm, got %q`, e)
			return nil, errs
		}
		if dur = (endMin - startMin + 24*60) % (24 * 60); dur == 0 {
			bad("end_time", "expected an end time after the start time %s", start)
			return nil, errs
		}
	}
	if day != "" {
		var codes []string
		for _, d := range splitList(day) {
			w, ok := dayNames[strings.ToLower(d)]
			if !ok {
				if n, err := strconv.Atoi(d); err == nil && n >= 0 && n <= 6 {
					w, ok = time.Weekday(n), true
				}
			}
			if !ok {
				bad("day", "expected a day name such as Thursday (or 0–6, Sunday = 0), got %q", d)
				return nil, errs
			}
			if c := schedule.RRuleDays[w]; !slices.Contains(codes, c) {
				codes = append(codes, c)
			}
		}
		rule = "FREQ=WEEKLY;BYDAY=" + strings.Join(codes, ",")
	}
	m := &data.Meeting{RRule: rule, Start: start, Duration: dur, TimeZone: tz,
		ValidFrom: get("valid_from"), ValidUntil: get("valid_until"), Note: get("meeting_note")}
	return m, errs
}

// The 12 Step Meeting List plugin's CSV (its import template, and what
// intergroups keep their meeting lists in): one meeting a row, columns
// named like "Time", "Day", "Name", "Address", "Types" ("Open, Wheelchair
// Access"), "Conference URL". Each row is read as the Meeting Guide
// meeting it describes, so both formats follow the same rules.

// tsmlColumns maps the template's columns (lower case) to Meeting Guide
// fields; the template's other columns (contacts, Venmo, districts) say
// nothing a listing shows and are ignored.
var tsmlColumns = map[string]string{
	"time": "time", "end time": "end_time", "day": "day", "name": "name", "slug": "slug",
	"location": "location", "address": "formatted_address", "city": "city", "state": "state",
	"postal code": "postal_code", "country": "country", "latitude": "latitude", "longitude": "longitude",
	"types": "types", "notes": "notes", "timezone": "timezone", "group": "group", "website": "website",
	"conference url": "conference_url", "conference phone": "conference_phone",
	"attendance option": "attendance_option", "updated": "updated", "url": "url",
}

// tsmlTypeAliases are the plugin's own labels where they differ from the
// spec's.
var tsmlTypeAliases = map[string]string{
	"online meeting": "ONL", "temporary closure": "TC", "step meeting": "ST", "location temporarily closed": "TC",
}

func isTSMLHeader(header []string) bool {
	has := map[string]bool{}
	for _, h := range header {
		has[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = true
	}
	return !has["id"] && has["day"] && has["time"] && has["name"]
}

// tsmlTypeCode reads one entry of the Types column: a code ("O"), or its
// label in any of the spec's languages ("Wheelchair Access", "Abierta").
func tsmlTypeCode(s string) string {
	s = strings.TrimSpace(s)
	if _, ok := data.MeetingGuideTypes[s]; ok {
		return s
	}
	l := strings.ToLower(s)
	if c, ok := tsmlTypeAliases[l]; ok {
		return c
	}
	if c, ok := data.TypeCodeOf(l); ok {
		return c
	}
	return s // left as written: the meeting reader warns about it
}

func importTSMLCSV(s *sink, v *data.Vocabulary, name string, header []string, cr *csv.Reader, opts ImportOptions) error {
	r, err := newMGReader(v, name, opts)
	if err != nil {
		return err
	}
	col := map[string]int{}
	for i, h := range header {
		if f, ok := tsmlColumns[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))]; ok {
			col[f] = i
		}
	}
	var stop error
	problems, err := eachCSVRow(s, cr, name, len(header), func(row []string, n, line int) []error {
		var g *data.Group
		ps := guardRecord(name, n, line, func() (ps []error) {
			raw, err := json.Marshal(tsmlMeeting(row, col, n))
			if err != nil {
				return []error{&data.RecordError{Source: name, Record: n, Line: line, Reason: "the row could not be read: " + err.Error()}}
			}
			g, ps = r.record(raw, n, line)
			return ps
		})
		if g != nil && stop == nil {
			stop = s.add(g)
		}
		return ps
	})
	s.bad(problems...)
	if stop != nil {
		return stop
	}
	return err
}

// tsmlMeeting turns one row into a Meeting Guide meeting object: times
// "6:00 PM" become "18:00", day names their numbers, type labels codes. A
// value it cannot convert is passed on as written, for the meeting
// reader's error to name.
func tsmlMeeting(row []string, col map[string]int, n int) map[string]any {
	m := map[string]any{}
	for f, i := range col {
		if i >= len(row) {
			continue
		}
		v := csvUnescape(strings.TrimSpace(row[i]))
		if v == "" {
			continue
		}
		switch f {
		case "time", "end_time":
			if hm, _, ok := parseSheetClock(v); ok {
				v = hm
			}
			m[f] = v
		case "day":
			var days []any
			for _, d := range splitList(v) {
				if wd, ok := dayNames[strings.ToLower(d)]; ok {
					days = append(days, int(wd))
				} else {
					days = append(days, d)
				}
			}
			if len(days) == 1 {
				m[f] = days[0]
			} else {
				m[f] = days
			}
		case "types":
			var codes []string
			for _, t := range splitList(v) {
				codes = append(codes, tsmlTypeCode(t))
			}
			m[f] = codes
		default:
			m[f] = v
		}
	}
	if _, ok := m["slug"]; !ok {
		// The plugin makes one from the name; the row number keeps two
		// meetings of one name apart.
		if nm, ok := m["name"].(string); ok {
			m["slug"] = fmt.Sprintf("%s-%d", Slugify(nm, "meeting"), n)
		}
	}
	return m
}
