package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/bot"
)

// linesIntro opens the English list of a country's lines (/crisis, or the
// answer to "which country are you in?").
const linesIntro = "Crisis lines you can reach at any time:"

// With no country known, the crisis reply asks for it; the answer ("UK",
// "méxico") gets that country's lines at once, and a person who had no
// session before keeps none afterwards.
func TestCrisisAsksCountryThenShowsItsLines(t *testing.T) {
	for _, c := range []struct{ answer, line string }{
		{"UK", "Samaritans: call 116 123"}, {"australia", "Lifeline Australia: call 13 11 14"},
		{"I'm in Canada", "9-8-8 Suicide Crisis Helpline: call 9-8-8"}, {"méxico", "Linea de la Vida: call 800 911 2000"},
	} {
		r := newRig(t, rigOptions{})
		rs, err := r.send("u1", "", "i want to kill myself")
		if err != nil || len(rs) != 1 || !rs[0].Urgent || !strings.Contains(rs[0].Text, "Which country are you in?") {
			t.Fatalf("crisis reply = %q, %v; want one urgent reply without a country", replyTexts(rs), err)
		}
		rs, err = r.send("u1", "", c.answer)
		if err != nil || len(rs) != 1 || !rs[0].Urgent || !strings.Contains(rs[0].Text, linesIntro) || !strings.Contains(rs[0].Text, c.line) {
			t.Fatalf("answer %q: got %q, %v; want the lines with %q", c.answer, replyTexts(rs), err, c.line)
		}
		if _, ok, _ := r.store.Get(context.Background(), r.eng.UserKey("telegram", "u1")); ok {
			t.Errorf("answer %q: a session is kept for a person who never started the intake", c.answer)
		}
		// The question is answered once: the next country name is ordinary text.
		rs, _ = r.send("u1", "", c.answer)
		if strings.Contains(replyTexts(rs), linesIntro) {
			t.Errorf("answer %q repeated: lines shown again (%q)", c.answer, replyTexts(rs))
		}
	}
}

// Anything but a country drops the question and the conversation goes on.
func TestCrisisCountryQuestionDroppedByOtherText(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.send("u1", "", "i want to kill myself")
	rs, _ := r.send("u1", "", "hi")
	if strings.Contains(replyTexts(rs), linesIntro) || len(rs) == 0 {
		t.Fatalf("got %q; want the hello", replyTexts(rs))
	}
}

// A Spanish message gets a Spanish reply whatever the platform locale.
func TestCrisisReplyInTheMessagesLanguage(t *testing.T) {
	r := newRig(t, rigOptions{})
	rs, _ := r.send("u1", "en-US", "me quiero morir, ya no puedo más")
	if !strings.Contains(replyTexts(rs), "¿Estás a salvo en este momento?") || !strings.Contains(replyTexts(rs), "llama al 988") {
		t.Fatalf("got %q; want a Spanish reply with the US lines", replyTexts(rs))
	}
}

// A front end that takes replies early gets the crisis reply before the
// core touches the session store; the turn then returns nothing twice.
func TestCrisisReplySentEarly(t *testing.T) {
	r := newRig(t, rigOptions{})
	var early []bot.Reply
	ctx := bot.WithEarlySend(context.Background(), func(rep bot.Reply) bool { early = append(early, rep); return true })
	rs, err := r.eng.Handle(ctx, bot.Message{Platform: "telegram", ChatID: "c-u1", UserID: "u1", Text: "i want to kill myself",
		Locale: "en-GB", Private: true, Sent: r.clk.Now()})
	if err != nil || len(early) != 1 || !early[0].Urgent || !strings.Contains(early[0].Text, "Samaritans: call 116 123") {
		t.Fatalf("early = %q, %v", replyTexts(early), err)
	}
	if strings.Contains(replyTexts(rs), "Are you safe right now?") {
		t.Errorf("the crisis reply was returned again after it went out early: %q", replyTexts(rs))
	}
}

// A concern-level message continues into the intake in the same turn; the
// question it asked must still be open for the next message.
func TestCrisisConcernKeepsCountryQuestion(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.send("u1", "", "i feel hopeless")
	rs, _ := r.send("u1", "", "UK")
	if !strings.Contains(replyTexts(rs), linesIntro) || !strings.Contains(replyTexts(rs), "Samaritans: call 116 123") {
		t.Fatalf("after a concern reply, 'UK' gave %q; want the UK lines", replyTexts(rs))
	}
}
