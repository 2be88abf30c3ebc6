package xform

import (
	"os"
	"strings"
	"testing"
	"time"
)

// FuzzReadIsEnvelopeRead: for any document Parse accepts, Read (the fast path the
// submission route takes) and ReadEnvelope of the instance's Envelope (the path it stands
// for) agree: both fail or neither, the same refusal, the same household. Validating what
// Read gives does not panic either. The answers are whatever a device (or an attacker
// with a token) can write in an instance of the survey: numbers the way strconv reads
// them ("NaN", "0x1p3", "1e999"), selects with odd spacing, repeats and groups where
// they do not belong, texts that are not UTF-8.
//
//	go test ./xform -run '^$' -fuzz FuzzReadIsEnvelopeRead -fuzztime 60s
func FuzzReadIsEnvelopeRead(f *testing.F) {
	s := mhs(f)
	engine, err := os.ReadFile("testdata/mhs_engine_instance.xml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(engine, "")
	f.Add(engine, "collect:\xff bad")
	for _, doc := range synthInstances(f, s, 12, 9) {
		f.Add(doc, "collect:seed")
	}
	for _, r := range [][2]string{
		{"<a_psu>121</a_psu>", "<a_psu>NaN</a_psu>"},
		{"<a_psu>121</a_psu>", "<a_psu>0x1p3</a_psu>"},
		{"<a_psu>121</a_psu>", "<a_psu>1e999</a_psu>"},
		{"<a_psu>121</a_psu>", "<a_psu>-0</a_psu>"},
		{"<a_gps>28.191626", "<a_gps>NaN Inf"},
		{"<timeStart>2026-12-01T09:41:29.698+00:00", "<timeStart>2026-02-30T25:61:61.1-99:99"},
	} {
		if !strings.Contains(string(engine), r[0]) {
			f.Fatalf("the engine's instance has no %s", r[0])
		}
		f.Add([]byte(strings.Replace(string(engine), r[0], r[1], 1)), "")
	}
	today := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, doc []byte, dev string) {
		in, err := Parse(doc)
		if err != nil {
			return
		}
		got, ref, err := readAgrees(t, "fuzzed instance", in, s, dev)
		if err != nil || ref != nil {
			return
		}
		s.Validate(&got.Env, today)
	})
}
