// Package estimate computes design-based estimates of weighted ratios
// R = Σ w·y / Σ w·x for the cells of a breakdown (domains of a stratified
// cluster design), with Taylor-linearised standard errors, design degrees
// of freedom, 95% intervals and publication flags, matching R's survey
// package (svydesign(ids = ~psu, strata = ~stratum, weights = ~w,
// nest = TRUE) with options(survey.lonely.psu = "adjust"), then
// svyciprop(method = "logit") / svymean / svyratio on subset() of the design
// for each cell) as the indicators spec (indicators.md) requires.
//
// # Use
//
// Build the design once per unit type from every unit (also those in no
// indicator's population: they fix how many PSUs each stratum has):
//
//	b := estimate.NewBuilder()
//	for i, u := range persons {
//		psu[i] = b.PSU(u.Stratum, u.PSU)
//	}
//	design := b.Design()
//
// Then, per indicator, one pass over its population adds each unit to every
// cell it belongs to (the total and one cell per breakdown code), and Cells
// turns the per-(cell, PSU) sums into estimates:
//
//	acc := estimate.NewAccumulator(design) // reuse across indicators
//	for _, ind := range indicators {
//		acc.Reset()
//		for _, i := range ind.Population {
//			for _, cell := range cellsOf(i) {
//				acc.Add(psu[i], cell, w[i], y[i], x[i])
//			}
//		}
//		cells := acc.Cells(estimate.Proportion, 100)
//	}
//
// Cell keys are the caller's small dense integers (a slice index); Cells
// returns the cells that received units, by key. Memory is one PSU vector
// per cell key (24 bytes per PSU), independent of the number of units and
// reused across indicators. A Design may be shared by goroutines; an
// Accumulator may not.
//
// # Statistics
//
// For a cell D with Y = Σ_D w·y and X = Σ_D w·x, the estimate is Y/X times
// the scale. Its linearised PSU totals are z = (Y_psu − R·X_psu)/X, zero
// for PSUs of the full design without units of D; the variance is
// Σ_h n_h/(n_h−1) Σ_i (z_hi − z̄_h)² over all strata with n_h PSUs in the
// full design, and a stratum with a single PSU adds z² (R's "adjust":
// centred on the grand mean, which is 0 for linearised values). Degrees of
// freedom are the PSUs holding units of D minus the strata holding them
// (R's degf of the subset design). Intervals use the t quantile on those
// degrees of freedom (TQuantile): Wald for Mean, Ratio and Rate; for
// Proportion the logit interval of svyciprop, and [p, p] when p is exactly
// 0 or 1.
//
// # Publication rules
//
// Fewer than MinPublished units: Flag "suppressed", estimate, se and
// interval nil. Fewer than MinReliable: "low_reliability". Zero degrees of
// freedom: no interval; the se is still reported, and is 0 when a single
// PSU holds the cell (it need not be 0 when several strata each hold one
// PSU of it). A cell without units is absent.
//
// # Reference test
//
// testdata/units.csv is synthetic (go run ./estimate/internal/mkunits -dir
// estimate/testdata); testdata/reference.R computes testdata/reference.csv
// from it with R; reference_test.go checks every cell against it without
// needing R.
package estimate
