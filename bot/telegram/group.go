package telegram

import (
	"github.com/peermatch/peermatch/bot"
)

// groupItems applies the group rule. In a group the bot never discusses
// health in public. The core already keeps group answers short
// (Message.Private=false: crisis replies, /crisis, /help, /forget and an
// invitation, nothing stored); the adapter adds what only it can:
//   - the core's Urgent replies (crisis lines) are always posted, at once;
//   - anything else is posted only when the message was addressed to the
//     bot (a command for it, a mention, a reply to it), so that a bot that
//     reads all group messages does not answer every one;
//   - buttons and files are never posted in a group, and the last answer
//     carries a button that opens a private chat (a t.me deep link); if
//     the core said nothing else, the adapter's own invitation does.
//
// Mentions are never echoed: nothing here names the person.
func (a *Adapter) groupItems(in inbound, rs []bot.Reply) []*outItem {
	var urgent, rest []bot.Reply
	for _, r := range rs {
		r = bot.Reply{Text: r.Text, Urgent: r.Urgent}
		switch {
		case r.Urgent:
			urgent = append(urgent, r)
		case in.addressed && r.Text != "":
			rest = append(rest, r)
		}
	}
	items := a.render(in, urgent)
	if in.addressed {
		ui := bot.UIFor(in.msg.Locale)
		if len(rest) == 0 {
			rest = []bot.Reply{{Text: ui.Text("group_invite")}}
		}
		more := a.render(in, rest)
		if link := a.deepLink(); link != "" && len(more) > 0 {
			more[len(more)-1].Inline = [][]button{{{Text: ui.Label("open_private_chat"), URL: link}}}
		}
		items = append(items, more...)
	}
	for _, it := range items {
		it.ReplyTo = in.messageID
	}
	return items
}

// deepLink opens a private chat with the bot; Telegram then sends
// "/start grp", which the adapter hands to the core as "/start".
func (a *Adapter) deepLink() string {
	u := a.username()
	if u == "" {
		return ""
	}
	return "https://t.me/" + u + "?start=" + deepLinkPayload
}
