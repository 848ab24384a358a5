// Package schedule expands meeting schedules (RFC 5545 rules, in the
// meeting's time zone) into occurrences, checks them, and reads the times
// people ask for in words ("tonight", "Saturday morning", "after 6pm").
package schedule
