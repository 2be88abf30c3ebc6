package hooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/dedup"
	"fieldbase/disclosure"
	"fieldbase/ingest"
)

// metaFingerprint is the _fieldbase_meta key of the fingerprint of the secret the stored
// digests were made with.
const metaFingerprint = "digest_fingerprint"

// Keys returns the deployment's keys, made at first use from the secret in the data dir
// (created there the first time). A data dir without submissions is marked as keyed by it
// at once: there is nothing to rekey.
func (s *Server) Keys() (*disclosure.Keys, error) {
	s.keysMu.Lock()
	defer s.keysMu.Unlock()
	if s.keys != nil {
		return s.keys, nil
	}
	k, _, err := disclosure.LoadOrCreate(s.app.DataDir())
	if err != nil {
		return nil, err
	}
	if fp, err := storedFingerprint(s.app); err == nil && fp == "" {
		var n int
		if err := s.app.DB().NewQuery("SELECT COUNT(*) FROM submissions").Row(&n); err == nil && n == 0 {
			if err := setFingerprint(s.app, k.Fingerprint()); err != nil {
				return nil, err
			}
		}
	}
	s.keys = k
	return k, nil
}

func storedFingerprint(app core.App) (string, error) {
	var fp string
	err := app.DB().NewQuery("SELECT value FROM _fieldbase_meta WHERE key = {:k}").Bind(dbx.Params{"k": metaFingerprint}).Row(&fp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return fp, err
}

func setFingerprint(app core.App, fp string) error {
	_, err := app.DB().NewQuery("INSERT INTO _fieldbase_meta (key, value) VALUES ({:k}, {:v}) ON CONFLICT (key) DO UPDATE SET value = excluded.value").
		Bind(dbx.Params{"k": metaFingerprint, "v": fp}).Execute()
	return err
}

// Rekey recomputes the stored digests of every submission (head_key and content_hash, from
// the stored answers, sensitive ones included) under the current secret when they were made
// under another one or none (a data dir of an earlier version, or one whose secret was lost),
// and returns how many submissions it rewrote. Raw hashes cannot be recomputed (the pushed
// bytes are not kept): they are cleared, and a resend of an old item is recognised by its id
// and content instead. Batches of 500 in their own transactions; the fingerprint is written
// last, so an interrupted rekey starts over at the next start.
func (s *Server) Rekey(ctx context.Context) (int, error) {
	keys, err := s.Keys()
	if err != nil {
		return 0, err
	}
	fp, err := storedFingerprint(s.app)
	if err != nil {
		return 0, fmt.Errorf("rekey: %w", err)
	}
	if fp == keys.Fingerprint() {
		return 0, nil
	}
	var ids []string
	if err := s.app.DB().NewQuery("SELECT id FROM submissions ORDER BY rowid").Column(&ids); err != nil {
		return 0, fmt.Errorf("rekey: %w", err)
	}
	if len(ids) > 0 {
		s.app.Logger().Info("rekeying stored digests under this data dir's secret", "submissions", len(ids))
	}
	done := 0
	for start := 0; start < len(ids); start += 500 {
		batch := ids[start:min(start+500, len(ids))]
		err := s.app.RunInTransaction(func(tx core.App) error {
			for _, id := range batch {
				var row struct {
					FormID  string `db:"form_id"`
					Version int    `db:"version"`
					Data    string `db:"data"`
					PII     string `db:"pii"`
				}
				if err := tx.DB().NewQuery("SELECT form_id, version, COALESCE(data, '') AS data, COALESCE(pii, '') AS pii FROM submissions WHERE id = {:id}").
					Bind(dbx.Params{"id": id}).WithContext(ctx).One(&row); err != nil {
					return err
				}
				answers := mergePII(json.RawMessage(orNull(row.Data)), json.RawMessage(orNull(row.PII)))
				h := s.dedupRoles(row.FormID, row.Version).HouseholdWith(keys, id, answers)
				if _, err := tx.DB().NewQuery("UPDATE submissions SET head_key = {:h}, content_hash = {:c}, raw_hash = '' WHERE id = {:id}").
					Bind(dbx.Params{"h": h.HeadKey, "c": dedup.ContentHashWith(keys, answers), "id": id}).WithContext(ctx).Execute(); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return done, fmt.Errorf("rekey: %w", err)
		}
		done += len(batch)
	}
	if err := setFingerprint(s.app, keys.Fingerprint()); err != nil {
		return done, fmt.Errorf("rekey: %w", err)
	}
	return done, nil
}

// quotaFromEnv reads the per-enumerator daily quota: FIELDBASE_QUOTA_INVALID (stored invalid
// submissions a day) and FIELDBASE_QUOTA_BYTES (bytes of stored answers a day); unset is
// ingest.DefaultQuota, -1 turns a limit off.
func quotaFromEnv() ingest.Quota {
	var q ingest.Quota
	if v, err := strconv.Atoi(os.Getenv("FIELDBASE_QUOTA_INVALID")); err == nil {
		q.Invalid = v
	}
	if v, err := strconv.ParseInt(os.Getenv("FIELDBASE_QUOTA_BYTES"), 10, 64); err == nil {
		q.Bytes = v
	}
	return q
}

// bindDigests keeps the stored digests of a submission true to its answers when they are
// edited on another path than a push (a superuser in the admin UI): a stale head key or
// content hash would match, or miss, the wrong households.
func (s *Server) bindDigests() {
	s.app.OnRecordUpdate("submissions").BindFunc(func(e *core.RecordEvent) error {
		orig := e.Record.Original()
		if jsonEqual(orig.Get("data"), e.Record.Get("data")) && jsonEqual(orig.Get("pii"), e.Record.Get("pii")) {
			return e.Next()
		}
		keys, err := s.Keys()
		if err != nil {
			return err
		}
		answers := mergePII(e.Record.Get("data"), e.Record.Get("pii"))
		roles := s.dedupRoles(e.Record.GetString("form_id"), e.Record.GetInt("version"))
		e.Record.Set("head_key", roles.HouseholdWith(keys, e.Record.Id, answers).HeadKey)
		e.Record.Set("content_hash", dedup.ContentHashWith(keys, answers))
		e.Record.Set("raw_hash", "")
		return e.Next()
	})
}

// dedupRoles are the dedup roles of a survey version's design (none for a survey the server
// does not have: the head key is then empty).
func (s *Server) dedupRoles(formID string, version int) dedup.Roles {
	if sv, ok := s.Surveys.Survey(formID, version); ok {
		return sv.Design.Dedup()
	}
	return dedup.Roles{}
}
