package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/index"
)

func timesDir() *data.Directory {
	return data.NewDirectory([]*data.Group{
		{ID: "thursday-grief", Name: "Thursday grief circle", TimeZone: "America/New_York", LastVerified: "2026-01-15",
			Meetings: []data.Meeting{{RRule: "FREQ=MONTHLY;BYDAY=2TH,4TH", Start: "19:00", Duration: 90}}},
		{ID: "sunday-grief", Name: "Sunday grief circle", TimeZone: "Europe/London",
			Meetings: []data.Meeting{{RRule: "FREQ=WEEKLY;BYDAY=SU", Start: "19:00"}}},
	})
}

func runTimesTest(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	now := time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC)
	err := runTimes(context.Background(), args, func(k string) string { return env[k] }, &out, &errb, index.NewScan(timesDir()), now)
	return out.String(), errb.String(), err
}

func TestTimesText(t *testing.T) {
	out, _, err := runTimesTest(t, nil, "--tz", "America/Los_Angeles", "--count", "2", "thursday-grief")
	if err != nil {
		t.Fatal(err)
	}
	want := "Thursday grief circle (thursday-grief)\n" +
		"  Thu 12 Feb, 7:00 pm EST (4:00 pm PST your time)\n" +
		"  Thu 26 Feb, 7:00 pm EST (4:00 pm PST your time)\n" +
		"  last verified 2026-01-15\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	// $TZ is the default viewer zone; a name is matched by words.
	out, _, err = runTimesTest(t, map[string]string{"TZ": "Australia/Sydney"}, "--count", "1", "--lang", "es", "thursday", "circle")
	if err != nil || !strings.Contains(out, "jue 12 feb, 19:00 EST (vie 13 feb, 11:00 AEDT en tu hora)") {
		t.Errorf("got %q, %v", out, err)
	}
}

func TestTimesJSONAndICS(t *testing.T) {
	file := filepath.Join(t.TempDir(), "g.ics")
	out, _, err := runTimesTest(t, nil, "--json", "--count", "3", "--ics", file, "thursday-grief")
	if err != nil {
		t.Fatal(err)
	}
	var got timesJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Group.ID != "thursday-grief" || len(got.Meetings) != 3 {
		t.Fatalf("%+v", got)
	}
	m := got.Meetings[2]
	if m.Start != "2026-03-12T19:00:00-04:00" || m.End != "2026-03-12T20:30:00-04:00" || m.TimeZone != "America/New_York" {
		t.Errorf("%+v", m)
	}
	b, err := os.ReadFile(file)
	if err != nil || !bytes.Contains(b, []byte("DTSTART;TZID=America/New_York:20260212T190000")) {
		t.Errorf("ics file: %v\n%s", err, b)
	}
}

func TestTimesErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"no-such-group-anywhere"},
		{"grief", "circle"}, // ambiguous
		{"--tz", "Mars/Base", "thursday-grief"},
		{"--count", "0", "thursday-grief"},
	} {
		if _, _, err := runTimesTest(t, nil, args...); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

// writeFeed writes Meeting Guide meeting objects as a feed file.
func writeFeed(t *testing.T, name string, meetings ...map[string]any) string {
	t.Helper()
	b, err := json.MarshalIndent(meetings, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// nycSaturday is an in-person meeting on Saturdays at 23:30 in New York.
func nycSaturday() map[string]any {
	return map[string]any{"name": "Midnight Oil", "slug": "midnight-oil", "day": 6, "time": "23:30", "end_time": "00:30",
		"timezone": "America/New_York", "location": "St. Mark's Church",
		"formatted_address": "131 E 10th St, New York, NY 10003, USA", "latitude": 40.7295, "longitude": -73.9867,
		"types": []string{"O", "B", "X"}, "updated": "2026-11-20 09:00:00"}
}

func TestTimesDataMeetingGuideFeed(t *testing.T) {
	feed := writeFeed(t, "feed.json", nycSaturday())
	var out, errb bytes.Buffer
	now := time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC) // a Tuesday
	err := runTimesCommand(context.Background(), []string{"--data", feed, "--tz", "America/Los_Angeles", "--count", "1", "midnight-oil"},
		env(t), &out, &errb, now)
	if err != nil {
		t.Fatalf("times --data feed.json: %v (%s)", err, errb.String())
	}
	if want := "Sat 14 Feb, 11:30 pm EST (8:30 pm PST your time)"; !strings.Contains(out.String(), want) {
		t.Errorf("got\n%s\nwant a line with %q", out.String(), want)
	}
	// PEERMATCH_DATA names the same feed for the whole process.
	getenv := func(k string) string {
		if k == "PEERMATCH_DATA" {
			return feed
		}
		return env(t)(k)
	}
	out.Reset()
	if err := runTimesCommand(context.Background(), []string{"--tz", "America/Los_Angeles", "midnight", "oil"}, getenv, &out, &errb, now); err != nil ||
		!strings.Contains(out.String(), "8:30 pm PST your time") {
		t.Errorf("PEERMATCH_DATA: %v\n%s", err, out.String())
	}
	// Through run, the flag is accepted (it was "flag provided but not defined").
	if o, e, err := runCmd(t, env(t), "times", "--data", feed, "midnight-oil"); err != nil || !strings.Contains(o, "Midnight Oil (midnight-oil)") {
		t.Errorf("run times --data: %v\n%s%s", err, o, e)
	}
}

func TestTimesSeesImportedGroups(t *testing.T) {
	getenv := env(t)
	feed := writeFeed(t, "intergroup.json", nycSaturday())
	if o, e, err := runCmd(t, getenv, "import", feed); err != nil {
		t.Fatalf("import: %v\n%s%s", err, o, e)
	}
	out, errOut, err := runCmd(t, getenv, "times", "--tz", "America/Los_Angeles", "midnight-oil")
	if err != nil || !strings.Contains(out, "Midnight Oil (midnight-oil)") || !strings.Contains(out, "8:30 pm PST your time") {
		t.Errorf("times of an imported group: %v\n%s%s", err, out, errOut)
	}
}

// TestFindGroupInALargeIndex: past scanNamesUpTo listings, names are
// matched among the index's text hits rather than by reading every one.
func TestFindGroupInALargeIndex(t *testing.T) {
	gs := synthetic(t, scanNamesUpTo+500)
	want := gs[len(gs)/2]
	want.Name = "Zebra Lantern Circle"
	idx := index.NewScan(data.NewDirectory(gs))
	for _, q := range []string{want.ID, "zebra lantern"} {
		g, err := findGroup(context.Background(), idx, q)
		if err != nil || g.ID != want.ID {
			t.Errorf("findGroup(%q) = %v, %v; want %s", q, g, err, want.ID)
		}
	}
	if _, err := findGroup(context.Background(), idx, "no such words anywhere"); err == nil {
		t.Errorf("findGroup of unknown words: no error")
	}
}
