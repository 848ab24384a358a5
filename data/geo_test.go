package data

import "testing"

func TestGazetteerLookup(t *testing.T) {
	g := DefaultGazetteer()
	cases := []struct {
		in, country, region, tz string
	}{
		{"78701", "US", "TX", "America/Chicago"},
		{"10001-1234", "US", "NY", "America/New_York"},
		{"Austin, TX", "US", "TX", "America/Chicago"},
		{"austin texas", "US", "TX", "America/Chicago"},
		{"Portland, OR", "US", "OR", "America/Los_Angeles"},
		{"Chicago", "US", "IL", "America/Chicago"},
		{"London", "GB", "", "Europe/London"},
		{"Toronto, Canada", "CA", "", "America/Toronto"},
		{"Bogotá", "CO", "", "America/Bogota"},
		{"Madrid, España", "ES", "", "Europe/Madrid"},
		{"Sydney", "AU", "", "Australia/Sydney"},
	}
	for _, c := range cases {
		p, ok := g.Lookup(c.in)
		if !ok {
			t.Errorf("Lookup(%q): not found", c.in)
			continue
		}
		if p.Country != c.country || (c.region != "" && p.Region != c.region) || p.TimeZone != c.tz {
			t.Errorf("Lookup(%q) = %+v, want %s %s %s", c.in, p, c.country, c.region, c.tz)
		}
	}
	for _, bad := range []string{"", "99999", "Xyzzyville, ZZ", "not a place at all"} {
		if p, ok := g.Lookup(bad); ok {
			t.Errorf("Lookup(%q) = %+v, want not found", bad, p)
		}
	}
	if cc, ok := g.Country("United Kingdom"); !ok || cc != "GB" {
		t.Errorf("Country(United Kingdom) = %q %v", cc, ok)
	}
}

func TestDistanceKm(t *testing.T) {
	// New York to Los Angeles is about 3,936 km.
	d := DistanceKm(Point{40.7128, -74.0060}, Point{34.0522, -118.2437})
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
