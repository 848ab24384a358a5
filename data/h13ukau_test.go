package data

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The UK, Ireland and Australia listings (uk.json, au.json) are held to the
// rules the matcher and the bot rely on: the attributes a person's words can
// exclude are written out even when false, phones are written the way each
// country writes them, and summaries stay plain enough to read at a glance.

// regionalFiles are the files under test, the countries each may serve and
// the fewest listings each country must have.
var regionalFiles = []struct {
	name      string
	countries []string
	least     map[string]int
}{
	{"uk.json", []string{"GB", "IE"}, map[string]int{"GB": 23}},
	{"au.json", []string{"AU"}, map[string]int{"AU": 24}},
}

// idSuffix is the ending every id has for the country it serves, so that ids
// stay unique across the files of the directory.
var idSuffix = map[string]string{"GB": "-uk", "IE": "-ie", "AU": "-au"}

// explicitKeys are written in every record even when false or empty: the
// Group struct omits zero values, so only the raw JSON shows whether a
// listing was checked for them or simply left blank.
var explicitKeys = []string{"countries", "languages", "faith_based", "twelve_step", "kind", "summary", "source", "last_verified"}

func TestRegionalListings(t *testing.T) {
	v := vocab(t)
	withMeetings := 0
	var grades []float64
	for _, f := range regionalFiles {
		b, err := defaultFS.ReadFile("directory/default/" + f.name)
		if err != nil {
			t.Fatalf("read %s: %v", f.name, err)
		}
		gs, errs := ParseGroups(f.name, b, v)
		for _, e := range errs {
			t.Errorf("%v", e)
		}
		var raw struct {
			Groups []map[string]json.RawMessage `json:"groups"`
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		rawByID := map[string]map[string]json.RawMessage{}
		for _, r := range raw.Groups {
			var id string
			_ = json.Unmarshal(r["id"], &id)
			rawByID[id] = r
		}
		count := map[string]int{}
		for _, g := range gs {
			for _, k := range explicitKeys {
				if _, ok := rawByID[g.ID][k]; !ok {
					t.Errorf("%s: %s: key %q is missing (write it even when false or empty)", f.name, g.ID, k)
				}
			}
			for _, err := range checkRegional(g, f.countries) {
				t.Errorf("%s: %s: %v", f.name, g.ID, err)
			}
			if len(g.Countries) > 0 {
				count[g.Countries[0]]++
			}
			if len(g.Meetings) > 0 {
				withMeetings++
			}
			grades = append(grades, readingGrade(g.Summary))
		}
		for c, n := range f.least {
			if count[c] < n {
				t.Errorf("%s: %d listings for %s, want at least %d", f.name, count[c], c, n)
			}
		}
	}
	if withMeetings < 8 {
		t.Errorf("%d UK, Irish and Australian listings have meeting times, want at least 8", withMeetings)
	}
	if len(grades) > 0 {
		sort.Float64s(grades)
		if m := grades[len(grades)/2]; m > 6 {
			t.Errorf("median reading grade of the summaries is %.1f, want at most 6", m)
		}
	}
}

// checkRegional returns every way g breaks the rules for a listing that
// serves one of countries.
func checkRegional(g *Group, countries []string) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(g.Countries) != 1 || !slices.Contains(countries, g.Countries[0]) {
		bad("countries %v: expected exactly one of %v", g.Countries, countries)
		return errs
	}
	c := g.Countries[0]
	if !strings.HasSuffix(g.ID, idSuffix[c]) {
		bad("id: expected it to end in %q for %s", idSuffix[c], c)
	}
	if g.Contact.URL == "" && g.Contact.Phone == "" && g.Contact.Email == "" {
		bad("contact: expected a URL, phone or email")
	}
	if g.Kind == KindHelpline && g.Contact.Phone == "" {
		bad("contact.phone: a helpline needs a phone number")
	}
	if g.Contact.Phone != "" {
		if err := checkPhone(c, g.Contact.Phone); err != nil {
			bad("contact.phone: %v", err)
		}
	}
	for _, u := range []struct{ field, value string }{{"source", g.Source}, {"contact.url", g.Contact.URL}} {
		if u.value == "" {
			continue
		}
		if p, err := url.Parse(u.value); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			bad("%s %q: expected an absolute http(s) URL", u.field, u.value)
		}
	}
	verified, err := time.Parse(time.DateOnly, g.LastVerified)
	if err != nil {
		bad("last_verified %q: expected YYYY-MM-DD", g.LastVerified)
	}
	if g.SourceDate != "" && err == nil && g.SourceDate > verified.Format(time.DateOnly)[:len(g.SourceDate)] {
		bad("source_date %s is after last_verified %s", g.SourceDate, g.LastVerified)
	}
	if len(g.Meetings) > 0 && g.TimeZone == "" {
		bad("timezone: meetings need the group's IANA time zone")
	}
	if g.Summary == "" {
		bad("summary: expected a short plain summary")
	} else if gr := readingGrade(g.Summary); gr > 8 {
		bad("summary: reading grade %.1f, want at most 8", gr)
	}
	if g.TwelveStep && !strings.Contains(strings.ToLower(g.Summary), "12-step") {
		bad("summary: a 12-step program should say so")
	}
	if g.AgeMin > 0 && !strings.Contains(g.Summary, strconv.Itoa(g.AgeMin)) && !strings.Contains(strings.ToLower(g.Summary), "adult") {
		bad("summary: limited to ages %d and up but does not say so", g.AgeMin)
	}
	return errs
}

// phoneRules is how each country writes its numbers: the shape (digits in
// groups separated by single spaces, the usual prefixes) and the number of
// digits.
var phoneRules = map[string]struct {
	shape  *regexp.Regexp
	digits []int
}{
	"GB": {regexp.MustCompile(`^0\d{2,4}( \d{1,4}){1,4}$`), []int{10, 11}},
	"IE": {regexp.MustCompile(`^(1800|1850|0\d{1,2})( \d{2,4}){1,3}$`), []int{9, 10}},
	"AU": {regexp.MustCompile(`^(13|1300|1800|0[2378])( \d{2,4}){1,3}$`), []int{6, 10}},
}

func checkPhone(country, phone string) error {
	r, ok := phoneRules[country]
	if !ok {
		return fmt.Errorf("no phone rule for %s", country)
	}
	if !r.shape.MatchString(phone) {
		return fmt.Errorf("%q is not written as %s numbers are (e.g. 0808 808 00 00, 1800 80 48 48, 1300 22 4636)", phone, country)
	}
	n := strings.Count(phone, "") - 1 - strings.Count(phone, " ")
	if !slices.Contains(r.digits, n) {
		return fmt.Errorf("%q has %d digits, expected one of %v for %s", phone, n, r.digits, country)
	}
	return nil
}

func TestCheckPhone(t *testing.T) {
	for _, c := range []struct {
		country, phone string
		ok             bool
	}{
		{"GB", "0808 808 00 00", true},
		{"GB", "0800 4 70 80 90", true},
		{"GB", "03444 775 774", true},
		{"GB", "+44 808 808 0000", false},
		{"GB", "0808-808-0000", false},
		{"GB", "0808 80 00", false},
		{"AU", "13 11 14", true},
		{"AU", "1800 33 4673", true},
		{"AU", "02 9373 5100", true},
		{"AU", "1-800-334-673", false},
		{"AU", "1800 33 467", false},
		{"IE", "1800 80 48 48", true},
		{"IE", "1-800-80-48-48", false},
	} {
		if err := checkPhone(c.country, c.phone); (err == nil) != c.ok {
			t.Errorf("checkPhone(%s, %q) = %v, want ok %v", c.country, c.phone, err, c.ok)
		}
	}
}

// readingGrade is the Flesch-Kincaid US grade of text, counted the way the
// project's review script counts it, so the test and the review agree.
func readingGrade(text string) float64 {
	sents := 0
	for _, s := range sentenceEnd.Split(text, -1) {
		if strings.TrimSpace(s) != "" {
			sents++
		}
	}
	sents = max(sents, 1)
	words := wordRE.FindAllString(text, -1)
	if len(words) == 0 {
		return 0
	}
	syl := 0
	for _, w := range words {
		syl += syllables(w)
	}
	return 0.39*float64(len(words))/float64(sents) + 11.8*float64(syl)/float64(len(words)) - 15.59
}

var (
	sentenceEnd  = regexp.MustCompile(`[.!?]+(?:\s|$)`)
	wordRE       = regexp.MustCompile(`[A-Za-z][A-Za-z'\-]*`)
	nonLetter    = regexp.MustCompile(`[^a-z]`)
	silentEnding = regexp.MustCompile(`(?:[^laeiouy]es|ed|[^laeiouy]e)$`)
	vowelGroup   = regexp.MustCompile(`[aeiouy]{1,2}`)
)

func syllables(w string) int {
	w = nonLetter.ReplaceAllString(strings.ToLower(w), "")
	switch {
	case w == "":
		return 0
	case len(w) <= 3:
		return 1
	}
	w = silentEnding.ReplaceAllString(w, "")
	w = strings.TrimPrefix(w, "y")
	return max(1, len(vowelGroup.FindAllString(w, -1)))
}

func TestReadingGrade(t *testing.T) {
	easy := readingGrade("A free group for men. It meets on Monday. You can talk or just listen.")
	hard := readingGrade("Comprehensive multidisciplinary psychoeducational interventions facilitate individualised therapeutic engagement.")
	if easy >= 4 || hard <= 12 {
		t.Errorf("readingGrade: easy %.1f (want < 4), hard %.1f (want > 12)", easy, hard)
	}
}
