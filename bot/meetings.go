package bot

import (
	"context"
	"time"

	"github.com/peermatch/peermatch/data/schedule"

	"github.com/peermatch/peermatch/data"
)

// maxButtonID bounds the group id carried in a calendar or reminder button,
// so "unrem:" + id stays within Telegram's 64-byte callback data.
const maxButtonID = 56

// meetingChoices offers, for each group with meeting times, its calendar
// file and a reminder, when the operator wired them.
func (t *turn) meetingChoices(groups []*data.Group) []Choice {
	var out []Choice
	for _, g := range groups[:min(len(groups), 3)] {
		if len(g.Meetings) == 0 || len(g.ID) > maxButtonID {
			continue
		}
		name := shortName(g.Name)
		if t.e.cfg.Calendar != nil {
			out = append(out, Choice{ID: "cal:" + g.ID, Label: t.c.t("add_calendar", "name", name)})
		}
		if t.e.cfg.Reminders != nil {
			out = append(out, Choice{ID: "rem:" + g.ID, Label: t.c.t("remind_me", "name", name)})
		}
	}
	return out
}

// shortName keeps button labels short enough for every platform.
func shortName(name string) string {
	name = oneLine(name)
	if r := []rune(name); len(r) > 32 {
		return string(r[:31]) + "…"
	}
	return name
}

// calendar sends the group's meetings as an .ics file.
func (t *turn) calendar(id string) []Reply {
	g, ok := t.e.m.Group(id)
	if !ok || t.e.cfg.Calendar == nil {
		return []Reply{{Text: t.c.t("times_unknown")}}
	}
	ics, err := t.e.cfg.Calendar(g, t.e.now(), t.c.t)
	if err != nil || len(ics) == 0 {
		return []Reply{{Text: t.c.t("calendar_none", "name", oneLine(g.Name))}}
	}
	return []Reply{{Text: t.c.t("calendar_ready", "name", oneLine(g.Name)),
		Attach: &Attachment{Name: g.ID + ".ics", MIMEType: "text/calendar", Data: ics}}}
}

// remind sets a reminder an hour before the group's next meeting.
func (t *turn) remind(id string) []Reply {
	g, ok := t.e.m.Group(id)
	if !ok || t.e.cfg.Reminders == nil {
		return []Reply{{Text: t.c.t("times_unknown")}}
	}
	now := t.e.now()
	occ, _ := schedule.NextMeetings(g, now, 1)
	meeting := meetingIndex(g, occ)
	if meeting < 0 {
		return []Reply{{Text: t.c.t("calendar_none", "name", oneLine(g.Name))}}
	}
	start, err := t.e.cfg.Reminders.Remind(t.m.Platform, t.m.ChatID, t.m.UserID, g.ID, meeting, now)
	if err != nil {
		t.e.log.Warn("reminder not set", "user", t.key, "err", err.Error())
		return []Reply{{Text: t.c.t("reminder_failed")}}
	}
	// The reminder fires later, outside this conversation: keep the
	// language it should speak.
	t.sess.Lang, t.save = t.c.Lang, true
	return []Reply{{Text: t.c.t("reminder_set", "name", oneLine(g.Name), "when", t.when(start)),
		Choices: []Choice{{ID: "unrem:" + g.ID, Label: t.c.label("cancel_reminder")}}}}
}

// unremind cancels the reminders for a group's meetings in this chat.
func (t *turn) unremind(id string) []Reply {
	g, ok := t.e.m.Group(id)
	if !ok || t.e.cfg.Reminders == nil {
		return []Reply{{Text: t.c.t("times_unknown")}}
	}
	any := false
	for i := range g.Meetings {
		ok, err := t.e.cfg.Reminders.Cancel(t.m.Platform, t.m.ChatID, g.ID, i)
		if err != nil {
			t.e.log.Warn("reminder not cancelled", "user", t.key, "err", err.Error())
			return []Reply{{Text: t.c.t("reminder_failed")}}
		}
		any = any || ok
	}
	if !any {
		return []Reply{{Text: t.c.t("reminder_none", "name", oneLine(g.Name))}}
	}
	return []Reply{{Text: t.c.t("reminder_cancelled", "name", oneLine(g.Name))}}
}

// meetingIndex finds which of the group's meetings an occurrence belongs to.
func meetingIndex(g *data.Group, occ []schedule.Occurrence) int {
	if len(occ) == 0 {
		return -1
	}
	for i := range g.Meetings {
		if &g.Meetings[i] == occ[0].Meeting {
			return i
		}
	}
	return -1
}

// ReminderReply is what a fired reminder says, in the person's language
// and time zone when their session still exists (userKey is the keyed hash
// the reminder store kept, which is the session key when both share
// Config.IDKey).
func (e *Engine) ReminderReply(ctx context.Context, userKey, groupID string, start time.Time) Reply {
	s, ok, err := e.store.Get(ctx, userKey)
	if err != nil {
		ok = false
	}
	c := e.lang(s, ok, Message{})
	t := &turn{e: e, sess: s, c: c}
	name := groupID
	if g, found := e.m.Group(groupID); found {
		name = oneLine(g.Name)
		if how := t.contacts(g, true); how != "" {
			return Reply{Text: c.t("reminder_fire", "name", name, "when", t.when(start)) + "\n" + c.t("join", "how", how)}
		}
	}
	return Reply{Text: c.t("reminder_fire", "name", name, "when", t.when(start))}
}

func (t *turn) when(start time.Time) string {
	return t.c.describe(schedule.Occurrence{Start: start, End: start.Add(time.Hour)}, t.e.now(), t.viewer())
}
