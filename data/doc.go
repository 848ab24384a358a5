// Package data holds peermatch's domain types (groups, meetings, topics,
// crisis lines), the embedded default directory and vocabulary, and the
// loaders and validators for every input format. It imports nothing of ours.
package data
