package hooks

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Quality thresholds the screen names next to its figures.
const (
	// A household interview shorter than this share of the team's median is "too short".
	shortShare = 0.5
	// Straight-lining is judged on this many of an enumerator's latest households (it reads
	// their answers, so it is bounded).
	straightSample = 300
	// Map points sent at most (the latest).
	maxMapPoints = 5000
)

type enumQuality struct {
	Enumerator     string   `json:"enumerator"`
	Name           string   `json:"name"`
	Interviews     int      `json:"interviews"`
	Days           int      `json:"days"`
	PerDay         float64  `json:"per_day"`
	MedianDuration *float64 `json:"median_duration_s"`
	TooShort       int      `json:"too_short"`
	ShareInvalid   float64  `json:"share_invalid"`
	ShareFlagged   float64  `json:"share_flagged"`
	MedianAccuracy *float64 `json:"median_gps_accuracy_m"`
	MedianDistance *float64 `json:"median_distance_m"`
	StraightLining float64  `json:"share_straight_lining"`
	LastSync       string   `json:"last_sync"`
}

// consoleQuality is GET /api/console/quality?team=&silent=3: per enumerator interviews per
// day, durations (median, too short), share invalid or flagged, GPS accuracy and distance from
// the PSU's other points, straight-lining; last sync per device (silent for N days marked);
// interviews per day for the chart; the interviews' points for the map.
func (s *Server) consoleQuality(e *core.RequestEvent) error {
	sc, err := s.scopeOf(e)
	if err != nil {
		return err
	}
	if sc.role == RoleAnalyst {
		return apiError(http.StatusForbidden, "the analyst role may not do this")
	}
	q := e.Request.URL.Query()
	silent := 3
	if v := q.Get("silent"); v != "" {
		if silent, err = strconv.Atoi(v); err != nil || silent < 1 {
			return apiError(http.StatusBadRequest, "silent must be a number of days from 1")
		}
	}
	p := dbx.Params{}
	teams := sc.teams
	if t := q.Get("team"); t != "" {
		if sc.role == RoleSupervisor && !contains(teams, t) {
			return notFound("team", t)
		}
		teams = []string{t}
	}
	scope := "1"
	if sc.role == RoleSupervisor || len(teams) > 0 {
		if len(teams) == 0 {
			teams = []string{""}
		}
		scope = "s.team IN (" + bindList(p, "t", teams) + ")"
	}
	live := scope + " AND s.status NOT IN ('superseded', 'duplicate')"
	var subs []struct {
		ID       string  `db:"id"`
		Enum     string  `db:"enumerator"`
		Name     string  `db:"name"`
		Status   string  `db:"status"`
		Date     string  `db:"a_date"`
		Duration float64 `db:"duration_s"`
		Errors   int     `db:"error_count"`
		Flags    string  `db:"flags"`
		FormID   string  `db:"form_id"`
		PSU      int     `db:"a_psu"`
		Lat      float64 `db:"lat"`
		Lon      float64 `db:"lon"`
		Acc      float64 `db:"gps_accuracy"`
		Created  string  `db:"created"`
	}
	err = s.app.DB().NewQuery(`SELECT s.id, s.enumerator, COALESCE(u.name, '') AS name, s.status, COALESCE(s.a_date, '') AS a_date,
			COALESCE(s.duration_s, 0) AS duration_s, COALESCE(s.error_count, 0) AS error_count, COALESCE(s.flags, '') AS flags,
			s.form_id, COALESCE(s.a_psu, 0) AS a_psu, COALESCE(s.lat, 0) AS lat, COALESCE(s.lon, 0) AS lon, COALESCE(s.gps_accuracy, 0) AS gps_accuracy, s.created
		FROM submissions s LEFT JOIN users u ON u.id = s.enumerator WHERE ` + live + ` ORDER BY s.created DESC`).Bind(p).All(&subs)
	if err != nil {
		return fmt.Errorf("console: quality: %w", err)
	}
	// The PSU's centre: the median of its points (robust to one household far away).
	type pt struct{ lat, lon float64 }
	// PSUs of one survey: PSU 3 of two surveys are two places.
	type psuKey struct {
		form string
		psu  int
	}
	psuPts := map[psuKey][]pt{}
	var allDur []float64
	for _, r := range subs {
		if r.Lat != 0 || r.Lon != 0 {
			k := psuKey{r.FormID, r.PSU}
			psuPts[k] = append(psuPts[k], pt{r.Lat, r.Lon})
		}
		if r.Duration > 0 {
			allDur = append(allDur, r.Duration)
		}
	}
	centre := map[psuKey]pt{}
	for k, list := range psuPts {
		lats, lons := make([]float64, len(list)), make([]float64, len(list))
		for i, x := range list {
			lats[i], lons[i] = x.lat, x.lon
		}
		centre[k] = pt{medianOf(lats), medianOf(lons)}
	}
	teamMedian := medianOf(append([]float64(nil), allDur...))
	type acc struct {
		q                 enumQuality
		days              map[string]bool
		dur, gps, dist    []float64
		invalid, flagged  int
		recent            []string
		straight, sampled int
	}
	byEnum := map[string]*acc{}
	var order []string
	perDay := map[string]map[string]int{}
	points := []map[string]any{}
	for _, r := range subs {
		a := byEnum[r.Enum]
		if a == nil {
			a = &acc{q: enumQuality{Enumerator: r.Enum, Name: r.Name}, days: map[string]bool{}}
			byEnum[r.Enum] = a
			order = append(order, r.Enum)
		}
		a.q.Interviews++
		if r.Date != "" {
			a.days[r.Date] = true
			if perDay[r.Date] == nil {
				perDay[r.Date] = map[string]int{}
			}
			perDay[r.Date][r.Enum]++
		}
		if r.Duration > 0 {
			a.dur = append(a.dur, r.Duration)
			if teamMedian > 0 && r.Duration < shortShare*teamMedian {
				a.q.TooShort++
			}
		}
		if r.Errors > 0 || r.Status == "invalid" {
			a.invalid++
		}
		if len(flagKinds(r.Flags)) > 0 || r.Status == "flagged" {
			a.flagged++
		}
		if r.Lat != 0 || r.Lon != 0 {
			if r.Acc > 0 {
				a.gps = append(a.gps, r.Acc)
			}
			if c, ok := centre[psuKey{r.FormID, r.PSU}]; ok && len(psuPts[psuKey{r.FormID, r.PSU}]) > 1 {
				a.dist = append(a.dist, haversine(r.Lat, r.Lon, c.lat, c.lon))
			}
			if len(points) < maxMapPoints {
				points = append(points, map[string]any{"id": r.ID, "lat": r.Lat, "lon": r.Lon, "status": r.Status, "enumerator": r.Name, "psu": r.PSU})
			}
		}
		if len(a.recent) < straightSample {
			a.recent = append(a.recent, r.ID)
		}
	}
	// Straight-lining: a household where, in a roster of 3 or more, most single-choice
	// questions have the same answer for everyone.
	for _, id := range order {
		a := byEnum[id]
		a.straight, a.sampled = s.straightLining(a.recent)
	}
	out := make([]enumQuality, 0, len(order))
	for _, id := range order {
		a := byEnum[id]
		a.q.Days = len(a.days)
		if a.q.Days > 0 {
			a.q.PerDay = math.Round(float64(a.q.Interviews)/float64(a.q.Days)*10) / 10
		}
		a.q.MedianDuration = medianPtr(a.dur)
		a.q.MedianAccuracy = medianPtr(a.gps)
		a.q.MedianDistance = medianPtr(a.dist)
		a.q.ShareInvalid = share(a.invalid, a.q.Interviews)
		a.q.ShareFlagged = share(a.flagged, a.q.Interviews)
		a.q.StraightLining = share(a.straight, a.sampled)
		out = append(out, a.q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	var devices []struct {
		DeviceID   string `db:"device_id" json:"device_id"`
		Enumerator string `db:"enumerator" json:"enumerator"`
		Name       string `db:"name" json:"name"`
		AppVersion string `db:"app_version" json:"app_version"`
		LastSeen   string `db:"last_seen" json:"last_seen"`
		LastPush   string `db:"last_push" json:"last_push"`
		Silent     bool   `db:"-" json:"silent"`
		DaysSilent int    `db:"-" json:"days_silent"`
	}
	dp := dbx.Params{}
	dq := `SELECT d.device_id, d.enumerator, COALESCE(u.name, '') AS name, d.app_version, d.last_seen, d.last_push FROM devices d
		JOIN users u ON u.id = d.enumerator`
	if scope != "1" {
		dq += " WHERE EXISTS (SELECT 1 FROM json_each(u.teams) j WHERE j.value IN (" + bindList(dp, "t", teams) + "))"
	}
	if err := s.app.DB().NewQuery(dq + " ORDER BY d.last_seen").Bind(dp).All(&devices); err != nil {
		return fmt.Errorf("console: devices: %w", err)
	}
	now := time.Now()
	for i := range devices {
		d := &devices[i]
		if t, err := time.Parse("2006-01-02 15:04:05.000Z", d.LastSeen); err == nil {
			d.DaysSilent = int(now.Sub(t).Hours() / 24)
			d.Silent = d.DaysSilent >= silent
		}
		for j := range out {
			if out[j].Enumerator == d.Enumerator && d.LastSeen > out[j].LastSync {
				out[j].LastSync = d.LastSeen
			}
		}
	}
	days := make([]map[string]any, 0, len(perDay))
	for day, m := range perDay {
		for enum, n := range m {
			days = append(days, map[string]any{"date": day, "enumerator": byEnum[enum].q.Name, "n": n})
		}
	}
	sort.Slice(days, func(i, j int) bool { return days[i]["date"].(string) < days[j]["date"].(string) })
	return e.JSON(http.StatusOK, map[string]any{"enumerators": out, "devices": devices, "per_day": days, "points": points,
		"team_median_duration_s": teamMedian, "short_share": shortShare, "silent_days": silent, "straight_sample": straightSample})
}

// straightLining counts, among the households ids, those whose roster (3 members or more)
// has the same answer for every member in at least 80% of its single-choice questions that
// everyone answered (with 5 such questions at least).
func (s *Server) straightLining(ids []string) (hits, sampled int) {
	if len(ids) == 0 {
		return 0, 0
	}
	p := dbx.Params{}
	var rows []struct {
		Data    string `db:"data"`
		FormID  string `db:"form_id"`
		Version int    `db:"version"`
	}
	if err := s.app.DB().NewQuery("SELECT COALESCE(data, '') AS data, form_id, version FROM submissions WHERE id IN (" + bindList(p, "i", ids) + ")").
		Bind(p).All(&rows); err != nil {
		return 0, 0
	}
	for _, r := range rows {
		sv, ok := s.Surveys.Survey(r.FormID, r.Version)
		if !ok {
			continue
		}
		var data map[string]any
		if json.Unmarshal([]byte(r.Data), &data) != nil {
			continue
		}
		for _, rep := range sv.Form.Repeats() {
			members, _ := data[rep].([]any)
			if len(members) < 3 {
				continue
			}
			questions, same := 0, 0
			for _, f := range sv.Form.Fields() {
				if f.Repeat != rep || f.Type != "select_one" {
					continue
				}
				var first any
				all, answered := true, true
				for i, m := range members {
					mm, _ := m.(map[string]any)
					v, ok := mm[f.Name]
					if !ok {
						answered = false
						break
					}
					if i == 0 {
						first = v
					} else if v != first {
						all = false
					}
				}
				if !answered {
					continue
				}
				questions++
				if all {
					same++
				}
			}
			if questions >= 5 {
				sampled++
				if float64(same) >= 0.8*float64(questions) {
					hits++
				}
			}
			break // the first roster (people) is the one that matters
		}
	}
	return hits, sampled
}

func medianOf(v []float64) float64 {
	m := median(v)
	if m == nil {
		return 0
	}
	return m.(float64)
}

func medianPtr(v []float64) *float64 {
	if len(v) == 0 {
		return nil
	}
	m := math.Round(medianOf(v)*10) / 10
	return &m
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(of)*1000) / 1000
}

// haversine is the distance in metres between two points.
func haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371000.0
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}
