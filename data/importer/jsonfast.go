package importer

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// A lean reader for the flat JSON objects of a feed (one meeting each).
// Decoding 500,000 meeting objects into a map[string]json.RawMessage
// through encoding/json's reflection was a third of a Meeting Guide load:
// validation, a key string and a copy of every value, each record. Here a
// record is validated and split in one pass and each value is a slice of
// the record's own bytes. Anything this reader does not take on (escaped
// keys, non-ASCII keys, malformed JSON) goes back to encoding/json, so
// what is accepted and every error message stay exactly encoding/json's.

// rawField is one member of an object: its key and its value's bytes.
type rawField struct {
	key string
	val json.RawMessage
}

// splitObject appends the members of the JSON object raw (surrounding
// white space allowed) to fs. ok is false when raw is not a valid JSON
// object or uses what this reader leaves to encoding/json; fs is then
// returned as it was given.
func splitObject(raw []byte, fs []rawField) (_ []rawField, ok bool) {
	base := len(fs)
	i := skipWS(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return fs[:base], false
	}
	i = skipWS(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return fs, skipWS(raw, i+1) == len(raw)
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return fs[:base], false
		}
		k := i + 1
		for k < len(raw) && raw[k] != '"' {
			// Escapes and non-ASCII keys are rare and have rules of their
			// own (unquoting, U+FFFD for bad UTF-8): encoding/json's job.
			if c := raw[k]; c == '\\' || c < 0x20 || c >= 0x80 {
				return fs[:base], false
			}
			k++
		}
		if k >= len(raw) {
			return fs[:base], false
		}
		key := raw[i+1 : k]
		i = skipWS(raw, k+1)
		if i >= len(raw) || raw[i] != ':' {
			return fs[:base], false
		}
		i = skipWS(raw, i+1)
		end, ok := scanValue(raw, i, 0)
		if !ok {
			return fs[:base], false
		}
		fs = append(fs, rawField{key: string(key), val: raw[i:end]})
		i = skipWS(raw, end)
		if i >= len(raw) {
			return fs[:base], false
		}
		switch raw[i] {
		case ',':
			i = skipWS(raw, i+1)
		case '}':
			if skipWS(raw, i+1) != len(raw) {
				return fs[:base], false
			}
			return fs, true
		default:
			return fs[:base], false
		}
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// maxFastDepth bounds scanValue's recursion; deeper values (never in a
// feed) go to encoding/json.
const maxFastDepth = 64

// scanValue checks the JSON value starting at b[i] and returns the index
// just after it.
func scanValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) || depth > maxFastDepth {
		return i, false
	}
	switch c := b[i]; {
	case c == '"':
		return scanString(b, i)
	case c == '{':
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		for {
			end, ok := scanString(b, i)
			if !ok {
				return i, false
			}
			i = skipWS(b, end)
			if i >= len(b) || b[i] != ':' {
				return i, false
			}
			if i, ok = scanValue(b, skipWS(b, i+1), depth+1); !ok {
				return i, false
			}
			i = skipWS(b, i)
			if i >= len(b) {
				return i, false
			}
			if b[i] == '}' {
				return i + 1, true
			}
			if b[i] != ',' {
				return i, false
			}
			i = skipWS(b, i+1)
		}
	case c == '[':
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = scanValue(b, i, depth+1); !ok {
				return i, false
			}
			i = skipWS(b, i)
			if i >= len(b) {
				return i, false
			}
			if b[i] == ']' {
				return i + 1, true
			}
			if b[i] != ',' {
				return i, false
			}
			i = skipWS(b, i+1)
		}
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	default:
		return scanNumber(b, i)
	}
}

func literal(b []byte, i int, lit string) (int, bool) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), true
	}
	return i, false
}

// scanString checks the string starting at the quote b[i]: no control
// characters, only JSON's escapes. Bytes that are not UTF-8 pass, as
// they do encoding/json's validation.
func scanString(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			i++
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-i < 5 {
					return i, false
				}
				for _, h := range b[i+1 : i+5] {
					if !isHex(h) {
						return i, false
					}
				}
				i += 4
			default:
				return i, false
			}
		}
	}
	return i, false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// scanNumber checks a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(b []byte, i int) (int, bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return i, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return i, false
		}
		i = j
	}
	return i, true
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// plainString returns the contents of a JSON string value without
// escapes, as encoding/json would decode it; ok is false for anything
// else (an escape, or not a string), which the caller decodes the
// ordinary way. The value must have been validated (splitObject).
func plainString(r []byte) (string, bool) {
	if len(r) < 2 || r[0] != '"' || r[len(r)-1] != '"' {
		return "", false
	}
	in := r[1 : len(r)-1]
	if bytes.IndexByte(in, '\\') >= 0 {
		return "", false
	}
	// encoding/json turns bytes that are not UTF-8 into U+FFFD.
	if !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}

// plainStrings decodes an array of plain strings (see plainString).
func plainStrings(r []byte) ([]string, bool) {
	i := skipWS(r, 0)
	if i >= len(r) || r[i] != '[' {
		return nil, false
	}
	var out []string
	i = skipWS(r, i+1)
	if i < len(r) && r[i] == ']' {
		return []string{}, skipWS(r, i+1) == len(r)
	}
	for {
		end, ok := scanString(r, i)
		if !ok {
			return nil, false
		}
		s, ok := plainString(r[i:end])
		if !ok {
			return nil, false
		}
		out = append(out, s)
		i = skipWS(r, end)
		if i >= len(r) {
			return nil, false
		}
		switch r[i] {
		case ',':
			i = skipWS(r, i+1)
		case ']':
			return out, skipWS(r, i+1) == len(r)
		default:
			return nil, false
		}
	}
}

// jsonNumber decodes a JSON number as encoding/json does into a float64.
func jsonNumber(r []byte) (float64, bool) {
	if end, ok := scanNumber(r, 0); !ok || end != len(r) {
		return 0, false
	}
	x, err := strconv.ParseFloat(string(r), 64)
	return x, err == nil
}
