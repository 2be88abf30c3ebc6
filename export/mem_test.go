package export_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"testing"

	"fieldbase/export"
	"fieldbase/form"
	"fieldbase/schemas"
	"fieldbase/synth"
)

// memSource is an in-memory Source: households as stored (answers split into data and pii)
// and reviews; rows holds each repeat's rows as the rows tables store them, for the tests to
// compare with.
type memSource struct {
	hh        []export.Household
	rows      map[string][]storedRow
	reviews   []export.Review
	withdrawn []export.Withdrawn
}

func (m *memSource) Households(fn func(*export.Household) error) error {
	for i := range m.hh {
		h := m.hh[i] // a copy: fn may not keep it, like a database source
		if err := fn(&h); err != nil {
			return err
		}
	}
	return nil
}

func (m *memSource) Reviews(fn func(*export.Review) error) error {
	for i := range m.reviews {
		r := m.reviews[i]
		if err := fn(&r); err != nil {
			return err
		}
	}
	return nil
}

func (m *memSource) Withdrawn(fn func(*export.Withdrawn) error) error {
	for i := range m.withdrawn {
		w := m.withdrawn[i]
		if err := fn(&w); err != nil {
			return err
		}
	}
	return nil
}

// storedRow is a repeat row as the rows tables store it.
type storedRow struct {
	Key       string
	Line      int
	Data, PII []byte
}

func mhsSurvey(t testing.TB) *form.Survey {
	t.Helper()
	sv, err := form.Load(schemas.MHS)
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

// synthSource stores n synthetic valid households the way ingest does: sensitive answers
// moved to pii, repeat rows also one by one.
func synthSource(t testing.TB, sv *form.Survey, n int) (*memSource, []map[string]any) {
	t.Helper()
	src := &memSource{rows: map[string][]storedRow{}}
	var all []map[string]any
	seq := int64(0)
	err := synth.Generate(synth.Options{Households: n, Seed: 7}, func(it synth.Item) error {
		raw, _ := json.Marshal(it.Envelope["data"])
		var data map[string]any
		if err := json.Unmarshal(raw, &data); err != nil {
			return err
		}
		all = append(all, data)
		seq++
		key := fmt.Sprintf("k%014d", seq)
		pii := splitPII(sv, data)
		d := 12.5
		src.hh = append(src.hh, export.Household{Key: key, UUID: fmt.Sprint(it.Envelope["id"]), FormID: "mhs", Version: 1,
			Status: "approved", Enumerator: "enum1", Team: "teamA", DeviceID: "tab-001",
			StartedAt: "2026-12-20 09:11:55.000Z", CompletedAt: "2026-12-20 10:04:35.250Z", DurationS: &d, Seq: seq,
			Created: "2026-12-21 08:00:00.000Z", Updated: "2026-12-22 08:00:00.000Z", Data: js(data), PII: js(pii)})
		for _, rep := range sv.Repeats() {
			rows, _ := data[rep].([]any)
			prow, _ := pii[rep].([]any)
			for i, r := range rows {
				row := storedRow{Key: key, Line: i + 1, Data: js(r)}
				if i < len(prow) {
					row.PII = js(prow[i])
				}
				src.rows[rep] = append(src.rows[rep], row)
			}
		}
		src.reviews = append(src.reviews, export.Review{Key: key, ID: "r" + key, Created: "2026-12-22 08:00:00.000Z",
			Actor: "supA", ActorName: "Sita Supervisor", Role: "supervisor", From: "received", To: "approved", Action: "approve"})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return src, all
}

// splitPII moves sensitive answers out of data, as ingest stores them.
func splitPII(sv *form.Survey, data map[string]any) map[string]any {
	pii := map[string]any{}
	for _, f := range sv.Fields() {
		if !f.Sensitive {
			continue
		}
		if f.Repeat == "" {
			if v, ok := data[f.Name]; ok {
				pii[f.Name] = v
				delete(data, f.Name)
			}
			continue
		}
		rows, _ := data[f.Repeat].([]any)
		prow, _ := pii[f.Repeat].([]any)
		for len(prow) < len(rows) {
			prow = append(prow, map[string]any{})
		}
		for i, r := range rows {
			row, _ := r.(map[string]any)
			if v, ok := row[f.Name]; ok {
				prow[i].(map[string]any)[f.Name] = v
				delete(row, f.Name)
			}
		}
		pii[f.Repeat] = prow
	}
	return pii
}

func js(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // test data only
	}
	return b
}

// unzipped is an export read back: each file's bytes and parsed CSVs.
type unzipped struct {
	names []string
	raw   map[string][]byte
}

func readZip(t testing.TB, b []byte) *unzipped {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a ZIP: %v", err)
	}
	u := &unzipped{raw: map[string][]byte{}}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		u.names = append(u.names, f.Name)
		u.raw[f.Name] = data
	}
	return u
}

// csv returns a CSV file's header and rows, each row as a map by column name.
func (u *unzipped) csv(t testing.TB, name string) ([]string, []map[string]string) {
	t.Helper()
	b, ok := u.raw[name]
	if !ok {
		t.Fatalf("%s is not in the ZIP (%v)", name, u.names)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatalf("%s: not RFC 4180 CSV: %v", name, err)
	}
	if len(recs) == 0 {
		t.Fatalf("%s: no header", name)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		rows = append(rows, m)
	}
	return recs[0], rows
}
