package ingest

import (
	"fieldbase/design"
	"fieldbase/store"
)

// rosterRows builds the member and emigrant rows of a household (all but their status,
// which the dedup rules decide inside the transaction). prepare calls it so that their
// JSON is encoded before the write transaction, not while every other write waits.
func rosterRows(r *row, formID string) ([]store.Member, []store.Emigrant) {
	d := r.survey.Design
	members := design.Rows(r.data, d.Roster)
	memberPII := design.Rows(r.pii, d.Roster)
	mrows := make([]store.Member, len(members))
	for i, m := range members {
		mrow, _ := m.(map[string]any)
		mr := store.Member{ID: NewID(), Submission: r.id, FormID: formID, Line: d.Line(mrow, i),
			Rel: fit(str(mrow, d.RosterRel), 4), Sex: fit(str(mrow, d.RosterSex), 4), Age: num(mrow, d.RosterAge),
			MigStatus: fit(str(mrow, d.RosterMig), 10), Data: jsonText(mrow)}
		if i < len(r.memberFacts) {
			mr.Facts = r.memberFacts[i]
		}
		if i < len(memberPII) {
			mr.PII = jsonText(memberPII[i])
		}
		mrows[i] = mr
	}
	emigrants := design.Rows(r.data, d.Emigrants)
	erows := make([]store.Emigrant, len(emigrants))
	for i, e := range emigrants {
		erow, _ := e.(map[string]any)
		erows[i] = store.Emigrant{ID: NewID(), Submission: r.id, FormID: formID, Line: i + 1,
			Sex: fit(str(erow, d.EmigrantSex), 4), Age: num(erow, d.EmigrantAge), Country: fit(str(erow, d.EmigrantCountry), 8),
			YearLeft: num(erow, d.EmigrantYearLeft), Reason: fit(str(erow, d.EmigrantReason), 20), Data: jsonText(erow)}
	}
	return mrows, erows
}

// householdJSON is jsonText of the household's answers and of its sensitive answers, the
// texts of the roster rows (made by rosterRows) copied in.
func householdJSON(r *row) (data, pii string) {
	d := r.survey.Design
	mdata := make([]string, len(r.members))
	var mpii []string
	if len(design.Rows(r.pii, d.Roster)) == len(r.members) {
		mpii = make([]string, len(r.members))
	}
	for i, m := range r.members {
		mdata[i] = m.Data
		if mpii != nil {
			mpii[i], _ = m.PII.(string)
		}
	}
	edata := make([]string, len(r.emigrants))
	for i, e := range r.emigrants {
		edata[i] = e.Data
	}
	data = jsonTextWith(r.data, spliced{d.Roster, mdata}, spliced{d.Emigrants, edata})
	pii = jsonTextWith(r.pii, spliced{d.Roster, mpii})
	return data, pii
}
