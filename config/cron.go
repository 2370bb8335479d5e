package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// cronField describes one of the six fields of an Image Builder cron
// expression: minutes hours day-of-month month day-of-week year.
type cronField struct {
	name     string
	min, max int
	names    map[string]int
	// special matches the forms allowed besides numbers, names, *,
	// ranges, steps and lists (?, L, W, #); its first group, when not
	// empty, is a number or name to check against min and max.
	special *regexp.Regexp
	// specialHelp says what special allows.
	specialHelp string
}

var (
	monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	dayNames   = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
	cronFields = []cronField{
		{name: "minutes", min: 0, max: 59},
		{name: "hours", min: 0, max: 23},
		{name: "day-of-month", min: 1, max: 31,
			special:     regexp.MustCompile(`^(?:\?|L|LW|([0-9]{1,2})W)$`),
			specialHelp: ", ?, L, LW or nW"},
		{name: "month", min: 1, max: 12, names: monthNames},
		{name: "day-of-week", min: 1, max: 7, names: dayNames,
			special:     regexp.MustCompile(`^(?:\?|L|([0-9]|[A-Z]{3})L|([0-9]|[A-Z]{3})#[1-5])$`),
			specialHelp: ", ?, L, dL or d#n (n from 1 to 5)"},
		{name: "year", min: 1970, max: 2199},
	}
	digitsRe = regexp.MustCompile(`^[0-9]{1,4}$`)
)

// cronForm is what CheckCron accepts, for its messages.
const cronForm = `cron(minutes hours day-of-month month day-of-week year), UTC, for example "cron(0 3 ? * SUN *)"`

// CheckCron checks an EC2 Image Builder schedule expression: cron(...) with
// six fields, UTC, exactly one of day-of-month and day-of-week being "?".
// It returns nil when the expression is valid, else one line saying what
// was received and what is allowed.
func CheckCron(expr string) error {
	if strings.HasPrefix(expr, "rate(") || strings.HasPrefix(expr, "at(") {
		return fmt.Errorf("got %q: want %s; Image Builder pipelines take no rate() or at() expression", expr, cronForm)
	}
	if !strings.HasPrefix(expr, "cron(") || !strings.HasSuffix(expr, ")") {
		return fmt.Errorf("got %q: want %s", expr, cronForm)
	}
	inner := expr[len("cron(") : len(expr)-1]
	fields := strings.Split(inner, " ")
	if strings.TrimSpace(inner) != inner || strings.Contains(inner, "  ") || strings.ContainsAny(inner, "\t\n\r\v\f") {
		return fmt.Errorf("got %q: want the six fields separated by single spaces, %s", expr, cronForm)
	}
	if len(fields) != 6 {
		return fmt.Errorf("got %q with %d fields: want six, %s", expr, len(fields), cronForm)
	}
	for i, f := range fields {
		if err := cronFields[i].check(strings.ToUpper(f)); err != nil {
			return fmt.Errorf("got %q: %w", expr, err)
		}
	}
	dom, dow := fields[2], fields[4]
	if (dom == "?") == (dow == "?") {
		return fmt.Errorf("got %q with day-of-month %q and day-of-week %q: want exactly one of them to be \"?\"", expr, dom, dow)
	}
	return nil
}

func (c cronField) check(v string) error {
	if c.special != nil {
		if m := c.special.FindStringSubmatch(v); m != nil {
			for _, n := range m[1:] {
				if n != "" {
					if _, err := c.value(n); err != nil {
						return err
					}
				}
			}
			return nil
		}
	}
	for _, part := range strings.Split(v, ",") {
		if err := c.checkPart(part); err != nil {
			return err
		}
	}
	return nil
}

func (c cronField) checkPart(part string) error {
	base, step, hasStep := strings.Cut(part, "/")
	if hasStep {
		s, err := strconv.Atoi(step)
		if !digitsRe.MatchString(step) || err != nil || s < 1 || s > c.max {
			return fmt.Errorf("%s step %q: want a number from 1 to %d", c.name, step, c.max)
		}
	}
	if base == "*" {
		return nil
	}
	lo, hi, isRange := strings.Cut(base, "-")
	a, err := c.value(lo)
	if err != nil {
		return err
	}
	if isRange {
		b, err := c.value(hi)
		if err != nil {
			return err
		}
		if b < a {
			return fmt.Errorf("%s range %q: want start <= end", c.name, base)
		}
	}
	return nil
}

func (c cronField) value(s string) (int, error) {
	if n, ok := c.names[s]; ok {
		return n, nil
	}
	if !digitsRe.MatchString(s) {
		allowed := fmt.Sprintf("%d-%d", c.min, c.max)
		if c.names != nil {
			allowed += " or a three-letter name"
		}
		return 0, fmt.Errorf("%s value %q: want %s, *, ranges a-b, steps /n, lists a,b%s", c.name, s, allowed, c.specialHelp)
	}
	n, _ := strconv.Atoi(s)
	if n < c.min || n > c.max {
		return 0, fmt.Errorf("%s value %d: want %d-%d", c.name, n, c.min, c.max)
	}
	return n, nil
}
