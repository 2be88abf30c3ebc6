package xform

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"fieldbase/form"
	"fieldbase/synth"
)

// TestReadIsEnvelopeRead: Instance.Read hands ingest what form.ReadEnvelope reads from the
// instance's JSON envelope (the envelope, the answers with their JSON types, the problems,
// a refusal), for the engine's household, 300 synthetic ones (invalid ones included) sent
// as Collect's XML, and instances whose texts are not of their questions' types.
func TestReadIsEnvelopeRead(t *testing.T) {
	s := mhs(t)
	engine, err := os.ReadFile("testdata/mhs_engine_instance.xml")
	if err != nil {
		t.Fatal(err)
	}
	docs := [][]byte{engine}
	docs = append(docs, synthInstances(t, s, 300, 5)...)
	odd := string(engine)
	for _, r := range [][2]string{
		{"<a_psu>121</a_psu>", "<a_psu>12x</a_psu>"},                         // not a number: text for the validator
		{"<a_gps>28.191626", "<a_gps>north 28.191626"},                       // not a geopoint
		{"<timeStart>2026-12-01T09:41:29.698+00:00", "<timeStart>yesterday"}, // not a dateTime
	} {
		if !strings.Contains(odd, r[0]) {
			t.Fatalf("the engine's instance has no %s", r[0])
		}
		odd = strings.Replace(odd, r[0], r[1], 1)
	}
	docs = append(docs, []byte(odd))
	// JavaRosa's offsets without a colon.
	docs = append(docs, []byte(strings.Replace(string(engine), "+00:00</timeStart>", "+0545</timeStart>", 1)))
	notUUID := strings.Replace(string(engine), "<instanceID>uuid:", "<instanceID>uuid:zz", 1)
	noID := strings.Replace(string(engine), "<instanceID>", "<instanceID_>", 1)
	noID = strings.Replace(noID, "</instanceID>", "</instanceID_>", 1)
	docs = append(docs, []byte(notUUID), []byte(noID))
	// No deviceID in the instance: the one Collect names in the URL is used, whatever it is.
	noDevice := strings.Replace(string(engine), "<deviceID>collect:e2e-tablet-1</deviceID>", "", 1)
	if noDevice == string(engine) {
		t.Fatal("the engine's instance has no deviceID")
	}
	docs = append(docs, []byte(noDevice))

	refusals := 0
	for i, doc := range docs {
		in, err := Parse(doc)
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		for _, dev := range []string{"", "collect:query", "collect:\xff\xfe bad", "collect:\u2028\x01<&>"} {
			got, ref, err := readAgrees(t, fmt.Sprintf("instance %d (device %q)", i, dev), in, s, dev)
			if err != nil {
				t.Fatalf("instance %d: %v", i, err)
			}
			if ref != nil {
				refusals++
				continue
			}
			// Validate changes Env.Data (calculates): RawData must not change with it.
			got.Env.Data["zz_calc"] = 1.0
			if _, ok := got.RawData["zz_calc"]; ok {
				t.Fatalf("instance %d: Env.Data and RawData are the same map", i)
			}
		}
	}
	if refusals != 8 {
		t.Errorf("%d refusals; want the id that is not a UUID and the missing one refused for all four devices", refusals)
	}
}

// readAgrees reads in with Read and with ReadEnvelope of its Envelope, fails t unless the
// two agree (both fail or neither, the same refusal, the same household), and returns
// Read's result.
func readAgrees(t testing.TB, what string, in *Instance, s *form.Survey, dev string) (*form.Read, *form.Refusal, error) {
	t.Helper()
	raw, eerr := in.Envelope(s, dev)
	got, gotRef, rerr := in.Read(s, dev)
	if (eerr == nil) != (rerr == nil) {
		t.Fatalf("%s: Envelope's error %v, Read's %v", what, eerr, rerr)
	}
	if eerr != nil {
		return nil, nil, rerr
	}
	want, wantRef := form.ReadEnvelope(raw)
	if !reflect.DeepEqual(gotRef, wantRef) {
		t.Fatalf("%s: refusal %+v, ReadEnvelope's %+v", what, gotRef, wantRef)
	}
	if wantRef == nil && !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("%s: Read gives\n%s\nReadEnvelope of the envelope\n%s", what, g, w)
	}
	return got, gotRef, nil
}

// synthInstances is n synthetic households (a fifth of them invalid) as Collect's XML of s.
func synthInstances(t testing.TB, s *form.Survey, n int, seed int64) [][]byte {
	t.Helper()
	var docs [][]byte
	err := synth.Generate(synth.Options{Households: n, Seed: seed, InvalidRate: 0.2, Enumerators: 3}, func(it synth.Item) error {
		b, _ := json.Marshal(it.Envelope)
		var env map[string]any
		json.Unmarshal(b, &env)
		docs = append(docs, InstanceXML(s, env))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return docs
}
