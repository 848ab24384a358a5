package index

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/peermatch/peermatch/data"
	"github.com/peermatch/peermatch/data/schedule"
)

// The compact table: what Accept needs of every listing, held without a
// single pointer per listing, so that the garbage collector has nothing to
// mark however large the directory is (issue 17: a resident directory of Go
// structs made every collection mark 620 MB and the p99 the GC's). A search
// checks a bleve hit against its row exactly; only rows flagged slow (a
// value that does not fit the row), and for window searches rows whose
// meeting rules the row cannot hold (window.go), are checked on the listing
// read back from disk.

// symbols give each value of a set-valued field a bit. They only grow (a
// value's bit never changes), and are persisted with the index.
type symbols struct {
	Topic, Lang, Aud, Country, Type, Kind, Fellowship []string
	Zone                                              []string `json:",omitempty"` // up to 255: a row holds its index
}

const maxBits = 64

func (s *symbols) clone() *symbols {
	return &symbols{Topic: slices.Clone(s.Topic), Lang: slices.Clone(s.Lang), Aud: slices.Clone(s.Aud),
		Country: slices.Clone(s.Country), Type: slices.Clone(s.Type), Kind: slices.Clone(s.Kind), Fellowship: slices.Clone(s.Fellowship), Zone: slices.Clone(s.Zone)}
}

// bitOf finds v's bit, adding one when add is set and there is room.
func bitOf(list *[]string, v string, add bool) (int, bool) {
	if i := slices.Index(*list, v); i >= 0 {
		return i, true
	}
	if !add || len(*list) >= maxBits {
		return 0, false
	}
	*list = append(*list, v)
	return len(*list) - 1, true
}

// mask sets the bits of vals; ok is false when one had no bit (the table
// is full), and the row must then be checked on the listing.
func mask(list *[]string, vals []string, add bool) (m uint64, ok bool) {
	ok = true
	for _, v := range vals {
		if b, found := bitOf(list, v, add); found {
			m |= 1 << b
		} else {
			ok = false
		}
	}
	return m, ok
}

// Row flags.
const (
	fRemote    uint16 = 1 << iota // Format.Remote()
	fInPerson                     // Format.InPerson()
	fPoint                        // has a map point
	fTwelve                       // TwelveStep
	fFaith                        // FaithBased
	fHelpline                     // Kind == KindHelpline
	fPhone                        // a dial-in (Specifics.Via "phone")
	fHybrid                       // Format == FormatHybrid
	fMeetings                     // has meetings (Window)
	fNoAud                        // no audiences: open to everyone
	fNoCountry                    // no countries: offered anywhere
	fSlow                         // check on the listing, not the row
	fWinSlow                      // a window search checks the listing (a rule the row cannot hold)
)

const maxStarts = 4

// rec is one listing's row: fixed size, no pointers.
type rec struct {
	lat, lon                             float64
	topics, langs, auds, countries, typs uint64
	starts                               [maxStarts]uint16
	ageLo, ageHi                         uint16 // the effective range FitsAge reads
	flags                                uint16
	kind, fellowship                     uint8
	nstarts, days                        uint8            // days: bit per weekday, 0 when none
	zone                                 uint8            // the meetings' zone (symbols.Zone), for window searches
	sdays, sweeks                        [maxStarts]uint8 // per start: weekdays and weeks (window.go)
	loff                                 uint64           // the listing in listings.bin: offset
	llen                                 uint32           // and length
}

const recSize = 8*2 + 8*5 + 2*maxStarts + 2*3 + 4 + 1 + 2*maxStarts + 8 + 4

// makeRec derives g's row, growing syms as new values appear.
func makeRec(g *data.Group, syms *symbols) rec {
	var r rec
	ok := true
	var o bool
	if r.topics, o = mask(&syms.Topic, g.Topics, true); !o {
		ok = false
	}
	if r.langs, o = mask(&syms.Lang, g.Languages, true); !o {
		ok = false
	}
	if r.auds, o = mask(&syms.Aud, g.Audiences, true); !o {
		ok = false
	}
	if r.countries, o = mask(&syms.Country, g.Countries, true); !o {
		ok = false
	}
	if r.typs, o = mask(&syms.Type, g.Types, true); !o {
		ok = false
	}
	if b, found := bitOf(&syms.Kind, string(g.Kind), true); found {
		r.kind = uint8(b)
	} else {
		ok = false
	}
	if b, found := bitOf(&syms.Fellowship, g.FellowshipOf(), true); found {
		r.fellowship = uint8(b)
	} else {
		ok = false
	}
	set := func(f uint16, c bool) {
		if c {
			r.flags |= f
		}
	}
	p := point(g)
	set(fRemote, g.Format.Remote())
	set(fInPerson, g.Format.InPerson())
	set(fPoint, p != nil)
	set(fTwelve, g.TwelveStep)
	set(fFaith, g.FaithBased)
	set(fHelpline, g.Kind == data.KindHelpline)
	set(fPhone, g.Format == data.FormatPhone || g.Online.Phone != "")
	set(fHybrid, g.Format == data.FormatHybrid)
	set(fMeetings, len(g.Meetings) > 0)
	set(fNoAud, len(g.Audiences) == 0)
	set(fNoCountry, len(g.Countries) == 0)
	if p != nil {
		r.lat, r.lon = p.Lat, p.Lon
	}
	for _, d := range schedule.Days(g) {
		r.days |= 1 << d
	}
	starts := schedule.StartMinutes(g)
	if len(starts) > maxStarts {
		ok = false
	}
	for i, m := range starts[:min(len(starts), maxStarts)] {
		r.starts[i] = uint16(m)
	}
	r.nstarts = uint8(min(len(starts), maxStarts))
	if zone, days, weeks, simple := slots(g, starts); !simple {
		r.flags |= fWinSlow
	} else if zone != "" {
		if i := slices.Index(syms.Zone, zone); i >= 0 {
			r.zone = uint8(i)
		} else if len(syms.Zone) < 255 {
			syms.Zone = append(syms.Zone, zone)
			r.zone = uint8(len(syms.Zone) - 1)
		} else {
			r.flags |= fWinSlow
		}
		r.sdays, r.sweeks = days, weeks
	}
	lo, hi := g.AgeMin, g.AgeMax
	if lo == 0 && hi == 0 && len(g.Audiences) > 0 {
		// As FitsAge: a youth or seniors audience implies a range.
		youth, seniors := slices.Contains(g.Audiences, "youth"), slices.Contains(g.Audiences, "seniors")
		switch {
		case youth && !seniors:
			hi = youthMaxAge
		case seniors && !youth:
			lo = seniorMinAge
		}
	}
	if lo < 0 || hi < 0 || lo > 0xffff || hi > 0xffff {
		ok = false
	} else {
		r.ageLo, r.ageHi = uint16(lo), uint16(hi)
	}
	if !ok {
		r.flags |= fSlow
	}
	return r
}

// The ages FitsAge implies for youth and seniors audiences; a test proves
// them equal to data's (rows and FitsAge agree on every age).
const (
	youthMaxAge  = 25
	seniorMinAge = 55
)

// cquery is a Query compiled against the symbols: bit masks to test rows.
type cquery struct {
	q                                  *Query
	topics, kinds, langSpeaks, spoken  uint64
	aud, country, lang                 uint64
	types                              []uint64
	fellowship                         int // -1: the asked fellowship has no bit, nothing fits
	days                               uint8
	noTopic, noKind, noSpeaks, noSpoke bool // asked a value no row holds
	exTwelve, exFaith, exHelpline      bool
	zoneNames                          []string
	zones                              map[uint8]*time.Location // loaded as rows name them
}

func compile(q *Query, s *symbols) *cquery {
	c := &cquery{q: q, zoneNames: s.Zone}
	ro := *s // read only: add=false never grows
	if len(q.Topics) > 0 {
		c.topics, _ = mask(&ro.Topic, q.Topics, false)
		c.noTopic = c.topics == 0
	}
	if len(q.Kinds) > 0 {
		for _, k := range q.Kinds {
			if b, ok := bitOf(&ro.Kind, string(k), false); ok {
				c.kinds |= 1 << b
			}
		}
		c.noKind = c.kinds == 0
	}
	if q.Speaks != "" {
		c.langSpeaks, _ = mask(&ro.Lang, []string{q.Speaks}, false)
		c.noSpeaks = c.langSpeaks == 0
	}
	if q.Spoken != "" {
		c.spoken, _ = mask(&ro.Lang, []string{q.Spoken}, false)
		c.noSpoke = c.spoken == 0
	}
	if q.Language != "" {
		c.lang, _ = mask(&ro.Lang, []string{q.Language}, false)
	}
	if q.Audience != "" {
		c.aud, _ = mask(&ro.Aud, []string{q.Audience}, false)
	}
	if q.Country != "" {
		c.country, _ = mask(&ro.Country, []string{q.Country}, false)
	}
	for _, alts := range q.Types {
		m, _ := mask(&ro.Type, strings.Split(alts, "|"), false)
		c.types = append(c.types, m)
	}
	c.fellowship = -1
	if q.Fellowship != "" {
		if b, ok := bitOf(&ro.Fellowship, q.Fellowship, false); ok {
			c.fellowship = b
		}
	}
	for _, d := range q.Days {
		c.days |= 1 << d
	}
	for _, x := range q.Exclude {
		switch x {
		case data.ExcludeTwelveStep:
			c.exTwelve = true
		case data.ExcludeFaith:
			c.exFaith = true
		case data.ExcludeHelpline:
			c.exHelpline = true
		}
	}
	return c
}

// accept is Accept on a row. full says the row cannot decide: the caller
// reads the listing and applies Accept itself.
func (c *cquery) accept(r *rec) (ok bool, distKm float64, full bool) {
	window := !c.q.Window.IsZero() && r.flags&fMeetings != 0
	if r.flags&fSlow != 0 || (window && (r.flags&fWinSlow != 0 || c.q.Window.From.IsZero())) {
		return false, 0, true
	}
	q := c.q
	if len(q.Topics) > 0 && r.topics&c.topics == 0 {
		return false, 0, false
	}
	if len(q.Kinds) > 0 && c.kinds&(1<<r.kind) == 0 {
		return false, 0, false
	}
	if q.Speaks != "" && r.langs&c.langSpeaks == 0 {
		return false, 0, false
	}
	// Limits.Allow
	if (c.exTwelve && r.flags&fTwelve != 0) || (c.exFaith && r.flags&fFaith != 0) || (c.exHelpline && r.flags&fHelpline != 0) {
		return false, 0, false
	}
	if age := q.Age; age > 0 && ((r.ageLo != 0 && age < int(r.ageLo)) || (r.ageHi != 0 && age > int(r.ageHi))) {
		return false, 0, false
	}
	// Specifics.Allow
	if q.Fellowship != "" && (c.fellowship < 0 || int(r.fellowship) != c.fellowship) {
		return false, 0, false
	}
	if q.Spoken != "" && r.langs&c.spoken == 0 {
		return false, 0, false
	}
	for _, m := range c.types {
		if r.typs&m == 0 {
			return false, 0, false
		}
	}
	switch q.Via {
	case "phone":
		if r.flags&fPhone == 0 {
			return false, 0, false
		}
	case "hybrid":
		if r.flags&fHybrid == 0 {
			return false, 0, false
		}
	}
	if q.AudienceOnly && q.Audience != "" && r.auds&c.aud == 0 {
		return false, 0, false
	}
	if q.Audience != "" && r.flags&fNoAud == 0 && r.auds&c.aud == 0 {
		return false, 0, false
	}
	if len(q.Days) > 0 && r.days != 0 && r.days&c.days == 0 {
		return false, 0, false
	}
	if (q.After > 0 || q.Before > 0) && r.nstarts > 0 {
		fits := false
		for _, m := range r.starts[:r.nstarts] {
			if int(m) >= q.After && (q.Before == 0 || int(m) < q.Before) {
				fits = true
				break
			}
		}
		if !fits {
			return false, 0, false
		}
	}
	ok, distKm = c.where(r)
	if ok && window && !c.fitsWindow(r) {
		return false, 0, false
	}
	return ok, distKm, false
}

// where is the place part of Accept on a row.
func (c *cquery) where(r *rec) (ok bool, distKm float64) {
	q := c.q
	countryOK := q.Country == "" || r.flags&fNoCountry != 0 || r.countries&c.country != 0
	remoteOK := r.flags&fRemote != 0 && countryOK
	hasPoint := r.flags&fPoint != 0
	switch {
	case q.Near != nil:
		radius := q.RadiusKm
		if radius <= 0 {
			radius = DefaultRadiusKm
		}
		if r.flags&fInPerson != 0 && hasPoint {
			if d := data.DistanceKm(*q.Near, data.Point{Lat: r.lat, Lon: r.lon}); d <= radius {
				return true, d
			}
		}
		if q.Remote && (remoteOK || (!hasPoint && countryOK)) {
			return true, -1
		}
		return false, 0
	case q.Remote:
		return remoteOK, -1
	default:
		return countryOK, -1
	}
}

// table is the rows in id order, with the ids in one string and the rows
// encoded in one byte slice (recSize bytes each): a handful of
// allocations for any number of listings, none the garbage collector
// scans. On disk the rows stay in table.bin, read one at a time, so they
// are neither heap (which the collector lets grow to twice its live size)
// nor mapped.
type table struct {
	ids  string
	offs []uint32 // len+1
	raw  []byte   // the rows, when the table is in memory
	// On disk the rows are read from table.bin when a search needs one,
	// not mapped: this kernel maps a whole large folio of a file's cache
	// on the first touch, so a mapped table was all resident after a
	// hundred searches. A read is one pread of recSize bytes.
	f    *os.File
	base int64 // offset of the first row in f
}

func (t *table) len() int { return len(t.offs) - 1 }

func (t *table) id(i int) string { return t.ids[t.offs[i]:t.offs[i+1]] }

// rec decodes row i. A row that cannot be read is marked fSlow: the
// caller then reads the listing itself, which reports the fault.
func (t *table) rec(i int) rec {
	if t.f == nil {
		return decodeRec(t.raw[i*recSize : (i+1)*recSize])
	}
	var b [recSize]byte
	if _, err := t.f.ReadAt(b[:], t.base+int64(i)*recSize); err != nil {
		return rec{flags: fSlow}
	}
	return decodeRec(b[:])
}

// find returns the row of id, or -1.
func (t *table) find(id string) int {
	n := t.len()
	i := sort.Search(n, func(i int) bool { return t.id(i) >= id })
	if i < n && t.id(i) == id {
		return i
	}
	return -1
}

type row struct {
	id string
	r  rec
}

// newTable builds a table from rows sorted by id.
func newTable(rows []row) *table {
	var sb strings.Builder
	t := &table{offs: make([]uint32, 0, len(rows)+1), raw: make([]byte, 0, len(rows)*recSize)}
	n := 0
	for _, r := range rows {
		n += len(r.id)
	}
	sb.Grow(n)
	t.offs = append(t.offs, 0)
	for _, r := range rows {
		sb.WriteString(r.id)
		t.offs = append(t.offs, uint32(sb.Len()))
		t.raw = appendRec(t.raw, &r.r)
	}
	t.ids = sb.String()
	return t
}

// merge gives a new table: t with the rows of set put (added or replaced)
// and the ids in del removed. set is sorted by id.
func (t *table) merge(set []row, del map[string]bool) *table {
	out := make([]row, 0, t.len()+len(set))
	i, j := 0, 0
	for i < t.len() || j < len(set) {
		switch {
		case j >= len(set) || (i < t.len() && t.id(i) < set[j].id):
			if id := t.id(i); !del[id] {
				out = append(out, row{id, t.rec(i)})
			}
			i++
		case i >= t.len() || set[j].id < t.id(i):
			out = append(out, set[j])
			j++
		default: // same id: replaced
			out = append(out, set[j])
			i++
			j++
		}
	}
	return newTable(out)
}

// encode writes the table for the index on disk, so that opening needs no
// pass over the listings. The rows come last, as they are in memory, so
// that they are read where they are.
func (t *table) encode() []byte {
	n := t.len()
	buf := make([]byte, 0, 16+len(t.ids)+4*len(t.offs)+n*recSize+4096)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(n))
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(t.ids)))
	buf = append(buf, t.ids...)
	for _, o := range t.offs {
		buf = binary.LittleEndian.AppendUint32(buf, o)
	}
	if t.f == nil {
		return append(buf, t.raw...)
	}
	for i := range n {
		buf = appendRec(buf, new(t.rec(i)))
	}
	return buf
}

func appendRec(buf []byte, r *rec) []byte {
	le := binary.LittleEndian
	buf = le.AppendUint64(buf, math.Float64bits(r.lat))
	buf = le.AppendUint64(buf, math.Float64bits(r.lon))
	for _, m := range []uint64{r.topics, r.langs, r.auds, r.countries, r.typs} {
		buf = le.AppendUint64(buf, m)
	}
	for _, s := range r.starts {
		buf = le.AppendUint16(buf, s)
	}
	buf = le.AppendUint16(buf, r.ageLo)
	buf = le.AppendUint16(buf, r.ageHi)
	buf = le.AppendUint16(buf, r.flags)
	buf = append(buf, r.kind, r.fellowship, r.nstarts, r.days, r.zone)
	buf = append(buf, r.sdays[:]...)
	buf = append(buf, r.sweeks[:]...)
	buf = le.AppendUint64(buf, r.loff)
	return le.AppendUint32(buf, r.llen)
}

func decodeRec(p []byte) rec {
	le := binary.LittleEndian
	var r rec
	r.lat, r.lon = math.Float64frombits(le.Uint64(p)), math.Float64frombits(le.Uint64(p[8:]))
	r.topics, r.langs, r.auds, r.countries, r.typs = le.Uint64(p[16:]), le.Uint64(p[24:]), le.Uint64(p[32:]), le.Uint64(p[40:]), le.Uint64(p[48:])
	for k := range r.starts {
		r.starts[k] = le.Uint16(p[56+2*k:])
	}
	o := 56 + 2*maxStarts
	r.ageLo, r.ageHi, r.flags = le.Uint16(p[o:]), le.Uint16(p[o+2:]), le.Uint16(p[o+4:])
	r.kind, r.fellowship, r.nstarts, r.days, r.zone = p[o+6], p[o+7], p[o+8], p[o+9], p[o+10]
	copy(r.sdays[:], p[o+11:])
	copy(r.sweeks[:], p[o+11+maxStarts:])
	o += 11 + 2*maxStarts
	r.loff, r.llen = le.Uint64(p[o:]), le.Uint32(p[o+8:])
	return r
}

// openTable opens table.bin: the ids and their offsets are read, the rows
// are read when needed (rec); Close (or the next change) closes it.
func openTable(name string) (t *table, err error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errStale, err)
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	bad := func(what string) error { return fmt.Errorf("%w: table.bin: %s", errStale, what) }
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("index: %s: %w", name, err)
	}
	le := binary.LittleEndian
	var h [16]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return nil, bad("short header")
	}
	n, idl := le.Uint64(h[:]), le.Uint64(h[8:])
	if n > uint64(fi.Size()) || idl > uint64(fi.Size()) || uint64(fi.Size()) != 16+idl+4*(n+1)+n*recSize {
		return nil, bad(fmt.Sprintf("%d bytes for %d rows", fi.Size(), n))
	}
	b := make([]byte, idl+4*(n+1))
	if _, err := f.ReadAt(b, 16); err != nil {
		return nil, fmt.Errorf("index: %s: %w", name, err)
	}
	t = &table{ids: string(b[:idl]), offs: make([]uint32, n+1), f: f, base: int64(16 + len(b))}
	b = b[idl:]
	for i := range t.offs {
		t.offs[i] = le.Uint32(b[4*i:])
		if t.offs[i] > uint32(idl) || (i > 0 && t.offs[i] < t.offs[i-1]) {
			return nil, bad("offsets out of order")
		}
	}
	return t, nil
}

func (t *table) close() error {
	if t == nil || t.f == nil {
		return nil
	}
	f := t.f
	t.f = nil
	return f.Close()
}
