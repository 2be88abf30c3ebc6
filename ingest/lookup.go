package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"fieldbase/form"
)

// querier is what lookups need: the read pool outside a write, the transaction inside.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

type storedSub struct {
	id, uuid, hash, status, duplicateOf string
	errors, warnings                    []form.Problem
	flags                               []Flag
}

func (s *Store) storedByUUID(ctx context.Context, q querier, id string) ([]storedSub, error) {
	var rows *sql.Rows
	var err error
	// The prepared statement where there is one: on the transaction's connection inside a
	// write, on the read pool outside; the same query text otherwise.
	if tx, ok := q.(*sql.Tx); ok && s.stmts["byUUID"] != nil {
		rows, err = tx.StmtContext(ctx, s.stmts["byUUID"]).QueryContext(ctx, id)
	} else if db, ok := q.(*sql.DB); ok && db == s.Reader && s.readStmts["byUUID"] != nil {
		rows, err = s.readStmts["byUUID"].QueryContext(ctx, id)
	} else {
		rows, err = q.QueryContext(ctx, statements["byUUID"], id)
	}
	if err != nil {
		return nil, fmt.Errorf("ingest: id lookup: %w", err)
	}
	defer rows.Close()
	var out []storedSub
	for rows.Next() {
		var st storedSub
		var errs, warns, flags sql.NullString
		if err := rows.Scan(&st.id, &st.hash, &st.status, &errs, &warns, &st.duplicateOf, &flags); err != nil {
			return nil, fmt.Errorf("ingest: id scan: %w", err)
		}
		st.errors, st.warnings = problems(errs), problems(warns)
		if flags.Valid {
			json.Unmarshal([]byte(flags.String), &st.flags)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

func problems(s sql.NullString) []form.Problem {
	p := []form.Problem{}
	if s.Valid {
		json.Unmarshal([]byte(s.String), &p)
	}
	if p == nil {
		p = []form.Problem{}
	}
	return p
}

func (s *Store) uuidOf(ctx context.Context, q querier, recordID string) string {
	var u string
	q.QueryRowContext(ctx, `SELECT uuid FROM submissions WHERE id = ?`, recordID).Scan(&u)
	return u
}

// assignment is the part of an assignments record a push needs.
type assignment struct {
	id, survey, enumerator string
	psu, dwelling          float64
	stratum, region, urban string
	weight                 float64
}

func (s *Store) findAssignment(ctx context.Context, id string) (*assignment, error) {
	a := &assignment{id: id}
	err := s.Reader.QueryRowContext(ctx, `SELECT survey, enumerator, a_psu, a_dwelling, a_stratum, a_region, a_urban, a_weight
		FROM assignments WHERE id = ?`, id).Scan(&a.survey, &a.enumerator, &a.psu, &a.dwelling, &a.stratum, &a.region, &a.urban, &a.weight)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ingest: assignment lookup: %w", err)
	}
	return a, nil
}

// preload fills the cover answers the device left out from the assignment (sync.md).
func (a *assignment) preload(data map[string]any) {
	set := func(k string, v any, ok bool) {
		if _, present := data[k]; !present && ok {
			data[k] = v
		}
	}
	set("a_psu", a.psu, a.psu > 0)
	set("a_dwelling", a.dwelling, a.dwelling > 0)
	set("a_stratum", a.stratum, a.stratum != "")
	set("a_region", a.region, a.region != "")
	set("a_urban", a.urban, a.urban != "")
	set("a_weight", a.weight, a.weight > 0)
}
