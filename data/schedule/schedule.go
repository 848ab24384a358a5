package schedule

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/peermatch/peermatch/data"

	"github.com/teambition/rrule-go"
)

// DefaultDuration is assumed for display and "in progress" checks when a
// meeting does not say how long it lasts.
const DefaultDuration = 60 * time.Minute

// iterationCap bounds the expansion of one rule so that a pathological rule
// (one occurrence every few centuries, or all excluded) cannot spin for long.
const iterationCap = 200000

// Occurrence is one concrete meeting. Start and End are in the meeting's own
// time zone; convert with In for a viewer.
type Occurrence struct {
	Start, End time.Time
	Meeting    *data.Meeting
}

// WeeklyMeeting builds the weekly meeting a Meeting Guide feed describes with
// day, time and timezone. start is the local wall time "HH:MM".
func WeeklyMeeting(day time.Weekday, start string, durationMin int, tz string) data.Meeting {
	return data.Meeting{
		RRule:    "FREQ=WEEKLY;BYDAY=" + RRuleDays[day],
		Start:    start,
		Duration: durationMin,
		TimeZone: tz,
	}
}

// RRuleDays maps time.Weekday (Sunday = 0) to RFC 5545 day codes.
var RRuleDays = [7]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// schedule is a Meeting parsed and checked once, ready to expand.
type schedule struct {
	loc          *time.Location
	hour, minute int
	dur          time.Duration
	opt          rrule.ROption // without Dtstart; Byhour/Byminute set from Start
	// anchored: the rule's phase or count depends on DTSTART (INTERVAL>1,
	// COUNT, or a WEEKLY/MONTHLY/YEARLY rule whose day comes from DTSTART),
	// so valid_from is the anchor. Other rules may start anywhere, which
	// keeps expansion short.
	anchored bool
	from     time.Time // first valid day 00:00 local; zero if open
	until    time.Time // last valid instant; zero if open
	ex       map[string]bool
}

// Validate checks the meeting's schedule. groupTZ is used when the meeting
// has no zone of its own. Errors wrap ErrSchedule and are *ScheduleError.
func Validate(m *data.Meeting, groupTZ string) (err error) {
	defer guard(m, &err)
	s, err := compile(m, groupTZ)
	if err != nil {
		return err
	}
	// A rule that never fires (BYMONTHDAY=30;BYMONTH=2) or fires only
	// outside the valid dates is a data error worth reporting, not silence.
	start := s.from
	if start.IsZero() {
		start = time.Date(2000, 1, 1, 0, 0, 0, 0, s.loc)
	}
	r, err := s.rule(start, time.Date(start.Year()+11, start.Month(), start.Day(), 0, 0, 0, 0, s.loc))
	if err != nil {
		return &data.ScheduleError{Field: "rrule", Value: m.RRule, Expected: "a valid RFC 5545 RRULE", Err: err}
	}
	if t, ok := r.Iterator()(); !ok || (!s.until.IsZero() && t.After(s.until)) {
		return &data.ScheduleError{Field: "rrule", Value: m.RRule, Expected: "a rule with at least one meeting between valid_from and valid_until (or within 10 years)"}
	}
	return nil
}

// errSchedulePanic is wrapped when expanding a meeting panicked.
var errSchedulePanic = errors.New("the schedule could not be expanded")

// guard turns a panic while handling one meeting (inside rrule-go, or ours)
// into a *ScheduleError for that meeting, so a rule the checks in compile
// did not foresee costs one record, never the process. Deferred by every
// exported method that reaches rrule-go.
func guard(m *data.Meeting, err *error) {
	if r := recover(); r != nil {
		*err = &data.ScheduleError{Field: "rrule", Value: m.RRule, Expected: "a rule the scheduler can expand", Err: fmt.Errorf("%w (%v)", errSchedulePanic, r)}
	}
}

func compile(m *data.Meeting, groupTZ string) (*schedule, error) {
	s := &schedule{}
	tz := m.Zone(groupTZ)
	if tz == "" || tz == "Local" {
		return nil, &data.ScheduleError{Field: "timezone", Value: tz, Expected: "an IANA zone such as America/New_York, on the meeting or its group"}
	}
	loc, err := data.LoadZone(tz)
	if err != nil {
		return nil, &data.ScheduleError{Field: "timezone", Value: tz, Expected: "an IANA zone such as America/New_York", Err: err}
	}
	s.loc = loc

	h, mi, ok := ParseClock(m.Start)
	if !ok {
		return nil, &data.ScheduleError{Field: "start", Value: m.Start, Expected: `a local time "HH:MM" from 00:00 to 23:59`}
	}
	s.hour, s.minute = h, mi

	switch {
	case m.Duration < 0 || m.Duration > 24*60:
		return nil, &data.ScheduleError{Field: "duration_min", Value: strconv.Itoa(m.Duration), Expected: "minutes from 1 to 1440 (0 for unknown)"}
	case m.Duration == 0:
		s.dur = DefaultDuration
	default:
		s.dur = time.Duration(m.Duration) * time.Minute
	}

	rule := strings.TrimSpace(m.RRule)
	rule = strings.TrimPrefix(rule, "RRULE:")
	if len(rule) > maxRuleLen {
		return nil, &data.ScheduleError{Field: "rrule", Value: strings.ToValidUTF8(m.RRule[:maxRuleLen], "") + "…", Expected: fmt.Sprintf("a rule of at most %d characters", maxRuleLen)}
	}
	if rule == "" || strings.ContainsAny(rule, "\n\r") || strings.Contains(strings.ToUpper(rule), "DTSTART") {
		return nil, &data.ScheduleError{Field: "rrule", Value: m.RRule, Expected: `one RFC 5545 RRULE line such as "FREQ=WEEKLY;BYDAY=TH" (the first date goes in valid_from, the time in start)`}
	}
	opt, err := rrule.StrToROptionInLocation(strings.ToUpper(rule), loc)
	if err != nil {
		return nil, &data.ScheduleError{Field: "rrule", Value: m.RRule, Expected: `an RFC 5545 RRULE such as "FREQ=MONTHLY;BYDAY=2TH,4TH"`, Err: err}
	}
	if opt.Freq < rrule.YEARLY || opt.Freq > rrule.DAILY {
		return nil, &data.ScheduleError{Field: "rrule", Value: m.RRule, Expected: "FREQ=DAILY, WEEKLY, MONTHLY or YEARLY"}
	}
	if len(opt.Byhour)+len(opt.Byminute)+len(opt.Bysecond) > 0 {
		return nil, &data.ScheduleError{Field: "rrule", Value: m.RRule, Expected: "no BYHOUR/BYMINUTE/BYSECOND: the time of day goes in start"}
	}
	if _, err := rrule.NewRRule(*opt); err != nil {
		return nil, &data.ScheduleError{Field: "rrule", Value: m.RRule, Expected: "RRULE values within RFC 5545 bounds", Err: err}
	}
	if want := checkRuleBounds(opt); want != "" {
		return nil, &data.ScheduleError{Field: "rrule", Value: m.RRule, Expected: want}
	}
	opt.Byhour, opt.Byminute, opt.Bysecond = []int{h}, []int{mi}, []int{0}
	s.opt = *opt
	noDay := len(opt.Byweekday)+len(opt.Bymonthday)+len(opt.Byyearday)+len(opt.Byweekno)+len(opt.Byeaster) == 0
	s.anchored = opt.Interval > 1 || opt.Count > 0 || (noDay && opt.Freq != rrule.DAILY)

	if m.ValidFrom != "" {
		d, err := parseScheduleDate(m.ValidFrom, loc)
		if err != nil {
			return nil, &data.ScheduleError{Field: "valid_from", Value: m.ValidFrom, Expected: dateExpected, Err: err}
		}
		s.from = d
	} else if s.anchored {
		return nil, &data.ScheduleError{Field: "valid_from", Value: "", Expected: "a first date YYYY-MM-DD: this rule (INTERVAL, COUNT, or no BYDAY/BYMONTHDAY) counts from it"}
	}
	if m.ValidUntil != "" {
		d, err := parseScheduleDate(m.ValidUntil, loc)
		if err != nil {
			return nil, &data.ScheduleError{Field: "valid_until", Value: m.ValidUntil, Expected: dateExpected, Err: err}
		}
		s.until = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc).Add(-time.Second)
		if !s.from.IsZero() && s.until.Before(s.from) {
			return nil, &data.ScheduleError{Field: "valid_until", Value: m.ValidUntil, Expected: "a date on or after valid_from " + m.ValidFrom}
		}
	}
	if !opt.Until.IsZero() && (s.until.IsZero() || opt.Until.Before(s.until)) {
		s.until = opt.Until
	}
	s.opt.Until = s.until

	for i, x := range m.ExDates {
		if _, err := parseScheduleDate(x, time.UTC); err != nil {
			return nil, &data.ScheduleError{Field: fmt.Sprintf("exdates[%d]", i), Value: x, Expected: "a local " + dateExpected, Err: err}
		}
		if s.ex == nil {
			s.ex = make(map[string]bool, len(m.ExDates))
		}
		s.ex[x] = true
	}
	return s, nil
}

// Schedules are checked against these bounds before rrule-go sees them:
// rrule-go indexes tables by year and panics on years it cannot place
// (valid_from 0000-01-01 crashed the bot at start), and a huge INTERVAL or
// COUNT only makes expansion slow. No peer group meets outside them.
const (
	minScheduleYear = 1900
	maxScheduleYear = 2200
	maxRuleLen      = 500   // characters of one RRULE
	maxRuleCount    = 10000 // COUNT: nearly 200 years of weekly meetings
)

// maxInterval bounds INTERVAL per frequency to at most ten years between
// meetings; Validate wants a meeting within ten years anyway.
var maxInterval = map[rrule.Frequency]int{rrule.YEARLY: 10, rrule.MONTHLY: 120, rrule.WEEKLY: 520, rrule.DAILY: 3660}

var dateExpected = fmt.Sprintf("a date YYYY-MM-DD in the years %d–%d", minScheduleYear, maxScheduleYear)

// errYearRange is wrapped when a date parses but lies outside the years
// schedules may use.
var errYearRange = errors.New("year out of range")

// parseScheduleDate reads a YYYY-MM-DD date within the schedule years.
func parseScheduleDate(s string, loc *time.Location) (time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, err
	}
	if y := d.Year(); y < minScheduleYear || y > maxScheduleYear {
		return time.Time{}, fmt.Errorf("%w: %d", errYearRange, y)
	}
	return d, nil
}

// checkRuleBounds returns what was expected when a parsed rule is outside
// the bounds above or combines parts RFC 5545 forbids (section 3.3.10),
// and "" when it is fine. rrule-go itself checks the BYxxx value ranges.
func checkRuleBounds(opt *rrule.ROption) string {
	if opt.Interval < 0 || opt.Interval > maxInterval[opt.Freq] {
		return fmt.Sprintf("INTERVAL from 1 to %d for FREQ=%s", maxInterval[opt.Freq], opt.Freq)
	}
	if opt.Count < 0 || opt.Count > maxRuleCount {
		return fmt.Sprintf("COUNT from 1 to %d", maxRuleCount)
	}
	if !opt.Until.IsZero() && (opt.Until.Year() < minScheduleYear || opt.Until.Year() > maxScheduleYear) {
		return fmt.Sprintf("UNTIL in the years %d–%d", minScheduleYear, maxScheduleYear)
	}
	for _, e := range opt.Byeaster {
		if e < -366 || e > 366 {
			return "BYEASTER from -366 to 366"
		}
	}
	switch {
	case len(opt.Byweekno) > 0 && opt.Freq != rrule.YEARLY:
		return "BYWEEKNO only with FREQ=YEARLY"
	case len(opt.Byyearday) > 0 && opt.Freq != rrule.YEARLY:
		return "BYYEARDAY only with FREQ=YEARLY"
	case len(opt.Bymonthday) > 0 && opt.Freq == rrule.WEEKLY:
		return "no BYMONTHDAY with FREQ=WEEKLY"
	}
	for _, w := range opt.Byweekday {
		n := w.N()
		switch {
		case n == 0:
		case opt.Freq == rrule.MONTHLY && (n < -5 || n > 5):
			return "a BYDAY week number from -5 to 5 (e.g. 2TH) with FREQ=MONTHLY"
		case opt.Freq != rrule.MONTHLY && opt.Freq != rrule.YEARLY:
			return "a BYDAY week number (e.g. 2TH) only with FREQ=MONTHLY or YEARLY"
		case opt.Freq == rrule.YEARLY && len(opt.Byweekno) > 0:
			return "no BYDAY week number with BYWEEKNO"
		}
	}
	return ""
}

// ParseClock reads a wall-clock time "HH:MM" (or "H:MM").
func ParseClock(s string) (h, m int, ok bool) {
	hs, ms, found := strings.Cut(strings.TrimSpace(s), ":")
	if !found || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 {
		return 0, 0, false
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

// rule builds the rrule with DTSTART at the start time on day's local date.
// DTSTART must be a local time in the meeting's zone: rrule-go generates
// every occurrence in DTSTART's location, which is what keeps "7 pm" at
// 7 pm across daylight-saving changes.
func (s *schedule) rule(day time.Time, until time.Time) (*rrule.RRule, error) {
	opt := s.opt
	opt.Dtstart = time.Date(day.Year(), day.Month(), day.Day(), s.hour, s.minute, 0, 0, s.loc)
	if !until.IsZero() && (opt.Until.IsZero() || until.Before(opt.Until)) {
		opt.Until = until
	}
	return rrule.NewRRule(opt)
}

// anchor is where expansion starts for occurrences ending after lo: the
// valid_from date for anchored rules, else the first of the month (January
// for yearly rules) a little before lo, so the period that contains lo is
// generated whole.
func (s *schedule) anchor(lo time.Time) time.Time {
	if s.anchored {
		return s.from
	}
	l := lo.In(s.loc).AddDate(0, 0, -2)
	a := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, s.loc)
	if s.opt.Freq == rrule.YEARLY {
		a = time.Date(l.Year(), 1, 1, 0, 0, 0, 0, s.loc)
	}
	if a.Before(s.from) {
		a = s.from
	}
	return a
}

// expand returns up to n occurrences that end after `after` (so one in
// progress is included), skipping exception dates.
func (s *schedule) expand(m *data.Meeting, after time.Time, n int) ([]Occurrence, error) {
	if n <= 0 {
		return nil, nil
	}
	lo := after.Add(-s.dur)
	r, err := s.rule(s.anchor(lo), time.Time{})
	if err != nil {
		return nil, &data.ScheduleError{Field: "rrule", Value: m.RRule, Expected: "a valid RFC 5545 RRULE", Err: err}
	}
	var out []Occurrence
	next := r.Iterator()
	for i := 0; len(out) < n && i < iterationCap; i++ {
		t, ok := next()
		if !ok {
			break
		}
		if !t.After(lo) || s.ex[t.Format(time.DateOnly)] {
			continue
		}
		out = append(out, Occurrence{Start: t, End: t.Add(s.dur), Meeting: m})
	}
	return out, nil
}

// Next returns the next n occurrences of the meeting that end after `after`:
// a meeting that started less than its length ago is included (it is in
// progress). groupTZ is used when the meeting has no zone of its own.
func Next(m *data.Meeting, after time.Time, n int, groupTZ string) (occ []Occurrence, err error) {
	defer guard(m, &err)
	s, err := compile(m, groupTZ)
	if err != nil {
		return nil, err
	}
	return s.expand(m, after, n)
}

// Location returns the meeting's time zone (its own, else groupTZ).
func Location(m *data.Meeting, groupTZ string) (loc *time.Location, err error) {
	defer guard(m, &err)
	s, err := compile(m, groupTZ)
	if err != nil {
		return nil, err
	}
	return s.loc, nil
}

// NextMeetings merges the next n occurrences of all the group's meetings,
// earliest first (one in progress included). If some meetings are invalid,
// the occurrences of the valid ones are still returned, along with an error
// naming each bad meeting.
func NextMeetings(g *data.Group, after time.Time, n int) ([]Occurrence, error) {
	var all []Occurrence
	var errs []error
	for i := range g.Meetings {
		occ, err := Next(&g.Meetings[i], after, n, g.TimeZone)
		if err != nil {
			errs = append(errs, fmt.Errorf("group %s meetings[%d]: %w", g.ID, i, err))
			continue
		}
		all = append(all, occ...)
	}
	slices.SortStableFunc(all, func(a, b Occurrence) int { return a.Start.Compare(b.Start) })
	if len(all) > n {
		all = all[:n]
	}
	return all, errors.Join(errs...)
}

// Days lists the days of the week (in the meetings' local zones) on which
// the group meets, Sunday first. It reads the rules without expanding them.
// Meetings whose weekday varies (monthly on the 15th) add no day.
func Days(g *data.Group) []time.Weekday {
	var seen [7]bool
	for i := range g.Meetings {
		m := &g.Meetings[i]
		freq, byday, other := ruleParts(m.RRule)
		switch {
		case byday != "":
			for _, d := range strings.Split(byday, ",") {
				if len(d) >= 2 {
					if w := slices.Index(RRuleDays[:], d[len(d)-2:]); w >= 0 {
						seen[w] = true
					}
				}
			}
		case other:
			// BYMONTHDAY, BYYEARDAY...: the weekday changes over time.
		case freq == "DAILY":
			seen = [7]bool{true, true, true, true, true, true, true}
		case freq == "WEEKLY" && m.ValidFrom != "":
			if d, err := time.Parse(time.DateOnly, m.ValidFrom); err == nil {
				seen[d.Weekday()] = true
			}
		}
	}
	var days []time.Weekday
	for d, ok := range seen {
		if ok {
			days = append(days, time.Weekday(d))
		}
	}
	return days
}

// ruleParts pulls FREQ and BYDAY out of an RRULE string, and reports whether
// another day-selecting part (BYMONTHDAY, BYYEARDAY, BYWEEKNO) is present.
func ruleParts(rule string) (freq, byday string, other bool) {
	rule = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(rule)), "RRULE:")
	for _, p := range strings.Split(rule, ";") {
		k, v, _ := strings.Cut(p, "=")
		switch k {
		case "FREQ":
			freq = v
		case "BYDAY":
			byday = v
		case "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO":
			other = true
		}
	}
	return freq, byday, other
}

// StartMinutes lists the distinct local start times of the group's meetings
// as minutes after midnight, ascending.
func StartMinutes(g *data.Group) []int {
	var out []int
	for i := range g.Meetings {
		if h, m, ok := ParseClock(g.Meetings[i].Start); ok {
			out = append(out, h*60+m)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Describe says when the occurrence is, for someone in viewer's zone at now:
// "Thu 12 Feb, 7:00 pm EST (4:00 pm PST your time)", or "in progress,
// started 10 minutes ago". lang "es" gives Spanish; anything else English.
// A nil viewer shows only the meeting's own time.
func (o Occurrence) Describe(now time.Time, viewer *time.Location, lang string) string {
	es := strings.HasPrefix(strings.ToLower(lang), "es")
	if !now.Before(o.Start) && now.Before(o.End) {
		return inProgress(now.Sub(o.Start), es)
	}
	own := formatWhen(o.Start, true, es)
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
	theirs := formatWhen(v, !sameDay, es)
	if es {
		return own + " (" + theirs + " en tu hora)"
	}
	return own + " (" + theirs + " your time)"
}

func inProgress(d time.Duration, es bool) string {
	mins := int(d / time.Minute)
	h, m := mins/60, mins%60
	if es {
		if mins == 0 {
			return "en curso, acaba de empezar"
		}
		var parts []string
		if h > 0 {
			parts = append(parts, plural(h, "hora", "horas"))
		}
		if m > 0 {
			parts = append(parts, plural(m, "minuto", "minutos"))
		}
		return "en curso, empezó hace " + strings.Join(parts, " y ")
	}
	if mins == 0 {
		return "in progress, just started"
	}
	var parts []string
	if h > 0 {
		parts = append(parts, plural(h, "hour", "hours"))
	}
	if m > 0 {
		parts = append(parts, plural(m, "minute", "minutes"))
	}
	return "in progress, started " + strings.Join(parts, " ") + " ago"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

var (
	esDays   = [7]string{"dom", "lun", "mar", "mié", "jue", "vie", "sáb"}
	esMonths = [12]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"}
)

// formatWhen renders "Thu 12 Feb, 7:00 pm EST" (withDate) or "7:00 pm EST";
// Spanish uses the 24-hour clock: "jue 12 feb, 19:00 EST".
func formatWhen(t time.Time, withDate, es bool) string {
	zone, _ := t.Zone()
	if es {
		clock := t.Format("15:04") + " " + zone
		if !withDate {
			return clock
		}
		return fmt.Sprintf("%s %d %s, %s", esDays[t.Weekday()], t.Day(), esMonths[t.Month()-1], clock)
	}
	if withDate {
		return t.Format("Mon 2 Jan, 3:04 pm MST")
	}
	return t.Format("3:04 pm MST")
}

// When is a time preference read from words like "sunday", "tonight",
// "this weekend", "after 6 pm", "evenings" (English and Spanish).
// Zero fields mean "no preference".
type When struct {
	Days []time.Weekday // meets on one of these days
	// After and Before bound the local start time in minutes after midnight
	// (0 = unbounded), the same convention as Intake.After/Before.
	After, Before int
	// From and To bound the date (To exclusive) for "tonight", "tomorrow",
	// "this weekend"; zero when the words named no particular date.
	From, To time.Time
	// Now: the words asked for a meeting now (From and To are then
	// instants, whatever the zone).
	Now bool
}

// Match reports whether an occurrence starting at start fits, judged in loc
// (the viewer's zone).
func (w When) Match(start time.Time, loc *time.Location) bool {
	if loc != nil {
		start = start.In(loc)
	}
	if len(w.Days) > 0 && !slices.Contains(w.Days, start.Weekday()) {
		return false
	}
	mins := start.Hour()*60 + start.Minute()
	if w.After > 0 && mins < w.After {
		return false
	}
	if w.Before > 0 && mins >= w.Before {
		return false
	}
	if !w.From.IsZero() && start.Before(w.From) {
		return false
	}
	if !w.To.IsZero() && !start.Before(w.To) {
		return false
	}
	return true
}

// IsZero reports whether the When asks for nothing.
func (w When) IsZero() bool {
	return len(w.Days) == 0 && w.After == 0 && w.Before == 0 && w.From.IsZero() && w.To.IsZero()
}

var dayWords = map[string]time.Weekday{
	"sunday": time.Sunday, "sundays": time.Sunday, "domingo": time.Sunday, "domingos": time.Sunday,
	"monday": time.Monday, "mondays": time.Monday, "lunes": time.Monday,
	"tuesday": time.Tuesday, "tuesdays": time.Tuesday, "martes": time.Tuesday,
	"wednesday": time.Wednesday, "wednesdays": time.Wednesday, "miercoles": time.Wednesday,
	"thursday": time.Thursday, "thursdays": time.Thursday, "jueves": time.Thursday,
	"friday": time.Friday, "fridays": time.Friday, "viernes": time.Friday,
	"saturday": time.Saturday, "saturdays": time.Saturday, "sabado": time.Saturday, "sabados": time.Saturday,
}

var accentFolder = strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n",
	"Á", "a", "É", "e", "Í", "i", "Ó", "o", "Ú", "u", "Ñ", "n")

// ParseWhen reads a time preference from a message in English or Spanish,
// relative to now in loc (the person's zone; UTC if nil). ok is false when
// the text names no day or time. Hours without am/pm from 1 to 7 are read as
// afternoon/evening ("after 6" = 18:00), since peer groups rarely meet
// before dawn; 8 to 12 are read as given.
func ParseWhen(text string, now time.Time, loc *time.Location) (When, bool) {
	if loc == nil {
		loc = time.UTC
	}
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	day := func(offset int) (time.Time, time.Time) {
		return today.AddDate(0, 0, offset), today.AddDate(0, 0, offset+1)
	}

	s := " " + accentFolder.Replace(strings.ToLower(text)) + " "
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == ':' {
			return r
		}
		if r == '.' { // "p.m." -> "pm"
			return -1
		}
		return ' '
	}, s)
	s = " " + strings.Join(strings.Fields(s), " ") + " "
	has := func(phrases ...string) bool {
		for _, p := range phrases {
			if strings.Contains(s, " "+p+" ") {
				return true
			}
		}
		return false
	}
	cut := func(phrases ...string) {
		for _, p := range phrases {
			s = strings.ReplaceAll(s, " "+p+" ", " ")
		}
	}

	var w When
	// Clock bounds first, so their digits and "de la tarde" do not count as
	// other words below.
	if mins, rest, ok := clockAfter(s, []string{"after", "from", "despues de las", "despues de la", "despues de", "a partir de las", "a partir de la", "desde las", "desde la"}); ok {
		w.After, s = mins, rest
	}
	if mins, rest, ok := clockAfter(s, []string{"before", "until", "antes de las", "antes de la", "antes de", "hasta las", "hasta la"}); ok {
		w.Before, s = mins, rest
	}

	// Spanish "mañana" is both "morning" and "tomorrow": the phrases that
	// mean morning go first.
	if has("por la manana", "en la manana", "de la manana", "las mananas", "por las mananas", "mornings", "morning") {
		cut("por la manana", "en la manana", "de la manana", "las mananas", "por las mananas", "mornings", "morning")
		setRange(&w, 0, 12*60)
	}
	switch {
	case has("this weekend", "este fin de semana", "este finde", "el fin de semana", "the weekend"):
		// From today (if it is already the weekend) to the end of Sunday.
		toSat := (int(time.Saturday) - int(now.Weekday()) + 7) % 7
		if now.Weekday() == time.Sunday {
			toSat = 0
		}
		toMon := (int(time.Monday) - int(now.Weekday()) + 7) % 7
		if toMon == 0 {
			toMon = 7
		}
		w.From, w.To = today.AddDate(0, 0, toSat), today.AddDate(0, 0, toMon)
		w.Days = []time.Weekday{time.Saturday, time.Sunday}
	case has("weekends", "weekend", "fines de semana", "fin de semana", "finde", "findes"):
		w.Days = []time.Weekday{time.Saturday, time.Sunday}
	case has("weekdays", "weekday", "entre semana", "dias laborables", "dias de semana"):
		w.Days = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	// "now" only where it asks for a meeting now ("AA meeting now",
	// "online al-anon now", "right now"), not "I'm now sober".
	nowAsked := has("right now", "meeting now", "meetings now", "happening now", "starting now", "open now", "online now",
		"in the next hour", "within the hour", "next hour", "ahora mismo", "ahorita", "en este momento", "en la proxima hora",
		"reunion ahora", "reuniones ahora") || strings.HasSuffix(s, " now ") || strings.HasSuffix(s, " ahora ")
	switch {
	case nowAsked:
		// In progress for at most InProgress, or starting within the hour.
		w.From, w.To, w.Now = now.Add(-data.InProgress), now.Add(time.Hour), true
		w.Days = []time.Weekday{w.From.Weekday()}
		if d := w.To.Weekday(); d != w.From.Weekday() {
			w.Days = append(w.Days, d)
		}
		return w, true
	case has("tonight", "esta noche"):
		w.From, w.To = day(0)
		setRange(&w, 17*60, 0)
	case has("pasado manana", "day after tomorrow"):
		w.From, w.To = day(2)
	case has("tomorrow", "manana"):
		w.From, w.To = day(1)
	case has("today", "hoy"):
		w.From, w.To = day(0)
	}
	if has("this evening", "esta tarde") {
		w.From, w.To = day(0)
		setRange(&w, 17*60, 0)
	}
	switch {
	case has("evening", "evenings", "night", "nights", "por la noche", "por las noches", "las noches", "de noche", "noche", "noches"):
		setRange(&w, 17*60, 0)
	case has("afternoon", "afternoons", "por la tarde", "por las tardes", "las tardes", "tarde", "tardes"):
		setRange(&w, 12*60, 17*60)
	}
	for _, f := range strings.Fields(s) {
		if d, ok := dayWords[f]; ok && !slices.Contains(w.Days, d) {
			w.Days = append(w.Days, d)
		}
	}
	return w, !w.IsZero()
}

// setRange narrows After/Before without widening an explicit clock bound.
func setRange(w *When, after, before int) {
	if after > 0 && w.After == 0 {
		w.After = after
	}
	if before > 0 && w.Before == 0 {
		w.Before = before
	}
}

// clockAfter finds "<keyword> 6", "<keyword> 6:30 pm", "<keyword> 18:00",
// "<keyword> las 7 de la tarde" in the normalized text s, returning the
// minutes after midnight and s with the phrase removed.
func clockAfter(s string, keywords []string) (int, string, bool) {
	for _, kw := range keywords {
		i := strings.Index(s, " "+kw+" ")
		if i < 0 {
			continue
		}
		rest := strings.Fields(s[i+len(kw)+2:])
		n := 0
		if len(rest) > n && (rest[n] == "about" || rest[n] == "around" || rest[n] == "eso" || rest[n] == "las") {
			n++
		}
		if len(rest) <= n {
			continue
		}
		tok := rest[n]
		n++
		marker := ""
		for _, suf := range []string{"am", "pm", "h", "hs", "hrs"} {
			if strings.HasSuffix(tok, suf) && len(tok) > len(suf) {
				tok, marker = strings.TrimSuffix(tok, suf), suf
				break
			}
		}
		hh, mm := tok, "00"
		if a, b, ok := strings.Cut(tok, ":"); ok {
			hh, mm = a, b
		}
		h, err1 := strconv.Atoi(hh)
		m, err2 := strconv.Atoi(mm)
		if err1 != nil || err2 != nil || h < 0 || h > 24 || m < 0 || m > 59 {
			continue
		}
		if marker == "" && len(rest) > n && (rest[n] == "am" || rest[n] == "pm") {
			marker = rest[n]
			n++
		}
		if marker == "" && len(rest) >= n+3 && rest[n] == "de" && rest[n+1] == "la" {
			switch rest[n+2] {
			case "tarde", "noche":
				marker = "pm"
			case "manana", "madrugada":
				marker = "am"
			}
			if marker != "" {
				n += 3
			}
		}
		switch {
		case marker == "pm" && h < 12:
			h += 12
		case marker == "am" && h == 12:
			h = 0
		case marker == "" && h >= 1 && h <= 7 && !strings.Contains(tok, ":"):
			h += 12
		}
		mins := h*60 + m
		if mins > 24*60 {
			continue
		}
		out := s[:i] + " " + strings.Join(rest[n:], " ") + " "
		return mins, out, true
	}
	return 0, s, false
}

// ErrNoMeetings is returned by ICal when a meeting's series has ended.
var ErrNoMeetings = errors.New("no upcoming meetings")

// ICalRule is a meeting expressed in RFC 5545 terms, for calendar export.
type ICalRule struct {
	Zone *time.Location
	// Start is DTSTART: the first occurrence of the rule (for rules counted
	// from valid_from) or the first one ending after now, as a local time in
	// Zone. It is always an occurrence of the rule, as RFC 5545 expects.
	Start time.Time
	// RRule is the RRULE value. When the series has an end, it carries
	// UNTIL in UTC (required with a zoned DTSTART) and no COUNT.
	RRule    string
	ExDates  []time.Time // local times in Zone, at the meeting's start time
	Duration time.Duration
}

// ICal describes the meeting for an iCalendar VEVENT as of now.
func ICal(m *data.Meeting, now time.Time, groupTZ string) (ical ICalRule, err error) {
	defer guard(m, &err)
	s, err := compile(m, groupTZ)
	if err != nil {
		return ICalRule{}, err
	}
	anchor := s.from
	if !s.anchored {
		anchor = s.anchor(now.Add(-s.dur))
	}
	r, err := s.rule(anchor, time.Time{})
	if err != nil {
		return ICalRule{}, &data.ScheduleError{Field: "rrule", Value: m.RRule, Expected: "a valid RFC 5545 RRULE", Err: err}
	}
	next := r.Iterator()
	var first, last time.Time
	for i := 0; i < iterationCap; i++ {
		t, ok := next()
		if !ok {
			break
		}
		if first.IsZero() && (s.anchored || t.Add(s.dur).After(now)) {
			first = t
			if s.opt.Count == 0 || s.until.IsZero() {
				break
			}
		}
		last = t // only needed to turn COUNT into UNTIL
	}
	if first.IsZero() {
		return ICalRule{}, fmt.Errorf("meeting %q: %w", m.RRule, ErrNoMeetings)
	}

	var parts []string
	for _, p := range strings.Split(strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(m.RRule)), "RRULE:"), ";") {
		k, _, _ := strings.Cut(p, "=")
		if k == "UNTIL" || (k == "COUNT" && !s.until.IsZero()) {
			continue
		}
		parts = append(parts, p)
	}
	switch {
	case s.opt.Count > 0 && !s.until.IsZero():
		parts = append(parts, "UNTIL="+last.UTC().Format("20060102T150405Z"))
	case !s.until.IsZero():
		parts = append(parts, "UNTIL="+s.until.UTC().Format("20060102T150405Z"))
	}
	out := ICalRule{Zone: s.loc, Start: first, RRule: strings.Join(parts, ";"), Duration: s.dur}
	for _, x := range m.ExDates {
		d, _ := time.Parse(time.DateOnly, x) // checked by compile
		out.ExDates = append(out.ExDates, time.Date(d.Year(), d.Month(), d.Day(), s.hour, s.minute, 0, 0, s.loc))
	}
	return out, nil
}
