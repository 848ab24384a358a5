package bot_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/bot"
)

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		text string
		ok   bool
		want bot.Command
	}{
		{"/times@peermatch_bot grief circle", true, bot.Command{Name: "times", Arg: "grief circle", To: "peermatch_bot"}},
		{"  /HELP  ", true, bot.Command{Name: "help"}},
		{"/find\ngrief", true, bot.Command{Name: "find", Arg: "grief"}},
		{"/buscar duelo", true, bot.Command{Name: "find", Arg: "duelo"}},
		{"/Horarios grupo", true, bot.Command{Name: "times", Arg: "grupo"}},
		{"/idioma en", true, bot.Command{Name: "lang", Arg: "en"}},
		{"/language es", true, bot.Command{Name: "lang", Arg: "es"}},
		{"/nope x", true, bot.Command{Name: "nope", Arg: "x"}},
		{"/", false, bot.Command{}},
		{"/@bot", false, bot.Command{}},
		{"find a group", false, bot.Command{}},
		{"", false, bot.Command{}},
	} {
		got, ok := bot.ParseCommand(tc.text)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseCommand(%q) = %+v, %v; want %+v, %v", tc.text, got, ok, tc.want, tc.ok)
		}
	}
}

// discordName is Discord's rule for command and option names (lowercase
// where the script has case).
var discordName = regexp.MustCompile(`^[-_\p{L}\p{N}]{1,32}$`)

// TestCommandMenu: every catalog language describes every command, and
// the names it gives fit the platforms' rules.
func TestCommandMenu(t *testing.T) {
	langs := bot.Languages()
	if len(langs) < 2 {
		t.Fatalf("languages %v", langs)
	}
	base := bot.CommandMenu(langs[0])
	for _, lang := range langs {
		menu := bot.CommandMenu(lang)
		if len(menu) != len(base) || len(menu) < 5 {
			t.Fatalf("%s: %d commands, fallback has %d", lang, len(menu), len(base))
		}
		slash := map[string]bool{}
		for i, c := range menu {
			if c.Name != base[i].Name {
				t.Errorf("%s: command %d is %q, fallback's is %q", lang, i, c.Name, base[i].Name)
			}
			if c.Description == "" || len(c.Description) > 100 {
				t.Errorf("%s /%s: description %q (1..100 bytes for Discord)", lang, c.Name, c.Description)
			}
			if (c.Slash == "") != (base[i].Slash == "") || (c.ArgName == "") != (base[i].ArgName == "") {
				t.Errorf("%s /%s: offered on Discord differently from the fallback", lang, c.Name)
			}
			for _, n := range []string{c.Slash, c.ArgName} {
				if n != "" && (!discordName.MatchString(n) || strings.ToLower(n) != n) {
					t.Errorf("%s /%s: %q is not a Discord name", lang, c.Name, n)
				}
			}
			if c.ArgName != "" && (c.ArgDescription == "" || len(c.ArgDescription) > 100) {
				t.Errorf("%s /%s: option description %q", lang, c.Name, c.ArgDescription)
			}
			if c.Slash != "" && slash[c.Slash] {
				t.Errorf("%s: slash name %q twice", lang, c.Slash)
			}
			slash[c.Slash] = true
		}
	}
}

func TestSlashCommand(t *testing.T) {
	n := 0
	for _, c := range bot.CommandMenu(bot.Languages()[0]) {
		if c.Slash == "" {
			continue
		}
		n++
		got, ok := bot.SlashCommand(c.Slash, "  grief \n circle ")
		if !ok || got.Name != c.Name || got.Arg != "grief circle" {
			t.Errorf("SlashCommand(%q) = %+v, %v; want %s", c.Slash, got, ok, c.Name)
		}
	}
	if n < 4 {
		t.Errorf("%d slash commands", n)
	}
	if got, ok := bot.SlashCommand("nope", ""); ok {
		t.Errorf("an unknown slash command gave %+v", got)
	}
}

func TestLanguage(t *testing.T) {
	for _, lang := range bot.Languages() {
		for _, loc := range []string{lang, lang + "-" + strings.ToUpper(lang), lang + "_" + strings.ToUpper(lang)} {
			if got := bot.Language(loc); got != lang {
				t.Errorf("Language(%q) = %q, want %q", loc, got, lang)
			}
			if got := bot.UIFor(loc).Lang(); got != lang {
				t.Errorf("UIFor(%q).Lang() = %q", loc, got)
			}
		}
	}
	if got := bot.Language("es-419"); got != "es" {
		t.Errorf("Discord's Latin American Spanish gave %q", got)
	}
	if got := bot.Language("xx-nope"); got != bot.Languages()[0] {
		t.Errorf("an unknown locale gave %q, want the fallback", got)
	}
	if bot.UIFor("").Text("slow_down") == "" || bot.UIFor("").Label("choose") == "" {
		t.Error("front-end texts missing from the fallback catalog")
	}
}

// TestCommandReachesCore: a command delivered as such (a Discord slash
// command: Message.Command, the argument alone in Text) gets the same
// answers as the same command typed, and its argument is screened.
func TestCommandReachesCore(t *testing.T) {
	r := newRig(t, rigOptions{})
	given := func(user string, c bot.Command) string {
		t.Helper()
		rs, err := r.eng.Handle(context.Background(), bot.Message{Platform: "telegram", ChatID: "c-" + user, UserID: user,
			Text: c.Arg, Command: &c, Locale: "en-US", Private: true, Sent: r.clk.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return replyTexts(rs)
	}
	typed := func(user, text string) string {
		t.Helper()
		rs, err := r.send(user, "en-US", text)
		if err != nil {
			t.Fatal(err)
		}
		return replyTexts(rs)
	}
	unknown := typed("u0", "/nope")
	for i, tc := range []struct {
		text string
		cmd  bot.Command
	}{
		{"/help", bot.Command{Name: "help"}},
		{"/find grief", bot.Command{Name: "find", Arg: "grief"}},
		{"/buscar alcohol", bot.Command{Name: "find", Arg: "alcohol"}},
		{"/times grief", bot.Command{Name: "times", Arg: "grief"}},
	} {
		a, b := "ta"+string(rune('0'+i)), "ga"+string(rune('0'+i))
		for _, u := range []string{a, b} {
			typed(u, "hi")
			typed(u, "consent:yes")
		}
		want := typed(a, tc.text)
		if want == unknown || want == "" {
			t.Fatalf("%q: the core did not take it as a command: %q", tc.text, want)
		}
		if got := given(b, tc.cmd); got != want {
			t.Errorf("%+v given: %q\ntyped %q: %q", tc.cmd, got, tc.text, want)
		}
	}
	rs, err := r.eng.Handle(context.Background(), bot.Message{Platform: "discord", ChatID: "c-x", UserID: "x",
		Text: "I want to kill myself", Command: &bot.Command{Name: "find", Arg: "I want to kill myself"}, Private: true, Sent: r.clk.Now()})
	if err != nil || len(rs) == 0 || !rs[0].Urgent {
		t.Errorf("a crisis in a slash command's argument: %+v (%v)", rs, err)
	}
}

// BenchmarkParseCommand: every message passes through the parser, and a
// synonym ("/buscar") is looked up in every catalog.
func BenchmarkParseCommand(b *testing.B) {
	for _, text := range []string{"I need a group", "/find grief", "/buscar duelo"} {
		b.Run(strings.Fields(text)[0], func(b *testing.B) {
			for b.Loop() {
				if _, ok := bot.ParseCommand(text); ok != strings.HasPrefix(text, "/") {
					b.Fatal(text)
				}
			}
		})
	}
}
