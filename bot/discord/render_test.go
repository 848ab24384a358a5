package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/peermatch/peermatch/bot"
)

func choices(n int) []bot.Choice {
	var cs []bot.Choice
	for i := range n {
		cs = append(cs, bot.Choice{ID: fmt.Sprintf("topic:%02d", i), Label: fmt.Sprintf("Label %d", i)})
	}
	return cs
}

func TestComponents(t *testing.T) {
	for _, n := range []int{1, 5, 6, 25} {
		rows := components(choices(n), "en")
		if want := (n + 4) / 5; len(rows) != want {
			t.Errorf("%d choices: %d rows, want %d", n, len(rows), want)
		}
		total := 0
		for _, r := range rows {
			bs := r.(discordgo.ActionsRow).Components
			if len(bs) > maxButtons {
				t.Errorf("%d buttons in a row", len(bs))
			}
			for _, b := range bs {
				btn := b.(discordgo.Button)
				if len(btn.CustomID) > maxCustomID {
					t.Errorf("custom_id %q too long", btn.CustomID)
				}
				got := choiceID(discordgo.MessageComponentInteractionData{CustomID: btn.CustomID, ComponentType: discordgo.ButtonComponent})
				if got != fmt.Sprintf("topic:%02d", total) {
					t.Errorf("button %d reads back as %q", total, got)
				}
				total++
			}
		}
		if total != n {
			t.Errorf("%d choices became %d buttons", n, total)
		}
	}
	rows := components(choices(26), "es")
	if len(rows) != 2 {
		t.Fatalf("26 choices: %d rows, want 2 select menus", len(rows))
	}
	m := rows[0].(discordgo.ActionsRow).Components[0].(discordgo.SelectMenu)
	if len(m.Options) != 25 || m.Placeholder != "Elige una opción" || m.Options[3].Value != "topic:03" {
		t.Errorf("first menu: %d options, placeholder %q, option 3 %q", len(m.Options), m.Placeholder, m.Options[3].Value)
	}
	if got := len(components(choices(200), "en")); got != maxRows {
		t.Errorf("200 choices: %d menus, want at most %d", got, maxRows)
	}
	// A 64-byte ID (the core's maximum) fits; labels are cut to 80.
	long := bot.Choice{ID: strings.Repeat("x", 64), Label: strings.Repeat("é", 200)}
	b := components([]bot.Choice{long}, "en")[0].(discordgo.ActionsRow).Components[0].(discordgo.Button)
	if len(b.CustomID) > maxCustomID || len([]rune(b.Label)) != maxLabel {
		t.Errorf("long choice: custom_id %d chars, label %d runes", len(b.CustomID), len([]rune(b.Label)))
	}
}

func TestRenderUrgentFirst(t *testing.T) {
	out := render([]bot.Reply{{Text: "normal"}, {Text: "crisis", Urgent: true}, {Text: ""}}, "en")
	if len(out) != 2 || out[0].text != "crisis" || !out[0].urgent {
		t.Errorf("render = %+v", out)
	}
}

func TestAPIBase(t *testing.T) {
	for in, want := range map[string]string{
		"":                           "https://discord.com/api/v9",
		"http://127.0.0.1:8080":      "http://127.0.0.1:8080/api/v9",
		"https://chat.example/api":   "https://chat.example/api/v9",
		"https://chat.example/api/":  "https://chat.example/api/v9",
		"https://chat.example/x/v9/": "https://chat.example/x/v9",
	} {
		u, err := apiBase(in)
		if err != nil || u.String() != want {
			t.Errorf("apiBase(%q) = %v, %v; want %s", in, u, err, want)
		}
	}
	for _, bad := range []string{"ftp://x", "discord.com", "http://"} {
		if _, err := apiBase(bad); err == nil {
			t.Errorf("apiBase(%q) accepted", bad)
		}
	}
}

// recordRT records where a request would have gone.
type recordRT struct{ got *url.URL }

func (r *recordRT) RoundTrip(req *http.Request) (*http.Response, error) {
	r.got = req.URL
	return nil, errors.New("recorded")
}

func TestRewrite(t *testing.T) {
	base, _ := apiBase("http://127.0.0.1:9/x")
	rec := &recordRT{}
	rt := &rewrite{base: base, next: rec}
	for in, want := range map[string]string{
		discordgo.EndpointGateway:                "http://127.0.0.1:9/x/gateway/bot",
		discordgo.EndpointChannelMessages("123"): "http://127.0.0.1:9/x/channels/123/messages",
	} {
		req, _ := http.NewRequest("GET", in, nil)
		rt.RoundTrip(req)
		if rec.got == nil || rec.got.String() != want {
			t.Errorf("%s went to %v, want %s", in, rec.got, want)
		}
	}
	rec.got = nil
	req, _ := http.NewRequest("GET", "https://cdn.discordapp.com/avatars/1/2.png", nil)
	if _, err := rt.RoundTrip(req); !errors.Is(err, errOutsideAPI) || rec.got != nil {
		t.Errorf("a request outside the API went out: %v", err)
	}
}

// TestErrorsDoNotLeak: error strings never carry the URL (interaction
// tokens) or the response body.
func TestErrorsDoNotLeak(t *testing.T) {
	req, _ := http.NewRequest("POST", "https://discord.com/api/v9/webhooks/1/secret-interaction-token", nil)
	rest := &discordgo.RESTError{Request: req, Response: &http.Response{StatusCode: 403}, ResponseBody: []byte(`{"message":"echo of user text","code":50007}`),
		Message: &discordgo.APIErrorMessage{Code: 50007, Message: "echo of user text"}}
	rl := &discordgo.RateLimitError{RateLimit: &discordgo.RateLimit{TooManyRequests: &discordgo.TooManyRequests{}, URL: req.URL.String()}}
	for _, err := range []error{rest, rl, &url.Error{Op: "Post", URL: req.URL.String(), Err: errors.New("connection refused")}} {
		s := describe("send", err).Error()
		if strings.Contains(s, "secret") || strings.Contains(s, "echo") || strings.Contains(s, "webhooks") {
			t.Errorf("error leaks: %s", s)
		}
	}
	if s := describe("send", rest).Error(); s != "discord: send: HTTP 403 (Discord code 50007)" {
		t.Errorf("REST error = %q", s)
	}
}

func TestForget(t *testing.T) {
	a, err := New(Config{Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	a.dms["1"], a.dmChans["dm1"], a.locales["1"] = "dm1", true, "es-ES"
	a.dms["2"] = "dm2"
	if err := a.Forget(context.Background(), "telegram", "1"); err != nil || len(a.dms) != 2 {
		t.Fatalf("another platform's /forget touched Discord state: %v", err)
	}
	a.Forget(context.Background(), "discord", "1")
	if _, ok := a.dms["1"]; ok || a.dmChans["dm1"] || a.locales["1"] != "" || a.dms["2"] != "dm2" {
		t.Errorf("after Forget: dms %v chans %v locales %v", a.dms, a.dmChans, a.locales)
	}
}
