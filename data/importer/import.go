package importer

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/place"
	"github.com/peermatch/peermatch/data/schedule"
)

// SourceFormat names one of the directory formats Import reads.
type SourceFormat string

const (
	SourceAuto         SourceFormat = ""              // detect from the name and the content
	SourceMeetingGuide SourceFormat = "meeting-guide" // Meeting Guide JSON feed (an array of meetings)
	SourceHSDS         SourceFormat = "hsds"          // Open Referral HSDS 3.0 JSON
	SourceHSDSTables   SourceFormat = "hsds-csv"      // HSDS 3.0 CSV table set: a folder with services.csv
	SourceCSV          SourceFormat = "csv"           // our plain CSV (docs/import.md)
	SourceNative       SourceFormat = "native"        // our own {"groups": [...]} JSON
)

// SourceFormats lists the formats by name, for flags and messages.
var SourceFormats = []SourceFormat{SourceMeetingGuide, SourceHSDS, SourceHSDSTables, SourceCSV, SourceNative}

// DefaultMaxSourceBytes bounds how much of one source is read: a feed
// bigger than this is refused rather than allowed to fill memory.
const DefaultMaxSourceBytes = 100 << 20

// DefaultMaxRecordBytes bounds one record (one meeting, one service). A
// record larger than this is reported and skipped without being held.
const DefaultMaxRecordBytes = 1 << 20

// ErrTooLarge is wrapped when a source passes its size cap.
var ErrTooLarge = errors.New("source too large")

// ImportOptions tune how a source is read and mapped onto groups.
type ImportOptions struct {
	Format SourceFormat // SourceAuto detects it
	// Topics, when set, replace the topics every record would get (the
	// operator knows the feed is, say, Narcotics Anonymous: --topic drugs).
	Topics []string
	// Fellowship names the program of a Meeting Guide feed ("aa", "na",
	// "al-anon"...; see Fellowships); "" means AA, Meeting Guide's own.
	Fellowship string
	// NotTwelveStep marks a Meeting Guide feed's meetings as not following
	// the Twelve Steps; by default they do (the feed is AA, NA, Al-Anon's).
	NotTwelveStep bool
	// TimeZone is the IANA zone for records that give none (HSDS gives
	// only a UTC offset).
	TimeZone string
	// SourceURL is the public page recorded as each listing's source when
	// the record has no URL of its own; "" uses the source's name.
	SourceURL string
	// Gazetteer turns a US postal code into coordinates and a time zone
	// for records without them; nil leaves them missing.
	Gazetteer *place.Gazetteer
	// MaxBytes caps the source's size (DefaultMaxSourceBytes when 0);
	// MaxRecordBytes caps one record (DefaultMaxRecordBytes when 0).
	MaxBytes       int64
	MaxRecordBytes int
	// Fetch opens a URL source. Nil refuses URLs, so that nothing reaches
	// the network unless the caller (the command) asks for it.
	Fetch func(url string) (io.ReadCloser, error)
}

func (o *ImportOptions) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxSourceBytes
}

func (o *ImportOptions) maxRecord() int {
	if o.MaxRecordBytes > 0 {
		return o.MaxRecordBytes
	}
	return DefaultMaxRecordBytes
}

// Source is where an import reads from: a file, a folder (HSDS CSV
// tables, or native JSON files) or an http(s) URL.
type Source struct {
	Name string // as given
	URL  bool
}

// ParseSource reads a command-line source name.
func ParseSource(s string) Source {
	s = strings.TrimSpace(s)
	if u, err := url.Parse(s); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return Source{Name: s, URL: true}
	}
	return Source{Name: s}
}

// Slug is the source's name in the state directory: the file or folder
// name without its extension, or the URL's host and path, as a slug.
func (s Source) Slug() string {
	base := s.Name
	if s.URL {
		if u, err := url.Parse(s.Name); err == nil {
			base = u.Host + strings.TrimSuffix(u.Path, filepath.Ext(u.Path))
		}
	} else {
		base = filepath.Base(filepath.Clean(base))
		base = strings.TrimSuffix(base, filepath.Ext(base))
	}
	return Slugify(base, "source")
}

// Slugify lower-cases s and turns every run of characters outside a-z and
// 0-9 into one '-', so any name can become an id or a file name. It
// returns fallback when nothing is left.
func Slugify(s, fallback string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(place.Fold(s)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	out := b.String()
	if len(out) > 100 {
		out = strings.TrimRight(out[:100], "-")
	}
	if out == "" {
		return fallback
	}
	return out
}

// Warning is a problem that does not reject a record (an unknown type
// code is ignored) or that skips one on purpose (a meeting whose location
// is temporarily closed and has no online option). It unwraps to its
// *RecordError, so errors.As and errors.Is(err, ErrInvalid) still hold.
type Warning struct{ *data.RecordError }

func (w *Warning) Error() string { return "warning: " + w.RecordError.Error() }

func (w *Warning) Unwrap() error { return w.RecordError }

// IsWarning reports whether a problem is only a warning.
func IsWarning(err error) bool {
	var w *Warning
	return errors.As(err, &w)
}

// Rejected counts the records the problems reject (warnings aside, and
// each record once however many of its fields are wrong).
func Rejected(problems []error) int {
	type key struct {
		src string
		rec int
	}
	seen := map[key]bool{}
	for _, p := range problems {
		var re *data.RecordError
		if IsWarning(p) || !errors.As(p, &re) {
			continue
		}
		seen[key{re.Source, re.Record}] = true
	}
	return len(seen)
}

// Import reads one source and returns its valid groups, one problem per bad
// record field (each a *RecordError, or a *Warning), and a non-nil error
// when the source could not be read whole: it cannot be opened, passes
// the size cap, is empty, is not in the expected shape, or ends early.
// Groups read before such a break are still returned, but a caller that
// replaces stored data must not store them, since the rest is missing.
// It holds the whole source; Stream hands it over one group at a time.
func Import(v *data.Vocabulary, src string, opts ImportOptions) ([]*data.Group, []error, error) {
	s, gs, ps := collect(context.Background())
	err := streamSource(s, v, src, opts)
	return *gs, *ps, err
}

// ImportReader reads a source already open (name is used in messages and
// as the default listing source). format must not be SourceAuto for
// content that has no name to go by; it is detected otherwise.
func ImportReader(v *data.Vocabulary, name string, r io.Reader, opts ImportOptions) ([]*data.Group, []error, error) {
	s, gs, ps := collect(context.Background())
	err := streamReader(s, v, name, r, opts)
	return *gs, *ps, err
}

func importReader(s *sink, v *data.Vocabulary, name string, format SourceFormat, br *bufio.Reader, opts ImportOptions) error {
	switch format {
	case SourceMeetingGuide:
		return importMeetingGuide(s, v, name, br, opts)
	case SourceHSDS:
		return importHSDSJSON(s, v, name, br, opts)
	case SourceCSV:
		return importCSV(s, v, name, br, opts)
	case SourceNative:
		return parseNative(s, v, name, br)
	case SourceHSDSTables:
		return fmt.Errorf("import %s: %s is a folder of CSV tables; name the folder", name, format)
	default:
		return fmt.Errorf("import %s: unknown format %q (expected one of %s)", name, format, formatList())
	}
}

func formatList() string {
	var s []string
	for _, f := range SourceFormats {
		s = append(s, string(f))
	}
	return strings.Join(s, ", ")
}

// ParseSourceFormat reads a --format value ("" or "auto" detects).
func ParseSourceFormat(s string) (SourceFormat, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "auto" {
		return SourceAuto, nil
	}
	switch s {
	case "meetingguide", "meeting_guide", "mg", "tsml":
		return SourceMeetingGuide, nil
	case "hsds-json", "openreferral":
		return SourceHSDS, nil
	case "hsds-tables", "hsds_csv":
		return SourceHSDSTables, nil
	}
	if slices.Contains(SourceFormats, SourceFormat(s)) {
		return SourceFormat(s), nil
	}
	return "", fmt.Errorf("unknown format %q (expected auto, %s)", s, formatList())
}

// importDir reads a folder: HSDS CSV tables when it holds services.csv,
// else every *.json file in it, each detected on its own. An id already
// read from an earlier file is reported and the later record skipped.
func importDir(s *sink, v *data.Vocabulary, dir string, format SourceFormat, opts ImportOptions) error {
	if format == SourceHSDSTables || format == SourceAuto && fileExists(filepath.Join(dir, "services.csv")) {
		return importHSDSTables(s, v, dir, opts)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("import %s: a folder with neither services.csv (HSDS tables) nor *.json files", dir)
	}
	slices.Sort(files)
	seen := map[string]bool{}
	var dups []error
	inner := *s
	inner.group = func(g *data.Group) bool {
		if seen[g.ID] {
			dups = append(dups, duplicateID(g.ID))
			return true
		}
		seen[g.ID] = true
		return s.group(g)
	}
	for _, f := range files {
		if err := streamSource(&inner, v, f, opts); err != nil {
			s.bad(dups...)
			return err
		}
	}
	// As before streaming: the duplicates of the folder come after the
	// files' own problems.
	s.bad(dups...)
	return nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func openSource(s Source, opts ImportOptions) (io.ReadCloser, error) {
	if s.URL {
		if opts.Fetch == nil {
			return nil, fmt.Errorf("import %s: URL sources are not enabled here", s.Name)
		}
		rc, err := opts.Fetch(s.Name)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", s.Name, err)
		}
		return rc, nil
	}
	f, err := os.Open(s.Name)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	return f, nil
}

// HTTPFetcher returns an ImportOptions.Fetch that GETs a URL with client
// under ctx and refuses non-2xx answers. The size cap is applied by Import.
func HTTPFetcher(ctx context.Context, client *http.Client) func(string) (io.ReadCloser, error) {
	return func(u string) (io.ReadCloser, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json, text/csv;q=0.9, */*;q=0.5")
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			resp.Body.Close()
			return nil, fmt.Errorf("GET: HTTP status %s", resp.Status)
		}
		return resp.Body, nil
	}
}

// capReader fails with ErrTooLarge once more than left bytes are read, so
// a parser sees an error, not a quiet end of file, and stops.
type capReader struct {
	r    io.Reader
	left int64
	name string
	cap  int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.cap == 0 {
		c.cap = c.left
	}
	if c.left <= 0 {
		// Read one byte more to tell "exactly at the cap" from "over it".
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%s: more than %d MB: %w", c.name, c.cap>>20, ErrTooLarge)
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// detectFormat picks the format from the extension, then the content.
func detectFormat(name string, br *bufio.Reader) (SourceFormat, error) {
	ext := strings.ToLower(filepath.Ext(strings.SplitN(name, "?", 2)[0]))
	if ext == ".csv" || ext == ".tsv" {
		return SourceCSV, nil
	}
	head, err := br.Peek(64 << 10)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return "", fmt.Errorf("import %s: %w", name, err)
	}
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(head) == 0 {
		return "", &data.RecordError{Source: name, Reason: "empty file: expected a Meeting Guide JSON feed, Open Referral HSDS JSON, or CSV"}
	}
	switch head[0] {
	case '[':
		if hasKey(head, "service_at_locations", "organization_id", "services", "assured_date") {
			return SourceHSDS, nil
		}
		return SourceMeetingGuide, nil
	case '{':
		if hasKey(head, "groups") && !hasKey(head, "services", "service_at_locations") {
			return SourceNative, nil
		}
		return SourceHSDS, nil
	}
	if ext == ".json" {
		return SourceMeetingGuide, nil // its parser explains what is wrong
	}
	return SourceCSV, nil
}

func hasKey(head []byte, keys ...string) bool {
	for _, k := range keys {
		if bytes.Contains(head, []byte(`"`+k+`"`)) {
			return true
		}
	}
	return false
}

// arrayScanner frames the elements of a top-level JSON array without
// decoding them, counting lines, so a feed of any length is read one record
// at a time and a record over the size cap is measured and dropped rather
// than held. Framing survives a malformed record as long as its brackets
// balance, so one bad meeting does not lose the rest of the feed.
type arrayScanner struct {
	r       *bufio.Reader
	name    string
	max     int
	line    int
	started bool
	done    bool
	buf     []byte
	// the framing state inside the element being read
	depth      int
	inStr, esc bool
}

func newArrayScanner(name string, r *bufio.Reader, max int) *arrayScanner {
	return &arrayScanner{r: r, name: name, max: max, line: 1}
}

func (s *arrayScanner) skipSpace() (byte, error) {
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case '\n':
			s.line++
		case ' ', '\t', '\r':
		case 0xef: // a UTF-8 byte order mark
			if b, _ := s.r.Peek(2); bytes.Equal(b, []byte{0xbb, 0xbf}) {
				s.r.Discard(2)
				continue
			}
			return c, nil
		default:
			return c, nil
		}
	}
}

// begin consumes the opening '['. what describes the expected content.
func (s *arrayScanner) begin(what string) error {
	c, err := s.skipSpace()
	if errors.Is(err, io.EOF) {
		return &data.RecordError{Source: s.name, Reason: "empty file: expected " + what}
	}
	if err != nil {
		return fmt.Errorf("import %s: %w", s.name, err)
	}
	if c != '[' {
		return &data.RecordError{Source: s.name, Line: s.line, Reason: fmt.Sprintf("expected %s, found %q", what, c)}
	}
	s.started = true
	return nil
}

// next returns the next element, the line it starts on and its size. raw
// is nil when the element was larger than the record cap. ok is false
// after the closing ']'.
func (s *arrayScanner) next(record int) (raw []byte, line int, size int, ok bool, err error) {
	if s.done {
		return nil, 0, 0, false, nil
	}
	c, err := s.skipSpace()
	if err != nil {
		return nil, s.line, 0, false, s.broken(record, err)
	}
	if record > 1 {
		if c == ']' {
			s.done = true
			return nil, 0, 0, false, nil
		}
		if c != ',' {
			return nil, s.line, 0, false, &data.RecordError{Source: s.name, Record: record, Line: s.line, Reason: fmt.Sprintf("malformed JSON: expected ',' or ']' between records, found %q", c)}
		}
		if c, err = s.skipSpace(); err != nil {
			return nil, s.line, 0, false, s.broken(record, err)
		}
	} else if c == ']' {
		s.done = true
		return nil, 0, 0, false, nil
	}
	line = s.line
	s.buf = s.buf[:0]
	s.depth, s.inStr, s.esc = 0, false, false
	over := false
	// keep adds bytes of the element; one over the cap drops what was
	// kept, and the rest is only measured.
	keep := func(b []byte) {
		size += len(b)
		if over {
			return
		}
		if len(s.buf)+len(b) > s.max {
			over, s.buf = true, s.buf[:0]
			return
		}
		s.buf = append(s.buf, b...)
	}
	// c, read by skipSpace, starts the element; ']' or ',' there is an
	// empty element, which the caller reports.
	if n, done := s.scan([]byte{c}); done && n == 0 {
		s.r.UnreadByte()
		return s.out(over), line, size, true, nil
	} else {
		keep([]byte{c})
		if done {
			return s.out(over), line, size, true, nil
		}
	}
	// The rest is framed a buffer at a time, not a byte at a time.
	for {
		chunk, _ := s.r.Peek(s.r.Buffered())
		if len(chunk) == 0 {
			if _, err := s.r.Peek(1); err != nil {
				return nil, line, size, false, s.broken(record, err)
			}
			continue
		}
		n, done := s.scan(chunk)
		keep(chunk[:n])
		s.line += bytes.Count(chunk[:n], []byte{'\n'})
		s.r.Discard(n)
		if done {
			return s.out(over), line, size, true, nil
		}
	}
}

// scan reads b as the continuation of the element being framed and
// returns how many of its bytes belong to the element; done says that it
// ends there (a delimiter that ends a scalar is not part of it).
func (s *arrayScanner) scan(b []byte) (n int, done bool) {
	depth, inStr, esc := s.depth, s.inStr, s.esc
	defer func() { s.depth, s.inStr, s.esc = depth, inStr, esc }()
	for i, c := range b {
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
				if depth == 0 {
					return i + 1, true
				}
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 { // a scalar element ended by the closing ']'
				return i, true
			}
			depth--
			if depth == 0 {
				return i + 1, true
			}
		case ',', ' ', '\t', '\r', '\n':
			if depth == 0 {
				return i, true
			}
		}
	}
	return len(b), false
}

func (s *arrayScanner) out(over bool) []byte {
	if over {
		return nil
	}
	return s.buf
}

func (s *arrayScanner) broken(record int, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &data.RecordError{Source: s.name, Record: record, Line: s.line, Reason: "the file ends early (truncated JSON: the array is not closed)"}
	}
	return fmt.Errorf("import %s: %w", s.name, err)
}

// jsonKind names the JSON type of a raw value for messages.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// toRecordErrors turns validation results into problems for one record.
func toRecordErrors(source string, record, line int, id string, errs []data.FieldError) []error {
	out := make([]error, 0, len(errs))
	for _, fe := range errs {
		out = append(out, &data.RecordError{Source: source, Record: record, Line: line, ID: id, Field: fe.Field, Reason: fe.Reason})
	}
	return out
}

// parseDateish reads "2020-04-04", "2020-04-04 16:50:58" or RFC 3339 and
// returns the date "YYYY-MM-DD".
func parseDateish(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 10 {
		return "", false
	}
	if _, err := time.Parse(time.DateOnly, s[:10]); err != nil {
		return "", false
	}
	return s[:10], true // a date that parses is already in this form
}

// hhmm writes a clock time "HH:MM" (0 ≤ h < 100, 0 ≤ m < 60) without
// fmt, which was a measurable part of reading 500,000 meetings.
func hhmm(h, m int) string {
	return string([]byte{byte('0' + h/10), byte('0' + h%10), ':', byte('0' + m/10), byte('0' + m%10)})
}

// meetingChecker is schedule.Validate remembered per distinct schedule:
// a feed's weekly meetings share a few hundred day, time and zone
// combinations, and expanding a rule for each of 500,000 meetings was an
// eighth of a Meeting Guide load and a quarter of an HSDS one. It holds
// at most maxChecked schedules.
type meetingChecker map[meetingKey]error

// meetingKey is everything schedule.Validate reads of a meeting.
type meetingKey struct {
	rrule, start, tz, groupTZ, from, until, exdates string
	duration                                        int
}

func (c meetingChecker) check(m *data.Meeting, groupTZ string) error {
	k := meetingKey{m.RRule, m.Start, m.TimeZone, groupTZ, m.ValidFrom, m.ValidUntil, strings.Join(m.ExDates, ","), m.Duration}
	if err, ok := c[k]; ok {
		return err
	}
	err := schedule.Validate(m, groupTZ)
	if len(c) >= maxChecked {
		clear(c)
	}
	c[k] = err
	return err
}

// zoneCache loads IANA zones once per import: LoadLocation reads the zone
// database on every call, which would dominate a 100,000-meeting feed.
type zoneCache map[string]bool

func (z zoneCache) valid(tz string) bool {
	if ok, seen := z[tz]; seen {
		return ok
	}
	_, err := time.LoadLocation(tz)
	ok := err == nil && tz != "" && tz != "Local"
	z[tz] = ok
	return ok
}

// SourceStore keeps each imported source as one native directory file,
// Dir/<name>.json, so that re-importing a source replaces exactly its own
// groups: a record removed from the source disappears, and identical input
// leaves the file byte-identical (and the directory hash unchanged, so the
// search index is not rebuilt).
type SourceStore struct{ Dir string }

// StoredSource describes one stored source.
type StoredSource struct {
	Name   string       `json:"name"`
	Source string       `json:"source"`
	Format SourceFormat `json:"format"`
	Groups int          `json:"groups"`
}

// storedHeader is the part of a stored file besides its groups; LoadDirectory
// and ParseGroups skip these keys, so a stored file is a native directory file.
type storedHeader struct {
	Source string       `json:"source"`
	Format SourceFormat `json:"format"`
}

// PutResult says what Put did.
type PutResult struct {
	Path     string
	Changed  bool   // false when the file already held exactly this
	Prefixed int    // ids prefixed with the source name because another source had them
	Replaced string // the other source this name used to hold, if any
}

// ErrSourceName is returned by Put when the name already holds another source.
var ErrSourceName = errors.New("source name already used by another source")

func (s SourceStore) path(name string) string { return filepath.Join(s.Dir, name+".json") }

// Put stores groups as the source name. An id that another stored source
// (or taken, e.g. the embedded directory) already has is prefixed with
// "name.", so every source keeps its own ids. When name holds a different
// source, Put refuses unless replace is set.
func (s SourceStore) Put(name string, h StoredSource, groups []*data.Group, taken map[string]bool, replace bool) (PutResult, error) {
	res := PutResult{Path: s.path(name)}
	if Slugify(name, "") != name {
		return res, fmt.Errorf("source name %q: expected a slug (lowercase letters, digits and '-')", name)
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return res, fmt.Errorf("directory store: %w", err)
	}
	others, err := s.List()
	if err != nil {
		return res, err
	}
	used := map[string]bool{}
	for id := range taken {
		used[id] = true
	}
	for _, o := range others {
		if o.Name == name {
			if o.Source != h.Source {
				if !replace {
					return res, fmt.Errorf("%q holds %s, not %s: %w (choose another --name, or --remove it first)", name, o.Source, h.Source, ErrSourceName)
				}
				res.Replaced = o.Source
			}
			continue
		}
		ids, err := s.ids(o.Name)
		if err != nil {
			return res, err
		}
		for _, id := range ids {
			used[id] = true
		}
	}
	for _, g := range groups {
		if used[g.ID] {
			g.ID = name + "." + g.ID
			res.Prefixed++
		}
	}
	var buf bytes.Buffer
	hb, err := json.Marshal(storedHeader{Source: h.Source, Format: h.Format})
	if err != nil {
		return res, err
	}
	buf.Write(hb[:len(hb)-1])
	buf.WriteString(",\n\"groups\": [")
	for i, g := range groups {
		b, err := json.Marshal(g)
		if err != nil {
			return res, fmt.Errorf("store %s: group %s: %w", name, g.ID, err)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n")
		buf.Write(b)
	}
	buf.WriteString("\n]}\n")
	if old, err := os.ReadFile(res.Path); err == nil && bytes.Equal(old, buf.Bytes()) {
		return res, nil
	}
	res.Changed = true
	return res, writeAtomic(res.Path, buf.Bytes())
}

// writeAtomic writes through a temporary file and a rename, so a reader
// (the bot reloading its directory) sees the old file or the new one,
// never half of one.
func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("directory store: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("directory store: %w", err)
	}
	return nil
}

// List describes the stored sources in name order.
func (s SourceStore) List() ([]StoredSource, error) {
	files, err := filepath.Glob(filepath.Join(s.Dir, "*.json"))
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	var out []StoredSource
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("directory store: %w", err)
		}
		var file struct {
			storedHeader
			Groups []json.RawMessage `json:"groups"`
		}
		if err := json.Unmarshal(b, &file); err != nil {
			return nil, fmt.Errorf("directory store: %s: %w", f, err)
		}
		out = append(out, StoredSource{Name: strings.TrimSuffix(filepath.Base(f), ".json"),
			Source: file.Source, Format: file.Format, Groups: len(file.Groups)})
	}
	return out, nil
}

func (s SourceStore) ids(name string) ([]string, error) {
	b, err := os.ReadFile(s.path(name))
	if err != nil {
		return nil, fmt.Errorf("directory store: %w", err)
	}
	var file struct {
		Groups []struct {
			ID string `json:"id"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		return nil, fmt.Errorf("directory store: %s: %w", name, err)
	}
	out := make([]string, len(file.Groups))
	for i, g := range file.Groups {
		out[i] = g.ID
	}
	return out, nil
}

// Remove drops a stored source.
func (s SourceStore) Remove(name string) error {
	if err := os.Remove(s.path(name)); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no stored source named %q", name)
		}
		return fmt.Errorf("directory store: %w", err)
	}
	return nil
}

// Load reads every stored source (an empty directory when there is none).
func (s SourceStore) Load(v *data.Vocabulary) (*data.Directory, []error, error) {
	if _, err := os.Stat(s.Dir); errors.Is(err, os.ErrNotExist) {
		return data.NewDirectory(nil), nil, nil
	}
	return LoadDirectory(v, s.Dir)
}

// DetectFile names the format Import would read a file or folder as.
func DetectFile(path string) (SourceFormat, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if st.IsDir() {
		if fileExists(filepath.Join(path, "services.csv")) {
			return SourceHSDSTables, nil
		}
		return SourceNative, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return detectFormat(path, bufio.NewReaderSize(f, 64<<10))
}

// internalError marks the reason of a problem that is a recovered panic,
// so tests (the fuzz targets) can tell it from an ordinary bad record.
const internalError = "internal error"

// guardRecord runs f, which reads one record, and turns a panic inside it
// (in a parser or a library) into that record's error, so one bad record
// costs itself and never the import, validate, or the bot's start.
func guardRecord(source string, record, line int, f func() []error) (problems []error) {
	defer func() {
		if r := recover(); r != nil {
			problems = []error{&data.RecordError{Source: source, Record: record, Line: line,
				Reason: fmt.Sprintf("the record could not be read: %s (%v); please report it with the record", internalError, r)}}
		}
	}()
	return f()
}

// DefaultMaxLocalBytes bounds one local source the loader reads: an
// operator's own files (a national directory is ~100 MB) may be larger
// than a feed fetched from someone else's server.
const DefaultMaxLocalBytes = 1 << 30

// SourceGroups are the groups read from one source, named as the loader
// and validate name it (a file path, a URL, "default").
type SourceGroups struct {
	Name   string
	Groups []*data.Group
}

// LoadSources reads directory sources the way every command serves them:
// each path is a file, a folder or an http(s) URL in any format Import
// reads (a folder's *.json, *.csv and *.tsv files are sources of their
// own; a folder with services.csv is one HSDS table set), and extra are
// sources already read (the embedded directory). The same meeting listed
// by two sources is merged into one listing (MergeDuplicates); an id that
// two different listings share keeps the first and renames the later one
// to "<source>.<id>", so no listing is lost. It returns the good records,
// one problem per bad record (each a *RecordError, or a *Warning), the
// merged duplicates, and an error when a source cannot be read whole: a
// source that is half there would serve a directory missing meetings.
// Each source is read with Stream, so it is held once, as the directory;
// a cancelled ctx stops the load between two records with ctx's error.
func LoadSources(ctx context.Context, v *data.Vocabulary, paths []string, extra []SourceGroups, opts ImportOptions) (*data.Directory, []error, []Duplicate, error) {
	sources := slices.Clone(extra)
	var problems []error
	for _, p := range paths {
		files, err := SourceFiles(p)
		if err != nil {
			return nil, problems, nil, err
		}
		for _, f := range files {
			o := opts
			o.Format = SourceAuto
			if !ParseSource(f).URL && o.MaxBytes == 0 {
				o.MaxBytes = DefaultMaxLocalBytes
			}
			if f == p && !ParseSource(f).URL {
				if st, err := os.Stat(f); err == nil && st.IsDir() {
					o.Format = SourceHSDSTables
				}
			}
			s, all, bad := collect(ctx)
			if o.Format == SourceHSDSTables {
				err = importHSDSTables(s, v, f, o)
			} else {
				err = importFile(s, v, f, o)
			}
			gs, ps := *all, *bad
			if ctx.Err() != nil {
				return nil, problems, nil, ctx.Err()
			}
			problems = append(problems, ps...)
			if err != nil {
				return nil, problems, nil, err
			}
			sources = append(sources, SourceGroups{Name: f, Groups: gs})
		}
	}
	groups, dups := MergeDuplicates(sources)
	groups, ps := renameTakenIDs(groups)
	return data.NewDirectory(groups), append(problems, ps...), dups, nil
}

// importFile reads one file or URL into s, detecting its format.
func importFile(s *sink, v *data.Vocabulary, name string, opts ImportOptions) error {
	rc, err := openSource(ParseSource(name), opts)
	if err != nil {
		return err
	}
	defer rc.Close()
	return streamReader(s, v, name, rc, opts)
}

// SourceFiles expands a path into the sources it holds: itself for a file,
// a URL or an HSDS table folder, else the folder's data files (*.json,
// *.csv, *.tsv) in name order.
func SourceFiles(p string) ([]string, error) {
	if ParseSource(p).URL {
		return []string{p}, nil
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("directory source: %w", err)
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	if fileExists(filepath.Join(p, "services.csv")) {
		return []string{p}, nil
	}
	var files []string
	for _, ext := range []string{"*.json", "*.csv", "*.tsv"} {
		fs, err := filepath.Glob(filepath.Join(p, ext))
		if err != nil {
			return nil, fmt.Errorf("directory source %s: %w", p, err)
		}
		files = append(files, fs...)
	}
	slices.Sort(files)
	return files, nil
}

// renameTakenIDs keeps ids unique: a later listing whose id is taken by an
// earlier one from another source becomes "<source>.<id>" (as `peermatch
// import` stores it), with a warning; a repeat within one source (which
// its importer already refused) keeps the first.
func renameTakenIDs(gs []*data.Group) ([]*data.Group, []error) {
	seen := make(map[string]bool, len(gs))
	out := gs[:0]
	var problems []error
	for _, g := range gs {
		if !seen[g.ID] {
			seen[g.ID] = true
			out = append(out, g)
			continue
		}
		renamed := ""
		if g.Origin().Source != "" {
			renamed = Slugify(ParseSource(g.Origin().Source).Slug(), "source") + "." + g.ID
		}
		if renamed == "" || seen[renamed] || !data.ValidID(renamed) {
			problems = append(problems, &data.RecordError{Source: g.Origin().Source, ID: g.ID, Field: "id", Reason: "duplicate id; the first listing with this id is kept"})
			continue
		}
		problems = append(problems, &Warning{&data.RecordError{Source: g.Origin().Source, ID: g.ID, Field: "id",
			Reason: fmt.Sprintf("id already used by another source's listing: served as %q", renamed)}})
		g.ID = renamed
		seen[renamed] = true
		out = append(out, g)
	}
	return out, problems
}

// Duplicate is one listing merged into another: the same meeting from two
// sources.
type Duplicate struct {
	Kept, Merged DuplicateRecord // the listing served, and the one merged into it
	Why          string          // "same name, time and place" or "same conference link at the same time"
}

// DuplicateRecord names one of a duplicate's listings.
type DuplicateRecord struct {
	Source string `json:"source"`
	Record int    `json:"record,omitempty"` // 1-based, when the format numbers records (Meeting Guide, CSV)
	Line   int    `json:"line,omitempty"`
	ID     string `json:"id"`
}

func (r DuplicateRecord) String() string {
	s := r.Source
	if r.Line > 0 {
		s += fmt.Sprintf(":%d", r.Line)
	}
	if r.Record > 0 {
		s += fmt.Sprintf(": record %d", r.Record)
	}
	return s + fmt.Sprintf(" (id %q)", r.ID)
}

func (d Duplicate) String() string {
	return fmt.Sprintf("duplicate: %s and %s: %s; merged into one listing", d.Kept, d.Merged, d.Why)
}

func duplicateRecord(g *data.Group) DuplicateRecord {
	o := g.Origin()
	return DuplicateRecord{Source: o.Source, Record: o.Record, Line: o.Line, ID: g.ID}
}

// MergeDuplicates merges the listings of different sources that are the
// same meeting: the same name, weekly times and place (the street address,
// or the point within about 100 m, or the conference link), or the same
// conference link at the same times. The same link alone is not enough: a
// group's one Zoom room often hosts several of its meetings. The first
// source's listing is kept, names the others in AlsoListedBy, and takes
// what it lacked from them (a conference link, coordinates, type codes).
// Listings of one source are never merged with each other.
func MergeDuplicates(sources []SourceGroups) ([]*data.Group, []Duplicate) {
	type entry struct {
		g      *data.Group
		source string
	}
	var out []*data.Group
	var dups []Duplicate
	byKey := map[string]entry{}
	for _, s := range sources {
		for _, g := range s.Groups {
			o := g.Origin()
			o.Source = s.Name
			g.SetOrigin(o)
			keys := dupKeys(g)
			var hit *entry
			why := ""
			for _, k := range keys {
				if e, ok := byKey[k.key]; ok && e.source != s.Name {
					hit, why = &e, k.why
					break
				}
			}
			if hit == nil {
				out = append(out, g)
				for _, k := range keys {
					if _, ok := byKey[k.key]; !ok {
						byKey[k.key] = entry{g, s.Name}
					}
				}
				continue
			}
			mergeInto(hit.g, g)
			dups = append(dups, Duplicate{Kept: duplicateRecord(hit.g), Merged: duplicateRecord(g), Why: why})
		}
	}
	return out, dups
}

type dupKey struct{ key, why string }

// dupKeys are the keys under which two listings are the same meeting.
func dupKeys(g *data.Group) []dupKey {
	if g.Kind != data.KindGroup && g.Kind != "" {
		return nil // finders and helplines have no time and place to compare
	}
	var slots []string
	for _, m := range g.Meetings {
		tz := cmp.Or(m.TimeZone, g.TimeZone)
		slots = append(slots, strings.ToUpper(strings.TrimPrefix(m.RRule, "RRULE:"))+"@"+m.Start+"@"+tz)
	}
	slices.Sort(slots)
	when := strings.Join(slots, ";")
	name := dupNorm(g.Name)
	var keys []dupKey
	same := "same name, time and place"
	if l := g.Location; l != nil && g.Format.InPerson() {
		if street := dupNorm(l.Address); street != "" {
			keys = append(keys, dupKey{"n|" + name + "|" + when + "|a|" + street + "|" + dupNorm(cmp.Or(l.PostalCode, l.City)), same})
		}
		if p := l.Point; p != nil {
			keys = append(keys, dupKey{fmt.Sprintf("n|%s|%s|p|%.3f,%.3f", name, when, p.Lat, p.Lon), same})
		}
	}
	if u := conferenceKey(g.Online.URL); u != "" {
		keys = append(keys, dupKey{"n|" + name + "|" + when + "|u|" + u, same})
		if when != "" {
			keys = append(keys, dupKey{"u|" + u + "|" + when, "same conference link at the same time"})
		}
	}
	return keys
}

// dupNorm reduces a name or an address to its lower-case letters and
// digits, so case, spaces and punctuation do not tell two listings apart.
// ASCII, the common case, skips Slugify's Unicode folding, which would
// cost a second per 100,000 listings at every load.
func dupNorm(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			return strings.ReplaceAll(Slugify(s, ""), "-", "")
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}

// conferenceKey normalizes a conference link for comparison: scheme,
// "www.", case of the host and a trailing slash do not matter; the path
// and query (a meeting id, a passcode) do.
func conferenceKey(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return ""
	}
	host := strings.TrimPrefix(strings.ToLower(u.Host), "www.")
	return host + strings.TrimRight(u.Path, "/") + "?" + u.RawQuery
}

// mergeInto folds the duplicate d into the kept listing g.
func mergeInto(g, d *data.Group) {
	src := cmp.Or(d.Source, d.Origin().Source)
	if src != g.Source && !slices.Contains(g.AlsoListedBy, src) {
		g.AlsoListedBy = append(g.AlsoListedBy, src)
	}
	for _, s := range d.AlsoListedBy {
		if s != g.Source && !slices.Contains(g.AlsoListedBy, s) {
			g.AlsoListedBy = append(g.AlsoListedBy, s)
		}
	}
	if g.Online.URL == "" && g.Online.Phone == "" && (d.Online.URL != "" || d.Online.Phone != "") {
		g.Online = d.Online
		if g.Format == data.FormatInPerson {
			g.Format = data.FormatHybrid
		}
	}
	if d.Location != nil && d.Location.Point != nil && (g.Location == nil || g.Location.Point == nil) {
		// A new Location, never an edit of one another listing (or the
		// source cache) may share.
		loc := data.Location{}
		if g.Location != nil {
			loc = *g.Location
		}
		g.Location = &loc
		pt := *d.Location.Point
		g.Location.Point = &pt
	}
	types := slices.Clone(g.Types)
	for _, c := range d.Types {
		if !slices.Contains(types, c) {
			types = append(types, c)
		}
	}
	slices.Sort(types)
	g.Types = types
}
