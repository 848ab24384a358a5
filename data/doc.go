// Package data holds peermatch's domain types (groups, meetings, topics,
// crisis lines) and their validation, and the embedded files: the default
// and demo directories, the topic vocabulary, the Meeting Guide type codes,
// the crisis data and the gazetteer's tables. It imports nothing of ours;
// reading feeds (importer), finding places (place) and expanding schedules
// (schedule) are its subpackages' jobs.
package data
