package bot

import (
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"github.com/peermatch/peermatch/data/schedule"
)

// describe says when an occurrence is, for someone in viewer's zone at now,
// in c's words: "Thu 12 Feb, 7:00 pm EST (4:00 pm PST your time)", or "in
// progress, started 10 minutes ago". A nil viewer shows only the meeting's
// own time. The schedule code returns times; every word and pattern here
// comes from the catalog (formats when_*, labels wday_*/mon_*), so a new
// language is a new catalog.
func (c *catalog) describe(o schedule.Occurrence, now time.Time, viewer *time.Location) string {
	if !now.Before(o.Start) && now.Before(o.End) {
		return c.inProgress(now.Sub(o.Start))
	}
	own := c.clock(o.Start, true)
	if viewer == nil {
		return own
	}
	v := o.Start.In(viewer)
	vName, vOff := v.Zone()
	oName, oOff := o.Start.Zone()
	if vName == oName && vOff == oOff {
		return own
	}
	sameDay := v.YearDay() == o.Start.YearDay() && v.Year() == o.Start.Year()
	return c.t("when_your_time", "own", own, "theirs", c.clock(v, !sameDay))
}

// clock is "Thu 12 Feb, 7:00 pm EST" (withDate) or "7:00 pm EST", with the
// catalog's clock layout (a Go time layout of numbers only: "3:04 pm",
// "15:04", "15 h 04") and its day and month names.
func (c *catalog) clock(t time.Time, withDate bool) string {
	zone, _ := t.Zone()
	hm := t.Format(c.t("when_clock_layout"))
	if !withDate {
		return c.t("when_time", "clock", hm, "zone", zone)
	}
	return c.t("when_date", "wday", c.label("wday_"+strconv.Itoa(int(t.Weekday()))), "day", strconv.Itoa(t.Day()),
		"mon", c.label("mon_"+strconv.Itoa(int(t.Month()))), "clock", hm, "zone", zone)
}

// inProgress is "in progress, started 1 hour 5 minutes ago".
func (c *catalog) inProgress(d time.Duration) string {
	mins := int(d / time.Minute)
	if mins == 0 {
		return c.t("when_just_started")
	}
	h, m := mins/60, mins%60
	var parts []string
	if h > 0 {
		parts = append(parts, c.count("n_hours", h))
	}
	if m > 0 {
		parts = append(parts, c.count("n_minutes", m))
	}
	return c.t("when_started_ago", "ago", strings.Join(parts, c.t("when_duration_sep")))
}

// count is the catalog's plural form of key for n ("1 hour", "5 hours"):
// key_one, key_two, key_few, key_many or key_other by the language's CLDR
// plural rule (x/text), falling back to key_other.
func (c *catalog) count(key string, n int) string {
	form := "other"
	switch plural.Cardinal.MatchPlural(language.Make(c.Lang), n, 0, 0, 0, 0) {
	case plural.Zero:
		form = "zero"
	case plural.One:
		form = "one"
	case plural.Two:
		form = "two"
	case plural.Few:
		form = "few"
	case plural.Many:
		form = "many"
	}
	s, ok := c.Formats[key+"_"+form]
	if !ok {
		s = c.Formats[key+"_other"]
	}
	return strings.ReplaceAll(s, "{n}", strconv.Itoa(n))
}

// DescribeOccurrence is describe for callers outside an Engine (the
// command-line tool): when an occurrence is, in the language ChooseLanguage
// picks for lang.
func DescribeOccurrence(o schedule.Occurrence, now time.Time, viewer *time.Location, lang string) string {
	cs, err := builtin()
	if err != nil {
		return ""
	}
	return cs.decide(lang, "", "").describe(o, now, viewer)
}
