package form

import "slices"

// Accessors the XForm writer (package xform) needs: the survey's full row
// structure, not just its answer fields.

// Rows returns every survey row (questions, calculates, notes, groups and
// repeats) in questionnaire order. Do not modify the slice.
func (s *Survey) Rows() []*Field { return s.rows }

// Parent returns the innermost group or repeat that encloses the row, or nil
// for a row at the top of the form.
func (f *Field) Parent() *Field { return f.parent }

// ListNames returns the names of the choice lists, sorted.
func (s *Survey) ListNames() []string {
	names := make([]string, 0, len(s.lists))
	for n := range s.lists {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
