package crisis

import (
	"sort"
	"strings"

	"golang.org/x/text/language"
)

type countryName struct {
	words []string
	code  string
}

func (s *Screener) buildCountryNames() {
	for _, c := range s.lines.Countries {
		for _, n := range append([]string{strings.ToLower(c.Name)}, c.Names...) {
			var ws []string
			for _, r := range split(foldRunes(n), nil) {
				if r.kind == kindWord {
					ws = append(ws, r.s)
				}
			}
			if len(ws) > 0 {
				s.names = append(s.names, countryName{ws, c.Code})
			}
		}
	}
	// Longest names first, so "northern ireland" wins over "ireland".
	sort.SliceStable(s.names, func(i, j int) bool { return len(s.names[i].words) > len(s.names[j].words) })
}

// CountryFromLocale returns the ISO 3166-1 region of a BCP 47 locale
// ("en-GB" → "GB", "es_MX" → "MX"), or "" when the locale names no region: a
// bare language such as "es" could be Spain or Mexico.
func CountryFromLocale(locale string) string {
	parts := strings.FieldsFunc(locale, func(r rune) bool { return r == '-' || r == '_' })
	for i, p := range parts {
		if i == 0 {
			continue
		}
		if len(p) == 1 { // extensions ("-u-...") come after the region
			break
		}
		if len(p) != 2 {
			continue
		}
		r, err := language.ParseRegion(p)
		if err != nil || !r.IsCountry() {
			return ""
		}
		return r.String()
	}
	return ""
}

// CountryFromText finds a country the person named ("I'm in Canada", "UK",
// "España") among the countries that have crisis lines, or "".
func (s *Screener) CountryFromText(text string) string {
	if len(text) > 4096 {
		text = text[:4096]
	}
	var ws []string
	for _, r := range split(foldRunes(text), nil) {
		if r.kind == kindWord {
			ws = append(ws, r.s)
		}
	}
	if len(ws) == 1 && len(ws[0]) == 2 { // the whole answer is a code: "GB", "mx"
		code := strings.ToUpper(ws[0])
		for _, c := range s.lines.Countries {
			if c.Code == code {
				return code
			}
		}
	}
	for _, n := range s.names {
		for i := 0; i+len(n.words) <= len(ws); i++ {
			ok := true
			for j, w := range n.words {
				if ws[i+j] != w {
					ok = false
					break
				}
			}
			if ok {
				return n.code
			}
		}
	}
	return ""
}
