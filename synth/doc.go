// Package synth makes synthetic interviews of the `mhs` v1 survey (spec/
// questionnaire.md) for tests, demos and load runs: households of a
// stratified two-stage sample, with realistic rosters and migration
// histories, a chosen share of deliberately invalid submissions and of
// duplicates, each labelled with what it is.
//
// Output is a pure function of Options: the same seed gives the same bytes on
// every run and platform. Each household's answers come from its own random
// stream keyed by (seed, PSU, dwelling), so a household does not change when
// the invalid or duplicate rates change, and a duplicate can be rebuilt from
// its key instead of being kept in memory: Generate streams, its memory does
// not grow with the number of households (only the sample frame, one small
// record per PSU, is held).
//
// All names and places are synthetic.
package synth
