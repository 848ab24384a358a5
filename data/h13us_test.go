package data

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"path"
	"regexp"
	"strings"
	"testing"
)

// The US listings (directory/default/us-*.json) promise more than the Group
// type can check: the matcher's attributes are written out even when false or
// empty (so a missing key is a mistake, not a default), every listing has a
// contact, every helpline a phone, US phones are written 1-NNN-NNN-NNNN, and
// summaries stay at US grade 7 or below. These checks read the raw JSON
// because a decoded Group cannot tell an omitted "faith_based" from false.

// usListingProblems returns what is wrong with one raw US listing.
func usListingProblems(raw map[string]json.RawMessage) []string {
	var problems []string
	for _, key := range []string{"id", "name", "summary", "kind", "topics", "format", "countries", "languages",
		"faith_based", "twelve_step", "contact", "source", "last_verified"} {
		if _, ok := raw[key]; !ok {
			problems = append(problems, fmt.Sprintf("missing key %q (written out even when false or empty)", key))
		}
	}
	var g Group
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &g); err != nil {
		return append(problems, fmt.Sprintf("not a Group: %v", err))
	}
	if g.Contact.URL == "" && g.Contact.Phone == "" && g.Contact.Email == "" {
		problems = append(problems, "contact: expected a url, phone or email")
	}
	if g.Kind == KindHelpline && g.Contact.Phone == "" {
		problems = append(problems, "contact.phone: expected a phone number for a helpline")
	}
	us := len(g.Countries) == 1 && g.Countries[0] == "US"
	for field, phone := range map[string]string{"contact.phone": g.Contact.Phone, "online.phone": g.Online.Phone} {
		if phone != "" && us && !usPhoneRE.MatchString(phone) {
			problems = append(problems, fmt.Sprintf("%s: expected the US form 1-NNN-NNN-NNNN, got %q", field, phone))
		}
	}
	if len(g.Meetings) > 0 && g.TimeZone == "" {
		problems = append(problems, "timezone: expected the IANA zone of the meeting times")
	}
	if grade := math.Round(readingGrade(g.Summary)*10) / 10; grade > 7 {
		problems = append(problems, fmt.Sprintf("summary: US reading grade %.1f, expected 7 or below (shorter sentences, shorter words)", grade))
	}
	return problems
}

var usPhoneRE = regexp.MustCompile(`^1-\d{3}-\d{3}-\d{4}$`)

// readingGrade is the Flesch-Kincaid US grade of a text, computed as the
// project's review script does (vowel-group syllables, silent final e).
func readingGrade(text string) float64 {
	sentences := 0
	for _, s := range sentenceEndRE.Split(text, -1) {
		if strings.TrimSpace(s) != "" {
			sentences++
		}
	}
	sentences = max(sentences, 1)
	words := wordRE.FindAllString(text, -1)
	if len(words) == 0 {
		return 0
	}
	syllables := 0
	for _, w := range words {
		syllables += syllableCount(w)
	}
	return 0.39*float64(len(words))/float64(sentences) + 11.8*float64(syllables)/float64(len(words)) - 15.59
}

var (
	sentenceEndRE = regexp.MustCompile(`[.!?]+(?:\s|$)`)
	wordRE        = regexp.MustCompile(`[A-Za-z][A-Za-z'\-]*`)
	nonLetterRE   = regexp.MustCompile(`[^a-z]`)
	silentEndRE   = regexp.MustCompile(`(?:[^laeiouy]es|ed|[^laeiouy]e)$`)
	vowelGroupRE  = regexp.MustCompile(`[aeiouy]{1,2}`)
)

func syllableCount(word string) int {
	w := nonLetterRE.ReplaceAllString(strings.ToLower(word), "")
	if w == "" {
		return 0
	}
	if len(w) <= 3 {
		return 1
	}
	w = strings.TrimPrefix(silentEndRE.ReplaceAllString(w, ""), "y")
	return max(1, len(vowelGroupRE.FindAllString(w, -1)))
}

func TestUSListingsKeepTheirPromises(t *testing.T) {
	files, err := fs.Glob(defaultFS, "directory/default/us-*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no directory/default/us-*.json files embedded")
	}
	n := 0
	for _, f := range files {
		b, err := fs.ReadFile(defaultFS, f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Groups []map[string]json.RawMessage `json:"groups"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, raw := range doc.Groups {
			n++
			var id string
			_ = json.Unmarshal(raw["id"], &id)
			for _, p := range usListingProblems(raw) {
				t.Errorf("%s: record %d (%s): %s", path.Base(f), i+1, id, p)
			}
		}
	}
	t.Logf("%d US listings in %d files", n, len(files))
}

func TestUSListingChecksCatchMistakes(t *testing.T) {
	bad := map[string]json.RawMessage{}
	if err := json.Unmarshal([]byte(`{"id": "x", "name": "X", "kind": "helpline", "topics": ["grief"],
		"format": "phone", "countries": ["US"], "contact": {"url": "https://example.org", "phone": "+1 (800) 555-0100"},
		"meetings": [{"rrule": "FREQ=WEEKLY;BYDAY=MO", "start": "19:00"}],
		"summary": "Comprehensive intergenerational psychoeducational interventions notwithstanding, organizational considerations predominate.",
		"source": "https://example.org", "last_verified": "2026-12-04"}`), &bad); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(usListingProblems(bad), "\n")
	for _, want := range []string{`missing key "languages"`, `missing key "faith_based"`, `missing key "twelve_step"`,
		"expected the US form", "timezone: expected", "reading grade"} {
		if !strings.Contains(got, want) {
			t.Errorf("a bad listing was not flagged for %q; problems were:\n%s", want, got)
		}
	}
	if g := readingGrade("Call us. We listen."); g > 2 {
		t.Errorf("reading grade of two short sentences = %.1f, want at most 2", g)
	}
}
