package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peermatch/peermatch/data/importer"
	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/data"
)

const validateUsage = `usage: peermatch validate [flags] PATH|URL...

Reads each source (a Meeting Guide JSON feed, Open Referral HSDS 3.0 JSON or
a folder of its CSV tables, our plain CSV, or our own JSON) and reports every
record that cannot be used: file, line, record, field and what was expected.
Exits 1 when any record was rejected. See docs/import.md.

`

const importUsage = `usage: peermatch import [flags] PATH|URL...
       peermatch import --list
       peermatch import --remove NAME

Reads each source like validate does and stores its good records in the
state directory ($PEERMATCH_STATE/directory/NAME.json), replacing what that
source held before. Importing the same input again changes nothing.

`

const exportUsage = `usage: peermatch export [--source NAME] [--data PATH] [--format meeting-guide|csv] [--out FILE]

Writes the imported directory (or one --source, or the --data files) as a
Meeting Guide JSON feed, for other meeting finders, or as our plain CSV for
spreadsheets (--format csv; docs/import.md).

`

// fetchTimeout and the size cap bound what one URL source may cost.
const fetchTimeout = 30 * time.Second

// importFlags are the mapping flags validate and import share.
type importFlags struct {
	format, fellowship, timezone, sourceURL string
	topics                                  listFlag
	notTwelveStep                           bool
}

type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

func (f *importFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.format, "format", "auto", "source format: auto, meeting-guide, hsds, hsds-csv, csv, native")
	fs.Var(&f.topics, "topic", "topic slug(s) for every record, e.g. drugs (repeat or comma-separate)")
	fs.StringVar(&f.fellowship, "fellowship", "", "Meeting Guide fellowship: aa (default), na, al-anon, ga, oa, ...")
	fs.BoolVar(&f.notTwelveStep, "not-twelve-step", false, "Meeting Guide feeds: the meetings do not follow the Twelve Steps (by default they do)")
	fs.StringVar(&f.timezone, "timezone", "", "IANA time zone for records without one, e.g. America/Chicago")
	fs.StringVar(&f.sourceURL, "source-url", "", "public page recorded as the source of records without a URL of their own")
}

func (f *importFlags) options(ctx context.Context) (importer.ImportOptions, error) {
	format, err := importer.ParseSourceFormat(f.format)
	if err != nil {
		return importer.ImportOptions{}, err
	}
	client := &http.Client{Timeout: fetchTimeout}
	return importer.ImportOptions{
		Format:        format,
		Topics:        f.topics,
		Fellowship:    f.fellowship,
		NotTwelveStep: f.notTwelveStep,
		TimeZone:      f.timezone,
		SourceURL:     f.sourceURL,
		Gazetteer:     place.DefaultGazetteer(),
		MaxBytes:      importer.DefaultMaxSourceBytes,
		Fetch:         importer.HTTPFetcher(ctx, client),
	}, nil
}

// problemJSON is one problem in --json output.
type problemJSON struct {
	Severity string `json:"severity"` // "error" (record rejected) or "warning"
	Source   string `json:"source"`
	Line     int    `json:"line,omitempty"`
	Record   int    `json:"record,omitempty"`
	ID       string `json:"id,omitempty"`
	Field    string `json:"field,omitempty"`
	Reason   string `json:"reason"`
}

// duplicateJSON is one meeting that two sources list, in --json output.
type duplicateJSON struct {
	Kept   importer.DuplicateRecord `json:"kept"`
	Merged importer.DuplicateRecord `json:"merged"`
	Why    string                   `json:"why"`
}

type sourceJSON struct {
	Source   string        `json:"source"`
	Format   string        `json:"format"`
	Groups   int           `json:"groups"`
	Rejected int           `json:"rejected"`
	Warnings int           `json:"warnings"`
	Error    string        `json:"error,omitempty"` // the source could not be read whole
	Problems []problemJSON `json:"problems"`
}

func toProblemJSON(src string, err error) problemJSON {
	var re *data.RecordError
	if !errors.As(err, &re) {
		return problemJSON{Severity: "error", Source: src, Reason: err.Error()}
	}
	sev := "error"
	if importer.IsWarning(err) {
		sev = "warning"
	}
	return problemJSON{Severity: sev, Source: re.Source, Line: re.Line, Record: re.Record, ID: re.ID, Field: re.Field, Reason: re.Reason}
}

func countWarnings(problems []error) int {
	n := 0
	for _, p := range problems {
		if importer.IsWarning(p) {
			n++
		}
	}
	return n
}

func formatName(opts importer.ImportOptions, src string) string {
	if opts.Format != importer.SourceAuto {
		return string(opts.Format)
	}
	if importer.ParseSource(src).URL {
		return "auto"
	}
	f, err := importer.DetectFile(src)
	if err != nil {
		return "auto"
	}
	return string(f)
}

// runValidate implements "peermatch validate".
func runValidate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("validate", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, validateUsage); fs.PrintDefaults() }
	var f importFlags
	f.register(fs)
	asJSON := fs.Bool("json", false, "print one JSON object with every problem")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitCode(2)
	}
	if _, err := newLogger(getenv, stderr); err != nil {
		return err
	}
	vocab, err := data.DefaultVocabulary()
	if err != nil {
		return err
	}
	opts, err := f.options(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "validate: %v\n", err)
		return exitCode(2)
	}
	failed := false
	var report []sourceJSON
	var read []importer.SourceGroups
	for _, src := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		groups, problems, err := importer.Import(vocab, src, opts)
		read = append(read, importer.SourceGroups{Name: src, Groups: groups})
		s := sourceJSON{Source: src, Format: formatName(opts, src), Groups: len(groups),
			Rejected: importer.Rejected(problems), Warnings: countWarnings(problems), Problems: []problemJSON{}}
		for _, p := range problems {
			s.Problems = append(s.Problems, toProblemJSON(src, p))
		}
		if err != nil {
			s.Error = err.Error()
		}
		if err != nil || s.Rejected > 0 {
			failed = true
		}
		report = append(report, s)
		if *asJSON {
			continue
		}
		for _, p := range problems {
			fmt.Fprintln(stdout, p.Error())
		}
		if err != nil {
			fmt.Fprintf(stdout, "%s: cannot be read whole: %v\n", src, err)
		}
		fmt.Fprintf(stdout, "%s: %s, %d good, %d rejected, %d warnings\n", src, s.Format, s.Groups, s.Rejected, s.Warnings)
	}
	// The same meeting in two of the sources is served once (the loader
	// merges it); say so, since the operator may want to drop one.
	_, dups := importer.MergeDuplicates(read)
	dupsJSON := []duplicateJSON{}
	for _, d := range dups {
		dupsJSON = append(dupsJSON, duplicateJSON{Kept: d.Kept, Merged: d.Merged, Why: d.Why})
		if !*asJSON {
			fmt.Fprintln(stdout, d.String())
		}
	}
	if len(dups) > 0 && !*asJSON {
		fmt.Fprintf(stdout, "%d meetings listed by two sources (served once each)\n", len(dups))
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			OK         bool            `json:"ok"`
			Sources    []sourceJSON    `json:"sources"`
			Duplicates []duplicateJSON `json:"duplicates"`
		}{!failed, report, dupsJSON}); err != nil {
			return err
		}
	}
	if failed {
		return exitCode(1)
	}
	return nil
}

func directoryStore(getenv func(string) string) (importer.SourceStore, error) {
	sd, err := stateDir(getenv)
	if err != nil {
		return importer.SourceStore{}, err
	}
	return importer.SourceStore{Dir: filepath.Join(sd, "directory")}, nil
}

// runImport implements "peermatch import".
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, importUsage); fs.PrintDefaults() }
	var f importFlags
	f.register(fs)
	name := fs.String("name", "", "name of the stored source (default: from the file name or URL); replaces what that name held")
	list := fs.Bool("list", false, "list the stored sources")
	remove := fs.String("remove", "", "drop the stored source NAME")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	log, err := newLogger(getenv, stderr)
	if err != nil {
		return err
	}
	store, err := directoryStore(getenv)
	if err != nil {
		return err
	}
	switch {
	case *list:
		return listSources(store, stdout)
	case *remove != "":
		if err := store.Remove(*remove); err != nil {
			fmt.Fprintf(stderr, "import: %v\n", err)
			return exitCode(1)
		}
		fmt.Fprintf(stdout, "removed %s\n", *remove)
		log.Info("directory source removed", "name", *remove)
		return nil
	}
	if fs.NArg() == 0 || (*name != "" && fs.NArg() > 1) {
		fs.Usage()
		return exitCode(2)
	}
	vocab, err := data.DefaultVocabulary()
	if err != nil {
		return err
	}
	opts, err := f.options(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "import: %v\n", err)
		return exitCode(2)
	}
	// The embedded directory is served beside imported sources, so its ids
	// count as taken too.
	taken := map[string]bool{}
	if def, err := importer.DefaultDirectory(vocab); err == nil {
		for _, g := range def.Groups {
			taken[g.ID] = true
		}
	}
	failed := false
	for _, src := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		groups, problems, err := importer.Import(vocab, src, opts)
		for _, p := range problems {
			fmt.Fprintln(stderr, p.Error())
		}
		if err != nil {
			// Storing part of a source would drop the rest of its groups.
			fmt.Fprintf(stderr, "%s: not stored: %v\n", src, err)
			failed = true
			continue
		}
		n := *name
		if n == "" {
			n = importer.ParseSource(src).Slug()
		}
		res, err := store.Put(n, importer.StoredSource{Source: src, Format: importer.SourceFormat(formatName(opts, src))}, groups, taken, *name != "")
		if err != nil {
			fmt.Fprintf(stderr, "%s: not stored: %v\n", src, err)
			failed = true
			continue
		}
		rejected := importer.Rejected(problems)
		what := "stored"
		if !res.Changed {
			what = "unchanged"
		}
		fmt.Fprintf(stdout, "%s: %s as %s: %d groups, %d records rejected, %d warnings", src, what, n, len(groups), rejected, countWarnings(problems))
		if res.Prefixed > 0 {
			fmt.Fprintf(stdout, ", %d ids prefixed with %q (another source has them)", res.Prefixed, n+".")
		}
		if res.Replaced != "" {
			fmt.Fprintf(stdout, ", replacing %s", res.Replaced)
		}
		fmt.Fprintln(stdout)
		log.Info("directory source imported", "name", n, "groups", len(groups), "rejected", rejected, "changed", res.Changed)
		if rejected > 0 {
			failed = true
		}
	}
	if failed {
		return exitCode(1)
	}
	return nil
}

func listSources(store importer.SourceStore, stdout io.Writer) error {
	sources, err := store.List()
	if err != nil {
		return err
	}
	if len(sources) == 0 {
		fmt.Fprintf(stdout, "no imported sources in %s\n", store.Dir)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tGROUPS\tFORMAT\tSOURCE")
	for _, s := range sources {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", s.Name, s.Groups, s.Format, s.Source)
	}
	return tw.Flush()
}

// runExport implements "peermatch export".
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, exportUsage); fs.PrintDefaults() }
	source := fs.String("source", "", "export only this stored source")
	dataPaths := fs.String("data", "", "export these directory files instead of the imported ones (default, demo, or paths)")
	out := fs.String("out", "", "write to FILE instead of standard output")
	format := fs.String("format", "meeting-guide", "meeting-guide (a JSON feed) or csv (our plain CSV, cells that would run as spreadsheet formulas escaped with ')")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitCode(2)
	}
	export := importer.ExportMeetingGuide
	switch *format {
	case "meeting-guide":
	case "csv":
		export = importer.ExportCSV
	default:
		fmt.Fprintf(stderr, "export: unknown --format %q (expected meeting-guide or csv)\n", *format)
		return exitCode(2)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	log, err := newLogger(getenv, stderr)
	if err != nil {
		return err
	}
	vocab, err := data.DefaultVocabulary()
	if err != nil {
		return err
	}
	var groups []*data.Group
	switch {
	case *dataPaths != "":
		srcs, err := expandSources(*dataPaths)
		if err != nil {
			return err
		}
		a := &app{log: log, vocab: vocab, gaz: place.DefaultGazetteer()}
		if groups, err = a.collect(ctx, srcs); err != nil {
			return err
		}
	default:
		store, err := directoryStore(getenv)
		if err != nil {
			return err
		}
		var dir *data.Directory
		var problems []error
		if *source != "" {
			dir, problems, err = importer.LoadDirectory(vocab, filepath.Join(store.Dir, *source+".json"))
		} else {
			dir, problems, err = store.Load(vocab)
		}
		if err != nil {
			fmt.Fprintf(stderr, "export: %v\n", err)
			return exitCode(1)
		}
		for _, p := range problems {
			fmt.Fprintln(stderr, p.Error())
		}
		groups = dir.Groups
		if len(groups) == 0 {
			fmt.Fprintf(stderr, "export: nothing imported in %s yet (peermatch import PATH, or export --data default)\n", store.Dir)
			return exitCode(1)
		}
	}
	w := stdout
	var file *os.File
	if *out != "" && *out != "-" {
		if file, err = os.Create(*out); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		w = file
	}
	n, problems, err := export(w, groups)
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	for _, p := range problems {
		fmt.Fprintln(stderr, p.Error())
	}
	what := "meetings"
	if *format == "csv" {
		what = "rows"
	}
	fmt.Fprintf(stderr, "exported %d %s from %d listings (%d left out)\n", n, what, len(groups), len(problems))
	return nil
}
