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

// A French crisis message on a French platform locale, no country known
// yet: the crisis reply is French (the one language decision,
// bot.ChooseLanguage), with the lines of the locale's country, or of the
// main French-speaking countries when the locale names none; /crisis and
// the hello follow the same decision.
func TestCrisisFrenchLocales(t *testing.T) {
	cases := []struct {
		locale string
		lines  []string // in the crisis reply, in French words
		hello  string   // the hello's danger clause
	}{
		{"fr-CA", []string{"Ligne d'aide en cas de crise de suicide 9-8-8 : appelez le 9-8-8, textez le 9-8-8 (24 h/24, 7 j/7)",
			"1 866 APPELLE, ligne québécoise de prévention du suicide : appelez le 1-866-277-3553, textez le 535353", "Urgence : 911"}, "appelez le 911, ou appelez ou textez le 9-8-8"},
		{"fr-FR", []string{"3114, numéro national de prévention du suicide : appelez le 3114 (24 h/24, 7 j/7, gratuit)", "Urgence : 112, 15 (urgences médicales)"}, "appelez le 112, ou le 3114"},
		{"fr-BE", []string{"Centre de Prévention du Suicide : appelez le 0800 32 123 (24 h/24, 7 j/7, gratuit)", "Zelfmoordlijn 1813 : appelez le 1813 (téléphone 24 h/24; chat 17 h-24 h)", "Urgence : 112, 101 (police)"}, "appelez le 112, ou le 0800 32 123"},
		{"fr-CH", []string{"La Main Tendue (143.ch) : appelez le 143, clavardage https://www.143.ch (24 h/24, 7 j/7, gratuit)", "Urgence : 144, 117 (police)"}, "appelez le 144, ou le 143"},
		// No region: the main French-speaking countries' lines, then the question.
		{"fr", []string{"France, 3114", "Canada, Ligne d'aide en cas de crise de suicide 9-8-8 : appelez le 9-8-8", "Belgique, Centre de Prévention du Suicide : appelez le 0800 32 123", "Suisse, La Main Tendue (143.ch) : appelez le 143", "Dans quel pays êtes-vous?"}, "appelez le numéro d'urgence de votre pays"},
	}
	for _, c := range cases {
		if got := bot.ChooseLanguage("", "", c.locale); got != "fr" {
			t.Errorf("ChooseLanguage(locale %s) = %q, want fr", c.locale, got)
		}
		for _, msg := range []string{"je veux mourir", "j'ai envie d'en finir"} {
			r := newRig(t, rigOptions{})
			rs, err := r.send("u1", c.locale, msg)
			if err != nil || len(rs) == 0 || !rs[0].Urgent {
				t.Fatalf("%s %q: %q, %v; want an urgent crisis reply first", c.locale, msg, replyTexts(rs), err)
			}
			got := rs[0].Text
			for _, w := range append([]string{"pensez-vous au suicide", "Je suis un robot, pas un service de crise."}, c.lines...) {
				if !strings.Contains(got, w) {
					t.Errorf("%s %q: the crisis reply lacks %q:\n%s", c.locale, msg, w, got)
				}
			}
			for _, en := range []string{"call ", "Emergency", "24/7", " free", "Which country"} {
				if strings.Contains(got, en) {
					t.Errorf("%s %q: English %q in the French reply:\n%s", c.locale, msg, en, got)
				}
			}
		}
		r := newRig(t, rigOptions{})
		rs, _ := r.send("u2", c.locale, "/crisis")
		if len(rs) != 1 || !rs[0].Urgent || !strings.Contains(rs[0].Text, c.lines[0]) || strings.Contains(rs[0].Text, "call ") {
			t.Errorf("%s: /crisis = %q; want French lines with %q", c.locale, replyTexts(rs), c.lines[0])
		}
		rs, _ = r.send("u3", c.locale, "bonjour")
		if len(rs) == 0 || !strings.Contains(rs[0].Text, "Si vous êtes en danger maintenant, "+c.hello) {
			t.Errorf("%s: hello = %q; want the danger clause %q", c.locale, replyTexts(rs), c.hello)
		}
	}
}
