package telegram

import (
	"context"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// commands are registered with setMyCommands so that Telegram shows them in
// the "/" menu, in English (the default) and Spanish. They are the core's
// commands (bot/intake.go).
var commands = map[string][]tgbotapi.BotCommand{
	"": {
		{Command: "start", Description: "Start, or start again"},
		{Command: "find", Description: "Search for a support group again"},
		{Command: "times", Description: "Meeting times of a group, e.g. /times grief"},
		{Command: "crisis", Description: "Crisis lines, right now"},
		{Command: "help", Description: "What I can do"},
		{Command: "lang", Description: "Change the language: /lang en or /lang es"},
		{Command: "forget", Description: "Erase everything I keep about you"},
		{Command: "stop", Description: "Stop and erase your answers"},
	},
	"es": {
		{Command: "start", Description: "Empezar, o empezar de nuevo"},
		{Command: "find", Description: "Buscar de nuevo un grupo de apoyo"},
		{Command: "times", Description: "Horarios de un grupo, p. ej. /times duelo"},
		{Command: "crisis", Description: "Líneas de crisis, ahora mismo"},
		{Command: "help", Description: "Lo que puedo hacer"},
		{Command: "lang", Description: "Cambiar el idioma: /lang es o /lang en"},
		{Command: "forget", Description: "Borrar todo lo que guardo sobre ti"},
		{Command: "stop", Description: "Parar y borrar tus respuestas"},
	},
}

// setCommands registers the command menu. A failure is logged, not fatal:
// the commands work typed whether or not the menu shows them.
func (a *Adapter) setCommands(ctx context.Context) {
	for _, lang := range []string{"", "es"} {
		_, err := a.request(ctx, a.cfg.RequestTimeout, "setMyCommands", func(api *tgbotapi.BotAPI) error {
			_, err := api.Request(tgbotapi.SetMyCommandsConfig{Commands: commands[lang], LanguageCode: lang})
			return err
		})
		if err != nil {
			a.log.Warn("setMyCommands failed", "lang", lang, "code", err.Code)
		}
	}
}
