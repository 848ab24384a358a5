package telegram

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// One update that cannot be decoded (a field of the wrong type, nesting
// deeper than encoding/json allows) must not stop the others: the library
// decodes a whole getUpdates answer at once and fails on any of them, so
// polling would ask for the same batch forever. Here the answer is split
// into its updates by a scanner with no depth limit, and each is decoded
// on its own.

// badUpdate is an update that was skipped: its id (when it could be read)
// and why, in words that never quote the update's content.
type badUpdate struct {
	ID     int
	HasID  bool
	Reason string
}

// envelope is a Bot API answer without its result.
type envelope struct {
	OK          bool                         `json:"ok"`
	ErrorCode   int                          `json:"error_code"`
	Description string                       `json:"description"`
	Parameters  *tgbotapi.ResponseParameters `json:"parameters"`
}

// errNotJSON: the answer is not a JSON object.
var errNotJSON = errors.New("answer is not a JSON object")

// decodeAnswer splits a getUpdates answer into its envelope and the raw
// elements of its result array.
func decodeAnswer(body []byte) (envelope, [][]byte, error) {
	var env envelope
	var result []byte
	err := members(body, func(key string, val []byte) error {
		switch key {
		case "result":
			result = val
		case "ok", "error_code", "description", "parameters":
			// Small fields; decode them with their key.
			one := append(append([]byte(`{"`), key...), `":`...)
			one = append(append(one, val...), '}')
			if err := json.Unmarshal(one, &env); err != nil {
				return fmt.Errorf("field %s: %w", key, err)
			}
		}
		return nil
	})
	if err != nil {
		return env, nil, err
	}
	if !env.OK || result == nil {
		return env, nil, nil
	}
	var elems [][]byte
	err = elements(result, func(v []byte) error { elems = append(elems, v); return nil })
	return env, elems, err
}

// decodeUpdate decodes one update; on failure it reads just the update_id,
// which the offset needs to move past it.
func decodeUpdate(raw []byte) (tgbotapi.Update, *badUpdate) {
	var u tgbotapi.Update
	err := json.Unmarshal(raw, &u)
	if err == nil {
		return u, nil
	}
	bad := &badUpdate{Reason: reason(err)}
	_ = members(raw, func(key string, val []byte) error {
		if key == "update_id" {
			if id, err := strconv.Atoi(string(val)); err == nil && id >= 0 {
				bad.ID, bad.HasID = id, true
			}
		}
		return nil
	})
	return u, bad
}

// reason says why an update did not decode without quoting it (a syntax
// error's message quotes a character of the input).
func reason(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return fmt.Sprintf("field %s is a JSON %s, want %s", te.Field, te.Value, te.Type)
	case errors.As(err, &se):
		if bytes.Contains([]byte(err.Error()), []byte("exceeded max depth")) {
			return "nested too deeply"
		}
		return fmt.Sprintf("JSON syntax error at byte %d", se.Offset)
	case bytes.Contains([]byte(err.Error()), []byte("exceeded max depth")):
		return "nested too deeply"
	}
	return fmt.Sprintf("undecodable (%T)", err)
}

// members calls fn with each member of the JSON object in b: its key and
// its raw value. Nesting depth is not limited.
func members(b []byte, fn func(key string, val []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errNotJSON
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return fmt.Errorf("object key expected at byte %d", i)
		}
		end, err := skipString(b, i)
		if err != nil {
			return err
		}
		var key string
		if err := json.Unmarshal(b[i:end], &key); err != nil {
			return fmt.Errorf("object key at byte %d: %w", i, err)
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return fmt.Errorf("':' expected at byte %d", i)
		}
		i = skipSpace(b, i+1)
		vend, err := skipValue(b, i)
		if err != nil {
			return err
		}
		if err := fn(key, b[i:vend]); err != nil {
			return err
		}
		i = skipSpace(b, vend)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == '}' {
			return nil
		}
		return fmt.Errorf("',' or '}' expected at byte %d", i)
	}
}

// elements calls fn with each raw element of the JSON array in b.
func elements(b []byte, fn func(val []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return errors.New("result is not an array")
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return nil
	}
	for {
		end, err := skipValue(b, i)
		if err != nil {
			return err
		}
		if err := fn(b[i:end]); err != nil {
			return err
		}
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i < len(b) && b[i] == ']' {
			return nil
		}
		return fmt.Errorf("',' or ']' expected at byte %d", i)
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"'.
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated string at byte %d", i)
}

// skipValue returns the index after the value starting at b[i]. Objects
// and arrays are matched by counting brackets, without recursion, so any
// depth is fine; the value itself is validated when it is decoded.
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, fmt.Errorf("value expected at byte %d", i)
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("unterminated value at byte %d", i)
	}
	j := i
	for j < len(b) && !bytes.ContainsRune([]byte(",]} \t\r\n"), rune(b[j])) {
		j++
	}
	if j == i {
		return 0, fmt.Errorf("value expected at byte %d", i)
	}
	return j, nil
}
