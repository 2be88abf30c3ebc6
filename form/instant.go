package form

// parseInstant reads an RFC 3339 date-time (2026-10-05T09:30:00.5+05:45)
// and returns it as seconds and nanoseconds since 1970-01-01 UTC. Unlike
// time.Parse it does not allocate a time zone for each numeric offset,
// and it accepts only what RFC 3339 allows (time.Parse also takes, for
// example, a one-digit hour offset).
func parseInstant(s string) (sec int64, nsec int, ok bool) {
	if len(s) < 20 {
		return 0, 0, false
	}
	days, ok := parseDate(s[:10])
	if !ok || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' {
		return 0, 0, false
	}
	hh, ok1 := atoiDigits(s[11:13])
	mm, ok2 := atoiDigits(s[14:16])
	ss, ok3 := atoiDigits(s[17:19])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
		return 0, 0, false
	}
	i := 19
	if s[i] == '.' {
		i++
		start := i
		scale := 100000000
		for i < len(s) && isDigit(s[i]) {
			nsec += int(s[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == start {
			return 0, 0, false
		}
	}
	offset := 0
	switch {
	case i+1 == len(s) && (s[i] == 'Z' || s[i] == 'z'):
	case (i+6 == len(s) && s[i+3] == ':' || i+5 == len(s)) && (s[i] == '+' || s[i] == '-'):
		// +hh:mm, or +hhmm as JavaRosa has written it.
		oh, ok1 := atoiDigits(s[i+1 : i+3])
		om, ok2 := atoiDigits(s[len(s)-2:])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return 0, 0, false
		}
		offset = oh*3600 + om*60
		if s[i] == '-' {
			offset = -offset
		}
	default:
		return 0, 0, false
	}
	sec = int64(days)*86400 + int64(hh*3600+mm*60+ss) - int64(offset)
	return sec, nsec, true
}
