package telegram

import (
	"context"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/peermatch/peermatch/bot"
)

// menu is one setMyCommands call: the commands shown to people whose
// Telegram language is code ("" for everyone else).
type menu struct {
	code string
	cmds []tgbotapi.BotCommand
}

// menus builds the "/" menus from the core's command list (bot.CommandMenu)
// in every catalog language; the fallback language goes under "", so that
// a language without a menu of its own still gets one.
func menus() []menu {
	var out []menu
	for i, lang := range bot.Languages() {
		m := menu{code: lang}
		if i == 0 {
			m.code = ""
		}
		for _, c := range bot.CommandMenu(lang) {
			m.cmds = append(m.cmds, tgbotapi.BotCommand{Command: c.Name, Description: c.Description})
		}
		out = append(out, m)
	}
	return out
}

// setCommands registers the command menus. A failure is logged, not fatal:
// the commands work typed whether or not the menu shows them.
func (a *Adapter) setCommands(ctx context.Context) {
	for _, m := range menus() {
		_, err := a.request(ctx, a.cfg.RequestTimeout, "setMyCommands", func(api *tgbotapi.BotAPI) error {
			_, err := api.Request(tgbotapi.SetMyCommandsConfig{Commands: m.cmds, LanguageCode: m.code})
			return err
		})
		if err != nil {
			a.log.Warn("setMyCommands failed", "lang", m.code, "code", err.Code)
		}
	}
}
