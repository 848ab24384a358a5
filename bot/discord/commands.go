package discord

import (
	"strings"

	"github.com/bwmarrin/discordgo"
)

// Slash command names, and the core command each one stands for.
const (
	cmdFindGroup = "findgroup"
	cmdMeetings  = "meetings"
	cmdCrisis    = "crisis"
	cmdForget    = "forget"
	cmdHelp      = "help"
)

// spanish gives a Spanish text for both of Discord's Spanish locales; a bare
// "es" key makes the whole registration fail with HTTP 400.
func spanish(s string) *map[discordgo.Locale]string {
	return &map[discordgo.Locale]string{discordgo.SpanishES: s, discordgo.SpanishLATAM: s}
}

// commands returns the slash commands the adapter registers, with English
// and Spanish names and descriptions. They work in servers and in direct
// messages with the bot.
func commands() []*discordgo.ApplicationCommand {
	contexts := &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
	install := &[]discordgo.ApplicationIntegrationType{discordgo.ApplicationIntegrationGuildInstall}
	cmd := func(name, esName, desc, esDesc string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommand {
		if opts == nil {
			opts = []*discordgo.ApplicationCommandOption{}
		}
		return &discordgo.ApplicationCommand{
			Type: discordgo.ChatApplicationCommand, Name: name, NameLocalizations: spanish(esName),
			Description: desc, DescriptionLocalizations: spanish(esDesc),
			Contexts: contexts, IntegrationTypes: install, Options: opts,
		}
	}
	opt := func(name, esName, desc, esDesc string) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{
			Type: discordgo.ApplicationCommandOptionString, Name: name, NameLocalizations: *spanish(esName),
			Description: desc, DescriptionLocalizations: *spanish(esDesc), MaxLength: 200,
		}
	}
	return []*discordgo.ApplicationCommand{
		cmd(cmdFindGroup, "buscargrupo",
			"Find a peer support group (we continue privately in a direct message)",
			"Busca un grupo de apoyo mutuo (seguimos en privado por mensaje directo)",
			opt("about", "tema", "What you are looking for, e.g. grief, online", "Qué buscas, p. ej. duelo, en línea")),
		cmd(cmdMeetings, "reuniones",
			"When a group meets next",
			"Cuándo se reúne un grupo",
			opt("group", "grupo", "The group's name", "El nombre del grupo")),
		cmd(cmdCrisis, "crisis",
			"Crisis lines to call or text right now",
			"Líneas de crisis a las que llamar o escribir ahora"),
		cmd(cmdForget, "olvidar",
			"Erase everything this bot keeps about you",
			"Borra todo lo que este bot guarda sobre ti"),
		cmd(cmdHelp, "ayuda",
			"What this bot does and how to use it",
			"Qué hace este bot y cómo usarlo"),
	}
}

// commandText turns a slash command into the text the core understands:
// /findgroup about:grief -> "/find grief", /meetings -> "/times". Unknown
// commands give "".
func commandText(d discordgo.ApplicationCommandInteractionData) string {
	arg := ""
	for _, o := range d.Options {
		if o.Type == discordgo.ApplicationCommandOptionString {
			if s, ok := o.Value.(string); ok {
				arg = strings.Join(strings.Fields(s), " ")
			}
		}
	}
	with := func(cmd string) string {
		if arg == "" {
			return cmd
		}
		return cmd + " " + arg
	}
	switch d.Name {
	case cmdFindGroup:
		return with("/find")
	case cmdMeetings:
		return with("/times")
	case cmdCrisis:
		return "/crisis"
	case cmdForget:
		return "/forget"
	case cmdHelp:
		return "/help"
	}
	return ""
}
