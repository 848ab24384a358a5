package matcher

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/index"
)

// Live is a matcher that can be replaced while it serves: a new directory
// and its index are built aside, then swapped in with one atomic store, so
// no search ever sees half of each. A search that raced the swap and found
// the old index already closed is retried on the new one, so searches never
// fail because of a reload.
type Live struct {
	cur atomic.Pointer[Matcher]
}

// NewLive serves m until the first Swap.
func NewLive(m *Matcher) *Live {
	l := &Live{}
	l.cur.Store(m)
	return l
}

// Current is the matcher serving now.
func (l *Live) Current() *Matcher { return l.cur.Load() }

// Swap makes m the serving matcher and returns the previous one, whose
// index the caller closes once it likes (searches still on it finish, or
// move to m).
func (l *Live) Swap(m *Matcher) *Matcher { return l.cur.Swap(m) }

// Understand implements the conversation's Matcher.
func (l *Live) Understand(text string) data.Understanding { return l.cur.Load().Understand(text) }

// Find implements the conversation's Matcher.
func (l *Live) Find(ctx context.Context, in data.Intake, offset, limit int) ([]data.Match, error) {
	for {
		m := l.cur.Load()
		res, err := m.Find(ctx, in, offset, limit)
		if errors.Is(err, index.ErrClosed) && l.cur.Load() != m {
			continue // swapped under us: ask the new one
		}
		return res, err
	}
}

// Group implements the conversation's Matcher.
func (l *Live) Group(id string) (*data.Group, bool) { return l.cur.Load().Group(id) }

// GroupsByName implements the conversation's Matcher.
func (l *Live) GroupsByName(q string) []*data.Group { return l.cur.Load().GroupsByName(q) }

// Locate resolves a place the person typed.
func (l *Live) Locate(text string) (place.Place, bool) { return l.cur.Load().Locate(text) }
