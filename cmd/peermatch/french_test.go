package main

import (
	"bytes"
	"cmp"
	"context"
	"regexp"
	"strings"
	"testing"
)

// onlyIn reads a reason "only in <country>" of a country-limited listing.
var onlyIn = regexp.MustCompile(`seulement au pays suivant : ([^·\n]+)`)

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
		// country, when the person named a place: a listing limited to
		// one country is shown only if it is this one.
		country string
		// want is how many groups about the topic must be shown (3 when 0):
		// the directory has one French group that serves Brussels, and the
		// chat must show it rather than Québec's or France's.
		want int
	}{
		{"grief in Montréal", "fr-CA", []string{
			"bonjour",
			"J'ai perdu ma mère le mois dernier, je cherche un groupe de deuil à Montréal",
		}, "deuil et perte", nil, "Canada", 0},
		{"alcohol online, not AA", "fr-CA", []string{
			"Je bois trop, je cherche un groupe en ligne, mais pas les AA",
		}, "alcool", []string{"Alcoholics Anonymous", "Alcooliques anonymes", "Alcooliques Anonymes", "(AA)"}, "", 0},
		{"caregivers in Montréal", "fr-CA", []string{
			"Je suis aidante pour ma mère, je cherche un groupe de soutien pour proches aidants",
			"peu importe",
			"Montréal",
		}, "proches aidants", nil, "Canada", 0},
		{"anxiety in Paris", "fr-FR", []string{
			"Je fais des crises d'angoisse, je cherche un groupe à Paris",
		}, "anxiété et panique", nil, "France", 0},
		{"anxiety in Brussels", "fr-BE", []string{
			"J'ai beaucoup d'anxiété, je cherche un groupe en ligne ou par téléphone, j'habite à Bruxelles",
			"pour moi",
		}, "anxiété et panique", nil, "Belgique", 1},
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
			if want := cmp.Or(c.want, 3); matches < want {
				t.Errorf("%d groups about %q in %d messages, want at least %d:\n%s", matches, c.topic, len(c.script), want, o)
			}
			if c.country != "" {
				for _, m := range onlyIn.FindAllStringSubmatch(o, -1) {
					if strings.TrimSpace(m[1]) != c.country {
						t.Errorf("a listing only for %s shown to a person in %s:\n%s", m[1], c.country, o)
					}
				}
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
