package matcher

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/place"
)

// The words the matcher reads come from the per-language lexicons in
// data/lexicon; the code below only joins them. A language is a file: the
// expressions are built from every file's fragments, so a message mixing
// languages ("AA meeting ce soir") is read whole.

// lexicons are the embedded lexicons. They are compiled into the binary
// and checked by data's and this package's tests, so a broken one is a
// build mistake, reported when the package loads.
var lexicons = mustLexicons()

func mustLexicons() []data.Lexicon {
	ls, err := data.DefaultLexicons()
	if err != nil {
		panic(fmt.Errorf("matcher: embedded lexicons: %w", err))
	}
	return ls
}

// wordSet is the union over the languages of one word list.
func wordSet(field func(data.Lexicon) []string) map[string]bool {
	m := map[string]bool{}
	for _, l := range lexicons {
		for _, w := range field(l) {
			m[w] = true
		}
	}
	return m
}

// alts joins one pattern list of every language as alternatives, in file
// order.
func alts(field func(data.Lexicon) []string) string {
	var all []string
	for _, l := range lexicons {
		all = append(all, field(l)...)
	}
	return strings.Join(all, "|")
}

// wordsRE matches any of the patterns as whole words, case aside.
func wordsRE(field func(data.Lexicon) []string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)\b(?:` + alts(field) + `)\b`)
}

// defaultLang is the language a message is in when no other is recognised.
var defaultLang = func() string {
	for _, l := range lexicons {
		if l.Default {
			return l.Lang
		}
	}
	return ""
}()

// langBit gives each language a bit, for the typo repair's word masks.
func langBit(lang string) uint64 {
	if lang == "" {
		lang = defaultLang
	}
	for i, l := range lexicons {
		if l.Lang == lang {
			return 1 << uint(i)
		}
	}
	return 0
}

// fallbackLangs are the languages whose words repair typos in any message.
var fallbackLangs = func() uint64 {
	var m uint64
	for _, l := range lexicons {
		if l.TypoFallback {
			m |= langBit(l.Lang)
		}
	}
	return m
}()

var (
	hintWords = wordSet(func(l data.Lexicon) []string { return l.Hints })
	langHints = func() []map[string]bool {
		out := make([]map[string]bool, len(lexicons))
		for i, l := range lexicons {
			out[i] = set(strings.Join(l.Hints, " "))
		}
		return out
	}()
	elisions     = wordSet(func(l data.Lexicon) []string { return l.Elisions })
	langElisions = func() []map[string]bool {
		out := make([]map[string]bool, len(lexicons))
		for i, l := range lexicons {
			out[i] = set(strings.Join(l.Elisions, " "))
		}
		return out
	}()
	dayWords = wordSet(func(l data.Lexicon) []string { return l.Days })

	// askRules: asking for a language in words. The languages that make it
	// a requirement are tried first ("spanish-speaking group, in english
	// please" still needs Spanish speakers).
	askRules = func() []askRule {
		var out []askRule
		for _, req := range []bool{true, false} {
			for _, l := range lexicons {
				if l.AskRequires == req && len(l.Ask) > 0 {
					out = append(out, askRule{regexp.MustCompile(`(?i)\b(?:` + strings.Join(l.Ask, "|") + `)\b`), l.Lang, req})
				}
			}
		}
		return out
	}()
)

type askRule struct {
	re       *regexp.Regexp
	lang     string
	requires bool
}

// detectLanguage picks the message's language from its hint words: the
// language whose words outnumber every other's, and more than one of them
// or no other language's at all in a real sentence ("no AA please" is not
// Spanish, "depresión, vivo en cdmx" is). "" is the default language.
//
// topicLangs, when given, says in which languages' topic words a word is
// ("fibromyalgie" is French only): a word of one language's topics only
// counts for it as a hint does.
func detectLanguage(text string, topicLangs func(word string) uint64) string {
	var counts [64]int
	n := len(lexicons)
	seen := map[string]bool{} // a word said twice ("de ... de") is one piece of evidence
	count := func(t string) {
		if seen[t] {
			return
		}
		seen[t] = true
		if hintWords[t] {
			for i := range n {
				if langHints[i][t] {
					counts[i]++
				}
			}
			return
		}
		// Short words ("l" of "l'alcool", "tu") say little.
		if topicLangs == nil || len(t) < 4 {
			return
		}
		if bits := topicLangs(t); bits != 0 && bits&(bits-1) == 0 {
			for i := range n {
				if bits == langBit(lexicons[i].Lang) {
					counts[i]++
				}
			}
		}
	}
	for _, t := range strings.Fields(place.Fold(text)) {
		t = strings.Trim(t, ",.!?¿¡")
		// "j'entends", "qu'il": an elision is evidence of its language.
		if i := strings.IndexAny(t, "'’"); i > 0 && elisions[t[:i]] && !seen[t[:i]+"'"] {
			seen[t[:i]+"'"] = true
			for j := range n {
				if langElisions[j][t[:i]] {
					counts[j]++
				}
			}
		}
		if !hintWords[t] && strings.Contains(t, "-") {
			// "post-traumatique", "est-ce": the parts.
			for _, p := range strings.Split(t, "-") {
				count(p)
			}
			continue
		}
		count(t)
	}
	// Letters only one language writes ("ñ", "ç", "à").
	lower := strings.ToLower(text)
	for i, l := range lexicons {
		for _, mk := range l.Marks {
			if strings.Contains(lower, mk) {
				counts[i]++
			}
		}
	}
	best := -1
	for i := range n {
		if lexicons[i].Default {
			continue
		}
		c, others := counts[i], 0
		beaten := false
		for j := range n {
			if j != i {
				others += counts[j]
				beaten = beaten || counts[j] >= c
			}
		}
		if !beaten && (c >= 2 || (others == 0 && len(strings.Fields(text)) >= 3)) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	return lexicons[best].Lang
}

// unelide turns a French-style elision ("l'alcool", "j'ai") into two words
// so the word after it reads as itself; other apostrophes ("don't", "I'm")
// are left for the callers, which drop them.
func unelide(s string) string {
	if len(elisions) == 0 || !strings.ContainsAny(s, "'’") {
		return s
	}
	var b strings.Builder
	start := 0 // start of the current word
	for i, r := range s {
		switch {
		case r == '\'' || r == '’':
			if elisions[strings.ToLower(s[start:i])] {
				b.WriteString(s[start:i])
				b.WriteByte(' ')
			} else {
				b.WriteString(s[start : i+utf8.RuneLen(r)])
			}
			start = i + utf8.RuneLen(r)
		case !isWordRune(r):
			b.WriteString(s[start : i+utf8.RuneLen(r)])
			start = i + utf8.RuneLen(r)
		}
	}
	b.WriteString(s[start:])
	return b.String()
}

func isWordRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r >= utf8.RuneSelf
}

// whenRules rewrite the time phrases of languages the time parser does not
// read into the ones it does.
var whenRules = func() [][2]string {
	var out [][2]string
	for _, l := range lexicons {
		out = append(out, l.When...)
	}
	return out
}()

// clockRE: "19h30" is 19:30. Each language's pattern has two groups, the
// hours and the minutes.
var clockRE = regexp.MustCompile(`\b(?:` + alts(func(l data.Lexicon) []string { return l.Clock }) + `)\b`)

// whenText returns the text the time parser should read: the text itself,
// or, when it holds a phrase of a rewritten language, the text folded with
// those phrases in the parser's words.
func whenText(text string) string {
	if len(whenRules) == 0 {
		return text
	}
	f := " " + strings.Join(strings.Fields(strings.NewReplacer("'", " ", "’", " ", "-", " ", ",", " , ", ".", " . ").Replace(place.Fold(text))), " ") + " "
	changed := false
	for _, r := range whenRules {
		if strings.Contains(f, " "+r[0]+" ") {
			f = strings.ReplaceAll(f, " "+r[0]+" ", " "+r[1]+" ")
			changed = true
		}
	}
	if !changed {
		return text
	}
	if len(clockRE.SubexpNames()) < 3 {
		return f // no language writes its own clock
	}
	return clockRE.ReplaceAllStringFunc(f, func(c string) string {
		var hm []string
		for _, g := range clockRE.FindStringSubmatch(c)[1:] {
			if g != "" {
				hm = append(hm, g)
			}
		}
		return strings.Join(hm, ":")
	})
}
