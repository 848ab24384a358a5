package matcher

import (
	"regexp"
	"slices"
	"strings"

	"github.com/peermatch/peermatch/data/place"

	"github.com/peermatch/peermatch/data"
)

// What a person asks of the meeting itself, read as shapes: a fellowship's
// name, a Meeting Guide meeting type in the words people use for it, "by
// phone" or "hybrid", and an audience that describes the meeting ("a
// women's meeting", "meeting for seniors") rather than the person.

var (
	// A short name counts beside a meeting word ("NA meeting", "aa
	// meetings", "reunión de AA") or alone in a short message; "CA" in
	// "Pueblo, CA" is a state.
	fellowshipShortRE = regexp.MustCompile(`(?i)\b(aa|na|ca|cma|ma|ga|oa|da|ea|eda|coda|nica|fa)\b(?:\s+\p{L}+)?\s+(?:meetings?|groups?|step|steps|speaker|study|online|chat|phone|in person|near|tonight|today|now|en|de)\b|` +
		`(?i)\b(?:reuni[oó]n(?:es)?|grupos?|meetings?)\s+(?:de\s+)?(?:\p{L}+\s+)?(aa|na|ca)\b|` +
		`(?i)\b(?:online|an?|join|my|local)\s+(aa|na|ca|coda|oa|ga)\b`)
	fellowshipFullRE = regexp.MustCompile(`(?i)\b(alcoholics anonymous|alcoh[oó]licos an[oó]nimos|narcotics anonymous|narc[oó]ticos an[oó]nimos|cocaine anonymous|crystal meth anonymous|` +
		`marijuana anonymous|gamblers anonymous|jugadores an[oó]nimos|overeaters anonymous|comedores compulsivos an[oó]nimos|debtors anonymous|emotions anonymous|` +
		`eating disorders anonymous|co-?dependents anonymous|nicotine anonymous|families anonymous|al-?\s?anon|alateen|nar-?\s?anon)\b`)
	fullToShort = map[string]string{
		"alcoholics anonymous": "aa", "alcoholicos anonimos": "aa", "narcotics anonymous": "na", "narcoticos anonimos": "na",
		"cocaine anonymous": "ca", "crystal meth anonymous": "cma", "marijuana anonymous": "ma", "gamblers anonymous": "ga",
		"jugadores anonimos": "ga", "overeaters anonymous": "oa", "comedores compulsivos anonimos": "oa", "debtors anonymous": "da",
		"emotions anonymous": "ea", "eating disorders anonymous": "eda", "co-dependents anonymous": "coda", "codependents anonymous": "coda",
		"nicotine anonymous": "nica", "families anonymous": "fa", "alanon": "al-anon", "al-anon": "al-anon", "al anon": "al-anon",
		"alateen": "al-anon", "naranon": "nar-anon", "nar-anon": "nar-anon", "nar anon": "nar-anon",
	}

	// Meeting types in people's words, to Meeting Guide codes (any one of
	// the alternatives), from the lexicons. Languages and audiences are
	// read elsewhere. Each expression runs only when the text holds one of
	// its hints.
	typeWords = meetingTypeRules()

	viaPhoneRE  = regexp.MustCompile(`(?i)\bby (?:tele)?phone\b|\bphone (?:meetings?|groups?|in)\b|\bdial[- ]in\b|\bcall[- ]in\b|\bpor tel[eé]fono\b`)
	viaHybridRE = regexp.MustCompile(`(?i)\bhybrid\b|\bh[ií]brid[oa]s?\b`)

	// An audience that describes the meeting: "women's AA meeting",
	// "men's group", "young people's AA", "meeting for seniors", "LGBTQ AA
	// meeting", "reunión de mujeres".
	audienceMeetingRE = regexp.MustCompile(`(?i)\b(?:women'?s?|men'?s?|young people'?s?|youth|seniors?'?|lgbtq?\+?|gay|lesbian|trans|veterans?'?)\s+(?:\p{L}+[\s-]+){0,2}?(?:meetings?|groups?|circles?|chats?)\b|` +
		`\b(?:meetings?|groups?|circles?)\s+(?:\p{L}+\s+)?(?:for|of)\s+(?:women|men|young people|seniors|older adults|lgbtq\+?|gay men|veterans)\b|` +
		`\b(?:reuni[oó]n(?:es)?|grupos?)\s+(?:\p{L}+\s+){0,2}?(?:de|para)\s+(?:mujeres|hombres|j[oó]venes|mayores|veteranos)\b`)
)

// readSpecifics reads what the text asks of the meeting itself.
func readSpecifics(text string, short bool) data.Specifics {
	var s data.Specifics
	lower := strings.ToLower(text)
	// The expressions are costly; most messages name no meeting at all.
	if folded := place.Fold(text); !strings.Contains(folded, "anon") && !strings.Contains(folded, "alateen") &&
		!containsAnyWord(strings.NewReplacer(",", " ", ".", " ", "!", " ", "?", " ").Replace(folded), fellowshipShorts) {
		return readMeetingWords(s, text, lower)
	}
	if m := fellowshipFullRE.FindStringSubmatch(text); m != nil {
		s.Fellowship = fullToShort[strings.Join(strings.Fields(place.Fold(m[1])), " ")]
	} else if m := fellowshipShortRE.FindStringSubmatch(text); m != nil {
		for _, g := range m[1:] {
			if g != "" {
				s.Fellowship = strings.ToLower(g)
				break
			}
		}
	} else if short {
		for _, w := range strings.Fields(text) {
			if f := strings.ToLower(strings.Trim(w, ",.!?")); len(f) >= 2 && strings.ToUpper(w) == w {
				if _, ok := data.Fellowships[f]; ok {
					s.Fellowship = f
					break
				}
			}
		}
	}
	if s.Fellowship == "alateen" {
		s.Fellowship = "al-anon"
	}
	return readMeetingWords(s, text, lower)
}

// fellowshipShorts are the short names the fellowship patterns read.
var fellowshipShorts = map[string]bool{"aa": true, "na": true, "ca": true, "cma": true, "ma": true, "ga": true, "oa": true,
	"da": true, "ea": true, "eda": true, "coda": true, "nica": true, "fa": true}

type meetingTypeRule struct {
	re    *regexp.Regexp
	code  string
	hints []string
}

// meetingTypeRules joins each type code's words and hints over the
// languages, codes in the order the lexicons first name them.
func meetingTypeRules() []meetingTypeRule {
	var order []string
	words, hints := map[string][]string{}, map[string][]string{}
	for _, l := range lexicons {
		for _, t := range l.MeetingTypes {
			if words[t.Code] == nil {
				order = append(order, t.Code)
			}
			words[t.Code] = append(words[t.Code], t.Words...)
			hints[t.Code] = append(hints[t.Code], t.Hints...)
		}
	}
	out := make([]meetingTypeRule, len(order))
	for i, c := range order {
		out[i] = meetingTypeRule{regexp.MustCompile(`(?i)\b(?:` + strings.Join(words[c], "|") + `)\b`), c, hints[c]}
	}
	return out
}

// readMeetingWords adds the meeting types, phone or hybrid and "a women's
// meeting" the text names.
func readMeetingWords(s data.Specifics, text, lower string) data.Specifics {
	for _, t := range typeWords {
		if !slices.ContainsFunc(t.hints, func(h string) bool { return strings.Contains(lower, h) }) {
			continue
		}
		if t.re.MatchString(text) && !slices.Contains(s.Types, t.code) {
			s.Types = append(s.Types, t.code)
		}
	}
	switch {
	case strings.Contains(lower, "brid") && viaHybridRE.MatchString(text):
		s.Via = "hybrid"
	case (strings.Contains(lower, "phone") || strings.Contains(lower, "dial") || strings.Contains(lower, "call") || strings.Contains(lower, "tel")) && viaPhoneRE.MatchString(text):
		s.Via = "phone"
	}
	s.AudienceOnly = (strings.Contains(lower, "meeting") || strings.Contains(lower, "group") || strings.Contains(lower, "circle") ||
		strings.Contains(lower, "chat") || strings.Contains(lower, "reuni") || strings.Contains(lower, "grupo")) && audienceMeetingRE.MatchString(text)
	return s
}
