package ingest

import (
	"context"
	"syscall"
	"testing"
	"time"

	"fieldbase/dedup"
	"fieldbase/disclosure"
	"fieldbase/form"
	"fieldbase/indicators"
	"fieldbase/schemas"
	"fieldbase/synth"
	"fieldbase/xform"
)

// oneSurvey is a Surveys of one compiled survey.
type oneSurvey struct{ sv *Survey }

func (o oneSurvey) Find(formID string, version int) (*Survey, bool, error) {
	if formID == o.sv.Form.FormID && version == o.sv.Form.Version {
		return o.sv, true, nil
	}
	return nil, false, nil
}

// mhsStore is a Store without a database for the shipped mhs survey, with its indicator
// catalog's facts and real keyed digests: what prepare needs.
func mhsStore(tb testing.TB) (*Store, *form.Survey) {
	f, err := form.Load(schemas.MHS)
	if err != nil {
		tb.Fatal(err)
	}
	cat, err := indicators.LoadPooled(schemas.Indicators, f)
	if err != nil {
		tb.Fatal(err)
	}
	keys, err := disclosure.New([]byte("bench secret of thirty-two bytes"))
	if err != nil {
		tb.Fatal(err)
	}
	return &Store{Surveys: oneSurvey{NewSurvey("sv1", f)}, Keys: keys, Facts: cat.Facts}, f
}

// BenchmarkOpenRosaPrepare is the Go work of one OpenRosa household outside the database:
// the instance parsed and read (xform), then prepared for the store (validation, content
// hash, dedup summary, indicator facts, JSON, roster rows) with the deployment's keys, as
// PushRead does before its transaction. One op is one household of the bench's synthetic mhs.
//
//	go test ./ingest -run '^$' -bench OpenRosaPrepare -benchmem
func BenchmarkOpenRosaPrepare(b *testing.B) {
	s, f := mhsStore(b)
	keys := s.Keys
	var docs [][]byte
	err := synth.Generate(synth.Options{Households: 500, Seed: 13, Enumerators: 8, Today: time.Now()}, func(it synth.Item) error {
		docs = append(docs, xform.InstanceXML(f, it.Envelope))
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	c := Caller{UserID: "u1", TeamID: "t1"}
	b.ReportAllocs()
	i := 0
	cpu0 := processCPU()
	for b.Loop() {
		doc := docs[i%len(docs)]
		i++
		in, err := xform.Parse(doc)
		if err != nil {
			b.Fatal(err)
		}
		read, ref, err := in.Read(f, "collect:bench")
		if err != nil || ref != nil {
			b.Fatal(err, ref)
		}
		r, _, err := s.prepare(context.Background(), c, item{raw: doc, read: read}, dedup.RawHashWith(keys, doc))
		if err != nil || r == nil {
			b.Fatal(err)
		}
	}
	// The process's CPU (GC included), which other work on the machine inflates less than
	// the wall time.
	b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(i), "cpu-ns/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
