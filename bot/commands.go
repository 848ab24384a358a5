package bot

// The command list, once. Front ends build their menus from it (Telegram's
// setMyCommands per language_code, Discord's application commands with
// their localizations), and every command reaches the core through one
// parser: typed "/find grief" is read by ParseCommand, a Discord slash
// command by SlashCommand, and the intake dispatches on the result. The
// names and descriptions people see come from the catalogs
// (messages/*.json: labels "cmd_<name>", "cmd_<name>_slash",
// "cmd_<name>_arg", "cmd_<name>_arg_desc"; typed synonyms in words
// "cmd_<name>"), so adding a language touches no Go.

import (
	"strings"
	"unicode"
)

// Command is a command the person gave, typed or picked from a menu.
type Command struct {
	// Name is the core's name for it ("find", "times"...), whatever
	// synonym or language it was given in. A typed command the core does
	// not know keeps its own name, lowercased, so the core can say so.
	Name string
	Arg  string // what followed the name, trimmed
	// To is the bot a typed command was addressed to ("/start@peermatch_bot"
	// gives "peermatch_bot"); empty when none was named.
	To string
}

// The core's command names, for front ends that treat one specially
// (Discord answers /crisis first and moves /find to a direct message).
const (
	CommandStart  = "start"
	CommandFind   = "find"
	CommandTimes  = "times"
	CommandCrisis = "crisis"
	CommandHelp   = "help"
	CommandLang   = "lang"
	CommandForget = "forget"
	CommandStop   = "stop"
)

// commandSpec is one of the core's commands. The names are protocol
// identifiers (Telegram command names are [a-z0-9_] and cannot be
// localized); what people read about them is in the catalogs.
type commandSpec struct {
	name  string
	slash bool // offered as a Discord application command
	arg   bool // takes a free-text argument (a Discord string option)
}

// commandSpecs are the core's commands, in menu order.
var commandSpecs = []commandSpec{
	{name: CommandStart},
	{name: CommandFind, slash: true, arg: true},
	{name: CommandTimes, slash: true, arg: true},
	{name: CommandCrisis, slash: true},
	{name: CommandHelp, slash: true},
	{name: CommandLang},
	{name: CommandForget, slash: true},
	{name: CommandStop},
}

// CommandInfo is one command as a menu shows it in one language.
type CommandInfo struct {
	Name        string // the core's name; typed as "/" + Name
	Description string
	// Slash is the Discord application command name in this language; ""
	// when the command is not offered on Discord.
	Slash string
	// ArgName and ArgDescription name the command's free-text option on
	// Discord; "" when it takes none there.
	ArgName, ArgDescription string
}

// CommandMenu returns the commands with their texts in lang (a catalog
// language; others get the fallback's texts).
func CommandMenu(lang string) []CommandInfo {
	cs, err := builtin()
	if err != nil {
		return nil
	}
	c, ok := cs.byLang[lang]
	if !ok {
		c = cs.byLang[cs.def]
	}
	out := make([]CommandInfo, 0, len(commandSpecs))
	for _, s := range commandSpecs {
		ci := CommandInfo{Name: s.name, Description: c.label("cmd_" + s.name)}
		if s.slash {
			ci.Slash = c.label("cmd_" + s.name + "_slash")
			if s.arg {
				ci.ArgName, ci.ArgDescription = c.label("cmd_"+s.name+"_arg"), c.label("cmd_"+s.name+"_arg_desc")
			}
		}
		out = append(out, ci)
	}
	return out
}

// ParseCommand reads typed text as a command: "/times@peermatch_bot grief
// circle" is {times, "grief circle", peermatch_bot}, and "/buscar duelo"
// is {find, "duelo"} in any conversation language. Text that does not
// start with "/" and a name is not a command.
func ParseCommand(text string) (Command, bool) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") {
		return Command{}, false
	}
	head, arg := text[1:], ""
	if i := strings.IndexFunc(head, unicode.IsSpace); i >= 0 {
		head, arg = head[:i], strings.TrimSpace(head[i:])
	}
	name, to, _ := strings.Cut(head, "@")
	if name == "" {
		return Command{}, false
	}
	return Command{Name: commandName(strings.ToLower(name)), Arg: arg, To: to}, true
}

// commandName maps a typed name or any catalog's synonym for it to the
// core's name; an unknown name is returned as it is.
func commandName(name string) string {
	for _, s := range commandSpecs {
		if s.name == name {
			return name
		}
	}
	cs, err := builtin()
	if err != nil {
		return name
	}
	n := normalize(name)
	for _, lang := range Languages() {
		c := cs.byLang[lang]
		for _, s := range commandSpecs {
			if c.is("cmd_"+s.name, n) {
				return s.name
			}
		}
	}
	return name
}

// SlashCommand turns a Discord application command (its registered name,
// which Discord sends whatever the person's language, and its option's
// text) into the core's command. ok is false for a name the core never
// registered.
func SlashCommand(slash, arg string) (Command, bool) {
	for _, ci := range CommandMenu("") {
		if ci.Slash != "" && ci.Slash == slash {
			return Command{Name: ci.Name, Arg: strings.Join(strings.Fields(arg), " ")}, true
		}
	}
	return Command{}, false
}

// UI is one language's words for what a front end writes itself: button
// labels, "slow down", notes about where the answer went.
type UI struct{ c *catalog }

// UIFor returns the front-end words for a platform locale.
func UIFor(locale string) UI {
	cs, err := builtin()
	if err != nil {
		return UI{}
	}
	return UI{c: cs.byLang[Language(locale)]}
}

// Lang is the UI's catalog language ("" when the catalogs failed to load).
func (u UI) Lang() string {
	if u.c == nil {
		return ""
	}
	return u.c.Lang
}

// Text returns the catalog text for key, {name} placeholders filled from
// kv pairs.
func (u UI) Text(key string, kv ...string) string {
	if u.c == nil {
		return ""
	}
	return u.c.t(key, kv...)
}

// Label returns the catalog's button label for key.
func (u UI) Label(key string) string {
	if u.c == nil {
		return ""
	}
	return u.c.label(key)
}
