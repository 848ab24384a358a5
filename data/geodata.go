package data

import (
	_ "embed"
	"math"
)

// The gazetteer's tables (data/geo, with their sources and licences in its
// README). They are embedded here, with the rest of the data; reading them
// into a gazetteer is the place package's job.
var (
	//go:embed geo/us-zcta-centroids.csv
	zctaCSV []byte
	//go:embed geo/us-zcta-timezone.csv
	zctaTZCSV []byte
	//go:embed geo/us-postal-codes-geonames.tsv
	usPostalTSV []byte
	//go:embed geo/world-cities.csv
	worldCSV []byte
	//go:embed geo/regions.csv
	regionsCSV []byte
	//go:embed geo/aliases.csv
	aliasesCSV []byte
)

// GeoTables are the raw gazetteer tables, one field per file of data/geo.
type GeoTables struct {
	ZCTA     []byte // us-zcta-centroids.csv: ZIP code centroids
	ZCTATZ   []byte // us-zcta-timezone.csv: ZIP code time zones
	USPostal []byte // us-postal-codes-geonames.tsv: ZIP code place names
	World    []byte // world-cities.csv
	Regions  []byte // regions.csv: states and provinces
	Aliases  []byte // aliases.csv: other names people use
}

// Geodata returns the embedded gazetteer tables. The slices are the
// binary's own read-only data: callers must not change them.
func Geodata() GeoTables {
	return GeoTables{zctaCSV, zctaTZCSV, usPostalTSV, worldCSV, regionsCSV, aliasesCSV}
}

// DistanceKm is the great-circle distance between two points.
func DistanceKm(a, b Point) float64 {
	const r = 6371.0088
	la1, la2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	dla, dlo := la2-la1, (b.Lon-a.Lon)*math.Pi/180
	h := math.Sin(dla/2)*math.Sin(dla/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dlo/2)*math.Sin(dlo/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}
