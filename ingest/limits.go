package ingest

import (
	"fmt"
	"unicode/utf8"

	"fieldbase/form"
)

// Storage limits of one submission: what a submissions record can hold (see pb_migrations).
// A stored submission must stay a valid PocketBase record, or no supervisor could ever
// review it (every save validates every field).
const (
	MaxDataBytes  = 2 << 20 // submissions.data: the answers without the sensitive ones
	MaxPIIBytes   = 1 << 20 // submissions.pii: the sensitive answers
	MaxRepeatRows = 1000    // rows of one repeat (the form validator's limit too)
	MaxProblems   = 500     // errors or warnings listed per submission; the rest are counted
)

// tooManyRows names a repeat of the sent answers with more rows than can be stored.
func tooManyRows(data map[string]any) string {
	for name, v := range data {
		if rows, ok := v.([]any); ok && len(rows) > MaxRepeatRows {
			return fmt.Sprintf("%s has %d rows (at most %d can be stored)", truncate(name, 64), len(rows), MaxRepeatRows)
		}
	}
	return ""
}

// tooLarge says why stored answers would not fit their record, or "".
func tooLarge(dataJSON, piiJSON string) string {
	switch {
	case len(dataJSON) > MaxDataBytes:
		return fmt.Sprintf("the answers take %d bytes (at most %d can be stored)", len(dataJSON), MaxDataBytes)
	case len(piiJSON) > MaxPIIBytes:
		return fmt.Sprintf("the sensitive answers take %d bytes (at most %d can be stored)", len(piiJSON), MaxPIIBytes)
	}
	return ""
}

// capProblems keeps the first MaxProblems-1 problems and counts the rest in a last one.
func capProblems(p []form.Problem) []form.Problem {
	if len(p) <= MaxProblems {
		return p
	}
	out := append([]form.Problem{}, p[:MaxProblems-1]...)
	return append(out, form.Problem{Path: "", Rule: "check",
		Message: fmt.Sprintf("%d more problems are not listed", len(p)-(MaxProblems-1))})
}

// fit returns s for a text column of at most max characters, or "" (the column's zero value)
// when it does not fit: the answer as sent stays in data and validation names what is wrong.
func fit(s string, max int) string {
	if utf8.RuneCountInString(s) > max {
		return ""
	}
	return s
}

// cut shortens s to at most max characters (for identifiers such as a device id).
func cut(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max])
}
