package hooks_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"fieldbase/schemas"
)

// publishedCell is one cell as GET /api/indicators answers it, n_weighted as sent (null for a
// suppressed cell).
type publishedCell struct {
	Indicator   string            `json:"indicator"`
	Dims        map[string]string `json:"dims"`
	Estimate    *float64          `json:"estimate"`
	NUnweighted int               `json:"n_unweighted"`
	NWeighted   *float64          `json:"n_weighted"`
	Flag        string            `json:"flag"`
	Reason      string            `json:"reason"`
}

// cellKey names a cell by its non-margin codes, so SEX=F of a one-dimension table and
// SEX=F, AGE=_T of a two-dimension table are one cell, as an attacker would line them up.
func cellKey(ind string, dims map[string]string) string {
	var parts []string
	for d, c := range dims {
		if c != "_T" {
			parts = append(parts, d+"="+c)
		}
	}
	sort.Strings(parts)
	return ind + "|" + strings.Join(parts, ",")
}

// TestAttackDifferencing is door 4 of issue 12: with the _T margins and the other cells'
// estimates and n_weighted, a suppressed cell in a partition with no other suppressed cell
// is the margin minus the rest. The attack asks every one- and two-dimension table of every
// indicator as a supervisor (all teams' cells) and solves every partition that has a single
// unknown, again and again with what it learnt, across tables. It must recover nothing, no
// suppressed cell may carry n_weighted, and one cell must read the same in every table.
func TestAttackDifferencing(t *testing.T) {
	s := newServer(t)
	if n, _ := approvedHouseholds(t, s, 400, 0); n < 390 {
		t.Fatalf("only %d households approved", n)
	}
	var cat struct {
		Dimensions []struct {
			ID string `json:"id"`
		} `json:"dimensions"`
	}
	if err := json.Unmarshal(schemas.Indicators, &cat); err != nil {
		t.Fatal(err)
	}
	var dims []string
	for _, d := range cat.Dimensions {
		dims = append(dims, d.ID)
	}
	tables := [][]string{nil}
	for i := range dims {
		tables = append(tables, []string{dims[i]})
		for j := i + 1; j < len(dims); j++ {
			tables = append(tables, []string{dims[i], dims[j]}, []string{dims[j], dims[i]})
		}
	}
	cells := map[string]publishedCell{}
	var parts [][]string // each: member keys, then the margin's key
	for _, by := range tables {
		code, _, body := indicatorsGet(t, s, "supB", "survey=mhs&by="+strings.Join(by, ","))
		if code != 200 {
			t.Fatalf("by=%v: %d %.300s", by, code, body)
		}
		var doc struct {
			Cells []publishedCell `json:"cells"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		groups := map[string][]string{}
		for _, c := range doc.Cells {
			k := cellKey(c.Indicator, c.Dims)
			if c.Flag == "suppressed" && (c.NWeighted != nil || c.Estimate != nil) {
				t.Errorf("by=%v: suppressed cell %s publishes n_weighted %v / estimate %v", by, k, c.NWeighted, c.Estimate)
			}
			if prev, ok := cells[k]; ok && (prev.Flag != c.Flag || num(prev.Estimate) != num(c.Estimate)) {
				t.Errorf("cell %s reads %q %s in one table and %q %s in another (by=%v)", k, prev.Flag, num(prev.Estimate), c.Flag, num(c.Estimate), by)
			}
			cells[k] = c
			// Partitions: the codes of each requested dimension, the others held fixed.
			for _, vary := range by {
				if c.Dims[vary] == "_T" {
					continue
				}
				fixed := map[string]string{}
				for d, code := range c.Dims {
					if d != vary {
						fixed[d] = code
					}
				}
				margin := cellKey(c.Indicator, fixed)
				groups[margin+"#"+vary] = append(groups[margin+"#"+vary], k)
			}
		}
		for id, members := range groups {
			margin, _, _ := strings.Cut(id, "#")
			parts = append(parts, append(members, margin))
		}
	}
	attack := func(unknown func(publishedCell) bool) (recovered, unknowns int) {
		open := map[string]bool{}
		for k, c := range cells {
			if unknown(c) {
				open[k] = true
				unknowns++
			}
		}
		for changed := true; changed; {
			changed = false
			for _, p := range parts {
				var left []string
				for _, k := range p {
					if _, published := cells[k]; !published {
						left = append(left, "?"+k) // a margin not published: nothing to subtract from
					} else if open[k] {
						left = append(left, k)
					}
				}
				if len(left) == 1 && !strings.HasPrefix(left[0], "?") {
					open[left[0]] = false
					recovered++
					changed = true
				}
			}
		}
		return recovered, unknowns
	}
	got, suppressed := attack(func(c publishedCell) bool { return c.Flag == "suppressed" })
	// The same attack against primary suppression alone shows it has teeth.
	before, primary := attack(func(c publishedCell) bool { return c.Flag == "suppressed" && c.Reason == "primary" })
	t.Logf("differencing over %d tables (%d partitions, %d distinct cells): %d of %d suppressed cells recovered (%d of %d if only primary suppression held)",
		len(tables), len(parts), len(cells), got, suppressed, before, primary)
	if suppressed == 0 || before == 0 {
		t.Fatalf("the data suppress nothing (%d) or primary suppression alone leaks nothing (%d): the test proves nothing", suppressed, before)
	}
	if got != 0 {
		t.Fatalf("%d suppressed cells recovered by differencing", got)
	}
}

func num(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}
