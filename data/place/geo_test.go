package place

import (
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/peermatch/peermatch/data"
)

// testGazetteer is shared by the tests: building it takes a second (more
// under -race).
var testGazetteer = sync.OnceValue(DefaultGazetteer)

// placeCase is a place as people type it and what it must resolve to.
// region is checked when set, tz always ("" for a country of many zones).
type placeCase struct {
	in              string
	hint            PlaceHint
	country, region string
	tz              string
	area            bool // a country or region alone: no point
}

var placeCases = []placeCase{
	// US: must not regress
	{in: "78701", country: "US", region: "TX", tz: "America/Chicago"},
	{in: "10001-1234", country: "US", region: "NY", tz: "America/New_York"},
	{in: "94110", country: "US", region: "CA", tz: "America/Los_Angeles"},
	{in: "Austin, TX", country: "US", region: "TX", tz: "America/Chicago"},
	{in: "austin texas", country: "US", region: "TX", tz: "America/Chicago"},
	{in: "Portland, OR", country: "US", region: "OR", tz: "America/Los_Angeles"},
	{in: "Portland", country: "US", region: "OR", tz: "America/Los_Angeles"},
	{in: "Portland, Maine", country: "US", region: "ME", tz: "America/New_York"},
	{in: "Springfield, IL", country: "US", region: "IL", tz: "America/Chicago"},
	{in: "Springfield", country: "US", region: "MA", tz: "America/New_York"},
	{in: "Chicago", country: "US", region: "IL", tz: "America/Chicago"},
	{in: "Paris, TX", country: "US", region: "TX", tz: "America/Chicago"},
	{in: "Paris Texas", country: "US", region: "TX", tz: "America/Chicago"},
	{in: "Phoenix", country: "US", region: "AZ", tz: "America/Phoenix"},
	{in: "Denver", country: "US", region: "CO", tz: "America/Denver"},
	{in: "Boise", country: "US", region: "ID", tz: "America/Boise"},
	{in: "NYC", country: "US", region: "NY", tz: "America/New_York"},
	{in: "New York City", country: "US", region: "NY", tz: "America/New_York"},
	{in: "New York", country: "US", region: "NY", tz: "America/New_York"},
	{in: "LA", country: "US", region: "CA", tz: "America/Los_Angeles"},
	{in: "SF", country: "US", region: "CA", tz: "America/Los_Angeles"},
	{in: "DC", country: "US", region: "DC", tz: "America/New_York"},
	{in: "Washington DC", country: "US", region: "DC", tz: "America/New_York"},
	{in: "Washington, D.C.", country: "US", region: "DC", tz: "America/New_York"},
	{in: "St. Louis", country: "US", region: "MO", tz: "America/Chicago"},
	{in: "Saint Louis", country: "US", region: "MO", tz: "America/Chicago"},
	{in: "St Louis, MO", country: "US", region: "MO", tz: "America/Chicago"},
	{in: "Frisco", country: "US", region: "TX", tz: "America/Chicago"},
	{in: "Frisco, CO", country: "US", region: "CO", tz: "America/Denver"},
	{in: "Melbourne, FL", country: "US", region: "FL", tz: "America/New_York"},
	{in: "Manchester, NH", country: "US", region: "NH", tz: "America/New_York"},
	{in: "Richmond", country: "US", region: "VA", tz: "America/New_York"},
	{in: "Winston-Salem", country: "US", region: "NC", tz: "America/New_York"},
	{in: "Toronto, Ohio", country: "US", region: "OH", tz: "America/New_York"},
	// Canada
	{in: "Toronto", country: "CA", region: "ON", tz: "America/Toronto"},
	{in: "Toronto, ON", country: "CA", region: "ON", tz: "America/Toronto"},
	{in: "Toronto ON", country: "CA", region: "ON", tz: "America/Toronto"},
	{in: "Toronto, Ontario", country: "CA", region: "ON", tz: "America/Toronto"},
	{in: "Toronto, ON, Canada", country: "CA", region: "ON", tz: "America/Toronto"},
	{in: "Toronto, Canada", country: "CA", region: "ON", tz: "America/Toronto"},
	{in: "Ottawa", country: "CA", region: "ON", tz: "America/Toronto"},
	{in: "Edmonton", country: "CA", region: "AB", tz: "America/Edmonton"},
	{in: "Vancouver", country: "CA", region: "BC", tz: "America/Vancouver"},
	{in: "Vancouver, WA", country: "US", region: "WA", tz: "America/Los_Angeles"},
	{in: "Montreal", country: "CA", region: "QC", tz: "America/Toronto"},
	{in: "Québec", country: "CA", region: "QC", tz: "America/Toronto", area: true},
	{in: "Quebec City", country: "CA", region: "QC", tz: "America/Toronto"},
	{in: "St. John's", country: "CA", region: "NL", tz: "America/St_Johns"},
	{in: "St John's, NL", country: "CA", region: "NL", tz: "America/St_Johns"},
	{in: "London, ON", country: "CA", region: "ON", tz: "America/Toronto"},
	{in: "Winnipeg", country: "CA", region: "MB", tz: "America/Winnipeg"},
	{in: "Halifax, Nova Scotia", country: "CA", region: "NS", tz: "America/Halifax"},
	{in: "Calgary AB", country: "CA", region: "AB", tz: "America/Edmonton"},
	// UK and Ireland
	{in: "London", country: "GB", tz: "Europe/London"},
	{in: "Manchester", country: "GB", region: "ENG", tz: "Europe/London"},
	{in: "Cardiff", country: "GB", region: "WLS", tz: "Europe/London"},
	{in: "Belfast", country: "GB", region: "NIR", tz: "Europe/London"},
	{in: "Edinburgh", country: "GB", region: "SCT", tz: "Europe/London"},
	{in: "Glasgow, Scotland", country: "GB", region: "SCT", tz: "Europe/London"},
	{in: "Birmingham, UK", country: "GB", tz: "Europe/London"},
	{in: "Birmingham, AL", country: "US", region: "AL", tz: "America/Chicago"},
	{in: "Dublin", country: "IE", tz: "Europe/Dublin"},
	{in: "Cork, Ireland", country: "IE", tz: "Europe/Dublin"},
	// Australia and New Zealand
	{in: "Melbourne", country: "AU", region: "VIC", tz: "Australia/Melbourne"},
	{in: "Sydney", country: "AU", region: "NSW", tz: "Australia/Sydney"},
	{in: "Sydney, NSW", country: "AU", region: "NSW", tz: "Australia/Sydney"},
	{in: "Perth", country: "AU", region: "WA", tz: "Australia/Perth"},
	{in: "Perth, WA", country: "AU", region: "WA", tz: "Australia/Perth"},
	{in: "Perth, Scotland", country: "GB", region: "SCT", tz: "Europe/London"},
	{in: "Brisbane", country: "AU", region: "QLD", tz: "Australia/Brisbane"},
	{in: "Adelaide", country: "AU", region: "SA", tz: "Australia/Adelaide"},
	{in: "Hobart, Tasmania", country: "AU", region: "TAS", tz: "Australia/Hobart"},
	{in: "Auckland", country: "NZ", tz: "Pacific/Auckland"},
	{in: "Wellington, New Zealand", country: "NZ", tz: "Pacific/Auckland"},
	// Mexico and Latin America
	{in: "Guadalajara", country: "MX", region: "JAL", tz: "America/Mexico_City"},
	{in: "Guadalajara", hint: PlaceHint{Lang: "es"}, country: "MX", region: "JAL", tz: "America/Mexico_City"},
	{in: "Guadalajara, España", country: "ES", tz: "Europe/Madrid"},
	{in: "CDMX", country: "MX", region: "CMX", tz: "America/Mexico_City"},
	{in: "Ciudad de México", country: "MX", region: "CMX", tz: "America/Mexico_City"},
	{in: "Mexico City", country: "MX", region: "CMX", tz: "America/Mexico_City"},
	{in: "DF", country: "MX", region: "CMX", tz: "America/Mexico_City"},
	{in: "León", hint: PlaceHint{Lang: "es-MX"}, country: "MX", region: "GUA", tz: "America/Mexico_City"},
	{in: "León", hint: PlaceHint{Country: "ES", Lang: "es"}, country: "ES", tz: "Europe/Madrid"},
	{in: "Monterrey", country: "MX", region: "NLE", tz: "America/Monterrey"},
	{in: "Tijuana", country: "MX", tz: "America/Tijuana"},
	{in: "Cancún", country: "MX", tz: "America/Cancun"},
	{in: "São Paulo", country: "BR", tz: "America/Sao_Paulo"},
	{in: "Sao Paulo", country: "BR", tz: "America/Sao_Paulo"},
	{in: "Rio de Janeiro", country: "BR", tz: "America/Sao_Paulo"},
	{in: "Manaus", country: "BR", tz: "America/Manaus"},
	{in: "Buenos Aires", country: "AR", tz: "America/Argentina/Buenos_Aires"},
	{in: "Córdoba", hint: PlaceHint{Lang: "es", Country: "AR"}, country: "AR", tz: "America/Argentina/Cordoba"},
	{in: "Córdoba", hint: PlaceHint{Country: "ES"}, country: "ES", tz: "Europe/Madrid"},
	{in: "Bogotá", country: "CO", tz: "America/Bogota"},
	{in: "Medellin", country: "CO", tz: "America/Bogota"},
	{in: "Santiago, Chile", country: "CL", tz: "America/Santiago"},
	{in: "Lima", country: "PE", tz: "America/Lima"},
	// Europe, Asia, Africa
	{in: "Madrid, España", country: "ES", tz: "Europe/Madrid"},
	{in: "Barcelona", country: "ES", tz: "Europe/Madrid"},
	{in: "Sevilla", country: "ES", tz: "Europe/Madrid"},
	{in: "Las Palmas de Gran Canaria", country: "ES", tz: "Atlantic/Canary"},
	{in: "Paris", country: "FR", tz: "Europe/Paris"},
	{in: "Lyon", country: "FR", tz: "Europe/Paris"},
	{in: "Berlin", country: "DE", tz: "Europe/Berlin"},
	{in: "München", country: "DE", tz: "Europe/Berlin"},
	{in: "Munich", country: "DE", tz: "Europe/Berlin"},
	{in: "Amsterdam", country: "NL", tz: "Europe/Amsterdam"},
	{in: "Mumbai", country: "IN", tz: "Asia/Kolkata"},
	{in: "Delhi", country: "IN", tz: "Asia/Kolkata"},
	{in: "Bangalore", country: "IN", tz: "Asia/Kolkata"},
	{in: "Johannesburg", country: "ZA", tz: "Africa/Johannesburg"},
	{in: "Cape Town", country: "ZA", tz: "Africa/Johannesburg"},
	{in: "Lagos", country: "NG", tz: "Africa/Lagos"},
	{in: "Tokyo", country: "JP", tz: "Asia/Tokyo"},
	{in: "Singapore", country: "SG", tz: "Asia/Singapore"},
	// Hints
	{in: "Richmond", hint: PlaceHint{Country: "GB"}, country: "GB", tz: "Europe/London"},
	{in: "Richmond", hint: PlaceHint{Country: "US"}, country: "US", region: "VA", tz: "America/New_York"},
	{in: "Richmond", hint: PlaceHint{Country: "CA"}, country: "CA", region: "BC", tz: "America/Vancouver"},
	{in: "London", hint: PlaceHint{Country: "CA"}, country: "CA", region: "ON", tz: "America/Toronto"},
	{in: "Toronto", hint: PlaceHint{Country: "US"}, country: "CA", region: "ON", tz: "America/Toronto"},
	{in: "Manchester", hint: PlaceHint{Country: "US"}, country: "US", region: "NH", tz: "America/New_York"},
	{in: "Perth", hint: PlaceHint{Country: "GB"}, country: "GB", region: "SCT", tz: "Europe/London"},
	// Mexican states (GeoNames admin1 is not alphabetical there)
	{in: "Saltillo, Coahuila", country: "MX", region: "COA", tz: "America/Monterrey"},
	{in: "Tuxtla Gutiérrez, Chiapas", country: "MX", region: "CHP", tz: "America/Mexico_City"},
	{in: "Chihuahua, Chihuahua", country: "MX", region: "CHH", tz: "America/Chihuahua"},
	{in: "Colima, Colima", country: "MX", region: "COL", tz: "America/Mexico_City"},
	{in: "Juárez", country: "MX", region: "CHH", tz: "America/Ciudad_Juarez"},
	{in: "Monterrey, Nuevo León", country: "MX", region: "NLE", tz: "America/Monterrey"},
	// States and provinces alone: a zone, no point
	{in: "Florida", country: "US", region: "FL", tz: "America/New_York", area: true},
	{in: "Texas", country: "US", region: "TX", tz: "America/Chicago", area: true},
	{in: "Ontario", country: "CA", region: "ON", tz: "America/Toronto", area: true},
	{in: "British Columbia", country: "CA", region: "BC", tz: "America/Vancouver", area: true},
	{in: "Queensland", country: "AU", region: "QLD", tz: "Australia/Brisbane", area: true},
	{in: "Jalisco", country: "MX", region: "JAL", tz: "America/Mexico_City", area: true},
	{in: "Georgia", hint: PlaceHint{Country: "US"}, country: "US", region: "GA", tz: "America/New_York", area: true},
	{in: "San José", country: "US", region: "CA", tz: "America/Los_Angeles"},
	{in: "San José", hint: PlaceHint{Lang: "es"}, country: "CR", tz: "America/Costa_Rica"},
	{in: "Paris", hint: PlaceHint{Lang: "es"}, country: "FR", tz: "Europe/Paris"},
	{in: "Paris", hint: PlaceHint{Lang: "en-US"}, country: "FR", tz: "Europe/Paris"},
	// Countries alone
	{in: "Canada", country: "CA", area: true},
	{in: "Mexico", country: "MX", tz: "America/Mexico_City", area: true},
	{in: "España", country: "ES", tz: "Europe/Madrid", area: true},
	{in: "UK", country: "GB", tz: "Europe/London", area: true},
	{in: "United States", country: "US", tz: "", area: true},
}

func TestGazetteerLookup(t *testing.T) {
	g := testGazetteer()
	for _, c := range placeCases {
		p, ok := g.LookupNear(c.in, c.hint)
		if !ok {
			t.Errorf("LookupNear(%q, %+v): not found", c.in, c.hint)
			continue
		}
		if p.Country != c.country || (c.region != "" && p.Region != c.region) || p.TimeZone != c.tz {
			t.Errorf("LookupNear(%q, %+v) = %+v, want %s %s %s", c.in, c.hint, p, c.country, c.region, c.tz)
		}
		if (p.Point == data.Point{}) != c.area {
			t.Errorf("LookupNear(%q) = %+v: a point only for a town", c.in, p)
		}
		if c.hint == (PlaceHint{}) {
			if q, _ := g.Lookup(c.in); q != p {
				t.Errorf("Lookup(%q) = %+v, LookupNear with no hint = %+v", c.in, q, p)
			}
		}
	}
	for _, bad := range []string{"", "  ", "99999", "Xyzzyville, ZZ", "not a place at all", "Toronto, Texas", ",", "Paris on", "Austin in"} {
		if p, ok := g.Lookup(bad); ok {
			t.Errorf("Lookup(%q) = %+v, want not found", bad, p)
		}
	}
	if cc, ok := g.Country("United Kingdom"); !ok || cc != "GB" {
		t.Errorf("Country(United Kingdom) = %q %v", cc, ok)
	}
}

// TestPlaceCasesCover keeps the table broad: the brief asks for at least
// sixty strings over these countries.
func TestPlaceCasesCover(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range placeCases {
		seen[c.country] = true
	}
	if len(placeCases) < 60 {
		t.Errorf("%d place cases, want at least 60", len(placeCases))
	}
	for _, cc := range strings.Fields("US CA GB IE AU NZ MX ES BR AR CO FR DE IN ZA") {
		if !seen[cc] {
			t.Errorf("no place case in %s", cc)
		}
	}
}

func TestZoneAt(t *testing.T) {
	g := testGazetteer()
	for _, c := range []struct {
		p  data.Point
		tz string
	}{
		{data.Point{Lat: 53.5444, Lon: -113.4909}, "America/Edmonton"},
		{data.Point{Lat: -31.9522, Lon: 115.8575}, "Australia/Perth"},
		{data.Point{Lat: 20.6667, Lon: -103.3333}, "America/Mexico_City"},
		{data.Point{Lat: -23.5475, Lon: -46.6361}, "America/Sao_Paulo"},
		{data.Point{Lat: 49.2497, Lon: -123.1193}, "America/Vancouver"},
		{data.Point{Lat: 33.448, Lon: -112.074}, "America/Phoenix"},
		{data.Point{Lat: 36.1, Lon: -86.8}, "America/Chicago"},                // Nashville
		{data.Point{Lat: 41.69, Lon: -86.25}, "America/Indiana/Indianapolis"}, // South Bend
		{data.Point{Lat: 51.5, Lon: -0.12}, "Europe/London"},
	} {
		if got := g.ZoneAt(c.p); got != c.tz {
			t.Errorf("ZoneAt(%v) = %q, want %q", c.p, got, c.tz)
		}
	}
}

// TestNameKey pins the spellings that must meet.
func TestNameKey(t *testing.T) {
	for _, c := range [][2]string{
		{"St. Louis", "Saint Louis"}, {"St John's", "St. John’s"}, {"Winston-Salem", "winston salem"},
		{"L.A.", "LA"}, {"São Paulo", "sao paulo"}, {"Ft. Worth", "Fort Worth"},
	} {
		if a, b := nameKey(c[0]), nameKey(c[1]); a != b {
			t.Errorf("nameKey(%q) = %q, nameKey(%q) = %q", c[0], a, c[1], b)
		}
	}
}

func TestDistanceKm(t *testing.T) {
	// New York to Los Angeles is about 3,936 km.
	d := data.DistanceKm(data.Point{Lat: 40.7128, Lon: -74.0060}, data.Point{Lat: 34.0522, Lon: -118.2437})
	if d < 3900 || d > 3970 {
		t.Fatalf("NY–LA = %.0f km", d)
	}
}

// BenchmarkLookupAmbiguous times names shared by many towns worldwide,
// which must stay cheap: they can come up in any message.
func BenchmarkLookupAmbiguous(b *testing.B) {
	g := DefaultGazetteer()
	if err := g.Preload(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		g.Lookup("London")
		g.Lookup("Sydney")
	}
}

// BenchmarkLookup times the whole table of typed places, one op each.
func BenchmarkLookup(b *testing.B) {
	g := DefaultGazetteer()
	if err := g.Preload(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c := placeCases[i%len(placeCases)]
		g.LookupNear(c.in, c.hint)
	}
}

// BenchmarkPreload times building the tables and reports the heap they
// keep after a GC: MiB (#17's budget; 63 before the tables were made
// pointer-free, the target 25) and objects, which the collector marks on
// every cycle.
func BenchmarkPreload(b *testing.B) {
	benchKept(b, func() any {
		g := DefaultGazetteer()
		if err := g.Preload(); err != nil {
			b.Fatal(err)
		}
		return g
	})
}

// benchKept runs build once per iteration and reports the heap that what
// it returns keeps alive.
func benchKept(b *testing.B, build func() any) {
	var kept, objects float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		v := build()
		runtime.GC()
		runtime.ReadMemStats(&after)
		kept = float64(after.HeapAlloc) - float64(before.HeapAlloc)
		objects = float64(after.HeapObjects) - float64(before.HeapObjects)
		runtime.KeepAlive(v)
	}
	b.ReportMetric(kept/(1<<20), "MiB-kept")
	b.ReportMetric(objects, "objects-kept")
}

// BenchmarkZoneAt times the point-to-zone finder after its first use.
func BenchmarkZoneAt(b *testing.B) {
	g := testGazetteer()
	g.ZoneAt(data.Point{Lat: 0, Lon: 0})
	pts := []data.Point{{Lat: 53.5444, Lon: -113.4909}, {Lat: -31.9522, Lon: 115.8575}, {Lat: 20.6667, Lon: -103.3333}, {Lat: 41.69, Lon: -86.25}}
	for i := 0; b.Loop(); i++ {
		g.ZoneAt(pts[i%len(pts)])
	}
}

// BenchmarkZoneFinderInit times building tzf's FuzzyFinder, which ZoneAt
// does once, and reports the heap it keeps.
func BenchmarkZoneFinderInit(b *testing.B) {
	benchKept(b, func() any {
		f, err := newFuzzyFinder()
		if err != nil {
			b.Fatal(err)
		}
		return f
	})
}

// tinyTables is a world of three towns, for tests of the table reader.
func tinyTables() geoTables {
	return geoTables{
		zcta:     []byte("zcta5,lat,lon\n78701,30.27,-97.74\n"),
		zctaTZ:   []byte("zcta5,tz\n78701,America/Chicago\n"),
		usPostal: []byte("US\t78701\tAustin\tTexas\tTX\tTravis\t453\t\t\t30.27\t-97.74\t4\n"),
		world: []byte("name,country,admin1,lat,lon,population,tz\n" +
			"Toronto,CA,08,43.7,-79.4,2600000,America/Toronto\n" +
			"Ottawa,CA,08,45.4,-75.7,812000,\n" +
			"Austin,US,TX,30.27,-97.74,931830,America/Chicago\n"),
		regions: []byte("country,admin1,code,names\nCA,08,ON,Ontario\n"),
		aliases: []byte("alias,name,country,admin1\nThe Six,Toronto,CA,08\n"),
	}
}

func TestGazetteerTinyTables(t *testing.T) {
	g := &Gazetteer{src: tinyTables()}
	if err := g.Preload(); err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"the six": "Toronto, ON, CA", "Ottawa, ON": "Ottawa, ON, CA", "austin": "Austin, TX", "78701": "Austin, TX 78701"} {
		if p, ok := g.Lookup(in); !ok || p.Name != want {
			t.Errorf("Lookup(%q) = %+v %v, want %s", in, p, ok, want)
		}
	}
	if p, _ := g.Lookup("Ottawa"); p.TimeZone != "America/Toronto" {
		t.Errorf("Ottawa's zone %q: an empty tz must repeat the row above", p.TimeZone)
	}
}

// TestGazetteerBadTables: a defect in a table is an error that names the
// file, the line and what is wrong, not a panic or a silent gap.
func TestGazetteerBadTables(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*geoTables)
		want []string
	}{
		{"population", func(s *geoTables) {
			s.world = []byte("name,country,admin1,lat,lon,population,tz\nToronto,CA,08,43.7,-79.4,many,America/Toronto\n")
		}, []string{"geo/world-cities.csv:2", "population", "many"}},
		{"first zone", func(s *geoTables) {
			s.world = []byte("name,country,admin1,lat,lon,population,tz\nToronto,CA,08,43.7,-79.4,1,\n")
		}, []string{"geo/world-cities.csv:2", "tz"}},
		{"coordinate", func(s *geoTables) {
			s.world = []byte("name,country,admin1,lat,lon,population,tz\nToronto,CA,08,143.7,-79.4,1,America/Toronto\n")
		}, []string{"geo/world-cities.csv:2", "coordinate"}},
		{"columns", func(s *geoTables) {
			s.world = []byte("name,country,admin1,lat,lon,population,tz\nToronto,CA,08\n")
		}, []string{"geo/world-cities.csv:2", "expected 7 fields"}},
		{"alias", func(s *geoTables) {
			s.aliases = []byte("alias,name,country,admin1\nT.O.,Torontoo,CA,08\n")
		}, []string{"geo/aliases.csv:2", "Torontoo"}},
		{"region", func(s *geoTables) {
			s.regions = []byte("country,admin1,code,names\nCA,,ON,Ontario\n")
		}, []string{"geo/regions.csv:2", "admin1"}},
	} {
		src := tinyTables()
		c.edit(&src)
		g := &Gazetteer{src: src}
		err := g.Preload()
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", c.name, err, w)
			}
		}
		if _, ok := g.Lookup("Toronto"); ok {
			t.Errorf("%s: a gazetteer that failed to load still answers", c.name)
		}
	}
}

// TestGazetteerFrenchWords: French names for countries are read, and a
// lower-case "la" after a name is the article in French but Louisiana
// otherwise.
func TestGazetteerFrenchWords(t *testing.T) {
	g := testGazetteer()
	for in, want := range map[string]string{"Allemagne": "DE", "États-Unis": "US", "etats unis": "US", "Royaume-Uni": "GB", "Suisse": "CH", "Belgique": "BE"} {
		if cc, ok := g.Country(in); !ok || cc != want {
			t.Errorf("Country(%q) = %q %v, want %s", in, cc, ok, want)
		}
	}
	if p, ok := g.Lookup("Lafayette la"); !ok || p.Region != "LA" {
		t.Errorf("Lookup(Lafayette la) = %+v %v, want Lafayette, LA", p, ok)
	}
	if p, ok := g.LookupNear("Lafayette la", PlaceHint{Lang: "fr"}); ok {
		t.Errorf("LookupNear(Lafayette la, fr) = %+v, want not found (la is the article)", p)
	}
}
