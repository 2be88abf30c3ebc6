package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"fieldbase/dedup"
	"fieldbase/form"
	"fieldbase/store"
)

// Caller is the authenticated enumerator pushing.
type Caller struct {
	UserID string
	TeamID string
}

// ErrNotStored is the request-level failure of PushAll: the transaction did not commit, so
// none of the request's items is stored (the device must send them all again).
var ErrNotStored = errors.New("ingest: the push was not stored")

// Push handles a single item, as PushAll does.
func (s *Store) Push(ctx context.Context, c Caller, raw json.RawMessage) (Outcome, error) {
	outs, errs, err := s.PushAll(ctx, c, []json.RawMessage{raw})
	if err != nil {
		return Outcome{}, err
	}
	return outs[0], errs[0]
}

// PushRead handles one item another door has already read by form.ReadEnvelope's rules
// (OpenRosa: xform.Instance.Read), as Push handles its JSON: the same validation, dedup
// and store. raw is the bytes the item came as (the instance XML and what else makes the
// envelope): a byte-identical resend of them is answered from the stored receipt.
func (s *Store) PushRead(ctx context.Context, c Caller, read *form.Read, raw []byte) (Outcome, error) {
	outs, errs, err := s.push(ctx, c, []item{{raw: raw, read: read}})
	if err != nil {
		return Outcome{}, err
	}
	return outs[0], errs[0]
}

// item is one household of a push: its bytes, and what was read of them when another door
// read them (nil: raw is the JSON of a push item).
type item struct {
	raw  []byte
	read *form.Read
}

// PushAll handles the items of one push request in order and says what became of each.
//
// Items sent before byte for byte (a device retrying after a lost answer) are answered
// `exists` from one indexed read, without parsing them or taking the write lock. The others
// are parsed and validated first, then stored in ONE transaction with a savepoint per item,
// committed with the WAL synced to disk: each item is all-or-nothing and independent of the
// others, and the request pays one disk sync, not one per household.
//
// errs[i] is set when item i could not be stored for a server-side reason (the handler logs
// it and tells the device to send it again). err is ErrNotStored (wrapped) when the commit
// failed: then no item of the request is stored.
func (s *Store) PushAll(ctx context.Context, c Caller, raws []json.RawMessage) (outs []Outcome, errs []error, err error) {
	items := make([]item, len(raws))
	for i, raw := range raws {
		items[i].raw = raw
	}
	return s.push(ctx, c, items)
}

func (s *Store) push(ctx context.Context, c Caller, items []item) (outs []Outcome, errs []error, err error) {
	outs = make([]Outcome, len(items))
	errs = make([]error, len(items))
	hashes := make([]string, len(items))
	if s.Keys == nil {
		return nil, nil, fmt.Errorf("%w: ingest: the store has no keys", ErrNotStored)
	}
	// Tell the store a Write is on its way, so that a group about to commit can wait a little
	// for it (store/gather.go); taken back by the Write, or on return if none is made.
	ctx, arrived := s.DB.Coming(ctx)
	defer arrived()
	for i, it := range items {
		hashes[i] = dedup.RawHashWith(s.Keys, it.raw)
	}
	// A JSON push's resends are recognised before they are parsed (parsing a request of
	// them costs more than the read). An item another door has read already (OpenRosa: one
	// household a request, parsed to find its survey) is recognised inside the transaction
	// instead, by the raw hash of the rows stored under its id (store), which the
	// transaction reads anyway: no read of its own on the pool for each new household. One
	// that does not reach the transaction (refused by prepare or by the quota) is looked up
	// below, so a resend is answered `exists` whatever else has changed since.
	early := slices.ContainsFunc(items, func(it item) bool { return it.read == nil })
	var known map[string]store.Stored
	if early {
		var kerr error
		known, kerr = s.DB.ByRawHashes(ctx, c.UserID, hashes)
		if kerr != nil {
			known = nil // the full path below reads the same thing inside the transaction
		}
	}
	rows := make([]*row, len(items))
	answered := 0
	for i, it := range items {
		if st, ok := known[hashes[i]]; ok {
			outs[i], errs[i] = s.receipt(ctx, s.DB.UUIDOf, st, st.UUID, c)
			answered++
			continue
		}
		rows[i], outs[i], errs[i] = s.prepare(ctx, c, it, hashes[i])
	}
	defer func() {
		for i := range outs {
			outs[i] = deviceView(outs[i], c)
		}
	}()
	if err := s.applyQuota(ctx, c, rows, outs); err != nil {
		return outs, errs, fmt.Errorf("%w: %v", ErrNotStored, err)
	}
	if !early {
		n, err := s.resentRefused(ctx, c, items, hashes, rows, outs, errs)
		if err != nil {
			return outs, errs, fmt.Errorf("%w: %v", ErrNotStored, err)
		}
		answered += n
	}
	pending := 0
	for _, r := range rows {
		if r != nil {
			pending++
		}
	}
	if pending == 0 {
		// Answered from reads alone (resends): what they say is stored must be on disk.
		if answered > 0 {
			if err := s.DB.SyncCommitted(); err != nil {
				return outs, errs, fmt.Errorf("%w: %v", ErrNotStored, err)
			}
		}
		return outs, errs, nil
	}
	var written []Written
	// The request's context without its cancellation: the transaction may be a group commit
	// shared with other requests, and a statement interrupted because this device hung up
	// would end the transaction for all of them (SQLite rolls back an interrupted write).
	wctx := context.WithoutCancel(ctx)
	// The store may run this function twice (a fast run without savepoints, then, if a write
	// failed, a careful one): each run starts from the rows as prepared.
	prepared := make([]row, len(rows))
	for i, r := range rows {
		if r != nil {
			prepared[i] = *r
		}
	}
	werr := s.DB.WriteItems(ctx, pending, func(tx *store.Tx) error {
		written = written[:0]
		for i, r := range rows {
			if r == nil {
				continue
			}
			*r = prepared[i]
			outs[i], errs[i] = Outcome{}, nil
			var out Outcome
			err := tx.Savepoint(wctx, func() error {
				var err error
				out, err = s.store(wctx, tx, r)
				return err
			})
			if errors.Is(err, store.ErrTxLost) {
				return err
			}
			outs[i], errs[i] = out, err
			if err == nil && (out.Outcome == Created || out.Outcome == Conflict) {
				written = append(written, Written{Record: r.id, Op: "create", Row: r.inserted})
				if r.supersedes != "" {
					written = append(written, Written{Record: r.supersedes, Op: "update"})
				}
			}
		}
		return nil
	})
	if werr != nil {
		for i, r := range rows {
			if r != nil {
				outs[i], errs[i] = Outcome{}, werr
			}
		}
		return outs, errs, fmt.Errorf("%w: %v", ErrNotStored, werr)
	}
	if s.AfterCommit != nil && len(written) > 0 {
		s.AfterCommit(ctx, written)
	}
	return outs, errs, nil
}

// resentRefused answers `exists` for the items that will not reach the transaction (a
// refusal by prepare or the quota, not a server fault) but were stored before byte for
// byte: what the early lookup of a JSON push does, for the items read by another door.
func (s *Store) resentRefused(ctx context.Context, c Caller, items []item, hashes []string, rows []*row, outs []Outcome, errs []error) (int, error) {
	var look []string
	for i := range items {
		if rows[i] == nil && errs[i] == nil {
			look = append(look, hashes[i])
		}
	}
	if len(look) == 0 {
		return 0, nil
	}
	known, err := s.DB.ByRawHashes(ctx, c.UserID, look)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range items {
		if st, ok := known[hashes[i]]; ok && rows[i] == nil && errs[i] == nil {
			outs[i], errs[i] = s.receipt(ctx, s.DB.UUIDOf, st, st.UUID, c)
			n++
		}
	}
	return n, nil
}

// prepare parses and validates one item outside the write transaction. It returns the row
// to store, or the item's final outcome (refused), or a server fault.
func (s *Store) prepare(ctx context.Context, c Caller, it item, rawHash string) (*row, Outcome, error) {
	var p *parsed
	if it.read != nil {
		p = &parsed{env: it.read.Env, rawData: it.read.RawData, problems: it.read.Problems}
	} else {
		var ref *Outcome
		if p, ref = parseItem(it.raw); ref != nil {
			return nil, *ref, nil
		}
	}
	id := p.env.ID
	sv, ok, err := s.Surveys.Find(p.env.Survey, p.env.Version)
	if err != nil {
		return nil, Outcome{}, err
	}
	if !ok {
		for _, pr := range p.problems {
			if pr.Path == "survey" || pr.Path == "version" {
				return nil, refused(id, pr.Path, pr.Message), nil
			}
		}
		return nil, refused(id, "survey", fmt.Sprintf("unknown survey %q version %d", truncate(p.env.Survey, 64), p.env.Version)), nil
	}
	if why := tooManyRows(p.env.Data); why != "" {
		return nil, refused(id, "data", "submission too large to store: "+why), nil
	}
	var asg *assignment
	if p.env.Assignment != "" && s.DB != nil { // Check (no database) cannot tell
		a, err := s.DB.Assignment(ctx, p.env.Assignment)
		if err != nil {
			return nil, Outcome{}, err
		}
		switch {
		case a == nil || a.Enumerator != c.UserID:
			// Absent and someone else's read the same (sync.md): the id tells nothing.
			return nil, refused(id, "assignment", "assignment: no assignment of yours has this id"), nil
		case a.Survey != sv.RecordID:
			return nil, refused(id, "assignment", fmt.Sprintf("assignment %q is for another survey version", p.env.Assignment)), nil
		}
		asg = a
	}

	if asg != nil {
		preload(sv.Design, asg, p.env.Data)
	}
	now := s.now()
	res := sv.Form.Validate(&p.env, Today(now))
	errs := capProblems(append(append([]form.Problem{}, p.problems...), res.Errors...))
	sub := &row{
		id: NewID(), uuid: id, env: &p.env, survey: sv, caller: c, rawHash: rawHash,
		data: res.Data, errors: errs, warnings: capProblems(nonNil(res.Warnings)), now: now,
	}
	if asg != nil {
		sub.assignment = asg.ID
	}
	if sub.data == nil {
		sub.data = p.env.Data
	}
	// The content hash is of the validated answers, sensitive ones included: what is stored
	// (data and pii together), so that a rekey can recompute it from the stored answers. A
	// byte-identical resend was answered by PushAll; one with the same content in other
	// bytes (key order, number format) is recognised inside the transaction.
	sub.hash = dedup.ContentHashWith(s.Keys, sub.data)
	sub.summary = sv.Household(s.Keys, sub.id, sub.data)
	// Facts even for an invalid household: a supervisor may still approve it.
	if s.Facts != nil {
		sub.hhFacts, sub.memberFacts = s.Facts(sv.Form, sub.data)
	}
	sub.pii = sv.splitPII(sub.data)
	sub.members, sub.emigrants = rosterRows(sub, sv.Form.FormID)
	sub.dataJSON, sub.piiJSON = jsonText(sub.data), jsonText(sub.pii)
	if why := tooLarge(sub.dataJSON, sub.piiJSON); why != "" {
		return nil, refused(id, "data", "submission too large to store: "+why), nil
	}
	return sub, Outcome{}, nil
}

// store runs the dedup rules of sync.md in order and writes the household.
func (s *Store) store(ctx context.Context, tx *store.Tx, r *row) (Outcome, error) {
	// 1. Same id: a retry (exists) or different content (conflict: keep both, linked).
	all, err := tx.ByUUID(ctx, r.uuid)
	if err != nil {
		return Outcome{}, err
	}
	// Only the caller's own submissions answer for the id: another enumerator's under the
	// same id (a copied or guessed id) is linked for the supervisors, and the device is
	// answered as if the id were new (sync.md: a reused id reads like an absent one).
	var stored []store.Stored
	var foreign *store.Stored
	for i, st := range all {
		if st.Enumerator == r.caller.UserID {
			stored = append(stored, st)
		} else if foreign == nil {
			foreign = &all[i]
		}
	}
	// The same bytes first (an item read by another door is looked up by raw hash only
	// here), then the same content in other bytes.
	for _, st := range stored {
		if r.rawHash != "" && st.RawHash == r.rawHash {
			return s.receipt(ctx, tx.UUIDOf, st, r.uuid, r.caller)
		}
	}
	for _, st := range stored {
		if st.ContentHash == r.hash {
			return s.receipt(ctx, tx.UUIDOf, st, r.uuid, r.caller)
		}
	}
	outcome := Created
	status := r.validationStatus()
	flag := func(f Flag) {
		r.flags = append(r.flags, f)
		if status == "received" {
			status = "flagged"
		}
	}
	if len(stored) > 0 {
		outcome = Conflict
		r.conflictOf = stored[0].ID
		flag(Flag{Kind: "conflict", Other: stored[0].ID, OtherID: r.uuid, OtherEnumerator: stored[0].Enumerator,
			OtherTeam: stored[0].Team, Reasons: []string{"the same submission id was sent before with different answers"}})
	} else if foreign != nil {
		// Not a status change: the device's answer must read as for a new id.
		r.flags = append(r.flags, Flag{Kind: "reused_id", Other: foreign.ID, OtherID: r.uuid,
			OtherEnumerator: foreign.Enumerator, OtherTeam: foreign.Team,
			Reasons: []string{"another enumerator's submission has the same submission id"}})
	}

	// 2. Same content under a new id.
	var dupUUID string
	if r.conflictOf == "" {
		dup, found, err := tx.ByContent(ctx, r.survey.Form.FormID, r.hash, r.caller.UserID)
		if err != nil {
			return Outcome{}, err
		}
		switch {
		case found && dup.Enumerator == r.caller.UserID:
			status = "duplicate"
			r.duplicateOf, dupUUID = dup.ID, dup.UUID
		case found:
			// The same answers as another enumerator's household: a supervisor decides. To
			// the device it is a possible duplicate like any other, so a push cannot test
			// whether someone else recorded exactly these answers.
			flag(Flag{Kind: "possible_duplicate", Other: dup.ID, OtherID: dup.UUID, Score: 1,
				OtherEnumerator: dup.Enumerator, OtherTeam: dup.Team,
				Reasons: []string{"the same answers as another submission"}})
		}
	}

	// 3. Same household key, or same PSU + GPS + roster: flag for a supervisor.
	if status != "duplicate" && r.summary.PSU > 0 {
		if err := probableDuplicates(ctx, tx, r, flag); err != nil {
			return Outcome{}, err
		}
	}

	// 4. A correction of a rejected submission.
	if r.env.Supersedes != "" {
		if err := supersede(ctx, tx, r); err != nil {
			return Outcome{}, err
		}
		if r.supersedes == "" {
			status = "invalid"
		}
	}
	r.status = status
	if err := insert(ctx, tx, r); err != nil {
		return Outcome{}, err
	}
	return Outcome{ID: r.uuid, Outcome: outcome, Status: status, Record: r.id, Errors: nonNil(r.errors),
		Warnings: r.warnings, DuplicateOf: dupUUID, Flags: r.flags}, nil
}

func probableDuplicates(ctx context.Context, tx *store.Tx, r *row, flag func(Flag)) error {
	// No fix: a box no stored point can be in (stored "no fix" is 0, 0).
	box := store.Box{LatLo: 999, LatHi: 999, LonLo: 999, LonHi: 999}
	if h := r.summary; h.HasGPS {
		const margin = 3 * dedup.GPSRadius // metres; generous, the exact test is Compare's
		dLat := margin / 111320.0
		dLon := dLat / math.Max(math.Cos(h.Lat*math.Pi/180), 0.01)
		box = store.Box{LatLo: h.Lat - dLat, LatHi: h.Lat + dLat, LonLo: h.Lon - dLon, LonHi: h.Lon + dLon}
	}
	cands, err := tx.InPSU(ctx, r.survey.Form.FormID, r.summary.PSU, r.summary.Dwelling, box)
	if err != nil {
		return err
	}
	for _, c := range cands {
		if c.UUID == r.uuid {
			continue // the conflict flag already links them
		}
		other := dedup.Household{ID: c.ID, PSU: r.summary.PSU, Dwelling: c.Dwelling, HeadKey: c.HeadKey}
		if c.Lat.Valid && c.Lon.Valid && (c.Lat.Float64 != 0 || c.Lon.Float64 != 0) {
			other.HasGPS, other.Lat, other.Lon, other.Accuracy = true, c.Lat.Float64, c.Lon.Float64, c.GPSAcc.Float64
		}
		other.Roster, _ = dedup.ParseRosterSig(c.RosterSig)
		if m := dedup.Compare(r.summary, other); m.Probable {
			flag(Flag{Kind: "possible_duplicate", Other: c.ID, OtherID: c.UUID, Score: m.Score, Reasons: m.Reasons,
				OtherEnumerator: c.Enumerator, OtherTeam: c.Team})
		}
	}
	return nil
}

func supersede(ctx context.Context, tx *store.Tx, r *row) error {
	oldID, oldStatus, oldEnum, found, err := tx.Supersedable(ctx, r.env.Supersedes)
	if err != nil {
		return err
	}
	reason := ""
	switch {
	case !found || oldEnum != r.caller.UserID:
		// Absent and someone else's read the same (sync.md).
		reason = "no submission of yours has that id"
	case oldStatus != "rejected":
		reason = fmt.Sprintf("it is %s, and only a rejected submission can be corrected", oldStatus)
	}
	if reason != "" {
		r.errors = append(r.errors, form.Problem{Path: "supersedes", Rule: "check",
			Message: "supersedes cannot be accepted: " + reason})
		return nil
	}
	ts := DBTime(r.now)
	if err := tx.Supersede(ctx, oldID, r.id, ts); err != nil {
		return err
	}
	if err := tx.InsertReview(ctx, &store.Review{ID: NewID(), Submission: oldID, Actor: r.caller.UserID,
		Role: "enumerator", From: "rejected", To: "superseded", Action: "correction",
		Note: "corrected by submission " + r.uuid, Created: ts, Updated: ts}); err != nil {
		return err
	}
	r.supersedes = oldID
	return nil
}

// validationStatus is the status validation alone gives the household (sync.md).
func (r *row) validationStatus() string {
	switch {
	case len(r.errors) > 0:
		return "invalid"
	case len(r.warnings) > 0:
		return "flagged"
	}
	return "received"
}

// Check answers what a push of raw would, for an item the server has not stored before,
// without a database: the same parser (form.ReadEnvelope), survey lookup, storage limits and
// validation. What depends on stored data is not checked: the same id or content sent before
// (exists, conflict, duplicate), probable duplicates, the assignment (its preloaded cover
// answers included) and supersedes.
func Check(surveys Surveys, raw json.RawMessage, now time.Time) (Outcome, error) {
	s := &Store{Surveys: surveys, Now: func() time.Time { return now }, Keys: noDigests{}}
	r, out, err := s.prepare(context.Background(), Caller{}, item{raw: raw}, "")
	if r == nil || err != nil {
		return out, err
	}
	return Outcome{ID: r.uuid, Outcome: Created, Status: r.validationStatus(), Errors: nonNil(r.errors), Warnings: r.warnings}, nil
}

// noDigests stands in for the deployment's keys where nothing is stored (Check): the digests
// are not compared with anything.
type noDigests struct{}

func (noDigests) Digest(string, []byte) string { return "" }

func nonNil(p []form.Problem) []form.Problem {
	if p == nil {
		return []form.Problem{}
	}
	return p
}
