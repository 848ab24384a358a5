package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/peermatch/peermatch/bot"
)

// Alert implements bot.Alerter: it posts to the moderator chat who may be
// at risk (the platform, the user id with a tg://user link, the level and
// categories, where and when), never what they wrote. It returns nil only
// once Telegram accepted the post, so the core tells the person a human
// was notified only when one was; it retries 429s and 5xx until ctx ends.
func (a *Adapter) Alert(ctx context.Context, al bot.Alert) error {
	if a.cfg.AlertTo == "" {
		return ErrNoAlertChat
	}
	text, ents := alertText(al, a.now())
	cfg := tgbotapi.MessageConfig{Text: text, Entities: ents, DisableWebPagePreview: true}
	if id, err := strconv.ParseInt(a.cfg.AlertTo, 10, 64); err == nil {
		cfg.ChatID = id
	} else {
		cfg.ChannelUsername = a.cfg.AlertTo
	}
	for attempt := 1; ; attempt++ {
		_, err := a.request(ctx, a.cfg.RequestTimeout, "sendMessage", func(api *tgbotapi.BotAPI) error {
			_, err := api.Send(cfg)
			return err
		})
		if err == nil {
			a.log.LogAttrs(ctx, slog.LevelInfo, "moderators alerted", slog.String("user", a.chatKey(parseID(al.UserID))),
				slog.String("level", al.Level.String()))
			return nil
		}
		if errors.Is(err, errNotRunning) || !err.temporary() || ctx.Err() != nil {
			return fmt.Errorf("telegram: alert: %w", err)
		}
		d := err.RetryAfter
		if d <= 0 {
			d = backoff(a.cfg.RetryBackoff, attempt)
		}
		if !sleep(ctx, d) {
			return fmt.Errorf("telegram: alert: %w", err)
		}
	}
}

func parseID(s string) int64 {
	id, _ := strconv.ParseInt(s, 10, 64)
	return id
}

// alertText writes the alert, with a text_link entity (offsets in UTF-16
// units) that opens the person's profile.
func alertText(al bot.Alert, now time.Time) (string, []tgbotapi.MessageEntity) {
	at := al.At
	if at.IsZero() {
		at = now
	}
	cats := strings.Join(al.Categories, ", ")
	if cats == "" {
		cats = "-"
	}
	platform := al.Platform
	if platform == "" {
		platform = Platform
	}
	// Moderators read the fallback language: no one person's locale
	// speaks for the moderator chat.
	ui := bot.UIFor("")
	var b strings.Builder
	line := func(s string) { b.WriteString(s + "\n") }
	line(ui.Text("alert_title"))
	line(ui.Text("alert_level", "level", al.Level.String()))
	line(ui.Text("alert_categories", "list", cats))
	line(ui.Text("alert_platform", "platform", platform))
	b.WriteString(ui.Text("alert_person", "id", al.UserID) + ", tg://user?id=" + al.UserID + " (")
	linkStart := bot.UTF16Len(b.String())
	linkText := ui.Label("alert_profile")
	line(linkText + ")")
	if al.ChatID != "" && al.ChatID != al.UserID {
		line(ui.Text("alert_where_group", "chat", al.ChatID))
	} else {
		line(ui.Text("alert_where_private"))
	}
	if al.Link != "" && !strings.HasPrefix(al.Link, "tg://") {
		line(ui.Text("alert_link", "link", al.Link))
	}
	line(ui.Text("alert_time", "time", at.UTC().Format("2006-01-02 15:04 UTC")))
	b.WriteString(ui.Text("alert_note"))
	ents := []tgbotapi.MessageEntity{{Type: "text_link", Offset: linkStart, Length: bot.UTF16Len(linkText),
		URL: "tg://user?id=" + al.UserID}}
	return b.String(), ents
}
