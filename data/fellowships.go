package data

import (
	_ "embed"
	"encoding/json"
	"slices"
	"strings"
)

// The Meeting Guide vocabulary a listing is checked against: type codes
// and fellowships. They are data (a listing's Types and Fellowship must be
// among them), so they live here; reading Meeting Guide feeds is the
// importer's job.

// MeetingGuideTypes are the reserved type codes of the Meeting Guide spec
// (code4recovery/spec data/types.json and data/proposed-new.json, MIT)
// with their English labels, plus ONL, which the 12 Step Meeting List
// plugin writes although the spec infers it. TypeLabel gives the labels
// in the spec's other languages.
var MeetingGuideTypes map[string]string

// mgTypeLabels is code → language → label, from the spec's data files as
// embedded (meetingguide_types.json: types, proposed types and ONL).
var mgTypeLabels map[string]map[string]string

//go:embed meetingguide_types.json
var mgTypesJSON []byte

func init() {
	// A broken embedded file leaves the tables empty, which
	// TestMeetingGuideTypesMatchSpec reports; it is not a runtime input.
	if err := json.Unmarshal(mgTypesJSON, &mgTypeLabels); err != nil {
		mgTypeLabels = map[string]map[string]string{}
	}
	MeetingGuideTypes = make(map[string]string, len(mgTypeLabels))
	for code, labels := range mgTypeLabels {
		MeetingGuideTypes[code] = labels["en"]
	}
}

// TypeLabel is a type code's label in lang (a BCP 47 tag; "es-MX" reads
// as "es"), in English when the spec has no label in that language. The
// spec labels en, es, fr, ja, nl, pt, sk, sv and th. ok is false for a
// code outside the spec.
func TypeLabel(code, lang string) (label string, ok bool) {
	labels, ok := mgTypeLabels[code]
	if !ok {
		return "", false
	}
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	if l := labels[base]; l != "" {
		return l, true
	}
	return labels["en"], true
}

// Fellowships maps a fellowship's short name to its full name; the topic
// comes from the vocabulary, whose synonyms list the full names (so the
// mapping is reviewed data, not code).
var Fellowships = map[string]string{
	"aa": "alcoholics anonymous", "na": "narcotics anonymous", "ca": "cocaine anonymous",
	"cma": "crystal meth anonymous", "ma": "marijuana anonymous", "ga": "gamblers anonymous",
	"nica": "nicotine anonymous", "al-anon": "al-anon", "alateen": "al-anon", "nar-anon": "nar-anon",
	"fa": "families anonymous", "coda": "co-dependents anonymous", "ea": "emotions anonymous",
	"eda": "eating disorders anonymous", "oa": "overeaters anonymous", "da": "debtors anonymous",
}

// FellowshipTopics returns the topics of a fellowship named by its short
// or full name ("na", "Narcotics Anonymous").
func FellowshipTopics(v *Vocabulary, name string) ([]string, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	if full, ok := Fellowships[n]; ok {
		n = full
	}
	if v == nil {
		return nil, false
	}
	for _, t := range v.Topics {
		if slices.Contains(t.Synonyms["en"], n) {
			return []string{t.Slug}, true
		}
	}
	return nil, false
}

// FellowshipNames are the short names of Fellowships, sorted.
func FellowshipNames() []string {
	var out []string
	for k := range Fellowships {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TypeCodeOf returns the type code whose label, in any of the spec's
// languages, is label (case does not matter), for sheets that write
// "Open" or "Abierta" where a feed writes O.
func TypeCodeOf(label string) (string, bool) {
	l := strings.ToLower(label)
	for code, labels := range mgTypeLabels {
		for _, x := range labels {
			if strings.ToLower(x) == l {
				return code, true
			}
		}
	}
	return "", false
}
