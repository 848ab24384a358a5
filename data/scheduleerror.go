package data

import (
	"errors"
	"fmt"
)

// ErrSchedule is wrapped by every error about a malformed meeting schedule,
// so callers can tell a bad record (errors.Is(err, ErrSchedule)) from an
// internal failure.
var ErrSchedule = errors.New("invalid schedule")

// ScheduleError names the meeting field that is wrong and what was expected.
// It unwraps to ErrSchedule and to the underlying parser error, if any.
type ScheduleError struct {
	Field    string // JSON name of the field: "rrule", "start", "timezone", "exdates[2]"...
	Value    string // the offending value
	Expected string // what would have been accepted
	Err      error  // the parser's own complaint, may be nil
}

func (e *ScheduleError) Error() string {
	s := fmt.Sprintf("meeting %s %q: expected %s", e.Field, e.Value, e.Expected)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap lets errors.Is find both ErrSchedule and the parser error.
func (e *ScheduleError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrSchedule}
	}
	return []error{ErrSchedule, e.Err}
}
