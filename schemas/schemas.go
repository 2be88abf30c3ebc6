// Package schemas embeds the survey definitions and catalogs shipped with
// fieldbase, so that the binary needs no files at run time.
package schemas

import _ "embed"

// MHS is the migrant household survey, version 1 (form id mhs), in the
// JSON survey-definition format read by form.Load.
//
//go:embed mhs.json
var MHS []byte

// MHSv2 is mhs version 2: version 1 with the income module (members'
// earnings, four household income items) and the poverty lines as settings
// (poverty_line, ppp_factor), questionnaire.md's "Version 2".
//
//go:embed mhs_v2.json
var MHSv2 []byte

// Reint is the returnee reintegration follow-up (form id reint): a second, different survey
// whose design (cluster, household, zone, weight, the returnees roster, round 2027) is
// declared in its settings only.
//
//go:embed reint.json
var Reint []byte
