package discord

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/peermatch/peermatch/bot"
)

// Discord's limits (reference F.2).
const (
	maxContent    = 2000 // message content; counted in UTF-16 units, which never undercounts
	maxRows       = 5    // action rows per message
	maxButtons    = 5    // buttons per row
	maxOptions    = 25   // options per select menu
	maxLabel      = 80   // button label
	maxOptLabel   = 100  // select option label
	maxCustomID   = 100  // custom_id
	menuIDPrefix  = "m"  // select menus: "m0".."m4"; buttons: "<index>:<choice id>"
	buttonIDSplit = ":"
)

// outMsg is one Discord message to send: a chunk of a reply's text, with
// the reply's buttons and file on its last chunk.
type outMsg struct {
	text   string
	comps  []discordgo.MessageComponent
	file   *bot.Attachment
	urgent bool
}

// noMentions is sent on every message: nothing the bot writes, including
// directory text or anything quoted, can ping @everyone, a role or a user.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// render turns replies into messages: urgent replies first (the core
// already orders them so; this keeps the promise if it ever does not),
// long texts split on paragraph boundaries. locale picks the language of
// the adapter's own words (a select menu's placeholder).
func render(replies []bot.Reply, locale string) []outMsg {
	rs := slices.Clone(replies)
	slices.SortStableFunc(rs, func(a, b bot.Reply) int {
		switch {
		case a.Urgent && !b.Urgent:
			return -1
		case b.Urgent && !a.Urgent:
			return 1
		}
		return 0
	})
	var out []outMsg
	for _, r := range rs {
		chunks := bot.SplitText(r.Text, maxContent)
		comps := components(r.Choices, locale)
		if len(chunks) == 0 {
			if len(comps) == 0 && r.Attach == nil {
				continue
			}
			chunks = []string{""}
		}
		for i, c := range chunks {
			m := outMsg{text: c, urgent: r.Urgent}
			if i == len(chunks)-1 {
				m.comps, m.file = comps, r.Attach
			}
			out = append(out, m)
		}
	}
	return out
}

// truncate shortens s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// components lays choices out as buttons (5 per row, 5 rows) or, past 25,
// as select menus of 25 options each. Choices whose ID cannot fit a
// custom_id are left out rather than failing the whole message.
func components(choices []bot.Choice, locale string) []discordgo.MessageComponent {
	var cs []bot.Choice
	seen := map[string]bool{}
	for _, c := range choices {
		if c.ID == "" || len(c.ID) > maxCustomID-4 || seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		cs = append(cs, c)
	}
	if len(cs) == 0 {
		return nil
	}
	var rows []discordgo.MessageComponent
	if len(cs) <= maxRows*maxButtons {
		for i := 0; i < len(cs); i += maxButtons {
			var row discordgo.ActionsRow
			for j := i; j < min(i+maxButtons, len(cs)); j++ {
				label := truncate(strings.TrimSpace(cs[j].Label), maxLabel)
				if label == "" {
					label = strconv.Itoa(j + 1)
				}
				row.Components = append(row.Components, discordgo.Button{
					Label: label, Style: discordgo.SecondaryButton, CustomID: strconv.Itoa(j) + buttonIDSplit + cs[j].ID,
				})
			}
			rows = append(rows, row)
		}
		return rows
	}
	for m := 0; m*maxOptions < len(cs) && m < maxRows; m++ {
		var opts []discordgo.SelectMenuOption
		for _, c := range cs[m*maxOptions : min((m+1)*maxOptions, len(cs))] {
			label := truncate(strings.TrimSpace(c.Label), maxOptLabel)
			if label == "" {
				label = truncate(c.ID, maxOptLabel)
			}
			opts = append(opts, discordgo.SelectMenuOption{Label: label, Value: c.ID})
		}
		rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.SelectMenu{
			MenuType: discordgo.StringSelectMenu, CustomID: menuIDPrefix + strconv.Itoa(m),
			Placeholder: bot.UIFor(locale).Label("choose"), Options: opts,
		}}})
	}
	return rows
}

// choiceID reads the core's choice ID back from a clicked component.
func choiceID(d discordgo.MessageComponentInteractionData) string {
	if d.ComponentType == discordgo.SelectMenuComponent {
		if len(d.Values) == 1 {
			return d.Values[0]
		}
		return ""
	}
	_, id, ok := strings.Cut(d.CustomID, buttonIDSplit)
	if !ok {
		return ""
	}
	return id
}

// file turns an attachment into a discordgo file.
func file(a *bot.Attachment) *discordgo.File {
	ct := a.MIMEType
	if ct == "" {
		ct = "application/octet-stream"
	}
	return &discordgo.File{Name: a.Name, ContentType: ct, Reader: bytes.NewReader(a.Data)}
}
