package main

import (
	"math"
	"strconv"
	"strings"
)

// parseSize reads a byte count as makefs(8) writes sizes: decimal
// numbers with an optional suffix (b 512, k, m, g, t as powers of 1024,
// w the bytes of an int), multiplied together when joined by x.
func parseSize(what, s string) (int64, error) {
	if s == "" {
		return 0, usagef("%s: empty", what)
	}
	total := int64(1)
	for _, part := range strings.Split(strings.ToLower(s), "x") {
		n, err := scaled(part, map[byte]int64{'b': 512, 'k': 1 << 10, 'm': 1 << 20, 'g': 1 << 30, 't': 1 << 40, 'w': 4})
		if err != nil || (n != 0 && total > math.MaxInt64/n) {
			return 0, usagef("%s %q: want a byte count such as 64m or 1000x512", what, s)
		}
		total *= n
	}
	return total, nil
}

// parseSectors reads newfs(8)'s -s: 512-byte sectors, unless a suffix
// (s sectors, k, m, g, t) says otherwise; it returns bytes.
func parseSectors(s string) (int64, error) {
	n, err := scaled(strings.ToLower(s), map[byte]int64{'s': 512, 'k': 1 << 10, 'm': 1 << 20, 'g': 1 << 30, 't': 1 << 40})
	if err == nil && len(s) > 0 && s[len(s)-1] >= '0' && s[len(s)-1] <= '9' {
		if n > math.MaxInt64/512 {
			err = strconv.ErrRange
		}
		n *= 512
	}
	if err != nil {
		return 0, usagef("size %q: want sectors, or bytes with a k, m, g or t suffix", s)
	}
	return n, nil
}

// scaled reads a non-negative decimal number with an optional one-letter
// suffix from units.
func scaled(s string, units map[byte]int64) (int64, error) {
	mult := int64(1)
	if n := len(s); n > 0 {
		if m, ok := units[s[n-1]]; ok {
			mult, s = m, s[:n-1]
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if n < 0 || n > math.MaxInt64/mult {
		return 0, strconv.ErrRange
	}
	return n * mult, nil
}

// parseAmount reads makefs's -b and -f: a count, or a percentage with a
// % suffix.
func parseAmount(what, s string) (n, percent int64, err error) {
	if p, ok := strings.CutSuffix(s, "%"); ok {
		percent, err = strconv.ParseInt(p, 10, 64)
		if err != nil || percent < 0 {
			return 0, 0, usagef("%s %q: want a count or a percentage", what, s)
		}
		return 0, percent, nil
	}
	n, err = parseSize(what, s)
	return n, 0, err
}
