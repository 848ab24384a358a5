package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestRunScreen(t *testing.T) {
	long := strings.Repeat("we talked about the garden ", 40000) + "and i want to kill myself" // ~1 MB line
	in := strings.Join([]string{
		"i want to die",
		"this workout is killing me",
		"i took 40 pills",
		"mi novio me pega",
		"",
		long,
	}, "\n") + "\n"
	var out, errb bytes.Buffer
	if err := runScreen(context.Background(), nil, strings.NewReader(in), &out, &errb); err != nil {
		t.Fatalf("runScreen: %v (stderr %q)", err, errb.String())
	}
	type row struct {
		Level      string   `json:"level"`
		Categories []string `json:"categories"`
		Signals    []string `json:"signals"`
	}
	var rows []row
	dec := json.NewDecoder(&out)
	for dec.More() {
		var r row
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		if r.Categories == nil || r.Signals == nil {
			t.Errorf("null arrays in %+v", r)
		}
		rows = append(rows, r)
	}
	want := []string{"concern", "none", "emergency", "urgent", "none", "urgent"}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		if rows[i].Level != w {
			t.Errorf("line %d: level %q, want %q", i+1, rows[i].Level, w)
		}
	}
	if rows[3].Categories[0] != "domestic-violence" {
		t.Errorf("line 4 categories %v", rows[3].Categories)
	}
	if strings.Contains(out.String(), "garden") || strings.Contains(out.String(), "pills") {
		t.Error("output carries message text")
	}
}
