// Package place finds places in what people write (a ZIP code, a city, a
// region) with the gazetteer built from data's embedded tables, and the
// time zone at a point.
package place
