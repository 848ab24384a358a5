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
	err := runTimes(context.Background(), args, func(k string) string { return env[k] }, &out, &errb, timesDir(), now)
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
