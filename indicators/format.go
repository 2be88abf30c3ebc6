package indicators

// FormatFigure prints a figure as the display precision shows it: rounded
// (halves away from zero) to decimals, with exactly that many decimals; ""
// for a null. The CSV download, the report and the browser app show the
// same digits.
func FormatFigure(v *float64, decimals int) string {
	return fmtFixed(round(finite(v), decimals), decimals)
}

// FormatFull prints a figure at full precision (the shortest decimal that
// reads back as the same float), "" for a null.
func FormatFull(v *float64) string { return fmtPtr(v) }

// SnapshotDesign is the size of a snapshot's household design: PSUs and
// strata (0, 0 when households were not read).
func (s *Snapshot) SnapshotDesign() (psus, strata int) {
	if s.hh == nil || s.hh.design == nil {
		return 0, 0
	}
	return s.hh.design.NumPSUs(), s.hh.design.NumStrata()
}

// Catalog is the catalog the snapshot was read with.
func (s *Snapshot) Catalog() *Catalog { return s.c }
