//go:build ignore

// gen-metro-feed writes metro-feed.json: a Meeting Guide feed of one metro
// area (Denver, Colorado) shaped like a 12 Step Meeting List export, for
// the import and search tests. Run it from this folder:
//
//	go run gen-metro-feed.go
//
// It is deterministic (a fixed seed), covers every type code of the spec
// (../../meetingguide_types.json), four fellowships (AA, NA, Al-Anon, CA),
// in-person, hybrid and online meetings, approximate locations (a city or
// ZIP, no street) and temporarily closed (TC) locations. Addresses are
// made up; ZIP codes and their centroids are real (US Census ZCTA), so the
// gazetteer finds the places people name.
package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
)

type zip struct {
	code, city string
	lat, lon   float64
}

var zips = []zip{
	{"80203", "Denver", 39.73142, -104.98276},
	{"80204", "Denver", 39.73476, -105.02068},
	{"80205", "Denver", 39.75886, -104.96470},
	{"80206", "Denver", 39.73037, -104.95251},
	{"80207", "Denver", 39.76138, -104.91670},
	{"80210", "Denver", 39.67663, -104.96232},
	{"80211", "Denver", 39.76744, -105.01974},
	{"80212", "Denver", 39.77205, -105.04803},
	{"80218", "Denver", 39.73117, -104.97071},
	{"80219", "Denver", 39.69529, -105.03560},
	{"80220", "Denver", 39.73378, -104.91647},
	{"80222", "Denver", 39.67131, -104.92823},
	{"80223", "Denver", 39.69579, -105.00384},
	{"80224", "Denver", 39.68807, -104.91157},
	{"80227", "Denver", 39.66546, -105.10220},
	{"80231", "Denver", 39.67122, -104.88786},
	{"80236", "Denver", 39.65163, -105.03970},
	{"80238", "Denver", 39.77741, -104.87965},
	{"80239", "Denver", 39.78920, -104.83362},
	{"80246", "Denver", 39.70517, -104.93072},
	{"80012", "Aurora", 39.69977, -104.83783},
	{"80013", "Aurora", 39.66146, -104.76576},
	{"80014", "Aurora", 39.66355, -104.83777},
	{"80010", "Aurora", 39.73925, -104.86171},
	{"80226", "Denver", 39.71013, -105.09213},
	{"80228", "Denver", 39.69494, -105.17319},
	{"80232", "Denver", 39.68820, -105.08948},
	{"80002", "Arvada", 39.79372, -105.10838},
	{"80003", "Arvada", 39.82541, -105.06444},
	{"80004", "Arvada", 39.81378, -105.12218},
	{"80005", "Arvada", 39.85165, -105.13142},
	{"80110", "Englewood", 39.64594, -105.01137},
	{"80113", "Englewood", 39.64444, -104.96511},
	{"80120", "Littleton", 39.59384, -105.01146},
	{"80123", "Littleton", 39.61601, -105.06945},
	{"80030", "Westminster", 39.83082, -105.03747},
	{"80031", "Westminster", 39.87394, -105.03879},
	{"80229", "Denver", 39.85425, -104.95760},
	{"80241", "Thornton", 39.92908, -104.95428},
	{"80302", "Boulder", 40.02506, -105.34866},
	{"80303", "Boulder", 39.97322, -105.20928},
	{"80304", "Boulder", 40.04473, -105.28835},
	{"80305", "Boulder", 39.97687, -105.24868},
	{"80401", "Golden", 39.71887, -105.23534},
	{"80033", "Wheat Ridge", 39.77267, -105.10480},
	{"80122", "Littleton", 39.58031, -104.95492},
	{"80111", "Englewood", 39.61200, -104.88279},
	{"80134", "Parker", 39.48282, -104.77999},
	{"80020", "Broomfield", 39.93078, -105.07429},
	{"80021", "Broomfield", 39.89066, -105.11372},
	{"80501", "Longmont", 40.16483, -105.10185},
	{"80601", "Brighton", 39.96217, -104.80792},
	{"80015", "Aurora", 39.62806, -104.79325},
	{"80016", "Aurora", 39.59303, -104.72240},
}

// meeting is a 12 Step Meeting List export record, fields in its order.
type meeting struct {
	ID               int      `json:"id"`
	Name             string   `json:"name"`
	Slug             string   `json:"slug"`
	Notes            string   `json:"notes,omitempty"`
	Updated          string   `json:"updated"`
	LocationID       int      `json:"location_id,omitempty"`
	URL              string   `json:"url"`
	Day              int      `json:"day"`
	Time             string   `json:"time"`
	EndTime          string   `json:"end_time"`
	TimeFormatted    string   `json:"time_formatted"`
	ConferenceURL    string   `json:"conference_url,omitempty"`
	ConferenceNotes  string   `json:"conference_url_notes,omitempty"`
	ConferencePhone  string   `json:"conference_phone,omitempty"`
	Types            []string `json:"types"`
	Author           string   `json:"author"`
	Location         string   `json:"location,omitempty"`
	LocationNotes    string   `json:"location_notes,omitempty"`
	FormattedAddress string   `json:"formatted_address"`
	Approximate      string   `json:"approximate"`
	Latitude         *float64 `json:"latitude,omitempty"`
	Longitude        *float64 `json:"longitude,omitempty"`
	Region           string   `json:"region"`
	Regions          []string `json:"regions"`
	Group            string   `json:"group,omitempty"`
	District         string   `json:"district,omitempty"`
	Website          string   `json:"website,omitempty"`
	Attendance       string   `json:"attendance_option,omitempty"`
	TimeZone         string   `json:"timezone"`
	Entity           string   `json:"entity"`
	EntityURL        string   `json:"entity_url"`
}

type fellowship struct {
	short, entity, url string
	weight             int
	names              []string
}

var fellowships = []fellowship{
	{"AA", "Denver Area Central Committee of Alcoholics Anonymous", "https://daccaa.example.org", 200,
		[]string{"Keep It Simple", "Came to Believe", "Happy Hour", "Serenity Seekers", "Attitude Adjustment", "Big Book Thumpers",
			"Lunch Bunch", "Early Risers", "Back to Basics", "Into Action", "Sober Sunday", "Friday Night Live", "Spiritual Awakening",
			"Primary Purpose", "Daily Reprieve", "First Things First", "One Day at a Time", "As Bill Sees It Group", "Twelve and Twelve",
			"Courage to Change", "Language of the Heart", "Design for Living", "Steps to Freedom", "Noon Meeting", "Candlelight"}},
	{"NA", "Mile High Area of Narcotics Anonymous", "https://milehighna.example.org", 80,
		[]string{"NA: Just for Today", "NA: Clean and Serene", "NA: Recovery in Action", "NA: Basic Text Study", "NA: Living Clean",
			"NA: Miracles Happen", "NA: Never Alone", "NA: Freedom Group", "NA: Hope Dealers", "NA: New Beginnings"}},
	{"Al-Anon", "Al-Anon Family Groups of Colorado", "https://al-anon-co.example.org", 50,
		[]string{"Al-Anon Serenity Seekers AFG", "Al-Anon Hope for Today AFG", "Al-Anon Courage to Change AFG", "Al-Anon Detachment AFG",
			"Al-Anon Monday Night Family Group", "Al-Anon One Day at a Time AFG", "Al-Anon Paths to Recovery AFG"}},
	{"CA", "Cocaine Anonymous Colorado Area", "https://ca-colorado.example.org", 30,
		[]string{"CA: Hope Dealers", "CA: Clean Getaway", "CA: Solutions", "CA: Freedom Friday", "CA: Primary Purpose"}},
}

var (
	formats   = []string{"B", "ST", "SP", "D", "BE", "LIT", "11", "12x12", "TR", "MED", "DR", "ABSI", "GR", "LS", "H", "CAN", "BRK", "OUT", "A", "DD", "P", "POA", "DB", "AL", "AL-AN"}
	features  = []string{"X", "XB", "BA", "CF", "FF", "SM", "XT"}
	audiences = []string{"W", "M", "Y", "SEN", "LGBTQ", "G", "L", "BI", "T", "NB", "POC", "N", "NDG", "BV-I", "D-HOH", "LO-I"}
	// Languages besides English and Spanish get an online meeting each:
	// a metro feed lists the online meetings of its language groups.
	audienceNames = map[string]string{"W": "Women's", "M": "Men's", "Y": "Young People's", "SEN": "Old Timers", "LGBTQ": "Rainbow",
		"G": "Gay Men's", "L": "Lesbian", "BI": "Bi+", "T": "Trans and Allies", "NB": "Non-Binary", "POC": "People of Color",
		"N": "Native American", "NDG": "Indigenous Circle", "BV-I": "Blind and Low Vision", "D-HOH": "Deaf and Hard of Hearing", "LO-I": "Loners"}
	streets = []string{"E Colfax Ave", "S Broadway", "W 38th Ave", "E Evans Ave", "S University Blvd", "Federal Blvd", "E Alameda Ave",
		"W Alameda Ave", "S Havana St", "E Hampden Ave", "Wadsworth Blvd", "Sheridan Blvd", "E 17th Ave", "Pearl St", "Main St"}
	places = []string{"St. John's Cathedral", "First Baptist Church", "Alano Club", "Unity Church", "Community Center", "St. Mary's Parish Hall",
		"Lutheran Church of the Good Shepherd", "Recovery Club", "Public Library Meeting Room", "Presbyterian Church", "Friends Meeting House"}
	clock = []string{"06:30", "07:00", "10:00", "12:00", "12:10", "17:30", "18:00", "18:30", "19:00", "19:30", "20:00", "21:00", "23:30"}
)

func main() {
	var spec map[string]map[string]string
	b, err := os.ReadFile("../../meetingguide_types.json")
	if err != nil {
		fail(err)
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		fail(err)
	}
	var languages []string
	for code := range spec {
		if isLanguage(code) && code != "EN" && code != "S" {
			languages = append(languages, code)
		}
	}
	slices.Sort(languages)

	r := rand.New(rand.NewPCG(14, 2026))
	var out []meeting
	slugs := map[string]int{}
	const n = 340
	total := 0
	for _, f := range fellowships {
		total += f.weight
	}
	for i := range n + len(languages) {
		// Fellowship by weight, deterministic.
		k := r.IntN(total)
		f := fellowships[0]
		for _, x := range fellowships {
			if k < x.weight {
				f = x
				break
			}
			k -= x.weight
		}
		z := zips[r.IntN(len(zips))]
		name := f.names[r.IntN(len(f.names))]
		types := []string{"O"}
		if i%3 == 1 || f.short == "Al-Anon" {
			types[0] = "C"
		}
		types = append(types, formats[i%len(formats)])
		if i%2 == 0 {
			types = append(types, features[(i/2)%len(features)])
		}
		// Names that say a format carry its code, as a real list's do.
		for word, c := range map[string]string{"Big Book": "B", "Twelve and Twelve": "12x12", "As Bill Sees It": "ABSI",
			"Candlelight": "CAN", "Basic Text": "LIT", "Steps to": "ST", "Living Clean": "LIT"} {
			if strings.Contains(name, word) {
				types = append(types, c)
			}
		}
		if i%4 == 0 {
			a := audiences[(i/4)%len(audiences)]
			types = append(types, a)
			name = audienceNames[a] + " " + name
		}
		attend := []string{"in_person", "in_person", "in_person", "in_person", "in_person", "in_person", "in_person", "in_person", "in_person", "in_person", "in_person",
			"hybrid", "hybrid", "hybrid", "hybrid", "online", "online", "online", "online", "tc"}[i%20]
		if i%10 == 3 {
			types = append(types, "S")
			name = map[string]string{"AA": "Grupo Nueva Vida", "NA": "NA: Grupo Sólo por Hoy", "Al-Anon": "Al-Anon Grupo Esperanza", "CA": "CA: Grupo Libertad"}[f.short]
		}
		if i >= n {
			// One online meeting per other language group.
			lang := languages[i-n]
			types = []string{"O", lang, formats[i%len(formats)]}
			if i%5 == 0 {
				types = append(types, "EN")
			}
			name = fmt.Sprintf("%s Speaking Online %s", spec[lang]["en"], f.short)
			attend = "online"
		}
		m := meeting{ID: 1000 + i, Name: name, TimeZone: "America/Denver", Entity: f.entity, EntityURL: f.url, Author: "intergroup-office",
			Day: r.IntN(7), Time: clock[r.IntN(len(clock))], Region: z.city, Regions: []string{z.city},
			Updated: fmt.Sprintf("2026-%02d-%02d %02d:%02d:%02d", 6+r.IntN(6), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60))}
		if i == 7 {
			m.Day, m.Time = 6, "23:30" // a late Saturday meeting, for the time zone tests
		}
		h, mi := 0, 0
		fmt.Sscanf(m.Time, "%d:%d", &h, &mi)
		dur := []int{60, 60, 60, 90, 75}[r.IntN(5)]
		end := (h*60 + mi + dur) % (24 * 60)
		m.EndTime = fmt.Sprintf("%02d:%02d", end/60, end%60)
		m.TimeFormatted = formatClock(h, mi)
		m.Group = strings.TrimPrefix(strings.TrimPrefix(name, f.short+": "), "Al-Anon ") + " Group"
		m.District = fmt.Sprintf("District %d", 1+r.IntN(20))
		slug := strings.Trim(strings.Map(func(c rune) rune {
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
				return c
			case c >= 'A' && c <= 'Z':
				return c + 32
			}
			return '-'
		}, name), "-")
		for strings.Contains(slug, "--") {
			slug = strings.ReplaceAll(slug, "--", "-")
		}
		slugs[slug]++
		if slugs[slug] > 1 {
			slug = fmt.Sprintf("%s-%d", slug, slugs[slug])
		}
		m.Slug = slug
		m.URL = f.url + "/meetings/" + slug + "/"
		zoom := fmt.Sprintf("https://us02web.zoom.us/j/8%09d?pwd=%s", r.IntN(1_000_000_000), randWord(r))
		street := func() {
			m.Location = places[r.IntN(len(places))]
			m.FormattedAddress = fmt.Sprintf("%d %s, %s, CO %s, USA", 100+r.IntN(9800), streets[r.IntN(len(streets))], z.city, z.code)
			m.Approximate = "no"
			lat, lon := z.lat+(r.Float64()-0.5)/50, z.lon+(r.Float64()-0.5)/50
			lat, lon = float64(int(lat*1e6))/1e6, float64(int(lon*1e6))/1e6
			m.Latitude, m.Longitude = &lat, &lon
			m.LocationID = 5000 + r.IntN(400)
			if r.IntN(4) == 0 {
				m.LocationNotes = "Enter through the side door; the meeting room is downstairs."
			}
		}
		approximate := func() {
			// The online meeting's area: a city or a ZIP, no street.
			switch r.IntN(3) {
			case 0:
				m.FormattedAddress = z.city + ", CO, USA"
			case 1:
				m.FormattedAddress = fmt.Sprintf("%s, CO %s, USA", z.city, z.code)
			default:
				m.FormattedAddress = "Denver, CO, USA"
			}
			m.Approximate = "yes"
			if i%7 == 2 {
				m.Approximate = "" // older exports leave it out: the address alone says it
			}
		}
		switch attend {
		case "in_person":
			street()
		case "hybrid":
			street()
			m.ConferenceURL, m.ConferenceNotes = zoom, "Passcode in the link"
			types = append(types, "ONL")
		case "online":
			approximate()
			types = append(types, "ONL")
			switch r.IntN(5) {
			case 0:
				m.ConferencePhone = fmt.Sprintf("+1 720 707 %04d,,8%09d#", r.IntN(10000), r.IntN(1_000_000_000))
			case 1:
				m.ConferenceURL = zoom
				m.ConferencePhone = fmt.Sprintf("+1 669 900 %04d", r.IntN(10000))
			default:
				m.ConferenceURL = zoom
			}
		case "tc":
			street()
			types = append(types, "TC")
			attend = "inactive"
			if i%40 == 19 {
				m.ConferenceURL = zoom // the room is closed; the meeting goes on online
				types = append(types, "ONL")
				attend = "online"
			}
		}
		if i%4 != 3 {
			m.Attendance = attend // 12 Step Meeting List 3.14+ writes it; older exports do not
		}
		if r.IntN(6) == 0 {
			m.Notes = "Literature available. Newcomers welcome."
		}
		m.Website = f.url
		slices.Sort(types)
		m.Types = slices.Compact(types)
		out = append(out, m)
	}
	// Every code of the spec appears at least once.
	seen := map[string]bool{}
	for _, m := range out {
		for _, t := range m.Types {
			seen[t] = true
		}
	}
	for code := range spec {
		if !seen[code] {
			fail(fmt.Errorf("type code %s not used", code))
		}
	}
	b, err = json.MarshalIndent(out, "", "  ")
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile("metro-feed.json", append(b, '\n'), 0o644); err != nil {
		fail(err)
	}
	fmt.Printf("wrote metro-feed.json: %d meetings\n", len(out))
}

func isLanguage(code string) bool {
	return slices.Contains([]string{"AF", "AM", "AR", "ASL", "BG", "DA", "DE", "EL", "EN", "FA", "FI", "FR", "HE", "HI", "HR", "HU", "IS", "ITA",
		"JA", "KA", "KOR", "LT", "ML", "MT", "NE", "NL", "NO", "POL", "POR", "PUN", "RUS", "S", "SK", "SL", "SV", "TH", "TL", "TUR", "UK", "QSL", "RSL"}, code)
}

func formatClock(h, m int) string {
	suffix := "am"
	if h >= 12 {
		suffix = "pm"
	}
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	return fmt.Sprintf("%d:%02d %s", h12, m, suffix)
}

func randWord(r *rand.Rand) string {
	const letters = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	for i := range b {
		b[i] = letters[r.IntN(len(letters))]
	}
	return string(b)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen-metro-feed:", err)
	os.Exit(1)
}
