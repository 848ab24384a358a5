package importer

import "github.com/peermatch/peermatch/data"

// DupKeys are the keys under which two listings are the same meeting (same
// name, time and place, or same conference link at the same time), as
// MergeDuplicates compares them; an index uses them to tell a reload that
// another source already lists a meeting. Finders and helplines have none.
func DupKeys(g *data.Group) []string {
	ks := dupKeys(g)
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.key
	}
	return out
}

// Merge folds d, the same meeting listed by a later source, into g, as
// MergeDuplicates does: g names d's source in AlsoListedBy and takes what
// it lacked (a conference link, coordinates, type codes). A loader that
// streams its sources into an index merges with it one pair at a time.
func Merge(g, d *data.Group) { mergeInto(g, d) }
