package data

import (
	"sync"
	"time"
)

// zones caches time zones by name. time.LoadLocation reads and parses the
// zone file on every call; a national directory names a handful of zones
// hundreds of thousands of times (a third of start-up CPU, issue 17).
var zones sync.Map // name → zoneResult

type zoneResult struct {
	loc *time.Location
	err error
}

// LoadZone is time.LoadLocation with a cache (callers still refuse
// "Local": a listing's zone must not depend on the machine that reads it).
func LoadZone(name string) (*time.Location, error) {
	if v, ok := zones.Load(name); ok {
		r := v.(zoneResult)
		return r.loc, r.err
	}
	loc, err := time.LoadLocation(name)
	zones.Store(name, zoneResult{loc, err})
	return loc, err
}
