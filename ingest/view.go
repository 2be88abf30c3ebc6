package ingest

// deviceView is an outcome as the pushing device may see it (sync.md "Protecting the
// people in the data"): flags about the caller's own submissions keep their evidence; a flag
// about anyone else's says only possible_duplicate, with no other id, score or reason, and
// a reused id of another enumerator's says nothing at all (it reads like a new id). The
// stored flags keep everything for the supervisors.
func deviceView(out Outcome, c Caller) Outcome {
	if len(out.Flags) == 0 {
		return out
	}
	flags := make([]Flag, 0, len(out.Flags))
	vague := false
	for _, f := range out.Flags {
		switch {
		case f.Other == "" || f.OtherEnumerator == c.UserID:
			f.OtherEnumerator, f.OtherTeam = "", ""
			flags = append(flags, f)
		case f.Kind == "reused_id":
			// nothing: the device is answered as for a new id
		case !vague:
			vague = true
			flags = append(flags, Flag{Kind: "possible_duplicate"})
		}
	}
	if len(flags) == 0 {
		flags = nil
	}
	out.Flags = flags
	return out
}
