package data

import (
	"bytes"
	"cmp"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Place is a resolved location: a ZIP code, a city or a country's city.
type Place struct {
	Name     string // display name, "Austin, TX" or "London, GB"
	Country  string // ISO 3166-1 alpha-2
	Region   string // state or province code, when known
	TimeZone string // IANA zone, "" when unknown
	Point    Point
}

var (
	//go:embed geo/us-zcta-centroids.csv
	zctaCSV []byte
	//go:embed geo/us-zcta-timezone.csv
	zctaTZCSV []byte
	//go:embed geo/us-postal-codes-geonames.tsv
	usPostalTSV []byte
	//go:embed geo/world-cities-geonames.csv
	worldCSV []byte
)

// Gazetteer resolves what people type as a place ("94110", "Austin, TX",
// "London", "Toronto, Canada") to a point and a time zone, offline, from
// the embedded Census and GeoNames tables. Tables load on first use.
type Gazetteer struct {
	once    sync.Once
	err     error
	zips    map[string]Place
	usCity  map[string]Place   // "austin|TX"
	usNames map[string][]Place // "austin" → every state's Austin, biggest first
	states  map[string]string  // "texas" → "TX", "tx" → "TX"
	world   map[string][]Place // "london" → London GB, London CA, ...
	country map[string]string  // "canada"/"ca"/"españa" → ISO code
	usSize  func(Place) int    // number of postal codes of a US city
	density map[[2]int]int     // towns abroad per 0.25° cell, to tell a metropolis from a namesake
}

// DefaultGazetteer returns a gazetteer over the embedded tables.
func DefaultGazetteer() *Gazetteer { return &Gazetteer{} }

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
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.Join(strings.Fields(strings.ToLower(out)), " ")
}

func (g *Gazetteer) build() error {
	g.zips = make(map[string]Place, 42000)
	g.usCity = make(map[string]Place, 30000)
	g.usNames = make(map[string][]Place, 25000)
	g.states = make(map[string]string, 120)
	g.world = make(map[string][]Place, 150000)
	g.country = make(map[string]string, 600)
	g.density = make(map[[2]int]int, 100000)

	tz := map[string]string{}
	if err := eachCSV("geo/us-zcta-timezone.csv", zctaTZCSV, ',', 2, func(r []string) error {
		tz[r[0]] = r[1]
		return nil
	}); err != nil {
		return err
	}
	if err := eachCSV("geo/us-zcta-centroids.csv", zctaCSV, ',', 3, func(r []string) error {
		p, err := parsePoint(r[1], r[2])
		if err != nil {
			return err
		}
		g.zips[r[0]] = Place{Name: r[0], Country: "US", TimeZone: tz[r[0]], Point: p}
		return nil
	}); err != nil {
		return err
	}
	type acc struct {
		lat, lon float64
		n        int
		state    string
		name     string
		tz       map[string]int
	}
	cities := map[string]*acc{}
	if err := eachCSV("geo/us-postal-codes-geonames.tsv", usPostalTSV, '\t', 12, func(r []string) error {
		zip, city, stateName, st := r[1], r[2], r[3], r[4]
		p, err := parsePoint(r[9], r[10])
		if err != nil {
			return err
		}
		g.states[Fold(stateName)] = st
		g.states[strings.ToLower(st)] = st
		z, ok := g.zips[zip]
		if !ok { // a ZIP without a ZCTA: GeoNames has the point
			z = Place{Country: "US", Point: p}
		}
		z.Name = fmt.Sprintf("%s, %s %s", city, st, zip)
		z.Region = st
		g.zips[zip] = z
		key := Fold(city) + "|" + st
		a := cities[key]
		if a == nil {
			a = &acc{state: st, name: city, tz: map[string]int{}}
			cities[key] = a
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
	for key, a := range cities {
		best, bestN := "", 0
		for z, n := range a.tz {
			if n > bestN || (n == bestN && z < best) {
				best, bestN = z, n
			}
		}
		p := Place{Name: a.name + ", " + a.state, Country: "US", Region: a.state, TimeZone: best,
			Point: Point{Lat: a.lat / float64(a.n), Lon: a.lon / float64(a.n)}}
		g.usCity[key] = p
		name, _, _ := strings.Cut(key, "|")
		g.usNames[name] = append(g.usNames[name], p)
		cities[key] = a
	}
	size := func(p Place) int { return cities[Fold(strings.TrimSuffix(p.Name, ", "+p.Region))+"|"+p.Region].n }
	for name, ps := range g.usNames {
		slices.SortFunc(ps, func(a, b Place) int {
			return cmp.Or(cmp.Compare(size(b), size(a)), cmp.Compare(a.Region, b.Region))
		})
		g.usNames[name] = ps
	}
	// The size of a US city (its number of postal codes) decides bare-name
	// ambiguity later; keep it on the side.
	g.usSize = func(p Place) int { return size(p) }

	seenCountry := map[string]bool{}
	if err := eachCSV("geo/world-cities-geonames.csv", worldCSV, ',', 6, func(r []string) error {
		p, err := parsePoint(r[4], r[5])
		if err != nil {
			return err
		}
		cc := r[1]
		if cc == "US" {
			return nil // the postal tables describe the US better
		}
		seenCountry[cc] = true
		pl := Place{Name: r[0] + ", " + cc, Country: cc, Region: r[2], TimeZone: countryZone(cc, r[2]), Point: p}
		y, x := densityCell(p)
		g.density[[2]int{y, x}]++
		k := Fold(r[0])
		g.world[k] = append(g.world[k], pl)
		return nil
	}); err != nil {
		return err
	}
	seenCountry["US"] = true
	for cc := range seenCountry {
		reg, err := language.ParseRegion(cc)
		if err != nil {
			continue
		}
		g.country[strings.ToLower(cc)] = cc
		for _, n := range []display.Namer{display.English.Regions(), display.Spanish.Regions()} {
			if name := n.Name(reg); name != "" {
				g.country[Fold(name)] = cc
			}
		}
	}
	for alias, cc := range countryAliases {
		g.country[alias] = cc
	}
	return nil
}

var countryAliases = map[string]string{
	"usa": "US", "u.s.": "US", "u.s.a.": "US", "america": "US", "united states of america": "US", "estados unidos": "US", "eeuu": "US", "ee.uu.": "US",
	"uk": "GB", "u.k.": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB", "inglaterra": "GB",
	"holland": "NL", "south korea": "KR", "korea": "KR", "mexico": "MX", "méxico": "MX",
}

// Lookup resolves typed text to a place. It understands US ZIP codes
// (5 digits, ZIP+4), "City, ST", "City, State", "City ST", "City, Country"
// and bare city names (the biggest US city of that name when it is a real
// city, otherwise a city elsewhere).
func (g *Gazetteer) Lookup(text string) (Place, bool) {
	if g.load() != nil {
		return Place{}, false
	}
	s := strings.TrimSpace(text)
	if len(s) >= 5 && isDigits(s[:5]) && (len(s) == 5 || (len(s) == 10 && s[5] == '-' && isDigits(s[6:]))) {
		p, ok := g.zips[s[:5]]
		return p, ok
	}
	f := Fold(strings.Trim(s, " .!?"))
	f = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(f, ", usa"), ", us"))
	if f == "" {
		return Place{}, false
	}
	// "city, qualifier" or "city qualifier": qualifier is a state or a country.
	if name, qual, ok := strings.Cut(f, ","); ok {
		return g.qualified(strings.TrimSpace(name), strings.TrimSpace(qual))
	}
	if i := strings.LastIndexByte(f, ' '); i > 0 {
		if p, ok := g.qualified(f[:i], f[i+1:]); ok {
			return p, true
		}
	}
	return g.bare(f)
}

// Country resolves a country name or code ("Canada", "uk", "España").
func (g *Gazetteer) Country(text string) (string, bool) {
	if g.load() != nil {
		return "", false
	}
	cc, ok := g.country[Fold(strings.Trim(text, " .!?"))]
	return cc, ok
}

func (g *Gazetteer) qualified(name, qual string) (Place, bool) {
	if st, ok := g.states[qual]; ok {
		if p, ok := g.usCity[name+"|"+st]; ok {
			return p, true
		}
	}
	if cc, ok := g.country[qual]; ok {
		if cc == "US" {
			if ps := g.usNames[name]; len(ps) > 0 {
				return ps[0], true
			}
			return Place{}, false
		}
		for _, p := range g.world[name] {
			if p.Country == cc {
				return p, true
			}
		}
	}
	return Place{}, false
}

// biggest picks, among same-named cities abroad, the one at the centre of
// the most towns: GeoNames has no population here, but a metropolis is
// ringed by suburbs of over 1,000 people (Sydney AU, not Sydney NS).
func (g *Gazetteer) biggest(ps []Place) Place {
	best, bestN := ps[0], -1
	for _, p := range ps {
		n := 0
		y, x := densityCell(p.Point)
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				n += g.density[[2]int{y + dy, x + dx}]
			}
		}
		if n > bestN || (n == bestN && prefRank(p.Country) < prefRank(best.Country)) {
			best, bestN = p, n
		}
	}
	return best
}

// densityCell is the 0.25° cell that counts towns around a place.
func densityCell(p Point) (int, int) {
	return int(math.Floor(p.Lat * 4)), int(math.Floor(p.Lon * 4))
}

func prefRank(cc string) int {
	if i := slices.Index(worldPreference, cc); i >= 0 {
		return i
	}
	return len(worldPreference)
}

// worldPreference breaks ties between same-named cities abroad, favouring
// the countries our users most often write from.
var worldPreference = []string{"GB", "CA", "AU", "IE", "NZ", "ES", "MX", "IN", "ZA", "DE", "FR", "NL", "BR", "AR", "CO", "CL", "PE", "SG", "JP", "KR"}

func (g *Gazetteer) bare(name string) (Place, bool) {
	us := g.usNames[name]
	// A US city with many postal codes is a real city people mean (Austin,
	// Portland); a hamlet named London is not what "London" means.
	if len(us) > 0 && g.usSize(us[0]) >= 8 {
		return us[0], true
	}
	if ws := g.world[name]; len(ws) > 0 {
		return g.biggest(ws), true
	}
	if len(us) > 0 {
		return us[0], true
	}
	if p, ok := g.qualifiedCountryOnly(name); ok {
		return p, true
	}
	return Place{}, false
}

// qualifiedCountryOnly resolves a bare country name to that country (no
// point), so "I'm in Canada" still gives crisis lines and a time zone.
func (g *Gazetteer) qualifiedCountryOnly(name string) (Place, bool) {
	cc, ok := g.country[name]
	if !ok {
		return Place{}, false
	}
	return Place{Name: cc, Country: cc, TimeZone: countryZone(cc, "")}, true
}

// Zone returns the IANA zone of a ZIP code ("" when unknown).
func (g *Gazetteer) Zone(zip string) string {
	if g.load() != nil {
		return ""
	}
	return g.zips[zip].TimeZone
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func parsePoint(lat, lon string) (Point, error) {
	la, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
	lo, err2 := strconv.ParseFloat(strings.TrimSpace(lon), 64)
	if err1 != nil || err2 != nil || math.Abs(la) > 90 || math.Abs(lo) > 180 {
		return Point{}, fmt.Errorf("bad coordinate %q,%q", lat, lon)
	}
	return Point{Lat: la, Lon: lo}, nil
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

// DistanceKm is the great-circle distance between two points.
func DistanceKm(a, b Point) float64 {
	const r = 6371.0088
	la1, la2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	dla, dlo := la2-la1, (b.Lon-a.Lon)*math.Pi/180
	h := math.Sin(dla/2)*math.Sin(dla/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dlo/2)*math.Sin(dlo/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

// countryZone gives the IANA zone for a country (and, where a country
// spans zones, its GeoNames admin1 code). It covers the countries whose
// people most often use the bot; "" means unknown, and the bot then asks.
func countryZone(cc, admin1 string) string {
	switch cc {
	case "CA":
		return map[string]string{"01": "America/Edmonton", "02": "America/Vancouver", "03": "America/Winnipeg",
			"04": "America/Moncton", "05": "America/St_Johns", "07": "America/Halifax", "08": "America/Toronto",
			"09": "America/Halifax", "10": "America/Toronto", "11": "America/Regina", "12": "America/Whitehorse",
			"13": "America/Yellowknife", "14": "America/Iqaluit"}[admin1]
	case "AU":
		return map[string]string{"01": "Australia/Sydney", "02": "Australia/Sydney", "03": "Australia/Darwin",
			"04": "Australia/Brisbane", "05": "Australia/Adelaide", "06": "Australia/Hobart", "07": "Australia/Melbourne",
			"08": "Australia/Perth"}[admin1]
	}
	return singleZone[cc]
}

// singleZone maps countries to the zone most of their people live in.
var singleZone = map[string]string{
	"GB": "Europe/London", "IE": "Europe/Dublin", "DE": "Europe/Berlin", "FR": "Europe/Paris", "ES": "Europe/Madrid",
	"NL": "Europe/Amsterdam", "BE": "Europe/Brussels", "IT": "Europe/Rome", "PT": "Europe/Lisbon", "CH": "Europe/Zurich",
	"AT": "Europe/Vienna", "SE": "Europe/Stockholm", "NO": "Europe/Oslo", "DK": "Europe/Copenhagen", "FI": "Europe/Helsinki",
	"PL": "Europe/Warsaw", "GR": "Europe/Athens", "NZ": "Pacific/Auckland", "IN": "Asia/Kolkata", "JP": "Asia/Tokyo",
	"KR": "Asia/Seoul", "SG": "Asia/Singapore", "ZA": "Africa/Johannesburg", "MX": "America/Mexico_City",
	"BR": "America/Sao_Paulo", "AR": "America/Argentina/Buenos_Aires", "CO": "America/Bogota", "CL": "America/Santiago",
	"PE": "America/Lima", "PH": "Asia/Manila", "PR": "America/Puerto_Rico", "IL": "Asia/Jerusalem", "NG": "Africa/Lagos",
	"KE": "Africa/Nairobi",
}

// ZIPPlaces lists every US ZIP code the gazetteer knows, in code order
// (for synthetic directories and tests).
func (g *Gazetteer) ZIPPlaces() []Place {
	if g.load() != nil {
		return nil
	}
	out := make([]Place, 0, len(g.zips))
	for _, p := range g.zips {
		if p.TimeZone != "" {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b Place) int { return strings.Compare(a.Name, b.Name) })
	return out
}
