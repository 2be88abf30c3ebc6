// Package export writes microdata exports: one ZIP, streamed as it is written, holding
// households.csv, one CSV per repeat (members.csv, emigrants.csv), reviews.csv (the audit
// trail), codebook.csv, labels.do (a Stata do-file) and manifest.json; an incremental export
// (Filter.Since set) adds withdrawn.csv, the households that left the exported statuses
// after the cursor (an approved household reopened), for a kept copy to drop.
//
// The package knows nothing of the database: rows come from a Source that hands them over one
// at a time, so memory stays flat whatever the number of households. Columns follow the survey
// definition (a *form.Survey turned into a Schema by FromForm):
//
//   - every answer field is one column, in questionnaire order, named as in the form;
//   - select_multiple: the space-separated choice names, then one 0/1 column per choice
//     (<field>_<choice>; empty when the question was not answered);
//   - geopoint: <field>_lat, <field>_lon, <field>_accuracy;
//   - dates stay ISO (YYYY-MM-DD), timestamps become ISO 8601 in UTC;
//   - `sensitive` fields are left out unless Options.PII is set.
//
// CSV is RFC 4180 (encoding/csv quoting, CRLF line ends), UTF-8. Options.BOM prefixes each CSV
// with a UTF-8 byte order mark so Excel reads the text as UTF-8; it is off by default because
// R's read.csv and most tools then see the mark as part of the first column name (labels.do
// skips the header row, so Stata does not mind either way).
package export
