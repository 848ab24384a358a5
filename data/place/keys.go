package place

import (
	"hash/maphash"
	"strings"
)

// keyTable numbers a fixed set of distinct strings: every key in one
// string and an open-addressing table of int32s. It holds the gazetteer's
// 160,000 names in a few pointer-free slices, where a map of strings was
// 12 MB of headers and pointers the collector walked on every cycle.
type keyTable struct {
	seed  maphash.Seed
	keys  string   // every key, one after another
	ends  []uint32 // key i is keys[ends[i-1]:ends[i]], key 0 from 0
	slots []int32  // by hash: key number + 1, 0 when free
}

func newKeyTable(keys []string) keyTable {
	n := 1
	for 3*n < 4*len(keys) { // a load of at most 3/4 keeps misses to a few probes
		n <<= 1
	}
	t := keyTable{seed: maphash.MakeSeed(), ends: make([]uint32, len(keys)), slots: make([]int32, n)}
	size := 0
	for _, k := range keys {
		size += len(k)
	}
	var b strings.Builder
	b.Grow(size)
	for i, k := range keys {
		b.WriteString(k)
		t.ends[i] = uint32(b.Len())
	}
	t.keys = b.String()
	mask := n - 1
	for i, k := range keys {
		j := int(maphash.String(t.seed, k)) & mask
		for t.slots[j] != 0 {
			j = (j + 1) & mask
		}
		t.slots[j] = int32(i + 1)
	}
	return t
}

func (t *keyTable) key(i int) string {
	from := uint32(0)
	if i > 0 {
		from = t.ends[i-1]
	}
	return t.keys[from:t.ends[i]]
}

// find returns k's number.
func (t *keyTable) find(k string) (int, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	mask := len(t.slots) - 1
	for j := int(maphash.String(t.seed, k)) & mask; ; j = (j + 1) & mask {
		s := t.slots[j]
		if s == 0 {
			return 0, false
		}
		if t.key(int(s-1)) == k {
			return int(s - 1), true
		}
	}
}
