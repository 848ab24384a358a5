// Package index searches the group directory. Index is the small contract
// the matcher needs; Bleve is the embedded implementation and Scan a
// brute-force one that serves as the conformance suite's oracle.
package index

import (
	"context"
	"errors"
	"time"

	"github.com/peermatch/peermatch/data"
)

// ErrClosed is returned by searches on a closed index.
var ErrClosed = errors.New("index closed")

// Query is an intake in index terms. Hard constraints (topics, where, who,
// when, country) filter; Words and Language only rank. Words are the
// person's own words: they are analyzed as plain text and never parsed as
// query syntax.
type Query struct {
	Words  string
	Topics []string // any of; empty means any topic
	// Where: Remote asks for groups anyone can join from anywhere (online,
	// phone, hybrid); Near for rooms within RadiusKm. Both set means either.
	// Neither set means anywhere at all (no place known yet).
	Remote   bool
	Near     *data.Point
	RadiusKm float64
	Audience string         // open to this audience: its own groups and everyone's
	Days     []time.Weekday // meets on one of these days (or has no fixed schedule)
	// After and Before bound a meeting's local start, in minutes after
	// midnight (0 = unbounded): "evenings" is After 17:00. Groups without
	// meeting times pass.
	After, Before  int
	Language       string      // preferred language: ranks, does not filter
	Speaks         string      // only listings in this language (BCP 47 base), when set
	Country        string      // remote services limited to other countries are left out
	Kinds          []data.Kind // any of; empty means any kind
	data.Limits                // kinds of listing ruled out, and the person's age
	Window         data.Window // a meeting must start in it ("now", "tonight")
	data.Specifics             // fellowship, type codes, phone or hybrid, audience only
	Size           int         // hits wanted (default 5)
	From           int         // hits to skip, for "more results"
}

// Hit is one matching group.
type Hit struct {
	ID         string
	Score      float64
	DistanceKm float64 // -1 for groups matched as remote
}

// Index searches groups.
type Index interface {
	Search(ctx context.Context, q Query) ([]Hit, error)
	Count() int
	Close() error
}

// DefaultRadiusKm is how far an in-person group may be when the person
// gave no distance: about 25 miles, a drive people make weekly.
const DefaultRadiusKm = 40

func (q *Query) normalize() {
	if q.Size <= 0 {
		q.Size = 5
	}
	if q.From < 0 {
		q.From = 0
	}
	if q.Near != nil && q.RadiusKm <= 0 {
		q.RadiusKm = DefaultRadiusKm
	}
}
