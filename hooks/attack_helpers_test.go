package hooks_test

import (
	"strings"
	"testing"
)

// foreign lists what a caller may not learn in an error text: other users' emails, record
// ids and device ids of submissions outside their view, and those submissions' statuses.
type foreign struct {
	values   []string // ids, uuids, emails, names
	statuses []string // statuses of the foreign records, checked as words
}

// errorTexts are the error texts the attack suite has checked, counted for the report.
var errorTexts int

// checkText fails the test when text names anything of f. Fixture emails and names of
// other accounts are always foreign unless the caller is that account.
func (f foreign) checkText(t *testing.T, who, where, text string) {
	t.Helper()
	errorTexts++
	low := strings.ToLower(text)
	for _, v := range f.values {
		if v != "" && strings.Contains(low, strings.ToLower(v)) {
			t.Errorf("%s: the answer to %s names %q: %s", where, who, v, text)
		}
	}
	for _, acct := range []string{"enumA1", "enumA2", "enumB1", "supA", "supB", "analyst", "analystPII", "admin"} {
		if acct == who {
			continue
		}
		if strings.Contains(low, strings.ToLower(acct)+"@example.org") {
			t.Errorf("%s: the answer to %s names the account %s: %s", where, who, acct, text)
		}
	}
	for _, st := range f.statuses {
		for _, w := range strings.FieldsFunc(low, func(r rune) bool { return !('a' <= r && r <= 'z' || r == '_') }) {
			if w == st {
				t.Errorf("%s: the answer to %s gives the status %q of a record outside its view: %s", where, who, st, text)
			}
		}
	}
}
