package bot

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// UTF16Len is a text's length in UTF-16 code units, the unit Telegram
// measures message limits and entity offsets in (and a safe bound for
// Discord's character limit).
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		if w := utf16.RuneLen(r); w > 0 {
			n += w
		} else {
			n++ // ranging yields U+FFFD for bad bytes; count one unit
		}
	}
	return n
}

// SplitText cuts s into parts of at most max UTF-16 code units, for
// platforms that cap a message's length: at a paragraph break if one falls
// past the first quarter of the part, else a line break, else a space, else
// between characters (never inside one).
func SplitText(s string, max int) []string {
	s = strings.TrimSpace(s)
	var parts []string
	for s != "" {
		if UTF16Len(s) <= max {
			parts = append(parts, s)
			break
		}
		// The longest prefix within the limit, on a rune boundary.
		cut, n := 0, 0
		for i, r := range s {
			w := utf16.RuneLen(r)
			if w < 0 {
				w = 1
			}
			if n+w > max {
				break
			}
			n += w
			cut = i + utf8.RuneLen(r)
		}
		if cut == 0 { // max below one character: take one anyway
			_, cut = utf8.DecodeRuneInString(s)
		}
		head := s[:cut]
		next, _ := utf8.DecodeRuneInString(s[cut:])
		for _, sep := range []string{"\n\n", "\n", " "} {
			if unicode.IsSpace(next) {
				break // the limit already falls between words
			}
			if i := strings.LastIndex(head, sep); i > len(head)/4 {
				head = head[:i]
				break
			}
		}
		parts = append(parts, strings.TrimSpace(head))
		s = strings.TrimSpace(s[len(head):])
	}
	return parts
}
