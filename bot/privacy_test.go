package bot_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/peermatch/peermatch/bot"
)

func newCanary(t testing.TB) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "Canary" + hex.EncodeToString(b)
}

// TestCanaryNeverLoggedNorStored runs conversations full of a unique
// string, with a debug logger, and then looks for it in every log line,
// every reply, and every byte under the state directory.
func TestCanaryNeverLoggedNorStored(t *testing.T) {
	c := newCanary(t)
	userID := "user-" + newCanary(t)
	state := t.TempDir()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r := newRig(t, rigOptions{bolt: true, stateDir: state, log: log, alerter: true})
	msgs := []string{
		"hi", "yes", "my name is " + c + " and my wife died, I need an online grief group",
		"more", "when does the " + c + " group meet?", "/times " + c, "anything on Sunday? " + c,
		"refine", "for veterans " + c, "/find alcohol " + c, "me " + c, "in person", c + " city",
		"78701 " + c, "I want to kill myself " + c, "I feel hopeless " + c, "/lang " + c, "/" + c,
		"español " + c, "/crisis " + c, "skip",
	}
	send := func(user, text string) {
		rs, _ := r.send(user, "en-US", text)
		for _, rep := range rs {
			if strings.Contains(rep.Text, c) {
				t.Errorf("reply echoes user text: %q", rep.Text)
			}
			for _, ch := range rep.Choices {
				if strings.Contains(ch.Label, c) || strings.Contains(ch.ID, c) {
					t.Errorf("choice echoes user text: %+v", ch)
				}
			}
		}
	}
	for _, m := range msgs {
		send(userID, m)
	}
	other := "other-" + newCanary(t)
	for _, m := range msgs[:6] {
		send(other, m)
	}
	if logs.Len() == 0 {
		t.Fatal("no logs at debug level: the check would be blind")
	}
	if strings.Contains(logs.String(), c) {
		t.Errorf("canary in the logs:\n%s", grepLines(logs.String(), c))
	}
	for _, id := range []string{userID, other} {
		if strings.Contains(logs.String(), id) {
			t.Errorf("raw user id in the logs:\n%s", grepLines(logs.String(), id))
		}
	}
	if !strings.Contains(logs.String(), r.eng.UserKey("telegram", userID)) {
		t.Error("logs should name the user by the keyed hash")
	}
	scanDir(t, state, c, "before /forget")
	key := r.eng.UserKey("telegram", userID)
	if !fileHas(t, state, key) {
		t.Fatal("the session is not in the store: the scan after /forget would be blind")
	}
	send(userID, "/forget")
	// Erasure compacts the file in the background; wait for it before
	// scanning the bytes.
	if err := r.bolt.WaitErased(); err != nil {
		t.Fatal(err)
	}
	scanDir(t, state, c, "after /forget")
	if fileHas(t, state, key) {
		t.Error("the user's key is still in the state directory after /forget")
	}
	if s, ok, _ := r.store.Get(context.Background(), r.eng.UserKey("telegram", other)); !ok || !s.Consent {
		t.Error("/forget for one user erased another")
	}
}

func grepLines(s, needle string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, needle) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func scanDir(t *testing.T, dir, needle, when string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(needle)) || bytes.Contains(bytes.ToLower(b), []byte(strings.ToLower(needle))) {
			t.Errorf("%s: canary found in %s", when, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func fileHas(t *testing.T, dir, needle string) bool {
	t.Helper()
	found := false
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(needle)) {
				found = true
			}
		}
		return nil
	})
	return found
}

// TestSessionHoldsNoFreeText guards the schema: a new string field in
// Session (say, "notes") must be justified here first.
func TestSessionHoldsNoFreeText(t *testing.T) {
	allowed := []string{"Step", "Lang", "Topics", "Guesses", "Format", "PlaceName", "Country", "TimeZone",
		"Audience", "Language", "Shown"}
	var got []string
	typ := reflect.TypeOf(bot.Session{})
	for i := range typ.NumField() {
		f := typ.Field(i)
		k := f.Type.Kind()
		if k == reflect.Slice {
			k = f.Type.Elem().Kind()
		}
		if k == reflect.String {
			got = append(got, f.Name)
		}
	}
	sort.Strings(got)
	sort.Strings(allowed)
	if !slices.Equal(got, allowed) {
		t.Errorf("string fields in Session: %v; allowed: %v", got, allowed)
	}
}

// TestDeclineStoresNothing: saying no to the hello leaves no record and no
// health question.
func TestDeclineStoresNothing(t *testing.T) {
	mem := bot.NewMemStore()
	r := newRig(t, rigOptions{})
	r.store.SessionStore = mem
	rs, _ := r.send("u", "en", "hi")
	if mem.Len() != 1 {
		t.Fatalf("after hello: %d sessions, want 1 (the step only)", mem.Len())
	}
	s, _, _ := mem.Get(context.Background(), r.eng.UserKey("telegram", "u"))
	if s.Consent || len(s.Topics) > 0 || s.Step != bot.StepHello {
		t.Errorf("before consent the session holds %+v", s)
	}
	if strings.Contains(replyTexts(rs), "What brings you here") {
		t.Error("health question before consent")
	}
	rs, _ = r.send("u", "en", "no thanks")
	if mem.Len() != 0 {
		t.Errorf("after declining: %d sessions, want 0", mem.Len())
	}
	if strings.Contains(replyTexts(rs), "What brings you here") {
		t.Error("health question after declining")
	}
}

// TestConcurrentUsers hammers the engine from many goroutines (run with
// -race) to check per-user ordering and the shared state.
func TestConcurrentUsers(t *testing.T) {
	r := newRig(t, rigOptions{})
	done := make(chan struct{})
	for u := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			user := "u" + string(rune('a'+u))
			for _, m := range []string{"hi", "online grief group", "more", "/find", "alcohol", "me", "online", "/forget"} {
				if _, err := r.send(user, "en", m); err != nil {
					t.Errorf("%s %q: %v", user, m, err)
				}
			}
		}()
	}
	for range 8 {
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("timeout")
		}
	}
}
