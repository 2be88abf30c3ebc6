package form

// lift walks from row of repeat from up levels of enclosing repeats and
// returns the row reached (-1 if there is none).
func (c *evalCtx) lift(from *Field, row, up int) int {
	if c.st == nil {
		if from != nil && from.repeat == nil {
			return row // stored answers: top-level repeats only
		}
		return -1
	}
	rep := from
	for ; up > 0 && rep != nil && row >= 0; up-- {
		r := &c.st.reps[rep.repIdx]
		if row >= len(r.rows) {
			return -1
		}
		row = r.rows[row].parent
		rep = rep.repeat
	}
	return row
}

// local is the 0-based position of a row among its parent row's rows.
func (c *evalCtx) local(rep *Field, row int) int {
	if c.st == nil || rep == nil {
		return row
	}
	r := &c.st.reps[rep.repIdx]
	if row < 0 || row >= len(r.rows) {
		return row
	}
	return r.rows[row].local
}

// ancRow is the row of n.anc that an aggregate's rows must be under
// (-1 when the aggregate is over all rows).
func (c *evalCtx) ancRow(n *node) int {
	if n.anc == nil {
		return -1
	}
	row := c.row
	if n.ctx >= 0 {
		row = c.preds[n.ctx]
	}
	return c.lift(n.from, row, n.up)
}

// visible reports whether row i of n.rep counts for an aggregate: not
// dropped for relevance, and under row anc of n.anc (when set).
func (c *evalCtx) visible(n *node, anc, i int) bool {
	if c.st == nil {
		return n.anc == nil
	}
	rs := &c.st.reps[n.rep.repIdx].rows[i]
	if rs.off {
		return false
	}
	if n.anc == nil {
		return true
	}
	rep, row := n.rep, i
	for rep != nil && rep != n.anc {
		row = c.st.reps[rep.repIdx].rows[row].parent
		rep = rep.repeat
		if row < 0 {
			return false
		}
	}
	return rep == n.anc && row == anc
}
