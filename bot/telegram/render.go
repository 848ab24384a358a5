package telegram

import (
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/data"
)

// Telegram's limits on what we send (Bot API sendMessage/sendDocument and
// InlineKeyboardButton; tgbotapi v5.5.1 types.go documents the same).
const (
	maxText         = 4096 // UTF-16 code units after entity parsing
	maxCaption      = 1024
	maxCallbackData = 64 // bytes
	maxButtons      = 24 // no documented maximum; keep keyboards small
)

// LocationChoiceID is a Choice ID that a core may use to ask for a place:
// it is rendered as Telegram's "share my location" button instead of an
// inline button. The core marks its "where?" question with
// Reply.AskLocation, which gets the same button.
const LocationChoiceID = "location"

// deepLinkPayload is the ?start= payload of the invitation to a private
// chat; "/start grp" arrives and is handed to the core as plain "/start".
const deepLinkPayload = "grp"

// button is one rendered button: a callback (Data), a link (URL) or, in a
// reply keyboard, a location request (Location).
type button struct {
	Text     string `json:"t"`
	Data     string `json:"d,omitempty"`
	URL      string `json:"u,omitempty"`
	Location bool   `json:"l,omitempty"`
}

type document struct {
	Name string `json:"n"`
	MIME string `json:"m,omitempty"`
	Data []byte `json:"b"`
}

// outItem is one Bot API send, rendered and ready: what the outbox keeps
// until Telegram accepted it.
type outItem struct {
	Seq      uint64     `json:"-"`
	Chat     int64      `json:"c"`
	Text     string     `json:"t,omitempty"`
	Urgent   bool       `json:"u,omitempty"`
	ReplyTo  int        `json:"r,omitempty"`
	Inline   [][]button `json:"k,omitempty"`
	Keyboard [][]button `json:"kb,omitempty"`
	Remove   bool       `json:"rm,omitempty"`
	Doc      *document  `json:"doc,omitempty"`
	Queued   int64      `json:"q,omitempty"` // unix seconds it was first queued (its age decides when to give up)

	volatile bool        // not in the outbox (the commit failed): nothing to delete
	done     atomic.Bool // delivered or given up (an early crisis reply need not be committed)
}

// inbound is one update translated: the core's Message plus what the
// adapter needs to answer it.
type inbound struct {
	msg        bot.Message
	chat       int64
	user       int64
	messageID  int
	callbackID string
	group      bool // a group or supergroup, where health is never discussed
	addressed  bool // a command for us, a mention, a reply to us, a button tap
}

// translate turns an update into an inbound message; ok is false for
// updates the bot ignores (channel posts, joins, other bots). An edited
// message is passed on marked Edited, so the crisis screen reads what was
// added by editing.
func (a *Adapter) translate(u *tgbotapi.Update, now time.Time) (in inbound, ok bool) {
	switch {
	case u.Message != nil:
		return a.translateMessage(u.Message)
	case u.EditedMessage != nil:
		in, ok = a.translateMessage(u.EditedMessage)
		in.msg.Edited = true
		return in, ok
	case u.CallbackQuery != nil:
		cq := u.CallbackQuery
		if cq.From == nil || cq.From.IsBot || cq.Data == "" {
			return in, false
		}
		in.user, in.chat = cq.From.ID, cq.From.ID
		in.callbackID = cq.ID
		in.addressed = true
		private := true
		if cq.Message != nil && cq.Message.Chat != nil {
			in.chat = cq.Message.Chat.ID
			private = cq.Message.Chat.Type == "private"
			in.group = !private
		}
		in.msg = bot.Message{Platform: Platform, ChatID: strconv.FormatInt(in.chat, 10), UserID: strconv.FormatInt(in.user, 10),
			Text: cq.Data, Locale: cq.From.LanguageCode, Private: private, Sent: now}
		if private {
			in.msg.Link = userLink(in.user)
		}
		return in, true
	}
	return in, false
}

func (a *Adapter) translateMessage(m *tgbotapi.Message) (in inbound, ok bool) {
	if m.From == nil || m.Chat == nil || m.From.IsBot {
		return in, false
	}
	private := m.Chat.Type == "private"
	if !private && m.Chat.Type != "group" && m.Chat.Type != "supergroup" {
		return in, false // channels
	}
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	var loc *data.Point
	if m.Location != nil {
		loc = &data.Point{Lat: m.Location.Latitude, Lon: m.Location.Longitude}
	}
	if strings.TrimSpace(text) == "" && loc == nil {
		return in, false // stickers, photos without words, service messages
	}
	in.chat, in.user, in.messageID, in.group = m.Chat.ID, m.From.ID, m.MessageID, !private
	me := a.username()
	// The core's one parser reads the command here too, so the adapter and
	// the core agree on what is one and whom it is for.
	cmd, isCmd := bot.ParseCommand(text)
	switch {
	case private:
		in.addressed = true
		if isCmd && cmd.Name == "start" && cmd.Arg == deepLinkPayload {
			text = "/start"
		}
	default:
		forOther := cmd.To != "" && !strings.EqualFold(cmd.To, me)
		in.addressed = (isCmd && !forOther) ||
			(me != "" && containsFold(text, "@"+me)) ||
			(m.ReplyToMessage != nil && m.ReplyToMessage.From != nil && m.ReplyToMessage.From.ID == a.selfID())
		if me != "" {
			text = strings.TrimSpace(replaceFold(text, "@"+me, ""))
		}
	}
	in.msg = bot.Message{Platform: Platform, ChatID: strconv.FormatInt(in.chat, 10), UserID: strconv.FormatInt(in.user, 10),
		Text: text, Location: loc, Locale: m.From.LanguageCode, Private: private, Sent: time.Unix(int64(m.Date), 0).UTC()}
	switch {
	case private:
		in.msg.Link = userLink(in.user)
	case m.Chat.UserName != "":
		in.msg.Link = "https://t.me/" + m.Chat.UserName + "/" + strconv.Itoa(m.MessageID)
	case m.Chat.Type == "supergroup" && strings.HasPrefix(strconv.FormatInt(m.Chat.ID, 10), "-100"):
		in.msg.Link = "https://t.me/c/" + strings.TrimPrefix(strconv.FormatInt(m.Chat.ID, 10), "-100") + "/" + strconv.Itoa(m.MessageID)
	}
	return in, true
}

func userLink(id int64) string { return "tg://user?id=" + strconv.FormatInt(id, 10) }

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// replaceFold removes every case-insensitive occurrence of old (ASCII,
// as bot usernames are).
func replaceFold(s, old, repl string) string {
	low, lowOld := strings.ToLower(s), strings.ToLower(old)
	if len(low) != len(s) {
		return s // lowering changed byte lengths; leave the text alone
	}
	var b strings.Builder
	for {
		i := strings.Index(low, lowOld)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s, low = s[i+len(old):], low[i+len(old):]
	}
}

// asksLocation reports whether a reply asks where the person is, so that
// the "share my location" button belongs under it.
func asksLocation(r bot.Reply) bool {
	if r.AskLocation {
		return true
	}
	for _, c := range r.Choices {
		if c.ID == LocationChoiceID {
			return true
		}
	}
	return false
}

// render turns the core's replies into Bot API sends, urgent ones first.
// Long texts are split at paragraph or line ends; the buttons go under the
// last part.
func (a *Adapter) render(in inbound, rs []bot.Reply) []*outItem {
	var urgent, rest []*outItem
	for _, r := range rs {
		items := a.renderOne(in, r)
		if r.Urgent {
			urgent = append(urgent, items...)
		} else {
			rest = append(rest, items...)
		}
	}
	return append(urgent, rest...)
}

func (a *Adapter) renderOne(in inbound, r bot.Reply) []*outItem {
	var items []*outItem
	parts := bot.SplitText(r.Text, maxText)
	var doc *document
	if r.Attach != nil {
		doc = &document{Name: r.Attach.Name, MIME: r.Attach.MIMEType, Data: r.Attach.Data}
	}
	if doc != nil && len(parts) <= 1 && bot.UTF16Len(r.Text) <= maxCaption {
		// The text fits as the file's caption: one message.
		items = append(items, &outItem{Chat: in.chat, Text: r.Text, Urgent: r.Urgent, Doc: doc})
	} else {
		for _, p := range parts {
			items = append(items, &outItem{Chat: in.chat, Text: p, Urgent: r.Urgent})
		}
		if doc != nil {
			items = append(items, &outItem{Chat: in.chat, Urgent: r.Urgent, Doc: doc})
		}
	}
	if len(items) == 0 {
		if len(r.Choices) == 0 {
			return nil
		}
		// Buttons need a message to hang from.
		items = append(items, &outItem{Chat: in.chat, Text: "…", Urgent: r.Urgent})
	}
	last := items[len(items)-1]
	if !in.group && asksLocation(r) {
		row := []button{{Text: bot.UIFor(in.msg.Locale).Label("share_location"), Location: true}}
		last.Keyboard = [][]button{row}
		for _, c := range r.Choices {
			if c.ID != LocationChoiceID {
				// A reply-keyboard button sends its label as text, which
				// the core matches to the choice like typed words.
				last.Keyboard = append(last.Keyboard, []button{{Text: c.Label}})
			}
		}
		a.kbShown.Store(in.chat, true)
		return items
	}
	last.Inline = a.inlineKeyboard(r.Choices)
	if last.Inline == nil {
		if _, shown := a.kbShown.LoadAndDelete(in.chat); shown {
			// The location keyboard was shown; the answer came, hide it.
			last.Remove = true
		}
	}
	return items
}

// inlineKeyboard lays out choices: two a row when every label is short,
// else one a row. A choice whose ID does not fit callback_data is left out
// (Telegram would reject the whole message).
func (a *Adapter) inlineKeyboard(cs []bot.Choice) [][]button {
	var bs []button
	short := true
	for _, c := range cs {
		if c.ID == LocationChoiceID {
			continue
		}
		if len(c.ID) == 0 || len(c.ID) > maxCallbackData || !utf8.ValidString(c.ID) || c.Label == "" {
			a.log.Warn("choice left out: id does not fit callback_data", "id_bytes", len(c.ID))
			continue
		}
		if len(bs) == maxButtons {
			break
		}
		bs = append(bs, button{Text: c.Label, Data: c.ID})
		if utf8.RuneCountInString(c.Label) > 18 {
			short = false
		}
	}
	if len(bs) == 0 {
		return nil
	}
	per := 1
	if short {
		per = 2
	}
	var rows [][]button
	for i := 0; i < len(bs); i += per {
		rows = append(rows, bs[i:min(i+per, len(bs))])
	}
	return rows
}

// markup builds the library's reply_markup for an item.
func (it *outItem) markup() any {
	switch {
	case len(it.Inline) > 0:
		rows := make([][]tgbotapi.InlineKeyboardButton, 0, len(it.Inline))
		for _, r := range it.Inline {
			row := make([]tgbotapi.InlineKeyboardButton, 0, len(r))
			for _, b := range r {
				btn := tgbotapi.InlineKeyboardButton{Text: b.Text}
				if b.URL != "" {
					btn.URL = &b.URL
				} else {
					btn.CallbackData = &b.Data
				}
				row = append(row, btn)
			}
			rows = append(rows, row)
		}
		return tgbotapi.InlineKeyboardMarkup{InlineKeyboard: rows}
	case len(it.Keyboard) > 0:
		rows := make([][]tgbotapi.KeyboardButton, 0, len(it.Keyboard))
		for _, r := range it.Keyboard {
			row := make([]tgbotapi.KeyboardButton, 0, len(r))
			for _, b := range r {
				row = append(row, tgbotapi.KeyboardButton{Text: b.Text, RequestLocation: b.Location})
			}
			rows = append(rows, row)
		}
		return tgbotapi.ReplyKeyboardMarkup{Keyboard: rows, ResizeKeyboard: true, OneTimeKeyboard: true}
	case it.Remove:
		return tgbotapi.ReplyKeyboardRemove{RemoveKeyboard: true}
	}
	return nil
}

// chattable builds the library request for an item. Text is always sent
// without parse_mode: the core's text is plain and may quote directory
// data or words that a Markdown or HTML parser would misread.
func (it *outItem) chattable(chat int64) tgbotapi.Chattable {
	base := tgbotapi.BaseChat{ChatID: chat, ReplyMarkup: it.markup(), ReplyToMessageID: it.ReplyTo,
		AllowSendingWithoutReply: it.ReplyTo != 0}
	if it.Doc != nil {
		return tgbotapi.DocumentConfig{BaseFile: tgbotapi.BaseFile{BaseChat: base,
			File: tgbotapi.FileBytes{Name: it.Doc.Name, Bytes: it.Doc.Data}}, Caption: it.Text}
	}
	return tgbotapi.MessageConfig{BaseChat: base, Text: it.Text, DisableWebPagePreview: true}
}

func (it *outItem) method() string {
	if it.Doc != nil {
		return "sendDocument"
	}
	return "sendMessage"
}
