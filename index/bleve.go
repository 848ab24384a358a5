package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peermatch/peermatch/data/schedule"

	"github.com/peermatch/peermatch/data/place"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/peermatch/peermatch/data"
)

// MappingVersion changes whenever the mapping, the analysis or the way
// documents are derived from groups changes; a persisted index built under
// another version is rebuilt.
const MappingVersion = 3

// Shards. Scored text costs bleve roughly the length of the postings it
// walks (zap cannot skip while it decodes freq/norm), so the index is split
// by the hard filters the intake always has: remote groups by topic, rooms
// by a 4°×6° region. A query opens only the shards that can hold its
// answers, and every postings list it walks is short.
const (
	regionLat = 4.0
	regionLon = 6.0
)

// Bleve is the embedded search index: scorch segments on disk under a
// state directory (or in memory for tests), one per shard.
type Bleve struct {
	dir    *data.Directory
	shards map[string]bleve.Index
	log    *slog.Logger
	path   string // "" in memory
	vocab  string // hash of the vocabulary the synonyms came from
	closed atomic.Bool
	// handed: Update gave the shards to a new index; Close leaves them.
	handed    atomic.Bool
	midUpdate bool         // only for the record written during Update
	mu        sync.RWMutex // guards shards against Close during Search
}

var _ Index = (*Bleve)(nil)

type meta struct {
	MappingVersion int    `json:"mapping_version"`
	Directory      string `json:"directory_hash"`
	Vocabulary     string `json:"vocabulary_hash"`
	Groups         int    `json:"groups"`
	Shards         []string
}

// Open opens the index persisted under path, rebuilding it when the mapping
// version, the directory or the vocabulary changed since it was built.
// An empty path builds an in-memory index (scorch, so synonyms work).
func Open(ctx context.Context, path string, dir *data.Directory, vocab *data.Vocabulary, log *slog.Logger) (*Bleve, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	want := meta{MappingVersion: MappingVersion, Directory: dir.Hash(), Vocabulary: vocabHash(vocab), Groups: len(dir.Groups)}
	if path != "" {
		if b, err := openExisting(path, want, dir, log); err == nil {
			return b, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			log.Info("rebuilding search index", "reason", err.Error())
		}
	}
	return build(ctx, path, want, dir, vocab, log)
}

var errStale = errors.New("index is stale")

func openExisting(path string, want meta, dir *data.Directory, log *slog.Logger) (*Bleve, error) {
	b, err := os.ReadFile(filepath.Join(path, "meta.json"))
	if err != nil {
		return nil, err
	}
	var have meta
	if err := json.Unmarshal(b, &have); err != nil {
		return nil, fmt.Errorf("%w: unreadable meta.json", errStale)
	}
	if have.MappingVersion != want.MappingVersion || have.Directory != want.Directory || have.Vocabulary != want.Vocabulary {
		return nil, fmt.Errorf("%w: built for mapping %d, directory %s", errStale, have.MappingVersion, have.Directory)
	}
	// Shards open in parallel: a national index has over a hundred.
	bl := &Bleve{dir: dir, shards: map[string]bleve.Index{}, log: log, path: path, vocab: want.Vocabulary}
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, name := range have.Shards {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			idx, err := bleve.Open(filepath.Join(path, name))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("shard %s: %v", name, err))
				return
			}
			bl.shards[name] = idx
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		bl.Close()
		return nil, fmt.Errorf("%w: %v", errStale, errors.Join(errs...))
	}
	log.Info("search index opened", "groups", have.Groups, "shards", len(have.Shards))
	return bl, nil
}

func vocabHash(v *data.Vocabulary) string {
	h := sha256.New()
	_ = json.NewEncoder(h).Encode(v.Topics)
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// shardsOf lists the shards a group is indexed in.
func shardsOf(g *data.Group) []string {
	var out []string
	if g.Format.Remote() || point(g) == nil {
		for _, t := range g.Topics {
			out = append(out, "r-"+t)
		}
	}
	if p := point(g); p != nil && g.Format.InPerson() {
		out = append(out, regionOf(p.Lat, p.Lon))
	}
	return out
}

func regionOf(lat, lon float64) string {
	return fmt.Sprintf("p%+d%+d", int(math.Floor(lat/regionLat)), int(math.Floor(lon/regionLon)))
}

func build(ctx context.Context, path string, want meta, dir *data.Directory, vocab *data.Vocabulary, log *slog.Logger) (*Bleve, error) {
	start := time.Now()
	tmp := ""
	if path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		var err error
		if tmp, err = os.MkdirTemp(filepath.Dir(path), ".index-build-*"); err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		defer os.RemoveAll(tmp) // left only if the build failed
	}
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	byShard := map[string][]*data.Group{}
	for _, g := range dir.Groups {
		for _, s := range shardsOf(g) {
			byShard[s] = append(byShard[s], g)
		}
	}
	names := make([]string, 0, len(byShard))
	for s := range byShard {
		names = append(names, s)
	}
	slices.Sort(names)
	syn := synonyms(vocab)

	bl := &Bleve{dir: dir, shards: map[string]bleve.Index{}, log: log, vocab: want.Vocabulary}
	// Shards build in parallel: analysis is CPU-bound and each shard has its
	// own writer.
	var wg sync.WaitGroup
	var firstErr error
	var errMu sync.Mutex
	work := make(chan string)
	for range 2 {
		wg.Go(func() {
			for name := range work {
				p := ""
				if tmp != "" {
					p = filepath.Join(tmp, name)
				}
				idx, err := buildShard(ctx, p, m, byShard[name], syn)
				errMu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("index: shard %s: %w", name, err)
				}
				if idx != nil {
					bl.shards[name] = idx
				}
				errMu.Unlock()
			}
		})
	}
	for _, n := range names {
		work <- n
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		bl.Close()
		return nil, firstErr
	}
	want.Shards = names
	if path != "" {
		// Close, write meta and rename into place, then reopen: a crash
		// mid-build leaves the old index or none, never a half-built one.
		bl.Close()
		b, _ := json.Marshal(want)
		if err := os.WriteFile(filepath.Join(tmp, "meta.json"), b, 0o600); err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		if err := os.RemoveAll(path); err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		nb, err := openExisting(path, want, dir, log)
		if err != nil {
			return nil, fmt.Errorf("index: reopen after build: %w", err)
		}
		bl = nb
	}
	log.Info("search index built", "groups", len(dir.Groups), "shards", len(names), "seconds", time.Since(start).Seconds())
	return bl, nil
}

func buildShard(ctx context.Context, path string, m mapping.IndexMapping, groups []*data.Group, syn []*bleve.SynonymDefinition) (bleve.Index, error) {
	// In memory nothing is persisted, so batches need not wait for it. On
	// disk they must: closing a scorch index right after unsafe batches
	// can lose the segments not yet persisted (an empty shard on reopen).
	var cfg map[string]any
	if path == "" {
		cfg = map[string]any{"unsafe_batch": true}
	}
	idx, err := bleve.NewUsing(path, m, scorch.Name, scorch.Name, cfg)
	if err != nil {
		return nil, err
	}
	const batchSize = 2000
	batch := idx.NewBatch()
	for i, d := range syn {
		if err := batch.IndexSynonym(fmt.Sprintf("syn-%d", i), synCollection, d); err != nil {
			idx.Close()
			return nil, err
		}
	}
	for _, g := range groups {
		if err := batch.Index(g.ID, document(g)); err != nil {
			idx.Close()
			return nil, err
		}
		if batch.Size() >= batchSize {
			if err := ctx.Err(); err != nil {
				idx.Close()
				return nil, err
			}
			if err := idx.Batch(batch); err != nil {
				idx.Close()
				return nil, err
			}
			batch.Reset()
		}
	}
	if err := idx.Batch(batch); err != nil {
		idx.Close()
		return nil, err
	}
	return idx, nil
}

const (
	textAnalyzer  = "pm_text"
	synSource     = "pm_topics"
	synCollection = "topics"
	fieldText     = "text"
)

// domainStop are words in nearly every listing; as scored terms they would
// make every query walk every posting list without changing the order.
var domainStop = []string{"support", "supports", "group", "groups", "meeting", "meetings", "meet", "meets", "people",
	"peer", "peers", "online", "free", "help", "anyone", "welcome", "grupo", "grupos", "apoyo", "reunion", "reuniones",
	"personas", "ayuda", "en", "linea", "gratis", "want", "looking", "find", "need", "busco", "quiero", "necesito",
	"i", "im", "me", "my", "mi", "a", "an", "the", "and", "or", "for", "of", "to", "in", "on", "with", "el", "la", "los",
	"las", "de", "del", "y", "o", "para", "por", "con", "un", "una", "que", "is", "are", "be", "was", "it", "this",
	"that", "can", "how", "who", "what", "when", "where", "am", "do", "have", "has", "at", "as", "we", "you", "your",
	"our", "es", "se", "lo", "al", "su", "sus", "mis", "tu", "hay"}

func newMapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	if err := im.AddCustomTokenMap("pm_stop_words", map[string]any{"type": tokenmap.Name, "tokens": toAny(domainStop)}); err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	if err := im.AddCustomTokenFilter("pm_stop", map[string]any{"type": stop.Name, "stop_token_map": "pm_stop_words"}); err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	if err := im.AddCustomAnalyzer(textAnalyzer, map[string]any{
		"type":          custom.Name,
		"char_filters":  []any{asciifolding.Name},
		"tokenizer":     unicode.Name,
		"token_filters": []any{en.PossessiveName, lowercase.Name, "pm_stop", en.SnowballStemmerName},
	}); err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	if err := im.AddSynonymSource(synSource, map[string]any{"collection": synCollection, "analyzer": textAnalyzer}); err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	im.DefaultAnalyzer = textAnalyzer
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false

	dm := bleve.NewDocumentStaticMapping()
	text := bleve.NewTextFieldMapping()
	text.Analyzer = textAnalyzer
	text.SynonymSource = synSource
	text.Store, text.IncludeTermVectors, text.IncludeInAll, text.DocValues = false, false, false, false
	dm.AddFieldMappingsAt(fieldText, text)
	for _, f := range []string{"topic", "mode", "aud", "day", "lang", "country", "kind", "allows", "cell", "fellowship", "type", "via"} {
		k := bleve.NewKeywordFieldMapping()
		k.Store, k.IncludeTermVectors, k.IncludeInAll, k.DocValues = false, false, false, false
		k.SkipFreqNorm = true
		dm.AddFieldMappingsAt(f, k)
	}
	geo := bleve.NewGeoPointFieldMapping()
	geo.Store, geo.IncludeInAll = false, false
	dm.AddFieldMappingsAt("geo", geo)
	im.DefaultMapping = dm
	return im, nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// synonyms turns the topic vocabulary into one-way synonym definitions:
// every single-word synonym of a topic also finds the topic's own name, so
// "widow" finds listings that say "grief" and "beber" ones that say
// "alcohol", without exploding one word into forty.
func synonyms(v *data.Vocabulary) []*bleve.SynonymDefinition {
	var out []*bleve.SynonymDefinition
	for _, t := range v.Topics {
		var heads []string
		for _, lang := range []string{"en", "es"} {
			if f := strings.Fields(place.Fold(t.Label[lang])); len(f) > 0 {
				heads = append(heads, strings.Trim(f[0], ",.:;()"))
			}
		}
		var in []string
		for _, words := range t.Synonyms {
			for _, w := range words {
				if w = place.Fold(w); w != "" && !strings.Contains(w, " ") && !slices.Contains(heads, w) {
					in = append(in, w)
				}
			}
		}
		if len(in) > 0 && len(heads) > 0 {
			out = append(out, &bleve.SynonymDefinition{Input: in, Synonyms: heads})
		}
	}
	return out
}

// document derives the indexed fields from a group. Filters are
// denormalised into single terms (mode, aud "any", day "any") so each
// filter clause is one posting bitmap.
func document(g *data.Group) map[string]any {
	text := strings.Join([]string{g.Name, g.Name, g.Summary, g.Organization}, " ")
	var mode []string
	if g.Format.Remote() || point(g) == nil {
		mode = append(mode, "remote")
	}
	if g.Format.InPerson() && point(g) != nil {
		mode = append(mode, "room")
	}
	aud := g.Audiences
	if len(aud) == 0 {
		aud = []string{"any"}
	}
	var days []string
	for _, d := range schedule.Days(g) {
		days = append(days, dayCode(d))
	}
	if len(days) == 0 {
		days = []string{"any"}
	}
	countries := g.Countries
	if len(countries) == 0 {
		countries = []string{"any"}
	}
	// "allows" lists the exclusions a listing survives, so that "no AA"
	// is one positive term filter rather than a negation.
	var allows []string
	for _, x := range []string{data.ExcludeTwelveStep, data.ExcludeFaith, data.ExcludeHelpline} {
		if (data.Limits{Exclude: []string{x}}).Allow(g) {
			allows = append(allows, x)
		}
	}
	var via []string
	if g.Format == data.FormatPhone || g.Online.Phone != "" {
		via = append(via, "phone")
	}
	if g.Format == data.FormatHybrid {
		via = append(via, "hybrid")
	}
	doc := map[string]any{
		fieldText: text, "topic": g.Topics, "mode": mode, "aud": aud, "day": days,
		"lang": g.Languages, "country": countries, "kind": string(g.Kind), "allows": allows,
		"fellowship": g.FellowshipOf(), "type": g.Types, "via": via,
	}
	if p := point(g); p != nil {
		doc["cell"] = cellsOf(p.Lat, p.Lon)
		doc["geo"] = map[string]float64{"lat": p.Lat, "lon": p.Lon}
	}
	return doc
}

func dayCode(d time.Weekday) string { return strings.ToLower(d.String()[:3]) }

// Grid cells at three sizes; a query uses the finest size that covers its
// circle with few cells, then checks the exact distance.
var cellSizes = []float64{0.25, 1, 4}

func cellsOf(lat, lon float64) []string {
	out := make([]string, len(cellSizes))
	for i, s := range cellSizes {
		out[i] = cellID(i, int(math.Floor(lat/s)), int(math.Floor(lon/s)))
	}
	return out
}

func cellID(level, y, x int) string { return fmt.Sprintf("%d:%d:%d", level, y, x) }

// bbox returns the circle's bounding box in degrees.
func bbox(p data.Point, km float64) (lat0, lat1, lon0, lon1 float64) {
	dLat := km / 111.0
	c := math.Cos(p.Lat * math.Pi / 180)
	dLon := 180.0
	if c > 0.01 {
		dLon = math.Min(180, km/(111.0*c))
	}
	return math.Max(-90, p.Lat-dLat), math.Min(90, p.Lat+dLat), p.Lon - dLon, p.Lon + dLon
}

func cellsCovering(p data.Point, km float64) []string {
	lat0, lat1, lon0, lon1 := bbox(p, km)
	for level, s := range cellSizes {
		y0, y1 := int(math.Floor(lat0/s)), int(math.Floor(lat1/s))
		x0, x1 := int(math.Floor(lon0/s)), int(math.Floor(lon1/s))
		if (y1-y0+1)*(x1-x0+1) > 16 && level < len(cellSizes)-1 {
			continue
		}
		var out []string
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				out = append(out, cellID(level, y, x))
			}
		}
		return out
	}
	return nil
}

func regionsCovering(p data.Point, km float64) []string {
	lat0, lat1, lon0, lon1 := bbox(p, km)
	var out []string
	for y := math.Floor(lat0 / regionLat); y <= math.Floor(lat1/regionLat); y++ {
		for x := math.Floor(lon0 / regionLon); x <= math.Floor(lon1/regionLon); x++ {
			out = append(out, fmt.Sprintf("p%+d%+d", int(y), int(x)))
		}
	}
	return out
}

// Count implements Index.
func (b *Bleve) Count() int { return len(b.dir.Groups) }

// Close implements Index.
func (b *Bleve) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed.Store(true)
	if b.handed.Load() {
		return nil // the shards now belong to the updated index
	}
	var errs []error
	for _, s := range b.shards {
		errs = append(errs, s.Close())
	}
	b.shards = map[string]bleve.Index{}
	return errors.Join(errs...)
}

func terms(field string, vals ...string) query.Query {
	if len(vals) == 1 {
		t := bleve.NewTermQuery(vals[0])
		t.SetField(field)
		return t
	}
	qs := make([]query.Query, len(vals))
	for i, v := range vals {
		t := bleve.NewTermQuery(v)
		t.SetField(field)
		qs[i] = t
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// Search implements Index.
func (b *Bleve) Search(ctx context.Context, q Query) ([]Hit, error) {
	q.normalize()
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed.Load() {
		return nil, ErrClosed
	}
	// Pick shards: remote shards of the wanted topics, room shards around
	// the place. Without topics every remote shard is a candidate.
	var remote, rooms []string
	if q.Remote || q.Near == nil {
		if len(q.Topics) > 0 {
			for _, t := range q.Topics {
				remote = append(remote, "r-"+t)
			}
		} else {
			for name := range b.shards {
				if strings.HasPrefix(name, "r-") {
					remote = append(remote, name)
				}
			}
		}
	}
	if q.Near != nil {
		rooms = regionsCovering(*q.Near, q.RadiusKm)
	} else if !q.Remote {
		for name := range b.shards {
			if strings.HasPrefix(name, "p") {
				rooms = append(rooms, name)
			}
		}
	}
	var filters []query.Query
	if len(q.Topics) > 0 {
		filters = append(filters, terms("topic", q.Topics...))
	}
	if len(q.Kinds) > 0 {
		ks := make([]string, len(q.Kinds))
		for i, k := range q.Kinds {
			ks[i] = string(k)
		}
		filters = append(filters, terms("kind", ks...))
	}
	if q.Audience != "" {
		filters = append(filters, terms("aud", q.Audience, "any"))
	}
	for _, x := range q.Exclude {
		filters = append(filters, terms("allows", x))
	}
	if q.Speaks != "" {
		filters = append(filters, terms("lang", q.Speaks))
	}
	if q.Fellowship != "" {
		filters = append(filters, terms("fellowship", q.Fellowship))
	}
	if q.Spoken != "" {
		filters = append(filters, terms("lang", q.Spoken))
	}
	for _, alts := range q.Types {
		filters = append(filters, terms("type", strings.Split(alts, "|")...))
	}
	if q.Via != "" {
		filters = append(filters, terms("via", q.Via))
	}
	if q.AudienceOnly && q.Audience != "" {
		filters = append(filters, terms("aud", q.Audience))
	}
	if len(q.Days) > 0 {
		ds := []string{"any"}
		for _, d := range q.Days {
			ds = append(ds, dayCode(d))
		}
		filters = append(filters, terms("day", ds...))
	}
	words := strings.TrimSpace(q.Words)
	want := q.From + q.Size
	// Candidates are checked exactly by Accept; ask for enough of them.
	fetch := want*3 + 10

	var hits []Hit
	seen := map[string]bool{}
	collect := func(res *bleve.SearchResult) {
		for _, h := range res.Hits {
			if seen[h.ID] {
				continue
			}
			g, ok := b.dir.Group(h.ID)
			if !ok {
				continue
			}
			ok, d := Accept(g, &q)
			if !ok {
				continue
			}
			seen[h.ID] = true
			score := h.Score
			if q.Language != "" && slices.Contains(g.Languages, q.Language) {
				score = score*1.5 + 0.5
			}
			if d >= 0 {
				// Nearer rooms first among equally good ones: halve the
				// score at the edge of the radius.
				score *= 1 - 0.5*d/q.RadiusKm
			}
			hits = append(hits, Hit{ID: h.ID, Score: score, DistanceKm: d})
		}
	}
	run := func(shards []string, where []query.Query) error {
		var idxs []bleve.Index
		for _, s := range shards {
			if idx, ok := b.shards[s]; ok {
				idxs = append(idxs, idx)
			}
		}
		if len(idxs) == 0 {
			return nil
		}
		var target bleve.Index = idxs[0]
		if len(idxs) > 1 {
			target = bleve.NewIndexAlias(idxs...)
		}
		must := append(slices.Clone(filters), where...)
		var filter query.Query = bleve.NewMatchAllQuery()
		if len(must) > 0 {
			filter = bleve.NewConjunctionQuery(must...)
		}
		if words != "" {
			// The words drive and score; the filters only test membership
			// (bleve evaluates a boolean filter unscored, so keyword fields
			// need no freq/norm).
			text := bleve.NewMatchQuery(words)
			text.SetField(fieldText)
			bq := bleve.NewBooleanQuery()
			bq.AddMust(text)
			bq.AddFilter(filter)
			req := bleve.NewSearchRequestOptions(bq, fetch, 0, false)
			// Equal scores break by id, so the same query gives the same
			// candidates in every process (the shards of an alias answer
			// in any order).
			req.SortBy([]string{"-_score", "_id"})
			if len(q.Topics) > 0 {
				// The topic filter already stands for every synonym of the
				// topic; expanding "drinking" to "alcohol" inside the
				// alcohol shard would only walk the whole shard. An empty
				// synonym map tells bleve to skip the expansion.
				req.PreSearchData = map[string]any{search.SynonymPreSearchDataKey: search.FieldTermSynonymMap{}}
			}
			res, err := target.SearchInContext(ctx, req)
			if err != nil {
				return err
			}
			collect(res)
			if len(res.Hits) >= fetch {
				return nil
			}
		}
		// The words are optional (a grief listing that never says "widow"
		// still fits): fill up with the rest of the filtered set, unscored,
		// which lets bleve stop as soon as it has enough.
		req := bleve.NewSearchRequestOptions(filter, fetch, 0, false)
		req.Score = "none"
		req.SortBy([]string{"_id"})
		res, err := target.SearchInContext(ctx, req)
		if err != nil {
			return err
		}
		collect(res)
		return nil
	}
	var where []query.Query
	if len(remote) > 0 {
		if q.Country != "" {
			where = append(where, terms("country", "any", q.Country))
		}
		if err := run(remote, where); err != nil {
			return nil, fmt.Errorf("index search: %w", err)
		}
	}
	if len(rooms) > 0 {
		where = where[:0]
		where = append(where, terms("mode", "room"))
		if q.Near != nil {
			where = append(where, terms("cell", cellsCovering(*q.Near, q.RadiusKm)...))
		}
		if err := run(rooms, where); err != nil {
			return nil, fmt.Errorf("index search: %w", err)
		}
	}
	rank(hits)
	return page(hits, q.From, q.Size), nil
}
