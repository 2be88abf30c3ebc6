package schemas

import _ "embed"

// Indicators is the indicator catalog of the mhs survey (spec/indicators.md
// as data): dimensions, indicators and their survey-engine expressions. It
// is read by package indicators.
//
//go:embed indicators.json
var Indicators []byte
