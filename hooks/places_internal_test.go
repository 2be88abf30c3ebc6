package hooks

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"fieldbase/disclosure"
)

// The export hides places in the stored bytes (disclosure.Places); the record API and the
// console on the decoded answers (displaceInRows, dropShapes). TestPlacesHideAsTheRecordAPI
// holds them to one result on random households: nested repeats, points, shapes, near-points.
func TestPlacesHideAsTheRecordAPI(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	shapes := map[string]bool{"route": true, "plot": true}
	for i := range 3000 {
		doc := randomAnswers(rng, 0)
		raw, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		inRepeats, withShapes, withPoint := rng.IntN(2) == 0, rng.IntN(2) == 0, rng.IntN(3) > 0
		var sh map[string]bool
		if withShapes {
			sh = shapes
		}
		var point map[string]any
		var pointJSON []byte
		if withPoint {
			point = map[string]any{"lat": 27.7, "lon": 85.3}
			pointJSON, _ = json.Marshal(point)
		}
		var want map[string]any
		json.Unmarshal(raw, &want)
		moved := inRepeats && displaceInRows(want, func() map[string]any { return point })
		wantChanged := dropShapes(want, sh) || moved

		p := disclosure.Places{InRepeats: inRepeats, Shapes: sh}
		out, changed, err := p.Hide(raw, pointJSON)
		if err != nil {
			t.Fatalf("household %d: %v\n%s", i, err, raw)
		}
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("household %d: not JSON: %v\n%s", i, err, out)
		}
		if changed != wantChanged || !reflect.DeepEqual(got, want) {
			t.Fatalf("household %d (repeats %v, shapes %v, point %v): changed %v want %v\n in %s\ngot %s\nwant %s",
				i, inRepeats, withShapes, withPoint, changed, wantChanged, raw, out, mustJSON(want))
		}
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// randomAnswers is a household's answers: plain answers, GPS points, objects that are not
// points, shapes, and repeats (arrays of rows, some nested) holding the same.
func randomAnswers(rng *rand.Rand, depth int) map[string]any {
	out := map[string]any{}
	for i := range rng.IntN(7) {
		k := fmt.Sprintf("q%d", i)
		switch rng.IntN(9) {
		case 0:
			out[k] = map[string]any{"lat": rng.Float64(), "lon": rng.Float64(), "acc": 5.0}
		case 1:
			out[k] = map[string]any{"lat": 1.0} // not a point
		case 2:
			out[[]string{"route", "plot"}[rng.IntN(2)]] = "1 2 0 0;3 4 0 0"
		case 3:
			if depth < 3 {
				var rows []any
				for range rng.IntN(4) {
					if rng.IntN(8) == 0 {
						rows = append(rows, "not a row")
						continue
					}
					rows = append(rows, randomAnswers(rng, depth+1))
				}
				out[k] = rows
			}
		case 4:
			out[k] = []any{"a", "b", strings.Repeat("é", rng.IntN(5))}
		case 5:
			out[k] = map[string]any{"x": map[string]any{"lat": 1.0, "lon": 2.0}} // a point inside an object is not a repeat's
		default:
			out[k] = rng.Float64() * 100
		}
	}
	return out
}

// BenchmarkExportPlaces: hiding the places of one household in the export, as bytes
// (disclosure.Places) against the answers decoded, rewritten and written again (what the
// export did before): a mhs-sized household, 5 members each with a workplace point.
// ratio is the bytes' time over the decoded way's, both run here.
func BenchmarkExportPlaces(b *testing.B) {
	row := `{"b_line":1,"b_rel":"head","b_sex":"f","b_age":34,"b_mig":"returnee","b_edu":"secondary","b_work":"yes",` +
		`"b_occ":"farmer","b_inc":1200.5,"b_country":"NPL","b_year":2019,"work_gps":{"lat":1.2,"lon":3.4,"alt":5,"acc":4}}`
	data := []byte(`{"a_psu":12,"a_dwelling":3,"hh_gps":{"lat":1.2,"lon":3.4,"alt":5,"acc":4},"q1":"yes","q2":"a b c",` +
		`"members":[` + strings.Repeat(row+",", 4) + row + `],"emigrants":[{"e_sex":"m","e_age":25,"e_country":"QAT","e_year":2021}]}`)
	point := []byte(`{"lat":27.7,"lon":85.3}`)
	decoded := func() {
		var answers map[string]any
		json.Unmarshal(data, &answers)
		var pt map[string]any
		json.Unmarshal(point, &pt)
		if displaceInRows(answers, func() map[string]any { return pt }) {
			json.Marshal(answers)
		}
	}
	p := disclosure.Places{InRepeats: true}
	hide := func() {
		if _, _, err := p.Hide(data, point); err != nil {
			b.Fatal(err)
		}
	}
	timed := func(f func(), n int) time.Duration {
		t := time.Now()
		for range n {
			f()
		}
		return time.Since(t)
	}
	b.ResetTimer()
	var tb, td time.Duration
	for b.Loop() {
		tb += timed(hide, 1)
		td += timed(decoded, 1)
	}
	b.ReportMetric(float64(tb.Nanoseconds())/float64(b.N), "bytes-ns/household")
	b.ReportMetric(float64(td.Nanoseconds())/float64(b.N), "decoded-ns/household")
	b.ReportMetric(float64(tb)/float64(td), "ratio")
}
