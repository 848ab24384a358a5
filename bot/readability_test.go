package bot

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/data/readability"
)

// maxGrade is the US school grade every English bot text must read at or
// under (issue 15): people write to this bot on hard days.
const maxGrade = 6.0

// gradeExempt are texts that are mostly names, numbers or placeholders,
// where a grade formula measures nothing useful.
var gradeExempt = map[string]bool{
	"text.month_year":        true, // "{month} {year}"
	"crisis.emergency_label": true, // "Emergency: {emergency}"
	// What an emergency number is for, said in brackets after it.
	"crisis.for.police": true, "crisis.for.medical": true, "crisis.for.mobile": true,
}

// minLabelWords: button labels and topic names shorter than this are not
// graded. The formula is meant for sentences; on one word it measures only
// syllables ("Veterans" reads at grade 20, "Depression" too), and a button
// must name the thing plainly whatever its length.
const minLabelWords = 4

// TestMessagesReadAtGradeSix holds every English text, label and topic to
// grade 6 or under, measured the way fk.py measures.
func TestMessagesReadAtGradeSix(t *testing.T) {
	b, err := os.ReadFile("messages/en.json")
	if err != nil {
		t.Fatal(err)
	}
	var c catalog
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for k, v := range c.Text {
		texts["text."+k] = v
	}
	for k, v := range c.Labels {
		texts["labels."+k] = v
	}
	for k, v := range c.Topics {
		texts["topics."+k] = v
	}
	for k, v := range c.Crisis {
		texts["crisis."+k] = v
	}
	keys := make([]string, 0, len(texts))
	for k := range texts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) < 100 {
		t.Fatalf("only %d texts read from messages/en.json", len(keys))
	}
	for _, k := range keys {
		if gradeExempt[k] || !strings.HasPrefix(k, "text.") && !strings.HasPrefix(k, "crisis.") && len(strings.Fields(texts[k])) < minLabelWords {
			continue
		}
		if g := readability.Grade(texts[k]); g > maxGrade {
			t.Errorf("%s: grade %.1f, want ≤ %.0f: %q", k, g, maxGrade, texts[k])
		}
	}
}
