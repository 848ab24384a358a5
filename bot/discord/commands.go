package discord

import (
	"github.com/bwmarrin/discordgo"
	"github.com/peermatch/peermatch/bot"
)

// commandLocales maps each Discord locale whose language the catalogs
// speak, other than the fallback (the commands' own names are in that),
// to its catalog language, through the core's language decision: es-ES and
// es-419 to "es", fr to "fr". A bare "es" is not a Discord locale and would
// make the whole registration fail with HTTP 400, so only Discord's own
// locale list is used.
func commandLocales() map[discordgo.Locale]string {
	langs := bot.Languages()
	if len(langs) == 0 {
		return nil
	}
	out := map[discordgo.Locale]string{}
	for loc := range discordgo.Locales {
		if lang := bot.Language(string(loc)); lang != langs[0] {
			out[loc] = lang
		}
	}
	return out
}

// commands returns the slash commands the adapter registers: the core's
// command list (bot.CommandMenu) with the fallback language's names and
// descriptions, localized for every other catalog language. They work in
// servers and in direct messages with the bot.
func commands() []*discordgo.ApplicationCommand {
	langs := bot.Languages()
	if len(langs) == 0 {
		return nil
	}
	contexts := &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
	install := &[]discordgo.ApplicationIntegrationType{discordgo.ApplicationIntegrationGuildInstall}
	base := bot.CommandMenu(langs[0])
	menus := map[string][]bot.CommandInfo{}
	locs := commandLocales()
	for _, lang := range locs {
		menus[lang] = bot.CommandMenu(lang)
	}
	localized := func(field func(bot.CommandInfo) string, i int) map[discordgo.Locale]string {
		m := make(map[discordgo.Locale]string, len(locs))
		for loc, lang := range locs {
			m[loc] = field(menus[lang][i])
		}
		return m
	}
	var out []*discordgo.ApplicationCommand
	for i, c := range base {
		if c.Slash == "" {
			continue // typed only (Telegram, console)
		}
		names := localized(func(c bot.CommandInfo) string { return c.Slash }, i)
		descs := localized(func(c bot.CommandInfo) string { return c.Description }, i)
		cmd := &discordgo.ApplicationCommand{
			Type: discordgo.ChatApplicationCommand, Name: c.Slash, NameLocalizations: &names,
			Description: c.Description, DescriptionLocalizations: &descs,
			Contexts: contexts, IntegrationTypes: install, Options: []*discordgo.ApplicationCommandOption{},
		}
		if c.ArgName != "" {
			cmd.Options = append(cmd.Options, &discordgo.ApplicationCommandOption{
				Type: discordgo.ApplicationCommandOptionString, Name: c.ArgName,
				NameLocalizations:        localized(func(c bot.CommandInfo) string { return c.ArgName }, i),
				Description:              c.ArgDescription,
				DescriptionLocalizations: localized(func(c bot.CommandInfo) string { return c.ArgDescription }, i),
				MaxLength:                200,
			})
		}
		out = append(out, cmd)
	}
	return out
}

// slashCommand turns an application command into the core's command: the
// name Discord sends (always the registered one, whatever the person's
// language) and the text of its option. ok is false for a command the
// core does not know.
func slashCommand(d discordgo.ApplicationCommandInteractionData) (bot.Command, bool) {
	arg := ""
	for _, o := range d.Options {
		if o.Type == discordgo.ApplicationCommandOptionString {
			if s, ok := o.Value.(string); ok {
				arg = s
			}
		}
	}
	return bot.SlashCommand(d.Name, arg)
}
