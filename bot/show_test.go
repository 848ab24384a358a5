package bot_test

import (
	"os"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/bot/console"
)

// TestShow prints a console conversation for review:
// PEERMATCH_SHOW="hi|yes|alcohol" go test -run Show -v ./bot/
func TestShow(t *testing.T) {
	script := os.Getenv("PEERMATCH_SHOW")
	if script == "" {
		t.Skip("set PEERMATCH_SHOW to a |-separated script")
	}
	r := newRig(t, rigOptions{tz: os.Getenv("PEERMATCH_TZ")})
	in := strings.NewReader(strings.ReplaceAll(script, "|", "\n") + "\n")
	var out strings.Builder
	echo := &echoReader{r: in, out: &out}
	if err := console.Run(t.Context(), r.eng, echo, &out, console.Options{Locale: os.Getenv("PEERMATCH_LOCALE")}); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
}

// echoReader copies what is read into the output, so the log shows both sides.
type echoReader struct {
	r   *strings.Reader
	out *strings.Builder
}

func (e *echoReader) Read(p []byte) (int, error) {
	b, err := e.r.ReadByte()
	if err != nil {
		return 0, err
	}
	if e.out.Len() == 0 || strings.HasSuffix(e.out.String(), "\n\n") {
		e.out.WriteString("> ")
	}
	e.out.WriteByte(b)
	p[0] = b
	return 1, nil
}
