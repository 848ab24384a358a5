package telegram

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

const goodUpdate = `{"update_id":5,"message":{"message_id":9,"date":1,"chat":{"id":42,"type":"private"},"text":"hi \"there\" ]}"}}`

func TestDecodeAnswerSkipsOnlyTheBadUpdate(t *testing.T) {
	deep := `{"update_id":7,"message":{"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}}`
	body := `{"ok":true,"result":[` + goodUpdate + `,{"update_id":6,"message":{"message_id":"Secretword","chat":{"id":1}}},` + deep +
		`,{"message":{"message_id":"x"}}]}`
	env, elems, err := decodeAnswer([]byte(body))
	if err != nil || !env.OK || len(elems) != 4 {
		t.Fatalf("decodeAnswer: ok=%v, %d elements, %v", env.OK, len(elems), err)
	}
	u, bad := decodeUpdate(elems[0])
	if bad != nil || u.UpdateID != 5 || u.Message.Text != `hi "there" ]}` {
		t.Errorf("good update: %+v %+v", u, bad)
	}
	for i, want := range []struct {
		id     int
		hasID  bool
		reason string
	}{{6, true, "message_id is a JSON string"}, {7, true, "nested too deeply"}, {0, false, "message_id"}} {
		_, bad := decodeUpdate(elems[i+1])
		if bad == nil || bad.ID != want.id || bad.HasID != want.hasID || !strings.Contains(bad.Reason, want.reason) {
			t.Errorf("update %d: %+v, want id %d (%v) and a reason with %q", i+1, bad, want.id, want.hasID, want.reason)
		}
		if bad != nil && strings.Contains(bad.Reason, "Secretword") {
			t.Errorf("reason quotes the update: %q", bad.Reason)
		}
	}
	env, _, err = decodeAnswer([]byte(`{"ok":false,"error_code":429,"description":"Too Many Requests","parameters":{"retry_after":3}}`))
	if err != nil || env.OK || env.ErrorCode != 429 || env.Parameters == nil || env.Parameters.RetryAfter != 3 {
		t.Errorf("error answer: %+v %v", env, err)
	}
	for _, bad := range []string{``, `[]`, `{"ok":true,"result":[1,}`, `{"ok":true,"result":"x"}`, `{"ok" true}`, `{"ok":true,"result":["unterminated]}`} {
		if _, _, err := decodeAnswer([]byte(bad)); err == nil {
			t.Errorf("decodeAnswer(%q): want an error", bad)
		}
	}
}

// FuzzDecodeUpdates: no input panics; where encoding/json can read the
// answer, the split finds the same updates, and each decodes exactly when
// encoding/json decodes it, to the same update id.
func FuzzDecodeUpdates(f *testing.F) {
	f.Add([]byte(`{"ok":true,"result":[` + goodUpdate + `]}`))
	f.Add([]byte(`{"ok":true,"result":[{"update_id":6,"message":{"message_id":"s"}}]}`))
	f.Add([]byte(`{"ok":true,"result":[{"update_id":7,"x":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}]}`))
	f.Add([]byte(`{"ok":false,"error_code":429,"parameters":{"retry_after":3}}`))
	f.Add([]byte(`{"ok":true,"result":[{"update_id":8,"callback_query":{"id":"1","data":"\u00e9\\"}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		env, elems, err := decodeAnswer(body)
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) == nil && string(bytes.TrimSpace(m["ok"])) == "true" {
			var std []json.RawMessage
			if json.Unmarshal(m["result"], &std) == nil {
				if err != nil || !env.OK || len(std) != len(elems) {
					t.Fatalf("encoding/json reads %d updates; decodeAnswer %d, ok=%v, %v", len(std), len(elems), env.OK, err)
				}
			}
		}
		for _, e := range elems {
			u, bad := decodeUpdate(e)
			var std tgbotapi.Update
			stdErr := json.Unmarshal(e, &std)
			if (stdErr == nil) != (bad == nil) {
				t.Fatalf("encoding/json error %v, decodeUpdate %+v", stdErr, bad)
			}
			if bad == nil && u.UpdateID != std.UpdateID {
				t.Fatalf("update id %d, encoding/json %d", u.UpdateID, std.UpdateID)
			}
		}
	})
}
