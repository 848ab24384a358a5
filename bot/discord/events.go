package discord

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/peermatch/peermatch/bot"
)

// ackTimeout keeps the interaction acknowledgement inside Discord's 3 s.
const ackTimeout = 2500 * time.Millisecond

// job is one inbound event for the core.
type job struct {
	msg     bot.Message
	ix      *discordgo.Interaction // nil for a DM text message
	cmd     *bot.Command           // the core command a slash command stands for
	guild   bool                   // the interaction came from a server
	unknown bool                   // a command or component this adapter does not know
	acked   chan struct{}          // closed when the acknowledgement is done
	ackErr  error                  // set before acked is closed
	at      time.Time              // when it was queued; replies' deadlines count from here
}

// cmdName is the core command's name, "" when the job is not a command.
func (j *job) cmdName() string {
	if j.cmd == nil {
		return ""
	}
	return j.cmd.Name
}

// queue holds one person's pending jobs: ordinary ones in order, and those
// that may show a crisis in order of their own; a worker drains each.
type queue struct {
	jobs, urgent           []*job
	runOrdinary, runUrgent bool // a worker is draining jobs / urgent
	warned                 bool // told to slow down since the queue last emptied
}

// fresh reports whether an event id was not seen recently (a resumed
// gateway may deliver an event twice).
func (a *Adapter) fresh(id string) bool {
	if _, ok := a.seen[id]; ok {
		return false
	}
	if old := a.seenRing[a.seenAt]; old != "" {
		delete(a.seen, old)
	}
	a.seenRing[a.seenAt] = id
	a.seenAt = (a.seenAt + 1) % len(a.seenRing)
	a.seen[id] = struct{}{}
	return true
}

// remember caches small per-user facts, bounded so a flood of users cannot
// grow them without limit.
func remember(m map[string]string, k, v string) {
	if len(m) >= 50000 {
		clear(m)
	}
	m[k] = v
}

func (a *Adapter) onMessage(_ *discordgo.Session, m *discordgo.MessageCreate) { a.dm(m.Message, false) }

// onMessageUpdate passes an edited DM on marked Edited, so that crisis words
// added by editing are screened (the core does not replay the intake).
func (a *Adapter) onMessageUpdate(_ *discordgo.Session, m *discordgo.MessageUpdate) {
	if m.Message != nil && m.EditedTimestamp != nil {
		a.dm(m.Message, true)
	}
}

// dm queues a direct message (or an edit of one) for the core.
func (a *Adapter) dm(m *discordgo.Message, edited bool) {
	if m == nil || m.Author == nil || m.Author.Bot || m.Author.ID == loadString(&a.botID) {
		return // the bot's own messages come back too
	}
	if m.GuildID != "" || (m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply) {
		return // server messages are never read
	}
	text := strings.TrimSpace(m.Content)
	if text == "" {
		return
	}
	sent := m.Timestamp
	if sent.IsZero() {
		sent = a.now()
	}
	id := m.ID
	if edited {
		id = "edit:" + m.ID + ":" + m.EditedTimestamp.Format(time.RFC3339Nano)
	}
	a.mu.Lock()
	if a.stopping || !a.fresh(id) {
		a.mu.Unlock()
		return
	}
	remember(a.dms, m.Author.ID, m.ChannelID)
	if len(a.dmChans) >= 50000 {
		clear(a.dmChans)
	}
	a.dmChans[m.ChannelID] = true
	locale := a.locales[m.Author.ID]
	a.mu.Unlock()
	a.log.LogAttrs(context.Background(), slog.LevelDebug, "discord dm received", a.user(m.Author.ID))
	a.enqueue(m.Author.ID, &job{msg: bot.Message{
		Platform: platform, ChatID: m.ChannelID, UserID: m.Author.ID, Text: text, Locale: locale,
		Private: true, Link: a.link("", m.ChannelID, m.ID), Edited: edited, Sent: sent,
	}})
}

func (a *Adapter) onInteraction(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
	ix := ic.Interaction
	if ix == nil {
		return
	}
	var u *discordgo.User
	if ix.Member != nil && ix.Member.User != nil {
		u = ix.Member.User
	} else {
		u = ix.User
	}
	if u == nil || u.Bot {
		return
	}
	j := &job{ix: ix, guild: ix.GuildID != ""}
	var resp *discordgo.InteractionResponse
	switch ix.Type {
	case discordgo.InteractionApplicationCommand:
		d := ix.ApplicationCommandData()
		if c, ok := slashCommand(d); ok {
			// The core gets the command as such; Text carries only the
			// person's words, which the crisis screen reads.
			j.cmd, j.msg.Text = &c, c.Arg
		}
		var flags discordgo.MessageFlags
		if j.guild {
			// The ephemeral flag must be on the deferral; a later edit
			// cannot make the answer private.
			flags = discordgo.MessageFlagsEphemeral
		}
		resp = &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Flags: flags}}
	case discordgo.InteractionMessageComponent:
		j.msg.Text = choiceID(ix.MessageComponentData())
		resp = &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
	default:
		return // no autocomplete or modals are registered
	}
	a.mu.Lock()
	if a.stopping || !a.fresh("i"+ix.ID) {
		a.mu.Unlock()
		return
	}
	if ix.Locale != "" {
		remember(a.locales, u.ID, string(ix.Locale))
	}
	if !j.guild {
		remember(a.dms, u.ID, ix.ChannelID)
		a.dmChans[ix.ChannelID] = true
	}
	a.wg.Add(1)
	a.mu.Unlock()
	// Private: every answer to an interaction is seen by this person
	// alone (ephemeral in a server, or in the DM), so the core may talk
	// about health; the server channel never sees any of it.
	j.msg = bot.Message{Platform: platform, UserID: u.ID, Text: j.msg.Text, Command: j.cmd, Locale: string(ix.Locale),
		Private: true, Link: a.link(ix.GuildID, ix.ChannelID, ""), Sent: a.now()}
	if !j.guild {
		j.msg.ChatID = ix.ChannelID
	}
	a.log.LogAttrs(context.Background(), slog.LevelDebug, "discord interaction received", a.user(u.ID),
		slog.Int("type", int(ix.Type)), slog.String("command", j.cmdName()), slog.Bool("server", j.guild))
	// Acknowledge at once, beside the person's queue: the 3 s deadline
	// must not wait for earlier messages to be handled.
	j.acked = make(chan struct{})
	go func() {
		defer a.wg.Done()
		defer close(j.acked)
		ctx, cancel := context.WithTimeout(a.work, ackTimeout)
		defer cancel()
		j.ackErr = a.do(ctx, "acknowledge interaction", true, func(o ...discordgo.RequestOption) error {
			return a.s.InteractionRespond(ix, resp, o...)
		})
		if j.ackErr != nil {
			a.log.LogAttrs(ctx, slog.LevelWarn, "interaction not acknowledged", a.user(u.ID), slog.String("err", j.ackErr.Error()))
		}
	}()
	// An unknown command or a component that is not ours: the person is
	// told so instead of being left with "thinking..." on screen.
	j.unknown = j.cmd == nil && j.msg.Text == ""
	a.enqueue(u.ID, j)
}

// enqueue adds a job to its person's queue, starting a worker if none runs.
//
// A message that may show a crisis (Config.Screen, or /crisis) goes to the
// person's urgent queue, drained by a worker of its own: it never waits
// behind their other messages or a reply being retried, and it is never
// refused. Ordinary messages wait in order, at most QueueSize of them; past
// that a flood is refused, logged and counted, and the person is told once
// to slow down (an interaction is always answered, so that it does not stay
// "thinking...").
func (a *Adapter) enqueue(userID string, j *job) {
	j.at = a.now()
	urgent := j.cmdName() == bot.CommandCrisis
	if !urgent && a.cfg.Screen != nil && j.msg.Text != "" {
		// Screening costs up to milliseconds for a long message, on the
		// gateway's reading goroutine: do it only when the message would
		// wait behind another (or be refused); otherwise it is handled at
		// once anyway, crisis screen first, by the core.
		a.mu.Lock()
		q := a.queues[userID]
		busy := q != nil && q.runOrdinary
		a.mu.Unlock()
		urgent = busy && a.cfg.Screen(j.msg.Text)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopping {
		return
	}
	q := a.queues[userID]
	if q == nil {
		q = &queue{}
		a.queues[userID] = q
	}
	if urgent {
		q.urgent = append(q.urgent, j)
		if !q.runUrgent {
			q.runUrgent = true
			a.wg.Add(1)
			go a.worker(userID, q, true)
		}
		return
	}
	if len(q.jobs) >= a.cfg.QueueSize {
		a.metrics.dropped.Add(1)
		tell := j.ix != nil || !q.warned
		a.log.LogAttrs(context.Background(), slog.LevelWarn, "discord queue full; message dropped", a.user(userID),
			slog.Bool("told", tell))
		if tell {
			q.warned = q.warned || j.ix == nil
			a.metrics.floods.Add(1)
			a.wg.Add(1)
			go func() {
				defer a.wg.Done()
				a.slowDown(j)
			}()
		}
		return
	}
	q.jobs = append(q.jobs, j)
	if !q.runOrdinary {
		q.runOrdinary = true
		a.wg.Add(1)
		go a.worker(userID, q, false)
	}
}

// worker drains one of a person's queues in order; the last worker to
// find both empty removes the queue (and with it the flood warning).
func (a *Adapter) worker(userID string, q *queue, urgent bool) {
	defer a.wg.Done()
	for {
		a.mu.Lock()
		list := &q.jobs
		if urgent {
			list = &q.urgent
		}
		if len(*list) == 0 {
			if urgent {
				q.runUrgent = false
			} else {
				q.runOrdinary = false
			}
			if !q.runUrgent && !q.runOrdinary && len(q.jobs) == 0 && len(q.urgent) == 0 && a.queues[userID] == q {
				delete(a.queues, userID)
			}
			a.mu.Unlock()
			return
		}
		j := (*list)[0]
		(*list)[0] = nil
		*list = (*list)[1:]
		a.mu.Unlock()
		a.process(j)
	}
}

// slowDown answers a message refused for a full queue.
func (a *Adapter) slowDown(j *job) {
	if j.acked != nil {
		<-j.acked
	}
	msgs := []outMsg{{text: bot.UIFor(j.msg.Locale).Text("slow_down")}}
	switch {
	case j.ix == nil:
		a.deliverChannel(a.work, j.msg.UserID, j.msg.ChatID, msgs, a.deadline(j, false))
	case j.ix.Type == discordgo.InteractionApplicationCommand:
		a.deliverInteraction(a.work, j, msgs, true)
	default:
		// A button: a follow-up, so that the message it sits on stays.
		a.deliverInteraction(a.work, j, msgs, false)
	}
}

// interactionTTL is how long an interaction token can be used (15 min),
// less a margin.
const interactionTTL = 14 * time.Minute

// deadline is when a reply to j stops being useful: ReplyMaxAge after it
// came, and before its interaction token expires when the reply uses it.
func (a *Adapter) deadline(j *job, viaToken bool) time.Time {
	d := j.at.Add(a.cfg.ReplyMaxAge)
	if viaToken {
		if t := j.at.Add(interactionTTL); t.Before(d) {
			d = t
		}
	}
	return d
}

// process hands one job to the core and delivers the replies. Handling is
// bounded by TurnTimeout; delivery goes on until each reply's deadline (or
// shutdown), so a Discord outage delays replies instead of losing them.
func (a *Adapter) process(j *job) {
	if j.acked != nil {
		<-j.acked
	}
	out := a.work
	loc := j.msg.Locale
	if j.unknown {
		if j.ix != nil && j.ix.Type == discordgo.InteractionApplicationCommand {
			a.deliverInteraction(out, j, []outMsg{{text: bot.UIFor(loc).Text("unknown_command")}}, true)
		}
		return
	}
	ctx, cancel := context.WithTimeout(a.work, a.cfg.TurnTimeout)
	defer cancel()
	var dmErr error
	if j.guild {
		// Everything the core keeps (reminders, alerts) points at the
		// person's DM channel, never at the server channel.
		j.msg.ChatID, dmErr = a.dmChannel(ctx, j.msg.UserID)
	}
	a.mu.Lock()
	h := a.h
	a.mu.Unlock()
	start := a.now()
	replies, err := h.Handle(ctx, j.msg)
	if err != nil {
		a.log.LogAttrs(ctx, slog.LevelWarn, "core handler error", a.user(j.msg.UserID), slog.String("err", err.Error()))
	}
	msgs := render(replies, loc)
	a.log.LogAttrs(ctx, slog.LevelDebug, "discord turn handled", a.user(j.msg.UserID), slog.Int("replies", len(replies)),
		slog.Int("messages", len(msgs)), slog.Duration("took", a.now().Sub(start)))
	switch {
	case j.ix == nil:
		a.deliverChannel(out, j.msg.UserID, j.msg.ChatID, msgs, a.deadline(j, false))
	case j.ix.Type == discordgo.InteractionMessageComponent && !j.guild:
		// A tapped button in the DM: the answers continue there.
		a.deliverChannel(out, j.msg.UserID, j.ix.ChannelID, msgs, a.deadline(j, false))
	case j.ix.Type == discordgo.InteractionMessageComponent:
		// A button on an ephemeral answer in a server: stay ephemeral.
		a.deliverInteraction(out, j, msgs, false)
	case !j.guild:
		a.deliverInteraction(out, j, msgs, true)
	case j.cmdName() == bot.CommandFind:
		a.moveToDM(out, j, msgs, dmErr, loc)
	default:
		a.deliverInteraction(out, j, msgs, true)
	}
}

// moveToDM answers /findgroup in a server: a crisis reply at once in the
// ephemeral answer, the intake in a DM, and an ephemeral note saying so.
// When the DM cannot be sent, the intake stays in ephemeral messages.
func (a *Adapter) moveToDM(ctx context.Context, j *job, msgs []outMsg, dmErr error, loc string) {
	var urgent, rest []outMsg
	for _, m := range msgs {
		if m.urgent {
			urgent = append(urgent, m)
		} else {
			rest = append(rest, m)
		}
	}
	ix := &ixOut{a: a, j: j, edit: true}
	for _, m := range urgent {
		ix.send(ctx, m)
	}
	if dmErr == nil {
		for i, m := range rest {
			if err := a.sendChannel(ctx, j.msg.ChatID, m, a.deadline(j, false)); err != nil {
				dmErr = err
				rest = rest[i:]
				break
			}
		}
	}
	if dmErr == nil {
		ix.send(ctx, outMsg{text: bot.UIFor(loc).Text("dm_moved")})
	} else {
		a.log.LogAttrs(ctx, slog.LevelWarn, "could not move the conversation to a DM", a.user(j.msg.UserID), slog.String("err", dmErr.Error()))
		ix.send(ctx, outMsg{text: bot.UIFor(loc).Text("dm_failed")})
		for _, m := range rest {
			ix.send(ctx, m)
		}
	}
	ix.finish(ctx)
}

// dmChannel returns the person's DM channel, creating it if needed (a user
// id is not a channel id).
func (a *Adapter) dmChannel(ctx context.Context, userID string) (string, error) {
	a.mu.Lock()
	ch, ok := a.dms[userID]
	a.mu.Unlock()
	if ok {
		return ch, nil
	}
	var c *discordgo.Channel
	err := a.do(ctx, "open direct message", true, func(o ...discordgo.RequestOption) (err error) {
		c, err = a.s.UserChannelCreate(userID, o...)
		return err
	})
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	remember(a.dms, userID, c.ID)
	a.dmChans[c.ID] = true
	a.mu.Unlock()
	return c.ID, nil
}

// deliverChannel sends messages to a DM channel in order; a failed one is
// logged and the rest still go (the crisis reply is first in line).
func (a *Adapter) deliverChannel(ctx context.Context, userID, channelID string, msgs []outMsg, deadline time.Time) {
	failed := 0
	for _, m := range msgs {
		if err := a.sendChannel(ctx, channelID, m, deadline); err != nil {
			failed++
			a.log.LogAttrs(ctx, slog.LevelError, "discord reply not delivered", a.user(userID), slog.Bool("urgent", m.urgent),
				slog.String("err", err.Error()))
		}
	}
	a.log.LogAttrs(ctx, slog.LevelDebug, "discord replies sent", a.user(userID), slog.Int("sent", len(msgs)-failed), slog.Int("failed", failed))
}

// channelMessage is POST /channels/{id}/messages with the fields discordgo's
// MessageSend lacks: a nonce that Discord enforces, so a retried POST
// cannot post the same message twice.
type channelMessage struct {
	Content         string                            `json:"content,omitempty"`
	Components      []discordgo.MessageComponent      `json:"components,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
	Nonce           string                            `json:"nonce"`
	EnforceNonce    bool                              `json:"enforce_nonce"`
}

func nonce() string {
	b := make([]byte, 10)
	rand.Read(b)
	return hex.EncodeToString(b) // 20 characters; Discord allows 25
}

// sendChannel posts one message, retried as deliver says; its nonce makes
// a retry after a lost answer return the message already posted instead of
// posting it twice.
func (a *Adapter) sendChannel(ctx context.Context, channelID string, m outMsg, deadline time.Time) error {
	body := channelMessage{Content: m.text, Components: m.comps, AllowedMentions: noMentions(), Nonce: nonce(), EnforceNonce: true}
	ep := discordgo.EndpointChannelMessages(channelID)
	return a.deliver(ctx, "send message", m.urgent, deadline, func(o ...discordgo.RequestOption) error {
		if m.file == nil {
			_, err := a.s.RequestWithBucketID(http.MethodPost, ep, body, ep, o...)
			return err
		}
		ct, data, err := discordgo.MultipartBodyWithJSON(body, []*discordgo.File{file(m.file)})
		if err != nil {
			return err
		}
		_, err = a.s.RequestRaw(http.MethodPost, ep, ct, data, ep, 0, o...)
		return err
	})
}

// ixOut sends an interaction's answers: the first edits the deferred
// answer (when edit is set), the rest are follow-ups. Ephemeral follows
// the deferral in servers.
type ixOut struct {
	a    *Adapter
	j    *job
	edit bool // the deferred answer is still "thinking..." and must be edited
	sent int
}

func (o *ixOut) send(ctx context.Context, m outMsg) {
	a, ix := o.a, o.j.ix
	if o.j.ackErr != nil {
		return // without an acknowledgement the token cannot be used
	}
	var files []*discordgo.File
	var err error
	if o.edit && o.sent == 0 {
		comps := m.comps
		if comps == nil {
			comps = []discordgo.MessageComponent{}
		}
		err = a.deliver(ctx, "edit interaction answer", m.urgent, o.a.deadline(o.j, true), func(opts ...discordgo.RequestOption) error {
			if m.file != nil {
				files = []*discordgo.File{file(m.file)}
			}
			_, err := a.s.InteractionResponseEdit(ix, &discordgo.WebhookEdit{Content: &m.text, Components: &comps, Files: files,
				AllowedMentions: noMentions()}, opts...)
			return err
		})
	} else {
		var flags discordgo.MessageFlags
		if o.j.guild {
			flags = discordgo.MessageFlagsEphemeral
		}
		// Follow-ups have no nonce, so a retry after a lost answer may
		// show one twice; that is better than never.
		err = a.deliver(ctx, "send follow-up", m.urgent, o.a.deadline(o.j, true), func(opts ...discordgo.RequestOption) error {
			if m.file != nil {
				files = []*discordgo.File{file(m.file)}
			}
			_, err := a.s.FollowupMessageCreate(ix, true, &discordgo.WebhookParams{Content: m.text, Components: m.comps, Files: files,
				AllowedMentions: noMentions(), Flags: flags}, opts...)
			return err
		})
	}
	if err != nil {
		a.log.LogAttrs(ctx, slog.LevelError, "discord interaction reply not delivered", a.user(o.j.msg.UserID),
			slog.Bool("urgent", m.urgent), slog.String("err", err.Error()))
		return
	}
	o.sent++
}

// finish removes a deferred answer that nothing was written into.
func (o *ixOut) finish(ctx context.Context) {
	if !o.edit || o.sent > 0 || o.j.ackErr != nil {
		return
	}
	err := o.a.do(ctx, "delete interaction answer", true, func(opts ...discordgo.RequestOption) error {
		return o.a.s.InteractionResponseDelete(o.j.ix, opts...)
	})
	if err != nil {
		o.a.log.LogAttrs(ctx, slog.LevelWarn, "could not remove empty interaction answer", slog.String("err", err.Error()))
	}
}

func (a *Adapter) deliverInteraction(ctx context.Context, j *job, msgs []outMsg, edit bool) {
	o := &ixOut{a: a, j: j, edit: edit}
	for _, m := range msgs {
		o.send(ctx, m)
	}
	o.finish(ctx)
}

// Alert posts a moderator alert to the alert channel: the person's mention
// (which pings nobody: mentions are never parsed), a link to the
// conversation, the level and categories, and never the message text.
func (a *Adapter) Alert(ctx context.Context, al bot.Alert) error {
	if a.cfg.AlertTo == "" {
		return ErrNoAlertChannel
	}
	// Moderators read the fallback language: no one person's locale
	// speaks for the alert channel.
	ui := bot.UIFor("")
	var b strings.Builder
	line := func(s string) { b.WriteString(s + "\n") }
	line(ui.Text("alert_title"))
	line(ui.Text("alert_level", "level", al.Level.String()))
	if len(al.Categories) > 0 {
		line(ui.Text("alert_categories", "list", strings.Join(al.Categories, ", ")))
	}
	if al.UserID != "" {
		line(ui.Text("alert_person", "id", al.UserID) + " <@" + al.UserID + ">")
	}
	if al.Link != "" {
		line(ui.Text("alert_link", "link", al.Link))
	}
	at := al.At
	if at.IsZero() {
		at = a.now()
	}
	line(ui.Text("alert_time", "time", at.UTC().Format("2006-01-02 15:04 MST")))
	b.WriteString(ui.Text("alert_note"))
	// Urgent: short tries, within the core's alert timeout (ctx).
	err := a.sendChannel(ctx, a.cfg.AlertTo, outMsg{text: b.String(), urgent: true}, time.Time{})
	if err != nil {
		return err
	}
	a.log.LogAttrs(ctx, slog.LevelInfo, "moderator alert posted", a.user(al.UserID), slog.String("level", al.Level.String()))
	return nil
}

// Send delivers a reply pushed later (a reminder) to a DM channel. It
// refuses any channel that is not a direct message, so nothing personal is
// ever posted in a server.
func (a *Adapter) Send(ctx context.Context, chatID string, r bot.Reply) error {
	if chatID == "" {
		return ErrNotDM
	}
	a.mu.Lock()
	known := a.dmChans[chatID]
	a.mu.Unlock()
	if !known {
		var c *discordgo.Channel
		err := a.do(ctx, "look up channel", true, func(o ...discordgo.RequestOption) (err error) {
			c, err = a.s.Channel(chatID, o...)
			return err
		})
		if err != nil {
			return err
		}
		if c.Type != discordgo.ChannelTypeDM {
			return ErrNotDM
		}
		a.mu.Lock()
		a.dmChans[chatID] = true
		a.mu.Unlock()
	}
	var errs []error
	deadline := a.now().Add(a.cfg.ReplyMaxAge)
	// The person's locale is not known here: the fallback language's words.
	for _, m := range render([]bot.Reply{r}, "") {
		if err := a.sendChannel(ctx, chatID, m, deadline); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Forget drops what the adapter holds in memory about a person (their DM
// channel id and client locale) when they send /forget; it keeps nothing
// on disk. It implements bot.Forgetter.
func (a *Adapter) Forget(_ context.Context, platform, userID string) error {
	if platform != "discord" {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if ch, ok := a.dms[userID]; ok {
		delete(a.dmChans, ch)
	}
	delete(a.dms, userID)
	delete(a.locales, userID)
	return nil
}
