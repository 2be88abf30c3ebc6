// Package schemas embeds the survey definitions and catalogs shipped with
// fieldbase, so that the binary needs no files at run time.
package schemas

import _ "embed"

// MHS is the migrant household survey, version 1 (form id mhs), in the
// JSON survey-definition format read by form.Load.
//
//go:embed mhs.json
var MHS []byte
