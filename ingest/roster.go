package ingest

import (
	"fieldbase/design"
	"fieldbase/store"
)

// rosterRows builds the member and emigrant rows of a household (all but their status,
// which the dedup rules decide inside the transaction), before the write transaction.
//
// A row holds the typed columns the indicators, dedup and counts read, and where its answers
// are in the submission's (Pos, Line); the answers themselves are stored once, in the
// submission. Stored in the rows too, they were as many bytes again as the household's own
// (~1.6 kB of ~5 kB a household with five members): pages written to the WAL and
// checkpointed, 13 % of an OpenRosa household's CPU (docs/performance.md, ninth round).
func rosterRows(r *row, formID string) ([]store.Member, []store.Emigrant) {
	d := r.survey.Design
	members := design.Rows(r.data, d.Roster)
	mrows := make([]store.Member, len(members))
	for i, m := range members {
		mrow, _ := m.(map[string]any)
		mr := store.Member{ID: NewID(), Submission: r.id, FormID: formID, Pos: i, Line: d.Line(mrow, i),
			Rel: fit(str(mrow, d.RosterRel), 4), Sex: fit(str(mrow, d.RosterSex), 4), Age: num(mrow, d.RosterAge),
			MigStatus: fit(str(mrow, d.RosterMig), 10)}
		if i < len(r.memberFacts) {
			mr.Facts = r.memberFacts[i]
		}
		mrows[i] = mr
	}
	emigrants := design.Rows(r.data, d.Emigrants)
	erows := make([]store.Emigrant, len(emigrants))
	for i, e := range emigrants {
		erow, _ := e.(map[string]any)
		erows[i] = store.Emigrant{ID: NewID(), Submission: r.id, FormID: formID, Line: i + 1,
			Sex: fit(str(erow, d.EmigrantSex), 4), Age: num(erow, d.EmigrantAge), Country: fit(str(erow, d.EmigrantCountry), 8),
			YearLeft: num(erow, d.EmigrantYearLeft), Reason: fit(str(erow, d.EmigrantReason), 20)}
	}
	return mrows, erows
}
