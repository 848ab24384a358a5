package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/bot"
)

// TestGroupChatsNeverDiscussHealth: in a group or server channel the bot
// answers a search with an invitation to a private chat and keeps nothing;
// a crisis message still gets the crisis lines first; /crisis works.
func TestGroupChatsNeverDiscussHealth(t *testing.T) {
	r := newRig(t, rigOptions{})
	inGroup := func(user, text string) []bot.Reply {
		t.Helper()
		rs, err := r.eng.Handle(context.Background(), bot.Message{Platform: "telegram", ChatID: "group-1", UserID: user,
			Text: text, Locale: "en-US", Private: false, Sent: r.clk.Now()})
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		return rs
	}
	rs := inGroup("ann", "looking for an online grief group, my wife died")
	if len(rs) != 1 || !strings.Contains(rs[0].Text, "private message") || rs[0].Urgent || len(rs[0].Choices) > 0 {
		t.Fatalf("group search: %+v", rs)
	}
	if _, ok, _ := r.store.Get(context.Background(), r.eng.UserKey("telegram", "ann")); ok {
		t.Error("a group message stored a session")
	}
	rs = inGroup("bob", "i want to kill myself tonight")
	if len(rs) == 0 || !rs[0].Urgent || strings.Contains(rs[len(rs)-1].Text, "Here are groups") {
		t.Fatalf("group crisis: the crisis reply must come first, and no intake: %+v", rs)
	}
	rs = inGroup("cy", "/crisis")
	if len(rs) == 0 || strings.Contains(rs[0].Text, "private message") {
		t.Errorf("/crisis in a group: %+v", rs)
	}
	// The same words in a private chat run the intake.
	prs, err := r.send("ann", "en-US", "looking for an online grief group")
	if err != nil || len(prs) == 0 || strings.Contains(prs[0].Text, "private message") {
		t.Errorf("private chat: %+v %v", prs, err)
	}
}

// TestPlaceQuestionAsksForLocation: only the "where?" question is marked,
// so a front end can put a location button under it and nowhere else.
func TestPlaceQuestionAsksForLocation(t *testing.T) {
	r := newRig(t, rigOptions{})
	var asked []string
	for _, text := range []string{"hi", "ok", "grief support group in person"} {
		rs, err := r.send("dee", "en-US", text)
		if err != nil {
			t.Fatal(err)
		}
		for _, rep := range rs {
			if rep.AskLocation {
				asked = append(asked, text)
			}
		}
	}
	if len(asked) != 1 || asked[0] != "grief support group in person" {
		t.Errorf("AskLocation on replies to %q; want only the in-person answer's", asked)
	}
}

// TestEditedMessagesAreScreenedNotReplayed: words added by editing an old
// message still reach the crisis screen; an ordinary edit gets no answer
// and does not move the conversation.
func TestEditedMessagesAreScreenedNotReplayed(t *testing.T) {
	r := newRig(t, rigOptions{})
	edit := func(text string) []bot.Reply {
		t.Helper()
		rs, err := r.eng.Handle(context.Background(), bot.Message{Platform: "telegram", ChatID: "c-eve", UserID: "eve",
			Text: text, Locale: "en-US", Private: true, Edited: true, Sent: r.clk.Now()})
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		return rs
	}
	if _, err := r.send("eve", "en-US", "hi"); err != nil {
		t.Fatal(err)
	}
	before, _, _ := r.store.Get(context.Background(), r.eng.UserKey("telegram", "eve"))
	if rs := edit("looking for an online grief group"); len(rs) != 0 {
		t.Errorf("an ordinary edit was answered: %+v", rs)
	}
	after, _, _ := r.store.Get(context.Background(), r.eng.UserKey("telegram", "eve"))
	if before.Step != after.Step || len(after.Topics) != 0 {
		t.Errorf("an edit moved the conversation: %v -> %v, topics %v", before.Step, after.Step, after.Topics)
	}
	rs := edit("i want to kill myself tonight")
	if len(rs) == 0 || !rs[0].Urgent {
		t.Fatalf("a crisis added by editing got %+v", rs)
	}
}
