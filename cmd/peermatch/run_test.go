package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func env(t *testing.T) func(string) string {
	state := t.TempDir()
	return func(k string) string {
		if k == "PEERMATCH_STATE" {
			return state
		}
		return ""
	}
}

func TestSearchJSON(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"search", "--json", "--format", "online", "my", "wife", "died", "in", "March"}, env(t), strings.NewReader(""), &out, &errb)
	if err != nil {
		t.Fatalf("run: %v (%s)", err, errb.String())
	}
	var res struct {
		Results []struct {
			ID         string   `json:"id"`
			Name       string   `json:"name"`
			Topics     []string `json:"topics"`
			Format     string   `json:"format"`
			Reasons    []string `json:"reasons"`
			DistanceKm *float64 `json:"distance_km"`
		} `json:"results"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if len(res.Results) < 3 {
		t.Fatalf("got %d results, want at least 3", len(res.Results))
	}
	for _, r := range res.Results[:3] {
		if !slices.Contains(r.Topics, "grief") || r.Format == "in_person" || r.DistanceKm != nil || len(r.Reasons) == 0 {
			t.Errorf("result %+v: want an online grief listing with reasons", r)
		}
	}
}

func TestSearchNearDemo(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"search", "--data", "demo", "--near", "Austin, TX", "--format", "in_person", "--json", "grief"}, env(t), nil, &out, &errb)
	if err != nil {
		t.Fatalf("run: %v (%s)", err, errb.String())
	}
	var res struct {
		Results []struct {
			ID         string   `json:"id"`
			DistanceKm *float64 `json:"distance_km"`
		} `json:"results"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Results) == 0 || res.Results[0].DistanceKm == nil || *res.Results[0].DistanceKm > 40 {
		t.Errorf("in-person search near Austin: first result should be a room within 40 km:\n%s", out.String())
	}
}

func TestSearchBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"search", "--format", "carrier-pigeon", "grief"},
		{"search", "--near", "Nowhereville, ZZ", "grief"},
		{"search", "--within", "far", "--near", "78701", "grief"},
		{"search", "--day", "someday", "grief"},
		{"nosuchcommand"},
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), args, env(t), nil, &out, &errb)
		if exitStatus(err) != 2 || errb.Len() == 0 {
			t.Errorf("%v: err %v, stderr %q; want exit 2 with a message", args, err, errb.String())
		}
	}
}

// TestDefaultRunIsConsoleChat runs the binary as a newcomer would, with no
// token: the console chat on the embedded directory, where "hi" and one
// sentence are enough to get online grief groups from the directory.
func TestDefaultRunIsConsoleChat(t *testing.T) {
	if n := onlineGriefShown(t, "hi\nI'm looking for an online grief group\n"); n < 3 {
		t.Errorf("after two messages, %d online grief listings shown, want at least 3", n)
	}
}

// onlineGriefShown runs a console conversation through run() and counts
// the directory's online grief listings in what the bot said. Nothing run
// started may still be running once it returns.
func onlineGriefShown(t *testing.T, script string) int {
	t.Helper()
	before := goroutines()
	var out, errb bytes.Buffer
	if err := run(context.Background(), nil, env(t), strings.NewReader(script), &out, &errb); err != nil {
		t.Fatalf("run: %v (%s)", err, errb.String())
	}
	noLeaks(t, before)
	if !strings.Contains(strings.ToLower(out.String()), "bot") {
		t.Errorf("the hello should say it is a bot:\n%s", out.String())
	}
	return onlineGrief(t, out.String())
}

// TestHelloAloneShowsNoGroups keeps the test above honest: the count is of
// results, not of something every conversation prints.
func TestHelloAloneShowsNoGroups(t *testing.T) {
	if n := onlineGriefShown(t, "hi\n"); n != 0 {
		t.Errorf("the hello alone showed %d grief listings", n)
	}
}

// TestChatCalendarAndReminder: from meeting times, the console saves the
// group's calendar file and sets a reminder that survives in the state
// directory until /forget.
func TestChatCalendarAndReminder(t *testing.T) {
	save := t.TempDir()
	var out, errb bytes.Buffer
	script := "hi\nok\n/times eye openers\nAdd to calendar: Eye Openers Online (AA)\nrem:aa-eye-openers-online\n"
	if err := run(context.Background(), []string{"chat", "--save-dir", save}, env(t), strings.NewReader(script), &out, &errb); err != nil {
		t.Fatalf("run: %v (%s)", err, errb.String())
	}
	b, err := os.ReadFile(filepath.Join(save, "aa-eye-openers-online.ics"))
	if err != nil || !bytes.Contains(b, []byte("RRULE:")) || !bytes.Contains(b, []byte("DTSTART;TZID=")) {
		t.Errorf("calendar file: %v\n%s\n--- output:\n%s", err, b, out.String())
	}
	if !strings.Contains(out.String(), "remind you here an hour before") {
		t.Errorf("no reminder confirmation:\n%s", out.String())
	}
}

// A search is read up to matcher.CapText's bound, and says so (issue 12:
// 100 KB of words took seconds and most of a gigabyte).
func TestSearchLongWordsAreCapped(t *testing.T) {
	var out, errb bytes.Buffer
	args := append([]string{"search", "--json", "--format", "online"}, strings.Fields(strings.Repeat("grief widow loss ", 10000))...)
	if err := run(context.Background(), args, env(t), strings.NewReader(""), &out, &errb); err != nil {
		t.Fatalf("run: %v (%s)", err, errb.String())
	}
	if !strings.Contains(errb.String(), "only the first 200 words") || !strings.Contains(out.String(), `"grief"`) {
		t.Errorf("stderr %q, stdout %.200q: want the cap named and grief results", errb.String(), out.String())
	}
}

// TestChatCrisisAsksCountryThenShowsItsLines is issue 11's bar through the
// whole binary: with no country known the first crisis reply already lists
// lines to call, and answering "UK" to the country question shows 116 123.
func TestChatCrisisAsksCountryThenShowsItsLines(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"chat"}, env(t), strings.NewReader("I want to kill myself tonight\nUK\n"), &out, &errb); err != nil {
		t.Fatalf("run: %v (%s)", err, errb.String())
	}
	first, second, ok := strings.Cut(out.String(), "Which country are you in?")
	if !ok {
		t.Fatalf("no country question:\n%s", out.String())
	}
	for _, w := range []string{"988", "13 11 14"} {
		if !strings.Contains(first, w) {
			t.Errorf("the first crisis reply lacks %q before the question:\n%s", w, first)
		}
	}
	// After the answer: the UK's own lines and emergency number.
	if !strings.Contains(second, "Samaritans: call 116 123") || !strings.Contains(second, "999") {
		t.Errorf("after answering UK, no UK lines:\n%s", second)
	}
}

func TestSearchDataMeetingGuideFeed(t *testing.T) {
	online := map[string]any{"name": "Women's Zoom Big Book", "slug": "womens-zoom", "day": 3, "time": "19:00",
		"timezone": "America/New_York", "formatted_address": "New York, NY, USA", "conference_url": "https://zoom.us/j/81234567890",
		"types": []string{"C", "W", "B", "ONL"}, "updated": "2026-11-20 09:00:00"}
	feed := writeFeed(t, "feed.json", nycSaturday(), online)
	type result struct {
		ID     string   `json:"id"`
		Format string   `json:"format"`
		Types  []string `json:"types"`
	}
	search := func(getenv func(string) string, args ...string) []result {
		t.Helper()
		out, errOut, err := runCmd(t, getenv, append([]string{"search", "--json", "--limit", "20"}, args...)...)
		if err != nil {
			t.Fatalf("search %v: %v\n%s", args, err, errOut)
		}
		var res struct{ Results []result }
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		return res.Results
	}
	ids := func(rs []result) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	rs := search(env(t), "--data", feed, "--near", "10003", "alcohol")
	if !slices.Contains(ids(rs), "midnight-oil") {
		t.Errorf("--data feed.json near 10003: got %v, want midnight-oil", ids(rs))
	}
	getenv := func(k string) string {
		if k == "PEERMATCH_DATA" {
			return feed
		}
		return env(t)(k)
	}
	rs = search(getenv, "--format", "online", "women", "alcohol")
	i := slices.IndexFunc(rs, func(r result) bool { return r.ID == "womens-zoom" })
	if i < 0 {
		t.Fatalf("PEERMATCH_DATA=feed.json online women: got %v, want womens-zoom", ids(rs))
	}
	if rs[i].Format != "online" || !slices.Equal(rs[i].Types, []string{"B", "C", "ONL", "W"}) {
		t.Errorf("womens-zoom: %+v, want online with its type codes", rs[i])
	}
}

func TestDuplicatesAcrossSourcesServedOnce(t *testing.T) {
	a := writeFeed(t, "intergroup.json", nycSaturday())
	dup := nycSaturday()
	dup["slug"], dup["url"] = "midnight-oil-group", "https://district9.example/meetings/midnight-oil"
	b := writeFeed(t, "district.json", dup)
	zoomA := map[string]any{"name": "Early Birds", "slug": "early-birds", "day": 1, "time": "07:00", "timezone": "America/New_York",
		"conference_url": "https://zoom.us/j/5551234?pwd=abc", "updated": "2026-11-20"}
	zoomB := map[string]any{"name": "Early Bird Online Group", "slug": "eb", "day": 1, "time": "07:00", "timezone": "America/New_York",
		"conference_url": "https://www.zoom.us/j/5551234/?pwd=abc", "updated": "2026-11-21"}
	otherTime := map[string]any{"name": "Early Birds Friday", "slug": "eb-fri", "day": 5, "time": "07:00", "timezone": "America/New_York",
		"conference_url": "https://zoom.us/j/5551234?pwd=abc", "updated": "2026-11-21"}
	za := writeFeed(t, "zoom-a.json", zoomA)
	zb := writeFeed(t, "zoom-b.json", zoomB, otherTime)

	out, errOut, err := runCmd(t, env(t), "validate", a, b, za, zb)
	if err != nil {
		t.Fatalf("validate: %v\n%s%s", err, out, errOut)
	}
	for _, want := range []string{
		"duplicate: " + a + ":2: record 1 (id \"midnight-oil\") and " + b + ":2: record 1 (id \"midnight-oil-group\"): same name, time and place",
		"duplicate: " + za + ":2: record 1 (id \"early-birds\") and " + zb + ":2: record 1 (id \"eb\"): same conference link at the same time",
		"2 meetings listed by two sources",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("validate output lacks %q:\n%s", want, out)
		}
	}
	// The bot serves each once, naming both sources; the same link at
	// another time is another meeting.
	out, errOut, err = runCmd(t, env(t), "search", "--json", "--limit", "50", "--data", strings.Join([]string{a, b, za, zb}, ","), "alcohol")
	if err != nil {
		t.Fatalf("search: %v\n%s", err, errOut)
	}
	var res struct {
		Results []struct {
			ID           string   `json:"id"`
			AlsoListedBy []string `json:"also_listed_by"`
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range res.Results {
		got[r.ID] = r.AlsoListedBy
	}
	if len(got) != 3 || got["midnight-oil"] == nil || got["early-birds"] == nil || got["eb-fri"] != nil {
		t.Errorf("served %v, want midnight-oil and early-birds (each also listed by the other source) and eb-fri", got)
	}
	if s := got["midnight-oil"]; len(s) != 1 || s[0] != "https://district9.example/meetings/midnight-oil" {
		t.Errorf("midnight-oil also listed by %v, want the district's page", s)
	}
}

func TestSplitSources(t *testing.T) {
	got := splitSources("default, a.json:b/ ,https://intergroup.example/wp-admin/admin-ajax.php?action=meetings,,c.csv")
	want := []string{"default", "a.json", "b/", "https://intergroup.example/wp-admin/admin-ajax.php?action=meetings", "c.csv"}
	if !slices.Equal(got, want) {
		t.Errorf("splitSources = %q, want %q", got, want)
	}
}

func TestSearchDataURLAndRefetch(t *testing.T) {
	feed, err := json.Marshal([]map[string]any{nycSaturday()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(feed) }))
	defer srv.Close()
	url := srv.URL + "/wp-admin/admin-ajax.php?action=meetings"
	out, errOut, err := runCmd(t, env(t), "search", "--json", "--data", url, "--near", "10003", "alcohol")
	if err != nil || !strings.Contains(out, `"id": "midnight-oil"`) {
		t.Errorf("search --data URL: %v\n%s%s", err, out, errOut)
	}
	// A URL has no modification time: the watcher fetches it again every
	// feedRefetchEvery.
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	if fingerprint(url, t0) != fingerprint(url, t0.Add(time.Minute)) || fingerprint(url, t0) == fingerprint(url, t0.Add(feedRefetchEvery)) {
		t.Error("a URL source should be re-read every feedRefetchEvery, and not more often")
	}
}
