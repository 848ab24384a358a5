package readability

import "testing"

// Reference grades from python3 /work/briefs/fk.py on the same texts, so the
// port is held to the script the other helpers use.
func TestGradeMatchesFKScript(t *testing.T) {
	for _, c := range []struct {
		text string
		want float64
	}{
		{"The cat sat on the mat.", -1.45},
		{"A free phone line, open day and night, for adults 60 and over. Call when you feel lonely.", 2.995588235294118},
		{"Comprehensive evidence-based cessation interventions! Personalized, tailored messages? Yes.", 22.325},
		{"", 0},
		{"12 34 !!", 0},
	} {
		if got := Grade(c.text); got < c.want-0.001 || got > c.want+0.001 {
			t.Errorf("Grade(%q) = %.4f, want %.4f (fk.py)", c.text, got, c.want)
		}
	}
}

func TestSyllables(t *testing.T) {
	for _, c := range []struct {
		w    string
		want int
	}{
		{"cat", 1}, {"the", 1}, {"table", 2}, {"reached", 1}, {"people", 2},
		{"yellow", 2}, {"support", 2}, {"Comprehensive", 4}, {"42", 0}, {"", 0},
	} {
		if got := Syllables(c.w); got != c.want {
			t.Errorf("Syllables(%q) = %d, want %d", c.w, got, c.want)
		}
	}
}
