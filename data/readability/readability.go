// Package readability measures how hard a text is to read, with the
// Flesch-Kincaid US grade ported exactly from /work/briefs/fk.py, so the
// directory's summaries and the bot's own messages are held to one ruler
// (the same word and sentence splits and the same syllable guess).
package readability

import (
	"regexp"
	"strings"
)

var (
	sentenceRE = regexp.MustCompile(`[.!?]+(?:\s|$)`)
	wordRE     = regexp.MustCompile(`[A-Za-z][A-Za-z'\-]*`)
	nonAlpha   = regexp.MustCompile(`[^a-z]`)
	ending     = regexp.MustCompile(`(?:[^laeiouy]es|ed|[^laeiouy]e)$`)
	leadingY   = regexp.MustCompile(`^y`)
	vowels     = regexp.MustCompile(`[aeiouy]{1,2}`)
)

// Grade is the Flesch-Kincaid US school grade of an English text; 0 for a
// text without words. It is an estimate from sentence length and guessed
// syllables, meaningless for other languages.
func Grade(text string) float64 {
	sents := 0
	for _, s := range sentenceRE.Split(text, -1) {
		if strings.TrimSpace(s) != "" {
			sents++
		}
	}
	sents = max(1, sents)
	words := wordRE.FindAllString(text, -1)
	if len(words) == 0 {
		return 0
	}
	syl := 0
	for _, w := range words {
		syl += Syllables(w)
	}
	return 0.39*float64(len(words))/float64(sents) + 11.8*float64(syl)/float64(len(words)) - 15.59
}

// Syllables is fk.py's guess of a word's syllables: vowel groups after
// dropping a silent ending; at least 1 for a word with letters, 0 without.
func Syllables(word string) int {
	w := nonAlpha.ReplaceAllString(strings.ToLower(word), "")
	if w == "" {
		return 0
	}
	if len(w) <= 3 {
		return 1
	}
	w = ending.ReplaceAllString(w, "")
	w = leadingY.ReplaceAllString(w, "")
	return max(1, len(vowels.FindAllString(w, -1)))
}
