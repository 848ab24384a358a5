package importer

import (
	"bytes"
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
	"github.com/peermatch/peermatch/data/schedule"
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
	var all []*data.Group
	var problems []error
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", n, err)
		}
		gs, ps := ParseGroups(n, b, v)
		all = append(all, gs...)
		problems = append(problems, ps...)
	}
	all, ps := dedupe(all)
	return data.NewDirectory(all), append(problems, ps...), nil
}

// LoadDirectory loads groups from files or directories of *.json files in
// our native format. It returns the good records, one error per bad record,
// and a non-nil error only when a source cannot be read at all.
func LoadDirectory(v *data.Vocabulary, paths ...string) (*data.Directory, []error, error) {
	var all []*data.Group
	var problems []error
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
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, nil, fmt.Errorf("directory source: %w", err)
			}
			gs, ps := ParseGroups(f, b, v)
			all = append(all, gs...)
			problems = append(problems, ps...)
		}
	}
	all, ps := dedupe(all)
	return data.NewDirectory(all), append(problems, ps...), nil
}

// dedupe keeps the first group of each id and reports later ones.
func dedupe(gs []*data.Group) ([]*data.Group, []error) {
	seen := make(map[string]bool, len(gs))
	out := gs[:0]
	var problems []error
	for _, g := range gs {
		if seen[g.ID] {
			problems = append(problems, &data.RecordError{Source: "directory", ID: g.ID, Field: "id", Reason: "duplicate id; the first record with this id is kept"})
			continue
		}
		seen[g.ID] = true
		out = append(out, g)
	}
	return out, problems
}

// ParseGroups reads one native directory file, {"groups": [...]}, keeping
// every valid record and returning one error per invalid one.
func ParseGroups(source string, b []byte, v *data.Vocabulary) ([]*data.Group, []error) {
	fileErr := func(reason string) []error {
		return []error{&data.RecordError{Source: source, Reason: reason}}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fileErr(`expected a JSON object {"groups": [...]}` + jsonWhy(err))
	}
	var groups []*data.Group
	var problems []error
	seen := map[string]int{}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return groups, append(problems, fileErr("malformed JSON"+jsonWhy(err))...)
		}
		if key != "groups" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return groups, append(problems, fileErr("malformed JSON"+jsonWhy(err))...)
			}
			continue
		}
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return groups, append(problems, fileErr(`field groups: expected an array`+jsonWhy(err))...)
		}
		var lines lineCounter
		for n := 1; dec.More(); n++ {
			line := lines.at(b, dec.InputOffset())
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return groups, append(problems, &data.RecordError{Source: source, Record: n, Line: line, Reason: "malformed JSON" + jsonWhy(err)})
			}
			var g data.Group
			rd := json.NewDecoder(bytes.NewReader(raw))
			rd.DisallowUnknownFields()
			if err := rd.Decode(&g); err != nil {
				problems = append(problems, &data.RecordError{Source: source, Record: n, Line: line, Field: jsonField(err), Reason: jsonReason(err)})
				continue
			}
			g.Normalize()
			errs := g.Validate(v, schedule.Validate)
			if first, dup := seen[g.ID]; dup && g.ID != "" {
				errs = append(errs, data.FieldError{Field: "id", Reason: fmt.Sprintf("duplicate id, already used by record %d", first)})
			}
			if len(errs) > 0 {
				for _, fe := range errs {
					problems = append(problems, &data.RecordError{Source: source, Record: n, Line: line, ID: g.ID, Field: fe.Field, Reason: fe.Reason})
				}
				continue
			}
			seen[g.ID] = n
			groups = append(groups, &g)
		}
		if _, err := dec.Token(); err != nil {
			return groups, append(problems, fileErr("malformed JSON"+jsonWhy(err))...)
		}
	}
	if groups == nil && problems == nil {
		return nil, fileErr(`no "groups" array found`)
	}
	return groups, problems
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

// lineCounter gives the line of a record at a decoder offset. Offsets only
// grow, so it counts from the last one: numbering every record of a file
// costs one pass over it, not one per record (counting from the start
// each time took minutes for a 100,000-group file). InputOffset points
// just before the separator, which is skipped with the spaces.
type lineCounter struct {
	off  int64
	line int
}

func (c *lineCounter) at(b []byte, off int64) int {
	off = min(max(off, 0), int64(len(b)))
	for off < int64(len(b)) && strings.IndexByte(", \t\r\n", b[off]) >= 0 {
		off++
	}
	if c.line == 0 || off < c.off {
		c.off, c.line = 0, 1
	}
	c.line += bytes.Count(b[c.off:off], []byte{'\n'})
	c.off = off
	return c.line
}
