package bot_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/peermatch/peermatch/bot"
	"github.com/peermatch/peermatch/matcher/calendar"
)

// fakeReminders records what the conversation asked for.
type fakeReminders struct {
	mu     sync.Mutex
	set    map[string]bool // platform|chat|group|meeting
	starts time.Time
}

func (f *fakeReminders) Remind(platform, chatID, userID, groupID string, meeting int, now time.Time) (time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.set == nil {
		f.set = map[string]bool{}
	}
	f.set[platform+"|"+chatID+"|"+groupID+"|"+string(rune('0'+meeting))] = true
	return f.starts, nil
}

func (f *fakeReminders) Cancel(platform, chatID, groupID string, meeting int) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := platform + "|" + chatID + "|" + groupID + "|" + string(rune('0'+meeting))
	ok := f.set[k]
	delete(f.set, k)
	return ok, nil
}

func choiceIDs(rs []bot.Reply) []string {
	var out []string
	for _, r := range rs {
		for _, c := range r.Choices {
			out = append(out, c.ID)
		}
	}
	return out
}

// TestCalendarAndReminderFromMeetingTimes: after "/times <group>", the bot
// offers the group's calendar file and a reminder; the file parses as
// iCalendar with the group's rule, and the reminder can be cancelled.
func TestCalendarAndReminderFromMeetingTimes(t *testing.T) {
	r := newRig(t, rigOptions{})
	rem := &fakeReminders{starts: time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)}
	r.cfg.Calendar = calendar.ICS
	r.cfg.Reminders = rem
	r.build()
	send := func(text string) []bot.Reply {
		t.Helper()
		rs, err := r.send("ana", "en-US", text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		return rs
	}
	send("hi")
	send("ok")
	const id = "aa-eye-openers-online"
	rs := send("/times eye openers")
	ids := choiceIDs(rs)
	if !contains(ids, "cal:"+id) || !contains(ids, "rem:"+id) {
		t.Fatalf("meeting times should offer calendar and reminder buttons, got %v", ids)
	}
	rs = send("cal:" + id)
	if len(rs) != 1 || rs[0].Attach == nil || rs[0].Attach.MIMEType != "text/calendar" {
		t.Fatalf("calendar button: want one reply with an .ics attachment, got %+v", rs)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(rs[0].Attach.Data))
	if err != nil {
		t.Fatalf("attachment is not iCalendar: %v", err)
	}
	if len(cal.Events()) == 0 || cal.Events()[0].GetProperty(ics.ComponentPropertyRrule) == nil {
		t.Errorf("calendar has no recurring event")
	}
	rs = send("rem:" + id)
	if len(rem.set) != 1 || !strings.Contains(rs[0].Text, "remind") || !contains(choiceIDs(rs), "unrem:"+id) {
		t.Fatalf("reminder: set %v, reply %q, choices %v", rem.set, rs[0].Text, choiceIDs(rs))
	}
	rs = send("unrem:" + id)
	if len(rem.set) != 0 || !strings.Contains(rs[0].Text, "no reminder") {
		t.Errorf("cancel: set %v, reply %q", rem.set, rs[0].Text)
	}
	rs = send("unrem:" + id)
	if !strings.Contains(rs[0].Text, "There was no reminder") {
		t.Errorf("second cancel: reply %q", rs[0].Text)
	}
}

// TestNoCalendarOrReminderWhenNotWired keeps the offers honest: nothing is
// offered that the operator did not set up.
func TestNoCalendarOrReminderWhenNotWired(t *testing.T) {
	r := newRig(t, rigOptions{})
	for _, text := range []string{"hi", "ok", "/times eye openers"} {
		rs, err := r.send("bo", "en-US", text)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range choiceIDs(rs) {
			if strings.HasPrefix(id, "cal:") || strings.HasPrefix(id, "rem:") {
				t.Errorf("%q offered %s without Calendar/Reminders", text, id)
			}
		}
	}
}

// TestReminderReplySpeaksTheSessionLanguage: a fired reminder names the
// group and its time, in Spanish for a Spanish conversation.
func TestReminderReplySpeaksTheSessionLanguage(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.cfg.Reminders = &fakeReminders{starts: time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)}
	r.build()
	for _, text := range []string{"hola", "sí", "rem:aa-eye-openers-online"} {
		if _, err := r.send("eva", "es-MX", text); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC)
	rep := r.eng.ReminderReply(t.Context(), r.eng.UserKey("telegram", "eva"), "aa-eye-openers-online", start)
	if !strings.Contains(rep.Text, "Recordatorio") || !strings.Contains(rep.Text, "Eye Openers") {
		t.Errorf("reminder reply = %q", rep.Text)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
