package form

import "testing"

// BenchmarkValidateHousehold validates the 5-member household with
// emigrants and remittances of testdata/household_valid.json.
func BenchmarkValidateHousehold(b *testing.B) {
	s := loadMHS(b)
	env := readEnvelope(b, "testdata/household_valid.json")
	today := day("2026-10-20")
	if res := s.Validate(env, today); res.Status != StatusReceived {
		b.Fatalf("status %s: %v", res.Status, res.Errors)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Validate(env, today)
	}
}
