package export

// DecodeOnly makes an export read every household with the decoder (the scanner's fallback),
// for tests that check both readers write the same export.
func DecodeOnly(o Options) Options {
	o.decodeOnly = true
	return o
}

// OddSchema is the internal tests' schema: a field of every kind, a repeat named like a
// fixed file.
func OddSchema() *Schema { return oddSchema() }

// OddSource hands out hh, as a Source.
func OddSource(hh []Household) Source { return &oddSource{hh: hh} }
