package importer

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/peermatch/peermatch/data"
)

// decodeGroup reads one native record into g as encoding/json with
// DisallowUnknownFields reads it, without reflection: that decoding was
// half of loading a 500,000-group native file. It takes on the records
// our own writer produces (exact key names, each once, no nulls, integers
// where ints go); for anything else (an unknown or differently cased key,
// a null, a type error, a repeated key) it returns false having set
// nothing the caller keeps, and the caller decodes with encoding/json,
// whose result and error words stay the reference. FuzzDecodeGroup holds
// the two to the same result.
func decodeGroup(raw []byte, g *data.Group, scratch []rawField) ([]rawField, bool) {
	fs, ok := splitObject(raw, scratch[:0])
	if !ok {
		return fs, false
	}
	var seen uint64
	for _, f := range fs {
		bit, ok := groupKeys[f.key]
		if !ok || seen&bit != 0 {
			return fs, false
		}
		seen |= bit
		v := f.val
		switch f.key {
		case "id":
			ok = jstr(v, &g.ID)
		case "name":
			ok = jstr(v, &g.Name)
		case "summary":
			ok = jstr(v, &g.Summary)
		case "kind":
			var s string
			ok = jstr(v, &s)
			g.Kind = data.Kind(s)
		case "topics":
			g.Topics, ok = jstrs(v)
		case "audiences":
			g.Audiences, ok = jstrs(v)
		case "languages":
			g.Languages, ok = jstrs(v)
		case "format":
			var s string
			ok = jstr(v, &s)
			g.Format = data.Format(s)
		case "access":
			ok = jstr(v, &g.Access)
		case "cost":
			ok = jstr(v, &g.Cost)
		case "facilitation":
			ok = jstr(v, &g.Facilitation)
		case "organization":
			ok = jstr(v, &g.Organization)
		case "contact":
			ok = jcontact(v, &g.Contact)
		case "online":
			ok = jcontact(v, &g.Online)
		case "location":
			g.Location = &data.Location{}
			ok = jlocation(v, g.Location)
		case "countries":
			g.Countries, ok = jstrs(v)
		case "meetings":
			g.Meetings, ok = jmeetings(v)
		case "timezone":
			ok = jstr(v, &g.TimeZone)
		case "demo":
			ok = jbool(v, &g.Demo)
		case "types":
			g.Types, ok = jstrs(v)
		case "also_listed_by":
			g.AlsoListedBy, ok = jstrs(v)
		case "fellowship":
			ok = jstr(v, &g.Fellowship)
		case "faith_based":
			ok = jbool(v, &g.FaithBased)
		case "twelve_step":
			ok = jbool(v, &g.TwelveStep)
		case "age_min":
			ok = jint(v, &g.AgeMin)
		case "age_max":
			ok = jint(v, &g.AgeMax)
		case "source":
			ok = jstr(v, &g.Source)
		case "source_date":
			ok = jstr(v, &g.SourceDate)
		case "last_verified":
			ok = jstr(v, &g.LastVerified)
		}
		if !ok {
			return fs, false
		}
	}
	return fs, true
}

// groupKeys are data.Group's JSON keys, each with its bit for spotting a
// repeated key (encoding/json merges a repeated object: not our case).
var groupKeys = keyBits("id", "name", "summary", "kind", "topics", "audiences", "languages", "format",
	"access", "cost", "facilitation", "organization", "contact", "location", "online", "countries",
	"meetings", "timezone", "demo", "types", "also_listed_by", "fellowship", "faith_based",
	"twelve_step", "age_min", "age_max", "source", "source_date", "last_verified")

func keyBits(keys ...string) map[string]uint64 {
	m := make(map[string]uint64, len(keys))
	for i, k := range keys {
		m[k] = 1 << i
	}
	return m
}

// object calls member for each member of the JSON object v, each key at
// most once; false when v is not such an object or member says no.
func object(v []byte, member func(key string, val []byte) bool) bool {
	var fs [12]rawField
	members, ok := splitObject(v, fs[:0])
	if !ok {
		return false
	}
	for i, f := range members {
		for _, prev := range members[:i] {
			if prev.key == f.key {
				return false
			}
		}
		if !member(f.key, f.val) {
			return false
		}
	}
	return true
}

func jcontact(v []byte, c *data.Contact) bool {
	return object(v, func(k string, val []byte) bool {
		switch k {
		case "url":
			return jstr(val, &c.URL)
		case "phone":
			return jstr(val, &c.Phone)
		case "email":
			return jstr(val, &c.Email)
		}
		return false
	})
}

func jlocation(v []byte, l *data.Location) bool {
	return object(v, func(k string, val []byte) bool {
		switch k {
		case "name":
			return jstr(val, &l.Name)
		case "address":
			return jstr(val, &l.Address)
		case "city":
			return jstr(val, &l.City)
		case "region":
			return jstr(val, &l.Region)
		case "postal_code":
			return jstr(val, &l.PostalCode)
		case "country":
			return jstr(val, &l.Country)
		case "point":
			l.Point = &data.Point{}
			return object(val, func(k string, val []byte) bool {
				switch k {
				case "lat":
					return jfloat(val, &l.Point.Lat)
				case "lon":
					return jfloat(val, &l.Point.Lon)
				}
				return false
			})
		}
		return false
	})
}

func jmeetings(v []byte) ([]data.Meeting, bool) {
	out := []data.Meeting{} // encoding/json gives [] as an empty slice, not nil
	ok := array(v, func(e []byte) bool {
		var m data.Meeting
		if !object(e, func(k string, val []byte) bool {
			switch k {
			case "rrule":
				return jstr(val, &m.RRule)
			case "start":
				return jstr(val, &m.Start)
			case "duration_min":
				return jint(val, &m.Duration)
			case "timezone":
				return jstr(val, &m.TimeZone)
			case "exdates":
				var ok bool
				m.ExDates, ok = jstrs(val)
				return ok
			case "valid_from":
				return jstr(val, &m.ValidFrom)
			case "valid_until":
				return jstr(val, &m.ValidUntil)
			case "note":
				return jstr(val, &m.Note)
			}
			return false
		}) {
			return false
		}
		out = append(out, m)
		return true
	})
	return out, ok
}

// array calls elem for each element of the JSON array v (already
// validated by splitObject).
func array(v []byte, elem func([]byte) bool) bool {
	i := skipWS(v, 0)
	if i >= len(v) || v[i] != '[' {
		return false
	}
	i = skipWS(v, i+1)
	if i < len(v) && v[i] == ']' {
		return true
	}
	for {
		end, ok := scanValue(v, i, 0)
		if !ok || !elem(v[i:end]) {
			return false
		}
		i = skipWS(v, end)
		if i >= len(v) {
			return false
		}
		switch v[i] {
		case ',':
			i = skipWS(v, i+1)
		case ']':
			return true
		default:
			return false
		}
	}
}

func jstrs(v []byte) ([]string, bool) {
	out := []string{}
	ok := array(v, func(e []byte) bool {
		var s string
		if !jstr(e, &s) {
			return false
		}
		out = append(out, s)
		return true
	})
	return out, ok
}

func jbool(v []byte, b *bool) bool {
	switch string(v) {
	case "true":
		*b = true
	case "false":
		*b = false
	default:
		return false
	}
	return true
}

// jint takes an integer literal only: encoding/json refuses 1.0 or 1e3
// for an int (and words the error; the fallback does).
func jint(v []byte, n *int) bool {
	x, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return false
	}
	*n = int(x)
	return true
}

func jfloat(v []byte, x *float64) bool {
	f, ok := jsonNumber(v)
	*x = f
	return ok
}

// jstr decodes a JSON string (validated) into s, escapes included; it
// declines text that is not UTF-8 and lone surrogates, which encoding/json
// replaces with U+FFFD.
func jstr(v []byte, s *string) bool {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return false
	}
	in := v[1 : len(v)-1]
	if !utf8.Valid(in) {
		return false
	}
	esc := -1
	for i, c := range in {
		if c == '\\' {
			esc = i
			break
		}
	}
	if esc < 0 {
		*s = string(in)
		return true
	}
	out := make([]byte, 0, len(in))
	out = append(out, in[:esc]...)
	for i := esc; i < len(in); {
		c := in[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(in) {
			return false
		}
		switch e := in[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(in[i+2:])
			if !ok {
				return false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if len(in)-i < 6 || in[i] != '\\' || in[i+1] != 'u' {
					return false
				}
				r2, ok := hex4(in[i+2:])
				if !ok {
					return false
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return false
				}
				i += 6
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return false
		}
		i += 2
	}
	*s = string(out)
	return true
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
