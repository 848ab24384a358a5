package bot_test

import (
	"strings"
	"testing"
)

// TestTimesShowWhenLastConfirmed: through the whole engine, /times for a
// real listing whose schedule comes from a January 2022 page says when the
// times were last confirmed, in English and in Spanish.
func TestTimesShowWhenLastConfirmed(t *testing.T) {
	r := newRig(t, rigOptions{})
	for _, c := range []struct{ locale, want string }{
		{"en-US", "Times last confirmed January 2022"},
		{"es-MX", "Horarios confirmados por última vez en enero de 2022"},
	} {
		rs, err := r.send("hal-"+c.locale, c.locale, "/times HLAA Sun City Center")
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, rep := range rs {
			all = append(all, rep.Text)
		}
		if text := strings.Join(all, "\n"); !strings.Contains(text, c.want) {
			t.Errorf("%s: /times reply lacks %q:\n%s", c.locale, c.want, text)
		}
	}
}
