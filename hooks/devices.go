package hooks

import (
	"encoding/json"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"fieldbase/ingest"
)

// touchDevice upserts the caller's device so supervisors see which tablet has not synced.
// counts is nil for a pull. A failure is logged, never fails the sync.
func (s *Server) touchDevice(e *core.RequestEvent, deviceID, appVersion string, counts map[string]int) {
	s.TouchDevice(e.Auth.Id, deviceID, appVersion, counts)
}

// TouchDevice records that enumerator's device synced now (see touchDevice).
func (s *Server) TouchDevice(enumerator, deviceID, appVersion string, counts map[string]int) {
	if deviceID == "" {
		if counts == nil {
			return // a pull that did not say which device: nothing to record
		}
		deviceID = "unknown"
	}
	if len(deviceID) > 200 {
		deviceID = deviceID[:200]
	}
	if len(appVersion) > 100 {
		appVersion = appVersion[:100]
	}
	now := ingest.DBTime(timeNow())
	params := dbx.Params{"id": ingest.NewID(), "d": deviceID, "e": enumerator, "v": appVersion, "t": now}
	q := `INSERT INTO devices (id, device_id, enumerator, app_version, last_seen, last_pull, created, updated)
		VALUES ({:id}, {:d}, {:e}, {:v}, {:t}, {:t}, {:t}, {:t})
		ON CONFLICT (device_id, enumerator) DO UPDATE SET app_version = excluded.app_version,
		last_seen = excluded.last_seen, last_pull = excluded.last_pull, updated = excluded.updated`
	if counts != nil {
		b, _ := json.Marshal(counts)
		params["c"] = string(b)
		q = `INSERT INTO devices (id, device_id, enumerator, app_version, last_seen, last_push, last_push_counts, created, updated)
		VALUES ({:id}, {:d}, {:e}, {:v}, {:t}, {:t}, {:c}, {:t}, {:t})
		ON CONFLICT (device_id, enumerator) DO UPDATE SET app_version = excluded.app_version,
		last_seen = excluded.last_seen, last_push = excluded.last_push,
		last_push_counts = excluded.last_push_counts, updated = excluded.updated`
	}
	if _, err := s.app.DB().NewQuery(q).Bind(params).Execute(); err != nil {
		s.app.Logger().Error("device upsert failed", "device_id", deviceID, "error", err)
	}
}
