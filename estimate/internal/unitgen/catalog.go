// Package unitgen generates a deterministic synthetic unit-level data set
// (households and persons with stratum, PSU, weight, breakdown codes and,
// per indicator of indicators.md, population membership and y, x values)
// for the estimate package's R reference test and benchmark. The values
// are plausible, not realistic; a few are rigged so that the reference hits
// every rule (see Generate).
package unitgen

// Indicator is one catalog entry as the estimator sees it.
type Indicator struct {
	ID    string
	Unit  byte   // 'H' household or 'P' person
	Kind  string // proportion, mean, ratio or rate (estimate.ParseKind)
	Scale float64
}

// Indicators of indicators.md, in catalog order.
var Indicators = []Indicator{
	{"MIG1", 'P', "mean", 1},
	{"MIG2", 'P', "proportion", 100},
	{"MIG3", 'P', "proportion", 100},
	{"HH1", 'H', "proportion", 100},
	{"REM1", 'H', "proportion", 100},
	{"REM2", 'H', "ratio", 100},
	{"REM3", 'H', "proportion", 100},
	{"FIN1", 'P', "proportion", 100},
	{"SP1", 'P', "proportion", 100},
	{"SP2", 'P', "proportion", 100},
	{"HLT1", 'P', "proportion", 100},
	{"EDU1", 'P', "proportion", 100},
	{"LAB1", 'P', "proportion", 100},
	{"LAB2", 'P', "proportion", 100},
	{"LAB3", 'P', "proportion", 100},
	{"LAB4", 'P', "rate", 100000},
	{"LAB5", 'P', "proportion", 100},
	{"FL1", 'P', "proportion", 100},
	{"DIS1", 'P', "proportion", 100},
	{"DIS2", 'P', "proportion", 100},
	{"SKL1", 'P', "proportion", 100},
}

// Indicator indices, for the generator.
const (
	iMIG1 = iota
	iMIG2
	iMIG3
	iHH1
	iREM1
	iREM2
	iREM3
	iFIN1
	iSP1
	iSP2
	iHLT1
	iEDU1
	iLAB1
	iLAB2
	iLAB3
	iLAB4
	iLAB5
	iFL1
	iDIS1
	iDIS2
	iSKL1
	numIndicators
)

// Dimensions in column order, with their codes; a unit's code is an index
// into Codes[d]. NA ("_Z") is the last code of the dimensions that have it.
var (
	Dims  = []string{"SEX", "AGE", "MIGRATORY_STATUS", "HH_MIG_STATUS", "URBANISATION", "REGION", "DISABILITY_STATUS"}
	Codes = [][]string{
		{"M", "F", "_Z"},
		{"Y_LT15", "Y15T24", "Y25T54", "Y55T64", "Y_GE65", "_Z"},
		{"NB_NM", "NB_RET", "FB_CIT", "FB_NCIT", "_Z"},
		{"H_EMIG", "H_RET", "H_IMM", "H_NONE", "_Z"},
		{"U", "R"},
		{"R1", "R2", "R3", "R4", "R5", "R6", "R7"},
		{"PD", "NOPD", "_Z"},
	}
	// PersonOnly marks the dimensions a household indicator is not broken
	// down by (it has only their _T cell).
	PersonOnly = []bool{false, true, true, false, false, false, true}
)

// Dimension indices.
const (
	dSEX = iota
	dAGE
	dMIG
	dHHMIG
	dURB
	dREGION
	dDIS
	NumDims
)

// The committed reference data set is Generate(ReferenceHouseholds,
// ReferenceSeed).
const (
	ReferenceHouseholds = 550
	ReferenceSeed       = 20261001
)
