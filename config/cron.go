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
	special  *regexp.Regexp // forms allowed besides numbers, ranges, steps and lists
}

var (
	monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	dayNames   = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
	cronFields = []cronField{
		{name: "minutes", min: 0, max: 59},
		{name: "hours", min: 0, max: 23},
		{name: "day-of-month", min: 1, max: 31, special: regexp.MustCompile(`^(\?|L|LW|[0-9]{1,2}W)$`)},
		{name: "month", min: 1, max: 12, names: monthNames},
		{name: "day-of-week", min: 1, max: 7, names: dayNames, special: regexp.MustCompile(`^(\?|L|[1-7]L|[A-Z]{3}L|[1-7]#[1-5]|[A-Z]{3}#[1-5])$`)},
		{name: "year", min: 1970, max: 2199},
	}
)

// CheckCron checks an EC2 Image Builder schedule expression: cron(...) with
// six fields, UTC, exactly one of day-of-month and day-of-week being "?".
// It returns nil when the expression is valid.
func CheckCron(expr string) error {
	const form = `cron(minutes hours day-of-month month day-of-week year), for example "cron(0 3 ? * SUN *)"`
	if strings.HasPrefix(expr, "rate(") || strings.HasPrefix(expr, "at(") {
		return fmt.Errorf("got %q: Image Builder pipelines take only %s", expr, form)
	}
	if !strings.HasPrefix(expr, "cron(") || !strings.HasSuffix(expr, ")") {
		return fmt.Errorf("got %q: want %s", expr, form)
	}
	fields := strings.Fields(expr[len("cron(") : len(expr)-1])
	if len(fields) != 6 {
		return fmt.Errorf("got %q with %d fields: want six, %s", expr, len(fields), form)
	}
	for i, f := range fields {
		if err := cronFields[i].check(strings.ToUpper(f)); err != nil {
			return fmt.Errorf("got %q: %w", expr, err)
		}
	}
	dom, dow := fields[2], fields[4]
	if (dom == "?") == (dow == "?") {
		return fmt.Errorf("got %q: exactly one of day-of-month (%s) and day-of-week (%s) must be \"?\"", expr, dom, dow)
	}
	return nil
}

func (c cronField) check(v string) error {
	if v == "" {
		return fmt.Errorf("%s is empty", c.name)
	}
	if c.special != nil && c.special.MatchString(v) {
		if strings.Contains(v, "#") || (strings.HasSuffix(v, "L") && len(v) > 1 && v != "LW") || strings.HasSuffix(v, "W") {
			return c.checkSpecialNumber(v)
		}
		return nil
	}
	for _, part := range strings.Split(v, ",") {
		if err := c.checkPart(part); err != nil {
			return err
		}
	}
	return nil
}

// checkSpecialNumber checks the number inside forms such as 15W, 6L, MONL, 2#3.
func (c cronField) checkSpecialNumber(v string) error {
	n := strings.TrimRight(v, "LW")
	if i := strings.Index(v, "#"); i >= 0 {
		n = v[:i]
	}
	_, err := c.value(n)
	return err
}

func (c cronField) checkPart(part string) error {
	base, step, hasStep := strings.Cut(part, "/")
	if hasStep {
		s, err := strconv.Atoi(step)
		if err != nil || s < 1 || s > c.max {
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
			return fmt.Errorf("%s range %q: start is after end", c.name, base)
		}
	}
	return nil
}

func (c cronField) value(s string) (int, error) {
	if n, ok := c.names[s]; ok {
		return n, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || len(s) > 4 {
		allowed := fmt.Sprintf("%d-%d", c.min, c.max)
		if c.names != nil {
			allowed += " or a three-letter name"
		}
		return 0, fmt.Errorf("%s value %q: allowed %s, *, ranges a-b, steps /n and lists a,b", c.name, s, allowed)
	}
	if n < c.min || n > c.max {
		return 0, fmt.Errorf("%s value %d is out of range %d-%d", c.name, n, c.min, c.max)
	}
	return n, nil
}
