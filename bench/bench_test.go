package bench

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median of nothing is not NaN")
	}
}

func TestFigureLine(t *testing.T) {
	var b bytes.Buffer
	writeFigure(&b, "push_households_per_s", 1234.56, "households/s")
	writeFigure(&b, "push_vs_raw", 0.1234, "ratio")
	writeFigure(&b, "x", math.NaN(), "s")
	want := "push_households_per_s 1235 households/s\npush_vs_raw 0.123 ratio\nx NaN s\n"
	if b.String() != want {
		t.Errorf("got %q", b.String())
	}
}

func TestParseStatusMB(t *testing.T) {
	st := "Name:\tfieldbase\nVmPeak:\t 1000 kB\nVmHWM:\t   204800 kB\nVmRSS:\t  102400 kB\n"
	mb, err := parseStatusMB(strings.NewReader(st), "VmHWM")
	if err != nil || mb != 200 {
		t.Fatalf("VmHWM: %v %v", mb, err)
	}
	if _, err := parseStatusMB(strings.NewReader(st), "VmSwap"); err == nil {
		t.Fatal("a missing line is not an error")
	}
}

func TestBodies(t *testing.T) {
	body := pushBody("dev", [][]byte{[]byte(`{"id":"a"}`), []byte(`{"id":"b"}`)})
	var req struct {
		Device      string            `json:"device_id"`
		Submissions []json.RawMessage `json:"submissions"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Device != "dev" || len(req.Submissions) != 2 {
		t.Fatalf("push body %s: %v", body, err)
	}
	bs := batches([][]byte{[]byte(`{}`), []byte(`{}`), []byte(`{}`)}, 2)
	if len(bs) != 2 || bs[0].n != 2 || bs[1].n != 1 {
		t.Fatalf("batches: %+v", bs)
	}
	for in, want := range map[string]string{`{"a":1}`: `{"submission":"S","a":1}`, `{}`: `{"submission":"S"}`} {
		if got := string(withSubmission([]byte(in), "S")); got != want {
			t.Errorf("withSubmission(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestRecordBody(t *testing.T) {
	types := map[string]string{"id": "text", "created": "autodate", "survey": "relation", "data": "json", "a_psu": "number", "note": "text"}
	b, err := recordBody([]string{"id", "created", "survey", "data", "a_psu", "note", "unknown"},
		[]any{"x", "2026", "old", `{"k":[1,2]}`, int64(7), nil, "u"}, types, "NEW")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"a_psu":7,"data":{"k":[1,2]},"survey":"NEW"}` {
		t.Errorf("record body %s", b)
	}
}

func TestHouseholds(t *testing.T) {
	h := newHouseholds(t.Context(), 1, 5, 2)
	defer h.close()
	got, err := h.take(5)
	if err != nil || len(got) != 5 {
		t.Fatalf("take: %d %v", len(got), err)
	}
	if _, err := h.take(1); err == nil {
		t.Fatal("taking more than generated is not an error")
	}
	var env map[string]any
	if err := json.Unmarshal(got[0], &env); err != nil || env["survey"] != "mhs" {
		t.Fatalf("envelope %s: %v", got[0], err)
	}
}

func TestMsPer(t *testing.T) {
	if got := msPer(3*time.Second, 1000); got != 3 {
		t.Errorf("msPer = %v", got)
	}
}
