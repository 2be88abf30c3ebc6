package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"
)

// recordBodies are one household as PocketBase record-create bodies: the submission, then
// one body per member and per emigrant row, each still missing its "submission" relation.
type recordBodies struct {
	sub                []byte
	members, emigrants [][]byte
}

// fieldTypes fetches a collection's field types (json, relation, autodate …) by name.
func fieldTypes(ctx context.Context, c *client, token, collection string) (map[string]string, error) {
	var col struct {
		Fields []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"fields"`
	}
	if err := c.do(ctx, "GET", "/api/collections/"+collection, token, nil, &col); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range col.Fields {
		out[f.Name] = f.Type
	}
	return out, nil
}

// recordBody is a row as a record-create body: the stored column values, JSON columns as
// JSON, without the id and the autodate fields PocketBase sets itself; the survey relation
// points at the target server's survey record.
func recordBody(cols []string, v []any, types map[string]string, survey string) ([]byte, error) {
	m := map[string]any{}
	for i, c := range cols {
		t, ok := types[c]
		switch {
		case !ok, c == "id", c == "submission", t == "autodate", v[i] == nil:
			continue
		case c == "survey":
			m[c] = survey
		case t == "json":
			s, _ := v[i].(string)
			if !json.Valid([]byte(s)) {
				return nil, fmt.Errorf("record body: column %s is not JSON", c)
			}
			m[c] = json.RawMessage(s)
		default:
			m[c] = v[i]
		}
	}
	return json.Marshal(m)
}

func buildRecordBodies(s *stored, n int, subTypes, memTypes, emiTypes map[string]string, survey string) ([]recordBodies, error) {
	out := make([]recordBodies, 0, n)
	for _, h := range s.hh[:min(n, len(s.hh))] {
		var rb recordBodies
		var err error
		if rb.sub, err = recordBody(s.subCols, h.sub, subTypes, survey); err != nil {
			return nil, err
		}
		for _, m := range h.members {
			b, err := recordBody(s.memCols, m, memTypes, survey)
			if err != nil {
				return nil, err
			}
			rb.members = append(rb.members, b)
		}
		for _, e := range h.emigrants {
			b, err := recordBody(s.emiCols, e, emiTypes, survey)
			if err != nil {
				return nil, err
			}
			rb.emigrants = append(rb.emigrants, b)
		}
		out = append(out, rb)
	}
	return out, nil
}

// withSubmission puts "submission": id first into a JSON object body.
func withSubmission(body []byte, id string) []byte {
	var b bytes.Buffer
	b.Grow(len(body) + len(id) + 20)
	b.WriteString(`{"submission":"`)
	b.WriteString(id)
	b.WriteByte('"')
	if rest := bytes.TrimPrefix(body, []byte("{")); len(rest) > 0 && rest[0] != '}' {
		b.WriteByte(',')
		b.Write(rest)
	} else {
		b.WriteByte('}')
	}
	return b.Bytes()
}

// pbRecordAPI writes the households the way a plain PocketBase user would: one
// POST /api/collections/{c}/records per record, the submission first and then its rows, as
// a superuser, with `clients` households in flight at once. It returns households/s.
func pbRecordAPI(ctx context.Context, c *client, token string, hh []recordBodies, clients int) (float64, int, error) {
	var next, records atomic.Int64
	start := time.Now()
	err := runWorkers(ctx, clients, func(ctx context.Context, _ int) error {
		for {
			k := int(next.Add(1)) - 1
			if k >= len(hh) {
				return nil
			}
			h := hh[k]
			var rec struct {
				ID string `json:"id"`
			}
			if err := c.do(ctx, "POST", "/api/collections/submissions/records", token, h.sub, &rec); err != nil {
				return err
			}
			for _, m := range h.members {
				if err := c.do(ctx, "POST", "/api/collections/members/records", token, withSubmission(m, rec.ID), nil); err != nil {
					return err
				}
			}
			for _, e := range h.emigrants {
				if err := c.do(ctx, "POST", "/api/collections/emigrants/records", token, withSubmission(e, rec.ID), nil); err != nil {
					return err
				}
			}
			records.Add(int64(1 + len(h.members) + len(h.emigrants)))
		}
	})
	if err != nil {
		return 0, 0, err
	}
	return float64(len(hh)) / time.Since(start).Seconds(), int(records.Load()), nil
}
