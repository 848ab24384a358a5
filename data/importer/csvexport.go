package importer

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/schedule"
)

// A spreadsheet runs a cell that starts with one of these characters as a
// formula ("CSV injection": =HYPERLINK(...) or a DDE call such as
// =cmd|' /C calc'!A0), so a listing's text must never leave in a CSV cell
// that starts with one of them as is.
const formulaStarts = "=+-@\t\r"

// plainNumber matches cells a spreadsheet reads as a number or that are a
// phone number: "-97.74", "+1 (555) 010-0199". They start with + or - but
// call nothing, and a quote in front would spoil coordinates, so they are
// neither escaped nor flagged.
var plainNumber = regexp.MustCompile(`^[+-]?[0-9][0-9 ().-]*$`)

// formulaLike reports whether a spreadsheet would run s as a formula.
func formulaLike(s string) bool {
	return s != "" && strings.IndexByte(formulaStarts, s[0]) >= 0 && !plainNumber.MatchString(s)
}

// formulaWarning is the warning for the cell v that at names: the record
// is kept, since its text is only shown to people, never evaluated.
func formulaWarning(at *data.RecordError, v string) error {
	at.Reason = fmt.Sprintf("starts with %q, which a spreadsheet runs as a formula; kept as text (CSV exports escape it with ')", v[:1])
	return &Warning{at}
}

// CSVSafe returns s as a CSV cell a spreadsheet shows as text: a value that
// would start a formula gets a leading apostrophe, the usual escape
// (OWASP, "CSV Injection"). The plain CSV importer takes it off again.
func CSVSafe(s string) string {
	if formulaLike(s) {
		return "'" + s
	}
	return s
}

// csvUnescape undoes CSVSafe: a cell "'=..." came from an exporter that
// escaped it (a spreadsheet does not save the apostrophe it shows as
// "text" marker), so the value is what follows.
func csvUnescape(s string) string {
	if len(s) > 1 && s[0] == '\'' && formulaLike(s[1:]) {
		return s[1:]
	}
	return s
}

// ExportCSV writes groups in our plain CSV format (docs/import.md), which
// ExportCSV's reader, importCSV, reads back: one row per meeting, the
// first row of a group carrying its columns, further rows only its id and
// the meeting's. Every cell goes through CSVSafe. What the format has no
// column for (exception dates, a listing's age limits and attributes) is
// left out, each with a problem naming the group.
func ExportCSV(w io.Writer, groups []*data.Group) (rows int, problems []error, err error) {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if err := cw.Write(CSVColumns); err != nil {
		return 0, nil, err
	}
	idx := make(map[string]int, len(CSVColumns))
	for i, c := range CSVColumns {
		idx[c] = i
	}
	row := make([]string, len(CSVColumns))
	set := func(col, v string) { row[idx[col]] = CSVSafe(v) }
	write := func() error {
		rows++
		err := cw.Write(row)
		clear(row)
		return err
	}
	meeting := func(g *data.Group, m *data.Meeting) {
		set("rrule", m.RRule)
		set("time", m.Start)
		// A 24-hour meeting would end at its start, which the importer
		// rightly refuses; it is written without an end (length unknown).
		if m.Duration > 0 && m.Duration < 24*60 {
			if h, mi, ok := schedule.ParseClock(m.Start); ok {
				end := (h*60 + mi + m.Duration) % (24 * 60)
				set("end_time", fmt.Sprintf("%02d:%02d", end/60, end%60))
			}
		}
		set("timezone", m.Zone(g.TimeZone))
		set("valid_from", m.ValidFrom)
		set("valid_until", m.ValidUntil)
		set("meeting_note", m.Note)
	}
	for gi, g := range groups {
		lost := func(field string) {
			problems = append(problems, &data.RecordError{Source: "export", Record: gi + 1, ID: g.ID, Field: field,
				Reason: "the plain CSV has no column for it; left out"})
		}
		switch {
		case g.AgeMin != 0 || g.AgeMax != 0:
			lost("age_min")
		case g.FaithBased || g.SourceDate != "":
			lost("faith_based, source_date")
		}
		set("id", g.ID)
		set("name", g.Name)
		set("topics", strings.Join(g.Topics, ";"))
		set("format", string(g.Format))
		set("summary", g.Summary)
		set("kind", string(g.Kind))
		set("audiences", strings.Join(g.Audiences, ";"))
		set("languages", strings.Join(g.Languages, ";"))
		set("access", g.Access)
		set("types", strings.Join(g.Types, ";"))
		if g.TwelveStep {
			set("twelve_step", "yes")
		}
		set("cost", g.Cost)
		set("facilitation", g.Facilitation)
		set("organization", g.Organization)
		set("url", g.Contact.URL)
		set("phone", g.Contact.Phone)
		set("email", g.Contact.Email)
		if l := g.Location; l != nil {
			set("location_name", l.Name)
			set("address", l.Address)
			set("city", l.City)
			set("region", l.Region)
			set("postal_code", l.PostalCode)
			set("country", l.Country)
			if l.Point != nil {
				set("latitude", strconv.FormatFloat(l.Point.Lat, 'f', -1, 64))
				set("longitude", strconv.FormatFloat(l.Point.Lon, 'f', -1, 64))
			}
		}
		set("online_url", g.Online.URL)
		set("online_phone", g.Online.Phone)
		set("countries", strings.Join(g.Countries, ";"))
		set("timezone", g.TimeZone)
		set("source", g.Source)
		set("last_verified", g.LastVerified)
		// The first row's timezone is the group's; a first meeting in
		// another zone goes on a row of its own.
		rest := g.Meetings
		if len(rest) > 0 && (rest[0].TimeZone == "" || rest[0].TimeZone == g.TimeZone) {
			meeting(g, &rest[0])
			rest = rest[1:]
		}
		if err := write(); err != nil {
			return rows, problems, err
		}
		for i := range rest {
			set("id", g.ID)
			meeting(g, &rest[i])
			if err := write(); err != nil {
				return rows, problems, err
			}
		}
		for i := range g.Meetings {
			if len(g.Meetings[i].ExDates) > 0 {
				lost(fmt.Sprintf("meetings[%d].exdates", i))
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return rows, problems, err
	}
	return rows, problems, bw.Flush()
}
