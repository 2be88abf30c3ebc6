package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// rawHash identifies an item by its exact bytes (surrounding white space aside).
func rawHash(raw json.RawMessage) string {
	sum := sha256.Sum256(bytes.TrimSpace(raw))
	return hex.EncodeToString(sum[:])
}

// PushAll handles the items of one push request in order, each as Push does. Items sent
// before byte for byte — a device retrying after a lost answer — are answered `exists` from
// one indexed read, without parsing them or taking the write lock. errs[i] is set when item
// i could not be stored (the handler reports it so the device keeps the item).
func (s *Store) PushAll(ctx context.Context, c Caller, raws []json.RawMessage) ([]Outcome, []error) {
	outs := make([]Outcome, len(raws))
	errs := make([]error, len(raws))
	hashes := make([]string, len(raws))
	for i, raw := range raws {
		hashes[i] = rawHash(raw)
	}
	known, err := s.byRawHash(ctx, hashes)
	if err != nil {
		known = nil // fall back to the full path for every item
	}
	for i, raw := range raws {
		if st, ok := known[hashes[i]]; ok {
			out := Outcome{ID: st.uuid, Outcome: Exists, Status: st.status, Record: st.id,
				Errors: st.errors, Warnings: st.warnings, Flags: st.flags}
			if st.duplicateOf != "" {
				out.DuplicateOf = s.uuidOf(ctx, s.Reader, st.duplicateOf)
			}
			outs[i] = out
			continue
		}
		outs[i], errs[i] = s.push(ctx, c, raw, hashes[i])
	}
	return outs, errs
}

// byRawHash reads the stored submissions among hashes in one query.
func (s *Store) byRawHash(ctx context.Context, hashes []string) (map[string]storedSub, error) {
	if len(hashes) == 0 {
		return nil, nil
	}
	args := make([]any, len(hashes))
	for i, h := range hashes {
		args[i] = h
	}
	q := `SELECT raw_hash, id, uuid, status, errors, warnings, duplicate_of, flags FROM submissions
		WHERE raw_hash IN (?` + strings.Repeat(",?", len(hashes)-1) + `)`
	rows, err := s.Reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("ingest: resend lookup: %w", err)
	}
	defer rows.Close()
	out := map[string]storedSub{}
	for rows.Next() {
		var h string
		var st storedSub
		var errs, warns, flags sql.NullString
		if err := rows.Scan(&h, &st.id, &st.uuid, &st.status, &errs, &warns, &st.duplicateOf, &flags); err != nil {
			return nil, fmt.Errorf("ingest: resend scan: %w", err)
		}
		st.errors, st.warnings = problems(errs), problems(warns)
		if flags.Valid {
			json.Unmarshal([]byte(flags.String), &st.flags)
		}
		out[h] = st
	}
	return out, rows.Err()
}
