package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/index"
	"github.com/peermatch/peermatch/matcher"
)

const usage = `peermatch finds peer support groups.

Usage:
  peermatch [--data PATH]          run the bot: Telegram/Discord when their tokens are set, else the console chat
  peermatch chat [--data PATH]     chat in this terminal (reads stdin, one message a line)
  peermatch search [flags] WORDS   search the directory (peermatch search -h)
  peermatch screen                 screen messages on stdin for crisis signals, JSON lines out
  peermatch times [flags] GROUP    next meetings of a group (peermatch times -h)
  peermatch validate [flags] PATH  check a directory source (Meeting Guide, HSDS, CSV, native)
  peermatch import [flags] PATH    store a source's good records in the state directory
  peermatch export [flags]         the imported directory as a Meeting Guide feed

Environment: PEERMATCH_STATE, PEERMATCH_DATA, PEERMATCH_LOG_LEVEL, PEERMATCH_LOG_FORMAT,
PEERMATCH_TELEGRAM_TOKEN, PEERMATCH_DISCORD_TOKEN (see README.md).
`

// exitCode carries a process status for errors already reported to the
// user (validation failures, usage errors).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func exitStatus(err error) int {
	var ec exitCode
	if errors.As(err, &ec) {
		return int(ec)
	}
	return 1
}

// run is the whole program; main only supplies the process's parts.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "", "serve":
		return runServe(ctx, args, getenv, stdin, stdout, stderr)
	case "chat":
		return runChat(ctx, args, getenv, stdin, stdout, stderr)
	case "search":
		return runSearch(ctx, args, getenv, stdout, stderr)
	case "screen":
		return runScreen(ctx, args, stdin, stdout, stderr)
	case "validate":
		return runValidate(ctx, args, getenv, stdout, stderr)
	case "import":
		return runImport(ctx, args, getenv, stdout, stderr)
	case "export":
		return runExport(ctx, args, getenv, stdout, stderr)
	case "times":
		return runTimesCommand(ctx, args, getenv, stdout, stderr, time.Now())
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "peermatch: unknown command %q\n\n%s", cmd, usage)
		return exitCode(2)
	}
}

// app is what every command shares: the logger, the directory sources and
// the matcher over their index. The index holds the directory (on disk for
// any directory with files in it): the process keeps no listing besides
// the few it shows.
type app struct {
	log      *slog.Logger
	stateDir string
	vocab    *data.Vocabulary
	gaz      *place.Gazetteer
	sources  func() string // the directory sources now (imports can appear)
	live     *matcher.Live

	mu      sync.Mutex // guards what a reload changes: idx's sources, served, dd
	idx     *index.Bleve
	idxPath string   // where idx lives on disk; "" in memory
	served  []string // the names of the sources idx holds
	dd      *dedup
	loaded  string // the sources' fingerprint (reload.go) taken before the start read them

	preloaded chan struct{} // closed when the gazetteer has loaded
}

// Close waits for the gazetteer's loading (no goroutine outlives the
// command) and closes the index.
func (a *app) Close() error {
	if a.preloaded != nil {
		<-a.preloaded
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.idx != nil {
		return a.idx.Close()
	}
	return nil
}

// servingMemoryLimit is the soft limit on the Go heap the bot runs under
// unless the operator sets GOMEMLIMIT, and servingGCPercent how far the
// heap grows past what is live before a collection unless GOGC is set.
// With the directory in the index the heap holds what serving uses,
// whatever the directory's size but for the index's ids: about 50 MiB
// live at 500,000 listings (the gazetteer ~18, the index's ids and
// symbols ~12, the crisis screen ~11, the lexicon ~3, the
// conversations). Go's default lets the heap double before collecting,
// which alone took the process past the 200 MB the product promises;
// growing by half costs a collection of that small, mostly pointer-free
// heap twice as often (2% of the CPU in `GODEBUG=gctrace=1` over 3,000
// messages). The limit is a ceiling above that with room for garbage: far
// below it, the collector would run all the time.
const (
	servingMemoryLimit = 160 << 20
	servingGCPercent   = 50
)

// newLogger builds the one logger of the process from the environment.
func newLogger(getenv func(string) string, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if l := getenv("PEERMATCH_LOG_LEVEL"); l != "" {
		if err := level.UnmarshalText([]byte(l)); err != nil {
			return nil, fmt.Errorf("PEERMATCH_LOG_LEVEL: expected debug, info, warn or error, got %q", l)
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch f := getenv("PEERMATCH_LOG_FORMAT"); f {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("PEERMATCH_LOG_FORMAT: expected text or json, got %q", f)
	}
}

// stateDir is PEERMATCH_STATE, else $XDG_STATE_HOME/peermatch, else
// ~/.local/state/peermatch.
func stateDir(getenv func(string) string) (string, error) {
	if d := getenv("PEERMATCH_STATE"); d != "" {
		return d, nil
	}
	if d := getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "peermatch"), nil
	}
	home := getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("state directory: set PEERMATCH_STATE: %w", err)
		}
	}
	return filepath.Join(home, ".local", "state", "peermatch"), nil
}

// dataFlag pulls --data's value out of args without parsing the rest.
func dataFlag(args []string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--data="); ok {
			return v
		}
		if v, ok := strings.CutPrefix(a, "-data="); ok {
			return v
		}
		if (a == "--data" || a == "-data") && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// newApp opens the index of the directory (the --data / PEERMATCH_DATA
// sources, else the embedded default plus whatever `peermatch import`
// put in the state directory) and a matcher over it. An index on disk
// that is current is reopened without reading a listing; a changed source
// is applied to it as a difference; only a missing index or one of
// another mapping or vocabulary is built, streaming the sources.
func newApp(ctx context.Context, getenv func(string) string, stderr io.Writer, dataPaths string) (*app, error) {
	a, err := openIndex(ctx, getenv, stderr, dataPaths)
	if err != nil {
		return nil, err
	}
	a.live = matcher.NewLive(matcher.New(a.idx, a.vocab, a.gaz, a.log))
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(servingMemoryLimit)
	}
	if getenv("GOGC") == "" {
		debug.SetGCPercent(servingGCPercent)
	}
	a.preloaded = make(chan struct{})
	go func() { // off the first message's path; lookups wait for it if they come first
		defer close(a.preloaded)
		a.gaz.Preload()
		// Starting leaves garbage (building the gazetteer, learning the
		// lexicon, building an index): hundreds of MiB the collector
		// frees but the runtime would hand back to the system only
		// slowly. Give it back once, rather than carry it while serving.
		debug.FreeOSMemory()
	}()
	return a, nil
}

// openIndex is newApp without the matcher, for a command that only reads
// listings back (times): the index, up to date with the sources.
func openIndex(ctx context.Context, getenv func(string) string, stderr io.Writer, dataPaths string) (a *app, err error) {
	log, err := newLogger(getenv, stderr)
	if err != nil {
		return nil, err
	}
	sd, err := stateDir(getenv)
	if err != nil {
		return nil, err
	}
	vocab, err := data.DefaultVocabulary()
	if err != nil {
		return nil, err
	}
	a = &app{log: log, stateDir: sd, vocab: vocab, gaz: place.DefaultGazetteer(),
		sources: directorySources(sd, cmp.Or(dataPaths, getenv("PEERMATCH_DATA")))}
	a.loaded = fingerprint(a.sources(), time.Now())
	srcs, err := expandSources(a.sources())
	if err != nil {
		return nil, err
	}
	if err = a.open(ctx, srcs); err != nil {
		return nil, err
	}
	return a, nil
}

// open opens the index of srcs: reopened and brought up to date when it
// is on disk, else built.
func (a *app) open(ctx context.Context, srcs []source) error {
	path := a.indexPath(srcs)
	if path != "" {
		b, err := index.Reopen(ctx, path, a.vocab, a.log)
		if err == nil {
			if err = a.reopened(ctx, b, path, srcs); err == nil {
				return nil
			}
			b.Close()
			a.idx = nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !errors.Is(err, os.ErrNotExist) {
			a.log.Info("building the search index", "reason", err.Error())
		}
	}
	return a.build(ctx, path, srcs)
}

// errInconsistent: the index holds listings of a source the loader does
// not know of (its record was lost): only a build is sure to be right.
var errInconsistent = errors.New("the index holds listings of sources it was not given")

// reopened brings a reopened index up to date: the sources that changed
// since it was written are applied as differences, the ones no longer
// given are removed. A source that cannot be read keeps the listings the
// index has of it (logged), as on a reload.
func (a *app) reopened(ctx context.Context, b *index.Bleve, path string, srcs []source) error {
	ls, err := readLoaderState(path)
	if err != nil {
		return err
	}
	a.idx, a.idxPath, a.served, a.dd = b, path, ls.Sources, newDedup(a, ls.Merges, false)
	if err := a.apply(ctx, srcs); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		a.log.Error("directory sources not all read; serving what the index had of them", "err", err.Error())
	}
	n := 0
	for _, s := range srcs {
		st, _ := b.Source(s.name)
		n += st.Groups
	}
	if n != b.Count() {
		return fmt.Errorf("%w (%d listings, %d in its sources)", errInconsistent, b.Count(), n)
	}
	return nil
}

// build streams srcs into a new index at path (in memory when "").
// Listings of a meeting an earlier source lists are merged into that one,
// so the sources that hold such listings are applied once more, with the
// merges, after the build (rare: overlapping feeds).
func (a *app) build(ctx context.Context, path string, srcs []source) error {
	d := newDedup(a, nil, true)
	streams := make([]index.Source, len(srcs))
	fps := make([]string, len(srcs))
	again := map[int]bool{}
	for i, s := range srcs {
		fp, _, err := a.check(s, "")
		if err != nil {
			return fmt.Errorf("directory source %s: %w", s.name, err)
		}
		fps[i] = fp
		streams[i] = index.Source{Name: s.name, Fingerprint: fp,
			Groups: d.filter(i, s, a.records(ctx, s, a.logProblem), func(pos int) { again[pos] = true })}
	}
	b, err := index.Build(ctx, path, a.vocab, a.log, streams...)
	if err != nil {
		return err
	}
	a.idx, a.idxPath, a.dd = b, path, newDedup(a, d.merges, false)
	a.served = make([]string, len(srcs))
	for i, s := range srcs {
		a.served[i] = s.name
	}
	for _, i := range slices.Sorted(maps.Keys(again)) {
		st, _ := b.Source(srcs[i].name)
		if _, err := a.dd.replaceSource(ctx, b, srcs[i], fps[i], st.Groups); err != nil {
			b.Close()
			a.idx = nil
			return fmt.Errorf("directory source %s: merging duplicates: %w", srcs[i].name, err)
		}
	}
	return a.saveLoaderState()
}

// apply brings the index up to date with srcs: each source whose
// fingerprint changed (or that is new) is re-read and applied as a
// difference, each source no longer given is removed. A source that
// cannot be read whole is left as the index has it, and named in the
// error; the others are applied all the same. The caller holds a.mu, or
// owns a alone.
func (a *app) apply(ctx context.Context, srcs []source) error {
	var errs []error
	names := make([]string, len(srcs))
	for i, s := range srcs {
		names[i] = s.name
		st, had := a.idx.Source(s.name)
		fp, same, err := a.check(s, st.Fingerprint)
		if err != nil {
			errs = append(errs, fmt.Errorf("directory source %s: %w", s.name, err))
			continue
		}
		if had && same {
			continue
		}
		diff, err := a.dd.replaceSource(ctx, a.idx, s, fp, st.Groups)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, fmt.Errorf("directory source %s: %w", s.name, err))
			continue
		}
		a.log.Info("directory source applied", "source", s.name, "added", len(diff.Added), "changed", len(diff.Changed), "removed", len(diff.Removed))
	}
	for _, name := range a.served {
		if slices.Contains(names, name) {
			continue
		}
		diff, err := a.idx.ReplaceSource(ctx, name, "", index.Slice(nil))
		if err != nil {
			errs = append(errs, fmt.Errorf("directory source %s: removing it: %w", name, err))
			names = append(names, name) // still served: removed at the next reload
			continue
		}
		a.dd.forget(name)
		a.log.Info("directory source removed", "source", name, "removed", len(diff.Removed))
	}
	a.served = names
	if err := a.saveLoaderState(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// saveLoaderState records the sources and merges beside an index on disk.
func (a *app) saveLoaderState() error {
	if a.idxPath == "" {
		return nil
	}
	return writeLoaderState(a.idxPath, loaderState{Sources: a.served, Merges: a.dd.merges})
}

// indexPath is where the index of srcs lives: in memory when they are
// only the embedded directories (small, and built in a fraction of a
// second), else under the state directory, named after the sources list,
// so that a command run on other sources does not take the bot's index.
func (a *app) indexPath(srcs []source) string {
	if !slices.ContainsFunc(srcs, func(s source) bool { return !s.embedded }) {
		return ""
	}
	h := sha256.Sum256([]byte(a.sources()))
	return filepath.Join(a.stateDir, "index", hex.EncodeToString(h[:8]))
}

// pruneIndexes removes persisted indexes other than the one in use (and
// its loader record): those of other sources lists, and leftovers of
// earlier versions.
func (a *app) pruneIndexes(keep string) {
	entries, err := os.ReadDir(filepath.Join(a.stateDir, "index"))
	if err != nil {
		return
	}
	for _, e := range entries {
		if p := filepath.Join(a.stateDir, "index", e.Name()); p != keep && p != loaderStatePath(keep) {
			if err := os.RemoveAll(p); err != nil {
				a.log.Warn("could not remove an old index", "path", p, "err", err.Error())
			}
		}
	}
}

// directorySources returns the directory sources a command serves: the
// --data / PEERMATCH_DATA sources when given, else the embedded default
// plus whatever `peermatch import` stored. It is a function because an
// import can appear while the bot runs.
func directorySources(stateDir, explicit string) func() string {
	return func() string {
		if explicit != "" {
			return explicit
		}
		imported := filepath.Join(stateDir, "directory")
		if st, err := os.Stat(imported); err == nil && st.IsDir() {
			return "default," + imported
		}
		return "default"
	}
}

// splitSources splits a sources list on commas and the OS list separator,
// except inside a URL, whose "https:" must not split it.
func splitSources(paths string) []string {
	var out []string
	for _, p := range strings.Split(paths, ",") {
		if strings.Contains(p, "://") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
			continue
		}
		for _, q := range strings.Split(p, string(filepath.ListSeparator)) {
			if q = strings.TrimSpace(q); q != "" {
				out = append(out, q)
			}
		}
	}
	return out
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
