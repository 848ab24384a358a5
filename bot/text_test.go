package bot

import (
	"fmt"
	"strings"
	"testing"
)

func TestSplitText(t *testing.T) {
	para := strings.Repeat("word ", 199) + "end." // 999 units
	cases := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"short", "hello", 2000, []string{"hello"}},
		{"empty", "  ", 2000, nil},
		{"paragraphs", para + "\n\n" + para + "\n\n" + para, 2000, []string{para + "\n\n" + para, para}},
		{"lines", "aaaa\nbbbb\ncccc", 10, []string{"aaaa\nbbbb", "cccc"}},
		{"words", "aaa bbb ccc", 7, []string{"aaa bbb", "ccc"}},
		{"one long word", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		// An emoji is two UTF-16 units and is never cut in half.
		{"surrogates", "😀😀😀", 4, []string{"😀😀", "😀"}},
		{"limit below a character", "😀a", 1, []string{"😀", "a"}},
	}
	for _, c := range cases {
		got := SplitText(c.text, c.limit)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: SplitText = %q, want %q", c.name, got, c.want)
		}
		if strings.Join(strings.Fields(strings.Join(got, "")), "") != strings.Join(strings.Fields(c.text), "") {
			t.Errorf("%s: text lost or changed", c.name)
		}
		for _, g := range got {
			if UTF16Len(g) > c.limit && c.limit > 1 {
				t.Errorf("%s: piece of %d units over %d", c.name, UTF16Len(g), c.limit)
			}
		}
	}
}
