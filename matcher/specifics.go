package matcher

import (
	"fmt"
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

// shared are the words every language writes alike (fellowships' short
// names, state codes). Embedded and checked by data's tests, so a broken
// file is a build mistake, reported when the package loads.
var shared = func() data.SharedWords {
	w, err := data.DefaultSharedWords()
	if err != nil {
		panic(fmt.Errorf("matcher: embedded shared words: %w", err))
	}
	return w
}()

var (
	// A short name counts beside a meeting word ("NA meeting", "aa
	// meetings", "reunión de AA") or alone in a short message; "CA" in
	// "Pueblo, CA" is a state.
	fellowshipShortRE = regexp.MustCompile(`(?i)\b(` + strings.Join(shared.FellowshipShorts, "|") + `)\b(?:\s+\p{L}+)?\s+(?:` +
		alts(func(l data.Lexicon) []string { return l.Meeting.FellowshipAfter }) + `)\b|` +
		`(?i)\b(?:` + alts(func(l data.Lexicon) []string { return l.Meeting.FellowshipBefore }) + `)\s+(` + strings.Join(shared.FellowshipShortsAfterMeeting, "|") + `)\b|` +
		`(?i)\b(?:` + alts(func(l data.Lexicon) []string { return l.Meeting.FellowshipLead }) + `)\s+(` + strings.Join(shared.FellowshipShortsAfterLead, "|") + `)\b`)
	// fellowshipFull reads full names ("Alcoholics Anonymous",
	// "Alcooliques anonymes"): one group per fellowship, codes in the
	// order of fellowshipCodes.
	fellowshipFullRE, fellowshipCodes, fellowshipHints = fellowshipFull()

	// Meeting types in people's words, to Meeting Guide codes (any one of
	// the alternatives), from the lexicons. Languages and audiences are
	// read elsewhere. Each expression runs only when the text holds one of
	// its hints.
	typeWords = codedRules(func(l data.Lexicon) []data.MeetingTypeWords { return l.MeetingTypes })
	// "by phone", "hybrid": how the meeting is held, tried in order.
	viaWords = codedRules(func(l data.Lexicon) []data.MeetingTypeWords { return l.Meeting.Via })

	// An audience that describes the meeting: "women's AA meeting",
	// "men's group", "young people's AA", "meeting for seniors", "LGBTQ AA
	// meeting", "reunión de mujeres".
	audienceMeetingRE    = wordsRE(func(l data.Lexicon) []string { return l.Meeting.Audience })
	audienceMeetingHints = func() []string {
		var out []string
		for _, l := range lexicons {
			out = append(out, l.Meeting.AudienceHints...)
		}
		return out
	}()
)

// fellowshipFull joins the lexicons' full fellowship names into one
// expression, a group per fellowship, and the hints one of which a text
// must hold for it to run.
func fellowshipFull() (*regexp.Regexp, []string, map[string]bool) {
	var codes []string
	words := map[string][]string{}
	hints := map[string]bool{}
	for _, l := range lexicons {
		for _, f := range l.Meeting.Fellowships {
			if words[f.Code] == nil {
				codes = append(codes, f.Code)
			}
			words[f.Code] = append(words[f.Code], f.Words...)
			for _, h := range f.Hints {
				hints[h] = true
			}
		}
	}
	groups := make([]string, len(codes))
	for i, c := range codes {
		groups[i] = `(` + strings.Join(words[c], "|") + `)`
	}
	return regexp.MustCompile(`(?i)\b(?:` + strings.Join(groups, "|") + `)\b`), codes, hints
}

// readSpecifics reads what the text asks of the meeting itself.
func readSpecifics(text string, short bool) data.Specifics {
	var s data.Specifics
	lower := strings.ToLower(text)
	// The expressions are costly; most messages name no meeting at all.
	if folded := place.Fold(text); !containsAnyPhrase(folded, fellowshipHints) &&
		!containsAnyWord(strings.NewReplacer(",", " ", ".", " ", "!", " ", "?", " ").Replace(folded), fellowshipShorts) {
		return readMeetingWords(s, text, lower)
	}
	if m := fellowshipFullRE.FindStringSubmatchIndex(text); m != nil {
		for i, c := range fellowshipCodes {
			if m[2+2*i] >= 0 {
				s.Fellowship = c
				break
			}
		}
	} else if f := shortFellowship(text); f != "" {
		s.Fellowship = f
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
	return readMeetingWords(s, text, lower)
}

// shortFellowship returns the first short name the fellowship patterns
// read in text, lower case, or "". One that is also a common word of a
// language ("ma fille de 16 ans", "ca me fait peur") counts only in
// capitals.
func shortFellowship(text string) string {
	for _, m := range fellowshipShortRE.FindAllStringSubmatch(text, -1) {
		for _, g := range m[1:] {
			if g == "" {
				continue
			}
			if f := strings.ToLower(g); !commonShorts[f] || g == strings.ToUpper(g) {
				return f
			}
			break
		}
	}
	return ""
}

// commonShorts are the short names that are also a language's common
// words: its possessives, function or hint words.
var commonShorts = func() map[string]bool {
	out := map[string]bool{}
	for f := range fellowshipShorts {
		if possessives[f] || functionWords[f] || hintWords[f] {
			out[f] = true
		}
	}
	return out
}()

// fellowshipShorts are the short names the fellowship patterns read.
var fellowshipShorts = set(strings.Join(shared.FellowshipShorts, " "))

type meetingTypeRule struct {
	re    *regexp.Regexp
	code  string
	hints []string
}

// codedRules joins each code's words and hints over the languages, codes
// in the order the lexicons first name them.
func codedRules(field func(data.Lexicon) []data.MeetingTypeWords) []meetingTypeRule {
	var order []string
	words, hints := map[string][]string{}, map[string][]string{}
	for _, l := range lexicons {
		for _, t := range field(l) {
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
	for _, v := range viaWords {
		if slices.ContainsFunc(v.hints, func(h string) bool { return strings.Contains(lower, h) }) && v.re.MatchString(text) {
			s.Via = v.code
			break
		}
	}
	s.AudienceOnly = slices.ContainsFunc(audienceMeetingHints, func(h string) bool { return strings.Contains(lower, h) }) && audienceMeetingRE.MatchString(text)
	return s
}
