package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/peermatch/peermatch/data"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// ErrEncoding is wrapped by every *EncodingError, for errors.Is.
var ErrEncoding = errors.New("unsupported text encoding")

// EncodingError says where a source stops being text we can read. The
// importers wrap it with the source's name ("import sheet.csv: ...").
type EncodingError struct {
	Offset int64 // byte offset in the source (after a UTF-16 conversion: in the converted text)
	Line   int   // 1-based line of that byte
	Reason string
}

func (e *EncodingError) Error() string {
	return fmt.Sprintf("line %d, byte offset %d: %s", e.Line, e.Offset, e.Reason)
}

func (e *EncodingError) Unwrap() error { return ErrEncoding }

// textMode is what a textReader has learnt about its source so far.
type textMode int

const (
	textASCII  textMode = iota // only ASCII so far: UTF-8 and Windows-1252 agree
	textUTF8                   // valid multi-byte UTF-8 seen
	textLegacy                 // a byte that is not UTF-8 seen first: Windows-1252
)

// textReader turns a source into UTF-8 as it is read, so that no importer
// stores mojibake:
//
//   - a UTF-8 byte order mark is dropped; UTF-16 with a byte order mark
//     (as Excel's "Unicode text" saves) is converted;
//   - a file whose first non-ASCII byte is not UTF-8 is read as
//     Windows-1252 (a superset of Latin-1's letters, what spreadsheets on
//     Windows write), and Legacy reports it so the import can warn;
//   - a file that mixes the two (valid multi-byte UTF-8 and bytes that are
//     not), or holds NUL bytes (UTF-16 without a byte order mark, or not
//     text at all), is refused with an *EncodingError naming the offset.
//
// Reading stays a stream: one chunk is checked at a time.
type textReader struct {
	r       *bufio.Reader
	off     int64 // bytes of r consumed
	line    int
	mode    textMode
	first   int64 // offset of the first non-UTF-8 byte, in textLegacy
	firstLn int
	firstB  byte
	utf16   string // "UTF-16LE" or "UTF-16BE" when converted, else ""
	pending []byte
	buf     []byte
	err     error
}

func newTextReader(r io.Reader) *textReader {
	br := bufio.NewReaderSize(r, 64<<10)
	t := &textReader{r: br, line: 1}
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte{0xef, 0xbb, 0xbf}):
		br.Discard(3)
		t.off = 3
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		order, name := unicode.LittleEndian, "UTF-16LE"
		if head[0] == 0xfe {
			order, name = unicode.BigEndian, "UTF-16BE"
		}
		// ExpectBOM consumes the mark; unpaired surrogates become U+FFFD.
		dec := unicode.UTF16(order, unicode.ExpectBOM).NewDecoder()
		t.r = bufio.NewReaderSize(transform.NewReader(br, dec), 64<<10)
		t.utf16 = name
	}
	return t
}

// legacyWarning is the warning an import adds when it read name as
// Windows-1252, or nil.
func (t *textReader) legacyWarning(name string) error {
	if t.mode != textLegacy {
		return nil
	}
	return &Warning{&data.RecordError{Source: name, Line: t.firstLn, Reason: fmt.Sprintf(
		"not UTF-8 (byte 0x%02X at offset %d is not valid UTF-8): read as Windows-1252 (Latin-1); check the accented letters, or save the file as UTF-8", t.firstB, t.first)}}
}

func (t *textReader) Read(p []byte) (int, error) {
	for len(t.pending) == 0 {
		if t.err != nil {
			return 0, t.err
		}
		t.fill()
	}
	n := copy(p, t.pending)
	t.pending = t.pending[n:]
	return n, nil
}

// fill converts the next chunk of the source into t.pending, or sets t.err.
func (t *textReader) fill() {
	chunk, err := t.r.Peek(32 << 10)
	t.buf = t.buf[:0]
	i := 0
	for i < len(chunk) {
		// A run of ASCII without NUL is copied whole: most of a feed.
		j := i
		for j < len(chunk) && chunk[j] < utf8.RuneSelf && chunk[j] != 0 {
			j++
		}
		if j > i {
			t.line += bytes.Count(chunk[i:j], []byte{'\n'})
			t.buf = append(t.buf, chunk[i:j]...)
			i = j
			continue
		}
		c := chunk[i]
		if c < utf8.RuneSelf {
			if c == 0 {
				t.fail(i, "a NUL byte: the file is not text, or is UTF-16 without a byte order mark; save it as UTF-8")
				break
			}
			if c == '\n' {
				t.line++
			}
			t.buf = append(t.buf, c)
			i++
			continue
		}
		if !utf8.FullRune(chunk[i:]) && err == nil {
			break // the rest of this character is in the next chunk
		}
		r, size := utf8.DecodeRune(chunk[i:])
		valid := r != utf8.RuneError || size > 1
		switch {
		case valid && t.mode == textLegacy:
			t.fail(i, fmt.Sprintf("UTF-8 text after byte 0x%02X at offset %d, which is not UTF-8: the file mixes encodings; save it as UTF-8", t.firstB, t.first))
		case valid:
			t.mode = textUTF8
			t.buf = append(t.buf, chunk[i:i+size]...)
			i += size
			continue
		case t.mode == textUTF8:
			t.fail(i, fmt.Sprintf("byte 0x%02X is not valid UTF-8, though the text before it is UTF-8: the file mixes encodings; save it as UTF-8", c))
		default:
			if t.mode == textASCII {
				t.mode, t.first, t.firstLn, t.firstB = textLegacy, t.off+int64(i), t.line, c
			}
			t.buf = utf8.AppendRune(t.buf, charmap.Windows1252.DecodeByte(c))
			i++
			continue
		}
		break
	}
	t.r.Discard(i)
	t.off += int64(i)
	t.pending = t.buf
	if t.err == nil && i == len(chunk) && err != nil {
		t.err = err
	}
}

func (t *textReader) fail(i int, reason string) {
	if t.utf16 != "" {
		reason = "after conversion from " + t.utf16 + ": " + reason
	}
	t.err = &EncodingError{Offset: t.off + int64(i), Line: t.line, Reason: reason}
}
