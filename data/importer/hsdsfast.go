package importer

import (
	"strings"
)

// HSDS services decoded without reflection: encoding/json's reflective
// decoding of the nested service objects was two thirds of loading a
// 500,000-service file. These functions read what encoding/json reads
// (keys matched regardless of ASCII letter case, unknown keys ignored,
// flexStr leaves) and return false for whatever they leave to it: a key
// given twice, a null where a struct goes, a leaf that is an object or an
// array (a type error), text that is not UTF-8. The caller then decodes
// with encoding/json, whose result and error words stay the reference;
// FuzzHSDSDecode holds the two to the same result.

// hsdsObject calls member with the index in names of each member of the
// JSON object v whose key is one of names, in any letter case.
func hsdsObject(v []byte, names []string, member func(i int, val []byte) bool) bool {
	var buf [24]rawField
	fs, ok := splitObject(v, buf[:0])
	if !ok {
		return false
	}
	var seen uint64
	for _, f := range fs {
		i := 0
		for i < len(names) && !strings.EqualFold(names[i], f.key) {
			i++
		}
		if i == len(names) {
			continue // encoding/json ignores unknown keys
		}
		if seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		if !member(i, f.val) {
			return false
		}
	}
	return true
}

// hsdsArray decodes a JSON array of objects into a slice (nil for null,
// empty for [], as encoding/json leaves them).
func hsdsArray[T any](v []byte, out *[]T, elem func([]byte, *T) bool) bool {
	if string(v) == "null" {
		*out = nil
		return true
	}
	s := []T{}
	ok := array(v, func(e []byte) bool {
		var x T
		if !elem(e, &x) {
			return false
		}
		s = append(s, x)
		return true
	})
	*out = s
	return ok
}

// flex is flexStr.UnmarshalJSON for a validated value.
func flex(v []byte, f *flexStr) bool {
	switch {
	case string(v) == "null":
		*f = ""
	case v[0] == '"':
		var s string
		if !jstr(v, &s) {
			return false
		}
		*f = flexStr(strings.TrimSpace(s))
	case v[0] == '{' || v[0] == '[':
		return false // a type error, worded by encoding/json
	default:
		*f = flexStr(v)
	}
	return true
}

var hsdsServiceKeys = []string{"id", "name", "description", "url", "email", "status", "assured_date",
	"last_modified", "organization", "phones", "schedules", "service_at_locations", "languages",
	"attributes", "cost_options"}

func hsdsDecodeService(v []byte, s *hsdsService) bool {
	return hsdsObject(v, hsdsServiceKeys, func(i int, val []byte) bool {
		switch i {
		case 0:
			return flex(val, &s.ID)
		case 1:
			return flex(val, &s.Name)
		case 2:
			return flex(val, &s.Description)
		case 3:
			return flex(val, &s.URL)
		case 4:
			return flex(val, &s.Email)
		case 5:
			return flex(val, &s.Status)
		case 6:
			return flex(val, &s.AssuredDate)
		case 7:
			return flex(val, &s.LastModified)
		case 8:
			if string(val) == "null" {
				s.Organization = nil
				return true
			}
			s.Organization = &hsdsOrg{}
			return hsdsDecodeOrg(val, s.Organization)
		case 9:
			return hsdsArray(val, &s.Phones, func(e []byte, p *struct{ Number flexStr }) bool {
				return hsdsObject(e, []string{"Number"}, func(_ int, val []byte) bool { return flex(val, &p.Number) })
			})
		case 10:
			return hsdsArray(val, &s.Schedules, hsdsDecodeSchedule)
		case 11:
			return hsdsArray(val, &s.SALs, hsdsDecodeSAL)
		case 12:
			return hsdsArray(val, &s.Languages, func(e []byte, l *struct{ Code flexStr }) bool {
				return hsdsObject(e, []string{"Code"}, func(_ int, val []byte) bool { return flex(val, &l.Code) })
			})
		case 13:
			return hsdsArray(val, &s.Attributes, hsdsDecodeAttribute)
		default:
			return hsdsArray(val, &s.CostOptions, func(e []byte, c *struct{ Amount flexStr }) bool {
				return hsdsObject(e, []string{"Amount"}, func(_ int, val []byte) bool { return flex(val, &c.Amount) })
			})
		}
	})
}

func hsdsDecodeOrg(v []byte, o *hsdsOrg) bool {
	return hsdsObject(v, []string{"name", "website", "services"}, func(i int, val []byte) bool {
		switch i {
		case 0:
			return flex(val, &o.Name)
		case 1:
			return flex(val, &o.Website)
		default:
			return hsdsArray(val, &o.Services, hsdsDecodeService)
		}
	})
}

func hsdsDecodeAttribute(v []byte, a *hsdsAttribute) bool {
	return hsdsObject(v, []string{"taxonomy_term", "value"}, func(i int, val []byte) bool {
		if i == 1 {
			return flex(val, &a.Value)
		}
		if string(val) == "null" {
			a.TaxonomyTerm = nil
			return true
		}
		a.TaxonomyTerm = &hsdsTerm{}
		return hsdsObject(val, []string{"code", "name"}, func(i int, val []byte) bool {
			if i == 0 {
				return flex(val, &a.TaxonomyTerm.Code)
			}
			return flex(val, &a.TaxonomyTerm.Name)
		})
	})
}

func hsdsDecodeSAL(v []byte, s *hsdsSAL) bool {
	return hsdsObject(v, []string{"id", "location", "schedules"}, func(i int, val []byte) bool {
		switch i {
		case 0:
			return flex(val, &s.ID)
		case 1:
			if string(val) == "null" {
				s.Location = nil
				return true
			}
			s.Location = &hsdsLocation{}
			return hsdsDecodeLocation(val, s.Location)
		default:
			return hsdsArray(val, &s.Schedules, hsdsDecodeSchedule)
		}
	})
}

func hsdsDecodeLocation(v []byte, l *hsdsLocation) bool {
	return hsdsObject(v, []string{"id", "location_type", "url", "name", "latitude", "longitude", "addresses", "schedules"}, func(i int, val []byte) bool {
		switch i {
		case 0:
			return flex(val, &l.ID)
		case 1:
			return flex(val, &l.LocationType)
		case 2:
			return flex(val, &l.URL)
		case 3:
			return flex(val, &l.Name)
		case 4:
			return flex(val, &l.Latitude)
		case 5:
			return flex(val, &l.Longitude)
		case 6:
			return hsdsArray(val, &l.Addresses, func(e []byte, a *hsdsAddress) bool {
				fs := []*flexStr{&a.Address1, &a.Address2, &a.City, &a.StateProvince, &a.PostalCode, &a.Country, &a.AddressType}
				return hsdsObject(e, hsdsAddressKeys, func(i int, val []byte) bool { return flex(val, fs[i]) })
			})
		default:
			return hsdsArray(val, &l.Schedules, hsdsDecodeSchedule)
		}
	})
}

var hsdsAddressKeys = []string{"address_1", "address_2", "city", "state_province", "postal_code", "country", "address_type"}

var hsdsScheduleKeys = []string{"service_id", "location_id", "service_at_location_id", "valid_from", "valid_to",
	"dtstart", "until", "count", "wkst", "freq", "interval", "byday", "byweekno", "bymonthday", "byyearday",
	"description", "opens_at", "closes_at"}

func hsdsDecodeSchedule(v []byte, s *hsdsSchedule) bool {
	fs := [...]*flexStr{&s.ServiceID, &s.LocationID, &s.SALID, &s.ValidFrom, &s.ValidTo, &s.DTStart, &s.Until,
		&s.Count, &s.Wkst, &s.Freq, &s.Interval, &s.Byday, &s.Byweekno, &s.Bymonthday, &s.Byyearday,
		&s.Description, &s.OpensAt, &s.ClosesAt}
	return hsdsObject(v, hsdsScheduleKeys, func(i int, val []byte) bool { return flex(val, fs[i]) })
}
