package config

import (
	"strings"
	"testing"
)

func TestCheckCronAcceptsEveryImageBuilderForm(t *testing.T) {
	for _, expr := range []string{
		"cron(0 3 ? * SUN *)",         // day-of-month ?
		"cron(0 2 * * ? *)",           // day-of-week ?
		"cron(0 0 1 * ? *)",           // first of the month
		"cron(0 0 L * ? *)",           // last day of the month
		"cron(0 0 LW * ? *)",          // last weekday of the month
		"cron(0 0 15W * ? *)",         // weekday nearest the 15th
		"cron(0 0 ? * 6L *)",          // last Friday
		"cron(0 0 ? * FRIL *)",        // last Friday, by name
		"cron(0 0 ? * L *)",           // last day of the week
		"cron(0 0 ? * 2#1 *)",         // first Monday
		"cron(0 0 ? * MON#3 *)",       // third Monday, by name
		"cron(0 9 ? JAN-MAR MON *)",   // month names in a range
		"cron(0 9 ? * MON-FRI *)",     // day names in a range
		"cron(0 9 ? * mon-fri *)",     // names in lowercase
		"cron(0/15 * ? * * *)",        // step from a start
		"cron(*/5 8-17 ? * 2-6 *)",    // step over *, number ranges
		"cron(10-50/10 * ? * * *)",    // step over a range
		"cron(0,30 1,13 ? * * *)",     // lists
		"cron(0 3 1,15 JAN,JUL ? *)",  // lists of days and month names
		"cron(0 3 ? * SUN,WED 2027)",  // a year
		"cron(0 3 ? * SUN 2026-2030)", // a range of years
		"cron(59 23 31 12 ? 2199)",    // every field at its maximum
		"cron(0 0 1 1 ? 1970)",        // every field at its minimum
		"cron(00 03 ? * SUN *)",       // leading zeros
	} {
		if err := CheckCron(expr); err != nil {
			t.Errorf("CheckCron(%q) = %v, want nil", expr, err)
		}
	}
}

func TestCheckCronRejectsWhatImageBuilderRejects(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"", "want cron(minutes hours"},
		{"0 3 ? * SUN *", "want cron(minutes hours"},
		{"cron(0 3 ? * SUN *", "want cron(minutes hours"},
		{"CRON(0 3 ? * SUN *)", "want cron(minutes hours"},
		{"rate(1 day)", "take no rate() or at() expression"},
		{"at(2026-01-01T00:00:00)", "take no rate() or at() expression"},
		{"cron(0 3 * * SUN)", "with 5 fields: want six"},
		{"cron(0 0 3 ? * SUN *)", "with 7 fields: want six"},
		{"cron()", "with 1 fields: want six"},
		{"cron(0  3 ? * SUN *)", "separated by single spaces"},
		{"cron( 0 3 ? * SUN *)", "separated by single spaces"},
		{"cron(0\t3 ? * SUN *)", "separated by single spaces"},
		{"cron(0 3 1 * SUN *)", `day-of-month "1" and day-of-week "SUN": want exactly one of them to be "?"`},
		{"cron(0 3 ? * ? *)", `want exactly one of them to be "?"`},
		{"cron(0 3 * * * *)", `want exactly one of them to be "?"`},
		{"cron(60 3 ? * SUN *)", "minutes value 60: want 0-59"},
		{"cron(0 24 ? * SUN *)", "hours value 24: want 0-23"},
		{"cron(0 3 0 * ? *)", "day-of-month value 0: want 1-31"},
		{"cron(0 3 32 * ? *)", "day-of-month value 32: want 1-31"},
		{"cron(0 3 32W * ? *)", "day-of-month value 32: want 1-31"},
		{"cron(0 3 1 0 ? *)", "month value 0: want 1-12"},
		{"cron(0 3 1 13 ? *)", "month value 13: want 1-12"},
		{"cron(0 3 ? * 0 *)", "day-of-week value 0: want 1-7"},
		{"cron(0 3 ? * 8L *)", "day-of-week value 8: want 1-7"},
		{"cron(0 3 ? * 2#6 *)", `day-of-week value "2#6"`},
		{"cron(0 3 ? * XYZ#1 *)", `day-of-week value "XYZ"`},
		{"cron(0 3 ? * SUN 1969)", "year value 1969: want 1970-2199"},
		{"cron(0 3 ? * SUN 2200)", "year value 2200: want 1970-2199"},
		{"cron(+5 3 ? * SUN *)", `minutes value "+5"`},
		{"cron(-5 3 ? * SUN *)", `minutes value ""`},
		{"cron(0 3 ? * FRI-MON *)", `day-of-week range "FRI-MON": want start <= end`},
		{"cron(0/0 3 ? * SUN *)", `minutes step "0": want a number from 1 to 59`},
		{"cron(0/60 3 ? * SUN *)", `minutes step "60"`},
		{"cron(0 3 ? JANUARY SUN *)", `month value "JANUARY": want 1-12 or a three-letter name`},
		{"cron(0 3 ? * SUN,,MON *)", `day-of-week value ""`},
		{"cron(? 3 1 * ? *)", `minutes value "?"`},
		{"cron(0 3 L * L *)", `want exactly one of them to be "?"`},
		{"cron(0 3 1W,2 * ? *)", `day-of-month value "1W"`},
	} {
		err := CheckCron(tc.expr)
		if err == nil {
			t.Errorf("CheckCron(%q) = nil, want an error containing %q", tc.expr, tc.want)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.want) {
			t.Errorf("CheckCron(%q) = %q, want it to contain %q", tc.expr, msg, tc.want)
		}
		if !strings.HasPrefix(msg, "got ") || !strings.Contains(msg, "want") || strings.Contains(msg, "\n") || strings.HasSuffix(msg, ".") {
			t.Errorf("CheckCron(%q) = %q: want one line \"got …: want …\", no trailing period", tc.expr, msg)
		}
	}
}
