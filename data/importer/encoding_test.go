package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/peermatch/peermatch/data"

	"golang.org/x/text/encoding/charmap"
)

const encCSV = "id,name,topics,format,online_url,timezone,day,time,source,last_verified\n" +
	"cafe,Café Niño Grief Circle,grief,online,https://meet.example/x,America/Chicago,Monday,19:00,https://example.org,2026-01-01\n"

func utf16Bytes(s string, bigEndian bool) []byte {
	var b bytes.Buffer
	for _, u := range append([]uint16{0xfeff}, utf16.Encode([]rune(s))...) {
		if bigEndian {
			b.Write([]byte{byte(u >> 8), byte(u)})
		} else {
			b.Write([]byte{byte(u), byte(u >> 8)})
		}
	}
	return b.Bytes()
}

func TestEncodingsAreConvertedOrRefused(t *testing.T) {
	latin1, err := charmap.Windows1252.NewEncoder().Bytes([]byte(encCSV))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		in      []byte
		warning string // "" = no problem at all
	}{
		{"UTF-8", []byte(encCSV), ""},
		{"UTF-8 with BOM", append([]byte("\xef\xbb\xbf"), encCSV...), ""},
		{"UTF-16LE with BOM", utf16Bytes(encCSV, false), ""},
		{"UTF-16BE with BOM", utf16Bytes(encCSV, true), ""},
		{"Windows-1252", latin1, fmt.Sprintf("byte 0xE9 at offset %d is not valid UTF-8): read as Windows-1252", strings.Index(encCSV, "é"))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gs, ps, err := ImportReader(vocab(t), "sheet.csv", bytes.NewReader(c.in), ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(gs) != 1 || gs[0].Name != "Café Niño Grief Circle" || gs[0].ID != "cafe" {
				t.Fatalf("groups %+v problems %v, want the name read as Café Niño Grief Circle", gs, ps)
			}
			switch {
			case c.warning == "" && len(ps) != 0:
				t.Errorf("problems %v, want none", ps)
			case c.warning != "":
				var re *data.RecordError
				if len(ps) != 1 || !IsWarning(ps[0]) || !errors.As(ps[0], &re) || re.Line != 2 || !strings.Contains(re.Reason, c.warning) {
					t.Errorf("problems %v, want one warning at sheet.csv:2 %q", ps, c.warning)
				}
			}
		})
	}
}

func TestEncodingMixedOrBinaryIsRefused(t *testing.T) {
	mixed := strings.Replace(encCSV, "Niño", "Ni\xf1o", 1) // UTF-8 "é", then a Latin-1 "ñ"
	latinFirst := strings.Replace(encCSV, "Café", "Caf\xe9", 1)
	noBOM := utf16Bytes(encCSV, false)[2:]
	for _, c := range []struct {
		name, in, want string
	}{
		{"mixed", mixed, fmt.Sprintf("line 2, byte offset %d: byte 0xF1", strings.Index(mixed, "\xf1")) + " is not valid UTF-8, though the text before it is UTF-8"},
		{"UTF-16 without BOM", string(noBOM), "line 1, byte offset 1: a NUL byte"},
		{"Latin-1 then UTF-8", latinFirst, fmt.Sprintf("byte offset %d: UTF-8 text after byte 0xE9 at offset %d", strings.Index(latinFirst, "ñ"), strings.Index(latinFirst, "\xe9"))},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, f := range []SourceFormat{SourceCSV, SourceAuto} {
				_, _, err := ImportReader(vocab(t), "sheet.csv", strings.NewReader(c.in), ImportOptions{Format: f})
				if !errors.Is(err, ErrEncoding) || !strings.Contains(err.Error(), "sheet.csv") || !strings.Contains(err.Error(), c.want) {
					t.Errorf("format %q: err %v, want ErrEncoding naming sheet.csv and %q", f, err, c.want)
				}
			}
		})
	}
}

// A multi-byte character split across the reader's chunks is kept whole.
func TestTextReaderChunkBoundaries(t *testing.T) {
	want := strings.Repeat("añ€😀x", 40000) // over 32 KiB, so chunk edges fall inside characters
	got, err := io.ReadAll(newTextReader(strings.NewReader(want)))
	if err != nil || string(got) != want {
		t.Fatalf("err %v, %d bytes back of %d", err, len(got), len(want))
	}
	legacy := bytes.Repeat([]byte("caf\xe9 "), 20000)
	got, err = io.ReadAll(newTextReader(bytes.NewReader(legacy)))
	if err != nil || string(got) != strings.Repeat("café ", 20000) {
		t.Fatalf("Windows-1252: err %v, %d bytes", err, len(got))
	}
}

// A Meeting Guide feed saved as UTF-16 is detected and read like the
// UTF-8 original (it was refused without a reason).
func TestUTF16MeetingGuideFeed(t *testing.T) {
	b, err := os.ReadFile("testdata/import/sample-meeting-guide-feed.json")
	if err != nil {
		t.Fatal(err)
	}
	want, wantPs, err := ImportReader(vocab(t), "feed.json", bytes.NewReader(b), ImportOptions{})
	if err != nil || len(want) == 0 {
		t.Fatalf("UTF-8: %d groups, %v", len(want), err)
	}
	got, ps, err := ImportReader(vocab(t), "feed.json", bytes.NewReader(utf16Bytes(string(b), true)), ImportOptions{})
	if err != nil || len(got) != len(want) || len(ps) != len(wantPs) || got[0].Name != want[0].Name {
		t.Fatalf("UTF-16BE: %d groups, %d problems, %v; want %d, %d", len(got), len(ps), err, len(want), len(wantPs))
	}
}
