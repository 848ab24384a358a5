package place

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/peermatch/peermatch/data"

	"github.com/ringsaturn/tzf"
	tzfrellite "github.com/ringsaturn/tzf-rel-lite"
	pb "github.com/ringsaturn/tzf/gen/go/tzf/v1"
	"google.golang.org/protobuf/proto"
)

// zoneFinder is tzf's finder, behind the one call the gazetteer needs.
type zoneFinder interface {
	GetTimezoneName(lng, lat float64) string
}

// ZoneAt returns the IANA zone at any point ("" when unknown). It asks
// tzf's FuzzyFinder, a tile index of the timezone-boundary-builder
// polygons (about 0.1 s and 25 MB on first use, rather than 1.2 s and
// 160 MB for tzf's DefaultFinder with polygons). Where a tile straddles a
// border the index has no answer; the zone is then that of the nearest
// place in the world table within 100 km, which the polygons gave when the
// table was built (geo/gen). Places found by Lookup carry their zone
// already; this is for points from elsewhere (a listing's coordinates).
func (g *Gazetteer) ZoneAt(p data.Point) string {
	if g.load() != nil {
		return ""
	}
	g.zoneOnce.Do(g.initZones)
	if g.zoneF != nil {
		if z := g.zoneF.GetTimezoneName(p.Lon, p.Lat); z != "" {
			return z
		}
	}
	return g.nearestZone(p)
}

func (g *Gazetteer) initZones() {
	// Places with a zone, grouped by cell: a map of spans into one slice
	// rather than a map of slices, so the collector has nothing to walk.
	type at struct {
		cell [2]int
		e    int32
	}
	var all []at
	for i := range g.ents {
		if e := &g.ents[i]; g.codes[e.zoneID] != "" {
			all = append(all, at{zoneCell(data.Point{Lat: e.lat, Lon: e.lon}), int32(i)})
		}
	}
	slices.SortFunc(all, func(a, b at) int {
		return cmp.Or(cmp.Compare(a.cell[0], b.cell[0]), cmp.Compare(a.cell[1], b.cell[1]))
	})
	g.cells = make(map[[2]int][2]int32, 30000)
	g.cellEnts = make([]int32, len(all))
	for i, a := range all {
		g.cellEnts[i] = a.e
		span := g.cells[a.cell]
		if i == 0 || all[i-1].cell != a.cell {
			span[0] = int32(i)
		}
		span[1] = int32(i + 1)
		g.cells[a.cell] = span
	}
	f, err := newFuzzyFinder()
	if err != nil {
		// The table still answers near any town; the data is embedded, so
		// this is a build defect that TestZoneAt catches.
		return
	}
	g.zoneF = f
}

func newFuzzyFinder() (zoneFinder, error) {
	in := &pb.PreindexTimezones{}
	if err := proto.Unmarshal(tzfrellite.PreindexData, in); err != nil {
		return nil, fmt.Errorf("tzf preindex data: %w", err)
	}
	f, err := tzf.NewFuzzyFinderFromPB(in)
	if err != nil {
		return nil, fmt.Errorf("tzf fuzzy finder: %w", err)
	}
	return f, nil
}

// zoneCell is the 1° cell the nearest-place fallback searches.
func zoneCell(p data.Point) [2]int {
	return [2]int{int(math.Floor(p.Lat)), int(math.Floor(p.Lon))}
}

func (g *Gazetteer) nearestZone(p data.Point) string {
	c := zoneCell(p)
	// Compare squared equirectangular distances (cheap, and exact enough
	// within a few cells); the bound is 100 km.
	kx := math.Cos(p.Lat * math.Pi / 180)
	best, bestD := "", math.Pow(100/111.2, 2)
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			span := g.cells[[2]int{c[0] + dy, c[1] + dx}]
			for _, i := range g.cellEnts[span[0]:span[1]] {
				e := &g.ents[i]
				y, x := e.lat-p.Lat, (e.lon-p.Lon)*kx
				if d := y*y + x*x; d < bestD || (d == bestD && g.codes[e.zoneID] < best) {
					best, bestD = g.codes[e.zoneID], d
				}
			}
		}
	}
	return best
}

// offsetsKey names a zone by its UTC offsets in January and July, so that
// zones that keep the same time (America/Monterrey, America/Mexico_City)
// count as one when judging whether a country has a single zone. Without
// zoneinfo on the machine each zone counts alone.
func offsetsKey(zone string, cache map[string]string) string {
	if k, ok := cache[zone]; ok {
		return k
	}
	k := zone
	if loc, err := time.LoadLocation(zone); err == nil {
		_, jan := time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC).In(loc).Zone()
		_, jul := time.Date(2025, 7, 15, 12, 0, 0, 0, time.UTC).In(loc).Zone()
		k = fmt.Sprint(jan, "/", jul)
	}
	cache[zone] = k
	return k
}
