// Package form loads survey definitions written in fieldbase's XLSForm-like
// form language (JSON: settings, survey, choices, checks; see
// docs/design.md and shared/spec/questionnaire.md), compiles their
// expressions, and validates submissions (envelope + answers) against them.
//
// It is plain Go with no PocketBase import, so that hooks, the indicator
// catalog, the synthetic data generator and the tests share one
// implementation of the questionnaire's rules.
//
// # Expressions
//
// XLSForm syntax: ${name}, '.' (the answer a constraint checks), and/or/
// not(), = != < <= > >=, + - * div mod, unary minus, 'strings' and
// "strings", numbers, parentheses, and the functions if, selected,
// selected-at, count-selected, string-length, regex, int, number, today,
// coalesce, position(..), count, sum, min, max, concat, substr,
// format-date, round, floor, ceiling, abs, pow, string, boolean, contains,
// starts-with, ends-with, date, true, false.
//
// Names are resolved when the survey is loaded: an expression is parsed
// once into a tree bound to field slots, then evaluated many times.
//
// Scope: inside a repeat, ${sibling} is the value in the current row and
// ${household_field} the household's value. A field of another repeat (or
// of the same repeat, to see all rows) is read through an aggregate:
// count(${members}), count(${members}[b_rel = '1' and b_age >= 18]),
// sum(${field}), max(${b_age}[b_rel = '1']). Inside [] bare names and
// ${name} of the filtered repeat read the row being tested; position()
// there is that row's 1-based position. Aggregates skip empty answers.
//
// Semantics follow XPath 1.0 as ODK applies it, with these choices:
//   - empty answers (absent, null, "", empty selection, NaN) are "" as
//     strings and NaN as numbers; "=" treats any two empty values as equal
//     and an empty value as different from anything else, so the XLSForm
//     idioms for "answered" and "not answered" (comparing ${x} with an
//     empty string) work for every type;
//   - "=" with a number on one side compares numerically, so the
//     select_one code '3' equals 3; < <= > >= compare dates by day (a date
//     against a 'YYYY-MM-DD' string too), two non-numeric strings
//     lexicographically, anything else numerically (false if either side
//     is empty or not a number);
//   - regex() is a partial match (anchor with ^ and $), RE2 syntax;
//   - today() is given by the caller (Validate's today, EvalAt), never
//     read in the middle of an evaluation;
//   - a geopoint reads as ODK's "lat lon altitude accuracy", so
//     selected-at(${gps}, 3) is its accuracy;
//   - as in XPath, '-' may be part of a name: inside [] write b_age - 1,
//     not b_age-1.
//
// Limits: repeats do not nest; [] filters nest at most 4 deep; a
// submission's repeat may have at most 1000 rows.
//
// # Validation
//
// Survey.Validate checks the envelope (go-playground/validator), then the
// answers:
//   - type: each answer against its field type; keys that are not
//     questions of the survey (or of that repeat) are errors too;
//   - choice: select answers must be names of the field's list (and pass
//     its choice_filter);
//   - relevance and required, in an order that follows the dependencies
//     (so calculates such as mig_status can gate later questions); an
//     answer to a question that does not apply is an error and then reads
//     as empty;
//   - repeat_count: the number of rows of a repeat;
//   - constraint: with '.' the answer, once all answers are settled;
//   - check: the checks sheet, once or per row of a repeat.
//
// Calculates are computed by the server. A device value that differs is a
// warning (rule type) and the server's value is kept in Result.Data.
//
// One mistake gives one problem: an answer with the wrong type or a
// missing required answer is unknown, and the relevance of what it gates,
// and constraints and checks that read it, are not reported on.
//
// Every problem is reported at once, in questionnaire order, with a path
// such as members[2].b_age (0-based rows) and a message for an enumerator.
// Status is invalid with any error, flagged with warnings only, otherwise
// received.
package form
