package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// groupHead is a result's first line in the console ("1. Name"); the
// hello's choices are indented ("  1. D'accord"), results are not.
var groupHead = regexp.MustCompile(`^\d+\. (.+)$`)

// shownGroups reads the console output of a chat: each result's name and
// its "why" line (the reasons, topic first).
func shownGroups(out string) map[string]string {
	shown := map[string]string{}
	name := ""
	for _, l := range strings.Split(out, "\n") {
		if m := groupHead.FindStringSubmatch(l); m != nil {
			name = m[1]
			shown[name] = ""
			continue
		}
		if why, ok := strings.CutPrefix(strings.TrimSpace(l), "Pourquoi : "); ok && name != "" {
			shown[name] = why
		}
	}
	return shown
}

// TestFrenchChatsReachThreeMatches is issue 16's bar "Scripted chats in
// French (--locale fr-CA) reach 3 matches in ≤ 5 messages", through the
// real `peermatch chat --locale ...` path on the embedded directory: each
// script is what a person types (at most five messages), and the chat must
// show at least three groups whose reasons name the topic asked for, in
// French, without an excluded fellowship.
//
// Each chat builds the whole binary's state (directory, index, screener),
// seconds each under -race: the chats run in parallel with each other,
// after the package's other tests.
func TestFrenchChatsReachThreeMatches(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, locale string
		script       []string
		topic        string   // the French label the reasons start with
		not          []string // names that must not be shown
	}{
		{"grief in Montréal", "fr-CA", []string{
			"bonjour",
			"J'ai perdu ma mère le mois dernier, je cherche un groupe de deuil à Montréal",
		}, "deuil et perte", nil},
		{"alcohol online, not AA", "fr-CA", []string{
			"Je bois trop, je cherche un groupe en ligne, mais pas les AA",
		}, "alcool", []string{"Alcoholics Anonymous", "Alcooliques anonymes", "Alcooliques Anonymes", "(AA)"}},
		{"caregivers in Montréal", "fr-CA", []string{
			"Je suis aidante pour ma mère, je cherche un groupe de soutien pour proches aidants",
			"peu importe",
			"Montréal",
		}, "proches aidants", nil},
		{"anxiety in Paris", "fr-FR", []string{
			"Je fais des crises d'angoisse, je cherche un groupe à Paris",
		}, "anxiété et panique", nil},
		{"anxiety in Brussels", "fr-BE", []string{
			"J'ai beaucoup d'anxiété, je cherche un groupe en ligne ou par téléphone, j'habite à Bruxelles",
			"pour moi",
		}, "anxiété et panique", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if len(c.script) > 5 {
				t.Fatalf("%d messages, the bar is 5", len(c.script))
			}
			var out, errb bytes.Buffer
			err := run(context.Background(), []string{"chat", "--locale", c.locale}, env(t),
				strings.NewReader(strings.Join(c.script, "\n")+"\n"), &out, &errb)
			if err != nil {
				t.Fatalf("run: %v (%s)", err, errb.String())
			}
			o := out.String()
			// French from the first word: the hello, the results' heading.
			for _, w := range []string{"Bonjour. Je suis peermatch", "Voici des groupes qui pourraient vous convenir"} {
				if !strings.Contains(o, w) {
					t.Errorf("no %q in the chat:\n%s", w, o)
				}
			}
			for _, en := range []string{"Here are groups", "didn't catch", "Why:", "Hi. I'm peermatch"} {
				if strings.Contains(o, en) {
					t.Errorf("English %q in a French chat:\n%s", en, o)
				}
			}
			matches := 0
			for name, why := range shownGroups(o) {
				if strings.HasPrefix(why, c.topic) {
					matches++
				}
				for _, n := range c.not {
					if strings.Contains(name, n) {
						t.Errorf("excluded %q shown: %q", n, name)
					}
				}
			}
			if matches < 3 {
				t.Errorf("%d groups about %q in %d messages, want at least 3:\n%s", matches, c.topic, len(c.script), o)
			}
		})
	}
}

// TestFrenchChatCrisis: through the binary, a French crisis message on a
// French locale gets the crisis reply in French with the lines of the
// locale's country, before anything else (each French locale is tested
// in bot, TestCrisisFrenchLocales; one is enough here).
func TestFrenchChatCrisis(t *testing.T) {
	t.Parallel()
	const line = "Centre de Prévention du Suicide : appelez le 0800 32 123"
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"chat", "--locale", "fr-BE"}, env(t), strings.NewReader("j'ai envie d'en finir\n"), &out, &errb); err != nil {
		t.Fatalf("run: %v (%s)", err, errb.String())
	}
	_, reply, _ := strings.Cut(out.String(), "Non merci\n")
	if !strings.Contains(reply, line) || !strings.Contains(reply, "pensez-vous au suicide") || strings.Contains(reply, "call ") {
		t.Errorf("the crisis reply lacks %q in French:\n%s", line, reply)
	}
}
