package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/schedule"

	"golang.org/x/text/language"
)

// Open Referral HSDS 3.0 (https://docs.openreferral.org): services offered
// by organizations at locations, with RFC 5545-style schedules. One
// service becomes one Group per service_at_location (or one Group when it
// has no location). HSDS has no topic vocabulary of ours: topics come from
// --topic or from attributes whose taxonomy term code or name is one of
// our topic slugs, and audiences likewise.

// flexStr reads a JSON string, number, boolean or null as text, since HSDS
// publishers (and CSV tables) disagree on types such as latitude or count.
type flexStr string

func (f *flexStr) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		if s, ok := plainString(b); ok {
			*f = flexStr(strings.TrimSpace(s))
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexStr(strings.TrimSpace(s))
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("expected a string or number, got JSON %s", jsonKind(b))
	default:
		*f = flexStr(b)
	}
	return nil
}

func (f flexStr) s() string {
	if strings.EqualFold(string(f), "null") {
		return "" // CSV tables write null as text
	}
	return string(f)
}

type hsdsSchedule struct {
	ServiceID   flexStr `json:"service_id"`
	LocationID  flexStr `json:"location_id"`
	SALID       flexStr `json:"service_at_location_id"`
	ValidFrom   flexStr `json:"valid_from"`
	ValidTo     flexStr `json:"valid_to"`
	DTStart     flexStr `json:"dtstart"`
	Until       flexStr `json:"until"`
	Count       flexStr `json:"count"`
	Wkst        flexStr `json:"wkst"`
	Freq        flexStr `json:"freq"`
	Interval    flexStr `json:"interval"`
	Byday       flexStr `json:"byday"`
	Byweekno    flexStr `json:"byweekno"`
	Bymonthday  flexStr `json:"bymonthday"`
	Byyearday   flexStr `json:"byyearday"`
	Description flexStr `json:"description"`
	OpensAt     flexStr `json:"opens_at"`
	ClosesAt    flexStr `json:"closes_at"`
}

type hsdsAddress struct {
	Address1      flexStr `json:"address_1"`
	Address2      flexStr `json:"address_2"`
	City          flexStr `json:"city"`
	StateProvince flexStr `json:"state_province"`
	PostalCode    flexStr `json:"postal_code"`
	Country       flexStr `json:"country"`
	AddressType   flexStr `json:"address_type"`
}

type hsdsLocation struct {
	ID           flexStr        `json:"id"`
	LocationType flexStr        `json:"location_type"`
	URL          flexStr        `json:"url"`
	Name         flexStr        `json:"name"`
	Latitude     flexStr        `json:"latitude"`
	Longitude    flexStr        `json:"longitude"`
	Addresses    []hsdsAddress  `json:"addresses"`
	Schedules    []hsdsSchedule `json:"schedules"`
}

type hsdsSAL struct {
	ID        flexStr        `json:"id"`
	Location  *hsdsLocation  `json:"location"`
	Schedules []hsdsSchedule `json:"schedules"`
}

type hsdsTerm struct {
	Code flexStr `json:"code"`
	Name flexStr `json:"name"`
}

type hsdsAttribute struct {
	TaxonomyTerm *hsdsTerm `json:"taxonomy_term"`
	Value        flexStr   `json:"value"`
}

type hsdsOrg struct {
	Name     flexStr       `json:"name"`
	Website  flexStr       `json:"website"`
	Services []hsdsService `json:"services"`
}

type hsdsService struct {
	ID           flexStr                    `json:"id"`
	Name         flexStr                    `json:"name"`
	Description  flexStr                    `json:"description"`
	URL          flexStr                    `json:"url"`
	Email        flexStr                    `json:"email"`
	Status       flexStr                    `json:"status"`
	AssuredDate  flexStr                    `json:"assured_date"`
	LastModified flexStr                    `json:"last_modified"`
	Organization *hsdsOrg                   `json:"organization"`
	Phones       []struct{ Number flexStr } `json:"phones"`
	Schedules    []hsdsSchedule             `json:"schedules"`
	SALs         []hsdsSAL                  `json:"service_at_locations"`
	Languages    []struct{ Code flexStr }   `json:"languages"`
	Attributes   []hsdsAttribute            `json:"attributes"`
	CostOptions  []struct{ Amount flexStr } `json:"cost_options"`
}

// hsdsReader maps services onto groups for one source.
type hsdsReader struct {
	v       *data.Vocabulary
	opts    ImportOptions
	zones   zoneCache
	checked meetingChecker
	seen    map[string]int // id → record first seen in
	fields  []rawField     // the record being read
}

func newHSDSReader(v *data.Vocabulary, opts ImportOptions) (*hsdsReader, error) {
	for _, t := range opts.Topics {
		if v != nil && !v.Has(t) {
			return nil, fmt.Errorf("topic %q is not in the vocabulary (e.g. grief, cancer, caregivers)", t)
		}
	}
	return &hsdsReader{v: v, opts: opts, zones: zoneCache{}, checked: meetingChecker{}, seen: map[string]int{}}, nil
}

func importHSDSJSON(s *sink, v *data.Vocabulary, name string, br *bufio.Reader, opts ImportOptions) error {
	r, err := newHSDSReader(v, opts)
	if err != nil {
		return fmt.Errorf("import %s: %w", name, err)
	}
	add := func(raw []byte, n, line int) error {
		var gs []*data.Group // stays nil when reading the record panics
		ps := guardRecord(name, n, line, func() (ps []error) {
			gs, ps = r.rawRecord(name, raw, n, line)
			return ps
		})
		for _, g := range gs {
			if err := s.add(g); err != nil {
				return err
			}
		}
		s.bad(ps...)
		return nil
	}
	head, _ := br.Peek(1 << 10)
	head = bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	if len(head) > 0 && head[0] == '[' {
		sc := newArrayScanner(name, br, opts.maxRecord())
		if err := sc.begin("an array of HSDS services or organizations"); err != nil {
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
				return nil
			}
			if raw == nil {
				s.bad(&data.RecordError{Source: name, Record: n, Line: line, Reason: fmt.Sprintf("record is %d bytes, over the %d-byte limit", size, opts.maxRecord())})
				continue
			}
			if err := add(raw, n, line); err != nil {
				return err
			}
		}
	}
	// One object: a service, an organization with its services, a
	// service_at_location with its service, or an API page {"contents": [...]}.
	b, err := io.ReadAll(br)
	if err != nil {
		return fmt.Errorf("import %s: %w", name, err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return &data.RecordError{Source: name, Reason: "empty file: expected HSDS JSON (a service, an organization, or an array of them)"}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return &data.RecordError{Source: name, Reason: "malformed JSON" + jsonWhy(err)}
	}
	if c, ok := top["contents"]; ok {
		var items []json.RawMessage
		if err := json.Unmarshal(c, &items); err != nil {
			return &data.RecordError{Source: name, Field: "contents", Reason: "expected an array, got JSON " + jsonKind(c)}
		}
		for i, it := range items {
			if err := s.next(); err != nil {
				return err
			}
			if err := add(it, i+1, 0); err != nil {
				return err
			}
		}
		return nil
	}
	return add(b, 1, 1)
}

// rawRecord decodes one top-level object: a service, an organization
// (each of its services is mapped) or a service_at_location.
func (r *hsdsReader) rawRecord(name string, raw []byte, n, line int) ([]*data.Group, []error) {
	fail := func(field, reason string) []error {
		return []error{&data.RecordError{Source: name, Record: n, Line: line, Field: field, Reason: reason}}
	}
	// Which kind of object it is: splitObject reads the keys without
	// decoding (and checks the JSON); encoding/json has the last word.
	var keys map[string]json.RawMessage
	if fs, ok := splitObject(raw, r.fields[:0]); ok {
		r.fields = fs
		keys = make(map[string]json.RawMessage, 3)
		for _, f := range fs {
			switch f.key {
			case "services", "service", "location":
				keys[f.key] = f.val
			}
		}
	} else if err := json.Unmarshal(raw, &keys); err != nil {
		return nil, fail("", "expected an HSDS service or organization object, got JSON "+jsonKind(raw))
	}
	decode := func(into any) error {
		if err := json.Unmarshal(raw, into); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return &data.RecordError{Source: name, Record: n, Line: line, Field: te.Field, Reason: fmt.Sprintf("expected %s, got JSON %s", te.Type, te.Value)}
			}
			return &data.RecordError{Source: name, Record: n, Line: line, Reason: "malformed JSON (" + err.Error() + ")"}
		}
		return nil
	}
	var svcs []hsdsService
	switch {
	case keys["services"] != nil:
		var org hsdsOrg
		if !hsdsDecodeOrg(raw, &org) {
			org = hsdsOrg{}
			if err := decode(&org); err != nil {
				return nil, []error{err}
			}
		}
		for _, s := range org.Services {
			if s.Organization == nil {
				o := org
				o.Services = nil
				s.Organization = &o
			}
			svcs = append(svcs, s)
		}
	case keys["service"] != nil && keys["location"] != nil:
		var sal struct {
			hsdsSAL
			Service hsdsService `json:"service"`
		}
		if err := decode(&sal); err != nil {
			return nil, []error{err}
		}
		s := sal.Service
		s.SALs = []hsdsSAL{sal.hsdsSAL}
		svcs = append(svcs, s)
	default:
		var s hsdsService
		if !hsdsDecodeService(raw, &s) {
			s = hsdsService{}
			if err := decode(&s); err != nil {
				return nil, []error{err}
			}
		}
		svcs = append(svcs, s)
	}
	var groups []*data.Group
	var problems []error
	for _, s := range svcs {
		gs, ps := r.service(&s, name, n, line)
		groups = append(groups, gs...)
		problems = append(problems, ps...)
	}
	return groups, problems
}

// service maps one service onto its groups.
func (r *hsdsReader) service(s *hsdsService, source string, n, line int) ([]*data.Group, []error) {
	id := Slugify(s.ID.s(), "")
	rec := func(field, reason string) *data.RecordError {
		return &data.RecordError{Source: source, Record: n, Line: line, ID: id, Field: field, Reason: reason}
	}
	switch st := strings.ToLower(s.Status.s()); st {
	case "", "active":
	case "inactive", "defunct", "temporarily closed":
		return nil, []error{&Warning{rec("status", fmt.Sprintf("service is %s: skipped", st))}}
	default:
		return nil, []error{rec("status", fmt.Sprintf("expected active, inactive, defunct or temporarily closed, got %q", st))}
	}
	var errs []data.FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, data.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}

	base := data.Group{Name: s.Name.s(), Summary: s.Description.s(), Kind: data.KindGroup, Contact: data.Contact{URL: s.URL.s(), Email: s.Email.s()}}
	if s.Organization != nil {
		base.Organization = s.Organization.Name.s()
		if base.Contact.URL == "" {
			base.Contact.URL = s.Organization.Website.s()
		}
	}
	if len(s.Phones) > 0 {
		base.Contact.Phone = strings.Trim(s.Phones[0].Number.s(), `"' `)
	}
	for _, l := range s.Languages {
		if c := l.Code.s(); c != "" {
			tag, err := language.Parse(c)
			if err != nil {
				bad("languages", "expected an ISO 639 language code, got %q", c)
				continue
			}
			b, _ := tag.Base()
			if !slices.Contains(base.Languages, b.String()) {
				base.Languages = append(base.Languages, b.String())
			}
		}
	}
	base.Topics = slices.Clone(r.opts.Topics)
	for _, a := range s.Attributes {
		if a.TaxonomyTerm == nil {
			continue
		}
		for _, c := range []string{a.TaxonomyTerm.Code.s(), a.TaxonomyTerm.Name.s()} {
			c = strings.ToLower(c)
			switch {
			case len(r.opts.Topics) == 0 && r.v != nil && r.v.Has(c) && !slices.Contains(base.Topics, c):
				base.Topics = append(base.Topics, c)
			case data.IsAudience(c) && !slices.Contains(base.Audiences, c):
				base.Audiences = append(base.Audiences, c)
			}
		}
	}
	if len(base.Topics) == 0 {
		bad("topics", "expected a topic: pass --topic, or give the service an attribute whose taxonomy term code is a topic slug such as grief")
	}
	for _, c := range s.CostOptions {
		if x, err := strconv.ParseFloat(c.Amount.s(), 64); err == nil && x > 0 {
			base.Cost = "fee"
		}
	}
	base.Source = s.URL.s()
	if base.Source == "" {
		base.Source = r.opts.SourceURL
	}
	if base.Source == "" {
		base.Source = source
	}
	if d, ok := parseDateish(s.AssuredDate.s()); ok {
		base.LastVerified = d
	} else if d, ok := parseDateish(s.LastModified.s()); ok {
		base.LastVerified = d
	} else {
		bad("assured_date", "expected the date the service was last checked (assured_date or last_modified, YYYY-MM-DD), got %q", s.AssuredDate.s())
	}
	if len(errs) > 0 {
		return nil, toRecordErrors(source, n, line, id, errs)
	}

	sals := s.SALs
	if len(sals) == 0 {
		sals = []hsdsSAL{{}}
	}
	var groups []*data.Group
	var problems []error
	for i, sal := range sals {
		g := base
		g.Topics = slices.Clone(base.Topics)
		g.ID = id
		if sal.ID.s() != "" && len(sals) > 1 {
			g.ID = Slugify(sal.ID.s(), "")
		}
		prefix := ""
		if len(s.SALs) > 0 {
			prefix = fmt.Sprintf("service_at_locations[%d].", i)
		}
		errs := r.place(&g, sal.Location, prefix)
		scheds := sal.Schedules
		if len(scheds) == 0 && sal.Location != nil {
			scheds = sal.Location.Schedules
		}
		if len(scheds) == 0 {
			scheds = s.Schedules
		}
		for j, sc := range scheds {
			m, ferrs := r.meeting(sc, g.TimeZone, fmt.Sprintf("%sschedules[%d].", prefix, j))
			errs = append(errs, ferrs...)
			if m != nil {
				g.Meetings = append(g.Meetings, *m)
			}
		}
		if len(errs) == 0 {
			g.Normalize()
			errs = g.Validate(r.v, r.checked.check)
		}
		if first, dup := r.seen[g.ID]; dup && len(errs) == 0 {
			errs = append(errs, data.FieldError{Field: "id", Reason: fmt.Sprintf("duplicate id, already used by record %d", first)})
		}
		if len(errs) > 0 {
			problems = append(problems, toRecordErrors(source, n, line, g.ID, errs)...)
			continue
		}
		r.seen[g.ID] = n
		gg := g
		groups = append(groups, &gg)
	}
	return groups, problems
}

// place sets the group's format, location and time zone from a location.
func (r *hsdsReader) place(g *data.Group, l *hsdsLocation, prefix string) []data.FieldError {
	var errs []data.FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, data.FieldError{Field: prefix + field, Reason: fmt.Sprintf(format, args...)})
	}
	g.TimeZone = r.opts.TimeZone
	switch {
	case l == nil || strings.EqualFold(l.LocationType.s(), "postal"):
		switch {
		case g.Contact.URL != "":
			g.Format = data.FormatOnline
		case g.Contact.Phone != "":
			g.Format = data.FormatPhone
		default:
			bad("location", "expected a physical or virtual location, or a service url or phone")
		}
		return errs
	case strings.EqualFold(l.LocationType.s(), "virtual"):
		g.Format = data.FormatOnline
		g.Online.URL = l.URL.s()
		if g.Online.URL == "" {
			g.Online.URL = g.Contact.URL
		}
		if !isHTTPURL(g.Online.URL) {
			bad("location.url", "expected the https:// link of the virtual location, got %q", g.Online.URL)
		}
		return errs
	case strings.EqualFold(l.LocationType.s(), "physical"):
	default:
		bad("location.location_type", "expected physical, postal or virtual, got %q", l.LocationType.s())
		return errs
	}
	g.Format = data.FormatInPerson
	loc := &data.Location{Name: l.Name.s()}
	for _, a := range l.Addresses {
		if t := strings.ToLower(a.AddressType.s()); t == "postal" && len(l.Addresses) > 1 {
			continue // a mailing address; the physical one follows
		}
		loc.Address = strings.TrimSpace(strings.TrimSuffix(a.Address1.s()+", "+a.Address2.s(), ", "))
		loc.City, loc.Region, loc.PostalCode = a.City.s(), a.StateProvince.s(), a.PostalCode.s()
		loc.Country = strings.ToUpper(a.Country.s())
		break
	}
	lat, lon := l.Latitude.s(), l.Longitude.s()
	if lat != "" || lon != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lon, 64)
		switch {
		case err1 != nil:
			bad("location.latitude", "expected a number, got %q", lat)
		case err2 != nil:
			bad("location.longitude", "expected a number, got %q", lon)
		case la < -90 || la > 90:
			bad("location.latitude", "expected a latitude between -90 and 90, got %v", la)
		case lo < -180 || lo > 180:
			bad("location.longitude", "expected a longitude between -180 and 180, got %v", lo)
		default:
			loc.Point = &data.Point{Lat: la, Lon: lo}
		}
	}
	if (loc.Point == nil || g.TimeZone == "") && loc.PostalCode != "" && r.opts.Gazetteer != nil && (loc.Country == "" || loc.Country == "US") {
		if p, ok := r.opts.Gazetteer.Lookup(loc.PostalCode); ok {
			if loc.Point == nil && len(errs) == 0 {
				pt := p.Point
				loc.Point = &pt
			}
			if g.TimeZone == "" {
				g.TimeZone = p.TimeZone
			}
		}
	}
	g.Location = loc
	return errs
}

// meeting turns an HSDS schedule into a Meeting. opens_at is read as a
// local wall time: HSDS's own examples write local hours with a "Z", and
// its timezone field is a bare UTC offset, which cannot follow daylight
// saving, so the IANA zone comes from --timezone or the postal code.
func (r *hsdsReader) meeting(sc hsdsSchedule, tz, prefix string) (*data.Meeting, []data.FieldError) {
	var errs []data.FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, data.FieldError{Field: prefix + field, Reason: fmt.Sprintf(format, args...)})
	}
	freq := strings.ToUpper(sc.Freq.s())
	if freq == "" && sc.Byday.s() != "" {
		freq = "WEEKLY"
	}
	switch freq {
	case "DAILY", "WEEKLY", "MONTHLY", "YEARLY":
	case "":
		bad("freq", "expected DAILY, WEEKLY, MONTHLY or YEARLY (schedules without a rule cannot be listed as meetings)")
		return nil, errs
	default:
		bad("freq", "expected DAILY, WEEKLY, MONTHLY or YEARLY, got %q", freq)
		return nil, errs
	}
	if tz == "" {
		bad("timezone", "expected an IANA time zone: HSDS gives only a UTC offset; pass --timezone (e.g. America/Chicago) or a US postal code")
		return nil, errs
	}
	clock := func(field, v string) (string, int, bool) {
		v = strings.TrimSuffix(strings.ToUpper(v), "Z")
		if i := strings.IndexAny(v, "+-"); i > 0 {
			v = v[:i]
		}
		if strings.Count(v, ":") == 2 {
			v = v[:strings.LastIndex(v, ":")] // seconds
		}
		hh, mm, ok := schedule.ParseClock(v)
		if !ok {
			bad(field, `expected a time "HH:MM" or "HH:MM:SS", got %q`, v)
			return "", 0, false
		}
		return hhmm(hh, mm), hh*60 + mm, true
	}
	start, sm, ok := clock("opens_at", sc.OpensAt.s())
	if !ok {
		return nil, errs
	}
	dur := 0
	if c := sc.ClosesAt.s(); c != "" {
		_, em, ok := clock("closes_at", c)
		if !ok {
			return nil, errs
		}
		if dur = (em - sm + 24*60) % (24 * 60); dur == 0 {
			bad("closes_at", "expected a time after opens_at %s", start)
			return nil, errs
		}
	}
	parts := []string{"FREQ=" + freq}
	if iv := sc.Interval.s(); iv != "" && iv != "1" {
		if n, err := strconv.Atoi(iv); err != nil || n < 1 {
			bad("interval", "expected a whole number of at least 1, got %q", iv)
			return nil, errs
		}
		parts = append(parts, "INTERVAL="+iv)
	}
	if c := sc.Count.s(); c != "" {
		if n, err := strconv.Atoi(c); err != nil || n < 1 {
			bad("count", "expected a whole number of at least 1, got %q", c)
			return nil, errs
		}
		parts = append(parts, "COUNT="+c)
	}
	for _, p := range []struct{ k, v string }{{"BYDAY", sc.Byday.s()}, {"BYMONTHDAY", sc.Bymonthday.s()},
		{"BYWEEKNO", sc.Byweekno.s()}, {"BYYEARDAY", sc.Byyearday.s()}, {"WKST", sc.Wkst.s()}} {
		if v := strings.ReplaceAll(strings.ToUpper(p.v), " ", ""); v != "" {
			parts = append(parts, p.k+"="+v)
		}
	}
	m := &data.Meeting{RRule: strings.Join(parts, ";"), Start: start, Duration: dur, Note: sc.Description.s()}
	for _, d := range []struct{ field, v string }{{"dtstart", sc.DTStart.s()}, {"valid_from", sc.ValidFrom.s()}} {
		if d.v == "" || m.ValidFrom != "" {
			continue
		}
		day, ok := parseDateish(d.v)
		if !ok {
			bad(d.field, "expected a date YYYY-MM-DD, got %q", d.v)
			return nil, errs
		}
		m.ValidFrom = day
	}
	for _, d := range []struct{ field, v string }{{"valid_to", sc.ValidTo.s()}, {"until", sc.Until.s()}} {
		if d.v == "" {
			continue
		}
		day, ok := parseDateish(d.v)
		if !ok {
			bad(d.field, "expected a date YYYY-MM-DD, got %q", d.v)
			return nil, errs
		}
		if m.ValidUntil == "" || day < m.ValidUntil {
			m.ValidUntil = day
		}
	}
	var se *data.ScheduleError
	if err := r.checked.check(m, tz); errors.As(err, &se) {
		field := map[string]string{"start": "opens_at", "duration_min": "closes_at", "valid_until": "valid_to"}[se.Field]
		if field == "" {
			field = se.Field
		}
		reason := fmt.Sprintf("expected %s, got %q", se.Expected, se.Value)
		if se.Err != nil {
			reason += " (" + se.Err.Error() + ")"
		}
		bad(field, "%s", reason)
		return nil, errs
	}
	return m, errs
}

// csvTable is one HSDS CSV table: rows by column name, with line numbers.
type csvTable struct {
	name  string
	rows  []map[string]flexStr
	lines []int
	// warnings: the file was not UTF-8 (see textReader); cells a
	// spreadsheet would run as formulas (see formulaLike).
	warnings []error
}

func readTable(dir, file string, required bool, maxBytes int64, cols ...string) (*csvTable, error) {
	path := filepath.Join(dir, file)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) && !required {
		return &csvTable{name: path}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	defer f.Close()
	tr := newTextReader(&capReader{r: f, left: maxBytes, name: path})
	cr := csv.NewReader(tr)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &data.RecordError{Source: path, Reason: "empty file: expected a CSV header"}
		}
		return nil, csvBroken(path, 0, err)
	}
	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff")))
	}
	for _, c := range cols {
		if !slices.Contains(header, c) {
			return nil, &data.RecordError{Source: path, Line: 1, Field: c, Reason: "missing column " + c + " (HSDS 3.0 " + file + " needs " + strings.Join(cols, ", ") + ")"}
		}
	}
	t := &csvTable{name: path}
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			if w := tr.legacyWarning(path); w != nil {
				t.warnings = append([]error{w}, t.warnings...)
			}
			return t, nil
		}
		if err != nil {
			return nil, csvBroken(path, len(t.rows)+1, err)
		}
		line, _ := cr.FieldPos(0)
		m := make(map[string]flexStr, len(header))
		for i, v := range row {
			if i < len(header) {
				v = strings.TrimSpace(v)
				if formulaLike(v) {
					t.warnings = append(t.warnings, formulaWarning(&data.RecordError{Source: path, Record: len(t.rows) + 1, Line: line, Field: header[i]}, v))
				}
				m[header[i]] = flexStr(csvUnescape(v))
			}
		}
		t.rows = append(t.rows, m)
		t.lines = append(t.lines, line)
	}
}

func (t *csvTable) by(col string) map[string][]map[string]flexStr {
	out := map[string][]map[string]flexStr{}
	for _, r := range t.rows {
		if k := r[col].s(); k != "" {
			out[k] = append(out[k], r)
		}
	}
	return out
}

func scheduleFrom(r map[string]flexStr) hsdsSchedule {
	return hsdsSchedule{ServiceID: r["service_id"], LocationID: r["location_id"], SALID: r["service_at_location_id"],
		ValidFrom: r["valid_from"], ValidTo: r["valid_to"], DTStart: r["dtstart"], Until: r["until"], Count: r["count"],
		Wkst: r["wkst"], Freq: r["freq"], Interval: r["interval"], Byday: r["byday"], Byweekno: r["byweekno"],
		Bymonthday: r["bymonthday"], Byyearday: r["byyearday"], Description: r["description"],
		OpensAt: r["opens_at"], ClosesAt: r["closes_at"]}
}

// importHSDSTables reads the HSDS 3.0 CSV table set in dir, joining the
// tables on their ids, and maps each services.csv row like a JSON service.
func importHSDSTables(s *sink, v *data.Vocabulary, dir string, opts ImportOptions) error {
	gs, ps, err := hsdsTables(v, dir, opts)
	s.bad(ps...)
	if err != nil {
		return err
	}
	for _, g := range gs {
		if err := s.add(g); err != nil {
			return err
		}
	}
	return nil
}

// hsdsTables reads the table set whole: a service's rows are spread over
// several files, so nothing is final before every table is read.
func hsdsTables(v *data.Vocabulary, dir string, opts ImportOptions) ([]*data.Group, []error, error) {
	r, err := newHSDSReader(v, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("import %s: %w", dir, err)
	}
	max := opts.maxBytes()
	services, err := readTable(dir, "services.csv", true, max, "id", "name")
	if err != nil {
		return nil, nil, err
	}
	type spec struct {
		file string
		cols []string
	}
	tables := map[string]*csvTable{}
	for _, s := range []spec{
		{"organizations.csv", []string{"id", "name"}},
		{"service_at_location.csv", []string{"id", "service_id", "location_id"}},
		{"locations.csv", []string{"id", "location_type"}},
		{"addresses.csv", []string{"location_id"}},
		{"schedules.csv", []string{"freq"}},
		{"phones.csv", []string{"number"}},
		{"languages.csv", []string{"code"}},
		{"attributes.csv", []string{"link_id", "taxonomy_term_id"}},
		{"taxonomy_terms.csv", []string{"id"}},
		{"cost_options.csv", []string{"service_id"}},
	} {
		if tables[s.file], err = readTable(dir, s.file, false, max, s.cols...); err != nil {
			return nil, nil, err
		}
	}
	orgs := tables["organizations.csv"].by("id")
	sals := tables["service_at_location.csv"].by("service_id")
	locs := tables["locations.csv"].by("id")
	addrs := tables["addresses.csv"].by("location_id")
	scheds := tables["schedules.csv"].rows
	phones := tables["phones.csv"].by("service_id")
	langs := tables["languages.csv"].by("service_id")
	attrs := tables["attributes.csv"].by("link_id")
	terms := tables["taxonomy_terms.csv"].by("id")
	costs := tables["cost_options.csv"].by("service_id")

	location := func(id string) *hsdsLocation {
		rows := locs[id]
		if len(rows) == 0 {
			return nil
		}
		l := rows[0]
		loc := &hsdsLocation{ID: l["id"], LocationType: l["location_type"], URL: l["url"], Name: l["name"],
			Latitude: l["latitude"], Longitude: l["longitude"]}
		for _, a := range addrs[id] {
			loc.Addresses = append(loc.Addresses, hsdsAddress{Address1: a["address_1"], Address2: a["address_2"], City: a["city"],
				StateProvince: a["state_province"], PostalCode: a["postal_code"], Country: a["country"], AddressType: a["address_type"]})
		}
		for _, sc := range scheds {
			if sc["location_id"].s() == id && sc["service_id"].s() == "" && sc["service_at_location_id"].s() == "" {
				loc.Schedules = append(loc.Schedules, scheduleFrom(sc))
			}
		}
		return loc
	}
	var groups []*data.Group
	var problems []error
	for _, file := range append([]string{""}, slices.Sorted(maps.Keys(tables))...) {
		t := services
		if file != "" {
			t = tables[file]
		}
		problems = append(problems, t.warnings...)
	}
	for i, row := range services.rows {
		id := row["id"].s()
		s := hsdsService{ID: row["id"], Name: row["name"], Description: row["description"], URL: row["url"], Email: row["email"],
			Status: row["status"], AssuredDate: row["assured_date"], LastModified: row["last_modified"]}
		if o := orgs[row["organization_id"].s()]; len(o) > 0 {
			s.Organization = &hsdsOrg{Name: o[0]["name"], Website: o[0]["website"]}
		}
		for _, p := range phones[id] {
			s.Phones = append(s.Phones, struct{ Number flexStr }{p["number"]})
		}
		for _, l := range langs[id] {
			s.Languages = append(s.Languages, struct{ Code flexStr }{l["code"]})
		}
		for _, c := range costs[id] {
			s.CostOptions = append(s.CostOptions, struct{ Amount flexStr }{c["amount"]})
		}
		for _, a := range attrs[id] {
			if t := terms[a["taxonomy_term_id"].s()]; len(t) > 0 {
				s.Attributes = append(s.Attributes, hsdsAttribute{TaxonomyTerm: &hsdsTerm{Code: t[0]["code"], Name: t[0]["name"]}})
			}
		}
		for _, sal := range sals[id] {
			h := hsdsSAL{ID: sal["id"], Location: location(sal["location_id"].s())}
			for _, sc := range scheds {
				if sc["service_at_location_id"].s() == sal["id"].s() {
					h.Schedules = append(h.Schedules, scheduleFrom(sc))
				}
			}
			s.SALs = append(s.SALs, h)
		}
		for _, sc := range scheds {
			if sc["service_id"].s() == id && sc["service_at_location_id"].s() == "" {
				s.Schedules = append(s.Schedules, scheduleFrom(sc))
			}
		}
		var gs []*data.Group // stays nil when reading the record panics
		ps := guardRecord(services.name, i+1, services.lines[i], func() (ps []error) {
			gs, ps = r.service(&s, services.name, i+1, services.lines[i])
			return ps
		})
		groups = append(groups, gs...)
		problems = append(problems, ps...)
	}
	return groups, problems, nil
}
