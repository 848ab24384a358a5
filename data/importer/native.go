package importer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/peermatch/peermatch/data"
)

// DefaultDirectory returns the embedded directory of real national
// organizations. It is reviewed data, so any bad record is an error.
func DefaultDirectory(v *data.Vocabulary) (*data.Directory, error) {
	return embeddedDirectory("default", v)
}

// DemoDirectory returns the embedded, clearly fictional directory of local
// example groups (every listing is marked Demo), for trying the bot out and
// for tests and benchmarks. It is used only when asked for.
func DemoDirectory(v *data.Vocabulary) (*data.Directory, error) {
	return embeddedDirectory("demo", v)
}

func embeddedDirectory(name string, v *data.Vocabulary) (*data.Directory, error) {
	sub, err := fs.Sub(data.DirectoryFS(), "directory/"+name)
	if err != nil {
		return nil, fmt.Errorf("embedded %s directory: %w", name, err)
	}
	d, problems, err := LoadFS(sub, v)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("embedded %s directory: %w", name, errors.Join(problems...))
	}
	return d, nil
}

// LoadFS loads every *.json file of fsys in name order.
func LoadFS(fsys fs.FS, v *data.Vocabulary) (*data.Directory, []error, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, nil, err
	}
	slices.Sort(names)
	s, gs, ps := collect(context.Background())
	for _, n := range names {
		f, err := fsys.Open(n)
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", n, err)
		}
		err = nativeFile(s, v, n, f)
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", n, err)
		}
	}
	all, dups := dedupe(*gs)
	return data.NewDirectory(all), append(*ps, dups...), nil
}

// LoadDirectory loads groups from files or directories of *.json files in
// our native format. It returns the good records, one error per bad record,
// and a non-nil error only when a source cannot be read at all.
func LoadDirectory(v *data.Vocabulary, paths ...string) (*data.Directory, []error, error) {
	s, gs, ps := collect(context.Background())
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("directory source: %w", err)
		}
		files := []string{p}
		if st.IsDir() {
			files, err = filepath.Glob(filepath.Join(p, "*.json"))
			if err != nil {
				return nil, nil, err
			}
			slices.Sort(files)
		}
		for _, name := range files {
			f, err := os.Open(name)
			if err != nil {
				return nil, nil, fmt.Errorf("directory source: %w", err)
			}
			err = nativeFile(s, v, name, f)
			f.Close()
			if err != nil {
				return nil, nil, fmt.Errorf("directory source: %w", err)
			}
		}
	}
	all, dups := dedupe(*gs)
	return data.NewDirectory(all), append(*ps, dups...), nil
}

// nativeFile reads one native file into s the way ParseGroups always has:
// a file that breaks off is one more problem, not a failure, and the
// records before the break are kept. Only a read error is returned.
func nativeFile(s *sink, v *data.Vocabulary, name string, r io.Reader) error {
	err := parseNative(s, v, name, bufio.NewReaderSize(r, 64<<10))
	var re *data.RecordError
	if errors.As(err, &re) {
		s.bad(err)
		return nil
	}
	return err
}

func duplicateID(id string) error {
	return &data.RecordError{Source: "directory", ID: id, Field: "id", Reason: "duplicate id; the first record with this id is kept"}
}

// dedupe keeps the first group of each id and reports later ones.
func dedupe(gs []*data.Group) ([]*data.Group, []error) {
	seen := make(map[string]bool, len(gs))
	out := gs[:0]
	var problems []error
	for _, g := range gs {
		if seen[g.ID] {
			problems = append(problems, duplicateID(g.ID))
			continue
		}
		seen[g.ID] = true
		out = append(out, g)
	}
	return out, problems
}

// ParseGroups reads one native directory file, {"groups": [...]}, keeping
// every valid record and returning one error per invalid one (a file that
// breaks off is one more).
func ParseGroups(source string, b []byte, v *data.Vocabulary) ([]*data.Group, []error) {
	s, gs, ps := collect(context.Background())
	if err := nativeFile(s, v, source, bytes.NewReader(b)); err != nil {
		s.bad(&data.RecordError{Source: source, Reason: err.Error()})
	}
	return *gs, *ps
}

// parseNative reads our own format, {"groups": [...]}, one record at a
// time: each is decoded, normalized and checked, then handed to s. A
// record that is not valid is one problem per wrong field; JSON that
// breaks off ends the read with a *data.RecordError naming the record and
// its line. The recover is the last line of defence for a panic the
// checks did not foresee; it fails the source (the groups before it were
// good).
func parseNative(s *sink, v *data.Vocabulary, source string, r io.Reader) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &data.RecordError{Source: source, Reason: fmt.Sprintf("the file could not be read: %s (%v); please report it", internalError, p)}
		}
	}()
	fileErr := func(reason string) error {
		return &data.RecordError{Source: source, Reason: reason}
	}
	lines := &lineTracker{r: r, line: 1}
	under := r // what lines reads from
	dec := json.NewDecoder(lines)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fileErr(`expected a JSON object {"groups": [...]}` + jsonWhy(err))
	}
	found := false
	rd := &nativeReader{s: s, v: v, source: source, seen: map[string]int{}, checked: meetingChecker{}}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return fileErr("malformed JSON" + jsonWhy(err))
		}
		if key != "groups" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fileErr("malformed JSON" + jsonWhy(err))
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return fileErr(`field groups: expected an array` + jsonWhy(err))
		}
		found = true
		// The records are framed by an array scanner, not decoded twice
		// by the decoder (which was a third of a native load): it reads
		// what the decoder read ahead, then the rest of the source.
		lines.at(dec.InputOffset())
		br := bufio.NewReaderSize(io.MultiReader(dec.Buffered(), under), 64<<10)
		sc := newArrayScanner(source, br, (&ImportOptions{}).maxRecord())
		sc.line, sc.started = lines.line, true
		rd.n = 0 // records are numbered within their array
		if err := rd.records(sc); err != nil {
			return err
		}
		// The rest of the object goes back to a decoder, primed with an
		// object whose groups it has just read (no newline, so lines
		// count on from the scanner's).
		lines = &lineTracker{r: io.MultiReader(strings.NewReader(`{"groups":[]`), br), line: sc.line}
		under = lines.r
		dec = json.NewDecoder(lines)
		for range 4 { // { "groups" [ ]
			if _, err := dec.Token(); err != nil {
				return fileErr("malformed JSON" + jsonWhy(err))
			}
		}
	}
	if !found {
		return fileErr(`no "groups" array found`)
	}
	return nil
}

// nativeReader is one native file being read.
type nativeReader struct {
	s       *sink
	v       *data.Vocabulary
	source  string
	seen    map[string]int // id → record
	checked meetingChecker
	scratch []rawField // decodeGroup's, reused record after record
	n       int        // records read in the current array
}

// records reads the elements of a groups array, its '[' read: each is
// decoded, normalized and checked, then handed to s.
func (rd *nativeReader) records(sc *arrayScanner) error {
	s, source := rd.s, rd.source
	for {
		if err := s.next(); err != nil {
			return err
		}
		raw, line, size, ok, err := sc.next(rd.n + 1)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		rd.n++
		n := rd.n
		if raw == nil {
			s.bad(&data.RecordError{Source: source, Record: n, Line: line, Reason: fmt.Sprintf("record is %d bytes, over the %d-byte limit for one group", size, sc.max)})
			continue
		}
		var g data.Group
		var fast bool
		if rd.scratch, fast = decodeGroup(raw, &g, rd.scratch); !fast {
			g = data.Group{}
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&g); err != nil {
				s.bad(&data.RecordError{Source: source, Record: n, Line: line, Field: jsonField(err), Reason: jsonReason(err)})
				continue
			}
		}
		g.Normalize()
		errs := g.Validate(rd.v, rd.checked.check)
		if first, dup := rd.seen[g.ID]; dup && g.ID != "" {
			errs = append(errs, data.FieldError{Field: "id", Reason: fmt.Sprintf("duplicate id, already used by record %d", first)})
		}
		if len(errs) > 0 {
			s.bad(toRecordErrors(source, n, line, g.ID, errs)...)
			continue
		}
		rd.seen[g.ID] = n
		if err := s.add(&g); err != nil {
			return err
		}
	}
}

func jsonWhy(err error) string {
	if err == nil || errors.Is(err, io.EOF) {
		if errors.Is(err, io.EOF) {
			return " (the file ends early)"
		}
		return ""
	}
	return " (" + err.Error() + ")"
}

func jsonField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return strings.Trim(f, `"`)
	}
	return ""
}

func jsonReason(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("expected %s, got JSON %s", te.Type, te.Value)
	}
	if strings.HasPrefix(err.Error(), "json: unknown field ") {
		return "unknown field (check the spelling against the documented format)"
	}
	return "malformed JSON (" + err.Error() + ")"
}

// lineTracker is the reader the JSON decoder reads a native file's outer
// object through. It keeps only the bytes between the last offset asked
// about and what the decoder has read ahead, so the line where the groups
// array starts is counted in one pass, never again from the file's start
// (counting from the start for every record made a 500,000-record file
// take half an hour), and the file is never held whole.
type lineTracker struct {
	r     io.Reader
	buf   []byte // bytes from offset base on, from index start
	start int
	base  int64 // offset of buf[start]
	line  int   // line at base
}

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if t.start > 64<<10 && t.start > len(t.buf)/2 {
		// Forget what was counted; copying only now keeps the copies
		// small and rare.
		t.buf = t.buf[:copy(t.buf, t.buf[t.start:])]
		t.start = 0
	}
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// at returns the line of the first byte at or after the decoder offset
// off that is not a separator (InputOffset points just before the ','
// between records), and forgets the bytes before off. Offsets must not
// decrease.
func (t *lineTracker) at(off int64) int {
	rest := t.buf[t.start:]
	i := int(min(max(off-t.base, 0), int64(len(rest))))
	j := i
	for j < len(rest) && strings.IndexByte(", \t\r\n", rest[j]) >= 0 {
		j++
	}
	line := t.line + bytes.Count(rest[:j], []byte{'\n'})
	t.line += bytes.Count(rest[:i], []byte{'\n'})
	t.start += i
	t.base += int64(i)
	return line
}
