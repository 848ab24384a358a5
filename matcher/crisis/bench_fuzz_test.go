package crisis

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

func fstestRead(fsys fs.FS, name string) ([]byte, error) { return fs.ReadFile(fsys, name) }

var typical = []string{
	"hi, i'm looking for a grief group on thursday evenings",
	"my wife died in march and i can't sleep",
	"i just want to die",
	"are there AA meetings near me tonight",
	"im so tired of everything, nobody would miss me",
	"my friend says she wants to kill herself what do i do",
	"online please, somewhere in ohio",
	"quiero morir ya no puedo mas",
}

func BenchmarkScreen(b *testing.B) {
	s := newTestScreener(b)
	b.Run("typical", func(b *testing.B) {
		n := 0
		for _, m := range typical {
			n += len(m)
		}
		b.SetBytes(int64(n / len(typical)))
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			s.Screen(typical[i%len(typical)])
		}
	})
	base := "i feel lonely since my divorce and i want a group that meets online, maybe in the evenings after work. "
	for _, size := range []int{100, 1 << 10, 10 << 10, 100 << 10} {
		text := strings.Repeat(base, size/len(base)+1)[:size]
		b.Run(byteSize(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				s.Screen(text)
			}
		})
	}
}

func byteSize(n int) string {
	if n < 1<<10 {
		return fmt.Sprintf("%dB", n)
	}
	return fmt.Sprintf("%dKB", n>>10)
}

var fuzzSeeds = []string{
	"", " ", "i want to die", "I'm not suicidal but I'd like to not exist", "ｋｉｌｌ ｍｙｓｅｌｆ", "k1ll mys3lf",
	"s u i c i d e", "sui\u200bcide", "ѕuісіdе", "\xff\xfe\xfd", "''''\"\"\"", "1st 2nd 3nd 4th 800mg", "!!!!!!!!",
	"a b c d e f g h i j k l m n o p", "💊💊💊 tonight", "me quiero matar", "ï̈̈̈̈̈", strings.Repeat("(", 100),
	"$$$$@@@@||||€€€€", "i'm 'not' \"suicidal\" but", "111111111111111111111111111 pills", "took 9999 pills",
}

func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	s := newTestScreener(f)
	f.Fuzz(func(t *testing.T, text string) {
		toks := s.tokens(text)
		for i, tk := range toks {
			if tk.w == "" {
				t.Fatalf("empty token %d", i)
			}
			if i > 0 && (tk.sent < toks[i-1].sent || tk.clause < toks[i-1].clause) {
				t.Fatalf("boundaries go backwards at %d", i)
			}
		}
		unleet(text)
		squeeze(text)
	})
}

func FuzzScreen(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	s := newTestScreener(f)
	f.Fuzz(func(t *testing.T, text string) {
		a := s.screen(text) // without Screen's recover, so a panic fails
		if a.Level < 0 || a.Level > 3 {
			t.Fatalf("level %d", a.Level)
		}
		if a.Level == 0 && len(a.Categories) > 0 {
			t.Fatalf("categories at level none")
		}
		if a.Level > 0 && len(a.Categories) == 0 {
			t.Fatalf("no category at level %v", a.Level)
		}
		s.CountryFromText(text)
		CountryFromLocale(text)
	})
}
