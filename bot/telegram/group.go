package telegram

import (
	"github.com/peermatch/peermatch/bot"
)

// groupItems applies the group rule. In a group the bot never discusses
// health in public: only the core's Urgent replies (crisis lines, which
// must not wait for a private chat) are posted, without buttons or files,
// and a message addressed to the bot also gets a short invitation to a
// private chat. Anything else the core answered is dropped. Mentions are
// never echoed: nothing here names the person.
func (a *Adapter) groupItems(in inbound, rs []bot.Reply) []*outItem {
	var keep []bot.Reply
	for _, r := range rs {
		if r.Urgent {
			keep = append(keep, bot.Reply{Text: r.Text, Urgent: true})
		}
	}
	items := a.render(in, keep)
	if in.addressed {
		if link := a.deepLink(); link != "" {
			items = append(items, &outItem{Chat: in.chat, Text: ui(in.msg.Locale, "invite"),
				Inline: [][]button{{{Text: ui(in.msg.Locale, "invite_button"), URL: link}}}})
		}
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
