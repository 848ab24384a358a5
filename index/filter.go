package index

import (
	"slices"
	"time"

	"github.com/peermatch/peermatch/data/schedule"

	"github.com/peermatch/peermatch/data"
)

// Accept is the contract every implementation must honour: whether g meets
// the query's hard constraints, and its distance when it was matched as an
// in-person group (-1 when matched as remote). The brute-force index uses it
// directly; the bleve index uses it to check candidates exactly after the
// coarse grid filter.
func Accept(g *data.Group, q *Query) (ok bool, distKm float64) {
	if len(q.Topics) > 0 && !slices.ContainsFunc(g.Topics, func(t string) bool { return slices.Contains(q.Topics, t) }) {
		return false, 0
	}
	if len(q.Kinds) > 0 && !slices.Contains(q.Kinds, g.Kind) {
		return false, 0
	}
	if q.Speaks != "" && !slices.Contains(g.Languages, q.Speaks) {
		return false, 0
	}
	if !q.Limits.Allow(g) || !schedule.Fits(q.Window, g) || !q.Specifics.Allow(g, q.Audience) {
		return false, 0
	}
	if q.Audience != "" && len(g.Audiences) > 0 && !slices.Contains(g.Audiences, q.Audience) {
		return false, 0
	}
	if len(q.Days) > 0 {
		days := schedule.Days(g)
		if len(days) > 0 && !slices.ContainsFunc(days, func(d time.Weekday) bool { return slices.Contains(q.Days, d) }) {
			return false, 0
		}
	}
	if q.After > 0 || q.Before > 0 {
		if starts := schedule.StartMinutes(g); len(starts) > 0 && !slices.ContainsFunc(starts, func(m int) bool {
			return m >= q.After && (q.Before == 0 || m < q.Before)
		}) {
			return false, 0
		}
	}
	countryOK := q.Country == "" || len(g.Countries) == 0 || slices.Contains(g.Countries, q.Country)
	remoteOK := g.Format.Remote() && countryOK
	switch {
	case q.Near != nil:
		radius := q.RadiusKm
		if radius <= 0 {
			radius = DefaultRadiusKm
		}
		if p := point(g); g.Format.InPerson() && p != nil {
			if d := data.DistanceKm(*q.Near, *p); d <= radius {
				return true, d
			}
		}
		// A locator of rooms with no place of its own (a national finder of
		// local groups) covers every place in its countries; the index
		// files it with the remote listings, so it comes with them.
		if q.Remote && (remoteOK || (point(g) == nil && countryOK)) {
			return true, -1
		}
		return false, 0
	case q.Remote:
		return remoteOK, -1
	default:
		return q.Country == "" || len(g.Countries) == 0 || slices.Contains(g.Countries, q.Country), -1
	}
}

func point(g *data.Group) *data.Point {
	if g.Location == nil {
		return nil
	}
	return g.Location.Point
}
