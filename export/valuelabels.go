package export

// Value labels of the coded columns that no choice list of the survey labels: the record
// columns fieldbase itself writes (review status, the audit trail's role, statuses and
// actions) and the codes of derived fields the questionnaire spec defines (mig_status,
// questionnaire.md). They get a value label like a select_one with text codes: codebook.csv
// lists each code with its label and Stata value, labels.do encodes and labels them.
var (
	statusChoices = []Choice{
		{"received", "Received, not yet reviewed"},
		{"flagged", "Flagged for review (warnings or a probable duplicate)"},
		{"invalid", "Breaks a hard rule of the questionnaire"},
		{"approved", "Approved: in indicators and exports"},
		{"rejected", "Rejected (see the reviewer's note)"},
		{"duplicate", "Duplicate of another submission"},
		{"superseded", "Replaced by its correction"},
	}
	roleChoices = []Choice{
		{"enumerator", "Enumerator"},
		{"supervisor", "Supervisor"},
		{"analyst", "Analyst"},
		{"superuser", "Administrator (superuser)"},
	}
	actionChoices = []Choice{
		{"approve", "Approve"},
		{"reject", "Reject"},
		{"duplicate", "Mark as duplicate"},
		{"reopen", "Reopen an approved submission"},
	}
	// recordLists: table name -> record column -> value labels.
	recordLists = map[string]map[string]string{
		"households": {"status": "fb:status"},
		"reviews":    {"role": "fb:role", "from": "fb:status", "to": "fb:status", "action": "fb:action"},
	}
	// derivedLists: calculate field -> value labels of the codes it computes.
	derivedLists = map[string][]Choice{
		"mig_status": {
			{"NB_NM", "Native-born non-migrant"},
			{"NB_RET", "Native-born return migrant"},
			{"FB_CIT", "Foreign-born citizen"},
			{"FB_NCIT", "Foreign-born non-citizen"},
		},
	}
	fbLists = map[string][]Choice{"fb:status": statusChoices, "fb:role": roleChoices, "fb:action": actionChoices}
)

// labelCoded gives the coded columns without a choice list of their own a value label (a
// list added to the schema under a name no XLSForm list can clash with), text-coded: read
// as text, encoded by labels.do.
func (s *Schema) labelCoded(tables ...*table) {
	use := func(c *column, list string, choices []Choice) {
		if _, ok := s.Lists[list]; !ok {
			s.Lists[list] = choices
		}
		c.list, c.as, c.conv = list, asString, convEncode
	}
	for _, t := range tables {
		for i := range t.cols {
			c := &t.cols[i]
			if c.list != "" || c.dummy {
				continue
			}
			if i < t.nrec {
				if list, ok := recordLists[t.name][c.name]; ok {
					use(c, list, fbLists[list])
				}
				continue
			}
			if choices, ok := derivedLists[c.field]; ok && c.typ == "calculate" {
				use(c, "fb:"+c.field, choices)
			}
		}
	}
}
