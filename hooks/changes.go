package hooks

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/ingest"
	"fieldbase/store"
)

// appendChange adds one entry to the pull feed. Call it with the transaction's app: the
// sequence number is taken and written in the same transaction as the change, and all
// writes go through one connection, so sequence order is commit order and a cursor never
// skips a change that commits while a pull runs.
func appendChange(tx core.App, enumerator, kind, ref, op string) error {
	var seq int64
	if err := tx.DB().NewQuery(store.FeedSeq.NextSQL()).Row(&seq); err != nil {
		return fmt.Errorf("changes: next seq: %w", err)
	}
	now := ingest.DBTime(timeNow())
	_, err := tx.DB().NewQuery(`INSERT INTO changes (id, seq, enumerator, kind, ref, op, created, updated)
		VALUES ({:id}, {:seq}, {:e}, {:k}, {:r}, {:op}, {:t}, {:t})`).Bind(dbx.Params{
		"id": ingest.NewID(), "seq": seq, "e": enumerator, "k": kind, "r": ref, "op": op, "t": now,
	}).Execute()
	if err != nil {
		return fmt.Errorf("changes: insert: %w", err)
	}
	return nil
}
