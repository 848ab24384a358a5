package telegram

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/bot"
)

// catalogFile is what these tests read from a catalog on disk, so that
// they check the adapter against the files, not against the functions the
// adapter calls.
type catalogFile struct {
	Lang   string            `json:"lang"`
	Text   map[string]string `json:"text"`
	Labels map[string]string `json:"labels"`
}

func readCatalogs(t *testing.T) map[string]catalogFile {
	t.Helper()
	paths, err := filepath.Glob("../messages/*.json")
	if err != nil || len(paths) < 2 {
		t.Fatalf("catalogs: %v %v", paths, err)
	}
	out := map[string]catalogFile{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var c catalogFile
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[c.Lang] = c
	}
	return out
}

// TestCommandMenusPerLanguage: setMyCommands is called once per catalog
// language, with language_code set (the fallback language under ""), and
// each menu lists the core's commands with that catalog's descriptions.
func TestCommandMenusPerLanguage(t *testing.T) {
	cats := readCatalogs(t)
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	a := newTestAdapter(t, f, log, nil)
	runAdapter(t, a, &echo{})
	eventually(t, "a menu per language", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.commands) == len(cats)
	})
	f.mu.Lock()
	got := map[string]string{}
	for k, v := range f.commands {
		got[k] = v
	}
	f.mu.Unlock()
	fallback := bot.Languages()[0]
	var names []string
	for lang, c := range cats {
		code := lang
		if lang == fallback {
			code = ""
		}
		raw, ok := got[code]
		if !ok {
			t.Errorf("no setMyCommands with language_code %q (have %v)", code, slices.Collect(maps.Keys(got)))
			continue
		}
		var cmds []struct{ Command, Description string }
		if err := json.Unmarshal([]byte(raw), &cmds); err != nil {
			t.Fatalf("menu %q: %v", code, err)
		}
		var these []string
		for _, m := range cmds {
			these = append(these, m.Command)
			want := c.Labels["cmd_"+m.Command]
			if want == "" || m.Description != want {
				t.Errorf("%s /%s description %q, want the catalog's %q", lang, m.Command, m.Description, want)
			}
			if len(m.Description) > 256 || strings.ToLower(m.Command) != m.Command {
				t.Errorf("%s /%s does not fit Telegram's rules", lang, m.Command)
			}
		}
		if names == nil {
			names = these
		} else if !slices.Equal(names, these) {
			t.Errorf("%s menu lists %v, another lists %v: one command list", lang, these, names)
		}
	}
	for _, want := range []string{"start", "find", "times", "crisis", "help", "forget"} {
		if !slices.Contains(names, want) {
			t.Errorf("menu lacks /%s: %v", want, names)
		}
	}
}

// TestLanguageCode: a person's Telegram language_code picks the catalog
// for the core's replies and for the adapter's own buttons, in every
// catalog language (a French user gets French as soon as fr.json exists).
func TestLanguageCode(t *testing.T) {
	cats := readCatalogs(t)
	f := newFakeTG(t, testToken)
	log, _ := newLogger()
	a := newTestAdapter(t, f, log, nil)
	runAdapter(t, a, newEngine(t, a, log))
	user := int64(6100)
	for lang, c := range cats {
		for _, code := range []string{lang, lang + "-" + strings.ToUpper(lang)} {
			user++
			u := privateChat(user)
			u.lang = code
			step(t, f, a, f.text(u, "/help"))
			if got := lastTo(t, f, u.user).Text; got != c.Text["help"] {
				t.Errorf("language_code %q: /help answered %q, want %s's help", code, got, lang)
			}
			// The adapter's own words: the "share my location" button.
			in := inbound{chat: user, msg: bot.Message{Locale: code, Private: true}}
			items := a.renderOne(in, bot.Reply{Text: "?", AskLocation: true})
			if len(items) == 0 || len(items[0].Keyboard) == 0 || items[0].Keyboard[0][0].Text != c.Labels["share_location"] {
				t.Errorf("language_code %q: location button %+v, want %q", code, items, c.Labels["share_location"])
			}
		}
	}
}
