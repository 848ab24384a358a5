package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A fingerprint says whether a local source changed since it was read,
// so a restart on an unchanged directory need not read its sources: the
// index keeps each source's fingerprint with its listings.
//
// It is "size:mtime:sha256" (mtime in Unix nanoseconds; for a folder, the
// sums of its data files in name order). Check compares size and mtime
// first, which costs one stat; only a file whose size or time changed is
// read and hashed, so a file touched but not changed still counts as
// unchanged.

// Fingerprint returns the fingerprint of a local source: a file, or a
// folder (HSDS tables or *.json files). URLs have none: they are always
// read.
func Fingerprint(path string) (string, error) {
	if ParseSource(path).URL {
		return "", fmt.Errorf("fingerprint %s: a URL has no fingerprint; read it", path)
	}
	files, size, mod, err := fingerprintFiles(path)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, f := range files {
		io.WriteString(h, filepath.Base(f)+"\x00") // a renamed file is a change
		if err := hashFile(h, f); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%d:%d:%s", size, mod.UnixNano(), hex.EncodeToString(h.Sum(nil)[:16])), nil
}

// Check reports whether the source at path still has the content the
// fingerprint old was taken of, and its current fingerprint (to keep in
// old's place). When size and modification time agree with old, the file
// is not read at all.
func Check(path, old string) (current string, unchanged bool, err error) {
	_, size, mod, err := fingerprintFiles(path)
	if err != nil {
		return "", false, err
	}
	oldSize, oldMod, oldSum, ok := parseFingerprint(old)
	if ok && oldSize == size && oldMod == mod.UnixNano() {
		return old, true, nil
	}
	current, err = Fingerprint(path)
	if err != nil {
		return "", false, err
	}
	_, _, sum, _ := parseFingerprint(current)
	return current, ok && oldSize == size && sum == oldSum, nil
}

func parseFingerprint(fp string) (size, mod int64, sum string, ok bool) {
	parts := strings.Split(fp, ":")
	if len(parts) != 3 {
		return 0, 0, "", false
	}
	size, err1 := strconv.ParseInt(parts[0], 10, 64)
	mod, err2 := strconv.ParseInt(parts[1], 10, 64)
	return size, mod, parts[2], err1 == nil && err2 == nil && parts[2] != ""
}

// fingerprintFiles lists the files a source reads (a folder's data files
// in name order), their total size and the latest modification time.
func fingerprintFiles(path string) (files []string, size int64, mod time.Time, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, 0, time.Time{}, fmt.Errorf("fingerprint: %w", err)
	}
	if !st.IsDir() {
		return []string{path}, st.Size(), st.ModTime(), nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, 0, time.Time{}, fmt.Errorf("fingerprint: %w", err)
	}
	mod = st.ModTime() // a file removed from the folder changes the folder's time
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".json", ".csv", ".tsv":
		default:
			continue
		}
		info, err := e.Info()
		if err != nil || info.IsDir() {
			continue
		}
		files = append(files, filepath.Join(path, e.Name()))
		size += info.Size()
		if info.ModTime().After(mod) {
			mod = info.ModTime()
		}
	}
	slices.Sort(files)
	return files, size, mod, nil
}

func hashFile(h io.Writer, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("fingerprint: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("fingerprint %s: %w", name, err)
	}
	return nil
}
