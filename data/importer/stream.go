package importer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"

	"github.com/peermatch/peermatch/data"
)

// errStopped ends a read early when the consumer asked for no more
// groups; Stream turns it back into a nil error.
var errStopped = errors.New("stopped by the consumer")

// sink is where a reader hands what it reads, one record at a time, so
// that no format holds a whole source: each good group goes to group as
// soon as it is valid, each problem to problem. Readers call next between
// records, which is where cancellation is honoured.
type sink struct {
	ctx     context.Context
	group   func(*data.Group) bool // false: the consumer wants no more
	problem func(error)
	// lead, when set, takes a problem that belongs before all the others
	// though it is known only at the end (the legacy-encoding warning), so
	// collected problems read in the order they always did.
	lead func(error)
}

// add hands over one good group; errStopped when the consumer is done.
func (s *sink) add(g *data.Group) error {
	if !s.group(g) {
		return errStopped
	}
	return nil
}

// bad reports problems (record errors and warnings), in order.
func (s *sink) bad(ps ...error) {
	if s.problem == nil {
		return
	}
	for _, p := range ps {
		s.problem(p)
	}
}

// next is called before each record: a cancelled context stops the read
// there, so a SIGTERM during a 500,000-meeting load ends it promptly.
func (s *sink) next() error {
	return s.ctx.Err()
}

// collect is a sink that keeps everything, for the callers that want the
// whole source (Import, LoadSources).
func collect(ctx context.Context) (*sink, *[]*data.Group, *[]error) {
	var gs []*data.Group
	var ps []error
	s := &sink{
		ctx:     ctx,
		group:   func(g *data.Group) bool { gs = append(gs, g); return true },
		problem: func(err error) { ps = append(ps, err) },
		lead:    func(err error) { ps = append([]error{err}, ps...) },
	}
	return s, &gs, &ps
}

// Stream reads one source (a file, a folder or an http(s) URL, in any
// format Import reads) and hands each valid group to yield as soon as it
// is read and checked, in source order, so a 500,000-meeting feed is never
// held whole. Each problem (a *data.RecordError for a bad record, or a
// *Warning) goes to problem as it is found (nil drops them). yield returns
// false to stop reading; Stream then returns nil.
//
// The error is non-nil when the source cannot be read whole (it cannot be
// opened, passes the size cap, is not in the expected shape, or ends
// early), or is ctx's error when ctx is cancelled between two records.
// The groups yielded before such an error are good, but the source is
// incomplete: a caller that replaces a source's listings must not apply
// them.
func Stream(ctx context.Context, v *data.Vocabulary, src string, opts ImportOptions, yield func(*data.Group) bool, problem func(error)) error {
	s := &sink{ctx: ctx, group: yield, problem: problem}
	return stopped(streamSource(s, v, src, opts))
}

// StreamReader is Stream for a source already open; name is used in
// messages and as the default listing source. opts.Format must not be
// SourceAuto for content that has no name to go by.
func StreamReader(ctx context.Context, v *data.Vocabulary, name string, r io.Reader, opts ImportOptions, yield func(*data.Group) bool, problem func(error)) error {
	s := &sink{ctx: ctx, group: yield, problem: problem}
	return stopped(streamReader(s, v, name, r, opts))
}

// Records is Stream as an iterator of groups: it yields (g, nil) for each
// valid group and, when the source cannot be read whole or ctx is
// cancelled, one (nil, err) last. Record problems go to problem (nil
// drops them), so any error the sequence yields means "incomplete": an
// index applying the sequence as a source's new listings must abort.
func Records(ctx context.Context, v *data.Vocabulary, src string, opts ImportOptions, problem func(error)) iter.Seq2[*data.Group, error] {
	return func(yield func(*data.Group, error) bool) {
		more := true
		err := Stream(ctx, v, src, opts, func(g *data.Group) bool {
			more = yield(g, nil)
			return more
		}, problem)
		if err != nil && more {
			yield(nil, err)
		}
	}
}

func stopped(err error) error {
	if errors.Is(err, errStopped) {
		return nil
	}
	return err
}

// streamSource opens src and reads it into s.
func streamSource(s *sink, v *data.Vocabulary, src string, opts ImportOptions) error {
	if err := s.next(); err != nil {
		return err
	}
	source := ParseSource(src)
	if !source.URL {
		st, err := os.Stat(source.Name)
		if err != nil {
			return fmt.Errorf("import %s: %w", source.Name, err)
		}
		if st.IsDir() {
			return importDir(s, v, source.Name, opts.Format, opts)
		}
	}
	rc, err := openSource(source, opts)
	if err != nil {
		return err
	}
	defer rc.Close()
	return streamReader(s, v, source.Name, rc, opts)
}

// streamReader reads an open source into s, detecting its format.
func streamReader(s *sink, v *data.Vocabulary, name string, r io.Reader, opts ImportOptions) error {
	tr := newTextReader(&capReader{r: r, left: opts.maxBytes(), name: name})
	br := bufio.NewReaderSize(tr, 64<<10)
	format := opts.Format
	if format == SourceAuto {
		var err error
		if format, err = detectFormat(name, br); err != nil {
			return err
		}
	}
	err := importReader(s, v, name, format, br, opts)
	// A legacy encoding may show only late in a file, so it is told last
	// (first among collected problems).
	if w := tr.legacyWarning(name); w != nil {
		if s.lead != nil {
			s.lead(w)
		} else {
			s.bad(w)
		}
	}
	return err
}
