package main

import (
	"time"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/bot/discord"
	"github.com/peermatch/peermatch/bot/telegram"
)

var (
	_ frontEnd = (*telegram.Adapter)(nil)
	_ frontEnd = (*discord.Adapter)(nil)
)

// tuneDiscord, when set (by tests), adjusts the Discord adapter's
// configuration: its waits are minutes long, too long for a test.
var tuneDiscord func(*discord.Config)

// newFrontEnds starts an adapter for each platform whose token is set,
// adding it to fronts, and returns the moderator alerter over those with an
// alert target (nil when there is none) and what /forget must also erase.
// Tokens come only from the environment. crisis screens a message before
// it is queued, so that a crisis always passes a full queue.
func newFrontEnds(a *app, getenv func(string) string, idKey []byte, crisis func(string) bool,
	fronts map[string]frontEnd) (bot.Alerter, []bot.Forgetter, error) {
	alerts := alertRouter{}
	var forget []bot.Forgetter
	if tok := getenv("PEERMATCH_TELEGRAM_TOKEN"); tok != "" {
		tg, err := telegram.New(telegram.Config{
			Token:         tok,
			API:           getenv("PEERMATCH_TELEGRAM_API"),
			AlertTo:       getenv("PEERMATCH_TELEGRAM_ALERT_CHAT"),
			StateDir:      a.stateDir,
			Logger:        a.log.With("platform", "telegram"),
			Now:           time.Now,
			IDKey:         idKey,
			WebhookURL:    getenv("PEERMATCH_TELEGRAM_WEBHOOK_URL"),
			WebhookListen: getenv("PEERMATCH_TELEGRAM_WEBHOOK_LISTEN"),
			WebhookSecret: getenv("PEERMATCH_TELEGRAM_WEBHOOK_SECRET"),
		})
		if err != nil {
			return nil, nil, err
		}
		fronts["telegram"] = tg
		forget = append(forget, tg)
		if getenv("PEERMATCH_TELEGRAM_ALERT_CHAT") != "" {
			alerts["telegram"] = tg
		}
	}
	if tok := getenv("PEERMATCH_DISCORD_TOKEN"); tok != "" {
		cfg := discord.Config{
			Token:   tok,
			API:     getenv("PEERMATCH_DISCORD_API"),
			AlertTo: getenv("PEERMATCH_DISCORD_ALERT_CHANNEL"),
			Logger:  a.log.With("platform", "discord"),
			Now:     time.Now,
			IDKey:   idKey,
			Screen:  crisis,
		}
		if tuneDiscord != nil {
			tuneDiscord(&cfg)
		}
		dc, err := discord.New(cfg)
		if err != nil {
			return nil, nil, err
		}
		fronts["discord"] = dc
		forget = append(forget, dc)
		if getenv("PEERMATCH_DISCORD_ALERT_CHANNEL") != "" {
			alerts["discord"] = dc
		}
	}
	if len(alerts) == 0 {
		return nil, forget, nil
	}
	return alerts, forget, nil
}
