package hooks

import (
	"fmt"
	"net/http"
	"sort"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// reviewSummary is GET /api/review/summary?team=: the supervisor's figures for a team.
func (s *Server) reviewSummary(e *core.RequestEvent) error {
	role, err := requireRole(e, RoleSupervisor, RoleSuperuser)
	if err != nil {
		return err
	}
	team := e.Request.URL.Query().Get("team")
	if team == "" {
		return apiError(http.StatusBadRequest, "team is required (a team id)")
	}
	if role == RoleSupervisor && !contains(teamsOf(e.Auth), team) {
		return apiError(http.StatusNotFound, "no team "+team+" that you supervise")
	}
	if _, err := s.app.FindRecordById("teams", team); err != nil {
		return apiError(http.StatusNotFound, "no team "+team)
	}
	var byStatus []struct {
		Status string `db:"status" json:"status"`
		N      int    `db:"n" json:"n"`
	}
	p := dbx.Params{"t": team}
	if err := s.app.DB().NewQuery("SELECT status, COUNT(*) AS n FROM submissions WHERE team = {:t} GROUP BY status").Bind(p).All(&byStatus); err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	var byEnum []struct {
		Enumerator string `db:"enumerator" json:"enumerator"`
		Name       string `db:"name" json:"name"`
		Status     string `db:"status" json:"status"`
		N          int    `db:"n" json:"n"`
	}
	if err := s.app.DB().NewQuery(`SELECT s.enumerator AS enumerator, COALESCE(u.name, '') AS name, s.status AS status, COUNT(*) AS n
		FROM submissions s LEFT JOIN users u ON u.id = s.enumerator WHERE s.team = {:t} GROUP BY s.enumerator, s.status`).Bind(p).All(&byEnum); err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	var durations []float64
	if err := s.app.DB().NewQuery("SELECT duration_s FROM submissions WHERE team = {:t} AND duration_s > 0").Bind(p).Column(&durations); err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	var devices []struct {
		DeviceID   string `db:"device_id" json:"device_id"`
		Enumerator string `db:"enumerator" json:"enumerator"`
		AppVersion string `db:"app_version" json:"app_version"`
		LastSeen   string `db:"last_seen" json:"last_seen"`
		LastPush   string `db:"last_push" json:"last_push"`
	}
	if err := s.app.DB().NewQuery(`SELECT d.device_id, d.enumerator, d.app_version, d.last_seen, d.last_push FROM devices d
		JOIN users u ON u.id = d.enumerator WHERE EXISTS (SELECT 1 FROM json_each(u.teams) WHERE value = {:t})
		ORDER BY d.last_seen`).Bind(p).All(&devices); err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	total, flagged := 0, 0
	counts := map[string]int{}
	for _, r := range byStatus {
		counts[r.Status] = r.N
		total += r.N
		if r.Status == "flagged" {
			flagged = r.N
		}
	}
	enums := map[string]map[string]any{}
	for _, r := range byEnum {
		m, ok := enums[r.Enumerator]
		if !ok {
			m = map[string]any{"enumerator": r.Enumerator, "name": r.Name, "total": 0, "by_status": map[string]int{}}
			enums[r.Enumerator] = m
		}
		m["by_status"].(map[string]int)[r.Status] = r.N
		m["total"] = m["total"].(int) + r.N
	}
	enumList := make([]map[string]any, 0, len(enums))
	for _, m := range enums {
		enumList = append(enumList, m)
	}
	sort.Slice(enumList, func(i, j int) bool { return enumList[i]["enumerator"].(string) < enumList[j]["enumerator"].(string) })
	share := 0.0
	if total > 0 {
		share = float64(flagged) / float64(total)
	}
	return e.JSON(http.StatusOK, map[string]any{
		"team": team, "total": total, "by_status": counts, "by_enumerator": enumList,
		"median_duration_s": median(durations), "share_flagged": share, "devices": devices,
	})
}

func median(v []float64) any {
	if len(v) == 0 {
		return nil
	}
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
