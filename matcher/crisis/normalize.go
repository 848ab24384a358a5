package crisis

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// token is one normalized word with the boundaries the context rules need.
type token struct {
	w      string // normalized, repeated letters squeezed
	sent   int    // sentence number: . ! ? ; and line breaks end a sentence
	clause int    // clause number: sentence ends, commas, dashes and "but"-like words
	quoted bool   // inside quotation marks
	joined bool   // built from spaced-out letters ("s u i c i d e")
	number bool   // all digits
}

// Look-alike letters from other scripts that people use to dodge filters,
// mapped to the Latin letter they imitate (after lower-casing).
var homoglyphs = map[rune]rune{
	// Cyrillic
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c', 'т': 't',
	'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ԁ': 'd', 'ӏ': 'l', 'һ': 'h', 'ԛ': 'q', 'ԝ': 'w', 'ь': 'b',
	// Greek
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u',
	'χ': 'x', 'γ': 'y', 'ω': 'w', 'μ': 'u', 'σ': 'o', 'ς': 's',
	// Latin variants not folded by NFKC
	'ı': 'i', 'ł': 'l', 'ø': 'o', 'đ': 'd', 'ß': 's', 'æ': 'a', 'œ': 'o',
	// Small capitals ("ᴋɪʟʟ ᴍʏsᴇʟғ"), which NFKC leaves alone, and the
	// Cyrillic ghe with stroke that passes for a small f.
	'ᴀ': 'a', 'ʙ': 'b', 'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e', 'ꜰ': 'f', 'ɢ': 'g', 'ʜ': 'h', 'ɪ': 'i', 'ᴊ': 'j',
	'ᴋ': 'k', 'ʟ': 'l', 'ᴍ': 'm', 'ɴ': 'n', 'ᴏ': 'o', 'ᴘ': 'p', 'ǫ': 'q', 'ʀ': 'r', 'ꜱ': 's', 'ᴛ': 't',
	'ᴜ': 'u', 'ᴠ': 'v', 'ᴡ': 'w', 'ʏ': 'y', 'ᴢ': 'z', 'ғ': 'f',
}

// contractionTails are the endings split off a word after an apostrophe:
// "he'll" is "he will", not "hell"; "i'd" is "i would".
var contractionTails = map[string]string{"ll": "will", "d": "would", "re": "are", "ve": "have", "m": "am"}

// Emoji that carry meaning for screening (Crisis Text Line found the pill
// emoji among the strongest risk words) become words.
var emojiWords = map[rune]string{
	'💊': "pill", '🔫': "gun", '🔪': "knife", '🪢': "rope", '⚰': "coffin", '🩸': "blood",
	'😂': "lol", '🤣': "lol", '💀': "lol", '😆': "lol", '😹': "lol",
}

// Leetspeak digits and symbols, undone only inside words that also hold letters.
var leet = map[rune]rune{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's', '!': 'i', '|': 'l', '€': 'e'}

// Units and ordinals after a number are not leetspeak: "800mg", "10pm", "2nd".
// Single letters are left out on purpose: "700k" is "took" more often than money.
var units = map[string]bool{"mg": true, "g": true, "kg": true, "ml": true, "mcg": true, "am": true, "pm": true,
	"hr": true, "hrs": true, "min": true, "mins": true, "yo": true, "yr": true, "yrs": true, "s": true,
	"lb": true, "lbs": true, "km": true, "th": true, "st": true, "nd": true, "rd": true, "ish": true}

const (
	kindWord = iota
	kindSentence
	kindClause
	kindQuote
)

type rawTok struct {
	s    string
	kind int
}

// foldRunes applies NFKC, case folding, mark and format stripping and
// look-alike mapping, and returns the text as runes.
func foldRunes(text string) []rune {
	ascii := true
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		if !utf8.ValidString(text) {
			text = strings.ToValidUTF8(text, " ")
		}
		// NFKC folds full-width and other compatibility forms; NFD then
		// splits accents off so they can be dropped ("está" → "esta").
		text = norm.NFD.String(norm.NFKC.String(text))
	}
	out := make([]rune, 0, len(text))
	for _, r := range text {
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			out = append(out, r)
			continue
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || unicode.Is(unicode.Cf, r):
			continue // accents, zero-width and bidi controls, variation selectors
		}
		if w, ok := emojiWords[r]; ok {
			out = append(out, ' ')
			out = append(out, []rune(w)...)
			out = append(out, ' ')
			continue
		}
		r = unicode.ToLower(r)
		if m, ok := homoglyphs[r]; ok {
			r = m
		}
		switch r {
		case '\u2019', '\u2018', '\u00b4', '\u02bc':
			r = '\''
		case '\u201c', '\u201d', '\u201e', '\u00ab', '\u00bb':
			r = '"'
		case '\u2013', '\u2014':
			r = ','
		case '\u00a1', '\u00bf':
			r = ' '
		}
		if unicode.IsSpace(r) && r != '\n' {
			r = ' '
		}
		out = append(out, r)
	}
	return out
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// isWordish also accepts the leetspeak symbols that stand for letters.
func isWordish(r rune) bool { return isAlnum(r) || r == '$' || r == '@' || r == '|' || r == '€' }

// split cuts folded runes into words and boundary markers.
func split(rs []rune, out []rawTok) []rawTok {
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, rawTok{s: b.String()})
			b.Reset()
		}
	}
	at := func(i int) rune {
		if i < 0 || i >= len(rs) {
			return ' '
		}
		return rs[i]
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case isAlnum(r):
			b.WriteRune(r)
		case r == '*':
			// A star inside a word stands for letters someone censored
			// ("k*ll", "su**cide"); tokens resolves it.
			if b.Len() > 0 && (isAlnum(at(i+1)) || at(i+1) == '*') {
				b.WriteRune(r)
			} else {
				flush()
			}
		case r == '\'' || r == '`':
			if tail, n := contractionTail(rs, i); n > 0 && unicode.IsLetter(at(i-1)) {
				flush()
				out = append(out, rawTok{s: tail})
				i += n
				continue
			}
			// Apostrophes join the other contractions ("don't" → "dont").
			if !(isAlnum(at(i-1)) && isWordish(at(i+1))) {
				flush()
			}
		case r == '@' || r == '$' || r == '|' || r == '€':
			if isAlnum(at(i-1)) || isAlnum(at(i+1)) {
				b.WriteRune(r)
			} else {
				flush()
			}
		case r == '!' && isAlnum(at(i-1)) && unicode.IsLetter(at(i+1)):
			b.WriteRune(r)
		case r == '.' && unicode.IsLetter(at(i-1)) && unicode.IsLetter(at(i+1)):
			flush() // "o.d." and "k.i.l.l": a separator, not a sentence end
		case r == '.' || r == '!' || r == '?' || r == ';' || r == '\n':
			flush()
			out = append(out, rawTok{kind: kindSentence})
		case r == ',' || r == ':' || r == '(' || r == ')':
			flush()
			out = append(out, rawTok{kind: kindClause})
		case r == '"':
			flush()
			out = append(out, rawTok{kind: kindQuote})
		default:
			flush()
		}
	}
	flush()
	return out
}

// contractionTail returns the word an ending such as "'ll" stands for and
// how many runes it spans after the apostrophe at i.
func contractionTail(rs []rune, i int) (string, int) {
	for tail, word := range contractionTails {
		n := len(tail)
		if i+1+n > len(rs) || string(rs[i+1:i+1+n]) != tail {
			continue
		}
		if i+1+n < len(rs) && isAlnum(rs[i+1+n]) {
			continue
		}
		return word, n
	}
	return "", 0
}

// unleet undoes leetspeak in a word that mixes letters with digits or
// symbols, leaving numbers with units ("800mg", "2nd") alone.
func unleet(w string) string {
	hasLetter, hasLeet := false, false
	for _, r := range w {
		if unicode.IsLetter(r) {
			hasLetter = true
		} else if _, ok := leet[r]; ok {
			hasLeet = true
		}
	}
	if !hasLetter || !hasLeet {
		return w
	}
	d := 0
	for d < len(w) && w[d] >= '0' && w[d] <= '9' {
		d++
	}
	if d > 0 && units[w[d:]] && validOrdinal(w[:d], w[d:]) {
		return w
	}
	var b strings.Builder
	var prev rune
	prevFromOne := false
	for _, r := range w {
		m, ok := leet[r]
		if !ok {
			b.WriteRune(r)
			prev, prevFromOne = r, false
			continue
		}
		// "1" stands for i or l: after an i, or after an l made from a
		// "1", it is an l ("ki1l", "ki11" → kill).
		fromOne := false
		if r == '1' {
			if prev == 'i' || (prev == 'l' && prevFromOne) {
				m = 'l'
			}
			fromOne = true
		}
		b.WriteRune(m)
		prev, prevFromOne = m, fromOne
	}
	return b.String()
}

func validOrdinal(num, suf string) bool {
	switch suf {
	case "st", "nd", "rd", "th":
	default:
		return true
	}
	n := num
	if len(n) >= 2 && n[len(n)-2] == '1' {
		return suf == "th"
	}
	switch n[len(n)-1] {
	case '1':
		return suf == "st"
	case '2':
		return suf == "nd"
	case '3':
		return suf == "rd"
	}
	return suf == "th"
}

// squeeze collapses runs of the same letter: "diiiie" → "die", "kill" →
// "kil". Lexicon phrases are squeezed the same way, so they still match.
func squeeze(w string) string {
	if len(w) < 2 {
		return w
	}
	allDigits := true
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			allDigits = false
			break
		}
	}
	if allDigits {
		return w
	}
	var prev rune = -1
	changed := false
	for _, r := range w {
		if r == prev && !unicode.IsDigit(r) {
			changed = true
			break
		}
		prev = r
	}
	if !changed {
		return w
	}
	var b strings.Builder
	b.Grow(len(w))
	prev = -1
	for _, r := range w {
		if r != prev || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

func hasStretch(w string) bool {
	n, prev := 0, rune(-1)
	for _, r := range w {
		if r == prev {
			n++
			if n >= 2 {
				return true
			}
		} else {
			n = 0
		}
		prev = r
	}
	return false
}

func isDigits(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return w != ""
}
