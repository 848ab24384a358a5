package discord

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/peermatch/peermatch/bot"
)

// The registered slash names (the fallback language's), which Discord
// sends back whatever the person's language.
var (
	cmdFindGroup = slashName(bot.CommandFind)
	cmdMeetings  = slashName(bot.CommandTimes)
	cmdCrisis    = slashName(bot.CommandCrisis)
	cmdForget    = slashName(bot.CommandForget)
	cmdHelp      = slashName(bot.CommandHelp)
)

func slashName(core string) string {
	for _, c := range bot.CommandMenu("") {
		if c.Name == core {
			return c.Slash
		}
	}
	return ""
}

// catalogFile is what these tests read from a catalog on disk, so that
// they check the adapter against the files rather than against the
// functions it calls.
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

// localesOf lists Discord's locales for a catalog language ("es": es-ES
// and es-419), sorted.
func localesOf(lang string) []string {
	var out []string
	for loc := range discordgo.Locales {
		if base, _, _ := strings.Cut(string(loc), "-"); base == lang {
			out = append(out, string(loc))
		}
	}
	slices.Sort(out)
	return out
}

// TestCommandLocalizations: the bulk overwrite carries, for every catalog
// language but the fallback, each command's and option's name and
// description from that catalog under each of Discord's locales for the
// language, and no locale key Discord does not know.
func TestCommandLocalizations(t *testing.T) {
	t.Parallel()
	cats := readCatalogs(t)
	fallback := cats[bot.Languages()[0]]
	f := newFake(t)
	r := newRig(t, f, nil)
	r.run(t, bot.HandlerFunc(func(context.Context, bot.Message) ([]bot.Reply, error) { return nil, nil }))
	_, _, _, cmds := f.state()
	r.stop(t)
	if len(cmds) < 5 {
		t.Fatalf("%d commands registered", len(cmds))
	}
	// core reads a command's catalog key back from its registered name.
	core := func(name string) string {
		for k, v := range fallback.Labels {
			if v == name && strings.HasPrefix(k, "cmd_") && strings.HasSuffix(k, "_slash") {
				return strings.TrimSuffix(k, "_slash")
			}
		}
		t.Fatalf("registered name %q is in no catalog", name)
		return ""
	}
	checked := 0
	for _, c := range cmds {
		m := c.(map[string]any)
		key := core(m["name"].(string))
		if m["description"] != fallback.Labels[key] {
			t.Errorf("%s description %q, want the fallback catalog's", key, m["description"])
		}
		var opt map[string]any
		if opts, _ := m["options"].([]any); len(opts) == 1 {
			opt = opts[0].(map[string]any)
		}
		if (opt != nil) != (fallback.Labels[key+"_arg"] != "") {
			t.Errorf("%s options %v, catalog option %q", key, m["options"], fallback.Labels[key+"_arg"])
		}
		for _, field := range []string{"name_localizations", "description_localizations"} {
			loc, _ := m[field].(map[string]any)
			for k := range loc {
				if _, ok := discordgo.Locales[discordgo.Locale(k)]; !ok {
					t.Errorf("%s %s: %q is not a Discord locale", key, field, k)
				}
				if base, _, _ := strings.Cut(k, "-"); cats[base].Lang == "" {
					t.Errorf("%s %s: %q speaks no catalog's language", key, field, k)
				}
			}
		}
		for lang, cat := range cats {
			for _, loc := range localesOf(lang) {
				for _, w := range []struct {
					obj        map[string]any
					field, key string
				}{
					{m, "name_localizations", key + "_slash"},
					{m, "description_localizations", key},
					{opt, "name_localizations", key + "_arg"},
					{opt, "description_localizations", key + "_arg_desc"},
				} {
					if w.obj == nil {
						continue
					}
					got, _ := w.obj[w.field].(map[string]any)
					want := cat.Labels[w.key]
					if lang == fallback.Lang {
						if got[loc] != nil {
							t.Errorf("%s %s[%s] = %v: the fallback's texts are the command's own", key, w.field, loc, got[loc])
						}
						continue
					}
					checked++
					if want == "" || got[loc] != want {
						t.Errorf("%s %s[%s] = %v, want %s's %q", key, w.field, loc, got[loc], lang, want)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Error("no localization checked")
	}
}

// TestSlashCommandAsCommand: a slash command reaches the core as a
// Command, with only the person's words as Text and their Discord locale;
// an unregistered one does not reach the core and is answered.
func TestSlashCommandAsCommand(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	r := newRig(t, f, nil)
	var mu sync.Mutex
	var got []bot.Message
	r.run(t, bot.HandlerFunc(func(_ context.Context, m bot.Message) ([]bot.Reply, error) {
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
		return []bot.Reply{{Text: "ok"}}, nil
	}))
	id := f.slash("4141", "", cmdMeetings, "fr", map[string]string{"group": "  Grief \n Share "})
	f.waitFor("meetings answer", func(cs []call) bool {
		return count(cs, "PATCH", "/webhooks/"+fakeApp+"/itok"+id+"/messages/@original") == 1
	})
	mu.Lock()
	if len(got) != 1 || got[0].Command == nil || *got[0].Command != (bot.Command{Name: bot.CommandTimes, Arg: "Grief Share"}) ||
		got[0].Text != "Grief Share" || got[0].Locale != "fr" {
		t.Errorf("core got %+v (command %+v)", got, got[0].Command)
	}
	mu.Unlock()
	id = f.slash("4141", "", "nope", "en-US", nil)
	cs := f.waitFor("unknown answer", func(cs []call) bool {
		return count(cs, "PATCH", "/webhooks/"+fakeApp+"/itok"+id+"/messages/@original") == 1
	})
	if c := filter(cs, "PATCH", "/webhooks/"+fakeApp+"/itok"+id)[0].str("content"); c != bot.UIFor("en-US").Text("unknown_command") {
		t.Errorf("unknown command answered %q", c)
	}
	mu.Lock()
	if len(got) != 1 {
		t.Errorf("an unknown command reached the core: %+v", got[1:])
	}
	mu.Unlock()
}

// TestInteractionLocale: the note that the conversation moved to a DM
// comes in the person's Discord locale, for every catalog language (French
// as soon as fr.json exists).
func TestInteractionLocale(t *testing.T) {
	t.Parallel()
	cats := readCatalogs(t)
	f := newFake(t)
	r := newRig(t, f, nil)
	r.run(t, bot.HandlerFunc(func(context.Context, bot.Message) ([]bot.Reply, error) {
		return []bot.Reply{{Text: "ok"}}, nil
	}))
	user := 5300
	for lang, c := range cats {
		for _, loc := range localesOf(lang) {
			user++
			id := f.slash(strconv.Itoa(user), "777", cmdFindGroup, loc, nil)
			cs := f.waitFor(loc+" answer", func(cs []call) bool {
				return count(cs, "PATCH", "/webhooks/"+fakeApp+"/itok"+id+"/messages/@original") == 1
			})
			if got := filter(cs, "PATCH", "/webhooks/"+fakeApp+"/itok"+id)[0].str("content"); !strings.Contains(got, c.Text["dm_moved"]) {
				t.Errorf("locale %s: note %q, want %s's %q", loc, got, lang, c.Text["dm_moved"])
			}
		}
	}
}
