package schemas

import _ "embed"

// Indicators is the indicator catalog of the mhs survey (spec/indicators.md
// as data): dimensions, indicators and their survey-engine expressions. It
// is read by package indicators.
//
//go:embed indicators.json
var Indicators []byte

// ReintIndicators is the catalog of the reint survey: its dimensions and two indicators;
// the design comes from the survey's settings.
//
//go:embed reint_indicators.json
var ReintIndicators []byte

// Catalogs are the shipped indicator catalogs. Each names the survey (form_id) it is
// written for in its "survey" key: a catalog belongs to its survey, whatever the order here.
var Catalogs = [][]byte{Indicators, ReintIndicators}
