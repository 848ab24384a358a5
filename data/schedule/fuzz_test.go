package schedule

import (
	"errors"
	"testing"
	"time"

	"github.com/peermatch/peermatch/data"
)

// FuzzSchedule checks that any meeting either fails Validate with a
// *ScheduleError or validates and then expands (Next, ICal) without a
// panic, recovered or not.
func FuzzSchedule(f *testing.F) {
	f.Add("FREQ=WEEKLY;BYDAY=TH", "19:00", 90, "America/New_York", "", "", "")
	f.Add("FREQ=MONTHLY;BYDAY=2TH,4TH", "19:00", 0, "America/Chicago", "2026-01-01", "2027-01-01", "2026-02-12")
	f.Add("FREQ=WEEKLY;BYDAY=TH", "19:00", 60, "UTC", "0000-01-01", "", "")
	f.Add("FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO;INTERVAL=2", "07:30", 30, "Europe/London", "2026-05-11", "", "")
	f.Add("FREQ=DAILY;COUNT=3;BYSETPOS=-1", "00:00", 1440, "Asia/Kolkata", "1900-01-01", "2200-12-31", "1900-01-02")
	f.Add("FREQ=MONTHLY;BYMONTHDAY=-1;UNTIL=22001231T000000Z", "23:59", 1, "Pacific/Chatham", "", "", "")
	f.Add("FREQ=YEARLY;BYEASTER=-2", "10:00", 60, "Europe/Berlin", "", "", "")
	f.Add("FREQ=MONTHLY;INTERVAL=120;BYSETPOS=1,-1;BYDAY=MO,TU;WKST=SU", "12:00", 60, "Australia/Lord_Howe", "2200-12-31", "", "")
	f.Add("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=10000", "02:30", 60, "America/Sao_Paulo", "1900-02-28", "", "")
	f.Add("RRULE:FREQ=WEEKLY;BYDAY=-1SU", "02:30", 60, "America/New_York", "", "", "")
	now := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, rule, start string, dur int, tz, from, until, exdate string) {
		m := data.Meeting{RRule: rule, Start: start, Duration: dur, TimeZone: tz, ValidFrom: from, ValidUntil: until}
		if exdate != "" {
			m.ExDates = []string{exdate}
		}
		err := Validate(&m, "")
		if errors.Is(err, errSchedulePanic) {
			t.Fatalf("Validate panicked: %v", err)
		}
		if err != nil {
			var se *data.ScheduleError
			if !errors.As(err, &se) || !errors.Is(err, data.ErrSchedule) {
				t.Fatalf("Validate error %v is not a *ScheduleError", err)
			}
			return
		}
		for _, after := range []time.Time{now, now.AddDate(-150, 0, 0), now.AddDate(150, 0, 0)} {
			occ, err := Next(&m, after, 5, "")
			if errors.Is(err, errSchedulePanic) || err != nil && !errors.Is(err, data.ErrSchedule) {
				t.Fatalf("Next(%s): %v", after, err)
			}
			for i := 1; i < len(occ); i++ {
				if occ[i].Start.Before(occ[i-1].Start) {
					t.Fatalf("Next(%s) out of order: %v", after, occ)
				}
			}
		}
		if _, err := ICal(&m, now, ""); errors.Is(err, errSchedulePanic) {
			t.Fatalf("ICal: %v", err)
		}
	})
}
