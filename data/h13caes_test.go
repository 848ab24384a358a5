package data

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The Canada and Spanish-language files are read raw as well as through
// ParseGroups, because the matcher's hard constraints (countries,
// languages, faith_based, twelve_step) must be written out even when they
// are false or empty: a missing key would silently mean "no constraint".
var h13caesFiles = map[string]struct {
	country string // every listing serves this country ("" = no rule)
	lang    string // every listing offers this language ("" = no rule)
}{
	"directory/default/ca.json": {country: "CA"},
	"directory/default/es.json": {lang: "es"},
}

var (
	// Canadian numbers as people write them: 1-800-668-6868, 506-773-7607.
	caPhoneRE = regexp.MustCompile(`^(1-)?\d{3}-\d{3}-\d{4}$`)
	// Elsewhere: digits, spaces and dashes, optionally after a + country code.
	anyPhoneRE = regexp.MustCompile(`^\+?\d[\d -]{5,}\d$`)
)

func TestH13caesFilesStateEveryConstraint(t *testing.T) {
	v, err := DefaultVocabulary()
	if err != nil {
		t.Fatal(err)
	}
	for name, rule := range h13caesFiles {
		b, err := defaultFS.ReadFile(name)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		var raw struct {
			Groups []map[string]json.RawMessage `json:"groups"`
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		groups, problems := ParseGroups(name, b, v)
		if len(problems) > 0 {
			t.Fatalf("%s: %v", name, problems)
		}
		if len(groups) != len(raw.Groups) || len(groups) == 0 {
			t.Fatalf("%s: parsed %d groups from %d records", name, len(groups), len(raw.Groups))
		}
		for i, g := range groups {
			for _, key := range []string{"countries", "languages", "faith_based", "twelve_step", "source", "last_verified"} {
				if _, ok := raw.Groups[i][key]; !ok {
					t.Errorf("%s: %s: key %q must be written out", name, g.ID, key)
				}
			}
			checkH13caesListing(t, name, g, rule.country, rule.lang)
		}
	}
}

func checkH13caesListing(t *testing.T, file string, g *Group, country, lang string) {
	t.Helper()
	if country != "" && !slices.Contains(g.Countries, country) {
		t.Errorf("%s: %s: countries %v, expected %s", file, g.ID, g.Countries, country)
	}
	if lang != "" && !slices.Contains(g.Languages, lang) {
		t.Errorf("%s: %s: languages %v, expected %s", file, g.ID, g.Languages, lang)
	}
	if g.Contact.URL == "" && g.Contact.Phone == "" && g.Contact.Email == "" {
		t.Errorf("%s: %s: no contact", file, g.ID)
	}
	if g.Kind == KindHelpline && g.Contact.Phone == "" {
		t.Errorf("%s: %s: a helpline needs a phone number", file, g.ID)
	}
	if p := g.Contact.Phone; p != "" {
		re := anyPhoneRE
		if slices.Equal(g.Countries, []string{"CA"}) {
			re = caPhoneRE
		}
		if !re.MatchString(p) {
			t.Errorf("%s: %s: phone %q is not in the country's usual form", file, g.ID, p)
		}
	}
	for _, u := range []string{g.Source, g.Contact.URL} {
		if u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			t.Errorf("%s: %s: %q is not a web address", file, g.ID, u)
		}
	}
	// last_verified is the day a source was read, so it cannot be later
	// than today.
	if d := g.Verified(); d.IsZero() || d.After(time.Now()) {
		t.Errorf("%s: %s: last_verified %q", file, g.ID, g.LastVerified)
	}
	if len(g.Meetings) > 0 && g.TimeZone == "" {
		t.Errorf("%s: %s: meetings without the group's time zone", file, g.ID)
	}
	if g.AgeMax != 0 && !slices.Contains(g.Audiences, "youth") && !slices.Contains(g.Audiences, "seniors") {
		t.Errorf("%s: %s: an age limit without the matching audience", file, g.ID)
	}
}
