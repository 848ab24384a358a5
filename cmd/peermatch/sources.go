package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"iter"
	"net/http"
	"os"
	"slices"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/importer"
	"github.com/peermatch/peermatch/index"
)

// source is one directory source as the index keeps it: its name (a file
// or folder path, a URL, "default" or "demo") is the index's source name,
// with the fingerprint that tells next time whether it changed.
type source struct {
	name     string
	format   importer.SourceFormat
	embedded bool
	url      bool
}

// expandSources names the sources a sources list holds, read the way
// `peermatch import` reads them: "default" and "demo" (the embedded
// directories, first), URLs, files, and each *.json, *.csv and *.tsv file
// of a folder as a source of its own (a folder with services.csv is one
// HSDS table set). One source per file lets a reload re-read only the
// file that changed.
func expandSources(paths string) ([]source, error) {
	var embedded, out []source
	seen := map[string]bool{}
	add := func(list *[]source, s source) {
		if !seen[s.name] {
			seen[s.name] = true
			*list = append(*list, s)
		}
	}
	for _, p := range splitSources(paths) {
		switch {
		case p == "default" || p == "demo":
			add(&embedded, source{name: p, embedded: true})
		case importer.ParseSource(p).URL:
			add(&out, source{name: p, url: true})
		default:
			files, err := importer.SourceFiles(p)
			if err != nil {
				return nil, err
			}
			for _, f := range files {
				s := source{name: f}
				if st, err := os.Stat(f); err == nil && st.IsDir() {
					s.format = importer.SourceHSDSTables // a folder stays whole only as HSDS tables
				}
				add(&out, s)
			}
		}
	}
	return append(embedded, out...), nil
}

// embeddedDirectory reads one of the directories built into the program.
func (a *app) embeddedDirectory(name string) (*data.Directory, error) {
	if name == "demo" {
		return importer.DemoDirectory(a.vocab)
	}
	return importer.DefaultDirectory(a.vocab)
}

// check tells whether s still has the content the fingerprint old was
// taken of, and its fingerprint now. A local file or folder costs one stat
// when its size and time are unchanged; an embedded directory is hashed
// (it is small); a URL has no fingerprint and is always read again.
func (a *app) check(s source, old string) (fp string, unchanged bool, err error) {
	switch {
	case s.url:
		return "", false, nil
	case s.embedded:
		fp, err := embeddedFingerprint(s.name)
		return fp, err == nil && fp == old, err
	default:
		return importer.Check(s.name, old)
	}
}

// embeddedFingerprint hashes the files of an embedded directory as they
// are built into the program: cheaper than reading them (the index's own
// record tells a vocabulary that reads them otherwise).
func embeddedFingerprint(name string) (string, error) {
	h := sha256.New()
	root := "directory/" + name
	err := fs.WalkDir(data.DirectoryFS(), root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(data.DirectoryFS(), p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("embedded %s directory: %w", name, err)
	}
	return "embedded:" + hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// records streams s's valid listings, each bad record to problem.
func (a *app) records(ctx context.Context, s source, problem func(error)) iter.Seq2[*data.Group, error] {
	if s.embedded {
		return func(yield func(*data.Group, error) bool) {
			d, err := a.embeddedDirectory(s.name)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, g := range d.Groups {
				if !yield(g, nil) {
					return
				}
			}
		}
	}
	opts := importer.ImportOptions{Format: s.format, Gazetteer: a.gaz, Fetch: importer.HTTPFetcher(ctx, &http.Client{Timeout: fetchTimeout})}
	if !s.url {
		// An operator's own files may be larger than a feed fetched from
		// someone else's server.
		opts.MaxBytes = importer.DefaultMaxLocalBytes
	}
	return importer.Records(ctx, a.vocab, s.name, opts, problem)
}

// logProblem logs one bad record of a source (its file, record and line
// are in the error); the record is skipped, the source still served.
func (a *app) logProblem(p error) {
	if importer.IsWarning(p) {
		a.log.Warn("directory record", "problem", p.Error())
	} else {
		a.log.Warn("directory record skipped", "problem", p.Error())
	}
}

// merged is a listing of a later source that is the same meeting as one
// an earlier source lists: it is not indexed, but folded into that one
// (importer.Merge) every time the earlier source is read.
type merged struct {
	Source string      `json:"source"` // the later source's name
	Group  *data.Group `json:"group"`
}

// loaderState is what the loader keeps beside a persisted index: the
// sources it was last given (so a restart removes the listings of one
// that is gone) and the merged duplicates (so a restart that re-reads one
// source still merges the later sources' listings into it).
type loaderState struct {
	Sources []string            `json:"sources"`
	Merges  map[string][]merged `json:"merges,omitempty"` // by the kept listing's id
}

func loaderStatePath(idxPath string) string { return idxPath + ".loader.json" }

func readLoaderState(idxPath string) (loaderState, error) {
	var ls loaderState
	b, err := os.ReadFile(loaderStatePath(idxPath))
	if err != nil {
		return ls, fmt.Errorf("loader state: %w", err)
	}
	if err := json.Unmarshal(b, &ls); err != nil {
		return ls, fmt.Errorf("loader state %s: %w", loaderStatePath(idxPath), err)
	}
	return ls, nil
}

func writeLoaderState(idxPath string, ls loaderState) error {
	b, err := json.Marshal(ls)
	if err != nil {
		return fmt.Errorf("loader state: %w", err)
	}
	name := loaderStatePath(idxPath)
	if err := os.WriteFile(name+".tmp", b, 0o600); err != nil {
		return fmt.Errorf("loader state: %w", err)
	}
	if err := os.Rename(name+".tmp", name); err != nil {
		return fmt.Errorf("loader state: %w", err)
	}
	return nil
}

// dedup serves each meeting once across sources, as the whole-directory
// loader did: a later source's listing of a meeting an earlier source
// lists (importer.DupKeys) is not indexed but merged into the earlier one,
// and a later listing whose id another source took is renamed
// "<source>.<id>". While building it keeps a hash of every key and id (a
// few tens of MB at 500,000 listings, dropped with the build); on a reload
// the index itself tells a duplicate (DuplicateOf).
type dedup struct {
	a      *app
	seed   maphash.Seed
	keys   map[uint64]dupFirst // build only
	ids    map[uint64]int      // build only: id hash -> source position
	merges map[string][]merged
}

type dupFirst struct {
	id  string
	src int
}

func newDedup(a *app, merges map[string][]merged, building bool) *dedup {
	d := &dedup{a: a, seed: maphash.MakeSeed(), merges: merges}
	if d.merges == nil {
		d.merges = map[string][]merged{}
	}
	if building {
		d.keys, d.ids = map[uint64]dupFirst{}, map[uint64]int{}
	}
	return d
}

// forget drops what src's listings were merged into: a reload of src
// finds its duplicates again.
func (d *dedup) forget(src string) {
	for id, ms := range d.merges {
		ms = slices.DeleteFunc(ms, func(m merged) bool { return m.Source == src })
		if len(ms) == 0 {
			delete(d.merges, id)
		} else {
			d.merges[id] = ms
		}
	}
}

// merge records g (of source src) as merged into kept; it reports whether
// that is new.
func (d *dedup) merge(kept, src string, g *data.Group) bool {
	for _, m := range d.merges[kept] {
		if m.Source == src && m.Group.ID == g.ID {
			return false
		}
	}
	d.merges[kept] = append(d.merges[kept], merged{Source: src, Group: g})
	return true
}

// filter passes on the listings of s (at position pos of the sources) as
// a build reads them, dropping the ones an earlier source lists (merged
// into those instead, and kept tells which) and renaming taken ids; each
// listing gets what later sources' duplicates of it add.
func (d *dedup) filter(pos int, s source, in iter.Seq2[*data.Group, error], kept func(pos int)) iter.Seq2[*data.Group, error] {
	return func(yield func(*data.Group, error) bool) {
		for g, err := range in {
			if err != nil {
				yield(nil, err)
				return
			}
			setSource(g, s.name)
			first, ok, mine := d.duplicateOf(pos, g)
			if ok {
				if d.merge(first.id, s.name, g) {
					d.a.log.Info("same meeting in two sources, served once", "kept", first.id, "merged", g.ID, "source", s.name)
				}
				if kept != nil {
					kept(first.src)
				}
				continue
			}
			d.rename(pos, s, g)
			for _, h := range mine { // under the id it is served as
				d.keys[h] = dupFirst{id: g.ID, src: pos}
			}
			d.mergeInto(g)
			if !yield(g, nil) {
				return
			}
		}
	}
}

func setSource(g *data.Group, name string) {
	o := g.Origin()
	o.Source = name
	g.SetOrigin(o)
}

// mergeInto folds into g the later sources' listings of the same meeting.
func (d *dedup) mergeInto(g *data.Group) {
	for _, m := range d.merges[g.ID] {
		dup := *m.Group
		dup.SetOrigin(data.Origin{Source: m.Source})
		importer.Merge(g, &dup)
	}
}

// duplicateOf names the listing of an earlier source that g is the same
// meeting as, while building; it also gives the hashes of g's keys no
// listing has yet, for the caller to record once g is kept.
func (d *dedup) duplicateOf(pos int, g *data.Group) (dupFirst, bool, []uint64) {
	var mine []uint64
	for _, k := range importer.DupKeys(g) {
		h := maphash.String(d.seed, k)
		f, ok := d.keys[h]
		if ok && f.src != pos {
			return f, true, nil
		}
		if !ok {
			mine = append(mine, h)
		}
	}
	return dupFirst{}, false, mine
}

// replaceSource applies s's listings now to the index as a difference
// (index.ReplaceSource), after a build or on a reload: a listing of a
// meeting another source holds (DuplicateOf, Owner) is merged into that
// one rather than indexed, and an id another source holds is renamed, as
// a build does. had is how many listings the index held of s: a source
// that gave listings and now gives none but problems keeps them
// (errNothingLeft).
func (d *dedup) replaceSource(ctx context.Context, b *index.Bleve, s source, fp string, had int) (index.Diff, error) {
	other := func(id string) bool {
		owner, ok := b.Owner(ctx, id)
		return ok && owner != s.name
	}
	type dup struct {
		kept string
		g    *data.Group
	}
	var dups []dup // recorded once the source is applied: a failed read changes nothing
	problems := 0
	in := d.a.records(ctx, s, func(p error) { problems++; d.a.logProblem(p) })
	seq := func(yield func(*data.Group, error) bool) {
		for g, err := range in {
			if err != nil {
				yield(nil, err)
				return
			}
			setSource(g, s.name)
			if kept, ok := b.DuplicateOf(ctx, g); ok && other(kept) {
				dups = append(dups, dup{kept, g})
				continue
			}
			if other(g.ID) {
				d.renameAs(s, g, other)
			}
			d.mergeInto(g)
			if !yield(g, nil) {
				return
			}
		}
	}
	diff, err := b.ReplaceSource(ctx, s.name, fp, guard(seq, had, &problems))
	if err != nil {
		return diff, err
	}
	known := map[string]bool{}
	for _, ms := range d.merges {
		for _, m := range ms {
			if m.Source == s.name {
				known[m.Group.ID] = true
			}
		}
	}
	d.forget(s.name)
	for _, x := range dups {
		d.merge(x.kept, s.name, x.g)
		if !known[x.g.ID] {
			d.a.log.Info("same meeting in two sources, served once", "kept", x.kept, "merged", x.g.ID, "source", s.name)
		}
	}
	return diff, nil
}

// rename gives g "<source>.<id>" when an earlier source took its id,
// while building.
func (d *dedup) rename(pos int, s source, g *data.Group) {
	h := maphash.String(d.seed, g.ID)
	owner, ok := d.ids[h]
	if !ok {
		d.ids[h] = pos
		return
	}
	if owner == pos {
		return // a repeat within one source: the index keeps the first
	}
	if d.renameAs(s, g, func(id string) bool { _, ok := d.ids[maphash.String(d.seed, id)]; return ok }) {
		d.ids[maphash.String(d.seed, g.ID)] = pos
	}
}

// renameAs gives g, whose id another source holds, the id
// "<source>.<id>" unless taken says that one is taken too (the index then
// keeps the first listing of the id), and reports whether it did.
func (d *dedup) renameAs(s source, g *data.Group, taken func(id string) bool) bool {
	renamed := importer.Slugify(importer.ParseSource(s.name).Slug(), "source") + "." + g.ID
	if !data.ValidID(renamed) || taken(renamed) {
		return false
	}
	d.a.log.Warn("directory record", "problem", (&importer.Warning{RecordError: &data.RecordError{Source: s.name, ID: g.ID, Field: "id",
		Reason: fmt.Sprintf("id already used by another source's listing: served as %q", renamed)}}).Error())
	g.ID = renamed
	return true
}

// errNothingLeft stops a source's replacement when a source that gave
// listings before now gives none and had problems (a truncated upload, a
// broken export): its old listings stay served.
var errNothingLeft = errors.New("it now gives no listings; still serving the ones it gave before")

// guard passes in on, and ends it with errNothingLeft when it yielded no
// listing, had problems, and the source held some before.
func guard(in iter.Seq2[*data.Group, error], had int, problems *int) iter.Seq2[*data.Group, error] {
	return func(yield func(*data.Group, error) bool) {
		n := 0
		for g, err := range in {
			if err == nil {
				n++
			}
			if !yield(g, err) {
				return
			}
		}
		if n == 0 && had > 0 && *problems > 0 {
			yield(nil, errNothingLeft)
		}
	}
}

// collect reads srcs whole, each meeting once, for a command that wants
// every listing at hand (export --data); the bot never does.
func (a *app) collect(ctx context.Context, srcs []source) ([]*data.Group, error) {
	d := newDedup(a, nil, true)
	var out []*data.Group
	for i, s := range srcs {
		for g, err := range d.filter(i, s, a.records(ctx, s, a.logProblem), nil) {
			if err != nil {
				return nil, fmt.Errorf("directory source %s: %w", s.name, err)
			}
			out = append(out, g)
		}
	}
	// A listing's duplicates come from later sources: merged once all
	// are read.
	for _, g := range out {
		d.mergeInto(g)
	}
	return out, nil
}
