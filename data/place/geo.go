package place

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/peermatch/peermatch/data"
)

// Place is a resolved location: a ZIP code, a city or a country's city.
type Place struct {
	Name     string // display name, "Austin, TX" or "London, GB"
	Country  string // ISO 3166-1 alpha-2
	Region   string // state or province code ("TX", "ON", "NSW", "JAL"; GeoNames admin1 elsewhere), when known
	TimeZone string // IANA zone, "" when unknown
	Point    data.Point
	// Population of the place (GeoNames; an estimate from its postal
	// codes for a US town without one), so a caller can tell a city
	// from a hamlet that shares an everyday word's name ("Still", "Bad").
	Population int
}

// PlaceHint is what else the caller knows about the person, to choose
// between places of the same name. Both fields may be empty.
type PlaceHint struct {
	Country string // ISO 3166-1 alpha-2 of the person's locale or stated country ("GB")
	Lang    string // BCP 47 tag of the conversation ("es", "es-MX"); a region in it counts as Country when Country is empty
}

// geoTables are the tables a gazetteer reads: the embedded ones, or small
// ones in tests.
type geoTables struct {
	zcta, zctaTZ, usPostal, world, regions, aliases []byte
}

// embeddedTables are data's embedded tables.
func embeddedTables() geoTables {
	t := data.Geodata()
	return geoTables{t.ZCTA, t.ZCTATZ, t.USPostal, t.World, t.Regions, t.Aliases}
}

// code is a country, region or zone: an index into Gazetteer.codes, 0 for
// none. A few thousand strings name 170,000 places.
type code uint16

// entry is a place with what ranks it against its namesakes. It holds no
// pointer (its name is in the gazetteer's arena, its codes index a table),
// so the collector skips the 170,000 of them.
type entry struct {
	lat, lon                float64
	size                    int32  // people (GeoNames), or a floor when unknown: see sizeOf
	name                    uint32 // offset of the display name in Gazetteer.arena
	nameLen                 uint16
	country, region, zoneID code
}

// sizeOf is a place's population, or a floor when GeoNames gives none:
// every world row has at least 1,000 people, a US ZIP about 2,000.
func sizeOf(pop, zips int) int {
	if pop > 0 {
		return pop
	}
	return max(1000, 2000*zips)
}

// scope narrows a name: a country, and optionally a region in it
// (GeoNames admin1; the state code in the US).
type scope struct{ country, admin1 string }

// Gazetteer resolves what people type as a place ("94110", "Austin, TX",
// "London", "Toronto, ON", "CDMX") to a point and a time zone, offline,
// from the embedded Census and GeoNames tables. Tables load on first use.
type Gazetteer struct {
	src  geoTables
	once sync.Once
	err  error

	arena    string   // display names of places and ZIP codes
	codes    []string // what a code stands for
	ents     []entry  // every place, US and abroad
	names    keyTable // nameKey → namesOf
	nameFrom []int32  // key i's places are nameEnts[nameFrom[i]:nameFrom[i+1]], biggest first
	nameEnts []int32
	usCity   keyTable // "austin|TX" → usEnt
	usEnt    []int32
	zipAt    []int32          // a 5-digit ZIP code's number → its place in zipEnts + 1, 0 when none
	zipOther map[string]int32 // ZIP codes of other shapes, if a table has any
	zipEnts  []entry

	states     map[string]string  // "texas" → "TX", "tx" → "TX"
	regions    map[string][]scope // "on"/"ontario" → CA 08, "wa" → AU 08
	regionCode map[scope]string   // CA 08 → "ON"
	country    map[string]string  // "canada"/"ca"/"españa" → ISO code
	areaZone   map[scope]string   // country or region → the zone nearly all its people share, if one does
	areaPop    map[scope]int      // people per country and region (the places' sizes summed)
	areaNames  map[string][]scope // "florida", "ontario", "jalisco" → the region; names only, not codes
	areaLabel  map[scope]string   // US FL → "Florida"
	density    map[uint32]int32   // densityKey → towns of 1,000 people per 0.25° cell, to tell a metropolis from a namesake

	zoneOnce sync.Once
	zoneF    zoneFinder
	cells    map[[2]int][2]int32 // zoneCell → its places, cellEnts[from:to]
	cellEnts []int32
}

// DefaultGazetteer returns a gazetteer over the embedded tables.
func DefaultGazetteer() *Gazetteer { return &Gazetteer{src: embeddedTables()} }

// Preload reads the tables now rather than on the first lookup (about a
// second), so the first person to name a place does not wait for it.
func (g *Gazetteer) Preload() error { return g.load() }

func (g *Gazetteer) load() error {
	g.once.Do(func() { g.err = g.build() })
	return g.err
}

// Fold lower-cases s, strips accents and collapses spaces, so "Bogotá" and
// "bogota" meet. Shared by every lookup of typed words.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	// Most names are ASCII, and a transform chain allocates its buffers
	// anew: building the tables folds 210,000 names.
	if !ascii {
		t := foldChains.Get().(transform.Transformer)
		if out, _, err := transform.String(t, s); err == nil {
			s = out
		}
		foldChains.Put(t)
	}
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// foldChains reuses accent-stripping transformers (one per goroutine at a
// time: a chain keeps state between calls, and String resets it).
var foldChains = sync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

var keyPunct = strings.NewReplacer("-", " ", ".", " ", "'", "", "’", "", "`", "")

// nameKey is the form names are indexed and looked up by: folded, without
// dots, apostrophes and hyphens, first-word abbreviations spelled out, and
// initials joined ("L.A." → "la", "D.C." → "dc").
func nameKey(s string) string {
	w := strings.Fields(keyPunct.Replace(Fold(s)))
	if len(w) == 0 {
		return ""
	}
	initials := len(w) > 1
	for _, x := range w {
		if len(x) != 1 {
			initials = false
			break
		}
	}
	if initials {
		return strings.Join(w, "")
	}
	if r, ok := firstWord[w[0]]; ok && len(w) > 1 {
		w[0] = r
	}
	return strings.Join(w, " ")
}

// builder holds what only building needs: maps the gazetteer freezes
// into its slices at the end, and each place's population and ZIP count
// until its size is known.
type builder struct {
	g      *Gazetteer
	arena  []byte
	codeOf map[string]code
	names  map[string][]int32
	usCity map[string]int32
	zips   map[string]Place
	pop    []int // by entry
	zipN   []int // by entry: postal codes of a US city, the size of last resort
	err    error // the first name or code the compact tables cannot hold
}

// intern returns s's code, adding it (copied, so that it does not keep
// its CSV line alive) when new.
func (b *builder) intern(s string) code {
	c, ok := b.codeOf[s]
	if !ok {
		if len(b.g.codes) > math.MaxUint16 {
			b.err = cmp.Or(b.err, fmt.Errorf("geo tables: more than %d distinct countries, regions and zones", math.MaxUint16+1))
			return 0
		}
		c = code(len(b.g.codes))
		s = strings.Clone(s)
		b.g.codes = append(b.g.codes, s)
		b.codeOf[s] = c
	}
	return c
}

// str returns the gazetteer's copy of a code's string.
func (b *builder) str(s string) string { return b.g.codes[b.intern(s)] }

// place adds a place and returns its number.
func (b *builder) place(p Place) int32 {
	b.g.ents = append(b.g.ents, b.entry(p))
	b.pop = append(b.pop, 0)
	b.zipN = append(b.zipN, 0)
	return int32(len(b.g.ents) - 1)
}

func (b *builder) entry(p Place) entry {
	if len(p.Name) > math.MaxUint16 {
		b.err = cmp.Or(b.err, fmt.Errorf("geo tables: name %.40q longer than %d bytes", p.Name, math.MaxUint16))
	}
	e := entry{lat: p.Point.Lat, lon: p.Point.Lon, name: uint32(len(b.arena)), nameLen: uint16(len(p.Name)),
		country: b.intern(p.Country), region: b.intern(p.Region), zoneID: b.intern(p.TimeZone)}
	b.arena = append(b.arena, p.Name...)
	return e
}

// raw is the entry as a Place, as the tables have it.
func (g *Gazetteer) raw(e *entry) Place {
	return Place{Name: g.arena[e.name : e.name+uint32(e.nameLen)], Country: g.codes[e.country], Region: g.codes[e.region],
		TimeZone: g.codes[e.zoneID], Point: data.Point{Lat: e.lat, Lon: e.lon}, Population: int(e.size)}
}

func (g *Gazetteer) build() error {
	if g.src.world == nil { // a zero Gazetteer reads the embedded tables
		g.src = embeddedTables()
	}
	b := &builder{g: g, codeOf: make(map[string]code, 5000), names: make(map[string][]int32, 160000),
		usCity: make(map[string]int32, 30000), zips: make(map[string]Place, 42000)}
	g.codes = make([]string, 0, 5000)
	b.intern("")
	g.ents = make([]entry, 0, 170000)
	g.states = make(map[string]string, 120)
	g.regions = make(map[string][]scope, 200)
	g.regionCode = make(map[scope]string, 100)
	g.country = make(map[string]string, 600)
	g.density = make(map[uint32]int32, 100000)
	g.areaNames = make(map[string][]scope, 200)
	g.areaLabel = make(map[scope]string, 200)

	tz := map[string]string{}
	if err := eachCSV("geo/us-zcta-timezone.csv", g.src.zctaTZ, ',', 2, func(r []string) error {
		tz[r[0]] = r[1]
		return nil
	}); err != nil {
		return err
	}
	if err := eachCSV("geo/us-zcta-centroids.csv", g.src.zcta, ',', 3, func(r []string) error {
		p, err := parsePoint(r[1], r[2])
		if err != nil {
			return err
		}
		b.zips[r[0]] = Place{Name: r[0], Country: "US", TimeZone: tz[r[0]], Point: p}
		return nil
	}); err != nil {
		return err
	}
	if err := b.buildUS(); err != nil {
		return err
	}
	if err := b.buildWorld(); err != nil {
		return err
	}
	for i := range g.ents {
		n := sizeOf(b.pop[i], b.zipN[i])
		if n > math.MaxInt32 {
			return fmt.Errorf("geo/world-cities.csv: %s: population %d: want fewer than 2^31 people", b.name(&g.ents[i]), n)
		}
		g.ents[i].size = int32(n)
	}
	if err := b.buildRegions(); err != nil {
		return err
	}
	for _, es := range b.names {
		b.sortEntries(es)
	}
	g.buildAreas()
	if err := b.buildAliases(); err != nil {
		return err
	}
	return b.freeze()
}

// freeze moves the builder's maps into the gazetteer's pointer-free
// tables.
func (b *builder) freeze() error {
	g := b.g
	keys := make([]string, 0, len(b.names))
	for k := range b.names {
		keys = append(keys, k)
	}
	g.ents = slices.Clone(g.ents) // drop the slack of growing
	g.names = newKeyTable(keys)
	g.nameFrom = make([]int32, 1, len(keys)+1)
	g.nameEnts = make([]int32, 0, len(g.ents)+1000)
	for _, k := range keys {
		g.nameEnts = append(g.nameEnts, b.names[k]...)
		g.nameFrom = append(g.nameFrom, int32(len(g.nameEnts)))
	}

	keys = keys[:0]
	g.usEnt = make([]int32, 0, len(b.usCity))
	for k, e := range b.usCity {
		keys = append(keys, k)
		g.usEnt = append(g.usEnt, e)
	}
	g.usCity = newKeyTable(keys)

	zips := make([]string, 0, len(b.zips))
	for z := range b.zips {
		zips = append(zips, z)
	}
	slices.Sort(zips)
	g.zipAt = make([]int32, 100000)
	g.zipEnts = make([]entry, 0, len(zips))
	for _, z := range zips {
		g.zipEnts = append(g.zipEnts, b.entry(b.zips[z]))
		if n, ok := zipNumber(z); ok {
			g.zipAt[n] = int32(len(g.zipEnts))
			continue
		}
		if g.zipOther == nil {
			g.zipOther = map[string]int32{}
		}
		g.zipOther[strings.Clone(z)] = int32(len(g.zipEnts))
	}
	if b.err != nil {
		return b.err
	}
	g.arena = string(b.arena)
	return nil
}

// zipNumber reads a 5-digit ZIP code.
func zipNumber(z string) (int, bool) {
	if len(z) != 5 || !isDigits(z) {
		return 0, false
	}
	n, _ := strconv.Atoi(z)
	return n, true
}

// zip returns a ZIP code's place.
func (g *Gazetteer) zip(z string) (Place, bool) {
	i := g.zipOther[z]
	if n, ok := zipNumber(z); ok {
		i = g.zipAt[n]
	}
	if i == 0 {
		return Place{}, false
	}
	return g.raw(&g.zipEnts[i-1]), true
}

// namesOf returns the places called key, biggest first.
func (g *Gazetteer) namesOf(key string) []int32 {
	i, ok := g.names.find(key)
	if !ok {
		return nil
	}
	return g.nameEnts[g.nameFrom[i]:g.nameFrom[i+1]]
}

// usCityOf returns the US postal city "name|ST".
func (g *Gazetteer) usCityOf(key string) *entry {
	if i, ok := g.usCity.find(key); ok {
		return &g.ents[g.usEnt[i]]
	}
	return nil
}

// buildAreas sums the people of each country and region and finds the
// zone that 80% of them share: a place named only by its country or
// region ("Spain", "Florida") gets that zone, or none (the US, Canada,
// Australia), and the bot asks.
func (g *Gazetteer) buildAreas() {
	g.areaPop = make(map[scope]int, 4000)
	g.areaZone = make(map[scope]string, 4000)
	type share struct {
		people map[string]int // UTC offsets → people
		zone   map[string]string
		top    map[string]int
	}
	shares := map[scope]*share{}
	offsets := map[string]string{}
	for i := range g.ents {
		e := &g.ents[i]
		n, zone := int(e.size), g.codes[e.zoneID]
		for _, sc := range []scope{{g.codes[e.country], ""}, {g.codes[e.country], g.codes[e.region]}} {
			g.areaPop[sc] += n
			if zone == "" {
				continue
			}
			s := shares[sc]
			if s == nil {
				s = &share{people: map[string]int{}, zone: map[string]string{}, top: map[string]int{}}
				shares[sc] = s
			}
			off := offsetsKey(zone, offsets)
			s.people[off] += n
			if n > s.top[off] || (n == s.top[off] && zone < s.zone[off]) {
				s.top[off], s.zone[off] = n, zone
			}
		}
	}
	for sc, s := range shares {
		total, best := 0, ""
		for off, n := range s.people {
			total += n
			if best == "" || n > s.people[best] || (n == s.people[best] && off < best) {
				best = off
			}
		}
		if s.people[best]*5 >= total*4 {
			g.areaZone[sc] = s.zone[best]
		}
	}
}

// sortEntries puts the biggest place first; ties fall to a stable key so
// that every process answers alike.
func (b *builder) sortEntries(es []int32) {
	g := b.g
	slices.SortFunc(es, func(i, j int32) int {
		x, y := &g.ents[i], &g.ents[j]
		return cmp.Or(cmp.Compare(y.size, x.size), cmp.Compare(g.codes[x.country], g.codes[y.country]),
			cmp.Compare(g.codes[x.region], g.codes[y.region]), bytes.Compare(b.name(x), b.name(y)),
			cmp.Compare(x.lat, y.lat), cmp.Compare(x.lon, y.lon))
	})
}

// name is an entry's display name while the arena grows.
func (b *builder) name(e *entry) []byte { return b.arena[e.name : e.name+uint32(e.nameLen)] }

// buildUS makes one place per US postal city: the mean of its postal
// codes' points and the zone most of its ZCTAs are in.
func (b *builder) buildUS() error {
	g := b.g
	type acc struct {
		lat, lon float64
		n        int
		state    string
		name     string
		tz       map[string]int
	}
	cities := map[string]*acc{}
	var keys []string
	if err := eachCSV("geo/us-postal-codes-geonames.tsv", g.src.usPostal, '\t', 12, func(r []string) error {
		zip, city, stateName, st := r[1], r[2], r[3], r[4]
		p, err := parsePoint(r[9], r[10])
		if err != nil {
			return err
		}
		if _, ok := g.states[strings.ToLower(st)]; !ok {
			st := b.str(st)
			g.states[strings.ToLower(st)] = st
			g.states[Fold(stateName)] = st
			sc := scope{"US", st}
			g.areaNames[qualKey(stateName)] = append(g.areaNames[qualKey(stateName)], sc)
			g.areaLabel[sc] = strings.Clone(stateName)
		}
		z, ok := b.zips[zip]
		if !ok { // a ZIP without a ZCTA: GeoNames has the point
			z = Place{Country: "US", Point: p}
		}
		z.Name = fmt.Sprintf("%s, %s %s", city, st, zip)
		z.Region = st
		b.zips[zip] = z
		key := nameKey(city) + "|" + st
		a := cities[key]
		if a == nil {
			a = &acc{state: st, name: city, tz: map[string]int{}}
			cities[key] = a
			keys = append(keys, key)
		}
		a.lat += p.Lat
		a.lon += p.Lon
		a.n++
		if z.TimeZone != "" {
			a.tz[z.TimeZone]++
		}
		return nil
	}); err != nil {
		return err
	}
	for _, key := range keys {
		a := cities[key]
		best, bestN := "", 0
		for z, n := range a.tz {
			if n > bestN || (n == bestN && z < best) {
				best, bestN = z, n
			}
		}
		e := b.place(Place{Name: a.name + ", " + a.state, Country: "US", Region: a.state, TimeZone: best,
			Point: data.Point{Lat: a.lat / float64(a.n), Lon: a.lon / float64(a.n)}})
		b.zipN[e] = a.n
		b.usCity[key] = e
		name, _, _ := strings.Cut(key, "|")
		b.names[name] = append(b.names[name], e)
	}
	return nil
}

// buildWorld reads geo/world-cities.csv (see geo/README.md): places
// abroad, and the population of US cities, which the postal tables lack.
func (b *builder) buildWorld() error {
	g := b.g
	seenCountry := map[string]bool{"US": true}
	lastTZ := ""
	if err := eachCSV("geo/world-cities.csv", g.src.world, ',', 7, func(r []string) error {
		name, cc, admin1 := r[0], r[1], r[2]
		p, err := parsePoint(r[3], r[4])
		if err != nil {
			return err
		}
		pop := 0
		if r[5] != "" {
			if pop, err = strconv.Atoi(r[5]); err != nil || pop < 0 {
				return fmt.Errorf("population %q: want a whole number of people", r[5])
			}
		}
		if r[6] != "" { // empty: the zone of the row above
			lastTZ = r[6]
		}
		if lastTZ == "" {
			return fmt.Errorf("tz: empty on the first row")
		}
		key := nameKey(name)
		y, x := densityCell(p)
		g.density[densityKey(y, x)]++
		if cc == "US" {
			// The postal tables describe the US better; take only the
			// population, also for "New York City" → the postal "New York".
			for _, k := range []string{key, strings.TrimSuffix(key, " city")} {
				if e, ok := b.usCity[k+"|"+admin1]; ok {
					b.pop[e] = max(b.pop[e], pop)
					break
				}
			}
			return nil
		}
		seenCountry[b.str(cc)] = true
		e := b.place(Place{Name: name + ", " + cc, Country: cc, Region: admin1, TimeZone: lastTZ, Point: p})
		b.pop[e] = pop
		b.names[key] = append(b.names[key], e)
		return nil
	}); err != nil {
		return err
	}
	for cc := range seenCountry {
		reg, err := language.ParseRegion(cc)
		if err != nil {
			continue
		}
		g.country[strings.ToLower(cc)] = cc
		for _, n := range countryNamers {
			if name := n.Name(reg); name != "" {
				g.country[Fold(name)] = cc
				// "États-Unis" as words: "etats unis".
				g.country[strings.ReplaceAll(Fold(name), "-", " ")] = cc
			}
		}
	}
	for alias, cc := range countryAliases {
		g.country[alias] = cc
	}
	return nil
}

// buildRegions reads geo/regions.csv: provinces and states outside the US
// by code and name, mapped to GeoNames admin1 codes (numeric for Canada).
func (b *builder) buildRegions() error {
	g := b.g
	return eachCSV("geo/regions.csv", g.src.regions, ',', 4, func(r []string) error {
		s := scope{country: b.str(r[0]), admin1: b.str(r[1])}
		if s.country == "" || s.admin1 == "" || r[2] == "" {
			return fmt.Errorf("want country, admin1 and code, got %q", r[:3])
		}
		g.regionCode[s] = strings.Clone(r[2])
		names := strings.Split(r[3], "|")
		g.areaLabel[s] = strings.Clone(names[0])
		for _, n := range append([]string{r[2]}, names...) {
			if k := qualKey(n); k != "" && !slices.Contains(g.regions[k], s) {
				g.regions[k] = append(g.regions[k], s)
			}
		}
		// Alone, only a full name is a region: "Ontario", not "Ont" or "Que".
		for _, n := range names {
			if k := qualKey(n); len(k) >= 5 && !slices.Contains(g.areaNames[k], s) {
				g.areaNames[k] = append(g.areaNames[k], s)
			}
		}
		return nil
	})
}

// buildAliases reads geo/aliases.csv: other names for a place ("NYC",
// "CDMX", "León" for León de los Aldama), added to the places of that name.
func (b *builder) buildAliases() error {
	return eachCSV("geo/aliases.csv", b.g.src.aliases, ',', 4, func(r []string) error {
		alias, name, cc, admin1 := nameKey(r[0]), nameKey(r[1]), r[2], r[3]
		e, ok := b.find(name, scope{country: cc, admin1: admin1})
		if !ok {
			return fmt.Errorf("alias %q: no place %q in %s %s", r[0], r[1], cc, admin1)
		}
		if !slices.Contains(b.names[alias], e) {
			b.names[alias] = append(b.names[alias], e)
			b.sortEntries(b.names[alias])
		}
		return nil
	})
}

// find returns the biggest place named key within s.
func (b *builder) find(key string, s scope) (int32, bool) {
	if s.country == "US" && s.admin1 != "" {
		e, ok := b.usCity[key+"|"+s.admin1]
		return e, ok
	}
	for _, e := range b.names[key] {
		if b.g.codes[b.g.ents[e].country] == s.country && (s.admin1 == "" || b.g.codes[b.g.ents[e].region] == s.admin1) {
			return e, true // names are sorted biggest first
		}
	}
	return 0, false
}

// countryNamers name countries in the languages of words.json.
var countryNamers = func() []display.Namer {
	var out []display.Namer
	for _, l := range words.CountryNameLanguages {
		out = append(out, display.Regions(language.Make(l)))
	}
	return out
}()

// Lookup resolves typed text to a place with no hint: the likeliest place
// of that name worldwide (see LookupNear).
func (g *Gazetteer) Lookup(text string) (Place, bool) {
	return g.LookupNear(text, PlaceHint{})
}

// LookupNear resolves typed text to a place. It understands US ZIP codes
// (5 digits, ZIP+4), "City, ST", "City ST", "City, State", "City,
// Province", "City, Country", "City, ON, Canada", common other names
// ("NYC", "CDMX") and bare names. A bare name means the most populous
// place of that name, except that a place in the hint's country wins
// unless the other is fifty times its size, one in a country of the
// hint's language wins unless the other is ten times its size, and a US
// city of 50,000 people or more wins over one abroad up to twice its size
// (Springfield and Portland are American; Toronto, Manchester, Melbourne
// and St. John's are not).
func (g *Gazetteer) LookupNear(text string, h PlaceHint) (Place, bool) {
	if g.load() != nil {
		return Place{}, false
	}
	s := strings.TrimSpace(text)
	if len(s) >= 5 && isDigits(s[:5]) && (len(s) == 5 || (len(s) == 10 && s[5] == '-' && isDigits(s[6:]))) {
		return g.zip(s[:5])
	}
	s = strings.Trim(s, " !?;:")
	if s == "" {
		return Place{}, false
	}
	h = normHint(h)
	// "city, qualifier[, qualifier]": each qualifier is a state, a
	// province or a country, and together they must agree.
	if name, rest, ok := strings.Cut(s, ","); ok {
		return g.qualified(nameKey(name), strings.Split(rest, ","), h)
	}
	key := nameKey(s)
	if key == "" {
		return Place{}, false
	}
	if p, ok := g.bare(s, key, h); ok {
		return p, true
	}
	// "city qualifier": the last one to three words name a state, a
	// province or a country ("Austin TX", "Sydney New South Wales").
	words := strings.Fields(s)
	for n := 1; n <= 3 && n < len(words); n++ {
		q := words[len(words)-n:]
		if n == 1 && lowerWord(q[0], h.Lang) {
			continue // "Paris on Monday", "Austin in person": not Ontario, not Indiana
		}
		if p, ok := g.qualified(nameKey(strings.Join(words[:len(words)-n], " ")), []string{strings.Join(q, " ")}, h); ok {
			return p, true
		}
	}
	return Place{}, false
}

// normHint upper-cases the country and takes it from the language tag's
// region ("es-MX") when none is given.
func normHint(h PlaceHint) PlaceHint {
	h.Country = strings.ToUpper(strings.TrimSpace(h.Country))
	if h.Lang == "" {
		return h
	}
	tag, err := language.Parse(h.Lang)
	if err != nil {
		h.Lang = ""
		return h
	}
	if reg, conf := tag.Region(); h.Country == "" && conf == language.Exact {
		h.Country = reg.String()
	}
	base, _ := tag.Base()
	h.Lang = base.String()
	return h
}

// qualKey folds a qualifier and drops its dots ("D.C." → "dc", "Ont." → "ont").
func qualKey(s string) string {
	return strings.Join(strings.Fields(qualPunct.Replace(Fold(s))), " ")
}

var qualPunct = strings.NewReplacer(".", "", "-", " ")

// scopes lists what a qualifier can mean, most likely first: a US state,
// a province or state elsewhere, a country.
func (g *Gazetteer) scopes(q string) []scope {
	k := qualKey(q)
	var out []scope
	if st, ok := g.states[k]; ok {
		out = append(out, scope{"US", st})
	}
	out = append(out, g.regions[k]...)
	if cc, ok := g.country[k]; ok {
		out = append(out, scope{cc, ""})
	} else if cc, ok := g.country[Fold(q)]; ok {
		out = append(out, scope{cc, ""})
	}
	return out
}

func (g *Gazetteer) qualified(key string, quals []string, h PlaceHint) (Place, bool) {
	if key == "" || len(quals) == 0 {
		return Place{}, false
	}
	first := g.scopes(quals[0])
	if len(first) == 0 {
		return Place{}, false
	}
	for _, s := range first {
		if !g.agrees(s, quals[1:]) {
			continue
		}
		if s.country == "US" && s.admin1 == "" {
			if e := g.choose(g.namesOf(key), h, func(e *entry) bool { return g.codes[e.country] == "US" }); e != nil {
				return g.place(e), true
			}
			continue
		}
		if s.country == "US" {
			if e := g.usCityOf(key + "|" + s.admin1); e != nil {
				return g.place(e), true
			}
		}
		if e := g.choose(g.namesOf(key), h, func(e *entry) bool {
			return g.codes[e.country] == s.country && (s.admin1 == "" || g.codes[e.region] == s.admin1)
		}); e != nil {
			return g.place(e), true
		}
	}
	return Place{}, false
}

// agrees reports whether every further qualifier can mean s's country
// and, if it names a region, s's region ("ON, Canada").
func (g *Gazetteer) agrees(s scope, quals []string) bool {
	for _, q := range quals {
		if strings.TrimSpace(q) == "" {
			continue
		}
		ok := false
		for _, t := range g.scopes(q) {
			if t.country == s.country && (t.admin1 == "" || t.admin1 == s.admin1) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// place returns the entry's Place, with the region's usual code, which
// also tells namesakes apart in its name ("Richmond, BC, CA" is not
// "Richmond, CA" in California).
func (g *Gazetteer) place(e *entry) Place {
	p := g.raw(e)
	if c, ok := g.regionCode[scope{p.Country, p.Region}]; ok {
		p.Region = c
		if p.Country != "GB" {
			p.Name = strings.TrimSuffix(p.Name, ", "+p.Country) + ", " + c + ", " + p.Country
		}
	}
	return p
}

func (g *Gazetteer) bare(text, key string, h PlaceHint) (Place, bool) {
	// A country's name ("Canada", "México") is the country, even where a
	// town shares it; two-letter codes are not, so "LA" stays Los Angeles.
	// Candidates: a country, regions, the likeliest city. A region or a
	// country beats a city unless the city holds a quarter of its people
	// ("New York" the city; "Ontario", "Florida" the province and state).
	var areas []scope
	f := Fold(strings.TrimRight(text, "."))
	for _, k := range []string{f, key} {
		if cc, ok := g.country[k]; ok && (len(k) > 2 || countryAliases[k] != "") {
			areas = append(areas, scope{cc, ""})
			break
		}
	}
	areas = append(areas, g.areaNames[qualKey(text)]...)
	city := g.choose(g.namesOf(key), h, nil)
	inHint := func(cc string) bool { return h.Country != "" && cc == h.Country }
	var area *scope
	for i, a := range areas {
		if area == nil || (inHint(a.country) && !inHint(area.country)) ||
			(inHint(a.country) == inHint(area.country) && g.areaPop[a] > g.areaPop[*area]) {
			area = &areas[i]
		}
	}
	if area != nil && city != nil {
		switch {
		case inHint(g.codes[city.country]) && !inHint(area.country):
			area = nil
		case inHint(area.country) && !inHint(g.codes[city.country]):
			city = nil
		case 4*int(city.size) >= g.areaPop[*area]:
			area = nil
		}
	}
	if area != nil {
		return g.areaPlace(*area), true
	}
	if city != nil {
		return g.place(city), true
	}
	return Place{}, false
}

// areaPlace is a country or region without a point: lines and a zone,
// but nothing to search around.
func (g *Gazetteer) areaPlace(a scope) Place {
	if a.admin1 == "" {
		return Place{Name: a.country, Country: a.country, TimeZone: g.areaZone[a]}
	}
	code := a.admin1
	if c, ok := g.regionCode[a]; ok {
		code = c
	}
	return Place{Name: g.areaLabel[a] + ", " + a.country, Country: a.country, Region: code, TimeZone: g.areaZone[a]}
}

// choose applies LookupNear's rule to the places that pass keep (all when
// keep is nil).
func (g *Gazetteer) choose(es []int32, h PlaceHint, keep func(*entry) bool) *entry {
	best := g.pick(es, keep)
	if best == nil {
		return nil
	}
	and := func(f func(*entry) bool) func(*entry) bool {
		return func(e *entry) bool { return (keep == nil || keep(e)) && f(e) }
	}
	bestCC := g.codes[best.country]
	if h.Country != "" {
		if bestCC == h.Country {
			return best
		}
		if l := g.pick(es, and(func(e *entry) bool { return g.codes[e.country] == h.Country })); l != nil && int(best.size) <= 50*int(l.size) {
			return l
		}
	}
	if cs := langCountries[h.Lang]; len(cs) > 0 && !slices.Contains(cs, bestCC) {
		if l := g.pick(es, and(func(e *entry) bool { return slices.Contains(cs, g.codes[e.country]) })); l != nil && int(best.size) <= 10*int(l.size) {
			return l
		}
	}
	if bestCC != "US" {
		if u := g.pick(es, and(func(e *entry) bool { return g.codes[e.country] == "US" })); u != nil && u.size >= 50000 && 2*int(u.size) >= int(best.size) {
			return u
		}
	}
	return best
}

// pick returns the biggest place that passes keep. Places within half
// again of each other's size are told apart by the towns around them:
// GeoNames counts Richmond in London and Richmond in Yorkshire alike, but
// only one is ringed by a metropolis.
func (g *Gazetteer) pick(es []int32, keep func(*entry) bool) *entry {
	var best *entry
	bestD, top := -1, 0
	for _, i := range es {
		e := &g.ents[i]
		if keep != nil && !keep(e) {
			continue
		}
		if best == nil {
			best, top = e, int(e.size)
			continue
		}
		if top*2 > int(e.size)*3 {
			break // sorted biggest first: no one further is close
		}
		if bestD < 0 {
			bestD = g.around(best)
		}
		if d := g.around(e); d > bestD {
			best, bestD = e, d
		}
	}
	return best
}

// around counts the towns in the 3×3 cells around a place.
func (g *Gazetteer) around(e *entry) int {
	n := 0
	y, x := densityCell(data.Point{Lat: e.lat, Lon: e.lon})
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			n += int(g.density[densityKey(y+dy, x+dx)])
		}
	}
	return n
}

// densityCell is the 0.25° cell that counts towns around a place.
func densityCell(p data.Point) (int, int) {
	return int(math.Floor(p.Lat * 4)), int(math.Floor(p.Lon * 4))
}

// densityKey packs a density cell into a map key without pointers: rows
// from -360 to 360, columns from -720 to 720, offset to be positive.
func densityKey(y, x int) uint32 { return uint32(y+1024)<<16 | uint32(x+2048) }

// Country resolves a country name or code ("Canada", "uk", "España").
func (g *Gazetteer) Country(text string) (string, bool) {
	if g.load() != nil {
		return "", false
	}
	cc, ok := g.country[Fold(strings.Trim(text, " .!?"))]
	return cc, ok
}

// Zone returns the IANA zone of a ZIP code ("" when unknown).
func (g *Gazetteer) Zone(zip string) string {
	if g.load() != nil {
		return ""
	}
	p, _ := g.zip(zip)
	return p.TimeZone
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func parsePoint(lat, lon string) (data.Point, error) {
	la, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
	lo, err2 := strconv.ParseFloat(strings.TrimSpace(lon), 64)
	if err1 != nil || err2 != nil || math.Abs(la) > 90 || math.Abs(lo) > 180 {
		return data.Point{}, fmt.Errorf("bad coordinate %q,%q", lat, lon)
	}
	return data.Point{Lat: la, Lon: lo}, nil
}

func eachCSV(name string, b []byte, sep rune, fields int, fn func([]string) error) error {
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = sep
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if line == 1 && sep == ',' {
			continue // header
		}
		if len(rec) < fields {
			return fmt.Errorf("%s:%d: expected %d fields, got %d", name, line, fields, len(rec))
		}
		if err := fn(rec); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
}

// ZIPPlaces lists every US ZIP code the gazetteer knows, in code order
// (for synthetic directories and tests).
func (g *Gazetteer) ZIPPlaces() []Place {
	if g.load() != nil {
		return nil
	}
	out := make([]Place, 0, len(g.zipEnts))
	for i := range g.zipEnts {
		if p := g.raw(&g.zipEnts[i]); p.TimeZone != "" {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b Place) int { return strings.Compare(a.Name, b.Name) })
	return out
}
