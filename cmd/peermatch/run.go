package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/peermatch/peermatch/data/importer"
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
// the matcher over their index, which a reload replaces whole.
type app struct {
	log      *slog.Logger
	stateDir string
	vocab    *data.Vocabulary
	gaz      *place.Gazetteer
	sources  func() string // the directory sources now (imports can appear)
	live     *matcher.Live

	mu      sync.Mutex // guards idx, idxPath and dir, which change on reload
	idx     index.Index
	idxPath string // where idx lives on disk; "" in memory
	dir     *data.Directory

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

// servingMemoryLimit is the soft heap limit the bot runs under unless the
// operator sets GOMEMLIMIT (index/bench_test.go measures with the same).
const servingMemoryLimit = 900 << 20

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

// newApp loads the directory (the --data / PEERMATCH_DATA sources, else
// the embedded default plus whatever `peermatch import` put in the state
// directory) and opens its index.
func newApp(ctx context.Context, getenv func(string) string, stderr io.Writer, dataPaths string) (*app, error) {
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
	a := &app{log: log, stateDir: sd, vocab: vocab, gaz: place.DefaultGazetteer(), preloaded: make(chan struct{}),
		sources: directorySources(sd, cmp.Or(dataPaths, getenv("PEERMATCH_DATA")))}
	dir, err := loadDirectory(ctx, vocab, a.gaz, a.sources(), log)
	if err != nil {
		return nil, err
	}
	m, idx, path, err := a.open(ctx, dir)
	if err != nil {
		return nil, err
	}
	a.live, a.idx, a.idxPath, a.dir = matcher.NewLive(m), idx, path, dir
	if len(dir.Groups) >= 5000 {
		// Loading a national directory leaves hundreds of MiB of garbage;
		// give it back now rather than carry it while serving.
		debug.FreeOSMemory()
	}
	if getenv("GOMEMLIMIT") == "" {
		// By default the collector lets the heap grow to twice what is
		// live; a national directory is ~500 MiB live, so that would pass
		// the 1 GiB the product promises. GOMEMLIMIT overrides this.
		debug.SetMemoryLimit(servingMemoryLimit)
	}
	go func() { // off the first message's path; lookups wait for it if they come first
		defer close(a.preloaded)
		a.gaz.Preload()
	}()
	return a, nil
}

// open builds or opens the index of dir and a matcher over it. Large
// directories persist under state/index/<directory hash>, so a reload
// builds beside the index in use and a restart reopens the current one.
func (a *app) open(ctx context.Context, dir *data.Directory) (*matcher.Matcher, index.Index, string, error) {
	path := ""
	if len(dir.Groups) >= 5000 { // small directories build in memory faster than they open
		path = a.indexPath(dir)
	}
	idx, err := index.Open(ctx, path, dir, a.vocab, a.log)
	if err != nil {
		return nil, nil, "", err
	}
	return matcher.New(idx, dir, a.vocab, a.gaz, a.log), idx, path, nil
}

// indexPath is where the index of dir lives: the one already on disk for
// it (an index updated in place keeps the name of the directory it was
// built for), else a new one named by its hash.
func (a *app) indexPath(dir *data.Directory) string {
	root := filepath.Join(a.stateDir, "index")
	want := dir.Hash()
	if entries, err := os.ReadDir(root); err == nil {
		for _, e := range entries {
			if p := filepath.Join(root, e.Name()); e.IsDir() && index.BuiltFor(p) == want {
				return p
			}
		}
	}
	return filepath.Join(root, want)
}

// pruneIndexes removes persisted indexes other than the one in use: those
// of directories replaced by a reload or before a restart.
func (a *app) pruneIndexes() {
	a.mu.Lock()
	keep := a.idxPath
	a.mu.Unlock()
	entries, err := os.ReadDir(filepath.Join(a.stateDir, "index"))
	if err != nil {
		return
	}
	for _, e := range entries {
		if p := filepath.Join(a.stateDir, "index", e.Name()); p != keep {
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

// loadDirectory reads the sources named in paths (separated by commas or
// the OS list separator) through the same importers as `peermatch import`:
// files, folders or URLs in any supported format; "default" and "demo"
// name the embedded directories, which come first. The same meeting from
// two sources is served once. Bad records are logged one by one and
// skipped; a source that cannot be read whole is an error.
// sourceCache keeps the listings of local source files between loads of
// this process, so a reload reads again only the files that changed.
var sourceCache = &importer.SourceCache{}

func loadDirectory(ctx context.Context, vocab *data.Vocabulary, gaz *place.Gazetteer, paths string, log *slog.Logger) (*data.Directory, error) {
	if paths == "" {
		return importer.DefaultDirectory(vocab)
	}
	var embedded []importer.SourceGroups
	var files []string
	for _, p := range splitSources(paths) {
		switch p {
		case "default":
			d, err := importer.DefaultDirectory(vocab)
			if err != nil {
				return nil, err
			}
			embedded = append(embedded, importer.SourceGroups{Name: p, Groups: d.Groups})
		case "demo":
			d, err := importer.DemoDirectory(vocab)
			if err != nil {
				return nil, err
			}
			embedded = append(embedded, importer.SourceGroups{Name: p, Groups: d.Groups})
		default:
			files = append(files, p)
		}
	}
	opts := importer.ImportOptions{Gazetteer: gaz, Fetch: importer.HTTPFetcher(ctx, &http.Client{Timeout: fetchTimeout}), Cache: sourceCache}
	dir, problems, dups, err := importer.LoadSources(vocab, files, embedded, opts)
	for _, p := range problems {
		if importer.IsWarning(p) {
			log.Warn("directory record", "problem", p.Error())
		} else {
			log.Warn("directory record skipped", "problem", p.Error())
		}
	}
	if err != nil {
		return nil, err
	}
	for _, d := range dups {
		log.Info("same meeting in two sources, served once", "kept", d.Kept.String(), "merged", d.Merged.String(), "why", d.Why)
	}
	return dir, nil
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
